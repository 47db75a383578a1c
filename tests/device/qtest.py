# A minimal client for QEMU's qtest protocol: drive a device through port I/O,
# PCI config space and memory without a guest.
# SPDX-License-Identifier: GPL-2.0-or-later
import os
import subprocess
import sys

PCI_CONFIG_ADDRESS = 0xCF8
PCI_CONFIG_DATA = 0xCFC
PCI_COMMAND = 0x04
PCI_COMMAND_MEMORY = 0x2


def default_qemu():
    cache = os.environ.get('GPUMED_CACHE') or os.path.join(
        os.environ.get('XDG_CACHE_HOME') or os.path.expanduser('~/.cache'), 'gpumed')
    return os.path.join(cache, 'qemu-build', 'qemu-system-x86_64')


class QTestError(Exception):
    pass


class QTest:
    """One QEMU process under the qtest accelerator, spoken to over stdio."""

    def __init__(self, qemu, args, timeout=30):
        self.timeout = timeout
        self.proc = subprocess.Popen(
            [qemu, '-machine', 'q35', '-accel', 'qtest', '-qtest', 'stdio',
             '-qtest-log', '/dev/null', '-display', 'none', '-nodefaults', '-serial', 'none',
             '-monitor', 'none'] + args,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, bufsize=1)

    def cmd(self, line):
        if self.proc.poll() is not None:
            raise QTestError('QEMU exited with status %d: %s' %
                             (self.proc.returncode, self.proc.stderr.read().strip()))
        self.proc.stdin.write(line + '\n')
        self.proc.stdin.flush()
        while True:
            reply = self.proc.stdout.readline()
            if not reply:
                raise QTestError('QEMU died on "%s" (status %s): %s' %
                                 (line, self.proc.wait(), self.proc.stderr.read().strip()))
            if reply.startswith('IRQ'):
                continue
            if not reply.startswith('OK'):
                raise QTestError('"%s" -> %s' % (line, reply.strip()))
            words = reply.split()
            return int(words[1], 16) if len(words) > 1 else None

    def alive(self):
        self.cmd('clock_step 0')
        return True

    def close(self):
        """Stop QEMU with SIGTERM, as libqtest does; return its status and stderr.

        A QEMU that already died (a crash) keeps its own status."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(self.timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        err = self.proc.stderr.read()
        return self.proc.returncode, err

    # PCI configuration mechanism #1, bus 0.
    def _cfg_address(self, devfn, offset):
        return 0x80000000 | (devfn << 8) | (offset & 0xFC)

    def cfg_read(self, devfn, offset, size=4):
        self.cmd('outl 0x%x 0x%x' % (PCI_CONFIG_ADDRESS, self._cfg_address(devfn, offset)))
        port = PCI_CONFIG_DATA + (offset & 3)
        return self.cmd('%s 0x%x' % ({1: 'inb', 2: 'inw', 4: 'inl'}[size], port))

    def cfg_write(self, devfn, offset, value, size=4):
        self.cmd('outl 0x%x 0x%x' % (PCI_CONFIG_ADDRESS, self._cfg_address(devfn, offset)))
        port = PCI_CONFIG_DATA + (offset & 3)
        self.cmd('%s 0x%x 0x%x' % ({1: 'outb', 2: 'outw', 4: 'outl'}[size], port, value))

    def place_bars(self, devfn, bars):
        """Programs 64-bit memory BARs ({config offset: address}), enables decoding."""
        for offset, addr in bars.items():
            self.cfg_write(devfn, offset, addr & 0xFFFFFFFF)
            self.cfg_write(devfn, offset + 4, addr >> 32)
        self.cfg_write(devfn, PCI_COMMAND, PCI_COMMAND_MEMORY, 2)

    def read(self, addr, size):
        return self.cmd('%s 0x%x' % ({1: 'readb', 2: 'readw', 4: 'readl', 8: 'readq'}[size], addr))

    def write(self, addr, value, size):
        self.cmd('%s 0x%x 0x%x' % ({1: 'writeb', 2: 'writew', 4: 'writel', 8: 'writeq'}[size],
                                   addr, value))

    def read_bytes(self, addr, length):
        """An access of any length; QEMU's memory core splits it as the bus would."""
        return self.cmd('read 0x%x 0x%x' % (addr, length))


class Tap:
    """TAP output: one line per check, a plan at the end, exit status."""

    def __init__(self):
        self.count = 0
        self.failed = 0

    def check(self, ok, name, detail=''):
        self.count += 1
        if not ok:
            self.failed += 1
        print('%s %d - %s%s' % ('ok' if ok else 'not ok', self.count, name,
                                 (' # ' + detail) if detail and not ok else ''))
        sys.stdout.flush()

    def equal(self, got, want, name):
        self.check(got == want, name, 'got 0x%x, want 0x%x' % (got, want)
                   if isinstance(got, int) and isinstance(want, int) else '%r != %r' % (got, want))

    def finish(self):
        print('1..%d' % self.count)
        return 1 if self.failed else 0


def run_device_test(device_args, checks):
    """Runs each checks(qt, tap) on one QEMU, then checks QEMU shuts down
    cleanly; returns the exit status (77: QEMU is not built)."""
    qemu = os.environ.get('GPUMED_QEMU') or default_qemu()
    if not os.access(qemu, os.X_OK):
        print('1..0 # SKIP no QEMU at %s: run scripts/build-qemu' % qemu)
        return 77
    tap = Tap()
    qt = QTest(qemu, device_args)
    try:
        for check in checks:
            check(qt, tap)
    except QTestError as e:
        tap.check(False, 'qtest session', str(e))
    status, err = qt.close()
    # QEMU shuts down cleanly on SIGTERM; a crash would show as a signal.
    tap.check(status == 0, 'QEMU was alive to the end and shuts down cleanly',
              'status %s: %s' % (status, err.strip()))
    for line in err.splitlines():
        print('# qemu: ' + line)
    return tap.finish()
