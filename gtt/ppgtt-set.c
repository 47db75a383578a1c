/*
 * ppgtt-set.c - a vGPU's live PPGTTs and their shared budget (see
 * ppgtt-set.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "gtt/ppgtt-set.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#define SET_BUCKETS     4096

struct ppgtt_record {
    struct med_vgpu_ppgtt *shadow;
    uint64_t last_use;          /* the set's clock at its last sync */
    struct ppgtt_record *next;
    /* The watch: its table pages as of the shadow's layout, the list that
     * holds them all (0: none), and whether its last compare is proven
     * to still hold while the client's count stays at writes. */
    uint64_t layout;
    uint64_t *tables;
    unsigned table_count;
    uint32_t listed;
    bool proven;
    uint32_t writes;
};

struct med_ppgtt_set {
    struct med_vgpu_ppgtt_config shadow_config;
    struct ppgtt_record *buckets[SET_BUCKETS];
    unsigned count;
    uint64_t clock;
    uint64_t evictions;
    uint64_t unchanged;
    bool watching;
    struct med_ppgtt_watch watch;
    uint32_t seq;               /* the list's, ours: never read back */
    uint64_t *list;             /* watch.max pages, the list being built */
};

static struct ppgtt_record **bucket_of(struct med_ppgtt_set *set, uint64_t root_gpa)
{
    return &set->buckets[(root_gpa >> 12) % SET_BUCKETS];
}

static struct ppgtt_record **record_of(struct med_ppgtt_set *set, uint64_t root_gpa)
{
    struct ppgtt_record **p = bucket_of(set, root_gpa);

    while (*p && med_vgpu_ppgtt_root_gpa((*p)->shadow) != root_gpa) {
        p = &(*p)->next;
    }
    return p;
}

struct med_ppgtt_set *med_ppgtt_set_create(const struct med_vgpu_ppgtt_config *shadow_config)
{
    struct med_ppgtt_set *set = calloc(1, sizeof(*set));

    if (!set) {
        errno = ENOMEM;
        return NULL;
    }
    set->shadow_config = *shadow_config;
    return set;
}

void med_ppgtt_set_destroy(struct med_ppgtt_set *set)
{
    if (!set) {
        return;
    }
    for (unsigned b = 0; b < SET_BUCKETS; b++) {
        while (set->buckets[b]) {
            struct ppgtt_record *r = set->buckets[b];

            set->buckets[b] = r->next;
            med_vgpu_ppgtt_destroy(r->shadow);
            free(r->tables);
            free(r);
        }
    }
    free(set->list);
    free(set);
}

void med_ppgtt_set_watch(struct med_ppgtt_set *set, const struct med_ppgtt_watch *watch)
{
    free(set->list);
    set->list = calloc(watch->max ? watch->max : 1, sizeof(*set->list));
    set->watching = set->list != NULL;
    set->watch = *watch;
}

int med_ppgtt_set_add(struct med_ppgtt_set *set, uint64_t root_gpa, const char **problem)
{
    struct med_vgpu_ppgtt_config config = set->shadow_config;
    struct ppgtt_record *r;

    if (*record_of(set, root_gpa)) {
        *problem = "is already live";
        return -1;
    }
    if (set->count == MED_PPGTT_SET_MAX) {
        *problem = "exceeds the live PPGTT limit";
        return -1;
    }
    config.root_gpa = root_gpa;
    r = calloc(1, sizeof(*r));
    if (!r || !(r->shadow = med_vgpu_ppgtt_create(&config))) {
        *problem = errno == EINVAL ? "names no guest RAM" : "cannot be shadowed (host memory)";
        free(r);
        return -1;
    }
    r->next = *bucket_of(set, root_gpa);
    *bucket_of(set, root_gpa) = r;
    set->count++;
    return 0;
}

int med_ppgtt_set_remove(struct med_ppgtt_set *set, uint64_t root_gpa, const char **problem)
{
    struct ppgtt_record **p = record_of(set, root_gpa), *r = *p;

    if (!r) {
        *problem = "is not live";
        return -1;
    }
    *p = r->next;
    /* Workloads still using it keep their pinned versions until they end. */
    med_vgpu_ppgtt_destroy(r->shadow);
    free(r->tables);
    free(r);
    set->count--;
    return 0;
}

struct med_vgpu_ppgtt *med_ppgtt_set_find(struct med_ppgtt_set *set, uint64_t root_gpa)
{
    struct ppgtt_record *r = *record_of(set, root_gpa);

    return r ? r->shadow : NULL;
}

/* The built, unpinned shadow used longest ago, other than @keep. */
static struct ppgtt_record *eviction_candidate(struct med_ppgtt_set *set,
                                               const struct med_vgpu_ppgtt *keep)
{
    struct ppgtt_record *oldest = NULL;

    for (unsigned b = 0; b < SET_BUCKETS; b++) {
        for (struct ppgtt_record *r = set->buckets[b]; r; r = r->next) {
            const struct med_vgpu_ppgtt_stats *st = med_vgpu_ppgtt_stats(r->shadow);

            if (r->shadow != keep && st->tables && !st->pins &&
                (!oldest || r->last_use < oldest->last_use)) {
                oldest = r;
            }
        }
    }
    return oldest;
}

/* ---- the watch (decision 9) ---- */

/* @r's table pages as its shadow has them now; false without the memory
 * to hold them. */
