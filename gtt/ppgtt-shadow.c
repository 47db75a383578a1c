/*
 * ppgtt-shadow.c - shadow of one guest PPGTT (see ppgtt-shadow.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "gtt/ppgtt-shadow.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define HASH_BUCKETS    1024
#define PAGE_SIZE       4096u

/* One guest table page at one level, shadowed. */
struct shadow_table {
    uint64_t gpa;
    unsigned level;             /* 4 PML4, 3 PDP, 2 PD, 1 PT */
    unsigned refs;              /* parent entries (and the shadow, for the root) */
    uint64_t epoch;             /* the sync that last compared it */
    uint64_t *shadow;           /* the page the GPU walks */
    uint64_t bus;
    struct shadow_table **child;    /* directories: the table each entry names */
    uint64_t present[MED_PPGTT_ENTRIES / 64];  /* directories: child[i] != NULL */
    struct shadow_table *hash_next;
    uint64_t guest[MED_PPGTT_ENTRIES];  /* the guest entries it was built from */
};

struct vgpu_ppgtt_shadow {
    struct vgpu_ppgtt_shadow_config config;
    struct shadow_table *root;
    struct shadow_table *hash[HASH_BUCKETS];
    uint64_t epoch;
    struct vgpu_ppgtt_shadow_stats stats;
};

static unsigned hash_of(uint64_t gpa, unsigned level)
{
    return (unsigned)(((gpa >> 12) * 4 + level) % HASH_BUCKETS);
}

static struct shadow_table *table_find(struct vgpu_ppgtt_shadow *s, uint64_t gpa,
                                       unsigned level)
{
    for (struct shadow_table *t = s->hash[hash_of(gpa, level)]; t; t = t->hash_next) {
        if (t->gpa == gpa && t->level == level) {
            return t;
        }
    }
    return NULL;
}

/* Read the guest's table page once; false if it is not the VM's memory. */
static bool snapshot(struct vgpu_ppgtt_shadow *s, uint64_t gpa,
                     uint64_t entries[MED_PPGTT_ENTRIES])
{
    const uint64_t *page = s->config.ops->guest_page(s->config.opaque, gpa);

    if (!page) {
        return false;
    }
    for (unsigned i = 0; i < MED_PPGTT_ENTRIES; i++) {
        entries[i] = __atomic_load_n(&page[i], __ATOMIC_RELAXED);
    }
    return true;
}

static void bad_entry(struct vgpu_ppgtt_shadow *s, uint64_t entry)
{
    s->stats.bad_entries++;
    s->stats.last_bad_entry = entry;
}

static struct shadow_table *table_get(struct vgpu_ppgtt_shadow *s, uint64_t gpa,
                                      unsigned level);
static void table_put(struct vgpu_ppgtt_shadow *s, struct shadow_table *t);

/* Shadow entry @i of @t from guest entry @entry (t->guest[i] is updated by the caller). */
static void apply_entry(struct vgpu_ppgtt_shadow *s, struct shadow_table *t, unsigned i,
                        uint64_t entry)
{
    uint64_t gpa = entry & MED_PPGTT_PTE_ADDR_MASK;
    uint64_t value = 0;

    if (t->level == 1) {
        if (entry & MED_PPGTT_PTE_PRESENT) {
            if (s->config.ops->guest_page(s->config.opaque, gpa)) {
                value = (s->config.bus_base + gpa) | (entry & MED_PPGTT_PTE_RW) |
                        MED_PPGTT_PTE_PRESENT;
                s->stats.leaves_mapped++;
            } else {
                value = s->config.scratch_bus | MED_PPGTT_PTE_PRESENT;
                bad_entry(s, entry);
            }
        }
    } else {
        struct shadow_table *old = t->child[i], *next = NULL;

        if (entry & MED_PPGTT_PTE_PRESENT) {
            if (entry & (MED_PPGTT_PTE_HUGE | (t->level == 2 ? MED_PPGTT_PTE_IPS : 0))) {
                bad_entry(s, entry);
            } else {
                next = table_get(s, gpa, t->level - 1);
            }
        }
        t->child[i] = next;
        t->present[i / 64] &= ~(1ull << (i % 64));
        if (next) {
            t->present[i / 64] |= 1ull << (i % 64);
            value = next->bus | MED_PPGTT_PTE_RW | MED_PPGTT_PTE_PRESENT;
        }
        if (old) {
            table_put(s, old);
        }
    }
    __atomic_store_n(&t->shadow[i], value, __ATOMIC_RELAXED);
}

