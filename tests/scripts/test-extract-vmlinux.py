#!/usr/bin/env python3
# scripts/common.sh's extract_vmlinux (what build-guest boots) on made-up
# bzImages laid out as the x86 boot protocol describes them
# (Documentation/arch/x86/boot.rst: "HdrS" at 0x202, setup_sects at 0x1f1,
# 0 meaning 4; payload_offset and payload_length at 0x248 and 0x24c, from
# the protected-mode code, which starts after the setup sectors; the
# payload ends in the kernel's size), compressed by the xz and zstd
# programs: the kernel comes back byte for byte from either, and a file
# that is no such bzImage is refused with its cause, leaving no output.
# TAP on stdout.
# Usage: test-extract-vmlinux.py SCRIPTS/COMMON.SH
# SPDX-License-Identifier: GPL-2.0-or-later
import os
import random
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                'python'))
from tap import Tap  # noqa: E402

COMMON = sys.argv[1]
tap = Tap()


def compress(program, data):
    return subprocess.run([program, '-c'], input=data, stdout=subprocess.PIPE,
                          check=True).stdout


def bzimage(payload, setup_sects=3, payload_offset=0x3a0, size=None, length=None, magic=b'HdrS'):
    """A bzImage around @payload; @size and @length override what its
    trailer and header say."""
    sectors = setup_sects or 4
    setup = bytearray(random.randbytes((sectors + 1) * 512))
    setup[0x1f1] = setup_sects
    setup[0x202:0x206] = magic
    body = payload + struct.pack('<I', size)
    struct.pack_into('<II', setup, 0x248, payload_offset,
                     length if length is not None else len(body))
    # the decompressor's code before, other sections after the payload
    return bytes(setup) + random.randbytes(payload_offset) + body + random.randbytes(700)


def extract(tmp, image):
    path = os.path.join(tmp, 'vmlinuz')
    out = os.path.join(tmp, 'vmlinux')
    for f in (out, out + '.tmp'):
        if os.path.exists(f):
            os.remove(f)
    with open(path, 'wb') as f:
        f.write(image)
    p = subprocess.run(['bash', '-c', 'set -euo pipefail; . "$1"; extract_vmlinux "$2" "$3"',
                        '_', COMMON, path, out],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    data = None
    if os.path.exists(out) or os.path.exists(out + '.tmp'):
        with open(out if os.path.exists(out) else out + '.tmp', 'rb') as f:
            data = f.read()
    return p, data


def main():
    random.seed(612)
    kernel = b'\x7fELF' + random.randbytes(300000)
    with tempfile.TemporaryDirectory(prefix='gpumed-vmlinux-') as tmp:
        for program, sects in (('xz', 3), ('zstd', 0)):
            p, data = extract(tmp, bzimage(compress(program, kernel), sects, size=len(kernel)))
            tap.check(p.returncode == 0 and data == kernel,
                      'a %s payload (setup_sects %d) gives the kernel byte for byte'
                      % (program, sects), p.stderr)
        refused = [
            ('a gzip payload', bzimage(compress('gzip', kernel), size=len(kernel)),
             'unknown compression (magic 1f8b0800)'),
            ('a trailer giving another size', bzimage(compress('xz', kernel), size=len(kernel) + 1),
             'no ELF kernel of the %d bytes' % (len(kernel) + 1)),
            ('a payload that is no ELF file', bzimage(compress('zstd', kernel[4:]),
                                                      size=len(kernel) - 4), 'no ELF kernel'),
            ('a payload beyond the file', bzimage(compress('xz', kernel), size=len(kernel),
                                                  length=10 << 20), 'is not in the file'),
            ('no boot header', bzimage(compress('xz', kernel), size=len(kernel), magic=b'MZ\0\0'),
             'no bzImage'),
        ]
        for name, image, why in refused:
            p, data = extract(tmp, image)
            tap.check(p.returncode != 0 and why in p.stderr and data is None,
                      '%s is refused, naming why, leaving no file: %s' % (name, why),
                      'status %d, stderr %r, output %s' % (p.returncode, p.stderr,
                                                           'none' if data is None else 'written'))
    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
