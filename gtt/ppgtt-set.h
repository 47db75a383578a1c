/*
 * ppgtt-set.h - the live guest PPGTTs of one vGPU, found by their root,
 * and the one page-table budget they share.
 *
 * The guest announces each PPGTT it creates and destroys (PVINFO,
 * PPGTT_NOTIFY).  An announced PPGTT costs a small record until a
 * workload uses it: its shadow is built by the first sync (see
 * ppgtt-shadow.h).  When a sync cannot have the pages it needs, the
 * shadows no workload is using (unpinned) are dropped, least recently
 * used first, and rebuilt at their next use, as a TLB drops entries: the
 * guest never sees a limit on how many PPGTTs are live beyond
 * MED_PPGTT_SET_MAX (65536, far above what i915 can create: a context
 * costs it about 30 pages, 8,700 contexts per GiB of guest RAM).
 *
 * Not thread-safe: the mediator's event loop owns a set.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_GTT_PPGTT_SET_H
#define GPUMED_GTT_PPGTT_SET_H

#include <stdint.h>

#include "gtt/ppgtt-shadow.h"

#define MED_PPGTT_SET_MAX   65536u

struct med_ppgtt_set;

/* Every shadow of the set is created from @shadow_config (its root_gpa
 * aside).  NULL with errno ENOMEM. */
struct med_ppgtt_set *med_ppgtt_set_create(const struct med_vgpu_ppgtt_config *shadow_config);
/* Destroys every shadow (the pinned ones when their last pin ends). */
void med_ppgtt_set_destroy(struct med_ppgtt_set *set);

/* PPGTT_NOTIFY create / destroy: 0, or -1 with *@problem saying what the
 * guest did wrong (completes "PPGTT create of root 0x... ignored: it"). */
int med_ppgtt_set_add(struct med_ppgtt_set *set, uint64_t root_gpa, const char **problem);
int med_ppgtt_set_remove(struct med_ppgtt_set *set, uint64_t root_gpa, const char **problem);

/* The live PPGTT rooted at @root_gpa, or NULL. */
struct med_vgpu_ppgtt *med_ppgtt_set_find(struct med_ppgtt_set *set, uint64_t root_gpa);

/*
 * The client's watch of the guest's table pages (docs/architecture.md,
 * decision 9; the layout is wire_rings', docs/protocol.md "Watched
 * tables").  The mediator writes the list: @seq (odd while it writes,
 * then even and never 0), @count and @gpas (@max of them).  The client
 * writes @writes, moved on before a SUBMIT whenever its dirty log found a
 * listed page written, and @checked, the last even @seq whose list it
 * looked at in full.  Neither is trusted for more than the client's own
 * VM: a client that lies leaves its shadow as last validated.
 */
struct med_ppgtt_watch {
    uint32_t *seq;
    uint32_t *count;
    uint64_t *gpas;
    unsigned max;
    const uint32_t *writes;
    const uint32_t *checked;
};

/* Publish lists to @watch from now on, and skip the compare of a shadow
 * they prove unchanged (med_ppgtt_set_sync()).  Without it, never. */
void med_ppgtt_set_watch(struct med_ppgtt_set *set, const struct med_ppgtt_watch *watch);

/* What med_ppgtt_set_sync() did with a shadow. */
enum med_ppgtt_sync_result {
    MED_PPGTT_SYNC_COMPARED,            /* compared with the guest's tables */
    MED_PPGTT_SYNC_PROVEN_UNCHANGED,    /* skipped: the watch proved no change */
    MED_PPGTT_SYNC_NO_ROOM,             /* the budget is spent on pinned shadows */
};

/*
 * med_vgpu_ppgtt_sync() of a live @shadow, making room by dropping the
 * other unpinned shadows when the budget is spent.  Skipped when the watch
 * proves that none of its table pages was written since the compare it was
 * last synced with: that compare came after the client had looked at all
 * of them once in the list, the client has found no listed page written
 * since, and no table page is one the vGPU's GPU can reach
 * (shadow_config.reach), whose writes no dirty log of the guest's CPU sees.
 */
enum med_ppgtt_sync_result med_ppgtt_set_sync(struct med_ppgtt_set *set,
                                              struct med_vgpu_ppgtt *shadow);
/* Syncs med_ppgtt_set_sync() skipped, over the set's life. */
uint64_t med_ppgtt_set_unchanged(const struct med_ppgtt_set *set);

unsigned med_ppgtt_set_count(const struct med_ppgtt_set *set);
/* Shadows dropped for room, over the set's life. */
uint64_t med_ppgtt_set_evictions(const struct med_ppgtt_set *set);

#endif /* GPUMED_GTT_PPGTT_SET_H */
