# A minimal QMP client: one connection to QEMU's monitor socket, commands in
# order, events skipped.
# SPDX-License-Identifier: GPL-2.0-or-later
import json
import socket
import time


class QMPError(Exception):
    pass


class QMP:
    def __init__(self, path, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.settimeout(timeout)
                self.sock.connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                self.sock.close()
                if time.monotonic() > deadline:
                    raise QMPError('no QMP socket at %s' % path)
                time.sleep(0.05)
        self.file = self.sock.makefile('r')
        self._reply()                       # the greeting
        self.command('qmp_capabilities')

    def _reply(self):
        while True:
            line = self.file.readline()
            if not line:
                raise QMPError('QEMU closed the QMP connection')
            msg = json.loads(line)
            if 'event' not in msg:
                return msg

    def command(self, name, **arguments):
        self.sock.sendall(json.dumps({'execute': name, 'arguments': arguments}).encode() + b'\n')
        reply = self._reply()
        if 'error' in reply:
            raise QMPError('%s: %s' % (name, reply['error'].get('desc')))
        return reply.get('return')

    def screendump(self, path):
        """The console's picture as (width, height, RGB bytes), via a PPM file."""
        self.command('screendump', filename=path)
        return read_ppm(path)

    def close(self):
        self.sock.close()


def read_ppm(path):
    with open(path, 'rb') as f:
        data = f.read()
    fields = []
    pos = 0
    while len(fields) < 4:                  # magic, width, height, maxval
        while data[pos:pos + 1].isspace():
            pos += 1
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    if fields[0] != b'P6' or fields[3] != b'255':
        raise QMPError('%s is not an 8-bit P6 PPM' % path)
    width, height = int(fields[1]), int(fields[2])
    pixels = data[pos + 1:]
    if len(pixels) != width * height * 3:
        raise QMPError('%s: %d bytes of pixels for %dx%d' % (path, len(pixels), width, height))
    return width, height, pixels
