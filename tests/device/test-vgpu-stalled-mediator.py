#!/usr/bin/env python3
# Device test: a stalled mediator (SIGSTOP) never stalls the vCPU.  Under
# qtest, as i915 would: a BCS context with a store is submitted and
# completes; with the mediator stopped, a second one is submitted, the
# engine is reset through GDRST, registers are read, PPGTT notifications
# fill the submission ring and wait in QEMU's queue, and an ELSP after
# them waits behind them (until 2026-12-06 the notifications filled the
# 256 messages the queue held for everything, and that ELSP was lost: its
# engine hung), and i915 resets that engine; every MMIO access is answered
# while the mediator is still stopped.  Then SIGCONT: once the mediator
# has taken what QEMU queued, a new submission completes.  The old QEMU waited up to 10 s in the GDRST write and then
# lost the vGPU for good, so the last submission never completed there.
# SPDX-License-Identifier: GPL-2.0-or-later
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qtest import GGTT, place_vgpu_bars, reg, run_device_test  # noqa: E402

# Registers (i915's names; contract 2.2, 6.2-6.4)
VGT_AVAIL_MAPPABLE_BASE = 0x78040
VGT_G2V_NOTIFY, VGT_PDP0_LDW, VGT_PDP0_UDW = 0x78818, 0x78838, 0x7883C
G2V_PPGTT_L4_CREATE, G2V_PPGTT_L4_DESTROY = 4, 5
GEN6_GDRST, GRDOM_BLT, GRDOM_VECS = 0x941C, 1 << 3, 1 << 4
BCS, VECS = 0x22000, 0x1A000
RING_TAIL, RING_HEAD, RING_HWS_PGA = 0x30, 0x34, 0x80
RING_ELSP, RING_EXECLIST_STATUS = 0x230, 0x234
EXECLIST_STATUS_0_VALID = 1 << 4

# The logical ring context (i915's gen8 layout): the state page follows the
# per-process status page; register values sit at these dwords.
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

# Guest RAM the test lays out (guest-physical addresses).
PML4_GPA = 0x200000             # the context's (empty) PPGTT
IMAGE_GPA = 0x210000            # status page, then the state page
RING_GPA = 0x212000             # one page
HWSP_GPA = 0x213000             # the engine's status page (CSB mirror)
FLOOD_PML4_GPA = 0x220000       # the root the notification flood names
SEQNO = 0x100                   # in the context's status page
RING_BYTES = 24                 # one store + user interrupt, qword aligned

NOTICE_FLOOD = 1200             # more than the submission ring (256) and the old shared queue (256) hold
REGISTER_READS = 300
WAIT_S = 20                     # for a completion on a loaded machine

# What the run measured, printed as TAP comments.
measured = {}


def timed(fn):
    start = time.monotonic()
    fn()
    return (time.monotonic() - start) * 1000


