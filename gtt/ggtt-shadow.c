/*
 * ggtt-shadow.c - validate and translate a vGPU's dirty GGTT entries into
 * the host GGTT.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "gtt/ggtt-shadow.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_SIZE       4096u
#define GPA_LIMIT       (1ull << MED_BUS_WINDOW_SHIFT)

/* A contiguous run of GGTT entries of the partition, [first, end). */
struct entry_block {
    uint32_t first, end;
};

struct vgpu_ggtt_shadow {
    struct entry_block block[2];    /* aperture, hidden */
    uint64_t bus_base;
    struct med_gpa_range ram[MED_RAM_RANGES_MAX];
    size_t ram_count;
    size_t last_ram;            /* the range that matched last: boot rewrites are sequential */
    uint64_t *guest_ptes;
    uint64_t *dirty;
    struct pgpu *gpu;
    struct vgpu_ggtt_shadow_stats stats;
};

static bool in_block(const struct entry_block *b, uint32_t index)
{
    return index >= b->first && index < b->end;
}

static bool in_partition(const struct vgpu_ggtt_shadow *s, uint32_t index)
{
    return in_block(&s->block[0], index) || in_block(&s->block[1], index);
}

static bool gpa_page_in_range(const struct med_gpa_range *r, uint64_t gpa)
{
    return gpa - r->gpa < r->size;  /* ranges and gpa are page aligned */
}

static bool gpa_page_in_ram(struct vgpu_ggtt_shadow *s, uint64_t gpa)
{
    if (gpa_page_in_range(&s->ram[s->last_ram], gpa)) {
        return true;
    }
    for (size_t i = 0; i < s->ram_count; i++) {
        if (gpa_page_in_range(&s->ram[i], gpa)) {
            s->last_ram = i;
            return true;
        }
    }
    return false;
}

/* The one place a guest entry becomes a host entry. */
static void shadow_entry(struct vgpu_ggtt_shadow *s, uint32_t index, uint64_t guest_pte)
{
    uint64_t gpa = guest_pte & MED_GGTT_PTE_ADDR_MASK;
    uint64_t host_pte = MED_SCRATCH_PTE;

    if (!(guest_pte & MED_GGTT_PTE_PRESENT)) {
        s->stats.not_present++;
    } else if (gpa_page_in_ram(s, gpa)) {
        host_pte = (s->bus_base + gpa) | MED_GGTT_PTE_PRESENT;
        s->stats.mapped++;
    } else {
        s->stats.bad_address++;
        s->stats.last_bad_index = index;
        s->stats.last_bad_pte = guest_pte;
    }
    s->gpu->ops->ggtt_write(s->gpu, index, host_pte);
}

static uint64_t read_guest_pte(const struct vgpu_ggtt_shadow *s, uint32_t index)
{
    return __atomic_load_n(&s->guest_ptes[index], __ATOMIC_RELAXED);
}

static void scratch_partition(struct vgpu_ggtt_shadow *s)
{
    for (unsigned b = 0; b < 2; b++) {
        for (uint32_t i = s->block[b].first; i < s->block[b].end; i++) {
            s->gpu->ops->ggtt_write(s->gpu, i, MED_SCRATCH_PTE);
        }
    }
}

static bool ram_valid(const struct med_gpa_range *ram, size_t count)
{
    if (!count || count > MED_RAM_RANGES_MAX) {
        return false;
    }
    for (size_t i = 0; i < count; i++) {
        if (!ram[i].size || ram[i].gpa % PAGE_SIZE || ram[i].size % PAGE_SIZE ||
            ram[i].gpa >= GPA_LIMIT || ram[i].size > GPA_LIMIT - ram[i].gpa) {
            return false;
        }
    }
    return true;
}

static bool block_valid(uint64_t base, uint64_t size)
{
    return !(base % PAGE_SIZE) && !(size % PAGE_SIZE) && base <= MED_GM_SPACE &&
           size <= MED_GM_SPACE - base;
}

struct vgpu_ggtt_shadow *vgpu_ggtt_shadow_create(const struct vgpu_ggtt_shadow_config *c)
{
    const struct med_partition *p = &c->partition;
    struct vgpu_ggtt_shadow *s;

