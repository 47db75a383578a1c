# The host's side of a guest step that waits for the host (run-guest
# --host-hook PROGRAM, docs/testing.md): the guest prints
#   GUEST-SYNC step=<name> id=<n> <key>=<value> ...
# on its console and blocks on its second serial port; run-guest runs
# PROGRAM with those fields as arguments and QEMU's QMP socket and VNC
# display (and, asked for, its SPICE server's socket, or the X display of
# its GTK window) in its environment,
# and answers on that port with
#   HOST-ACK id=<n> status=pass|fail <PROGRAM's last output line>
# SPDX-License-Identifier: GPL-2.0-or-later
import os
import select
import shutil
import socket
import subprocess
import tempfile
import time

VNC_BASE_PORT = 5900
VNC_DISPLAYS = range(20, 100)
# The X server of the GTK display (Debian's xvfb): larger than the guest's
# modes, so that QEMU's window shows the whole picture unscaled.
XVFB_SCREEN = '1920x1200x24'
XVFB_START_SECONDS = 60


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


def start_xvfb():
    """An X server of its own (Xvfb picks a free display number and says
    which once it accepts clients): (process, ':N')."""
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen(['Xvfb', '-displayfd', str(write_end), '-screen', '0', XVFB_SCREEN,
                             '-nolisten', 'tcp'], pass_fds=(write_end,),
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    os.close(write_end)
    number = b''
    with os.fdopen(read_end, 'rb') as f:
        while not number.endswith(b'\n') and select.select([f], [], [], XVFB_START_SECONDS)[0]:
            chunk = os.read(f.fileno(), 16)
            if not chunk:
                break
            number += chunk
    if not number.strip().isdigit():
        xvfb.kill()
        xvfb.wait()
        raise RuntimeError('Xvfb did not start (exit status %s)' % xvfb.poll())
    return xvfb, ':' + number.strip().decode()


class HostHook:
    def __init__(self, program, comment, env=None, timeout=60, spice=False, gtk=False):
        self.program = program
        self.comment = comment
        self.env = env or {}
        self.timeout = timeout      # seconds one PROGRAM run may take
        self.dir = tempfile.mkdtemp(prefix='gpumed-hook-')
        self.qmp = os.path.join(self.dir, 'qmp.sock')
        self.port_path = os.path.join(self.dir, 'guest-port.sock')
        self.vnc = '127.0.0.1:%d' % free_vnc_display()
        self.spice = os.path.join(self.dir, 'spice.sock') if spice else None
        self.xvfb, self.x_display = start_xvfb() if gtk else (None, None)
        self.port = None

    def qemu_args(self):
        """QMP, the guest's second serial port (ttyS1), a loopback VNC server
        and, asked for, a SPICE server on a UNIX socket or the GTK window (its
        menu bar hidden: the window shows the guest's screen only)."""
        spice = ['-spice', 'unix=on,addr=%s,disable-ticketing=on' % self.spice]
        gtk = ['-display', 'gtk,show-menubar=off']
        return ['-qmp', 'unix:%s,server=on,wait=off' % self.qmp,
                '-serial', 'unix:%s,server=on,wait=off' % self.port_path,
                '-vnc', self.vnc] + (spice if self.spice else []) + (gtk if self.xvfb else [])

    def qemu_env(self):
        """QEMU's environment: the X display of its GTK window (no
        accessibility bus: the test machine has no session D-Bus)."""
        return dict(os.environ, DISPLAY=self.x_display, GDK_BACKEND='x11', NO_AT_BRIDGE='1') \
            if self.xvfb else None

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
        if self.xvfb:
            env['GPUMED_X_DISPLAY'] = self.x_display
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
        if self.xvfb:
            self.xvfb.terminate()
            self.xvfb.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
