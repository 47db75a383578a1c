#!/usr/bin/env python3
# bench-trap-path: where a trapped guest MMIO access should be emulated
# (docs/architecture.md, decision 1), as the host measures it and as the
# guest sees it.  trap-path-host times one emulated register read in each
# design without the trap (in the trapping process, over a UNIX socket to
# another process, through a spinning shared-memory mailbox); the guest's
# read of the same kind of register (bench-guest-mmio-cost: TCG trap,
# QEMU's dispatch, the in-process library, return; it boots the test guest)
# is the chosen design's whole path.  The other designs' whole paths are
# that read with the in-process library call replaced by their hand-off:
# guest - inproc + socket (or spin).  Every figure is a median of five runs
# (bench/bench-stats.h); the guest half needs our QEMU and the guest image
# and fails, naming what builds them, without them.
# SPDX-License-Identifier: GPL-2.0-or-later
import os
import re
import subprocess
import sys

BUILD = '@BUILD@'


def bench_lines(argv):
    """Run a benchmark; its BENCH lines as {name: value}, echoed as they are."""
    out = subprocess.run(argv, capture_output=True, text=True)
    sys.stderr.write(out.stderr)
    if out.returncode:
        sys.stderr.write('bench-trap-path: %s failed (status %d)\n'
                         % (os.path.basename(argv[0]), out.returncode))
        sys.exit(1)
    figures = {}
    for line in out.stdout.splitlines():
        m = re.match(r'BENCH (\S+) ([0-9.]+) ', line)
        if m:
            figures[m.group(1)] = float(m.group(2))
    return out.stdout, figures


def main():
    host_out, host = bench_lines([os.path.join(BUILD, 'bench', 'vgpu', 'trap-path-host')])
    guest_out, guest = bench_lines([os.path.join(BUILD, 'bench', 'bench-guest-mmio-cost')])
    sys.stdout.write(host_out)
    for line in guest_out.splitlines():
        if line.startswith('BENCH guest-mmio-read ') or line.startswith('BENCH guest-mmio-read-m'):
            print(line)
    whole = guest['guest-mmio-read']
    for design in ('socket', 'spin'):
        other = whole - host['trap-inproc-read'] + host['trap-%s-read' % design]
        print('BENCH trap-%s-guest-read %.1f ns' % (design, other))
        print('BENCH trap-%s-vs-inproc-guest %.1f ratio' % (design, other / whole))
    return 0


if __name__ == '__main__':
    sys.exit(main())
