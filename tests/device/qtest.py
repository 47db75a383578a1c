# A minimal client for QEMU's qtest protocol: drive a device through port I/O,
# PCI config space and memory without a guest.
# SPDX-License-Identifier: GPL-2.0-or-later
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                'python'))
import mediator as gpumed  # noqa: E402
import tap  # noqa: E402

PCI_CONFIG_ADDRESS = 0xCF8
PCI_CONFIG_DATA = 0xCFC
PCI_COMMAND = 0x04
PCI_COMMAND_MEMORY = 0x2


GUEST_RAM_MIB = 128

# Where the device tests put vgpu-pci (addr=02.0) and its BARs.
DEVFN = 0x10
BAR0 = 0xE0000000
BAR2 = 0xC0000000
MIB = 1 << 20
GGTT = BAR0 + 8 * MIB           # BAR0's upper half
PCI_BAR0, PCI_BAR2 = 0x10, 0x18


def place_vgpu_bars(qt, tap=None):
    """BAR0 and BAR2 where the constants above say, memory decoding on;
    also a check of run_device_test (@tap unused)."""
    qt.place_bars(DEVFN, {PCI_BAR0: BAR0, PCI_BAR2: BAR2})


def reg(qt, offset, value=None):
    """Read the 32-bit register at BAR0 + @offset, or write @value there."""
    if value is None:
        return qt.read(BAR0 + offset, 4)
    qt.write(BAR0 + offset, value, 4)
    return None


def default_mediator():
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return os.path.join(os.environ.get('GPUMED_BUILD') or os.path.join(top, 'build'),
                        'mediator', 'gpumed')


def default_qemu():
    cache = os.environ.get('GPUMED_CACHE') or os.path.join(
        os.environ.get('XDG_CACHE_HOME') or os.path.expanduser('~/.cache'), 'gpumed')
    return os.path.join(cache, 'qemu-build', 'qemu-system-x86_64')


def start_failure(qemu, args):
    """QEMU started with @args, expected to refuse: (exit status, stderr)."""
    proc = subprocess.run([qemu, '-machine', 'q35', '-accel', 'qtest', '-display', 'none',
                           '-nodefaults', '-serial', 'none', '-monitor', 'none'] + args,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    return proc.returncode, proc.stderr


class QTestError(Exception):
    pass


class QTest:
    """One QEMU process spoken to over stdio with QEMU's qtest protocol:
    under the qtest accelerator, or under TCG (@accel) with its CPUs
    stopped (-S), for what only TCG does (its interrupt delivery)."""

    def __init__(self, qemu, args, timeout=30, accel='qtest', mediator=None):
        self.timeout = timeout
        self.accel = accel
        self.qemu = qemu            # the binary, for checks that start QEMUs of their own
        self.mediator = mediator    # the mediator its vGPU talks to, if any
        self.proc = subprocess.Popen(
            [qemu, '-machine', 'q35', '-accel', accel, '-qtest', 'stdio'] +
            (['-S'] if accel != 'qtest' else []) + [
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
        # clock_step exists under the qtest accelerator only.
        self.cmd('clock_step 0' if self.accel == 'qtest' else 'readb 0x0')
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


class Tap(tap.Tap):
    """TAP output (tests/python/tap.py) with register comparisons."""

    def equal(self, got, want, name):
        self.check(got == want, name, 'got 0x%x, want 0x%x' % (got, want)
                   if isinstance(got, int) and isinstance(want, int) else '%r != %r' % (got, want))


def start_qemu():
    """QEMU (or None if not built) and a mediator, or what is missing."""
    qemu = os.environ.get('GPUMED_QEMU') or default_qemu()
    mediator = os.environ.get('GPUMED_MEDIATOR') or default_mediator()
    for binary, how in ((qemu, 'scripts/build-qemu'), (mediator, 'meson/ninja')):
        if not os.access(binary, os.X_OK):
            return None, None, 'no %s: build it with %s' % (binary, how)
    return qemu, gpumed.Mediator(mediator), None


def run_with_mediator(body):
    """body(tap, qemu, mediator) once the mediator listens, for tests that
    start their own QEMUs; returns the exit status.  A QEMU or mediator not
    built is a set-up failure."""
    qemu, mediator, missing = start_qemu()
    if missing:
        gpumed.setup_failed(missing)
    tap = Tap()
    try:
        if tap.check(mediator.wait_listening(), 'the mediator listens'):
            body(tap, qemu, mediator)
    finally:
        mediator.stop()
    return tap.finish()


def vgpu_args(device, mediator):
    """-device @device with the mediator's socket, and guest RAM it can map."""
    return gpumed.qemu_args(GUEST_RAM_MIB) + ['-device', device + ',socket=' + mediator.socket]


def run_qemu_checks(qemu, args, checks, tap, what='', accel='qtest', mediator=None):
    """Runs each checks(qt, tap) on one QEMU started with @args (and @accel;
    qt.qemu is @qemu, qt.mediator @mediator, the one its vGPU talks to), then
    checks it was alive to the end and shuts down cleanly (@what names the
    session in the check's name); returns QEMU's stderr, which it also prints
    as comments."""
    qt = QTest(qemu, args, accel=accel, mediator=mediator)
    try:
        for check in checks:
            check(qt, tap)
    except QTestError as e:
        tap.check(False, 'qtest session' + what, str(e))
    status, err = qt.close()
    # QEMU shuts down cleanly on SIGTERM; a crash would show as a signal.
    tap.check(status == 0, 'QEMU was alive to the end%s and shuts down cleanly' % what,
              'status %s: %s' % (status, err.strip()))
    for line in err.splitlines():
        print('# qemu: ' + line)
    return err


def run_device_test(device, checks, qemu_args=(), check_stderr=None):
    """Runs each checks(qt, tap) on one QEMU with -device @device (and
    @qemu_args), then checks QEMU shuts down cleanly, and its stderr with
    check_stderr(err, tap) if given; returns the exit status.  A QEMU or
    mediator not built is a set-up failure (scripts/prepare builds both)."""
    qemu, mediator, missing = start_qemu()
    if missing:
        gpumed.setup_failed(missing)
    tap = Tap()
    tap.check(mediator.wait_listening(), 'the mediator listens')
    err = run_qemu_checks(qemu, vgpu_args(device, mediator) + list(qemu_args), checks, tap,
                          mediator=mediator)
    if check_stderr:
        check_stderr(err, tap)
    status, lines = mediator.stop()
    tap.check(status == 0, 'the mediator exits cleanly', 'status %s' % status)
    for line in lines:
        print('# mediator: ' + line)
    return tap.finish()
