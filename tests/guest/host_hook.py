# The host's side of a guest step that waits for the host (run-guest
# --host-hook PROGRAM, docs/testing.md): the guest prints
#   GUEST-SYNC step=<name> id=<n> <key>=<value> ...
# on its console and blocks on its second serial port; run-guest runs
# PROGRAM with those fields as arguments and QEMU's QMP socket and VNC
# display (and, asked for, its SPICE server's socket) in its environment,
# and answers on that port with
#   HOST-ACK id=<n> status=pass|fail <PROGRAM's last output line>
# SPDX-License-Identifier: GPL-2.0-or-later
import os
import shutil
import socket
import subprocess
import tempfile
import time

VNC_BASE_PORT = 5900
VNC_DISPLAYS = range(20, 100)


def free_vnc_display():
    """A loopback VNC display number whose port nobody listens on."""
    for display in VNC_DISPLAYS:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(('127.0.0.1', VNC_BASE_PORT + display))
                return display
            except OSError:
                continue
    raise RuntimeError('no free VNC display on 127.0.0.1')


class HostHook:
    def __init__(self, program, comment, env=None, timeout=60, spice=False):
        self.program = program
        self.comment = comment
        self.env = env or {}
        self.timeout = timeout      # seconds one PROGRAM run may take
        self.dir = tempfile.mkdtemp(prefix='gpumed-hook-')
        self.qmp = os.path.join(self.dir, 'qmp.sock')
        self.port_path = os.path.join(self.dir, 'guest-port.sock')
        self.vnc = '127.0.0.1:%d' % free_vnc_display()
        self.spice = os.path.join(self.dir, 'spice.sock') if spice else None
        self.port = None

    def qemu_args(self):
        """QMP, the guest's second serial port (ttyS1), a loopback VNC server
        and, asked for, a SPICE server on a UNIX socket."""
        return ['-qmp', 'unix:%s,server=on,wait=off' % self.qmp,
                '-serial', 'unix:%s,server=on,wait=off' % self.port_path,
                '-vnc', self.vnc] + \
            (['-spice', 'unix=on,addr=%s,disable-ticketing=on' % self.spice] if self.spice else [])

    def _connect(self):
        # Before PROGRAM runs: what it starts may outlive or clean up
        # socket paths, a connection does not need the path any more.
        if self.port is None:
            self.port = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.port.connect(self.port_path)

    def _answer(self, text):
        self._connect()
        self.port.sendall(text.encode())

    def sync(self, record):
        """Run PROGRAM for one GUEST-SYNC record and answer the guest."""
        self._connect()
        fields = record.split()[1:]
        sync_id = dict(f.split('=', 1) for f in fields if '=' in f).get('id', '0')
        env = dict(os.environ, GPUMED_QMP=self.qmp, GPUMED_VNC=self.vnc,
                   GPUMED_HOOK_DIR=self.dir, **self.env)
        if self.spice:
            env['GPUMED_SPICE'] = self.spice
        start = time.monotonic()
        try:
            proc = subprocess.run([self.program] + fields, env=env, capture_output=True,
                                  text=True, timeout=self.timeout)
            lines = proc.stdout.strip().splitlines()
            status = 'pass' if proc.returncode == 0 else 'fail'
            details = proc.stderr.splitlines() + lines[:-1]
            verdict = lines[-1] if lines else ''
        except (OSError, subprocess.TimeoutExpired) as e:
            status, details, verdict = 'fail', [], 'error="%s"' % str(e).replace('"', "'")
        for text in details:
            self.comment('host-hook: ' + text)
        self.comment('HOST-ACK id=%s status=%s %s (%.1f s)' %
                     (sync_id, status, verdict, time.monotonic() - start))
        self._answer('HOST-ACK id=%s status=%s %s\n' % (sync_id, status, verdict))

    def close(self):
        if self.port is not None:
            self.port.close()
        shutil.rmtree(self.dir, ignore_errors=True)
