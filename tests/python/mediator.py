# A gpumed mediator for one test run, on a socket in a temporary directory:
# QEMU's vgpu-pci needs one (docs/protocol.md).  Used by the guest tests'
# run-guest and the device tests; they and the Xen test also report a
# missing prerequisite with setup_failed().
# SPDX-License-Identifier: GPL-2.0-or-later
import os
import signal
import subprocess
import sys
import tempfile
import time

# How long the mediator may take to listen, and to stop after SIGTERM.
START_TIMEOUT = 10
STOP_TIMEOUT = 10


def setup_failed(reason):
    """What scripts/prepare builds is missing: a failed test naming what to
    run, never a skip (a skip is never a pass).  Exits with status 1."""
    print('1..1\nnot ok 1 - set-up: ' + reason, flush=True)
    sys.exit(1)


def qemu_args(memory_mib):
    """The QEMU options that share guest RAM with the mediator; the device
    still needs socket=mediator.socket."""
    return ['-object', 'memory-backend-memfd,id=mem,size=%dM,share=on' % memory_mib,
            '-machine', 'memory-backend=mem', '-m', '%dM' % memory_mib]


class Mediator:
    """Started on construction; stop() ends it and returns its log lines.
    @check_invariants: every test run checks the isolation invariants at
    each dispatch; a benchmark runs the mediator as a user does, without."""

    def __init__(self, binary, check_invariants=True):
        self.dir = tempfile.TemporaryDirectory(prefix='gpumed-test-')
        self.socket = os.path.join(self.dir.name, 'gpumed.sock')
        self.log_path = os.path.join(self.dir.name, 'gpumed.log')
        with open(self.log_path, 'wb') as log:
            self.proc = subprocess.Popen(
                [binary, '--foreground', '--log-level', 'info'] +
                (['--check-invariants'] if check_invariants else []) +
                ['--socket', self.socket],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)

    def wait_listening(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and self.proc.poll() is None:
            if os.path.exists(self.socket):
                return True
            time.sleep(0.05)
        return False

    def stop(self):
        """Returns (exit status, log lines); a mediator that ignores SIGTERM
        is killed and reported as such."""
        lines = []
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                lines.append('no exit %d s after SIGTERM, killed' % STOP_TIMEOUT)
                self.proc.kill()
        status = self.proc.wait()
        with open(self.log_path, 'rb') as log:
            lines = log.read().decode('utf-8', 'replace').splitlines() + lines
        self.dir.cleanup()
        return status, lines
