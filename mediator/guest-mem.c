/*
 * guest-mem.c - bounded access to one VM's memory (see guest-mem.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mediator/guest-mem.h"

#include <string.h>

#include "pgpu/pgpu.h"

uint8_t *med_vgpu_gpa_to_host(const struct med_vgpu_mem *mem, uint64_t gpa, uint64_t len)
{
    for (unsigned i = 0; i < mem->ram_count; i++) {
        uint64_t off = gpa - mem->ram[i].gpa;

        if (len && off < mem->ram[i].size && len <= mem->ram[i].size - off) {
            return mem->host[i] + off;
        }
    }
    return NULL;
}

static bool range_within(uint64_t gma, uint64_t len, uint64_t base, uint64_t size)
{
    return gma >= base && gma - base < size && len <= size - (gma - base);
}

bool med_vgpu_gma_in_partition(const struct med_vgpu_mem *mem, uint64_t gma, uint64_t len)
{
    const struct med_partition *p = &mem->partition;

    return len && (range_within(gma, len, p->aperture_base, p->aperture_size) ||
                   range_within(gma, len, p->hidden_base, p->hidden_size));
}

uint8_t *med_vgpu_ggtt_page(const struct med_vgpu_mem *mem, uint64_t gma)
{
    uint64_t page = gma & ~(uint64_t)(PGPU_PAGE_SIZE - 1);
    uint64_t pte;

    if (!med_vgpu_gma_in_partition(mem, page, PGPU_PAGE_SIZE)) {
        return NULL;
    }
    pte = __atomic_load_n(&mem->guest_ptes[page / PGPU_PAGE_SIZE], __ATOMIC_ACQUIRE);
    if (!(pte & MED_GGTT_PTE_PRESENT)) {
        return NULL;
    }
    return med_vgpu_gpa_to_host(mem, pte & MED_GGTT_PTE_ADDR_MASK, PGPU_PAGE_SIZE);
}

uint64_t med_vgpu_ggtt_copy(const struct med_vgpu_mem *mem, uint64_t gma, void *dst, uint64_t len)
{
    uint64_t done = 0;

    while (done < len) {
        uint64_t at = gma + done;
        uint64_t in_page = PGPU_PAGE_SIZE - (at & (PGPU_PAGE_SIZE - 1));
        uint64_t n = len - done < in_page ? len - done : in_page;
        const uint8_t *page = med_vgpu_ggtt_page(mem, at);

        if (!page) {
            break;
        }
        memcpy((uint8_t *)dst + done, page + (at & (PGPU_PAGE_SIZE - 1)), n);
        done += n;
    }
    return done;
}
