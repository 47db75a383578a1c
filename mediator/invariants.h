/*
 * invariants.h - the isolation invariants of docs/security.md, checked at
 * run time where tests ask for it (med_server_config.check_invariants,
 * `gpumed --check-invariants`): at each dispatch of a workload,
 *   - every leaf translation the GPU can reach from the workload's shadow
 *     PPGTT, and every present host GGTT entry of its vGPU's partition,
 *     lands in that VM's RAM or on the vGPU's scratch page;
 *   - every shadow page table on the way is a page the vGPU's own pool
 *     handed out and has not taken back (so no table a workload can walk
 *     is free or reused at another level);
 *   - no guest command has written the host's pages every vGPU's work
 *     shares: the global scratch page is zero, and each engine's status
 *     page is zero outside the context status buffer the GPU writes.
 * The checks read what the GPU reads (the shadow pages and the host GGTT),
 * not the mediator's bookkeeping.  A violation is a mediator bug: it is
 * logged (the first one found) and the caller aborts.  The walk reads
 * every entry of every distinct table it reaches (each table looked up in
 * the pool once, a run of equal entries judged once), and the GGTT check
 * the whole partition: for tests, not production, but cheap enough that
 * a guest creating thousands of contexts is not starved by it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_MEDIATOR_INVARIANTS_H
#define GPUMED_MEDIATOR_INVARIANTS_H

#include <stdbool.h>
#include <stdint.h>

#include "mediator/guest-mem.h"
#include "mediator/host-mem.h"
#include "pgpu/pgpu.h"

/* What one vGPU may reach. */
struct med_isolation_scope {
    const struct med_vgpu_mem *mem;         /* its RAM, bus window and partition */
    struct med_page_pool *pool;         /* its shadow page tables (looked up) */
    uint64_t scratch_bus;               /* its own scratch page (no other vGPU's) */
    struct pgpu *gpu;                   /* the host GGTT */
};

/* Walk the 4-level shadow PPGTT at @root_bus: false on a violation. */
bool med_check_ppgtt(const struct med_isolation_scope *scope, uint64_t root_bus);
/* Read every host GGTT entry of the partition: false on a violation. */
bool med_check_ggtt(const struct med_isolation_scope *scope);

/* The host's pages shared by every vGPU's work. */
struct med_shared_host_pages {
    const void *scratch;                /* the global scratch page */
    const void *status;                 /* GEN9_NUM_ENGINES status pages */
    const void *idle_contexts;          /* GEN9_NUM_ENGINES idle contexts (sched.h) */
};

/* Read the shared host pages: false when one holds what only a guest
 * command could have written. */
bool med_check_shared_host_pages(const struct med_shared_host_pages *pages);

#endif /* GPUMED_MEDIATOR_INVARIANTS_H */