/* The shadow of the guest table at @gpa, level @level, built if new; NULL
 * (counted) if it is not the VM's memory or the table limit is reached. */
static struct shadow_table *table_get(struct vgpu_ppgtt_shadow *s, uint64_t gpa,
                                      unsigned level)
{
    struct shadow_table *t = table_find(s, gpa, level);
    unsigned max = s->config.max_tables ? s->config.max_tables : MED_PPGTT_TABLES_DEFAULT;
    unsigned h;

    if (t) {
        t->refs++;
        return t;
    }
    if (s->stats.tables >= max) {
        s->stats.table_limit_hits++;
        return NULL;
    }
    t = calloc(1, sizeof(*t));
    if (!t) {
        return NULL;
    }
    if (!snapshot(s, gpa, t->guest)) {
        bad_entry(s, gpa | MED_PPGTT_PTE_PRESENT);
        free(t);
        return NULL;
    }
    if (level > 1) {
        t->child = calloc(MED_PPGTT_ENTRIES, sizeof(*t->child));
    }
    t->shadow = s->config.ops->table_alloc(s->config.opaque, &t->bus);
    if (!t->shadow) {
        s->stats.table_limit_hits++;    /* the owner's budget, or host memory */
    }
    if ((level > 1 && !t->child) || !t->shadow) {
        if (t->shadow) {
            s->config.ops->table_free(s->config.opaque, t->shadow, t->bus);
        }
        free(t->child);
        free(t);
        return NULL;
    }
    t->gpa = gpa;
    t->level = level;
    t->refs = 1;
    t->epoch = s->epoch;
    h = hash_of(gpa, level);
    t->hash_next = s->hash[h];
    s->hash[h] = t;
    s->stats.tables++;
    for (unsigned i = 0; i < MED_PPGTT_ENTRIES; i++) {
        apply_entry(s, t, i, t->guest[i]);
    }
    return t;
}

static void table_put(struct vgpu_ppgtt_shadow *s, struct shadow_table *t)
{
    struct shadow_table **p;

    if (--t->refs) {
        return;
    }
    for (p = &s->hash[hash_of(t->gpa, t->level)]; *p != t; p = &(*p)->hash_next) {
    }
    *p = t->hash_next;
    if (t->child) {
        for (unsigned i = 0; i < MED_PPGTT_ENTRIES; i++) {
            if (t->child[i]) {
                table_put(s, t->child[i]);
            }
        }
    }
    s->config.ops->table_free(s->config.opaque, t->shadow, t->bus);
    s->stats.tables--;
    free(t->child);
    free(t);
}

struct vgpu_ppgtt_shadow *vgpu_ppgtt_shadow_create(const struct vgpu_ppgtt_shadow_config *config)
{
    struct vgpu_ppgtt_shadow *s;

    if (config->root_gpa & (PAGE_SIZE - 1) ||
        !config->ops->guest_page(config->opaque, config->root_gpa)) {
        errno = EINVAL;
        return NULL;
    }
    s = calloc(1, sizeof(*s));
    if (!s) {
        return NULL;
    }
    s->config = *config;
    s->root = table_get(s, config->root_gpa, MED_PPGTT_LEVELS);
    if (!s->root) {
        vgpu_ppgtt_shadow_destroy(s);
        errno = ENOMEM;
        return NULL;
    }
    return s;
}

void vgpu_ppgtt_shadow_destroy(struct vgpu_ppgtt_shadow *s)
{
    if (!s) {
        return;
    }
    if (s->root) {
        table_put(s, s->root);
    }
    free(s);
}

