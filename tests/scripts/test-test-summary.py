#!/usr/bin/env python3
# scripts/test-summary, the closing line of scripts/check, on made-up runs:
# a fuzzer without its FUZZ line, a failed fuzz set-up, skips of each kind,
# known failures naming an open issue, a closed one or none.  Each case
# checks the counts of the closing line, the exit status and the lines
# naming what was skipped or failed.  TAP on stdout.
# Usage: test-test-summary.py SCRIPTS/TEST-SUMMARY
# SPDX-License-Identifier: GPL-2.0-or-later
import json
import os
import subprocess
import sys
import tempfile

SUMMARY = sys.argv[1]
count = failed = 0


def check(ok, name, detail=''):
    global count, failed
    count += 1
    failed += not ok
    # a '#' would make the line a TAP directive
    print('%s %d - %s' % ('ok' if ok else 'not ok', count, name.replace('#', '(hash)')))
    if not ok and detail:
        for line in detail.splitlines():
            print('# ' + line)


def tap_test(name, stdout, result='OK'):
    return {'name': name, 'stdout': stdout, 'result': result}


PASSING = tap_test('unit-a', 'ok 1 - a\nok 2 - b\n1..2\n')


def summary(tmp, fuzzers, fuzz_output, tests, open_issues='13 honest\n'):
    """Run test-summary; its exit status and output lines."""
    paths = {}
    for name, text in (('fuzzers.txt', '\n'.join(fuzzers) + '\n'), ('fuzz.out', fuzz_output),
                       ('issues.txt', open_issues),
                       ('testlog.json', ''.join(json.dumps(t) + '\n' for t in tests))):
        paths[name] = os.path.join(tmp, name)
        with open(paths[name], 'w') as f:
            f.write(text)
    p = subprocess.run([SUMMARY, '--open-issues', paths['issues.txt'], paths['fuzzers.txt'],
                        paths['fuzz.out'], paths['testlog.json']],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p.returncode, p.stdout.splitlines()


def case(tmp, name, want_line, want_status, want_named, **kw):
    status, lines = summary(tmp, **kw)
    out = '\n'.join(lines)
    check(lines[-1:] == [want_line], '%s: closing line %r' % (name, want_line), out)
    check(status == want_status, '%s: exit status %d' % (name, want_status), out)
    for text in want_named:
        check(any(text in line for line in lines), '%s: names %r' % (name, text), out)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        case(tmp, 'all ran', '4 passed, 0 failed, 0 skipped', 0, [],
             fuzzers=['scan', 'workload'],
             fuzz_output='FUZZ scan pass runs=1 seconds=1\nFUZZ workload pass runs=1 seconds=1\n',
             tests=[PASSING])
        case(tmp, 'a fuzzer without its FUZZ line', '3 passed, 1 failed, 0 skipped', 1,
             ['fuzzer workload did not run'],
             fuzzers=['scan', 'workload'], fuzz_output='FUZZ scan pass runs=1 seconds=1\n',
             tests=[PASSING])
        case(tmp, 'the fuzz build failed', '2 passed, 2 failed, 0 skipped', 1,
             ['FUZZ-SETUP fail', 'fuzzer scan did not run', 'fuzzer workload did not run'],
             fuzzers=['scan', 'workload'], fuzz_output='FUZZ-SETUP fail log=x\n',
             tests=[PASSING])
        case(tmp, 'a failed fuzzer', '2 passed, 1 failed, 0 skipped', 1, ['FUZZ scan fail'],
             fuzzers=['scan'], fuzz_output='FUZZ scan fail log=x\n', tests=[PASSING])
        case(tmp, 'skips of every kind', '4 passed, 0 failed, 3 skipped', 0,
             ['skipped: unit-skip: ok 2 - b # SKIP no b', 'skipped: plan-skip: no QEMU',
              'skipped: exit-77 (exit status 77)'],
             fuzzers=['scan'], fuzz_output='FUZZ scan pass\n',
             tests=[PASSING, tap_test('unit-skip', 'ok 1 - a\nok 2 - b # SKIP no b\n1..2\n'),
                    tap_test('plan-skip', '1..0 # SKIP no QEMU\n'),
                    {'name': 'exit-77', 'stdout': '', 'result': 'SKIP'}])
        todo = 'ok 1 - a\nnot ok 2 - b # TODO %s\n1..2\n'
        case(tmp, 'a known failure of an open issue', '4 passed, 0 failed, 1 skipped', 0,
             ['known failure: guest-x: not ok 2 - b # TODO issue 13'],
             fuzzers=['scan'], fuzz_output='FUZZ scan pass\n',
             tests=[PASSING, tap_test('guest-x', todo % 'issue 13: the reason')])
        case(tmp, 'a known failure of a closed issue', '4 passed, 1 failed, 0 skipped', 1,
             ['guest-x: a known failure naming no open issue'],
             fuzzers=['scan'], fuzz_output='FUZZ scan pass\n',
             tests=[PASSING, tap_test('guest-x', todo % 'issue 5: fixed long ago')])
        case(tmp, 'a known failure naming no issue', '4 passed, 1 failed, 0 skipped', 1,
             ['guest-x: a known failure naming no open issue'],
             fuzzers=['scan'], fuzz_output='FUZZ scan pass\n',
             tests=[PASSING, tap_test('guest-x', todo % 'flaky')])
        case(tmp, 'a known failure that passes', '3 passed, 1 failed, 0 skipped', 1,
             ['passes now'], fuzzers=['scan'], fuzz_output='FUZZ scan pass\n',
             tests=[PASSING, tap_test('guest-x', 'ok 1 - a # TODO issue 13\n1..1\n')])
        case(tmp, 'a crash after passing lines', '4 passed, 1 failed, 0 skipped', 1,
             ['FAILED: unit-crash (ERROR after its TAP lines)'],
             fuzzers=['scan'], fuzz_output='FUZZ scan pass\n',
             tests=[PASSING, tap_test('unit-crash', '1..2\nok 1 - a\n', 'ERROR')])
        case(tmp, 'a failure says why', '1 passed, 2 failed, 0 skipped', 1,
             ['why: # native-1 failed (run-guest status 1)', 'why: Traceback'],
             fuzzers=['scan'], fuzz_output='FUZZ scan pass\n',
             tests=[tap_test('guest-y', '1..1\nnot ok 1 - boots\n# GUEST-RESULT step=a status=fail\n'
                             '# native-1 failed (run-guest status 1)\n', 'ERROR'),
                    {'name': 'plain', 'stdout': 'Traceback (most recent call last)\n',
                     'result': 'FAIL'}])
        status, lines = summary(tmp, fuzzers=['scan'], fuzz_output='FUZZ scan pass\n',
                                tests=[PASSING, tap_test('guest-z', '1..1\nok 1 - a\n# chatter\n')])
        check(not any('why:' in line for line in lines), 'a passing test says no why',
              '\n'.join(lines))
    print('1..%d' % count)
    return 0


if __name__ == '__main__':
    sys.exit(main())
