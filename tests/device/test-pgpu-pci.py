#!/usr/bin/env python3
# Device test: pgpu-pci, the GPU model as a VM's own GPU, driven through
# QEMU's qtest protocol without a guest: its PCI identity and BAR sizes (the
# PCI specification's sizing protocol), registers through BAR0 and the IO
# BAR, a blitter context that writes guest RAM only once bus mastering is
# on, its MSI, and hostile accesses (odd sizes, unaligned, the hole between
# registers and GGTT, the aperture and the engines pointed at addresses that
# are no RAM), then thousands of random ones: QEMU stays alive and the
# device counts each refusal, as the exit report says.  Behind QEMU's
# emulated VT-d, the GPU reaches RAM only through the IOMMU's tables, and
# an address they do not map is refused, counted and recorded as a fault.  No mediator: the guest drives the model directly.
# SPDX-License-Identifier: GPL-2.0-or-later
import os
import random
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qtest import (BAR0, BAR2, DEVFN, GGTT, MIB, Tap, run_qemu_checks,  # noqa: E402
                   default_qemu, reg)
import mediator as gpumed  # noqa: E402  (tests/python, put on the path by qtest)

PCI_COMMAND, PCI_BAR4 = 0x04, 0x20
CMD_IO, CMD_MEMORY, CMD_MASTER = 0x1, 0x2, 0x4
IO_BASE = 0xC000
MSI_CAP = 0xAC                  # the guest contract's (docs/reference), as on hardware

# Gen9 registers (the i915 driver's names; pgpu/skl-regs.h)
FUSE2 = 0x9120
GT2_FUSE2 = 0x02800000          # 1 slice, 3 subslices: docs/gpu-model.md
BCS = 0x22000
RING_MODE_GEN7, RING_ELSP, RING_HWS_PGA = 0x29C, 0x230, 0x80
GEN6_GDRST, GRDOM_BLT = 0x941C, 1 << 3
MASTER_IRQ, GT_IMR0, GT_IER0 = 0x44200, 0x44304, 0x4430C
BCS_USER_INTERRUPT = 1 << 16    # bank 0, the blitter's bits start at 16
MI_NOOP, MI_USER_INTERRUPT = 0, 0x02 << 23
MI_STORE_DATA_IMM_GGTT = (0x20 << 23) | (1 << 22) | 2

# Guest RAM the test lays out, and the GGTT pages that map it.
RAM = 0x200000
CTX_GGTT, RING_GGTT, TARGET_GGTT = 0x10000, 0x12000, 0x13000
MSI_ADDR, MSI_DATA = 0x300000, 0x4d51
GUEST_RAM_MIB = 128
NOT_RAM = 0x4000000000          # 256 GiB: beyond the VM's RAM


def masked(bits):
    return (bits << 16) | bits


def check_identity_and_bars(qt, tap):
    tap.equal(qt.cfg_read(DEVFN, 0), 0x19128086, '8086:1912 at 00:02.0')
    tap.equal(qt.cfg_read(DEVFN, 0x08) >> 8, 0x030000, 'class: VGA display controller')
    tap.equal(qt.cfg_read(DEVFN, 0x50, 2), 0xC0, 'GGC: 8 MiB GGTT, no stolen memory')
    tap.equal(qt.cfg_read(DEVFN, 0x5C), 0, 'BDSM: no stolen memory')
    tap.equal(qt.cfg_read(DEVFN, 0x34, 1), MSI_CAP, 'capability list starts with MSI')
    tap.equal(qt.cfg_read(DEVFN, MSI_CAP, 1), 0x05, 'MSI capability id')
    # Sizing (PCI Local Bus 3.0, 6.2.5.1): all ones in, the size mask and type bits out.
    for offset, want, name in ((0x10, 0xFF000004, 'BAR0: 16 MiB, 64-bit memory'),
                               (0x18, 0xF000000C, 'BAR2: 256 MiB, 64-bit prefetchable'),
                               (PCI_BAR4, 0xFFFFFFC1, 'BAR4: 64 bytes of I/O')):
        qt.cfg_write(DEVFN, offset, 0xFFFFFFFF)
        tap.equal(qt.cfg_read(DEVFN, offset), want, name)
    qt.cfg_write(DEVFN, 0x14, 0xFFFFFFFF)
    tap.equal(qt.cfg_read(DEVFN, 0x14), 0xFFFFFFFF, 'BAR0 upper half: anywhere in 64 bits')
    qt.cfg_write(DEVFN, 0xFC, 0x7F000000)
    tap.equal(qt.cfg_read(DEVFN, 0xFC), 0x7F000000, 'ASLS takes the OpRegion address')
    place_bars(qt)


