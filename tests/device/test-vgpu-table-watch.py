#!/usr/bin/env python3
# Device test: vgpu-pci watches the guest's page tables with QEMU's dirty log
# (docs/architecture.md, decision 9; docs/protocol.md "Watched tables").
# Under qtest, as i915 would: a BCS context whose four-level PPGTT maps one
# page stores through the PPGTT at each submission.  While the guest writes
# no table page the mediator skips its compares (it counts them as "PPGTT
# compares proven needless" at exit); the guest then points the leaf entry
# at another page with an ordinary write to its RAM, and the next store
# lands there: the write reached the mediator through the dirty log before
# the SUBMIT (a watch that missed it would leave the shadow on the old page,
# where the store would land).  The look at the log happens inside the ELSP
# write, so every submission also checks that QEMU is alive and the
# execlist went idle (a look that let the main loop run there crashed
# QEMU on vgpu/execlist.c's assertion).
# SPDX-License-Identifier: GPL-2.0-or-later
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qtest import Tap, place_vgpu_bars, reg, run_qemu_checks, start_qemu, vgpu_args  # noqa: E402
import bcs_context  # noqa: E402
from bcs_context import (BCS, EXECLIST_STATUS_0_VALID, RING_EXECLIST_STATUS,  # noqa: E402
                         wait_for)
import mediator as gpumed  # noqa: E402

PTE_PRESENT_RW = 3                      # gen8 PPGTT entries: present, writable

# Guest RAM the test lays out (guest-physical addresses), besides the
# context's (bcs_context.py).
PML4_GPA, PDP_GPA, PD_GPA, PT_GPA = 0x200000, 0x201000, 0x202000, 0x203000
PAGE_A, PAGE_B = 0x300000, 0x301000
STORE_GMA = 0x1000              # PT[1]: page A, then page B

UNCHANGED_RUNS = 6              # submissions before the guest writes its leaf table


class Context(bcs_context.Context):
    """The BCS context whose four-level PPGTT maps STORE_GMA."""

    def __init__(self, qt):
        for table, entry in ((PML4_GPA, PDP_GPA), (PDP_GPA, PD_GPA), (PD_GPA, PT_GPA)):
            qt.write(table, entry | PTE_PRESENT_RW, 8)
        self.qt = qt
        self.map(PAGE_A)
        super().__init__(qt, PML4_GPA)

    def map(self, page):
        """The guest's CPU points the leaf entry of STORE_GMA at @page."""
        self.qt.write(PT_GPA + 8 * (STORE_GMA // 4096), page | PTE_PRESENT_RW, 8)

    def store(self, value):
        """Submit a request storing @value at STORE_GMA through the PPGTT;
        whether the execlist went idle after it."""
        self.submit_store(STORE_GMA, value)
        return wait_for(lambda: not reg(self.qt, BCS + RING_EXECLIST_STATUS) &
                        EXECLIST_STATUS_0_VALID)


def check_table_watch(qt, tap):
    place_vgpu_bars(qt)
    ctx = Context(qt)
    stored = True
    for value in range(1, UNCHANGED_RUNS + 1):
        stored &= ctx.store(value) and wait_for(lambda: qt.read(PAGE_A, 4) == value)
    tap.check(stored, '%d stores through an unchanged PPGTT land in page A' % UNCHANGED_RUNS)
    ctx.map(PAGE_B)
    tap.check(ctx.store(0x100) and wait_for(lambda: qt.read(PAGE_B, 4) == 0x100),
              "after the guest's CPU points the leaf entry at page B, the next store "
              "lands in page B", 'page A 0x%x, page B 0x%x' %
              (qt.read(PAGE_A, 4), qt.read(PAGE_B, 4)))
    tap.equal(qt.read(PAGE_A, 4), UNCHANGED_RUNS, 'and page A keeps the last store before')
    stored = True
    for value in (0x101, 0x102):
        stored &= ctx.store(value) and wait_for(lambda: qt.read(PAGE_B, 4) == value)
    tap.check(stored, 'two more stores land in page B')


def proven_needless(lines):
    """The mediator's count of skipped PPGTT compares, from its exit log."""
    for line in lines:
        m = re.search(r'(\d+) PPGTT compares proven needless', line)
        if m:
            return int(m.group(1))
    return None


def main():
    qemu, mediator, missing = start_qemu()
    if missing:
        gpumed.setup_failed(missing)
    tap = Tap()
    tap.check(mediator.wait_listening(), 'the mediator listens')
    run_qemu_checks(qemu, vgpu_args('vgpu-pci,addr=02.0', mediator), [check_table_watch], tap,
                    mediator=mediator)
    status, lines = mediator.stop()
    tap.check(status == 0, 'the mediator exits cleanly', 'status %s' % status)
    # Nine submissions: the first compares and lists the tables, the second
    # compares again (the client's first look at the pages counts them
    # written), the third to the sixth are proven unchanged, the seventh
    # follows the guest's write, the last two are proven again.
    skipped = proven_needless(lines)
    tap.check(skipped is not None and skipped >= 4,
              'the mediator skipped the compares the dirty log proved needless',
              '%s skipped' % skipped)
    print('# PPGTT compares proven needless: %s of 9 submissions' % skipped)
    for line in lines:
        print('# mediator: ' + line)
    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
