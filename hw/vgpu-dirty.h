/*
 * vgpu-dirty: one guest RAM page's DIRTY_MEMORY_VGA bit, tested and cleared
 * without a sync of the accelerator's log (vgpu-link's watch of the guest's
 * page tables, docs/architecture.md decision 9).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_HW_VGPU_DIRTY_H
#define GPUMED_HW_VGPU_DIRTY_H

#include "exec/memory.h"

/*
 * Whether every write to guest RAM sets its DIRTY_MEMORY_VGA bits at once,
 * where the log is on: under TCG (its store path marks a clean page before
 * it writes) and qtest (every write is a memory access of QEMU's).  Not
 * under KVM, whose log reaches QEMU's bitmap only by a sync of the whole
 * memory slot (KVM_GET_DIRTY_LOG; with the dirty ring, a run of every
 * vCPU), nor under Xen.
 */
bool vgpu_dirty_log_immediate(void);

/*
 * Whether the page at @offset of @mr was written since its bit was last
 * cleared, and clear it: exactly that page's bit, no sync, nothing that
 * waits or lets another thread run.  @fresh (the page was not looked at
 * since its bit may have been cleared by another reader): also make the
 * vCPUs' TLBs mark the page's next write, and return true (a snapshot of
 * the console's clears whole 64-page words of the bitmap but resets the
 * TLBs for its own range only, so a page beside that range may be clean
 * and still be written unmarked).
 */
bool vgpu_dirty_take_page(MemoryRegion *mr, hwaddr offset, bool fresh);

#endif /* GPUMED_HW_VGPU_DIRTY_H */
