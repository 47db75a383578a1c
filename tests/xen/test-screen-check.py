#!/usr/bin/env python3
# The Xen test's screen checker (gpumed-xen-screen, tests/xen/xen-screen-check.c)
# on made-up captures: pictures drawn with the host's own formula
# (tests/python/guest_pattern.py, written apart from the agent's C), as a
# screendump file and from a small VNC server of our own; the right picture
# passes, and each wrong one (a pixel, a row, the seed, the size, no file,
# a broken file, a server that wants a password or hangs up) fails, naming
# what is wrong.
# usage: test-screen-check.py GPUMED-XEN-SCREEN
# SPDX-License-Identifier: GPL-2.0-or-later
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                'python'))
from guest_pattern import pattern_row  # noqa: E402
from tap import Tap  # noqa: E402

CHECKER = sys.argv[1]
SEED = 2


def picture(width, height, seed=SEED):
    """RGB rows, as a PPM holds them."""
    return bytearray(b''.join(pattern_row(y, width, seed) for y in range(height)))


def write_ppm(path, width, height, pixels):
    with open(path, 'wb') as f:
        f.write(b'P6\n%d %d\n255\n' % (width, height) + bytes(pixels))


def run(*args):
    out = subprocess.run([CHECKER] + [str(a) for a in args], capture_output=True, text=True,
                         timeout=60)
    return out.returncode, out.stdout.strip() + out.stderr.strip()


