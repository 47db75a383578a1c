/*
 * ppgtt-set.c - a vGPU's live PPGTTs and their shared budget (see
 * ppgtt-set.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "gtt/ppgtt-set.h"

#include <errno.h>
#include <stdlib.h>

#define SET_BUCKETS     4096

struct ppgtt_record {
    struct med_vgpu_ppgtt *shadow;
    uint64_t last_use;          /* the set's clock at its last sync */
    struct ppgtt_record *next;
};

struct med_ppgtt_set {
    struct med_vgpu_ppgtt_config shadow_config;
    struct ppgtt_record *buckets[SET_BUCKETS];
    unsigned count;
    uint64_t clock;
    uint64_t evictions;
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
            free(r);
        }
    }
    free(set);
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
static struct med_vgpu_ppgtt *eviction_candidate(struct med_ppgtt_set *set,
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
    return oldest ? oldest->shadow : NULL;
}

int med_ppgtt_set_sync(struct med_ppgtt_set *set, struct med_vgpu_ppgtt *shadow)
{
    struct ppgtt_record *r = *record_of(set, med_vgpu_ppgtt_root_gpa(shadow));
    struct med_vgpu_ppgtt *victim;
    int ret;

    r->last_use = ++set->clock;
    while ((ret = med_vgpu_ppgtt_sync(shadow, NULL)) == -ENOMEM &&
           (victim = eviction_candidate(set, shadow))) {
        med_vgpu_ppgtt_drop(victim);
        set->evictions++;
    }
    return ret;
}

unsigned med_ppgtt_set_count(const struct med_ppgtt_set *set)
{
    return set->count;
}

uint64_t med_ppgtt_set_evictions(const struct med_ppgtt_set *set)
{
    return set->evictions;
}
