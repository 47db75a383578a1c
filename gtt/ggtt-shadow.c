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
    uint64_t *mapped;           /* bit i: the host entry first + i maps guest RAM */
};

struct med_vgpu_ggtt {
    struct entry_block block[2];    /* aperture, hidden */
    uint64_t bus_base;
    uint64_t scratch_pte;       /* the vGPU's own scratch page */
    struct med_gpa_range ram[MED_RAM_RANGES_MAX];
    size_t ram_count;
    size_t last_ram;            /* the range that matched last: boot rewrites are sequential */
    uint64_t *guest_ptes;
    uint64_t *dirty;
    const uint32_t *writes;
    uint32_t writes_walked;     /* *writes when the bitmap was last walked */
    struct med_gpu_reach *reach;
    struct pgpu *gpu;
    struct med_vgpu_ggtt_stats stats;
};

static bool in_block(const struct entry_block *b, uint32_t index)
{
    return index >= b->first && index < b->end;
}

static bool gpa_page_in_range(const struct med_gpa_range *r, uint64_t gpa)
{
    return gpa - r->gpa < r->size;  /* ranges and gpa are page aligned */
}

static bool gpa_page_in_ram(struct med_vgpu_ggtt *s, uint64_t gpa)
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

static const struct entry_block *block_of(const struct med_vgpu_ggtt *s, uint32_t index)
{
    return in_block(&s->block[0], index) ? &s->block[0] :
           in_block(&s->block[1], index) ? &s->block[1] : NULL;
}

static void set_mapped(const struct entry_block *b, uint32_t index, bool mapped)
{
    uint32_t bit = index - b->first;

    if (mapped) {
        b->mapped[bit / 64] |= 1ull << (bit % 64);
    } else {
        b->mapped[bit / 64] &= ~(1ull << (bit % 64));
    }
}

/* The one place a guest entry becomes a host entry. */
static void shadow_entry(struct med_vgpu_ggtt *s, uint32_t index, uint64_t guest_pte)
{
    uint64_t gpa = guest_pte & MED_GGTT_PTE_ADDR_MASK;
    uint64_t host_pte = s->scratch_pte;

    if (!(guest_pte & MED_GGTT_PTE_PRESENT)) {
        s->stats.not_present++;
    } else if (gpa_page_in_ram(s, gpa)) {
        host_pte = (s->bus_base + gpa) | MED_GGTT_PTE_PRESENT;
        med_gpu_reach_mark(s->reach, gpa);
        s->stats.mapped++;
    } else {
        s->stats.bad_address++;
        s->stats.last_bad_index = index;
        s->stats.last_bad_pte = guest_pte;
    }
    set_mapped(block_of(s, index), index, host_pte != s->scratch_pte);
    s->gpu->ops->ggtt_write(s->gpu, index, host_pte);
}

static uint64_t read_guest_pte(const struct med_vgpu_ggtt *s, uint32_t index)
{
    return __atomic_load_n(&s->guest_ptes[index], __ATOMIC_RELAXED);
}

static uint32_t bitmap_words(const struct entry_block *b)
{
    return (b->end - b->first + 63) / 64;
}