    if (!ram_valid(c->ram, c->ram_count) || c->bus_base % GPA_LIMIT ||
        !block_valid(p->aperture_base, p->aperture_size) ||
        !block_valid(p->hidden_base, p->hidden_size) ||
        !c->guest_ptes || !c->dirty || !c->gpu) {
        errno = EINVAL;
        return NULL;
    }
    s = calloc(1, sizeof(*s));
    if (!s) {
        return NULL;
    }
    s->block[0] = (struct entry_block) { p->aperture_base / PAGE_SIZE,
                                         (p->aperture_base + p->aperture_size) / PAGE_SIZE };
    s->block[1] = (struct entry_block) { p->hidden_base / PAGE_SIZE,
                                         (p->hidden_base + p->hidden_size) / PAGE_SIZE };
    s->bus_base = c->bus_base;
    memcpy(s->ram, c->ram, c->ram_count * sizeof(*c->ram));
    s->ram_count = c->ram_count;
    s->guest_ptes = c->guest_ptes;
    s->dirty = c->dirty;
    s->gpu = c->gpu;
    scratch_partition(s);
    return s;
}

void vgpu_ggtt_shadow_destroy(struct vgpu_ggtt_shadow *shadow)
{
    if (!shadow) {
        return;
    }
    scratch_partition(shadow);
    free(shadow);
}

/* The bits of dirty-bitmap @word that belong to entries of @b. */
static uint64_t block_mask(const struct entry_block *b, uint32_t word)
{
    uint32_t lo = word * 64 < b->first ? b->first - word * 64 : 0;
    uint32_t hi = word * 64 + 64 > b->end ? b->end - word * 64 : 64;

    return (hi == 64 ? ~0ull : (1ull << hi) - 1) & ~((1ull << lo) - 1);
}

#define CLEAN_RUN_WORDS 8

/* Whether the CLEAN_RUN_WORDS words at @dirty are all zero: a sync with
 * nothing dirty runs on every submission over the whole partition. */
static bool clean_run(const uint64_t *dirty)
{
    uint64_t any = 0;

#pragma GCC unroll 8
    for (unsigned i = 0; i < CLEAN_RUN_WORDS; i++) {
        any |= __atomic_load_n(&dirty[i], __ATOMIC_RELAXED);
    }
    return !any;
}

/* Take the dirty bits of the entries of @b and shadow those entries. */
static size_t sync_block(struct vgpu_ggtt_shadow *s, const struct entry_block *b)
{
    uint64_t *dirty = s->dirty;
    uint32_t end_word = (b->end + 63) / 64;
    size_t taken = 0;

    for (uint32_t word = b->first / 64; word < end_word; word++) {
        uint64_t mask, bits;

        if (word + CLEAN_RUN_WORDS <= end_word && clean_run(&dirty[word])) {
            word += CLEAN_RUN_WORDS - 1;
            continue;
        }
        if (!__atomic_load_n(&dirty[word], __ATOMIC_RELAXED)) {
            continue;
        }
        /* Acquire pairs with the client's release: the entries it marked
         * are visible.  Bits of entries outside the block are never read. */
        mask = block_mask(b, word);
        bits = __atomic_fetch_and(&dirty[word], ~mask, __ATOMIC_ACQUIRE) & mask;
        for (; bits; bits &= bits - 1) {
            uint32_t index = word * 64 + (uint32_t)__builtin_ctzll(bits);

            shadow_entry(s, index, read_guest_pte(s, index));
            taken++;
        }
    }
    return taken;
}

size_t vgpu_ggtt_shadow_sync(struct vgpu_ggtt_shadow *shadow)
{
    size_t taken = sync_block(shadow, &shadow->block[0]) +
                   sync_block(shadow, &shadow->block[1]);

    shadow->stats.entries_synced += taken;
    return taken;
}

void vgpu_ggtt_shadow_update(struct vgpu_ggtt_shadow *shadow, uint32_t index)
{
    if (!in_partition(shadow, index)) {
        shadow->stats.out_of_partition++;
        return;
    }
    shadow_entry(shadow, index, read_guest_pte(shadow, index));
}

const struct vgpu_ggtt_shadow_stats *vgpu_ggtt_shadow_stats(const struct vgpu_ggtt_shadow *shadow)
{
    return &shadow->stats;
}
