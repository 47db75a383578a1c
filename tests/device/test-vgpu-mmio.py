#!/usr/bin/env python3
# Device test: the vGPU's MMIO interface driven through BAR0/BAR2 by QEMU's
# qtest protocol, without a guest: PVINFO, masked registers, reset and
# power handshakes, the PCODE mailbox, GGTT writes in and out of the
# partition, the aperture reaching guest RAM, AUX and the vblank clock.
# SPDX-License-Identifier: GPL-2.0-or-later
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qtest import BAR0, BAR2, GGTT, MIB, place_vgpu_bars, reg, run_device_test  # noqa: E402

# Registers (vgpu/regs.h)
VGT_PVINFO = 0x78000
RCS, BCS, VCS, VECS = 0x2000, 0x22000, 0x12000, 0x1A000
RING_MI_MODE, RING_RESET_CTL = 0x9C, 0xD0
GEN6_GDRST, GUC_STATUS = 0x941C, 0xC000
HSW_PWR_WELL_CTL2, DBUF_CTL_S0, DPLL_STATUS, LCPLL2_CTL = 0x45404, 0x45008, 0x6C060, 0x46014
PCODE_MAILBOX, PCODE_DATA = 0x138124, 0x138128
AUX_CTL_D = 0x64310
TRANSCONF_A, PIPE_FRMCOUNT_A = 0x70008, 0x70040

GPUMED8_APERTURE = 32 * MIB     # the default type's aperture block
RAM_PAGE = 0x100000             # guest RAM the aperture test maps


def masked(enable, bits):
    return (bits << 16) | (bits if enable else 0)


def check_pvinfo(qt, tap):
    tap.equal(qt.read(BAR0 + VGT_PVINFO, 8), 0x4776544776544776, 'PVINFO magic (8-byte read)')
    tap.equal(qt.read(BAR0 + VGT_PVINFO + 8, 2), 1, 'PVINFO version_major (2-byte read)')
    tap.equal(reg(qt, VGT_PVINFO + 0x10), 0xC, 'caps: full PPGTT + HWSP emulation')
    mbase, msize = reg(qt, VGT_PVINFO + 0x40), reg(qt, VGT_PVINFO + 0x44)
    ubase, usize = reg(qt, VGT_PVINFO + 0x48), reg(qt, VGT_PVINFO + 0x4C)
    tap.check(mbase + msize <= 256 * MIB and ubase >= 256 * MIB and ubase + usize <= 4 << 30,
              'ballooning window passes the guest check')
    reg(qt, VGT_PVINFO + 0x10, 0)
    tap.equal(reg(qt, VGT_PVINFO + 0x10), 0xC, 'PVINFO header is read-only')


def check_masked_and_handshakes(qt, tap):
    mi_mode = RCS + RING_MI_MODE
    reg(qt, mi_mode, masked(True, 1 << 8))
    tap.equal(reg(qt, mi_mode), (1 << 9) | (1 << 8), 'RING_MI_MODE: masked set, engine idle')
    reg(qt, mi_mode, masked(False, 1 << 8))
    tap.equal(reg(qt, mi_mode), 1 << 9, 'RING_MI_MODE: masked clear')
    for name, base in (('RCS', RCS), ('BCS', BCS), ('VCS', VCS), ('VECS', VECS)):
        reg(qt, base + RING_RESET_CTL, masked(True, 1))
        tap.equal(reg(qt, base + RING_RESET_CTL) & 2, 2, '%s ready to reset' % name)
        reg(qt, base + RING_RESET_CTL, masked(False, 1))
    reg(qt, GEN6_GDRST, 0x21)
    tap.equal(reg(qt, GEN6_GDRST), 0, 'GDRST completes at once')
    tap.equal(reg(qt, GUC_STATUS) & 1, 1, 'GuC is held in reset')
    reg(qt, HSW_PWR_WELL_CTL2, (1 << 31) | (1 << 29))
    tap.equal(reg(qt, HSW_PWR_WELL_CTL2), 0xF0000000, 'power wells 1 and 2 report on')
    reg(qt, DBUF_CTL_S0, 1 << 31)
    tap.equal(reg(qt, DBUF_CTL_S0), 0xC0000000, 'DBUF power state follows its request')
    reg(qt, LCPLL2_CTL, 1 << 31)
    tap.equal(reg(qt, DPLL_STATUS), 0x101, 'DPLL0 and DPLL1 report locked')
    reg(qt, PCODE_DATA, 0)
    reg(qt, PCODE_MAILBOX, (1 << 31) | 0x7)
    tap.equal(reg(qt, PCODE_MAILBOX), 0, 'PCODE answers at once, no error')
    tap.equal(reg(qt, PCODE_DATA) & 1, 1, 'PCODE: ready for a CDCLK change')


def check_ggtt_partition(qt, tap):
    qt.write(GGTT, RAM_PAGE | 1, 8)
    tap.equal(qt.read(GGTT, 8), RAM_PAGE | 1, 'GGTT entry inside the partition is kept')
    outside = GGTT + (GPUMED8_APERTURE // 4096) * 8
    qt.write(outside, RAM_PAGE | 1, 8)
    tap.equal(qt.read(outside, 8), 0, 'GGTT entry outside the partition is dropped')
    qt.write(GGTT + 8, 0x7000 | 1, 4)           # two halves, low first
    qt.write(GGTT + 12, 0, 4)
    tap.equal(qt.read(GGTT + 8, 8), 0x7001, 'GGTT entry written as two halves')


def check_aperture(qt, tap):
    qt.write(GGTT, RAM_PAGE | 1, 8)
    qt.write(BAR2 + 0x10, 0xCAFEF00D, 4)
    tap.equal(qt.read(RAM_PAGE + 0x10, 4), 0xCAFEF00D, 'aperture write lands in the mapped RAM page')
    qt.write(RAM_PAGE + 0x20, 0x12345678, 4)
    tap.equal(qt.read(BAR2 + 0x20, 4), 0x12345678, 'aperture read comes from the mapped RAM page')
    tap.equal(qt.read(BAR2 + 2 * 4096, 4), 0, 'unmapped aperture page reads zero')


def check_aux_and_vblank(qt, tap):
    reg(qt, AUX_CTL_D + 4, 0x9000000F)          # native read of DPCD 0..15
    reg(qt, AUX_CTL_D, (1 << 31) | (4 << 20))
    ctl = reg(qt, AUX_CTL_D)
    tap.equal(ctl & 0xC0000000, 0x40000000, 'AUX transaction done at once')
    tap.equal(reg(qt, AUX_CTL_D + 4) >> 16, 0x0012, 'DPCD revision 1.2 on port D')
    reg(qt, TRANSCONF_A, 1 << 31)
    qt.cmd('clock_step %d' % (3 * 10**9 // 60 + 1000))
    tap.check(reg(qt, PIPE_FRMCOUNT_A) >= 2, 'frame counter advances at ~60 Hz')


def main():
    return run_device_test('vgpu-pci,addr=02.0', [
        place_vgpu_bars, check_pvinfo, check_masked_and_handshakes, check_ggtt_partition,
        check_aperture, check_aux_and_vblank,
    ])


if __name__ == '__main__':
    sys.exit(main())