def place_bars(qt):
    """BAR0 and BAR2 where qtest.py says, the IO BAR at IO_BASE, decoding on."""
    qt.place_bars(DEVFN, {0x10: BAR0, 0x18: BAR2})
    qt.cfg_write(DEVFN, PCI_BAR4, IO_BASE)
    qt.cfg_write(DEVFN, PCI_COMMAND, CMD_MEMORY | CMD_IO, 2)


def check_registers(qt, tap):
    tap.equal(reg(qt, FUSE2), GT2_FUSE2, 'FUSE2 through BAR0')
    tap.equal(qt.read(BAR0 + FUSE2 + 2, 2), GT2_FUSE2 >> 16, 'a 2-byte read inside a register')
    tap.equal(qt.read(BAR0 + FUSE2 + 3, 1), GT2_FUSE2 >> 24, 'a 1-byte read inside a register')
    qt.cmd('outl 0x%x 0x%x' % (IO_BASE, FUSE2))
    tap.equal(qt.cmd('inl 0x%x' % (IO_BASE + 4)), GT2_FUSE2, 'FUSE2 through the IO BAR')
    reg(qt, GEN6_GDRST, GRDOM_BLT)
    tap.equal(reg(qt, GEN6_GDRST), 0, 'GDRST: the blitter reset completes')
    qt.write(GGTT + 8 * 5, 0x123456001, 8)
    tap.equal(qt.read(GGTT + 8 * 5, 8), 0x123456001, 'a GGTT entry, 8 bytes')
    qt.write(GGTT + 8 * 5 + 4, 0x7, 4)
    tap.equal(qt.read(GGTT + 8 * 5, 8), 0x723456001, 'its upper half written alone')


# Each access the device must refuse, and which counter says so.
HOSTILE = (
    ('a 1-byte register write', lambda qt: qt.write(BAR0 + FUSE2, 0xFF, 1), 'bad_bar0'),
    ('an unaligned dword read', lambda qt: qt.read(BAR0 + FUSE2 + 1, 4), 'bad_bar0'),
    ('an unaligned qword write', lambda qt: qt.write(BAR0 + 0x4402, ~0 & (2**64 - 1), 8),
     'bad_bar0'),
    ('a qword past the register space', lambda qt: qt.write(BAR0 + 2 * MIB - 4, 0, 8),
     'bad_bar0'),
    ('a read in the hole below the GGTT', lambda qt: qt.read(BAR0 + 4 * MIB, 4), 'bad_bar0'),
    ('a write in the hole below the GGTT', lambda qt: qt.write(BAR0 + 5 * MIB, 1, 4),
     'bad_bar0'),
    ('a 2-byte GGTT write', lambda qt: qt.write(GGTT + 2, 0xFFFF, 2), 'bad_bar0'),
    ('a 1-byte IO BAR read', lambda qt: qt.cmd('inb 0x%x' % (IO_BASE + 1)), 'bad_io'),
    ('an IO BAR index beyond BAR0', lambda qt: (
        qt.cmd('outl 0x%x 0x%x' % (IO_BASE, 0x2000000)),
        qt.cmd('inl 0x%x' % (IO_BASE + 4))), 'bad_io'),
)


def check_hostile(qt, tap, expected):
    for name, access, counter in HOSTILE:
        access(qt)
        expected[counter] = expected.get(counter, 0) + 1
        tap.check(qt.alive(), 'QEMU survives ' + name)
    tap.equal(reg(qt, FUSE2), GT2_FUSE2, 'FUSE2 unchanged by the refused writes')


