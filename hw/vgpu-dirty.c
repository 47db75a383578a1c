/*
 * vgpu-dirty: a page's DIRTY_MEMORY_VGA bit (vgpu-dirty.h).  Built for the
 * target: QEMU's exact per-page test is in a target header.
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