class Context:
    """One BCS context in the mappable GGTT block, as i915 lays it out."""

    def __init__(self, qt):
        self.qt = qt
        self.gma = reg(qt, VGT_AVAIL_MAPPABLE_BASE)
        for i, gpa in enumerate((IMAGE_GPA, IMAGE_GPA + 4096, RING_GPA, HWSP_GPA)):
            qt.write(GGTT + (self.gma // 4096 + i) * 8, gpa | 1, 8)
        state = IMAGE_GPA + LRC_STATE_OFFSET
        lri = [(CTX_CONTEXT_CONTROL, RING_CONTEXT_CONTROL, 0x000D0008),
               (CTX_RING_HEAD, RING_HEAD, 0), (CTX_RING_TAIL, RING_TAIL, 0),
               (CTX_RING_START, RING_START, self.gma + 0x2000),
               (CTX_RING_CTL, RING_CTL, 1),         # one page, valid
               (CTX_PDP0_UDW, RING_PDP0_UDW, 0), (CTX_PDP0_LDW, RING_PDP0_LDW, PML4_GPA)]
        qt.write(state + 4 * CTX_LRI_HEADER_1, (0x22 << 23) | (2 * 14 - 1) | (1 << 12), 4)
        qt.write(state + 4 * CTX_LRI_HEADER_2, (0x22 << 23) | (2 * 9 - 1) | (1 << 12), 4)
        for dw, offset, value in lri:
            qt.write(state + 4 * (dw - 1), BCS + offset, 4)
            qt.write(state + 4 * dw, value, 4)
        self.desc = (self.gma | CTX_DESC) | (1 << 5) << 32
        self.tail = 0
        reg(qt, BCS + RING_HWS_PGA, self.gma + 0x3000)
        reg(qt, VGT_PDP0_LDW, PML4_GPA)
        reg(qt, VGT_PDP0_UDW, 0)
        reg(qt, VGT_G2V_NOTIFY, G2V_PPGTT_L4_CREATE)

    def seqno(self):
        return self.qt.read(IMAGE_GPA + SEQNO, 4)

    def submit_store(self, value, head=None):
        """A request storing @value into the seqno slot; @head: the ring
        head i915 writes into the image after a reset (the requests the
        reset dropped are skipped)."""
        ring = [MI_FLUSH_DW_STORE, (self.gma + SEQNO) | MI_FLUSH_DW_USE_GTT, 0, value,
                MI_USER_INTERRUPT, MI_NOOP]
        for i, dw in enumerate(ring):
            self.qt.write(RING_GPA + self.tail + 4 * i, dw, 4)
        state = IMAGE_GPA + LRC_STATE_OFFSET
        if head is not None:
            self.qt.write(state + 4 * CTX_RING_HEAD, head, 4)
        self.tail = (self.tail + RING_BYTES) % 4096
        self.qt.write(state + 4 * CTX_RING_TAIL, self.tail, 4)
        elsp(self.qt, BCS, self.desc)

    def wait_seqno(self, value):
        return wait_for(lambda: self.seqno() == value)


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


def mediator_logged(qt, text):
    with open(qt.mediator.log_path, errors='replace') as f:
        return text in f.read()


def stopped(pid):
    with open('/proc/%d/stat' % pid) as f:
        return f.read().rsplit(')', 1)[1].split()[0] == 'T'


def check_stalled_mediator(qt, tap):
    place_vgpu_bars(qt)
    ctx = Context(qt)
    ctx.submit_store(1)
    tap.check(ctx.wait_seqno(1), 'a BCS store completes with the mediator running')
    tap.check(wait_for(lambda: not reg(qt, BCS + RING_EXECLIST_STATUS) & EXECLIST_STATUS_0_VALID),
              'its completion reached the execlist: the engine is idle')

    pid = qt.mediator.proc.pid
    os.kill(pid, signal.SIGSTOP)
    try:
        tap.check(wait_for(lambda: stopped(pid)), 'the mediator is stopped (SIGSTOP)')
        stalled_phase(qt, tap, ctx, pid)
    finally:
        os.kill(pid, signal.SIGCONT)

    # Resumed: the VECS reset was the last message QEMU queued; once the
    # mediator logged it, QEMU's queue is empty and the context runs again.
    tap.check(wait_for(lambda: mediator_logged(qt, 'engines 0x8 reset')),
              'the mediator took the queued messages')
    ctx.submit_store(3, head=2 * RING_BYTES)
    tap.check(ctx.wait_seqno(3), 'after SIGCONT a new BCS submission completes')
    for name, value in sorted(measured.items()):
        print('# %s: %s' % (name, value))


def stalled_phase(qt, tap, ctx, pid):
    ctx.submit_store(2)
    measured['GDRST write, mediator stopped (ms)'] = '%.2f' % timed(
        lambda: reg(qt, GEN6_GDRST, GRDOM_BLT))
    tap.equal(reg(qt, GEN6_GDRST), 0, 'GDRST reads back as done at once')
    tap.equal(reg(qt, BCS + RING_EXECLIST_STATUS) & EXECLIST_STATUS_0_VALID, 0,
              'the reset engine shows nothing running')
    worst = 0
    for i in range(REGISTER_READS):
        worst = max(worst, timed(lambda: reg(qt, BCS + RING_HEAD + 4 * (i % 3))))
    measured['slowest of %d register reads (ms)' % REGISTER_READS] = '%.2f' % worst

    def flood():
        reg(qt, VGT_PDP0_LDW, FLOOD_PML4_GPA)
        for i in range(NOTICE_FLOOD):
            reg(qt, VGT_G2V_NOTIFY, G2V_PPGTT_L4_DESTROY if i % 2 else G2V_PPGTT_L4_CREATE)
    measured['%d PPGTT notifications, mediator stopped (ms)' % NOTICE_FLOOD] = \
        '%.1f' % timed(flood)
    elsp(qt, VECS, 0x5000 | CTX_DESC)
    tap.check(reg(qt, VECS + RING_EXECLIST_STATUS) & EXECLIST_STATUS_0_VALID,
              'an ELSP behind the notifications waits in the queue: its engine is busy')
    reg(qt, GEN6_GDRST, GRDOM_VECS)     # a reset always fits, and drops it
    tap.equal(reg(qt, VECS + RING_EXECLIST_STATUS) & EXECLIST_STATUS_0_VALID, 0,
              'the guest resets the busy engine')
    tap.check(stopped(pid), 'every access above was answered while the mediator was stopped')


def check_qemu_log(err, tap):
    tap.check('lost the gpumed mediator' not in err, 'QEMU never declared the mediator lost')
    tap.check('the mediator is behind' not in err, 'no message was lost (none logged)')
    for stat in ('elsp_mediator_behind', 'ppgtt_mediator_behind'):
        stats = re.search(r'gpumed: vgpu \S+: stats: .*\b%s=(\d+)' % stat, err)
        tap.check(stats and int(stats.group(1)) == 0, 'nor counted (%s)' % stat)
    tap.check('not the oldest element' not in err,
              'no completion of work from before the reset reached the execlist')


def main():
    return run_device_test('vgpu-pci,addr=02.0', [check_stalled_mediator],
                           check_stderr=check_qemu_log)


if __name__ == '__main__':
    sys.exit(main())
