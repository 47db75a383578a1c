/*
 * partition.c - first-fit extent allocation of graphics memory and fences.
 *
 * Each resource is a sorted array of free extents.  Allocation takes the
 * lowest extent that fits; freeing inserts the extent and merges it with
 * its neighbours, so the array never holds two adjacent extents and a
 * create/destroy cycle returns exactly to the previous state.  The array
 * never grows after creation: live blocks are bounded, and so are the
 * gaps between them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "gtt/partition.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#define PAGE_SIZE       4096u
#define MiB             (1ull << 20)
#define APERTURE_MIN    (64 * MiB)

struct extent {
    uint64_t start, length;
};

struct extent_pool {
    struct extent *free;        /* sorted by start, never adjacent */
    size_t count;
    size_t capacity;            /* live blocks + 1 bounds the gaps */
};

struct med_gm {
    struct med_gm_config config;
    struct extent_pool pool[MED_GM_RESOURCE_COUNT];
    unsigned live_partitions;
};

static int pool_init(struct extent_pool *pool, uint64_t start, uint64_t length)
{
    /* Every live partition plus the host reserve can split one extent. */
    pool->capacity = MED_GM_MAX_PARTITIONS + 2;
    pool->free = calloc(pool->capacity, sizeof(*pool->free));
    if (!pool->free) {
        return -1;
    }
    pool->count = 0;
    if (length) {
        pool->free[pool->count++] = (struct extent) { start, length };
    }
    return 0;
}

static void pool_remove(struct extent_pool *pool, size_t i)
{
    pool->count--;
    for (; i < pool->count; i++) {
        pool->free[i] = pool->free[i + 1];
    }
}

/* First fit: the lowest free extent at least @length long. */
static bool pool_alloc(struct extent_pool *pool, uint64_t length, uint64_t *start)
{
    for (size_t i = 0; i < pool->count; i++) {
        struct extent *e = &pool->free[i];

        if (e->length >= length) {
            *start = e->start;
            e->start += length;
            e->length -= length;
            if (!e->length) {
                pool_remove(pool, i);
            }
            return true;
        }
    }
    return false;
}

static void pool_free(struct extent_pool *pool, uint64_t start, uint64_t length)
{
    size_t i = 0;
    bool joins_previous, joins_next;

    if (!length) {
        return;
    }
    while (i < pool->count && pool->free[i].start < start) {
        i++;
    }
    /* A block freed twice or never allocated would overlap a free extent. */
    assert(i == 0 || pool->free[i - 1].start + pool->free[i - 1].length <= start);
    assert(i == pool->count || start + length <= pool->free[i].start);

    joins_previous = i > 0 && pool->free[i - 1].start + pool->free[i - 1].length == start;
    joins_next = i < pool->count && start + length == pool->free[i].start;
    if (joins_previous && joins_next) {
        pool->free[i - 1].length += length + pool->free[i].length;
        pool_remove(pool, i);
    } else if (joins_previous) {
        pool->free[i - 1].length += length;
    } else if (joins_next) {
        pool->free[i].start = start;
        pool->free[i].length += length;
    } else {
        assert(pool->count < pool->capacity);
        for (size_t j = pool->count; j > i; j--) {
            pool->free[j] = pool->free[j - 1];
        }
        pool->free[i] = (struct extent) { start, length };
        pool->count++;
    }
}

static uint64_t pool_total(const struct extent_pool *pool)
{
    uint64_t total = 0;

    for (size_t i = 0; i < pool->count; i++) {
        total += pool->free[i].length;
    }
    return total;
}

static uint64_t pool_largest(const struct extent_pool *pool)
{
    uint64_t largest = 0;

    for (size_t i = 0; i < pool->count; i++) {
        if (pool->free[i].length > largest) {
            largest = pool->free[i].length;
        }
    }
    return largest;
}

static bool config_valid(const struct med_gm_config *c)
{
    uint64_t a = c->aperture_size;

    return a >= APERTURE_MIN && a <= MED_GM_SPACE && !(a & (a - 1)) &&
           !(c->host_reserve % PAGE_SIZE) && c->host_reserve <= MED_GM_SPACE - a &&
           c->host_fences <= MED_GM_FENCES;
}

struct med_gm *med_gm_create(const struct med_gm_config *config)
{
    struct med_gm *gm;
    uint64_t hidden_start = config->aperture_size + config->host_reserve;

    if (!config_valid(config)) {
        errno = EINVAL;
        return NULL;
    }
    gm = calloc(1, sizeof(*gm));
    if (!gm) {
        return NULL;
    }
    gm->config = *config;
    if (pool_init(&gm->pool[MED_GM_APERTURE], 0, config->aperture_size) ||
        pool_init(&gm->pool[MED_GM_HIDDEN], hidden_start, MED_GM_SPACE - hidden_start) ||
        pool_init(&gm->pool[MED_GM_FENCE], config->host_fences,
                  MED_GM_FENCES - config->host_fences)) {
        med_gm_destroy(gm);
        errno = ENOMEM;
        return NULL;
    }
    return gm;
}