class VncServer(threading.Thread):
    """One client, RFB 3.8: sends the picture in the format the client set,
    raw, in two FramebufferUpdates of several rectangles (top half first),
    as a VNC server may."""

    def __init__(self, width, height, pixels, security=1, hang_up_after=None):
        super().__init__(daemon=True)
        self.width, self.height, self.pixels = width, height, pixels
        self.security, self.hang_up_after = security, hang_up_after
        self.listener = socket.socket()
        self.listener.bind(('127.0.0.1', 0))
        self.listener.listen(1)
        self.address = '127.0.0.1:%d' % self.listener.getsockname()[1]
        self.client_format = None
        self.start()

    def recv(self, conn, n):
        data = b''
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise ConnectionError('client left')
            data += chunk
        return data

    def rect(self, x, y, w, h):
        bpp, depth, big, true_colour, rmax, gmax, bmax, rs, gs, bs = self.client_format
        assert (bpp, true_colour) == (32, 1)
        out = bytearray(struct.pack('>HHHHi', x, y, w, h, 0))
        for row in range(y, y + h):
            for col in range(x, x + w):
                at = 3 * (row * self.width + col)
                r, g, b = self.pixels[at:at + 3]
                value = (r * rmax // 255) << rs | (g * gmax // 255) << gs | (b * bmax // 255) << bs
                out += struct.pack('>I' if big else '<I', value)
        return bytes(out)

    def run(self):
        conn, _ = self.listener.accept()
        try:
            conn.sendall(b'RFB 003.008\n')
            self.recv(conn, 12)
            conn.sendall(bytes([1, self.security]))
            if self.recv(conn, 1)[0] != 1:
                return
            conn.sendall(struct.pack('>I', 0))
            self.recv(conn, 1)
            conn.sendall(struct.pack('>HH', self.width, self.height) + bytes(16) +
                         struct.pack('>I', 4) + b'test')
            sent = 0
            while True:
                kind = self.recv(conn, 1)[0]
                if kind == 0:                       # SetPixelFormat
                    self.client_format = struct.unpack('>3xBBBBHHHBBB3x', self.recv(conn, 19))
                elif kind == 2:                     # SetEncodings
                    count = struct.unpack('>xH', self.recv(conn, 3))[0]
                    assert struct.unpack('>%di' % count, self.recv(conn, 4 * count)) == (0,)
                elif kind == 3:                     # FramebufferUpdateRequest
                    self.recv(conn, 9)
                    half = self.height // 2
                    band = (0, half) if sent == 0 else (half, self.height)
                    rects = [self.rect(0, y, self.width, 1) for y in range(*band)]
                    update = struct.pack('>BxH', 0, len(rects)) + b''.join(rects)
                    if self.hang_up_after is not None:
                        conn.sendall(update[:self.hang_up_after])
                        return
                    conn.sendall(b'\x02' + update)  # a Bell first: skipped
                    sent += 1
        except (ConnectionError, OSError):
            pass
        finally:
            conn.close()
            self.listener.close()


def main():
    tap = Tap()
    w, h = 96, 40
    right = picture(w, h)
    with tempfile.TemporaryDirectory() as tmp:
        def ppm_case(name, pixels, want, expect_status, expect_text, size=(w, h)):
            path = os.path.join(tmp, name + '.ppm')
            if pixels is not None:
                write_ppm(path, size[0], size[1], pixels)
            status, out = run('ppm', path, *want)
            tap.check(status == expect_status and expect_text in out,
                      'screendump, %s: status %d, "%s"' % (name, expect_status, expect_text),
                      'status %d: %s' % (status, out))

        ppm_case('right picture', right, (SEED, w, h), 0, 'size=96x40 mismatches=0')
        one_pixel = bytearray(right)
        one_pixel[3 * (7 * w + 5)] ^= 0x01
        ppm_case('one pixel off', one_pixel, (SEED, w, h), 1, 'mismatches=1 first=5,7')
        swapped = bytearray(right)
        swapped[:3 * w], swapped[3 * w:6 * w] = right[3 * w:6 * w], right[:3 * w]
        ppm_case('two rows swapped', swapped, (SEED, w, h), 1, 'mismatches=192 first=0,0')
        ppm_case('another seed', right, (SEED + 1, w, h), 1, 'mismatches=')
        ppm_case('another size', right, (SEED, w, h + 2), 1, 'size=96x40 want=96x42')
        ppm_case('no file', None, (SEED, w, h), 1, 'error=no-screendump')
        ppm_case('truncated', right[:-3], (SEED, w, h), 1, 'error=truncated-screendump')
        path = os.path.join(tmp, 'text.ppm')
        with open(path, 'w') as f:
            f.write('screendump failed\n')
        status, out = run('ppm', path, SEED, w, h)
        tap.check(status == 1 and 'error=not-a-screendump' in out,
                  'screendump, not a PPM: status 1, "error=not-a-screendump"', out)
        # The size the guest's i915 sets on the vGPU's monitor (docs/vgpu.md).
        big = picture(1024, 768)
        ppm_case('right picture 1024x768', big, (SEED, 1024, 768), 0, 'mismatches=0',
                 size=(1024, 768))

    def vnc_case(name, server, want, expect_status, expect_text):
        status, out = run('vnc', server.address, *want)
        tap.check(status == expect_status and expect_text in out,
                  'VNC, %s: status %d, "%s"' % (name, expect_status, expect_text),
                  'status %d: %s' % (status, out))

    vnc_case('right picture', VncServer(w, h, right), (SEED, w, h), 0,
             'vnc_size=96x40 vnc_mismatches=0')
    vnc_case('one pixel off', VncServer(w, h, one_pixel), (SEED, w, h), 1,
             'vnc_mismatches=1 vnc_first=5,7')
    vnc_case('another size', VncServer(w, h + 2, picture(w, h + 2)), (SEED, w, h), 1,
             'vnc_size=96x42 vnc_want=96x40')
    vnc_case('password wanted', VncServer(w, h, right, security=2), (SEED, w, h), 1,
             'vnc_error=authentication-required')
    vnc_case('hangs up within the picture', VncServer(w, h, right, hang_up_after=1000),
             (SEED, w, h), 1, 'vnc_error=connection-lost')
    closed = socket.socket()
    closed.bind(('127.0.0.1', 0))
    port = closed.getsockname()[1]
    closed.close()
    status, out = run('vnc', '127.0.0.1:%d' % port, SEED, w, h)
    tap.check(status == 1 and 'vnc_error=no-connection' in out,
              'VNC, nobody listening: status 1, "vnc_error=no-connection"', out)
    status, out = run('jpeg', 'x', SEED, w, h)
    tap.check(status == 2 and 'usage' in out, 'an unknown capture: usage, status 2', out)
    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
