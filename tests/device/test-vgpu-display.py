#!/usr/bin/env python3
# Device test: the vGPU's console (hw/vgpu-display.c) driven by plane
# registers and GGTT entries written over qtest, seen through QMP
# screendump: linear XRGB8888, XBGR8888 and RGB565 and X-tiled planes show
# their pictures (the console follows each format change); each
# hostile programming shows a black screen, and QEMU logs it once, however
# many refreshes meet it; a cursor, and a hostile one, leave the picture be.
# With --pgpu, the same on pgpu-pci (the GPU model as the VM's own GPU, no
# mediator), whose planes are read through the model's own GGTT and the
# device's bus-master address space: the same pictures; the hostile
# programmings that are not about a vGPU partition, plus pages that name no
# RAM and bus mastering off, each a black screen counted once (the model
# keeps no log: plane_rejected in QEMU's exit report).
# Damage from the dirty log (the device's display-stats): an unchanged
# screen reads no row and damages none; a CPU write to one page reads and
# damages exactly the rows that page holds; on pgpu-pci, a GPU store into
# the framebuffer (which the dirty log cannot see) is on the next picture.
# SPDX-License-Identifier: GPL-2.0-or-later
import importlib
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmp import QMP  # noqa: E402
from qtest import Tap, default_qemu, run_device_test, run_qemu_checks  # noqa: E402
import mediator as gpumed  # noqa: E402  (tests/python, put on the path by qtest)

DEVFN = 0x10
BAR0 = 0xE0000000
BAR2 = 0xC0000000
GGTT = BAR0 + (8 << 20)
PCI_BAR0, PCI_BAR2 = 0x10, 0x18
PAGE = 4096

# Registers (vgpu/regs.h), pipe A, plane 1
PIPESRC_A = 0x6001C
TRANSCONF_A = 0x70008
PLANE_CTL, PLANE_STRIDE, PLANE_POS, PLANE_SIZE = 0x70180, 0x70188, 0x7018C, 0x70190
PLANE_OFFSET, PLANE_SURF = 0x701A4, 0x7019C
CTL_ENABLE, CTL_XRGB8888, CTL_TILED_X, CTL_TILED_Y = 1 << 31, 4 << 24, 1 << 10, 4 << 10
CTL_RGB565, CTL_ORDER_RGBX = 14 << 24, 1 << 20
CURCNTR, CURBASE, CURPOS = 0x70080, 0x70084, 0x70088
CURSOR_64_ARGB = 0x27

WIDTH, HEIGHT = 128, 16             # the picture: 512-byte rows, one X tile wide
SURFACE_GMA = 0x100000              # inside the default type's aperture block
RAM = 0x600000                      # guest RAM holding the picture's pages
CURSOR_GMA = SURFACE_GMA + 16 * PAGE    # a 64x64 ARGB cursor: 4 pages
CURSOR_RAM = 0x300000
GAP_GMA = 64 << 20                  # between gpumed-8's aperture and hidden blocks
NOT_RAM = 0x4000000000              # 256 GiB: a bus address beyond the VM's RAM
PCI_COMMAND, CMD_MEMORY, CMD_MASTER = 0x04, 0x2, 0x4

ROWS_PER_PAGE = PAGE // (WIDTH * 4)   # a linear picture's rows in one 4 KiB page
DEVICE_PATH = '/machine/peripheral-anon/device[0]'   # QOM: vgpu-pci has no id

QMP_SOCKET = os.path.join(tempfile.mkdtemp(prefix='gpumed-display-'), 'qmp.sock')

