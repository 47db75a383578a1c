#!/usr/bin/env python3
# bench-guest-mmio-cost: what one emulated vGPU register access costs as the
# guest sees it (TCG trap, QEMU's dispatch, the vgpu library, return), next
# to a guest RAM read that does not trap.  Boots the test guest once
# (tests/guest/run-guest) and runs the agent step mmio-cost RUNS times; each
# run times COST_ITERATIONS accesses per kind and reports their mean.  Prints
# the median of the runs and the least and greatest as BENCH lines
# (docs/benchmarks.md).  Needs our QEMU and the guest image: without them
# it fails and names the script that builds them.
# SPDX-License-Identifier: GPL-2.0-or-later
import os
import re
import statistics
import subprocess
import sys

TOP = '@TOP@'
BUILD = '@BUILD@'
RUNS = 5
TIMEOUT = 240

# step key -> (BENCH name, unit)
KINDS = {
    'mmio_read_ns': 'guest-mmio-read',
    'mmio_write_ns': 'guest-mmio-write',
    'ggtt_pte_write_ns': 'guest-ggtt-pte-write',
    'ram_read_ns': 'guest-ram-read',
}


def main():
    run_guest = os.path.join(TOP, 'tests', 'guest', 'run-guest')
    env = dict(os.environ, GPUMED_BUILD=BUILD)
    ready = subprocess.run([run_guest, '--check'], env=env, capture_output=True, text=True)
    if ready.returncode:
        sys.stderr.write('bench-guest-mmio-cost: cannot boot the guest:\n' + ready.stdout)
        return 1
    out = subprocess.run([run_guest, '--steps', ','.join(['mmio-cost'] * RUNS),
                          '--timeout', str(TIMEOUT)], env=env, capture_output=True,
                         text=True)
    runs = []
    for line in out.stdout.splitlines():
        if 'GUEST-RESULT step=mmio-cost status=pass' in line:
            runs.append({k: float(v) for k, v in re.findall(r'(\w+)=([0-9.]+)', line)
                         if k in KINDS})
    if len(runs) != RUNS or out.returncode:
        sys.stderr.write('bench-guest-mmio-cost: %d of %d runs reported (run-guest status '
                         '%d):\n%s' % (len(runs), RUNS, out.returncode, out.stdout))
        return 1
    median = {}
    for key, name in KINDS.items():
        values = sorted(r[key] for r in runs)
        median[key] = statistics.median(values)
        print('BENCH %s %.1f ns' % (name, median[key]))
        print('BENCH %s-min %.1f ns' % (name, values[0]))
        print('BENCH %s-max %.1f ns' % (name, values[-1]))
    print('BENCH guest-mmio-read-vs-ram %.0f ratio'
          % (median['mmio_read_ns'] / median['ram_read_ns']))
    return 0


if __name__ == '__main__':
    sys.exit(main())
