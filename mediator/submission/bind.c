/*
 * bind.c - a shadowed workload made runnable where the scheduler puts it:
 * its memory mapped at the host GGTT window of its engine's ELSP port, the
 * context's ring and every batch start pointed into that window; and, when
 * the GPU stops in it, where.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "mediator/invariants.h"
#include "mediator/submission/private.h"
#include "pgpu/skl-regs.h"

/* The isolation invariants over every workload of @sub the GPU may run or
 * be running: each one's shadow PPGTT as its context image names it, the
 * vGPU's host GGTT and the host pages all vGPUs share.  Broken, they are a mediator bug: abort. */
static void check_isolation(struct med_vgpu_submission *sub)
{
    bool ok = true;
    const struct med_isolation_scope scope = {
        .mem = &sub->config.mem, .pool = sub->pool,
        .scratch_bus = sub->config.scratch_bus, .gpu = sub->config.host->gpu,
    };

    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        const struct engine_queue *eq = &sub->engines[e];

        for (unsigned i = 0; i < eq->in_flight; i++) {
            const struct vgpu_workload *w = &eq->slots[eq->order[i]];
            const uint32_t *state;

            if (w->state == WL_QUEUED) {
                state = (const uint32_t *)((const uint8_t *)w->mem.map + LRC_STATE_OFFSET);
                ok &= med_check_ppgtt(&scope, (uint64_t)state[CTX_PDP_UDW_DW(0)] << 32 |
                                              state[CTX_PDP_LDW_DW(0)]);
            }
        }
    }
    ok &= med_check_shared_host_pages(&sub->config.host->shared_pages);
    /* The partition's host GGTT changes only by a sync: read again after one. */
    if (sub->ggtt_unchecked) {
        ok &= med_check_ggtt(&scope);
        sub->ggtt_unchecked = false;
    }
    if (!ok) {
        abort();
    }
}

/* Where the ring of @sw's context ends for the parts it runs now. */
static uint32_t run_tail(const struct med_sched_workload *sw)
{
    const struct vgpu_workload *w = (const struct vgpu_workload *)sw;

    return sw->run_end == sw->parts ? w->ring_tail : w->part_ends[sw->run_end - 1];
}

/* The batch addresses the engine saves in a context image: the first
 * and the second level's (the ring block's BB_ADDR_UDW, BB_ADDR, then
 * SBB_ADDR_UDW, SBB_ADDR after the states; i915's CTX_BB_HEAD_U,
 * CTX_BB_HEAD_L). */
static const struct { unsigned hi, lo; } saved_batch_dws[] = {
    { CTX_BB_STATE_FIRST_DW, CTX_BB_STATE_FIRST_DW + 2 },
    { CTX_BB_STATE_FIRST_DW + 6, CTX_BB_STATE_FIRST_DW + 8 },
};

/* A context preempted inside a batch resumes at the batch addresses the
 * engine saved, which lie in the window it ran at: moved to @window with
 * the copies they point into. */
static void move_saved_batches(struct vgpu_workload *w, uint32_t *state, uint64_t window)
{
    for (unsigned i = 0; i < sizeof(saved_batch_dws) / sizeof(saved_batch_dws[0]); i++) {
        uint64_t address = (uint64_t)state[saved_batch_dws[i].hi] << 32 |
                           state[saved_batch_dws[i].lo];

        if (address >= w->window_gma && address - w->window_gma < w->used) {
            address = window + (address - w->window_gma);
            state[saved_batch_dws[i].hi] = (uint32_t)(address >> 32);
            state[saved_batch_dws[i].lo] = (uint32_t)address;
        }
    }
}

/* @w's memory, up to what it uses, mapped at its engine's window
 * @window_index, where w->window_gma says it is bound.  The window's
 * entries are not written again where they map it already (the same
 * workload's, or its slot's before). */
static void map_window(struct vgpu_workload *w, unsigned window_index)
{
    const struct med_vgpu_exec_host *host = w->sub->config.host;
    struct med_window_map *map = &host->window_map[w->engine][window_index];

    if (map->bus != w->mem.bus) {
        *map = (struct med_window_map){ .bus = w->mem.bus };
    }
    for (; map->size < w->used; map->size += PGPU_PAGE_SIZE) {
        host->gpu->ops->ggtt_write(host->gpu,
                                   (uint32_t)((w->window_gma + map->size) / PGPU_PAGE_SIZE),
                                   (w->mem.bus + map->size) | MED_GGTT_PTE_PRESENT);
    }
}

/* Map the workload's memory at its engine's window @window_index (one
 * per ELSP port, sched.h) and point the context's ring and every batch
 * start into it. */