# Each hostile programming: what it is, the register write that makes it, and
# a phrase of the line QEMU must log once for it.
# Those that are the display's (any owner), then the vGPU's partition.
DISPLAY_HOSTILE = [
    ('surface on unmapped GGTT entries', PLANE_SURF, SURFACE_GMA + 64 * PAGE,
     'surface 0x%x:' % (SURFACE_GMA + 64 * PAGE)),
    ('stride smaller than a row', PLANE_STRIDE, WIDTH * 4 // 64 - 1, 'cannot hold'),
    ('absurd pipe source size', PIPESRC_A, 0xFFFFFFFF, 'is larger than'),
    ('plane larger than the pipe', PLANE_SIZE, 0xFFFFFFFF, 'does not fit'),
    ('source far below the surface', PLANE_OFFSET, 0x7FFF0000, 'beyond'),
    ('Y tiling', PLANE_CTL, CTL_ENABLE | CTL_XRGB8888 | CTL_TILED_Y, 'not linear or X'),
]
HOSTILE = [('surface outside the partition', PLANE_SURF, GAP_GMA, 'surface 0x%x:' % GAP_GMA)] \
    + DISPLAY_HOSTILE


def pixel(x, y):
    """The test picture as 0x00RRGGBB."""
    return (x * 0x020301 + y * 0x0A0B0C) & 0xFFFFFF


def expected_rgb():
    return b''.join(bytes(((pixel(x, y) >> 16) & 0xFF, (pixel(x, y) >> 8) & 0xFF,
                           pixel(x, y) & 0xFF))
                    for y in range(HEIGHT) for x in range(WIDTH))


def row_bytes(y):
    return b''.join(pixel(x, y).to_bytes(4, 'little') for x in range(WIDTH))


def xbgr(v):
    return ((v & 0xFF) << 16 | (v & 0xFF00) | (v >> 16)).to_bytes(4, 'little')


def rgb565(v):
    r, g, b = v >> 16, (v >> 8) & 0xFF, v & 0xFF
    return ((r >> 3) << 11 | (g >> 2) << 5 | (b >> 3)).to_bytes(2, 'little')


def rgb565_expanded(v):
    """What a 565 pixel reads back as in 8 bits per channel (bit replication)."""
    r, g, b = (v >> 16) >> 3, ((v >> 8) & 0xFF) >> 2, (v & 0xFF) >> 3
    return bytes(((r << 3) | (r >> 2), (g << 2) | (g >> 4), (b << 3) | (b >> 2)))


def write_packed(qt, encode, ctl):
    """A linear plane of WIDTH x HEIGHT pixels encoded by @encode, 2 pages."""
    data = b''.join(encode(pixel(x, y)) for y in range(HEIGHT) for x in range(WIDTH))
    stride = len(data) // HEIGHT
    data = data.ljust(2 * PAGE, b'\0')
    for page in range(2):
        chunk = data[page * PAGE:(page + 1) * PAGE]
        qt.cmd('write 0x%x 0x%x 0x%s' % (RAM + (1 - page) * PAGE, len(chunk), chunk.hex()))
    map_pages(qt, 2)
    program(qt, CTL_ENABLE | ctl, stride // 64)


def reg(qt, offset, value):
    qt.write(BAR0 + offset, value, 4)


def map_pages(qt, count):
    """GGTT entries SURFACE_GMA.. -> RAM pages in reverse order (not contiguous)."""
    for i in range(count):
        qt.write(GGTT + (SURFACE_GMA // PAGE + i) * 8, (RAM + (count - 1 - i) * PAGE) | 1, 8)


def program(qt, ctl, stride_units):
    reg(qt, TRANSCONF_A, 1 << 31)
    reg(qt, PIPESRC_A, (WIDTH - 1) << 16 | (HEIGHT - 1))
    reg(qt, PLANE_STRIDE, stride_units)
    reg(qt, PLANE_POS, 0)
    reg(qt, PLANE_SIZE, (HEIGHT - 1) << 16 | (WIDTH - 1))
    reg(qt, PLANE_OFFSET, 0)
    reg(qt, PLANE_CTL, ctl)
    reg(qt, PLANE_SURF, SURFACE_GMA)


def write_linear(qt):
    """One 512-byte row after the other: 8 rows per page, 2 pages."""
    data = b''.join(row_bytes(y) for y in range(HEIGHT))
    for page in range(2):
        chunk = data[page * PAGE:(page + 1) * PAGE]
        qt.cmd('write 0x%x 0x%x 0x%s' % (RAM + (1 - page) * PAGE, len(chunk), chunk.hex()))
    map_pages(qt, 2)
    program(qt, CTL_ENABLE | CTL_XRGB8888, WIDTH * 4 // 64)


def write_x_tiled(qt):
    """One tile wide: tile row t (8 pixel rows of 512 bytes) is page t."""
    for tile in range(HEIGHT // 8):
        chunk = b''.join(row_bytes(tile * 8 + r) for r in range(8))
        qt.cmd('write 0x%x 0x%x 0x%s' % (RAM + (1 - tile) * PAGE, len(chunk), chunk.hex()))
    map_pages(qt, 2)
    program(qt, CTL_ENABLE | CTL_XRGB8888 | CTL_TILED_X, 1)


def place_bars(qt, tap):
    qt.place_bars(DEVFN, {PCI_BAR0: BAR0, PCI_BAR2: BAR2})
    tap.check(True, 'BARs placed')


def shot(qmp, name):
    return qmp.screendump(os.path.join(os.path.dirname(QMP_SOCKET), name + '.ppm'))


def check_pictures(qt, tap):
    qmp = QMP(QMP_SOCKET)
    tap.check(set(shot(qmp, 'before')[2]) == {0}, 'no plane yet: a black screen')
    want = (WIDTH, HEIGHT, expected_rgb())
    write_linear(qt)
    tap.check(shot(qmp, 'linear') == want, 'linear XRGB8888 plane: the picture, pixel by pixel')
    write_x_tiled(qt)
    tap.check(shot(qmp, 'x-tiled') == want, 'X-tiled plane: the picture, detiled')
    write_packed(qt, xbgr, CTL_XRGB8888 | CTL_ORDER_RGBX)
    tap.check(shot(qmp, 'xbgr') == want, 'XBGR8888 plane: the picture')
    write_packed(qt, rgb565, CTL_RGB565)
    want565 = b''.join(rgb565_expanded(pixel(x, y)) for y in range(HEIGHT) for x in range(WIDTH))
    tap.check(shot(qmp, 'rgb565') == (WIDTH, HEIGHT, want565),
              'RGB565 plane: the picture in 5:6:5')
    qmp.close()


def display_stats(qmp):
    stats = qmp.command('qom-get', path=DEVICE_PATH, property='display-stats')
    return dict(field.split('=', 1) for field in stats.split())


def inverted_rows(first, count):
    """Rows [first, first + count) of the picture, every colour inverted."""
    return b''.join((pixel(x, y) ^ 0xFFFFFF).to_bytes(4, 'little')
                    for y in range(first, first + count) for x in range(WIDTH))


def rgb_of(rows):
    """Expected screendump bytes of 0x00RRGGBB little-endian pixels."""
    return b''.join(bytes((rows[i + 2], rows[i + 1], rows[i])) for i in range(0, len(rows), 4))


def check_damage(qt, tap):
    """The dirty log tells which rows to read: none when nothing was
    written, exactly a page's rows when the CPU wrote that page."""
    qmp = QMP(QMP_SOCKET)
    write_linear(qt)
    want = (WIDTH, HEIGHT, expected_rgb())
    tap.check(shot(qmp, 'damage-first') == want, 'a linear plane: the picture')
    shot(qmp, 'damage-settled')         # the log was switched on: a full refresh again
    before = display_stats(qmp)
    tap.equal(before.get('damage'), 'dirty-log', 'the console finds damage in the dirty log')
    tap.check(shot(qmp, 'damage-idle') == want, 'nothing written: the same picture')
    after = display_stats(qmp)
    tap.check(int(after['idle']) > int(before['idle']) and
              after['rows_compared'] == before['rows_compared'] and
              after['full'] == before['full'] and after['last_damage'] == '-',
              'an unchanged screen: no row read, no damage', str(after))
    # qtest's writes set their dirty bits at once (no sync): the console
    # sees in the log itself that none of the picture's pages was written.
    tap.equal(after['snapshots'], before['snapshots'],
              'an unchanged screen: no snapshot of the dirty log')
    # The page beside the picture's (the same word of QEMU's dirty bitmap)
    # written: not the picture's, nothing to read, no snapshot.
    qt.cmd('write 0x%x 0x4 0xdeadbeef' % (RAM + 2 * PAGE))
    tap.check(shot(qmp, 'damage-beside') == want, 'a page beside it written: the same picture')
    beside = display_stats(qmp)
    tap.check(int(beside['idle']) > int(after['idle']) and
              beside['rows_compared'] == after['rows_compared'] and
              beside['snapshots'] == after['snapshots'] and beside['last_damage'] == '-',
              'a page beside it written: no row read, no damage, no snapshot', str(beside))
    after = beside
    # The picture's second page (rows 8-15, at RAM: map_pages reverses) inverted.
    rows = inverted_rows(ROWS_PER_PAGE, ROWS_PER_PAGE)
    qt.cmd('write 0x%x 0x%x 0x%s' % (RAM, len(rows), rows.hex()))
    first_page = b''.join(row_bytes(y) for y in range(ROWS_PER_PAGE))
    tap.check(shot(qmp, 'damage-page') == (WIDTH, HEIGHT, rgb_of(first_page + rows)),
              'a CPU write to one page: the new picture')
    written = display_stats(qmp)
    tap.equal(int(written['rows_compared']) - int(after['rows_compared']), ROWS_PER_PAGE,
              'a CPU write to one page: only its rows read')
    tap.equal(written['last_damage'], '%d+%d' % (ROWS_PER_PAGE, ROWS_PER_PAGE),
              'a CPU write to one page: exactly its rows damaged')
    tap.equal(written['full'], after['full'], 'a CPU write to one page: no full refresh')
    qmp.close()


def check_hostile(qt, tap, hostile=HOSTILE):
    qmp = QMP(QMP_SOCKET)
    for name, offset, value, _ in hostile:
        write_linear(qt)
        good = shot(qmp, 'good')
        if offset is None:
            value(qt)               # not a register: the programming is set up by @value
        else:
            reg(qt, offset, value)
        blank = [shot(qmp, 'hostile-%d' % i) for i in range(3)]
        tap.check(good[2] != bytes(len(good[2])) and
                  all(set(b[2]) == {0} and b[:2] == good[:2] for b in blank),
                  '%s: a black screen (3 refreshes)' % name)
    qmp.close()


def page_not_ram(qt):
    qt.write(GGTT + (SURFACE_GMA // PAGE + 1) * 8, NOT_RAM | 1, 8)


def bus_master_off(qt):
    qt.cfg_write(DEVFN, PCI_COMMAND, CMD_MEMORY, 2)


# pgpu-pci: any GGTT address is the model's; what it maps is checked by the
# device's bus-master address space.
PGPU_HOSTILE = DISPLAY_HOSTILE + [
    ('a page whose GGTT entry names no RAM', None, page_not_ram, None),
    ('bus mastering off', None, bus_master_off, None),
]


def place_bars_master(qt, tap):
    qt.place_bars(DEVFN, {PCI_BAR0: BAR0, PCI_BAR2: BAR2})
    qt.cfg_write(DEVFN, PCI_COMMAND, CMD_MEMORY | CMD_MASTER, 2)
    tap.check(True, 'BARs placed, bus mastering on')


def model_stat(qmp, name):
    stats = qmp.command('qom-get', path=DEVICE_PATH, property='stats')
    return int(dict(field.split('=', 1) for field in stats.split())[name])


def check_gpu_write(qt, tap):
    """A store of the model's blitter engine into the framebuffer (through
    another GGTT page naming the picture's first page): not in QEMU's dirty
    log, on the next picture all the same."""
    pgpu = importlib.import_module('test-pgpu-pci')
    qmp = QMP(QMP_SOCKET)
    write_linear(qt)
    want = (WIDTH, HEIGHT, expected_rgb())
    shot(qmp, 'gpu-first')
    tap.check(shot(qmp, 'gpu-settled') == want, 'before the GPU store: the picture')
    for page in range(4):
        pgpu.map_ggtt(qt, pgpu.CTX_GGTT + PAGE * page, pgpu.RAM + PAGE * page)
    pgpu.map_ggtt(qt, pgpu.TARGET_GGTT, RAM + PAGE)     # the picture's first page
    events = model_stat(qmp, 'status_events')
    value = 0x00C0FFEE
    pgpu.submit_blitter(qt, value)
    deadline = time.monotonic() + 5
    while model_stat(qmp, 'status_events') < events + 2 and time.monotonic() < deadline:
        time.sleep(0.02)                # switched in, then complete: the store is done
    tap.equal(qt.read(RAM + PAGE, 4), value, 'the GPU stored into the framebuffer')
    first_row = value.to_bytes(4, 'little') + row_bytes(0)[4:]
    rest = b''.join(row_bytes(y) for y in range(1, HEIGHT))
    tap.check(shot(qmp, 'gpu-store') == (WIDTH, HEIGHT, rgb_of(first_row + rest)),
              'after the GPU store: the picture with its pixel')
    qmp.close()


def pgpu_main():
    global DEVICE_PATH
    DEVICE_PATH = '/machine/peripheral/gpu0'
    qemu = default_qemu()
    if not os.access(qemu, os.X_OK):
        gpumed.setup_failed('no %s: build it with scripts/build-qemu' % qemu)
    tap = Tap()

    def hostile_then_master_on(qt, tap):
        check_hostile(qt, tap, PGPU_HOSTILE)
        qt.cfg_write(DEVFN, PCI_COMMAND, CMD_MEMORY | CMD_MASTER, 2)

    err = run_qemu_checks(qemu, ['-m', '128M', '-device', 'pgpu-pci,id=gpu0,addr=02.0',
                                 '-qmp', 'unix:%s,server=on,wait=off' % QMP_SOCKET],
                          [place_bars_master, check_pictures, check_damage, check_gpu_write,
                           hostile_then_master_on, check_cursor], tap)
    counted = re.search(r'gpumed: pgpu gpu0: stats: .*\bplane_rejected=(\d+)', err)
    tap.equal(int(counted.group(1)) if counted else -1, len(PGPU_HOSTILE),
              'plane_rejected counts each programming once')
    counted = re.search(r'gpumed: pgpu gpu0: stats: .*\bcursor_rejected=(\d+)', err)
    tap.equal(int(counted.group(1)) if counted else -1, 1, 'cursor_rejected counts it once')
    return tap.finish()


def check_cursor(qt, tap):
    """A cursor becomes QEMU's (no UI here to show it); a hostile one is
    refused while the plane stays."""
    qmp = QMP(QMP_SOCKET)
    write_linear(qt)
    for i in range(4):
        qt.write(GGTT + (CURSOR_GMA // PAGE + i) * 8, (CURSOR_RAM + i * PAGE) | 1, 8)
    qt.cmd('write 0x%x 0x%x 0x%s' % (CURSOR_RAM, 4 * PAGE, (b'\xff\x00\x00\x80' * PAGE).hex()))
    reg(qt, CURCNTR, CURSOR_64_ARGB)
    reg(qt, CURPOS, (0x8000 | 3) << 16 | 5)
    reg(qt, CURBASE, CURSOR_GMA)
    want = (WIDTH, HEIGHT, expected_rgb())
    tap.check(shot(qmp, 'cursor') == want, 'a cursor plane: the picture unchanged')
    reg(qt, CURBASE, GAP_GMA)
    tap.check(all(shot(qmp, 'bad-cursor-%d' % i) == want for i in range(3)),
              'a cursor outside the partition: hidden, the picture unchanged')
    reg(qt, CURCNTR, 0)
    qmp.close()


def check_log(err, tap):
    """One line per hostile programming, not one per refresh."""
    cursor = [line for line in err.splitlines() if 'guest error: pipe A: cursor' in line]
    tap.check(len(cursor) == 1 and 'cursor surface 0x%x:' % GAP_GMA in cursor[0],
              'the hostile cursor: logged once')
    tap.check(re.search(r'cursor_rejected=1\b', err) is not None,
              'cursor_rejected counts it once')
    lines = [line for line in err.splitlines()
             if 'guest error: pipe A:' in line and line not in cursor]
    for name, _, _, phrase in HOSTILE:
        tap.equal(sum(phrase in line for line in lines), 1, '%s: logged once' % name)
    tap.equal(len(lines), len(HOSTILE), 'no other display line')
    counted = re.search(r'plane_rejected=(\d+)', err)
    tap.equal(int(counted.group(1)) if counted else -1, len(HOSTILE),
              'plane_rejected counts each programming once')


def main():
    if sys.argv[1:] == ['--pgpu']:
        return pgpu_main()
    return run_device_test('vgpu-pci,addr=02.0', [place_bars, check_pictures, check_damage,
                                                  check_hostile, check_cursor],
                           qemu_args=['-qmp', 'unix:%s,server=on,wait=off' % QMP_SOCKET],
                           check_stderr=check_log)


if __name__ == '__main__':
    sys.exit(main())