static bool read_tables(struct ppgtt_record *r)
{
    uint64_t layout = med_vgpu_ppgtt_layout(r->shadow);
    unsigned n;
    uint64_t *grown;

    if (r->layout == layout) {
        return true;
    }
    r->listed = 0;
    n = med_vgpu_ppgtt_table_gpas(r->shadow, NULL, 0);
    grown = realloc(r->tables, (n ? n : 1) * sizeof(*grown));
    if (!grown) {
        return false;
    }
    r->tables = grown;
    r->table_count = med_vgpu_ppgtt_table_gpas(r->shadow, r->tables, n);
    r->layout = layout;
    return true;
}

static int gpa_order(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return (x > y) - (x < y);
}

/* Add @r's pages to the list being built if they all fit. */
static void list_record(struct med_ppgtt_set *set, struct ppgtt_record *r, unsigned *n)
{
    if (r->layout != med_vgpu_ppgtt_layout(r->shadow) || !r->table_count ||
        r->table_count > set->watch.max - *n) {
        r->listed = 0;
        r->proven = false;
        return;
    }
    for (unsigned i = 0; i < r->table_count; i++) {
        set->list[(*n)++] = r->tables[i];
    }
    r->listed = set->seq + 2 ? set->seq + 2 : 2;
}

/*
 * A new list: @first's pages, then every other shadow's whose pages still
 * fit (a shadow left out loses its proof), written as a sequence lock.
 * A shadow listed before and again was watched throughout: the client
 * looks at one list or the other at each SUBMIT, or counts a write.
 */
static void relist(struct med_ppgtt_set *set, struct ppgtt_record *first)
{
    unsigned n = 0, kept = 0;

    list_record(set, first, &n);
    for (unsigned b = 0; b < SET_BUCKETS; b++) {
        for (struct ppgtt_record *r = set->buckets[b]; r; r = r->next) {
            if (r != first) {
                list_record(set, r, &n);
            }
        }
    }
    qsort(set->list, n, sizeof(*set->list), gpa_order);
    for (unsigned i = 0; i < n; i++) {
        if (!kept || set->list[i] != set->list[kept - 1]) {
            set->list[kept++] = set->list[i];
        }
    }
    __atomic_store_n(set->watch.seq, set->seq + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    __atomic_store_n(set->watch.count, kept, __ATOMIC_RELAXED);
    for (unsigned i = 0; i < kept; i++) {
        __atomic_store_n(&set->watch.gpas[i], set->list[i], __ATOMIC_RELAXED);
    }
    set->seq = set->seq + 2 ? set->seq + 2 : 2;
    __atomic_store_n(set->watch.seq, set->seq, __ATOMIC_RELEASE);
}

static bool gpu_can_write_tables(const struct med_ppgtt_set *set, const struct ppgtt_record *r)
{
    for (unsigned i = 0; i < r->table_count; i++) {
        if (med_gpu_reach_test(set->shadow_config.reach, r->tables[i])) {
            return true;
        }
    }
    return false;
}

/* After @r's compare, begun when the client's words were @writes and
 * @checked: list its pages if they are not, and prove the compare if the
 * client had looked at all of them before it began. */
static void after_compare(struct med_ppgtt_set *set, struct ppgtt_record *r, uint32_t writes,
                          uint32_t checked)
{
    if (!read_tables(r) || gpu_can_write_tables(set, r)) {
        return;
    }
    if (!r->listed) {
        relist(set, r);
    }
    r->proven = r->listed && checked && !(checked & 1) && (int32_t)(checked - r->listed) >= 0;
    r->writes = writes;
}

static bool proven_unchanged(const struct med_ppgtt_set *set, struct ppgtt_record *r)
{
    if (!r->proven) {
        return false;
    }
    r->proven = __atomic_load_n(set->watch.writes, __ATOMIC_ACQUIRE) == r->writes &&
                !gpu_can_write_tables(set, r);
    return r->proven;
}

enum med_ppgtt_sync_result med_ppgtt_set_sync(struct med_ppgtt_set *set,
                                              struct med_vgpu_ppgtt *shadow)
{
    struct ppgtt_record *r = *record_of(set, med_vgpu_ppgtt_root_gpa(shadow)), *victim;
    uint32_t writes = 0, checked = 0;
    int ret;

    r->last_use = ++set->clock;
    if (set->watching) {
        if (proven_unchanged(set, r)) {
            set->unchanged++;
            return MED_PPGTT_SYNC_PROVEN_UNCHANGED;
        }
        /* Before the compare: what the client found up to its last SUBMIT. */
        writes = __atomic_load_n(set->watch.writes, __ATOMIC_ACQUIRE);
        checked = __atomic_load_n(set->watch.checked, __ATOMIC_ACQUIRE);
    }
    while ((ret = med_vgpu_ppgtt_sync(shadow, NULL)) == -ENOMEM &&
           (victim = eviction_candidate(set, shadow))) {
        med_vgpu_ppgtt_drop(victim->shadow);
        victim->proven = false;
        set->evictions++;
    }
    if (ret) {
        return MED_PPGTT_SYNC_NO_ROOM;
    }
    if (set->watching) {
        after_compare(set, r, writes, checked);
    }
    return MED_PPGTT_SYNC_COMPARED;
}

uint64_t med_ppgtt_set_unchanged(const struct med_ppgtt_set *set)
{
    return set->unchanged;
}

unsigned med_ppgtt_set_count(const struct med_ppgtt_set *set)
{
    return set->count;
}

uint64_t med_ppgtt_set_evictions(const struct med_ppgtt_set *set)
{
    return set->evictions;
}
