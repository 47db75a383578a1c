#!/usr/bin/env python3
# gpumedctl against the real gpumed (issue 16 item 6): each message that
# used to send users the wrong way, triggered, and its replacement checked
# (the cause and the fix named); `set` taking a vGPU's name as destroy does
# (the change checked through `list`); a failing --json command printing one
# valid JSON error object and nothing else on stdout; -h, --help, --version.
# TAP on stdout.
# Usage: test-gpumedctl.py GPUMED GPUMEDCTL
# SPDX-License-Identifier: GPL-2.0-or-later
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                'python'))
import mediator as gpumed  # noqa: E402
from tap import Tap  # noqa: E402

GPUMED, GPUMEDCTL = sys.argv[1], sys.argv[2]
tap = Tap()
check = tap.check


def ctl(socket, *args):
    p = subprocess.run([GPUMEDCTL, '--socket', socket] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    return p.returncode, p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')


def json_or_none(text):
    try:
        return json.loads(text)
    except ValueError:
        return None


def check_failure(socket, args, status, stderr_has, name):
    """@args fail with @status, stderr naming @stderr_has; with --json the
    only stdout is a JSON error object with the same message."""
    rc, out, err = ctl(socket, *args)
    check(rc == status and all(s in err for s in stderr_has) and not out,
          name, 'status %d, stdout %r, stderr %r' % (rc, out, err))
    rc, out, err = ctl(socket, '--json', *args)
    doc = json_or_none(out)
    message = doc.get('error', {}).get('message', '') if isinstance(doc, dict) else ''
    check(rc == status and doc is not None and list(doc) == ['error'] and
          all(s in message for s in stderr_has),
          name + ' (--json: one error object on stdout)', 'status %d, stdout %r' % (rc, out))
    return doc


def vgpus(socket):
    rc, out, err = ctl(socket, '--json', 'list')
    doc = json_or_none(out)
    return {v['name']: v for v in doc['vgpus']} if rc == 0 and doc else {}


def without_daemon():
    with tempfile.TemporaryDirectory(prefix='gpumedctl-test-') as tmp:
        socket = os.path.join(tmp, 'gpumed.sock')
        doc = check_failure(socket, ['list'], 1,
                            ['is gpumed running? (socket %s' % socket],
                            'list with no mediator asks "is gpumed running?" naming the socket')
        check(doc is not None and doc['error'].get('errno') == 'ENOENT' and
              doc['error'].get('command') == 'list',
              'the JSON error names the command and errno', doc)


def command_line():
    socket = '/nonexistent/gpumed.sock'     # never reached: refused before connecting
    check_failure(socket, ['set', 'vm1'], 2, ['nothing to set', '--weight', '--cap'],
                  'set without --weight or --cap says what to give')
    check_failure(socket, ['set'], 2, ['which vGPU?', 'NAME|ID'],
                  'set without a vGPU asks for a name or id')
    check_failure(socket, ['create', '--type', 'gpumed-8', '--name', 'vm 1'], 2,
                  ["'vm 1' has ' '", 'A-Z a-z 0-9 . _ -'],
                  'a name with a space: the character and the allowed set')
    check_failure(socket, ['create', '--type', 'gpumed-8', '--name', 'v\u00e9'], 2,
                  ['byte 0xc3 at offset 1', 'ASCII only'],
                  'a non-ASCII name: the byte and where')
    check_failure(socket, ['destroy', 'a' * 70], 2, ['is 70 characters', 'at most 63'],
                  'a 70-character name: its length and the limit')
    check_failure(socket, ['set', '0', '--cap', '5'], 2, ["'0' is neither a vGPU id"],
                  'set 0: not an id')
    check_failure(socket, ['list', '--weight', '3'], 2, ['--weight and --cap go with set'],
                  '--weight given to list')
    check_failure(socket, ['--bogus', 'list'], 2, ["unknown option '--bogus'", '--help'],
                  'an unknown option points at --help')
    for args in (['-h'], ['--help']):
        rc, out, err = ctl(socket, *args)
        check(rc == 0 and out.startswith('usage: gpumedctl') and 'set NAME|ID' in out,
              'gpumedctl %s prints the usage' % args[0], out + err)
    rc, out, err = ctl(socket, '--version')
    check(rc == 0 and out.startswith('gpumedctl ') and len(out.split()) == 2,
          'gpumedctl --version', out + err)
    for args in (['-h'], ['--help'], ['--version']):
        p = subprocess.run([GPUMED] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=60)
        check(p.returncode == 0 and p.stdout.startswith('usage: gpumed' if args[0] != '--version'
                                                          else 'gpumed '),
              'gpumed %s' % args[0], p.stdout + p.stderr)


def with_daemon():
    mediator = gpumed.Mediator(GPUMED)
    try:
        if not check(mediator.wait_listening(), 'the mediator listens'):
            return
        socket = mediator.socket
        rc, out, err = ctl(socket, 'create', '--type', 'gpumed-8', '--name', 'vm1')
        check(rc == 0, 'create vm1', err)
        rc, out, err = ctl(socket, 'set', 'vm1', '--weight', '5')
        check(rc == 0 and not err, 'set vm1 --weight 5 takes the name, as destroy does', err)
        listed = vgpus(socket).get('vm1', {})
        check(listed.get('weight') == 5, 'list shows vm1 with weight 5', listed)
        rc, out, err = ctl(socket, 'set', str(listed.get('id', 0)), '--cap', '40')
        listed = vgpus(socket).get('vm1', {})
        check(rc == 0 and listed.get('cap_percent') == 40 and listed.get('weight') == 5,
              'set ID --cap 40 by its id, the weight kept', listed)
        check_failure(socket, ['set', 'nosuch', '--weight', '2'], 1,
                      ["no vGPU named 'nosuch'", 'gpumedctl list'],
                      'set of an unknown name says so and where to look')
        check_failure(socket, ['set', '99', '--weight', '2'], 1, ['no vGPU 99', 'gpumedctl list'],
                      'set of an unknown id says so and where to look')
        doc = check_failure(socket, ['create', '--type', 'gpumed-8', '--name', 'vm1'], 1,
                            ["a vGPU named 'vm1' exists already"],
                            'create of an existing name: the reason')
        check(doc is not None and doc['error'].get('errno') == 'EEXIST',
              'its JSON error carries EEXIST', doc)
        doc = check_failure(socket, ['create', '--type', 'gpumed-0', '--name', 'vm2'], 1,
                            ["unknown vGPU type 'gpumed-0'", 'gpumedctl types'],
                            'create of an unknown type: the reason and where to look')
        # Fill the aperture: the failing create prints no half array.
        for i in range(2, 64):
            rc, out, err = ctl(socket, '--json', 'create', '--type', 'gpumed-8',
                               '--name', 'fill%d' % i)
            if rc:
                break
            check_doc = json_or_none(out)
            if not check_doc or len(check_doc.get('vgpus', [])) != 1:
                check(False, 'a successful --json create prints its vGPU', out)
                break
        doc = json_or_none(out)
        check(rc == 1 and doc is not None and list(doc) == ['error'] and
              doc['error'].get('errno') == 'ENOSPC' and
              'exhausted' in doc['error'].get('message', ''),
              'the create that finds no room: --json prints one error object (ENOSPC)',
              'status %d, stdout %r, stderr %r' % (rc, out, err))
    finally:
        status, lines = mediator.stop()
        check(status == 0, 'the mediator stops cleanly', '\n'.join(lines[-5:]))


def main():
    without_daemon()
    command_line()
    with_daemon()
    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
