/*
 * partition.h - the physical GPU's graphics memory and fence registers,
 * carved into per-vGPU partitions.
 *
 * The GGTT address space [0, 4 GiB) has two parts: the aperture
 * [0, aperture_size), which the CPU reaches through BAR2, and the hidden
 * part above it.  A partition is one block of each plus a range of fence
 * registers.  Each resource is allocated first fit from a sorted list of
 * free extents that coalesces on free, so a freed partition leaves no
 * fragments behind it.  A block at the start of the hidden part (and
 * optionally some fences) is the host's own (scratch page, host rings and
 * contexts) and is never handed out.
 *
 * Not thread-safe: the mediator's event loop owns the allocator.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_GTT_PARTITION_H
#define GPUMED_GTT_PARTITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MED_GM_SPACE                (4ull << 30)    /* GGTT addresses */
#define MED_GM_FENCES               32u             /* Gen9 fence registers */
#define MED_GM_HOST_RESERVE_DEFAULT (16ull << 20)
#define MED_GM_MAX_PARTITIONS       64u             /* live vGPU partitions */

struct med_gm_config {
    uint64_t aperture_size;     /* host aperture: power of two, 64 MiB .. 4 GiB */
    uint64_t host_reserve;      /* bytes kept at the hidden part's start, page multiple */
    unsigned host_fences;       /* fence registers kept by the host (the first ones) */
};

/* A vGPU's share; all sizes are page multiples, addresses host-view GGTT. */
struct med_partition {
    uint64_t aperture_base, aperture_size;
    uint64_t hidden_base, hidden_size;
    unsigned fence_base, fence_count;
};

enum med_gm_resource {
    MED_GM_APERTURE,
    MED_GM_HIDDEN,
    MED_GM_FENCE,
    MED_GM_RESOURCE_COUNT
};

/* Why an allocation did not fit: one row per resource. */
struct med_gm_shortage {
    unsigned exhausted;         /* bit (1 << enum med_gm_resource) per short resource */
    struct {
        uint64_t needed;        /* bytes, or fences */
        uint64_t free_total;
        uint64_t largest_free;  /* the largest block that could be handed out */
    } resource[MED_GM_RESOURCE_COUNT];
};

struct med_gm;

/*
 * Create the allocator with everything free but the host's reserve.
 * Returns NULL with errno: EINVAL for a configuration outside the ranges
 * above (the caller reports it and stops), ENOMEM.
 */
struct med_gm *med_gm_create(const struct med_gm_config *config);

/* Free the allocator; NULL is ignored.  Live partitions are forgotten. */
void med_gm_destroy(struct med_gm *gm);

/*
 * Carve a partition with the sizes of @request (its bases are ignored)
 * into *@partition.  All or nothing: returns 0, or -1 with errno
 *   EINVAL  a block size is zero or not a page multiple (zero fences is fine);
 *   ENOSPC  a resource is short: *@shortage (may be NULL) says which and
 *           by how much (med_gm_format_shortage() makes it a sentence);
 *   EMFILE  MED_GM_MAX_PARTITIONS partitions are live.
 */
int med_gm_alloc(struct med_gm *gm, const struct med_partition *request,
                 struct med_partition *partition, struct med_gm_shortage *shortage);

/* Give a partition from med_gm_alloc() back (exactly once). */
void med_gm_free(struct med_gm *gm, const struct med_partition *partition);

/* Free space of one resource, in the same units as the shortage rows. */
uint64_t med_gm_free_total(const struct med_gm *gm, enum med_gm_resource resource);
uint64_t med_gm_largest_free(const struct med_gm *gm, enum med_gm_resource resource);

/* The host's own block of the hidden part. */
void med_gm_host_block(const struct med_gm *gm, uint64_t *base, uint64_t *size);

uint64_t med_gm_aperture_size(const struct med_gm *gm);

/*
 * Describe @shortage in one line, e.g. "aperture exhausted: needs 256 MiB,
 * 192 MiB free in total, largest free block 128 MiB".  Returns @buf.
 */
char *med_gm_format_shortage(const struct med_gm_shortage *shortage, char *buf,
                             size_t size);

#endif /* GPUMED_GTT_PARTITION_H */