uint64_t med_wl_bind(struct med_sched_workload *sw, unsigned window_index)
{
    struct vgpu_workload *w = (struct vgpu_workload *)sw;
    const struct med_vgpu_exec_host *host = w->sub->config.host;
    uint64_t window = host->window_ggtt[w->engine][window_index];
    uint8_t *mem = w->mem.map;
    uint32_t *state = (uint32_t *)(mem + LRC_STATE_OFFSET);

    /* A long workload's next slice mostly runs where its last one did
     * (the same window): its batch starts, patched for that window then
     * and by every change since (loop.c), are right as they are. */
    bool resumed = sw->run_first || sw->saved_inside;
    bool patched = resumed && w->window_gma == window;

    if (sw->saved_inside && w->window_gma != window) {
        move_saved_batches(w, state, window);
    }
    w->window_gma = window;
    map_window(w, window_index);
    state[CTX_RING_START_DW] = (uint32_t)(window + SHADOW_RING_OFFSET(w->engine));
    state[CTX_RING_TAIL_DW] = run_tail(sw);
    if (resumed) {
        /* the GPU saved the context after the parts before, or inside
         * its run where it was preempted: restore it */
        state[CTX_CONTEXT_CONTROL_DW] = (state[CTX_CONTEXT_CONTROL_DW] &
                                         ~CTX_CTRL_ENGINE_CTX_RESTORE_INHIBIT) |
                                        MASKED_BIT_DISABLE(CTX_CTRL_ENGINE_CTX_RESTORE_INHIBIT);
        med_wl_context_clear_stop(state);
    } else {
        /* Its first run: the state its context's workload before left, if
         * that ran since @w was shadowed and is not written back yet (the
         * scheduler binds the next workload at the completion, before
         * telling the owner); written back, retire() carried it. */
        const struct vgpu_workload *prev = med_wl_ran_before_in_context(w);

        if (prev) {
            med_wl_context_carry(w, prev);
        }
    }
    if (!patched) {
        med_wl_patch_sites(w, w->sites, w->site_count);
        for (unsigned k = 0; k < w->trap_count; k++) {
            med_wl_patch_sites(w, w->traps[k].sites, w->traps[k].site_count);
        }
    }
    sw->ctx_timestamp = &state[CTX_TIMESTAMP_DW];
    if (host->check_invariants) {
        check_isolation(w->sub);
    }
    return window | CTX_DESC_VALID | CTX_DESC_PRIVILEGE |
           CTX_ADDRESSING_LEGACY_64B << CTX_DESC_ADDRESSING_SHIFT;
}

/*
 * @w runs, bound at its window (sched.window), and copies appended to its
 * memory after it was bound (queue.c's fold(), before the scheduler may
 * give the engine their parts): the pages they take mapped there too, and
 * their batch starts, @w's sites from @first_site on, pointed into it.
 * The memory did not move (med_wl_layout_append() leaves a running
 * workload's where it is), so nothing the engine may be reading changes.
 */
void med_wl_bind_appended(struct vgpu_workload *w, unsigned first_site)
{
    map_window(w, w->sched.window);
    med_wl_patch_sites(w, &w->sites[first_site], w->site_count - first_site);
    if (w->sub->config.host->check_invariants) {
        check_isolation(w->sub);
    }
}

/* The running context goes on to the parts its run was extended by: only
 * the tail in its image changes (the engine's lite restore loads it; the
 * engine never saves it back).  Those parts' commands and batch copies
 * were scanned and laid out with the whole workload before it was queued
 * (shadow.c; a split element's rest is a workload of its own), or with
 * an element appended to it since (med_wl_bind_appended()), and their
 * batch starts point into the window already bound: the GPU sees
 * nothing new but where to stop. */
void med_wl_extend(struct med_sched_workload *sw)
{
    struct vgpu_workload *w = (struct vgpu_workload *)sw;
    uint32_t *state = (uint32_t *)((uint8_t *)w->mem.map + LRC_STATE_OFFSET);

    __atomic_store_n(&state[CTX_RING_TAIL_DW], run_tail(sw), __ATOMIC_RELEASE);
}

/*
 * Each group's commands lie in the ring from the tail of the element
 * before it and in its batch copies, which fold() put after the groups'
 * before it: the last group starting at or before @address in either.
 * Outside the shadow (the engine between contexts, a start the model
 * does not report) the first group, as for a workload of one group.
 */
unsigned med_wl_stopped_group(const struct vgpu_workload *w, uint64_t address)
{
    uint64_t off = address - w->window_gma, ring = SHADOW_RING_OFFSET(w->engine);
    unsigned g = w->join_count;

    if (address < w->window_gma || off >= w->used) {
        return 0;
    }
    if (off >= ring && off < ring + w->ring_size) {
        uint32_t at = ((uint32_t)(off - ring) - w->head + w->ring_size) % w->ring_size;

        while (g > 0 && ((w->taken[w->joins[g - 1].taken - 1].tail & TAIL_ADDR) - w->head +
                         w->ring_size) % w->ring_size > at) {
            g--;
        }
        return g;
    }
    while (g > 0 && w->joins[g - 1].copies > off) {
        g--;
    }
    return g;
}

/* Where in its shadow the GPU stopped, and the two dwords there. */
void med_wl_describe_stop(const struct vgpu_workload *w, uint64_t address, char *text,
                          size_t size)
{
    uint64_t off = address - w->window_gma;
    const uint32_t *dw = (const uint32_t *)((const uint8_t *)w->mem.map + off);

    if (off < SHADOW_RING_OFFSET(w->engine) || off + 8 > w->used || off % 4) {
        snprintf(text, size, "at 0x%" PRIx64 ", outside its shadow", address);
    } else if (off < SHADOW_RING_OFFSET(w->engine) + w->ring_size) {
        snprintf(text, size, "at ring +0x%" PRIx64 ": 0x%08" PRIx32 " 0x%08" PRIx32,
                 off - SHADOW_RING_OFFSET(w->engine), dw[0], dw[1]);
    } else {
        snprintf(text, size, "in a batch copy at 0x%" PRIx64 ": 0x%08" PRIx32 " 0x%08" PRIx32,
                 address, dw[0], dw[1]);
    }
}

