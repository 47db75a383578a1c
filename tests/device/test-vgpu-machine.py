#!/usr/bin/env python3
# A usable VM around vgpu-pci (issue 16 item 2, network part): our QEMU
# starts a q35 machine with its default devices (no -nodefaults: the
# default e1000e NIC, whose boot ROM comes from Debian's ipxe-qemu) next to
# vgpu-pci at 00:02.0 (-vga none frees the slot), on user networking
# (slirp); and -nic user,model=virtio-net-pci as the README's full command
# line has it.  Checked through QMP: the PCI devices present and the
# network backend.  TAP on stdout; a QEMU or mediator not built is a
# set-up failure.
# SPDX-License-Identifier: GPL-2.0-or-later
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmp import QMP, QMPError  # noqa: E402
from qtest import run_with_mediator  # noqa: E402

MEMFD = ['-object', 'memory-backend-memfd,id=mem,size=128M,share=on',
         '-machine', 'memory-backend=mem', '-m', '128M']
VGPU = (0x8086, 0x1912)
E1000E = (0x8086, 0x10d3)
VIRTIO_NET = (0x1af4, 0x1000)


def machine(qemu, mediator, extra):
    """QEMU's PCI devices {(slot, function): (vendor, device)} and its
    `info network`, or None and QEMU's stderr when it did not start."""
    with tempfile.TemporaryDirectory(prefix='gpumed-machine-') as tmp:
        qmp_path = os.path.join(tmp, 'qmp.sock')
        proc = subprocess.Popen(
            [qemu, '-machine', 'q35', '-accel', 'qtest', '-display', 'none', '-vga', 'none',
             '-serial', 'none', '-monitor', 'none', '-qmp',
             'unix:%s,server=on,wait=off' % qmp_path] + MEMFD + extra +
            ['-device', 'vgpu-pci,addr=02.0,socket=' + mediator.socket],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True)
        try:
            qmp = QMP(qmp_path)
            devices = {(d['slot'], d['function']): (d['id']['vendor'], d['id']['device'])
                       for bus in qmp.command('query-pci') for d in bus['devices']}
            network = qmp.command('human-monitor-command', **{'command-line': 'info network'})
            qmp.command('quit')
            qmp.close()
            proc.wait(30)
            return devices, network, ''
        except (QMPError, OSError) as e:
            proc.kill()
            return None, None, '%s: %s' % (e, proc.communicate()[1])


def check_machines(tap, qemu, mediator):
    devices, network, err = machine(qemu, mediator, [])
    tap.check(devices is not None, 'a default q35 machine with vgpu-pci starts (no '
              '-nodefaults: the default NIC finds its boot ROM)', err)
    if devices:
        tap.check(devices.get((2, 0)) == VGPU and E1000E in devices.values(),
                  'vgpu-pci at 00:02.0 and the default e1000e NIC', devices)
        tap.check('type=user' in network, "the default NIC's backend is user networking "
                  "(slirp)", network)
    devices, network, err = machine(qemu, mediator,
                                    ['-nodefaults', '-nic', 'user,model=virtio-net-pci'])
    tap.check(devices is not None and VIRTIO_NET in devices.values() and
              'type=user' in (network or ''),
              '-nic user,model=virtio-net-pci: a virtio NIC on user networking', err or network)


if __name__ == '__main__':
    sys.exit(run_with_mediator(check_machines))
