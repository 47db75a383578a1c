/*
 * ggtt.c - the guest's view of the GGTT (BAR0 + 8 MiB, contract 5.1) and
 * the aperture translation built on it.
 *
 * The guest uses host-view graphics addresses (contract 2.4): its entries
 * are only valid inside the vGPU's two partition blocks, and each must name
 * guest RAM.  Writes outside the partition are dropped; entries naming no
 * RAM are kept (the guest may read them back) but never translated.  Both
 * are counted.  The entries live in the table shared with the mediator
 * (docs/protocol.md), which validates them again before the GPU uses them.
 *
 * The guest may rewrite every entry of its partition at boot (contract
 * 3.6), so a PTE write is a handful of compares and a store.
 *
 * A CPU access through the aperture inside the range of one of the vGPU's
 * fences is detiled as the hardware's fence does (contract 5.2, 5.5):
 * i915 maps X- and Y-tiled objects to user space through a fence and
 * expects their linear view there.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "vgpu/private.h"
#include "vgpu/regs.h"
#include "gen9/tiling.h"

#include <string.h>

#define GEN8_PAGE_PRESENT       1ull
#define GEN8_PTE_ADDR_MASK      0x00003ffffffff000ull   /* bits 45:12 */
#define FOUR_GIB                (4ull << 30)

static bool gma_in_partition(const struct vgpu *vgpu, uint64_t gma)
{
    return (gma - vgpu->aperture_base < vgpu->type.aperture_size) ||
           (gma - vgpu->hidden_base < vgpu->type.hidden_size);
}

bool vgpu_gpa_page_in_ram(const struct vgpu *vgpu, uint64_t gpa)
{
    return gpa + VGPU_GGTT_PAGE_SIZE <= vgpu->ram_below_4g ||
           (gpa >= FOUR_GIB && gpa - FOUR_GIB + VGPU_GGTT_PAGE_SIZE <= vgpu->ram_above_4g);
}

static bool pte_translates(const struct vgpu *vgpu, uint64_t pte, uint64_t *gpa)
{
    *gpa = pte & GEN8_PTE_ADDR_MASK;
    return (pte & GEN8_PAGE_PRESENT) && vgpu_gpa_page_in_ram(vgpu, *gpa);
}

/* Store entry @index; @complete when its high dword was part of the write. */
static void pte_commit(struct vgpu *vgpu, size_t index, uint64_t pte, bool complete)
{
    uint64_t gpa;

    vgpu->stats.ggtt_pte_writes++;
    if (!gma_in_partition(vgpu, (uint64_t)index * VGPU_GGTT_PAGE_SIZE)) {
        vgpu->stats.ggtt_out_of_partition++;
        vgpu_guest_error(vgpu, "GGTT entry 0x%zx is outside the partition, dropped",
                         index);
        return;
    }
    if (complete && (pte & GEN8_PAGE_PRESENT) && !pte_translates(vgpu, pte, &gpa)) {
        vgpu->stats.ggtt_bad_address++;
        vgpu_guest_error(vgpu, "GGTT entry 0x%zx names 0x%llx, not guest RAM",
                         index, (unsigned long long)gpa);
    }
    vgpu->mediator->ggtt_write(vgpu->mediator_opaque, index, pte);
    vgpu_dirty_mark(&vgpu->ggtt_dirty, index * sizeof(uint64_t));
    vgpu->ggtt_epoch++;
}

/* @offset and @size are within the GGTT range (checked by the caller). */
void vgpu_ggtt_write(struct vgpu *vgpu, uint64_t offset, uint64_t value,
                     unsigned size)
{
    if (size == 8 && !(offset & 7)) {
        pte_commit(vgpu, offset / 8, value, true);
        return;
    }
    /* Partial entries (e.g. two 32-bit halves): merge byte by byte. */
    while (size) {
        size_t index = offset / 8;
        unsigned first = offset & 7;
        unsigned n = size < 8 - first ? size : 8 - first;
        uint64_t mask = (n == 8 ? ~0ull : ((1ull << (8 * n)) - 1)) << (8 * first);
        uint64_t pte = (vgpu->ggtt[index] & ~mask) | ((value << (8 * first)) & mask);

        pte_commit(vgpu, index, pte, first + n == 8);
        value = n == 8 ? 0 : value >> (8 * n);
        offset += n;
        size -= n;
    }
}

