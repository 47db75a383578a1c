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
from qtest import place_vgpu_bars, reg, run_device_test  # noqa: E402
import bcs_context  # noqa: E402
from bcs_context import (BCS, CTX_DESC, EXECLIST_STATUS_0_VALID, G2V_PPGTT_L4_CREATE,  # noqa: E402
                         G2V_PPGTT_L4_DESTROY, IMAGE_GPA, MI_FLUSH_DW_USE_GTT, RING_BYTES,
                         RING_EXECLIST_STATUS, RING_HEAD, VGT_G2V_NOTIFY, VGT_PDP0_LDW, elsp,
                         wait_for)

# Registers of this test only (bcs_context.py has the context's)
GEN6_GDRST, GRDOM_BLT, GRDOM_VECS = 0x941C, 1 << 3, 1 << 4
VECS = 0x1A000

# Guest RAM the test lays out (guest-physical addresses), besides the
# context's (bcs_context.py).
PML4_GPA = 0x200000             # the context's (empty) PPGTT
FLOOD_PML4_GPA = 0x220000       # the root the notification flood names
SEQNO = 0x100                   # in the context's status page

NOTICE_FLOOD = 1200             # more than the submission ring (256) and the old shared queue (256) hold
REGISTER_READS = 300

# What the run measured, printed as TAP comments.
measured = {}


def timed(fn):
    start = time.monotonic()
    fn()
    return (time.monotonic() - start) * 1000


class Context(bcs_context.Context):
    """The BCS context with an empty PPGTT, storing into its status page."""

    def __init__(self, qt):
        super().__init__(qt, PML4_GPA)

    def seqno(self):
        return self.qt.read(IMAGE_GPA + SEQNO, 4)

    def submit_store(self, value, head=None):
        super().submit_store((self.gma + SEQNO) | MI_FLUSH_DW_USE_GTT, value, head)

    def wait_seqno(self, value):
        return wait_for(lambda: self.seqno() == value)


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