void med_gm_destroy(struct med_gm *gm)
{
    if (!gm) {
        return;
    }
    for (unsigned r = 0; r < MED_GM_RESOURCE_COUNT; r++) {
        free(gm->pool[r].free);
    }
    free(gm);
}

int med_gm_alloc(struct med_gm *gm, const struct med_partition *request,
                 struct med_partition *partition, struct med_gm_shortage *shortage)
{
    const uint64_t needed[MED_GM_RESOURCE_COUNT] = {
        [MED_GM_APERTURE] = request->aperture_size,
        [MED_GM_HIDDEN] = request->hidden_size,
        [MED_GM_FENCE] = request->fence_count,
    };
    uint64_t start[MED_GM_RESOURCE_COUNT];
    struct med_gm_shortage report = { 0 };

    if (!needed[MED_GM_APERTURE] || !needed[MED_GM_HIDDEN] ||
        needed[MED_GM_APERTURE] % PAGE_SIZE || needed[MED_GM_HIDDEN] % PAGE_SIZE) {
        errno = EINVAL;
        return -1;
    }
    if (gm->live_partitions == MED_GM_MAX_PARTITIONS) {
        errno = EMFILE;
        return -1;
    }
    /* Check everything first so that the report names every short resource. */
    for (unsigned r = 0; r < MED_GM_RESOURCE_COUNT; r++) {
        report.resource[r].needed = needed[r];
        report.resource[r].free_total = pool_total(&gm->pool[r]);
        report.resource[r].largest_free = pool_largest(&gm->pool[r]);
        if (report.resource[r].largest_free < needed[r]) {
            report.exhausted |= 1u << r;
        }
    }
    if (report.exhausted) {
        if (shortage) {
            *shortage = report;
        }
        errno = ENOSPC;
        return -1;
    }
    for (unsigned r = 0; r < MED_GM_RESOURCE_COUNT; r++) {
        bool fits = true;

        start[r] = 0;   /* stays for an empty range (no fences) */
        if (needed[r]) {
            fits = pool_alloc(&gm->pool[r], needed[r], &start[r]);
        }
        assert(fits);   /* the largest free extent was checked above */
        (void)fits;
    }
    *partition = (struct med_partition) {
        .aperture_base = start[MED_GM_APERTURE], .aperture_size = needed[MED_GM_APERTURE],
        .hidden_base = start[MED_GM_HIDDEN], .hidden_size = needed[MED_GM_HIDDEN],
        .fence_base = (unsigned)start[MED_GM_FENCE], .fence_count = request->fence_count,
    };
    gm->live_partitions++;
    return 0;
}

void med_gm_free(struct med_gm *gm, const struct med_partition *partition)
{
    assert(gm->live_partitions > 0);
    pool_free(&gm->pool[MED_GM_APERTURE], partition->aperture_base,
              partition->aperture_size);
    pool_free(&gm->pool[MED_GM_HIDDEN], partition->hidden_base, partition->hidden_size);
    pool_free(&gm->pool[MED_GM_FENCE], partition->fence_base, partition->fence_count);
    gm->live_partitions--;
}

uint64_t med_gm_free_total(const struct med_gm *gm, enum med_gm_resource resource)
{
    return pool_total(&gm->pool[resource]);
}

uint64_t med_gm_largest_free(const struct med_gm *gm, enum med_gm_resource resource)
{
    return pool_largest(&gm->pool[resource]);
}

void med_gm_host_block(const struct med_gm *gm, uint64_t *base, uint64_t *size)
{
    *base = gm->config.aperture_size;
    *size = gm->config.host_reserve;
}

uint64_t med_gm_aperture_size(const struct med_gm *gm)
{
    return gm->config.aperture_size;
}

/* Sizes as a person reads them: MiB when whole, else KiB; fences as counts. */
static int format_amount(char *buf, size_t size, enum med_gm_resource r, uint64_t v)
{
    if (r == MED_GM_FENCE) {
        return snprintf(buf, size, "%" PRIu64, v);
    }
    if (v % MiB) {
        return snprintf(buf, size, "%" PRIu64 " KiB", v >> 10);
    }
    return snprintf(buf, size, "%" PRIu64 " MiB", (uint64_t)(v / MiB));
}

char *med_gm_format_shortage(const struct med_gm_shortage *shortage, char *buf,
                             size_t size)
{
    static const char *const names[MED_GM_RESOURCE_COUNT] = {
        [MED_GM_APERTURE] = "aperture", [MED_GM_HIDDEN] = "hidden graphics memory",
        [MED_GM_FENCE] = "fence registers",
    };
    size_t used = 0;

    buf[0] = '\0';
    for (unsigned r = 0; r < MED_GM_RESOURCE_COUNT; r++) {
        char needed[32], total[32], largest[32];

        if (!(shortage->exhausted & (1u << r)) || used >= size) {
            continue;
        }
        format_amount(needed, sizeof(needed), r, shortage->resource[r].needed);
        format_amount(total, sizeof(total), r, shortage->resource[r].free_total);
        format_amount(largest, sizeof(largest), r, shortage->resource[r].largest_free);
        used += snprintf(buf + used, size - used,
                         "%s%s exhausted: needs %s, %s free in total, largest free block %s",
                         used ? "; " : "", names[r], needed, total, largest);
    }
    return buf;
}