/* Compare @t (once per sync) and everything below it with the guest's tables. */
static void sync_table(struct vgpu_ppgtt_shadow *s, struct shadow_table *t)
{
    uint64_t now[MED_PPGTT_ENTRIES];
    const void *page;

    if (t->epoch == s->epoch) {
        return;
    }
    t->epoch = s->epoch;
    s->stats.tables_compared++;
    page = s->config.ops->guest_page(s->config.opaque, t->gpa);
    /* The common case, nothing changed, costs one compare of the page;
     * only a page found different is snapshotted and used. */
    if (page && !memcmp(page, t->guest, sizeof(t->guest))) {
        goto children;
    }
    /* A table page that left the VM's memory reads as all not present. */
    if (!snapshot(s, t->gpa, now)) {
        memset(now, 0, sizeof(now));
    }
    if (memcmp(now, t->guest, sizeof(now))) {
        s->stats.tables_changed++;
        for (unsigned i = 0; i < MED_PPGTT_ENTRIES; i++) {
            if (now[i] != t->guest[i]) {
                t->guest[i] = now[i];
                apply_entry(s, t, i, now[i]);
            }
        }
    }
children:
    /* Only the entries that name a table: i915 maps a few of 512. */
    for (unsigned word = 0; t->child && word < MED_PPGTT_ENTRIES / 64; word++) {
        for (uint64_t bits = t->present[word]; bits; bits &= bits - 1) {
            sync_table(s, t->child[word * 64 + (unsigned)__builtin_ctzll(bits)]);
        }
    }
}

uint64_t vgpu_ppgtt_shadow_sync(struct vgpu_ppgtt_shadow *s)
{
    uint64_t changed = s->stats.tables_changed;

    s->epoch++;
    s->stats.syncs++;
    sync_table(s, s->root);
    return s->stats.tables_changed - changed;
}

uint64_t vgpu_ppgtt_shadow_root_gpa(const struct vgpu_ppgtt_shadow *s)
{
    return s->root->gpa;
}

uint64_t vgpu_ppgtt_shadow_root_bus(const struct vgpu_ppgtt_shadow *s)
{
    return s->root->bus;
}

/* The leaf table mapping @gma, if reached through tables that only one
 * entry names: a table several entries name is the guest's fill of unused
 * ranges (i915's scratch PDP, PD, PT): nothing is mapped there. */
static const struct shadow_table *leaf_table(const struct vgpu_ppgtt_shadow *s, uint64_t gma)
{
    const struct shadow_table *t = s->root;

    for (unsigned shift = 39; shift > 12 && t; shift -= 9) {
        t = t->child[(gma >> shift) & (MED_PPGTT_ENTRIES - 1)];
        if (t && t->refs > 1) {
            return NULL;
        }
    }
    return t;
}

/* Leaf entry @i of @t, if it maps a page of the VM (not the scratch page). */
static bool leaf_mapped(const struct vgpu_ppgtt_shadow *s, const struct shadow_table *t,
                        unsigned i, uint64_t *leaf)
{
    *leaf = __atomic_load_n(&t->shadow[i], __ATOMIC_RELAXED);
    return (*leaf & MED_PPGTT_PTE_PRESENT) &&
           (*leaf & MED_PPGTT_PTE_ADDR_MASK) != s->config.scratch_bus;
}

bool vgpu_ppgtt_shadow_translate(const struct vgpu_ppgtt_shadow *s, uint64_t gma,
                                 uint64_t *gpa)
{
    const struct shadow_table *t = leaf_table(s, gma);
    uint64_t leaf;

    if (!t || !leaf_mapped(s, t, (gma >> 12) & (MED_PPGTT_ENTRIES - 1), &leaf)) {
        return false;
    }
    *gpa = (leaf & MED_PPGTT_PTE_ADDR_MASK) - s->config.bus_base;
    return true;
}

bool vgpu_ppgtt_shadow_range_mapped(const struct vgpu_ppgtt_shadow *s, uint64_t gma,
                                    uint64_t len)
{
    uint64_t last = (gma + len - 1) >> 12, leaf;

    /* One walk per leaf table, then its entries in a row. */
    for (uint64_t page = gma >> 12; page <= last;) {
        const struct shadow_table *t = leaf_table(s, page << 12);
        uint64_t table_end = (page | (MED_PPGTT_ENTRIES - 1)) < last ?
                             page | (MED_PPGTT_ENTRIES - 1) : last;

        if (!t) {
            return false;
        }
        for (; page <= table_end; page++) {
            if (!leaf_mapped(s, t, page & (MED_PPGTT_ENTRIES - 1), &leaf)) {
                return false;
            }
        }
    }
    return true;
}

const struct vgpu_ppgtt_shadow_stats *
vgpu_ppgtt_shadow_stats(const struct vgpu_ppgtt_shadow *s)
{
    return &s->stats;
}
