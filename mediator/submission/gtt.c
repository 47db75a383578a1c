/*
 * gtt.c - the vGPU's graphics translation tables as a workload needs them:
 * its host GGTT (the shadow the session hands over) and the shadow PPGTTs
 * of gtt/ppgtt-set.c, brought up to date before the workload is checked,
 * with what the guest got wrong in them counted and logged.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <assert.h>
#include <inttypes.h>

#include "mediator/submission/private.h"

static const void *ppgtt_guest_page(void *opaque, uint64_t gpa)
{
    const struct med_vgpu_submission *sub = opaque;

    return med_vgpu_gpa_to_host(&sub->config.mem, gpa, PGPU_PAGE_SIZE);
}

/* Shadow tables of all the vGPU's PPGTTs together stay within a budget. */
static void *ppgtt_table_alloc(void *opaque, uint64_t *bus)
{
    struct med_vgpu_submission *sub = opaque;

    if (med_page_pool_in_use(sub->pool) >= MED_WL_PPGTT_TABLES_MAX) {
        return NULL;
    }
    return med_page_alloc(sub->pool, bus);
}

static void ppgtt_table_free(void *opaque, void *page, uint64_t bus)
{
    struct med_vgpu_submission *sub = opaque;

    med_page_free(sub->pool, page, bus);
}

const struct vgpu_ppgtt_mem_ops med_wl_ppgtt_mem_ops = {
    .guest_page = ppgtt_guest_page,
    .table_alloc = ppgtt_table_alloc,
    .table_free = ppgtt_table_free,
};

/* Count what a build or sync found wrong in the guest's tables. */
static void ppgtt_account(struct med_vgpu_submission *sub, const struct med_vgpu_ppgtt *shadow,
                          uint64_t bad_before)
{
    const struct med_vgpu_ppgtt_stats *st = med_vgpu_ppgtt_stats(shadow);

    if (st->bad_entries == bad_before) {
        return;
    }
    sub->stats.ppgtt_bad_entries += st->bad_entries - bad_before;
    sub->config.host->totals->ppgtt_bad_entries += st->bad_entries - bad_before;
    med_wl_notice(sub, false, 0, "PPGTT 0x%" PRIx64 ": %" PRIu64 " entries name no guest RAM "
                  "or a huge page (e.g. 0x%" PRIx64 "): not mapped or the scratch page",
                  med_vgpu_ppgtt_root_gpa(shadow), st->bad_entries - bad_before,
                  st->last_bad_entry);
}

int med_vgpu_submission_ppgtt_create(struct med_vgpu_submission *sub, uint64_t root_gpa,
                                     const char **problem)
{
    return med_ppgtt_set_add(sub->ppgtts, root_gpa, problem);
}

int med_vgpu_submission_ppgtt_destroy(struct med_vgpu_submission *sub, uint64_t root_gpa,
                                      const char **problem)
{
    return med_ppgtt_set_remove(sub->ppgtts, root_gpa, problem);
}

/* The host GGTT of the vGPU's partition as the guest's table says, once
 * per workload that reaches the GPU (the elements merged into one share
 * one sync). */
static void ggtt_sync(struct med_vgpu_submission *sub)
{
    const struct med_vgpu_ggtt_stats *st = med_vgpu_ggtt_stats(sub->config.ggtt);
    uint64_t bad_before = st->bad_address, synced_before = st->entries_synced;
    uint64_t bad;

    med_vgpu_ggtt_sync(sub->config.ggtt);
    if (st->entries_synced != synced_before) {
        sub->ggtt_unchecked = true;
    }
    sub->config.host->totals->ggtt_entries_synced += st->entries_synced - synced_before;
    bad = st->bad_address - bad_before;
    if (bad) {
        sub->config.host->totals->ggtt_bad_entries += bad;
        med_wl_notice(sub, false, 0, "%" PRIu64 " GGTT entries name no guest RAM (e.g. entry 0x%"
                  PRIx32 " = 0x%" PRIx64 "): they point at the vGPU's scratch page",
                  bad, st->last_bad_index, st->last_bad_pte);
    }
}

bool med_wl_gtt_sync(struct vgpu_workload *w, struct med_vgpu_ppgtt *ppgtt)
{
    struct med_vgpu_submission *sub = w->sub;
    uint64_t bad_before;

    /* Its elements' SUBMITs have all arrived; an empty or rejected element
     * needs none: the checks before read the guest's table, not the host's. */
    ggtt_sync(sub);
    bad_before = med_vgpu_ppgtt_stats(ppgtt)->bad_entries;
    switch (med_ppgtt_set_sync(sub->ppgtts, ppgtt)) {
    case MED_PPGTT_SYNC_PROVEN_UNCHANGED:
        sub->stats.ppgtt_unchanged++;
        sub->config.host->totals->ppgtt_unchanged++;
        return true;
    case MED_PPGTT_SYNC_COMPARED:
        ppgtt_account(sub, ppgtt, bad_before);
        return true;
    case MED_PPGTT_SYNC_NO_ROOM:
        ppgtt_account(sub, ppgtt, bad_before);
        med_wl_reject(w, "its PPGTT 0x%" PRIx64 " cannot be shadowed: the vGPU's %u page-table "
                      "pages are all in use", med_vgpu_ppgtt_root_gpa(ppgtt),
                      MED_WL_PPGTT_TABLES_MAX);
        return false;
    }
    assert(false);
    return false;
}
