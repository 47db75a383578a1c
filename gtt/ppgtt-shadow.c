/*
 * ppgtt-shadow.c - shadow of one guest PPGTT (see ppgtt-shadow.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "gtt/ppgtt-shadow.h"
#include "mediator/grow.h"

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define HASH_BUCKETS    1024
/* Passes of one sync at most: a pass that found a table bad under a
 * directory entry the guest changed meanwhile goes again (parent_moved()). */
#define SYNC_PASSES_MAX 3
#define PAGE_SIZE       4096u
#define BUS_WINDOW_SIZE (1ull << MED_BUS_WINDOW_SHIFT)

/* One guest table page at one level, shadowed. */
struct shadow_table {
    uint64_t gpa;
    unsigned level;             /* 4 PML4, 3 PDP, 2 PD, 1 PT */
    unsigned refs;              /* parent entries (and the shadow, for the root) */
    uint64_t epoch;             /* the sync that last compared it */
    uint64_t *shadow;           /* the page the GPU walks */
    uint64_t bus;
    uint64_t version;           /* the shadow's version when this page was taken */
    bool fill;                  /* all 512 guest entries alike (see translate) */
    struct shadow_table **child;    /* directories: the table each entry names */
    uint64_t present[MED_PPGTT_ENTRIES / 64];  /* directories: child[i] != NULL */
    uint64_t stale[MED_PPGTT_ENTRIES / 64];    /* entries a refused page left unapplied */
    struct shadow_table *hash_next;
    uint64_t guest[MED_PPGTT_ENTRIES];  /* the guest entries it was built from */
};

/* Workloads holding one version. */
struct pin {
    uint64_t version;
    unsigned count;
};

/* A page out of the tree that pinned versions [first, last] may reach. */
struct held_page {
    void *page;
    uint64_t bus;
    uint64_t first, last;
};

struct med_vgpu_ppgtt {
    struct med_vgpu_ppgtt_config config;
    struct shadow_table *root;
    struct shadow_table **hash;         /* HASH_BUCKETS, while built */
    uint64_t epoch;
    /* Pages taken now get this version; each pin takes the current one
     * and moves it on, so pages a pin can reach are never taken after it. */
    uint64_t version;
    uint64_t newest_pin;        /* the highest pinned version, 0: none */
    uint64_t layout;            /* tables joined or left, ever */
    struct pin *pins;
    unsigned pin_count, pin_cap;
    struct held_page *held;
    unsigned held_count, held_cap;
    bool destroyed;             /* the owner is done: free at the last unpin */
    bool out_of_pages;          /* this sync could not take a page it needed */
    /* This pass read a table with bad entries whose parent entry the guest
     * changed meanwhile: it goes again, unless it is the last (see
     * parent_moved()). */
    bool raced, last_pass;
    struct med_vgpu_ppgtt_stats stats;
};

static unsigned hash_of(uint64_t gpa, unsigned level)
{
    return (unsigned)(((gpa >> 12) * 4 + level) % HASH_BUCKETS);
}

