/*
 * vgpu-dirty: pages' DIRTY_MEMORY_VGA bits (vgpu-dirty.h).  Built for the
 * target: QEMU's exact per-page test and its bitmap are in a target header.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "exec/ram_addr.h"
#include "sysemu/qtest.h"
#include "sysemu/tcg.h"

#include "vgpu-dirty.h"

bool vgpu_dirty_log_immediate(void)
{
    return tcg_enabled() || qtest_enabled();
}

bool vgpu_dirty_take_page(MemoryRegion *mr, hwaddr offset, bool fresh)
{
    ram_addr_t page = memory_region_get_ram_addr(mr) + offset;

    /* A dirty page's clear resets the TLBs' entries for it. */
    if (fresh) {
        cpu_physical_memory_set_dirty_range(page, TARGET_PAGE_SIZE, 1 << DIRTY_MEMORY_VGA);
    } else if (!cpu_physical_memory_get_dirty(page, TARGET_PAGE_SIZE, DIRTY_MEMORY_VGA)) {
        /* Most looks: nothing to clear (a write after this test is the
         * next look's), and the clear's block lookup and listeners cost
         * three times the test. */
        return false;
    }
    return cpu_physical_memory_test_and_clear_dirty(page, TARGET_PAGE_SIZE, DIRTY_MEMORY_VGA);
}

static int compare_page(const void *a, const void *b)
{
    ram_addr_t x = *(const ram_addr_t *)a, y = *(const ram_addr_t *)b;

    return x < y ? -1 : x > y;
}

size_t vgpu_dirty_words(MemoryRegion *mr, const hwaddr *offsets, size_t count,
                        struct vgpu_dirty_word *words)
{
    g_autofree ram_addr_t *pages = g_new(ram_addr_t, count);
    ram_addr_t base = memory_region_get_ram_addr(mr) >> TARGET_PAGE_BITS;
    size_t n = 0;

    for (size_t i = 0; i < count; i++) {
        pages[i] = base + (offsets[i] >> TARGET_PAGE_BITS);
    }
    qsort(pages, count, sizeof(*pages), compare_page);
    for (size_t i = 0; i < count; i++) {
        unsigned long index = pages[i] / BITS_PER_LONG;

        if (!n || words[n - 1].index != index) {
            words[n++] = (struct vgpu_dirty_word){ .index = index };
        }
        words[n - 1].mask |= 1ul << (pages[i] % BITS_PER_LONG);
    }
    return n;
}

bool vgpu_dirty_words_any(const struct vgpu_dirty_word *words, size_t count)
{
    DirtyMemoryBlocks *blocks;
    /* A block holds whole words: a word is in one. */
    const unsigned long block_words = DIRTY_MEMORY_BLOCK_SIZE / BITS_PER_LONG;

    RCU_READ_LOCK_GUARD();
    blocks = qatomic_rcu_read(&ram_list.dirty_memory[DIRTY_MEMORY_VGA]);
    for (size_t i = 0; i < count; i++) {
        const unsigned long *block = blocks->blocks[words[i].index / block_words];

        if (qatomic_read(&block[words[i].index % block_words]) & words[i].mask) {
            return true;
        }
    }
    return false;
}