uint64_t vgpu_ggtt_read(const struct vgpu *vgpu, uint64_t offset, unsigned size)
{
    uint64_t value = 0;

    memcpy(&value, (const uint8_t *)vgpu->ggtt + offset, size);
    return value;       /* little-endian host, as the register file assumes */
}

/* Only pages written since the last reset can hold entries to clear. */
void vgpu_ggtt_reset(struct vgpu *vgpu)
{
    struct dirty_pages *d = &vgpu->ggtt_dirty;
    const size_t per_page = VGPU_GGTT_PAGE_SIZE / sizeof(uint64_t);

    for (size_t w = 0; w < (d->npages + 63) / 64; w++) {
        for (; d->bits[w]; d->bits[w] &= d->bits[w] - 1) {
            size_t first = (w * 64 + __builtin_ctzll(d->bits[w])) * per_page;

            for (size_t i = first; i < first + per_page; i++) {
                if (vgpu->ggtt[i]) {
                    vgpu->mediator->ggtt_write(vgpu->mediator_opaque, i, 0);
                    vgpu->ggtt_epoch++;
                }
            }
        }
    }
}

bool vgpu_ggtt_translate(const struct vgpu *vgpu, uint64_t gma, uint64_t *gpa)
{
    return gma < VGPU_GGTT_SPACE && gma_in_partition(vgpu, gma) &&
           pte_translates(vgpu, vgpu->ggtt[gma / VGPU_GGTT_PAGE_SIZE], gpa);
}

/*
 * The GGTT address a CPU access to @gma reaches: the linear offset in a
 * valid fence's range is byte (offset % pitch) of row (offset / pitch) of
 * the tiled surface at the fence's start.  Only the vGPU's own fences
 * count (the guest's first fence_count); the result is checked as any
 * aperture address is.
 */
static uint64_t fence_detile(const struct vgpu *vgpu, uint64_t gma)
{
    unsigned fences = vgpu->type.fence_count < GEN9_FENCE_COUNT ? vgpu->type.fence_count
                                                                 : GEN9_FENCE_COUNT;

    for (unsigned i = 0; i < fences; i++) {
        uint32_t lo = vreg(vgpu, FENCE_REG_GEN6 + 8 * i);
        uint32_t hi = vreg(vgpu, FENCE_REG_GEN6 + 8 * i + 4);
        uint64_t start = lo & I965_FENCE_PAGE_MASK;
        uint64_t end = (uint64_t)(hi & I965_FENCE_PAGE_MASK) + VGPU_GGTT_PAGE_SIZE;
        uint64_t pitch = ((hi & GEN6_FENCE_PITCH_MASK) + 1) * I965_FENCE_PITCH_UNIT;

        if ((lo & I965_FENCE_REG_VALID) && gma >= start && gma < end) {
            return start + gen9_tiled_offset(lo & I965_FENCE_TILING_Y ? GEN9_TILING_Y
                                                                      : GEN9_TILING_X,
                                             pitch, (gma - start) % pitch,
                                             (gma - start) / pitch);
        }
    }
    return gma;
}

bool vgpu_aperture_translate(struct vgpu *vgpu, uint64_t offset, uint64_t *gpa)
{
    uint64_t gma = offset;

    vgpu->stats.aperture_accesses++;
    if (offset >= vgpu->host_aperture_size ||
        gma - vgpu->aperture_base >= vgpu->type.aperture_size ||
        (gma = fence_detile(vgpu, gma)) - vgpu->aperture_base >= vgpu->type.aperture_size ||
        !pte_translates(vgpu, vgpu->ggtt[gma / VGPU_GGTT_PAGE_SIZE], gpa)) {
        vgpu->stats.aperture_unmapped++;
        return false;
    }
    *gpa += gma % VGPU_GGTT_PAGE_SIZE;
    return true;
}
