#!/usr/bin/env python3
# vgpu-pci's start-up messages (issue 16 item 6, QEMU side): each mistake
# that used to send users the wrong way, made, and the new message checked
# for its cause and its fix: no mediator at the default socket (socket= is
# optional now), a -name the mediator cannot take (too long, not ASCII),
# socket= naming the control socket, two vgpu-pci in one VM, QEMU's user
# outside the socket's group (QEMU run as nobody); no message repeats the
# "vgpu-pci:" that QEMU's -device location prefix already says; and
# -device vgpu-pci,help describes every property, the read-only one as
# such.  TAP on stdout; a QEMU or mediator not built is a set-up failure.
# SPDX-License-Identifier: GPL-2.0-or-later
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qtest import run_with_mediator, start_failure  # noqa: E402

DEFAULT_SOCKET = '/run/gpumed/gpumed.sock'
MEMFD = ['-object', 'memory-backend-memfd,id=mem,size=128M,share=on',
         '-machine', 'memory-backend=mem', '-m', '128M']
# QEMU's location prefix, then ours again: what issue 16 found in every line.
DOUBLED = re.compile(r'-device vgpu-pci[^ ]*: (?:(?:info|warning): )?vgpu-pci: ')


def refused(tap, qemu, args, wants, name):
    """QEMU with @args exits 1 saying every string of @wants, and no line
    repeats the device's name after its location."""
    status, err = start_failure(qemu, args)
    tap.check(status == 1 and all(w in err for w in wants), name,
              'status %s: %s' % (status, err.strip()))
    tap.check(not DOUBLED.search(err), name + ': no doubled vgpu-pci: prefix', err.strip())
    return err


def check_names_and_sockets(tap, qemu, mediator):
    socket = mediator.socket
    if os.path.exists(DEFAULT_SOCKET):
        tap.skip('no socket=: the default socket', 'a mediator listens at ' + DEFAULT_SOCKET)
    else:
        refused(tap, qemu, MEMFD + ['-device', 'vgpu-pci'],
                ["cannot connect to the gpumed mediator at %s (socket='s default)" % DEFAULT_SOCKET,
                 'is gpumed running?', 'give socket=PATH'],
                'no socket=: the default socket tried, and what to do')
    refused(tap, qemu, MEMFD + ['-device', 'vgpu-pci,socket=/nonexistent/gpumed.sock'],
            ['cannot connect to the gpumed mediator at /nonexistent/gpumed.sock: No such file',
             'is gpumed running?'], 'socket= with nothing there: is gpumed running?')
    refused(tap, qemu, MEMFD + ['-name', 'v' * 70, '-device', 'vgpu-pci,socket=' + socket],
            ["the VM's name (-name) has 70 characters", 'at most 63 printable ASCII',
             'give -name a shorter name'], 'a 70-character -name: its length, the limit, the fix')
    refused(tap, qemu, MEMFD + ['-name', 'v\u00e9', '-device', 'vgpu-pci,socket=' + socket],
            ['byte 0xc3 at offset 1', 'give -name a name in ASCII'],
            'a non-ASCII -name: the byte, the fix')
    refused(tap, qemu, MEMFD + ['-device', 'vgpu-pci,socket=%s.control' % socket],
            ["does not answer as a gpumed mediator's VM socket",
             "it is the mediator's control socket (gpumedctl's); give socket=%s" % socket],
            'socket= naming the control socket: which socket to give instead')
    err = refused(tap, qemu, MEMFD + ['-device', 'vgpu-pci,socket=' + socket,
                                      '-device', 'vgpu-pci,addr=03.0,socket=' + socket],
                  ['a VM has one Intel GPU', 'remove one of the two devices'],
                  'two vgpu-pci in one VM: one Intel GPU is allowed, remove one')
    tap.check('duplicate fw_cfg' not in err and
              re.search(r"info: VM '[^']+' has vGPU [0-9]+ \(gpumed-[0-9]+\), from the mediator",
                        err),
              "the first device's info line, and no fw_cfg abort", err.strip())


def check_permission(tap, qemu, mediator):
    """QEMU as nobody, the mediator's socket in root's 0700 directory."""
    with tempfile.TemporaryDirectory(prefix='gpumed-qemu-') as tmp:
        os.chmod(tmp, 0o755)
        copy = os.path.join(tmp, 'qemu-system-x86_64')
        shutil.copy(qemu, copy)
        os.chmod(copy, 0o755)
        args = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', copy,
                '-machine', 'q35', '-accel', 'qtest', '-display', 'none', '-nodefaults',
                '-serial', 'none', '-monitor', 'none'] + MEMFD + \
            ['-device', 'vgpu-pci,socket=' + mediator.socket]
        p = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=60)
        directory = os.path.dirname(mediator.socket)
        tap.check(p.returncode == 1 and 'Permission denied' in p.stderr and
                  'QEMU runs as user nobody (uid 65534), which may not enter %s (mode 700, '
                  'group root)' % directory in p.stderr and
                  'usermod -aG root nobody' in p.stderr,
                  "QEMU's user outside the socket's group: who, where, and the usermod to run",
                  'status %s: %s' % (p.returncode, p.stderr.strip()))


def check_help(tap, qemu):
    p = subprocess.run([qemu, '-device', 'vgpu-pci,help'], capture_output=True, text=True,
                       timeout=30)
    described = dict(re.findall(r'^\s+([a-z-]+)=<[^>]*>\s+- (.*)$', p.stdout, re.MULTILINE))
    wanted = ('socket', 'vgpu-type', 'vgpu', 'xres', 'yres', 'monitor-connected', 'stats')
    tap.check(p.returncode == 0 and all(described.get(n) for n in wanted),
              '-device vgpu-pci,help describes each of its properties',
              'missing: %s\n%s' % ([n for n in wanted if n not in described], p.stdout))
    tap.check(described.get('stats', '').startswith('read-only'),
              'and says stats is read-only', described.get('stats'))
    tap.check(DEFAULT_SOCKET in described.get('socket', ''),
              "and names socket='s default", described.get('socket'))


def check_messages(tap, qemu, mediator):
    check_names_and_sockets(tap, qemu, mediator)
    check_permission(tap, qemu, mediator)
    check_help(tap, qemu)


if __name__ == '__main__':
    sys.exit(run_with_mediator(check_messages))