static struct shadow_table *table_find(struct med_vgpu_ppgtt *s, uint64_t gpa,
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
static bool snapshot(struct med_vgpu_ppgtt *s, uint64_t gpa,
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

static bool all_alike(const uint64_t entries[MED_PPGTT_ENTRIES])
{
    for (unsigned i = 1; i < MED_PPGTT_ENTRIES; i++) {
        if (entries[i] != entries[0]) {
            return false;
        }
    }
    return true;
}

static void bad_entry(struct med_vgpu_ppgtt *s, uint64_t entry)
{
    s->stats.bad_entries++;
    s->stats.last_bad_entry = entry;
}

/*
 * A sync reads the guest's tables one page after another while the guest
 * may change them: i915 clears a directory entry, frees the table it
 * named and reuses the page (IGT's gem_busy@close-race: as a spinner's
 * batch) for ranges no request uses, which the hardware never walks then.
 * A table read under entry @i of @t (read as @entry by this pass) was
 * found with bad entries (more than @bad_before): does the guest's entry
 * still name it?  If not, what it held was no table of the guest's any
 * more: those bad entries are not counted, and the sync goes again, which
 * applies the new entry; the last of its passes counts what it finds (a
 * guest that keeps moving entries is not excused for ever).  The shadow
 * holds what was read meanwhile, each entry validated as always.
 */
static void parent_moved(struct med_vgpu_ppgtt *s, const struct shadow_table *t, unsigned i,
                         uint64_t entry, uint64_t bad_before)
{
    const uint64_t *now;

    if (s->stats.bad_entries == bad_before || s->last_pass) {
        return;
    }
    now = s->config.ops->guest_page(s->config.opaque, t->gpa);
    if (!now || __atomic_load_n(&now[i], __ATOMIC_RELAXED) != entry) {
        s->stats.bad_entries = bad_before;
        s->raced = true;
    }
}

/* ---- pins and held pages ---- */

/* May a pinned version reach a page taken at @version? */
static bool pinned(const struct med_vgpu_ppgtt *s, uint64_t version)
{
    return version <= s->newest_pin;
}

static bool pinned_between(const struct med_vgpu_ppgtt *s, uint64_t first, uint64_t last)
{
    for (unsigned i = 0; i < s->pin_count; i++) {
        if (s->pins[i].version >= first && s->pins[i].version <= last) {
            return true;
        }
    }
    return false;
}

/* A page leaves the tree: back to the owner now if no pinned version can
 * reach it, else held until none can. */
static void page_release(struct med_vgpu_ppgtt *s, void *page, uint64_t bus,
                         uint64_t version)
{
    if (pinned(s, version)) {
        struct held_page *held = med_grow(s->held, &s->held_cap, s->held_count,
                                          sizeof(*held), 16);

        /* Without room to remember it the page is never reused: a leak of
         * one page is safe, a reuse under the GPU is not. */
        if (!held) {
            return;
        }
        s->held = held;
        s->held[s->held_count++] = (struct held_page){
            .page = page, .bus = bus, .first = version, .last = s->version - 1,
        };
        s->stats.deferred_pages++;
        return;
    }
    s->config.ops->table_free(s->config.opaque, page, bus);
}

static void release_unreachable(struct med_vgpu_ppgtt *s)
{
    for (unsigned i = 0; i < s->held_count;) {
        struct held_page *h = &s->held[i];

        if (pinned_between(s, h->first, h->last)) {
            i++;
            continue;
        }
        s->config.ops->table_free(s->config.opaque, h->page, h->bus);
        s->stats.deferred_pages--;
        *h = s->held[--s->held_count];
    }
}

/* Before @t's page is written: a page a pinned version can reach is
 * replaced by a copy (its parents are then pointed at the copy by the
 * sync).  False if no page could be had. */
static bool make_writable(struct med_vgpu_ppgtt *s, struct shadow_table *t)
{
    uint64_t bus;
    uint64_t *copy;

    if (!pinned(s, t->version)) {
        return true;
    }
    copy = s->config.ops->table_alloc(s->config.opaque, &bus);
    if (!copy) {
        s->stats.table_limit_hits++;
        s->out_of_pages = true;
        return false;
    }
    memcpy(copy, t->shadow, PAGE_SIZE);
    page_release(s, t->shadow, t->bus, t->version);
    t->shadow = copy;
    t->bus = bus;
    t->version = s->version;
    s->stats.copies++;
    return true;
}

/* ---- building ---- */

static struct shadow_table *table_get(struct med_vgpu_ppgtt *s, uint64_t gpa,
                                      unsigned level);
static void table_put(struct med_vgpu_ppgtt *s, struct shadow_table *t);
static bool sync_table(struct med_vgpu_ppgtt *s, struct shadow_table *t);

static void mark_stale(struct shadow_table *t, unsigned i, bool stale)
{
    t->stale[i / 64] &= ~(1ull << (i % 64));
    t->stale[i / 64] |= (uint64_t)stale << (i % 64);
}

/* Shadow entry @i of @t from guest entry t->guest[i].  A directory entry
 * whose table could not be had is left not present and stale (retried by
 * the next sync); false if @t itself could not be made writable. */
static bool apply_entry(struct med_vgpu_ppgtt *s, struct shadow_table *t, unsigned i)
{
    uint64_t entry = t->guest[i];
    uint64_t gpa = entry & MED_PPGTT_PTE_ADDR_MASK;
    uint64_t value = 0;

    if (!make_writable(s, t)) {
        mark_stale(t, i, true);
        return false;
    }
    mark_stale(t, i, false);
    if (t->level == 1) {
        if (entry & MED_PPGTT_PTE_PRESENT) {
            if (s->config.ops->guest_page(s->config.opaque, gpa)) {
                value = (s->config.bus_base + gpa) | (entry & MED_PPGTT_PTE_RW) |
                        MED_PPGTT_PTE_PRESENT;
                med_gpu_reach_mark(s->config.reach, gpa);
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
                bool earlier = s->out_of_pages;
                uint64_t bad_before = s->stats.bad_entries;

                s->out_of_pages = false;
                next = table_get(s, gpa, t->level - 1);
                mark_stale(t, i, !next && s->out_of_pages);
                s->out_of_pages |= earlier;
                parent_moved(s, t, i, entry, bad_before);
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
    return true;
}

/* The shadow of the guest table at @gpa, level @level, built if new; NULL
 * (counted) if it is not the VM's memory or the table limit is reached. */
static struct shadow_table *table_get(struct med_vgpu_ppgtt *s, uint64_t gpa,
                                      unsigned level)
{
    struct shadow_table *t = table_find(s, gpa, level);
    unsigned max = s->config.max_tables ? s->config.max_tables : MED_PPGTT_TABLES_DEFAULT;
    unsigned h;

    if (t) {
        /* A table the shadow already holds, e.g. under a directory the guest
         * just replaced: the guest may have changed it meanwhile, and the
         * caller, new this sync, will not compare what it links (a table
         * found by a sync is compared once per sync, at every level). */
        t->refs++;
        if (!sync_table(s, t)) {
            s->out_of_pages = true;
        }
        return t;
    }
    if (s->stats.tables >= max) {
        s->stats.table_limit_hits++;
        s->out_of_pages = true;
        return NULL;
    }
    t = calloc(1, sizeof(*t));
    if (!t) {
        s->out_of_pages = true;
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
        s->out_of_pages = true;
        free(t->child);
        free(t);
        return NULL;
    }
    t->gpa = gpa;
    t->level = level;
    t->refs = 1;
    t->epoch = s->epoch;
    t->version = s->version;
    t->fill = all_alike(t->guest);
    h = hash_of(gpa, level);
    t->hash_next = s->hash[h];
    s->hash[h] = t;
    s->stats.tables++;
    s->layout++;
    for (unsigned i = 0; i < MED_PPGTT_ENTRIES; i++) {
        apply_entry(s, t, i);   /* a new page is writable: only children can fail */
    }
    return t;
}

static void table_put(struct med_vgpu_ppgtt *s, struct shadow_table *t)
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
    page_release(s, t->shadow, t->bus, t->version);
    s->stats.tables--;
    s->layout++;
    free(t->child);
    free(t);
}

struct med_vgpu_ppgtt *med_vgpu_ppgtt_create(const struct med_vgpu_ppgtt_config *config)
{
    struct med_vgpu_ppgtt *s;

    assert(config->ram_count <= MED_RAM_RANGES_MAX);
    for (unsigned r = 0; r < config->ram_count; r++) {
        assert(config->ram[r].gpa < BUS_WINDOW_SIZE &&
               config->ram[r].size <= BUS_WINDOW_SIZE - config->ram[r].gpa);
    }
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
    s->version = 1;
    return s;
}

/* Every table back to the pool (those pins reach held until they end). */
static void tables_free(struct med_vgpu_ppgtt *s)
{
    if (s->root) {
        table_put(s, s->root);
        s->root = NULL;
    }
    free(s->hash);
    s->hash = NULL;
    release_unreachable(s);
}

void med_vgpu_ppgtt_drop(struct med_vgpu_ppgtt *s)
{
    assert(!s->pin_count);
    tables_free(s);
}

static void shadow_free(struct med_vgpu_ppgtt *s)
{
    tables_free(s);
    assert(!s->held_count);
    free(s->held);
    free(s->pins);
    free(s);
}

void med_vgpu_ppgtt_destroy(struct med_vgpu_ppgtt *s)
{
    if (!s) {
        return;
    }
    s->destroyed = true;
    if (!s->pin_count) {
        shadow_free(s);
    }
}

/* ---- coherence ---- */

/*
 * @t's guest page differs from its copy: take the page (one that left the
 * VM's memory reads as all not present) and apply the entries that
 * changed; false if a page could not be had.  A function of its own, so
 * that the snapshot (4 KiB) is on the stack on this path only: in
 * sync_table() it made every level's frame 4 KiB, so the compare of an
 * unchanged tree ran four frames of 4 KiB deep, below anything else the
 * event loop reaches, and a thread's first compare paid for the first use
 * of those stack pages (docs/benchmarks.md, "mediator-client", "The
 * start's first touches").
 */
static __attribute__((noinline)) bool refresh_table(struct med_vgpu_ppgtt *s,
                                                    struct shadow_table *t)
{
    uint64_t now[MED_PPGTT_ENTRIES];
    bool ok = true;

    if (!snapshot(s, t->gpa, now)) {
        memset(now, 0, sizeof(now));
    }
    if (memcmp(now, t->guest, sizeof(now))) {
        s->stats.tables_changed++;
        for (unsigned i = 0; i < MED_PPGTT_ENTRIES; i++) {
            if (now[i] != t->guest[i]) {
                t->guest[i] = now[i];
                ok &= apply_entry(s, t, i);
            }
        }
        t->fill = all_alike(t->guest);
    }
    return ok;
}

/* Compare @t (once per sync) and everything below it with the guest's
 * tables; false if a page could not be had. */
static bool sync_table(struct med_vgpu_ppgtt *s, struct shadow_table *t)
{
    const void *page;
    bool ok = true;

    if (t->epoch == s->epoch) {
        return true;
    }
    t->epoch = s->epoch;
    s->stats.tables_compared++;
    page = s->config.ops->guest_page(s->config.opaque, t->gpa);
    /* The common case, nothing changed, costs one compare of the page;
     * only a page found different is snapshotted and used. */
    if (!page || memcmp(page, t->guest, sizeof(t->guest))) {
        ok = refresh_table(s, t);
    }
    for (unsigned word = 0; word < MED_PPGTT_ENTRIES / 64; word++) {
        for (uint64_t bits = t->stale[word]; bits; bits &= bits - 1) {
            ok &= apply_entry(s, t, word * 64 + (unsigned)__builtin_ctzll(bits));
        }
    }
    /* Only the entries that name a table: i915 maps a few of 512.  A child
     * copied for a pinned version is pointed at here. */
    for (unsigned word = 0; t->child && word < MED_PPGTT_ENTRIES / 64; word++) {
        for (uint64_t bits = t->present[word]; bits; bits &= bits - 1) {
            unsigned i = word * 64 + (unsigned)__builtin_ctzll(bits);
            struct shadow_table *c = t->child[i];
            uint64_t value, bad_before = s->stats.bad_entries;

            ok &= sync_table(s, c);
            parent_moved(s, t, i, t->guest[i], bad_before);
            value = c->bus | MED_PPGTT_PTE_RW | MED_PPGTT_PTE_PRESENT;
            if (__atomic_load_n(&t->shadow[i], __ATOMIC_RELAXED) != value) {
                if (make_writable(s, t)) {
                    __atomic_store_n(&t->shadow[i], value, __ATOMIC_RELAXED);
                } else {
                    ok = false;
                }
            }
        }
    }
    return ok;
}

int med_vgpu_ppgtt_sync(struct med_vgpu_ppgtt *s, uint64_t *changed)
{
    uint64_t before = s->stats.tables_changed;
    bool ok;

    s->stats.syncs++;
    for (unsigned pass = 1; pass == 1 || (s->raced && s->root); pass++) {
        s->epoch++;
        s->out_of_pages = false;
        s->raced = false;
        s->last_pass = pass == SYNC_PASSES_MAX;
        if (!s->root) {
            if (!s->hash && !(s->hash = calloc(HASH_BUCKETS, sizeof(*s->hash)))) {
                return -ENOMEM;
            }
            s->root = table_get(s, s->config.root_gpa, MED_PPGTT_LEVELS);
            ok = s->root != NULL;
        } else {
            ok = sync_table(s, s->root);
        }
    }
    if (changed) {
        *changed = s->stats.tables_changed - before;
    }
    return ok && !s->out_of_pages ? 0 : -ENOMEM;
}

uint64_t med_vgpu_ppgtt_pin(struct med_vgpu_ppgtt *s)
{
    uint64_t version = s->version++;

    assert(s->root && !s->destroyed);
    if (s->pin_count && s->pins[s->pin_count - 1].version == version) {
        s->pins[s->pin_count - 1].count++;
    } else {
        struct pin *pins = med_grow(s->pins, &s->pin_cap, s->pin_count, sizeof(*pins), 8);

        assert(pins);   /* bounded by the workloads in flight: a few dozen bytes */
        s->pins = pins;
        s->pins[s->pin_count++] = (struct pin){ .version = version, .count = 1 };
    }
    s->newest_pin = version;
    s->stats.pins++;
    return version;
}

void med_vgpu_ppgtt_unpin(struct med_vgpu_ppgtt *s, uint64_t token)
{
    unsigned i;

    for (i = 0; i < s->pin_count && s->pins[i].version != token; i++) {
    }
    assert(i < s->pin_count);
    s->stats.pins--;
    if (--s->pins[i].count) {
        return;
    }
    /* Pins are kept in version order: the newest is the last. */
    memmove(&s->pins[i], &s->pins[i + 1], (s->pin_count - i - 1) * sizeof(s->pins[0]));
    s->pin_count--;
    s->newest_pin = s->pin_count ? s->pins[s->pin_count - 1].version : 0;
    release_unreachable(s);
    if (s->destroyed && !s->pin_count) {
        shadow_free(s);
    }
}

unsigned med_vgpu_ppgtt_table_gpas(const struct med_vgpu_ppgtt *s, uint64_t *gpas,
                                   unsigned max)
{
    unsigned n = 0;

    for (unsigned b = 0; s->hash && b < HASH_BUCKETS; b++) {
        for (const struct shadow_table *t = s->hash[b]; t; t = t->hash_next, n++) {
            if (n < max) {
                gpas[n] = t->gpa;
            }
        }
    }
    return n;
}

uint64_t med_vgpu_ppgtt_layout(const struct med_vgpu_ppgtt *s)
{
    return s->layout;
}

uint64_t med_vgpu_ppgtt_root_gpa(const struct med_vgpu_ppgtt *s)
{
    return s->config.root_gpa;
}

uint64_t med_vgpu_ppgtt_root_bus(const struct med_vgpu_ppgtt *s)
{
    return s->root->bus;
}

/* The leaf table mapping @gma; with !@fill_ok, only if reached through no
 * fill table (i915's scratch PDP, PD, PT: no batch lies under a fill). */
static const struct shadow_table *leaf_table(const struct med_vgpu_ppgtt *s, uint64_t gma,
                                             bool fill_ok)
{
    const struct shadow_table *t = s->root;

    for (unsigned shift = 39; shift > 12 && t; shift -= 9) {
        t = t->child[(gma >> shift) & (MED_PPGTT_ENTRIES - 1)];
        if (t && t->fill && !fill_ok) {
            return NULL;
        }
    }
    return t;
}

/* What a leaf must name to map the VM's memory, in locals for one walk:
 * the VM's bus window, and the RAM range the previous leaf named (a
 * surface's leaves mostly name one). */
struct leaf_bound {
    uint64_t bus_base;
    struct med_gpa_range last;
};

static struct leaf_bound leaf_bound_of(const struct med_vgpu_ppgtt *s)
{
    return (struct leaf_bound){ .bus_base = s->config.bus_base };
}

/* The range of the VM's RAM that page @gpa of its bus window lies in. */
static bool ram_range_of(const struct med_vgpu_ppgtt *s, uint64_t gpa,
                         struct med_gpa_range *range)
{
    for (unsigned r = 0; gpa < BUS_WINDOW_SIZE && r < s->config.ram_count; r++) {
        if (gpa - s->config.ram[r].gpa < s->config.ram[r].size) {
            *range = s->config.ram[r];
            return true;
        }
    }
    return false;
}

/* Leaf entry @i of @t, if it maps a page of the VM: its bus address lies
 * in the VM's bus window and names guest RAM (*@gpa).  The shadow's
 * content is not taken on trust: the scratch page, the host's pages and
 * other VMs' windows all fail this, whatever the page holds. */
static inline bool leaf_mapped(const struct med_vgpu_ppgtt *s, struct leaf_bound *b,
                               const struct shadow_table *t, unsigned i, uint64_t *gpa)
{
    uint64_t leaf = __atomic_load_n(&t->shadow[i], __ATOMIC_RELAXED);

    *gpa = (leaf & MED_PPGTT_PTE_ADDR_MASK) - b->bus_base;
    return (leaf & MED_PPGTT_PTE_PRESENT) &&
           (*gpa - b->last.gpa < b->last.size || ram_range_of(s, *gpa, &b->last));
}

bool med_vgpu_ppgtt_translate(const struct med_vgpu_ppgtt *s, uint64_t gma,
                              uint64_t *gpa)
{
    const struct shadow_table *t = leaf_table(s, gma, false);
    struct leaf_bound b = leaf_bound_of(s);

    return t && leaf_mapped(s, &b, t, (gma >> 12) & (MED_PPGTT_ENTRIES - 1), gpa);
}

bool med_vgpu_ppgtt_range_mapped(const struct med_vgpu_ppgtt *s, uint64_t gma,
                                 uint64_t len)
{
    uint64_t last = (gma + len - 1) >> 12, gpa;
    struct leaf_bound b = leaf_bound_of(s);

    /* One walk per leaf table, then its entries in a row. */
    for (uint64_t page = gma >> 12; page <= last;) {
        const struct shadow_table *t = leaf_table(s, page << 12, true);
        uint64_t table_end = (page | (MED_PPGTT_ENTRIES - 1)) < last ?
                             page | (MED_PPGTT_ENTRIES - 1) : last;

        if (!t) {
            return false;
        }
        for (; page <= table_end; page++) {
            if (!leaf_mapped(s, &b, t, page & (MED_PPGTT_ENTRIES - 1), &gpa)) {
                return false;
            }
        }
    }
    return true;
}

const struct med_vgpu_ppgtt_stats *
med_vgpu_ppgtt_stats(const struct med_vgpu_ppgtt *s)
{
    return &s->stats;
}
