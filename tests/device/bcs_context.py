# A BCS logical ring context laid out in guest RAM as i915 lays one out
# (gen8 layout, contract 2.2 and 6.2-6.4), for the device tests that submit
# work through vgpu-pci under qtest.
# SPDX-License-Identifier: GPL-2.0-or-later
import time

from qtest import GGTT, reg

# Registers (i915's names)
VGT_AVAIL_MAPPABLE_BASE = 0x78040
VGT_G2V_NOTIFY, VGT_PDP0_LDW, VGT_PDP0_UDW = 0x78818, 0x78838, 0x7883C
G2V_PPGTT_L4_CREATE, G2V_PPGTT_L4_DESTROY = 4, 5
BCS = 0x22000
RING_TAIL, RING_HEAD, RING_HWS_PGA = 0x30, 0x34, 0x80
RING_ELSP, RING_EXECLIST_STATUS = 0x230, 0x234
EXECLIST_STATUS_0_VALID = 1 << 4

# The state page follows the per-process status page; register values sit
# at these dwords.
LRC_STATE_OFFSET = 4096
CTX_LRI_HEADER_1, CTX_CONTEXT_CONTROL, CTX_RING_HEAD, CTX_RING_TAIL = 1, 3, 5, 7
CTX_RING_START, CTX_RING_CTL = 9, 11
CTX_LRI_HEADER_2, CTX_PDP0_UDW, CTX_PDP0_LDW = 33, 49, 51
RING_CONTEXT_CONTROL, RING_START, RING_CTL = 0x244, 0x38, 0x3C
RING_PDP0_LDW, RING_PDP0_UDW = 0x270, 0x274
CTX_DESC = 1 | (3 << 3) | (1 << 8)      # valid, 4-level PPGTT, privileged
MI_USER_INTERRUPT, MI_NOOP = 0x02 << 23, 0
MI_FLUSH_DW_STORE = (0x26 << 23) | 2 | (1 << 14)    # post-sync immediate data write
MI_FLUSH_DW_USE_GTT = 1 << 2

# Guest RAM the context takes (guest-physical addresses).
IMAGE_GPA = 0x210000            # status page, then the state page
RING_GPA = 0x212000             # one page
HWSP_GPA = 0x213000             # the engine's status page (CSB mirror)
RING_BYTES = 24                 # one store + user interrupt, qword aligned
WAIT_S = 20                     # for a completion on a loaded machine


def wait_for(condition):
    """Whether @condition() holds within WAIT_S (QEMU's main loop takes
    the mediator's messages between qtest commands)."""
    deadline = time.monotonic() + WAIT_S
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


def elsp(qt, engine, desc0):
    for dw in (0, 0, desc0 >> 32, desc0 & 0xFFFFFFFF):    # element 1, then 0
        reg(qt, engine + RING_ELSP, dw)


class Context:
    """One BCS context in the mappable GGTT block, its PPGTT rooted at
    @pml4_gpa (created with the G2V notification)."""

    def __init__(self, qt, pml4_gpa):
        self.qt = qt
        self.gma = reg(qt, VGT_AVAIL_MAPPABLE_BASE)
        for i, gpa in enumerate((IMAGE_GPA, IMAGE_GPA + 4096, RING_GPA, HWSP_GPA)):
            qt.write(GGTT + (self.gma // 4096 + i) * 8, gpa | 1, 8)
        state = IMAGE_GPA + LRC_STATE_OFFSET
        lri = [(CTX_CONTEXT_CONTROL, RING_CONTEXT_CONTROL, 0x000D0008),
               (CTX_RING_HEAD, RING_HEAD, 0), (CTX_RING_TAIL, RING_TAIL, 0),
               (CTX_RING_START, RING_START, self.gma + 0x2000),
               (CTX_RING_CTL, RING_CTL, 1),         # one page, valid
               (CTX_PDP0_UDW, RING_PDP0_UDW, 0), (CTX_PDP0_LDW, RING_PDP0_LDW, pml4_gpa)]
        qt.write(state + 4 * CTX_LRI_HEADER_1, (0x22 << 23) | (2 * 14 - 1) | (1 << 12), 4)
        qt.write(state + 4 * CTX_LRI_HEADER_2, (0x22 << 23) | (2 * 9 - 1) | (1 << 12), 4)
        for dw, offset, value in lri:
            qt.write(state + 4 * (dw - 1), BCS + offset, 4)
            qt.write(state + 4 * dw, value, 4)
        self.desc = (self.gma | CTX_DESC) | (1 << 5) << 32
        self.tail = 0
        reg(qt, BCS + RING_HWS_PGA, self.gma + 0x3000)
        reg(qt, VGT_PDP0_LDW, pml4_gpa)
        reg(qt, VGT_PDP0_UDW, 0)
        reg(qt, VGT_G2V_NOTIFY, G2V_PPGTT_L4_CREATE)

    def submit_store(self, address, value, head=None):
        """A request storing @value at @address (an MI_FLUSH_DW address
        dword: MI_FLUSH_DW_USE_GTT for the GGTT, else the PPGTT); @head:
        the ring head i915 writes into the image after a reset (the
        requests the reset dropped are skipped)."""
        ring = [MI_FLUSH_DW_STORE, address, 0, value, MI_USER_INTERRUPT, MI_NOOP]
        for i, dw in enumerate(ring):
            self.qt.write(RING_GPA + self.tail + 4 * i, dw, 4)
        state = IMAGE_GPA + LRC_STATE_OFFSET
        if head is not None:
            self.qt.write(state + 4 * CTX_RING_HEAD, head, 4)
        self.tail = (self.tail + RING_BYTES) % 4096
        self.qt.write(state + 4 * CTX_RING_TAIL, self.tail, 4)
        elsp(self.qt, BCS, self.desc)
