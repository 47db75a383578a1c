#!/usr/bin/env python3
# scripts/common.sh's progress reports (issue 16 item 4) on made-up work:
# build_progress copies a build's output to its log byte for byte, says
# the last [n/N] count while the build pauses longer than the reporting
# period and once more at the end, and leaves the build's exit status to
# the pipeline; download_progress says how much of the expected size a
# download directory holds while the download runs.  The reporting period
# is 1 s (GPUMED_PROGRESS_SECONDS) and the made-up work pauses 3 s, so a
# report is due whatever the machine's load.  TAP on stdout.
# Usage: test-progress.py SCRIPTS/COMMON.SH
# SPDX-License-Identifier: GPL-2.0-or-later
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                'python'))
from tap import Tap  # noqa: E402

COMMON = sys.argv[1]
tap = Tap()
ENV = dict(os.environ, GPUMED_PROGRESS_SECONDS='1')


def bash(script, cwd):
    return subprocess.run(['bash', '-c', 'set -euo pipefail; . "%s"; %s' % (COMMON, script)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
                          cwd=cwd, timeout=60)


def main():
    with tempfile.TemporaryDirectory(prefix='gpumed-progress-') as tmp:
        build = ("printf '[1/3] Compiling a.c\\nwarning: a\\n'; sleep 3; "
                 "printf '[2/3] Compiling b.c\\n[3/3] Linking q'; printf '\\nlast words'")
        p = bash('(%s) | build_progress "building Q" log' % build, tmp)
        with open(os.path.join(tmp, 'log')) as f:
            log = f.read()
        tap.check(log == '[1/3] Compiling a.c\nwarning: a\n[2/3] Compiling b.c\n[3/3] Linking q\n'
                  'last words', 'the log is the build\'s output, byte for byte', repr(log))
        tap.check(re.search(r'^== building Q: 1/3 \(33 %\), [0-9]+ s$', p.stderr, re.MULTILINE),
                  'while the build pauses, its count is said', p.stderr)
        tap.check(re.search(r'^== building Q: 3/3 \(100 %\), ended after [0-9]+ s$', p.stderr,
                            re.MULTILINE) and p.stderr.rstrip().endswith('s'),
                  'at the end the last count is said', p.stderr)
        tap.check(p.returncode == 0 and not p.stdout, 'nothing else is printed', p.stdout)
        p = bash("(printf '[1/2] x\\n'; exit 3) | build_progress failing log2", tmp)
        tap.check(p.returncode == 3, "a failing build's status is the pipeline's",
                  'status %d' % p.returncode)

        os.makedirs(os.path.join(tmp, 'dl'))
        download = ('(head -c 1048576 /dev/zero > dl/part; sleep 3) & pid=$!; '
                    'download_progress "fetching P" dl %d "$pid"; wait "$pid"' % (2 << 20))
        p = bash(download, tmp)
        tap.check(p.returncode == 0 and
                  re.search(r'^== fetching P: 1 of 2 MiB, [0-9]+ s$', p.stderr, re.MULTILINE),
                  'a running download is said as MiB of the expected size', p.stderr)
    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