def map_ggtt(qt, gma, bus):
    qt.write(GGTT + gma // 4096 * 8, bus | 1, 8)


def write_dwords(qt, addr, dwords):
    for i, dw in enumerate(dwords):
        qt.write(addr + 4 * i, dw, 4)


def submit_blitter(qt, value):
    """A blitter context (image at CTX_GGTT, 1-page ring at RING_GGTT) whose
    ring stores @value at TARGET_GGTT and raises a user interrupt."""
    ring = [MI_STORE_DATA_IMM_GGTT, TARGET_GGTT, 0, value, MI_USER_INTERRUPT, MI_NOOP]
    write_dwords(qt, RAM + (RING_GGTT - CTX_GGTT), ring)
    state = RAM + 4096              # page 1: the register state (pgpu/skl-regs.h CTX_*_DW)
    for dw, v in ((5, 0), (7, 4 * len(ring)), (9, RING_GGTT), (11, 1)):
        qt.write(state + 4 * dw, v, 4)
    reg(qt, BCS + RING_MODE_GEN7, masked(1 << 15))      # execlists
    reg(qt, BCS + RING_HWS_PGA, CTX_GGTT)
    for dw in (0, 0, 0, CTX_GGTT | (3 << 3) | 1):        # desc1 hi, lo; desc0 hi, lo
        reg(qt, BCS + RING_ELSP, dw)


def wait_ram(qt, addr, want, seconds=5):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if qt.read(addr, 4) == want:
            return True
        time.sleep(0.02)
    return False


def check_dma(qt, tap, expected):
    target = RAM + (TARGET_GGTT - CTX_GGTT)
    for page in range(4):
        map_ggtt(qt, CTX_GGTT + 4096 * page, RAM + 4096 * page)
    write_dwords(qt, target, [0])
    # Bus mastering off: the engine reaches nothing, not even its context.
    submit_blitter(qt, 0x600DF00D)
    time.sleep(0.3)
    tap.equal(qt.read(target, 4), 0, 'without bus mastering the GPU writes no RAM')
    reg(qt, GEN6_GDRST, GRDOM_BLT)
    # Bus mastering and MSI on: the store lands and the interrupt arrives.
    qt.cfg_write(DEVFN, PCI_COMMAND, CMD_MEMORY | CMD_IO | CMD_MASTER, 2)
    qt.cfg_write(DEVFN, MSI_CAP + 4, MSI_ADDR)
    qt.cfg_write(DEVFN, MSI_CAP + 8, MSI_DATA, 2)
    qt.cfg_write(DEVFN, MSI_CAP + 2, 1, 2)          # MSI enable
    reg(qt, GT_IMR0, ~BCS_USER_INTERRUPT & 0xFFFFFFFF)
    reg(qt, GT_IER0, BCS_USER_INTERRUPT)
    reg(qt, MASTER_IRQ, 1 << 31)
    submit_blitter(qt, 0x600DF00D)
    tap.check(wait_ram(qt, target, 0x600DF00D), 'the blitter stores to guest RAM by DMA')
    tap.check(wait_ram(qt, MSI_ADDR, MSI_DATA), 'its user interrupt is an MSI')
    # The aperture reaches RAM through the GGTT, and nothing past it.
    qt.write(BAR2 + TARGET_GGTT, 0xA5A5A5A5, 4)
    tap.equal(qt.read(target, 4), 0xA5A5A5A5, 'an aperture write lands in guest RAM')
    map_ggtt(qt, 0x20000, NOT_RAM)
    tap.equal(qt.read(BAR2 + 0x20000, 4), 0xFFFFFFFF,
              'the aperture over an address that is no RAM reads ones')
    qt.write(BAR2 + 0x20000, 0, 4)
    map_ggtt(qt, 0x21000, BAR0)                     # the GPU's own registers
    qt.read(BAR2 + 0x21000, 8)
    expected['aperture_faults'] = expected.get('aperture_faults', 0) + 3
    # A context whose ring lies beyond RAM: a GPU fault, not a crash.
    reg(qt, GEN6_GDRST, GRDOM_BLT)
    map_ggtt(qt, RING_GGTT, NOT_RAM)
    submit_blitter(qt, 0xBAD)
    time.sleep(0.3)
    tap.check(qt.alive(), 'QEMU survives a ring beyond RAM')


# QEMU's emulated VT-d (-device intel-iommu) and its registers (Intel VT-d
# specification, rev. 3, chapter 11; the root, context and second-level
# entries of chapter 9).
DMAR = 0xFED90000
DMAR_CAP, DMAR_GCMD, DMAR_GSTS, DMAR_RTADDR = 0x08, 0x18, 0x1C, 0x20
DMAR_FSTS, DMAR_FECTL, DMAR_FEDATA, DMAR_FEADDR = 0x34, 0x38, 0x3C, 0x40
FECTL_IP = 1 << 30
FAULT_VECTOR, LAPIC_MSI = 0x30, 0xFEE00000
GCMD_TE, GCMD_SRTP = 1 << 31, 1 << 30
FSTS_PPF = 1 << 1
FRCD_F = 1 << 63
SL_R, SL_W = 1 << 0, 1 << 1
CTX_AW_39BIT = 1                # 3-level tables, QEMU's default aw-bits=39
GPU_SOURCE_ID = DEVFN           # bus 0, 00:02.0
# The tables in guest RAM, and the I/O virtual addresses the GPU is given:
# IOVA_BASE + n maps RAM + n for the test's four context pages; UNMAPPED
# is RAM by its physical address but no IOVA the tables map.
ROOT, CONTEXTS, PT_L3, PT_L2, PT_L1 = (0x400000 + 0x1000 * i for i in range(5))
IOVA_BASE = 0x10000000          # beyond the VM's 128 MiB: only the IOMMU makes it RAM
UNMAPPED = 0x600000


def iommu_map(qt, pages):
    """Second-level tables that map IOVA_BASE + n * 4096 to RAM + n * 4096
    for the first @pages pages, for the GPU's requests only, and
    translation on."""
    qt.write(ROOT, CONTEXTS | 1, 8)                          # bus 0: present
    qt.write(ROOT + 8, 0, 8)
    qt.write(CONTEXTS + 16 * GPU_SOURCE_ID, PT_L3 | 1, 8)    # present, TT 0 (translated)
    qt.write(CONTEXTS + 16 * GPU_SOURCE_ID + 8, (1 << 8) | CTX_AW_39BIT, 8)  # domain 1
    qt.write(PT_L3 + 8 * (IOVA_BASE >> 30 & 511), PT_L2 | SL_R | SL_W, 8)
    qt.write(PT_L2 + 8 * (IOVA_BASE >> 21 & 511), PT_L1 | SL_R | SL_W, 8)
    for n in range(pages):
        qt.write(PT_L1 + 8 * ((IOVA_BASE >> 12 & 511) + n), (RAM + 4096 * n) | SL_R | SL_W, 8)
    qt.write(DMAR + DMAR_RTADDR, ROOT, 8)
    qt.write(DMAR + DMAR_GCMD, GCMD_SRTP, 4)
    qt.write(DMAR + DMAR_GCMD, GCMD_TE, 4)
    return qt.read(DMAR + DMAR_GSTS, 4) & GCMD_TE


def fault_record(qt):
    """The first fault recording register's high half (its place from CAP.FRO)."""
    fro = (qt.read(DMAR + DMAR_CAP, 8) >> 24 & 0x3FF) * 16
    return qt.read(DMAR + fro + 8, 8)


def check_iommu(qt, tap, expected, fault_event=False):
    """The model's DMA goes through the VM's IOMMU: the GPU's GGTT holds
    I/O virtual addresses, which reach RAM only as the IOMMU's tables map
    them; an IOVA they do not map is refused, counted, and recorded by the
    IOMMU as the GPU's fault, and the RAM at that physical address stays
    untouched.  With @fault_event the IOMMU's fault interrupt is unmasked,
    as the guest's VT-d driver unmasks it: the engine thread's refused
    access makes the IOMMU signal it (under TCG that interrupt must reach a
    CPU from a thread that does not hold QEMU's big lock)."""
    place_bars(qt)
    qt.cfg_write(DEVFN, PCI_COMMAND, CMD_MEMORY | CMD_IO | CMD_MASTER, 2)
    tap.check(iommu_map(qt, 4), 'the IOMMU translates (GSTS.TES)')
    target = RAM + (TARGET_GGTT - CTX_GGTT)
    for page in range(4):
        map_ggtt(qt, CTX_GGTT + 4096 * page, IOVA_BASE + 4096 * page)
    write_dwords(qt, target, [0])
    submit_blitter(qt, 0x600DF00D)
    tap.check(wait_ram(qt, target, 0x600DF00D),
              'the blitter stores through the IOMMU\'s translation')
    tap.equal(qt.read(BAR2 + TARGET_GGTT, 4), 0x600DF00D,
              'the aperture reads through it too')
    # The target page now at an IOVA the tables do not map.
    write_dwords(qt, UNMAPPED, [0x5A5A5A5A])
    map_ggtt(qt, TARGET_GGTT, UNMAPPED)
    if fault_event:
        qt.write(DMAR + DMAR_FEDATA, FAULT_VECTOR, 4)
        qt.write(DMAR + DMAR_FEADDR, LAPIC_MSI, 4)
        qt.write(DMAR + DMAR_FECTL, 0, 4)
    submit_blitter(qt, 0xBAD)
    time.sleep(0.3)
    tap.check(qt.alive(), 'QEMU survives a GPU store to an IOVA the IOMMU does not map')
    if fault_event:
        time.sleep(0.1)
        tap.check(not qt.read(DMAR + DMAR_FECTL, 4) & FECTL_IP,
                  'the IOMMU signalled the fault with its interrupt (FECTL.IP clear)')
    tap.equal(qt.read(UNMAPPED, 4), 0x5A5A5A5A,
              'the store is not performed at that address as a physical one')
    tap.equal(qt.read(target, 4), 0x600DF00D, 'nor at the page the IOVA mapped before')
    tap.check(qt.read(DMAR + DMAR_FSTS, 4) & FSTS_PPF, 'the IOMMU records a fault')
    frcd = fault_record(qt)
    tap.check(frcd & FRCD_F and frcd & 0xFFFF == GPU_SOURCE_ID,
              'its fault record names the GPU (source id 00:02.0)', 'FRCD high 0x%x' % frcd)
    tap.equal(qt.read(BAR2 + TARGET_GGTT, 4), 0xFFFFFFFF,
              'the aperture over that IOVA reads ones')
    expected['aperture_faults'] = expected.get('aperture_faults', 0) + 1
    reg(qt, GEN6_GDRST, GRDOM_BLT)


def check_random_accesses(qt, tap, seed=17, count=3000):
    """@count accesses of random width, alignment and value over the
    registers, the hole, the GGTT, the aperture, the IO BAR and config space
    past the BARs (a fixed seed: the same sequence every run).  Engines may
    start on garbage and fault or hang: the model's business, counted."""
    rng = random.Random(seed)
    windows = ((BAR0, 16 * MIB), (BAR2, 256 * MIB), (BAR0 + 0x2000, 0x40000),
               (BAR0 + 0x44000, 0x1000), (BAR0 + 0x138000, 0x200))
    for i in range(count):
        kind = rng.randrange(10)
        size = rng.choice((1, 2, 4, 8))
        value = rng.getrandbits(8 * size)
        if kind < 8:
            base, length = rng.choice(windows)
            addr = base + rng.randrange(length - 8)
            if rng.randrange(2):
                qt.read(addr, size)
            else:
                qt.write(addr, value, size)
        elif kind == 8:
            port = IO_BASE + rng.randrange(64 - 4)
            size = min(size, 4)
            op = {1: 'b', 2: 'w', 4: 'l'}[size]
            if rng.randrange(2):
                qt.cmd('in%s 0x%x' % (op, port))
            else:
                qt.cmd('out%s 0x%x 0x%x' % (op, port, value & ((1 << 8 * size) - 1)))
        else:
            offset = rng.randrange(0x40, 0x100)     # past the BARs and the header
            size = min(size, 4)
            if MSI_CAP <= offset < MSI_CAP + 0x10 or rng.randrange(2):
                qt.cfg_read(DEVFN, offset & ~(size - 1), size)
            else:
                qt.cfg_write(DEVFN, offset & ~(size - 1),
                             value & ((1 << 8 * size) - 1), size)
    tap.check(qt.alive(), 'QEMU survives %d random accesses (seed %d)' % (count, seed))


def stats_of(err, name):
    m = re.search(r'gpumed: pgpu %s: stats: (.*)' % name, err)
    return dict((k, int(v)) for k, v in (f.split('=') for f in m.group(1).split())) if m else {}


def machine(gpu_id):
    """QEMU's arguments for a VM with pgpu-pci @gpu_id at 00:02.0."""
    return ['-m', '%dM' % GUEST_RAM_MIB, '-device', 'pgpu-pci,id=%s,addr=02.0' % gpu_id]


def main():
    qemu = os.environ.get('GPUMED_QEMU') or default_qemu()
    if not os.access(qemu, os.X_OK):
        gpumed.setup_failed('no %s: build it with scripts/build-qemu' % qemu)
    tap = Tap()
    expected = {}
    err = run_qemu_checks(qemu, machine('gpu0'),
                          [check_identity_and_bars, check_registers,
                           lambda qt, tap: check_hostile(qt, tap, expected),
                           lambda qt, tap: check_dma(qt, tap, expected)], tap)
    stats = stats_of(err, 'gpu0')
    tap.check(bool(stats), 'QEMU reports the device\'s counters at exit')
    for counter, want in sorted(expected.items()):
        tap.equal(stats.get(counter, -1), want, '%s counts each refusal' % counter)
    tap.check(stats.get('dma_refused', 0) >= 2 and stats.get('gpu_faults', 0) >= 1,
              'GPU accesses to no RAM are refused and counted as faults',
              'dma_refused=%s gpu_faults=%s' % (stats.get('dma_refused'),
                                                stats.get('gpu_faults')))
    tap.check('gpumed: pgpu gpu0: untracked offsets:' in err,
              'QEMU lists the untracked registers at exit')

    # The VM's IOMMU: its own QEMU, with its own counts.
    expected = {}
    err = run_qemu_checks(qemu, ['-device', 'intel-iommu'] + machine('gpu2'),
                          [lambda qt, tap: check_iommu(qt, tap, expected)], tap,
                          ' behind an IOMMU')
    stats = stats_of(err, 'gpu2')
    for counter, want in sorted(expected.items()):
        tap.equal(stats.get(counter, -1), want, '%s counts each refusal behind the IOMMU' % counter)
    tap.check(stats.get('dma_refused', 0) >= 2 and stats.get('gpu_faults', 0) >= 1,
              'the IOVAs the IOMMU refused are counted, and the store as a GPU fault',
              'dma_refused=%s gpu_faults=%s' % (stats.get('dma_refused'), stats.get('gpu_faults')))

    # The same under TCG, the accelerator guests run on, with the IOMMU's
    # fault interrupt unmasked: its delivery needs QEMU's big lock, which the
    # model's engine threads do not hold.
    err = run_qemu_checks(qemu, ['-device', 'intel-iommu'] + machine('gpu3'),
                          [lambda qt, tap: check_iommu(qt, tap, {}, fault_event=True)], tap,
                          ' under TCG behind an IOMMU signalling faults', accel='tcg')
    tap.check(bool(stats_of(err, 'gpu3')), 'and reports its counters')

    # A second QEMU for the random accesses, so that the counts above stay exact.
    def random_accesses(qt, tap):
        place_bars(qt)
        qt.cfg_write(DEVFN, PCI_COMMAND, CMD_MEMORY | CMD_IO | CMD_MASTER, 2)
        check_random_accesses(qt, tap)

    err = run_qemu_checks(qemu, machine('gpu1'), [random_accesses], tap, ' after the random accesses')
    tap.check(bool(stats_of(err, 'gpu1')), 'and reports its counters')
    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
