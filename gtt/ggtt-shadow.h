/*
 * ggtt-shadow.h - the mediator's shadow of one vGPU's GGTT (architecture
 * decision 2): the guest's entries live in the shared GGTT table its QEMU
 * writes (docs/protocol.md); before the GPU uses the vGPU's GGTT the
 * mediator takes the dirty bits, validates each entry and writes the
 * translated entry into the host GGTT through the physical GPU's backend
 * (pgpu/pgpu.h).
 *
 * Validation: only entries of the vGPU's partition are ever read; a present
 * entry must name a page of the guest RAM the client handed over.  Each
 * valid entry becomes bus_base + gpa (every vGPU has its own bus window, so
 * translation after validation is an add); everything else points at the
 * vGPU's own scratch page and is counted.  The global scratch page
 * (MED_SCRATCH_BUS) is only where entries owned by no vGPU point: a page
 * every VM could write would be a channel between them.  The shared table
 * is written concurrently by an untrusted process: each entry is read
 * once, atomically, and its value is all that is used.
 *
 * Not thread-safe per shadow: the mediator's event loop owns it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_GTT_GGTT_SHADOW_H
#define GPUMED_GTT_GGTT_SHADOW_H

#include <stddef.h>
#include <stdint.h>

#include "gtt/gpu-reach.h"
#include "gtt/partition.h"
#include "pgpu/pgpu.h"

#define MED_GGTT_PTE_PRESENT    1ull
#define MED_GGTT_PTE_ADDR_MASK  0x00003ffffffff000ull   /* bits 45:12 */

/* Bus windows: vGPU slot n owns [n << 40, (n + 1) << 40); slot 0 is the host's. */
#define MED_BUS_WINDOW_SHIFT    40
#define MED_BUS_WINDOWS         64u
#define MED_SCRATCH_BUS         0ull    /* the global scratch page, in the host's window */

/* The PTE of the global scratch page: what every GGTT entry owned by no
 * vGPU holds. */
#define MED_SCRATCH_PTE         (MED_SCRATCH_BUS | MED_GGTT_PTE_PRESENT)

/* One range of guest RAM the client handed over (page multiples). */
struct med_gpa_range {
    uint64_t gpa, size;
};

#define MED_RAM_RANGES_MAX      8

struct med_vgpu_ggtt_config {
    struct med_partition partition;
    uint64_t bus_base;          /* the vGPU's window: slot << MED_BUS_WINDOW_SHIFT */
    uint64_t scratch_bus;       /* the vGPU's own scratch page, where its invalid
                                 * entries point: a page of the host's window
                                 * (window 0), not MED_SCRATCH_BUS */
    const struct med_gpa_range *ram;    /* copied; at most MED_RAM_RANGES_MAX, */
    size_t ram_count;                   /* non-overlapping, below 1 << 40 */
    uint64_t *guest_ptes;       /* the shared table: PGPU_GGTT_ENTRIES PTEs */
    uint64_t *dirty;            /* and its dirty bitmap */
    /* The client's count of the entries it marked dirty, bumped after each
     * bit (wire_rings.ggtt_writes); NULL or 0: walk the bitmap at every
     * sync.  Trusted for nothing but where to look: a client that counts
     * wrong only leaves its own host entries as it validated them last. */
    const uint32_t *writes;
    struct med_gpu_reach *reach;    /* marks each page an entry maps; NULL: none */
    struct pgpu *gpu;           /* whose GGTT receives the host entries */
};

/* What the shadow did with the guest's entries; never reset. */
struct med_vgpu_ggtt_stats {
    uint64_t entries_synced;    /* dirty entries of the partition taken */
    uint64_t mapped;            /* present and naming guest RAM: translated */
    uint64_t not_present;       /* the vGPU's scratch, as the guest asked */
    uint64_t bad_address;       /* present but naming no guest RAM: the vGPU's scratch */
    uint64_t out_of_partition;  /* single-entry updates outside the partition */
    uint64_t clean_skips;       /* syncs that found the write count unchanged */
    uint32_t last_bad_index;    /* the latest bad_address entry, for log lines */
    uint64_t last_bad_pte;
};

struct med_vgpu_ggtt;

/*
 * Start shadowing: every host entry of the partition is set to the vGPU's
 * scratch page (nothing a previous owner mapped survives), the dirty
 * bitmap is left as the guest wrote it.  Returns NULL with errno EINVAL
 * (bad configuration: an internal error of the caller) or ENOMEM.
 */
struct med_vgpu_ggtt *med_vgpu_ggtt_create(const struct med_vgpu_ggtt_config *config);

/* Stop shadowing: the partition's host entries go back to the global
 * scratch page (the vGPU's may be freed once no engine can reach it).
 * NULL is ignored. */
void med_vgpu_ggtt_destroy(struct med_vgpu_ggtt *shadow);

/*
 * Bring the host GGTT up to date with every entry whose dirty bit is set
 * in the partition (bits outside it are never read).  Returns the
 * number of entries taken.  With config.writes non-zero and where the
 * last walk of the bitmap found it, no entry was marked since: no walk
 * (stats.clean_skips).
 */
size_t med_vgpu_ggtt_sync(struct med_vgpu_ggtt *shadow);

/* Validate and translate the single guest entry @index now (e.g. the
 * scan-out's); entries outside the partition are counted and ignored. */
void med_vgpu_ggtt_update(struct med_vgpu_ggtt *shadow, uint32_t index);

/*
 * How many bytes from GGTT address @gma, up to @len, the host GGTT maps to
 * guest RAM as last synced or updated: the pages run in one block of the
 * partition and each entry was valid.  0 when the first page is not.
 * The scanner's test for every GGTT access (refused as the scratch page
 * is refused in the PPGTT): one bitmap word per 64 pages.
 */
uint64_t med_vgpu_ggtt_mapped_bytes(const struct med_vgpu_ggtt *shadow, uint64_t gma,
                                    uint64_t len);

const struct med_vgpu_ggtt_stats *med_vgpu_ggtt_stats(const struct med_vgpu_ggtt *shadow);

#endif /* GPUMED_GTT_GGTT_SHADOW_H */
