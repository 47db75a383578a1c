/*
 * vgpu-dirty: guest RAM pages' DIRTY_MEMORY_VGA bits, read in QEMU's bitmap
 * itself without a sync of the accelerator's log: one page's, tested and
 * cleared (vgpu-link's watch of the guest's page tables, docs/architecture.md
 * decision 9); a set of pages', tested a bitmap word at a time (the
 * console's unchanged refresh, docs/display.md "Damage").
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

/* Pages of a RAM region as words of the DIRTY_MEMORY_VGA bitmap. */
struct vgpu_dirty_word {
    unsigned long index;        /* the word's: ram_addr_t page / BITS_PER_LONG */
    unsigned long mask;         /* its bits that are pages of the set */
};

/*
 * The pages at @count page-aligned @offsets of @mr (a RAM region) as words
 * of the bitmap, in @words (room for @count), each word once, in order;
 * returns how many.
 */
size_t vgpu_dirty_words(MemoryRegion *mr, const hwaddr *offsets, size_t count,
                        struct vgpu_dirty_word *words);

/*
 * Whether any page of @words was written since its bit was last cleared:
 * a load and a mask per word, no sync, nothing cleared.  Current only
 * where vgpu_dirty_log_immediate().
 */
bool vgpu_dirty_words_any(const struct vgpu_dirty_word *words, size_t count);

#endif /* GPUMED_HW_VGPU_DIRTY_H */