/* Point every host entry of the partition at @scratch_pte: nothing is mapped. */
static void scratch_partition(struct med_vgpu_ggtt *s, uint64_t scratch_pte)
{
    for (unsigned b = 0; b < 2; b++) {
        for (uint32_t i = s->block[b].first; i < s->block[b].end; i++) {
            s->gpu->ops->ggtt_write(s->gpu, i, scratch_pte);
        }
        memset(s->block[b].mapped, 0, bitmap_words(&s->block[b]) * sizeof(uint64_t));
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

struct med_vgpu_ggtt *med_vgpu_ggtt_create(const struct med_vgpu_ggtt_config *c)
{
    const struct med_partition *p = &c->partition;
    struct med_vgpu_ggtt *s;

    if (!ram_valid(c->ram, c->ram_count) || c->bus_base % GPA_LIMIT ||
        c->scratch_bus % PAGE_SIZE || c->scratch_bus == MED_SCRATCH_BUS ||
        c->scratch_bus >= GPA_LIMIT ||
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
    s->block[0] = (struct entry_block) {
        .first = p->aperture_base / PAGE_SIZE,
        .end = (p->aperture_base + p->aperture_size) / PAGE_SIZE,
    };
    s->block[1] = (struct entry_block) {
        .first = p->hidden_base / PAGE_SIZE,
        .end = (p->hidden_base + p->hidden_size) / PAGE_SIZE,
    };
    for (unsigned b = 0; b < 2; b++) {
        /* (+ 1: an empty block has a bitmap too) */
        s->block[b].mapped = calloc(bitmap_words(&s->block[b]) + 1, sizeof(uint64_t));
        if (!s->block[b].mapped) {
            free(s->block[0].mapped);
            free(s);
            return NULL;
        }
    }
    s->bus_base = c->bus_base;
    s->scratch_pte = c->scratch_bus | MED_GGTT_PTE_PRESENT;
    memcpy(s->ram, c->ram, c->ram_count * sizeof(*c->ram));
    s->ram_count = c->ram_count;
    s->guest_ptes = c->guest_ptes;
    s->dirty = c->dirty;
    s->writes = c->writes;
    s->reach = c->reach;
    s->gpu = c->gpu;
    scratch_partition(s, s->scratch_pte);
    return s;
}

void med_vgpu_ggtt_destroy(struct med_vgpu_ggtt *shadow)
{
    if (!shadow) {
        return;
    }
    scratch_partition(shadow, MED_SCRATCH_PTE);
    free(shadow->block[0].mapped);
    free(shadow->block[1].mapped);
    free(shadow);
}

/* The bits of dirty-bitmap @word that belong to entries of @b. */
static uint64_t block_mask(const struct entry_block *b, uint32_t word)
{
    uint32_t lo = word * 64 < b->first ? b->first - word * 64 : 0;
    uint32_t hi = word * 64 + 64 > b->end ? b->end - word * 64 : 64;

    return (hi == 64 ? ~0ull : (1ull << hi) - 1) & ~((1ull << lo) - 1);
}

#define CLEAN_RUN_WORDS 512

/* Whether the @words (<= CLEAN_RUN_WORDS) words at @dirty are all zero: a
 * sync with nothing dirty runs on every submission over the whole
 * partition.  A compare with zeros (libc's, vectorised) costs a fraction of
 * a word-by-word check (docs/architecture.md, decision 5); it only says
 * where to look: a word found dirty is taken atomically, and a bit the
 * client sets after its SUBMIT, which this sync need not see, is taken by
 * the next one. */
static bool clean_run(const uint64_t *dirty, uint32_t words)
{
    static const uint64_t zeros[CLEAN_RUN_WORDS];

    return !memcmp(dirty, zeros, words * sizeof(zeros[0]));
}

/* Take the dirty bits of the entries of @b and shadow those entries. */
static size_t sync_block(struct med_vgpu_ggtt *s, const struct entry_block *b)
{
    uint64_t *dirty = s->dirty;
    uint32_t end_word = (b->end + 63) / 64, run;
    size_t taken = 0;

    for (uint32_t first = b->first / 64; first < end_word; first += run) {
        run = end_word - first < CLEAN_RUN_WORDS ? end_word - first : CLEAN_RUN_WORDS;
        if (clean_run(&dirty[first], run)) {
            continue;
        }
        for (uint32_t word = first; word < first + run; word++) {
            uint64_t mask, bits;

            if (!__atomic_load_n(&dirty[word], __ATOMIC_RELAXED)) {
                continue;
            }
            /* Acquire pairs with the client's release: the entries it
             * marked are visible.  Bits of entries outside the block are
             * never read. */
            mask = block_mask(b, word);
            bits = __atomic_fetch_and(&dirty[word], ~mask, __ATOMIC_ACQUIRE) & mask;
            for (; bits; bits &= bits - 1) {
                uint32_t index = word * 64 + (uint32_t)__builtin_ctzll(bits);

                shadow_entry(s, index, read_guest_pte(s, index));
                taken++;
            }
        }
    }
    return taken;
}

size_t med_vgpu_ggtt_sync(struct med_vgpu_ggtt *shadow)
{
    /* Acquire pairs with the client's release after the bit: a count read
     * here covers every bit set before it.  A bit set after this read is
     * the next sync's, as it is without the count (clean_run()). */
    uint32_t writes = shadow->writes ? __atomic_load_n(shadow->writes, __ATOMIC_ACQUIRE) : 0;
    size_t taken;

    if (writes && writes == shadow->writes_walked) {
        shadow->stats.clean_skips++;
        return 0;
    }
    taken = sync_block(shadow, &shadow->block[0]) + sync_block(shadow, &shadow->block[1]);
    shadow->writes_walked = writes;
    shadow->stats.entries_synced += taken;
    return taken;
}

void med_vgpu_ggtt_update(struct med_vgpu_ggtt *shadow, uint32_t index)
{
    if (!block_of(shadow, index)) {
        shadow->stats.out_of_partition++;
        return;
    }
    shadow_entry(shadow, index, read_guest_pte(shadow, index));
}

uint64_t med_vgpu_ggtt_mapped_bytes(const struct med_vgpu_ggtt *shadow, uint64_t gma,
                                    uint64_t len)
{
    const struct entry_block *b = gma < MED_GM_SPACE ? block_of(shadow, gma / PAGE_SIZE) : NULL;
    uint64_t first, end, stop, bytes;

    if (!b || !len) {
        return 0;
    }
    len = len < MED_GM_SPACE - gma ? len : MED_GM_SPACE - gma;
    first = gma / PAGE_SIZE;
    end = (gma + len - 1) / PAGE_SIZE + 1 < b->end ? (gma + len - 1) / PAGE_SIZE + 1 : b->end;
    /* The first clear bit at or after first, a word at a time. */
    for (stop = first; stop < end;) {
        uint64_t bit = stop - b->first;
        uint64_t clear = ~b->mapped[bit / 64] >> (bit % 64);

        if (clear) {
            stop += (uint64_t)__builtin_ctzll(clear);
            break;
        }
        stop += 64 - bit % 64;
    }
    if (stop <= first) {
        return 0;
    }
    bytes = (stop < end ? stop : end) * PAGE_SIZE - gma;
    return bytes < len ? bytes : len;
}

const struct med_vgpu_ggtt_stats *med_vgpu_ggtt_stats(const struct med_vgpu_ggtt *shadow)
{
    return &shadow->stats;
}
