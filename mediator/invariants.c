/*
 * invariants.c - run-time check of the isolation invariants (see
 * invariants.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mediator/invariants.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "gen9/engine.h"
#include "gen9/lrc.h"
#include "gtt/ppgtt-shadow.h"
#include "mediator/log.h"
#include "sched/sched.h"

/* Tables already walked in this check (shared tables are walked once). */
struct walked {
    uint64_t *slots;            /* bus addresses + 1; 0: empty */
    size_t size, count;
};

static bool walked_add(struct walked *w, uint64_t bus)
{
    if (2 * (w->count + 1) > w->size) {
        struct walked grown = { .size = w->size ? 2 * w->size : 1024 };

        grown.slots = calloc(grown.size, sizeof(*grown.slots));
        if (!grown.slots) {
            med_log(MED_LOG_ERROR, "invariant check: out of memory");
            abort();
        }
        for (size_t i = 0; i < w->size; i++) {
            if (w->slots[i]) {
                walked_add(&grown, w->slots[i] - 1);
            }
        }
        free(w->slots);
        *w = grown;
    }
    for (size_t i = (bus >> 12) * 0x9e3779b97f4a7c15ull % w->size;; i = (i + 1) % w->size) {
        if (w->slots[i] == bus + 1) {
            return false;
        }
        if (!w->slots[i]) {
            w->slots[i] = bus + 1;
            w->count++;
            return true;
        }
    }
}

static bool violation(const struct med_isolation_scope *scope, const char *what,
                      uint64_t where, uint64_t entry)
{
    med_log(MED_LOG_ERROR, "isolation invariant broken (vGPU bus window 0x%" PRIx64 "): %s "
            "at 0x%" PRIx64 ": entry 0x%" PRIx64, scope->mem->bus_base, what, where, entry);
    return false;
}

/* A leaf the GPU may use: the VM's RAM in its window, or its scratch page. */
static bool leaf_allowed(const struct med_isolation_scope *scope, uint64_t bus)
{
    return bus == scope->scratch_bus ||
           (bus >= scope->mem->bus_base &&
            med_vgpu_gpa_to_host(scope->mem, bus - scope->mem->bus_base, PGPU_PAGE_SIZE));
}

static bool check_table(const struct med_isolation_scope *scope, struct walked *walked,
                        uint64_t bus, unsigned level)
{
    const uint64_t *table;
    uint64_t allowed = 0;       /* the last present entry found allowed (0: none) */

    /* Checked at its first entry already: i915's fill tables are named by
     * all 512 entries of the level above, so looking each up again made
     * the walk cost entries, not tables. */
    if (!walked_add(walked, bus)) {
        return true;
    }
    table = med_page_pool_page(scope->pool, bus);
    if (!table) {
        return violation(scope, "a shadow table the GPU can walk is not a page of the vGPU's "
                         "pool in use", bus, level);
    }
    for (unsigned i = 0; i < MED_PPGTT_ENTRIES; i++) {
        uint64_t entry = __atomic_load_n(&table[i], __ATOMIC_RELAXED);
        uint64_t next = entry & MED_PPGTT_PTE_ADDR_MASK;

        /* An entry as the one before it was judged with it (fill runs). */
        if (!(entry & MED_PPGTT_PTE_PRESENT) || entry == allowed) {
            continue;
        }
        if (level > 1 ? !check_table(scope, walked, next, level - 1)
                      : !leaf_allowed(scope, next)) {
            return level > 1 ? false : violation(scope, "a shadow PTE maps memory outside the VM",
                                                 bus + 8 * i, entry);
        }
        allowed = entry;
    }
    return true;
}

bool med_check_ppgtt(const struct med_isolation_scope *scope, uint64_t root_bus)
{
    struct walked walked = { 0 };
    bool ok = check_table(scope, &walked, root_bus, MED_PPGTT_LEVELS);

    free(walked.slots);
    return ok;
}

static bool check_ggtt_range(const struct med_isolation_scope *scope, uint64_t base,
                             uint64_t size)
{
    uint64_t allowed = 0;       /* the last entry found allowed (0: none) */

    for (uint64_t gma = base; gma < base + size; gma += PGPU_PAGE_SIZE) {
        uint64_t pte = scope->gpu->ops->ggtt_read(scope->gpu, (uint32_t)(gma / PGPU_PAGE_SIZE));

        /* i915 points every unused entry at its scratch page: runs of one
         * entry, judged once (a check per dispatch that changed the GGTT,
         * and IGT creates contexts by the thousand). */
        if (!(pte & MED_GGTT_PTE_PRESENT) || pte == allowed) {
            continue;
        }
        if (!leaf_allowed(scope, pte & MED_GGTT_PTE_ADDR_MASK)) {
            return violation(scope, "a host GGTT entry of the partition maps memory outside "
                             "the VM", gma, pte);
        }
        allowed = pte;
    }
    return true;
}

bool med_check_ggtt(const struct med_isolation_scope *scope)
{
    const struct med_partition *p = &scope->mem->partition;

    return check_ggtt_range(scope, p->aperture_base, p->aperture_size) &&
           check_ggtt_range(scope, p->hidden_base, p->hidden_size);
}

/* @page is zero but for dwords [@written_first, @written_last], which the
 * GPU itself writes. */
static bool shared_page_clean(const char *what, const uint32_t *page, unsigned written_first,
                              unsigned written_last)
{
    for (unsigned i = 0; i < PGPU_PAGE_SIZE / 4; i++) {
        if (page[i] && (i < written_first || i > written_last)) {
            med_log(MED_LOG_ERROR, "isolation invariant broken: %s holds 0x%08x at dword 0x%x",
                    what, page[i], i);
            return false;
        }
    }
    return true;
}

bool med_check_shared_host_pages(const struct med_shared_host_pages *pages)
{
    bool ok = shared_page_clean("the global scratch page", pages->scratch, 1, 0);

    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        char what[64];

        snprintf(what, sizeof(what), "the status page of %s", gen9_engines[e].name);
        /* the GPU writes the context status buffer and its write pointer */
        ok &= shared_page_clean(what, (const uint32_t *)pages->status + e * PGPU_PAGE_SIZE / 4,
                                HWSP_CSB_DW, HWSP_CSB_WRITE_PTR_DW);
        /* its ring (the last page), empty: the engine runs nothing there */
        snprintf(what, sizeof(what), "the idle context's ring of %s", gen9_engines[e].name);
        ok &= shared_page_clean(what, (const uint32_t *)pages->idle_contexts +
                                (e + 1) * MED_SCHED_IDLE_CONTEXT_PAGES * PGPU_PAGE_SIZE / 4 -
                                PGPU_PAGE_SIZE / 4, 1, 0);
    }
    return ok;
}
