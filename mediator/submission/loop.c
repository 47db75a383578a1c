/*
 * loop.c - loops the guest may end by rewriting them (docs/scanner.md,
 * "Loops").  A first-level MI_BATCH_BUFFER_START back into its own
 * activation (IGT's spinner, gem_exec_nop@poll's batch) would run the
 * first scan's copy for ever: a guest that ends its loop by writing
 * MI_BATCH_BUFFER_END into the batch, as it may on the hardware, never
 * sees it end.  So the chain goes through a trampoline of the workload's:
 *
 *   MI_ARB_ON_OFF on, MI_ARB_CHECK, MI_ARB_ON_OFF off
 *   MI_STORE_DATA_IMM (GGTT)    generation -> its entered dword
 *   MI_BATCH_BUFFER_START       the loop's target, in its current copy
 *
 * The MI_ARB_CHECK is where the scheduler's preemption takes the engine
 * from a loop that outlasts its slice while another vGPU waits (sched.h):
 * the guest's own are no arbitration points, since i915 on a vGPU turns
 * arbitration off before every batch (gen8_emit_bb_start_noarb()), and
 * the trampoline leaves it off again for the guest's commands, as i915
 * set it.
 *
 * While the workload is on the GPU, every MED_WL_LOOP_TICK_NS the mediator
 * copies and scans the guest's loop again from its target, as a batch the
 * ring starts (same space, so the same privilege), into the trap's half
 * the GPU is not in, then points the trampoline there and stores a new
 * generation in it (the target first: a GPU that stored the new
 * generation jumps to the new copy).  A half is rewritten only once the
 * GPU has stored the latest generation: it has left the other half for
 * good, since only the trampoline leads into either.  The GPU never
 * waits for the mediator and runs only scanned copies; a rescan the
 * scanner refuses points the trampoline at a reserved command of the
 * loop's own, which the GPU stops at (a hang, as the hardware's command
 * streamer stops at a command it may not run), so the refused bytes never
 * run.  The refusal is the guest's error only once the GPU stops there:
 * the trampoline's generation says that the GPU passed it, not that it is
 * still in the loop, and a loop it has left (its conditional end taken,
 * the next request of the element running) is the guest's to reuse, as
 * i915 does once the request has retired (IGT's gem_busy@close-race:
 * a spinner's object freed, its pages unbound, while the next spins).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mediator/submission/private.h"
#include "pgpu/skl-regs.h"

#define BB_START_BYTES          12
/* A trampoline's dwords (LOOP_TRAMPOLINE_SIZE bytes in all). */
#define TRAMP_ARB_DW            0       /* MI_ARB_ON_OFF on, MI_ARB_CHECK, MI_ARB_ON_OFF off */
#define TRAMP_STORE_DW          3       /* MI_STORE_DATA_IMM: address lo, hi, generation */
#define TRAMP_GENERATION_DW     (TRAMP_STORE_DW + 3)
#define TRAMP_JUMP_DW           7       /* MI_BATCH_BUFFER_START: address lo, hi */
#define TRAMP_END_DW            10      /* MI_NOOPs to the end */
#define LOOP_AREA_SIZE          64      /* entered dwords, then the stops */
#define LOOP_STOP_OFFSET        32      /* a stop per trap from here */

_Static_assert(4 * LOOP_TRAPS_MAX <= LOOP_STOP_OFFSET &&
               LOOP_STOP_OFFSET + 4 * LOOP_TRAPS_MAX <= LOOP_AREA_SIZE,
               "an entered dword and a stop per trap");

/* The trap of the loop a start of @res makes, if it is one to follow: a
 * chain from a first-level batch back into a batch of the same activation
 * (the scanner names an earlier or the same buffer as its target only
 * for such a chain: a chain to a batch run before is fetched anew) whose
 * space gives a ring's start the privilege it has (so that a rescan from
 * a ring's start checks it as the first scan did). */
static bool loop_key(const struct med_scan_result *res, const struct med_scan_bb_start *site,
                     uint64_t *gma, enum med_scan_space *space)
{
    const struct med_scan_buffer *from = &res->buffers[site->buffer];
    const struct med_scan_buffer *to = &res->buffers[site->target];

    if (site->target > site->buffer || from->level != 1 || to->level != 1 ||
        to->privileged != (to->space == MED_SCAN_GGTT)) {
        return false;
    }
    *gma = to->gma + site->target_offset;
    *space = to->space;
    return true;
}

static int find_trap(const struct vgpu_workload *w, uint64_t gma, enum med_scan_space space)
{
    for (unsigned k = 0; k < w->trap_count; k++) {
        if (w->traps[k].gma == gma && w->traps[k].space == space) {
            return (int)k;
        }
    }
    return -1;
}

void med_wl_loops_plan(struct vgpu_workload *w, const struct med_scan_result *res,
                       uint64_t *end)
{
    uint64_t at;

    w->trap_count = 0;
    for (unsigned i = 0; i < res->bb_start_count && w->trap_count < LOOP_TRAPS_MAX; i++) {
        uint64_t gma;
        enum med_scan_space space;

        if (loop_key(res, &res->bb_starts[i], &gma, &space) && find_trap(w, gma, space) < 0) {
            struct loop_trap *t = &w->traps[w->trap_count++];

            t->gma = gma;
            t->space = space;
            t->current = 2;
            t->generation = 1;
            t->stopped = false;
            t->refusal[0] = '\0';
            t->site_count = 0;
        }
    }
    if (!w->trap_count) {
        return;
    }
    at = med_wl_align_up(*end, SHADOW_BATCH_ALIGN);
    w->loop_area = (uint32_t)at;
    at += LOOP_AREA_SIZE;
    for (unsigned k = 0; k < w->trap_count; k++) {
        w->traps[k].trampoline = (uint32_t)at;
        at += LOOP_TRAMPOLINE_SIZE;
    }
    for (unsigned k = 0; k < w->trap_count; k++) {
        w->traps[k].halves = (uint32_t)at;
        at += 2 * LOOP_COPY_SIZE;
    }
    /* Where the window is too small for them, loops run their first copy. */
    if (at > w->sub->config.host->window_size) {
        w->trap_count = 0;
        return;
    }
    *end = at;
}

uint32_t med_wl_loop_trampoline(const struct vgpu_workload *w, const struct med_scan_result *res,
                                const struct med_scan_bb_start *site)
{
    uint64_t gma;
    enum med_scan_space space;
    int k;

    if (!w->trap_count || !loop_key(res, site, &gma, &space) || (k = find_trap(w, gma, space)) < 0) {
        return 0;
    }
    return w->traps[k].trampoline;
}

static uint32_t *at(const struct vgpu_workload *w, uint32_t offset)
{
    return (uint32_t *)((uint8_t *)w->mem.map + offset);
}

/* Where trap @k's refused rescan leads: its own stop, so that the GPU's
 * stop names the loop. */
static uint32_t stop_of(const struct vgpu_workload *w, unsigned k)
{
    return w->loop_area + LOOP_STOP_OFFSET + 4 * k;
}

void med_wl_loops_build(struct vgpu_workload *w, const struct med_scan_result *res,
                        const uint64_t *offsets)
{
    if (!w->trap_count) {
        return;
    }
    memset(at(w, w->loop_area), 0, LOOP_AREA_SIZE);
    for (unsigned k = 0; k < w->trap_count; k++) {
        *at(w, stop_of(w, k)) = SHADOW_STOP_DW;
    }
    for (unsigned k = 0; k < w->trap_count; k++) {
        struct loop_trap *t = &w->traps[k];
        uint32_t *p = at(w, t->trampoline), first = 0;

        for (unsigned i = 0; i < res->bb_start_count; i++) {
            const struct med_scan_bb_start *site = &res->bb_starts[i];
            uint64_t gma;
            enum med_scan_space space;

            if (loop_key(res, site, &gma, &space) && gma == t->gma && space == t->space) {
                first = (uint32_t)(offsets[site->target] + site->target_offset);
                break;
            }
        }
        p[TRAMP_ARB_DW] = MI_ARB_ON_OFF | MI_ARB_ENABLE;
        p[TRAMP_ARB_DW + 1] = MI_ARB_CHECK;
        p[TRAMP_ARB_DW + 2] = MI_ARB_ON_OFF;
        p[TRAMP_STORE_DW] = MI_STORE_DATA_IMM | MI_USE_GGTT;
        p[TRAMP_GENERATION_DW] = t->generation;
        p[TRAMP_JUMP_DW] = MI_BATCH_BUFFER_START;
        for (unsigned i = TRAMP_END_DW; i < LOOP_TRAMPOLINE_SIZE / 4; i++) {
            p[i] = MI_NOOP;
        }
        w->sites[w->site_count++] = (struct bb_site){
            .addr_lo = t->trampoline + 4 * (TRAMP_STORE_DW + 1),
            .addr_hi = t->trampoline + 4 * (TRAMP_STORE_DW + 2),
            .target = w->loop_area + 4 * k };
        t->jump_site = w->site_count;
        w->sites[w->site_count++] = (struct bb_site){
            .addr_lo = t->trampoline + 4 * (TRAMP_JUMP_DW + 1),
            .addr_hi = t->trampoline + 4 * (TRAMP_JUMP_DW + 2), .target = first };
    }
}

void med_wl_patch_sites(struct vgpu_workload *w, const struct bb_site *sites, unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        uint64_t target = w->window_gma + sites[i].target;

        *at(w, sites[i].addr_lo) = (uint32_t)target;
        *at(w, sites[i].addr_hi) = (uint32_t)(target >> 32);
    }
}

/* Point trap @t's trampoline at @target (an offset in @w's memory) for the
 * GPU's next pass: the address first, then the new generation. */
static void retarget(struct vgpu_workload *w, struct loop_trap *t, uint32_t target)
{
    uint64_t address = w->window_gma + target;

    w->sites[t->jump_site].target = target;
    /* The high dword is the window's, the same for every target in it. */
    __atomic_store_n(at(w, t->trampoline + 4 * (TRAMP_JUMP_DW + 1)), (uint32_t)address,
                     __ATOMIC_RELEASE);
    __atomic_store_n(at(w, t->trampoline + 4 * TRAMP_GENERATION_DW), ++t->generation,
                     __ATOMIC_RELEASE);
}

static bool grow_sites(struct loop_trap *t, unsigned count)
{
    struct bb_site *grown;

    if (t->site_cap >= count) {
        return true;
    }
    grown = realloc(t->sites, count * sizeof(*grown));
    if (!grown) {
        return false;
    }
    t->sites = grown;
    t->site_cap = count;
    return true;
}

/* Lay the rescan @res of trap @t out in its half @half and relocate its
 * batch starts: false when it does not fit. */
static bool place_rescan(struct vgpu_workload *w, struct loop_trap *t, unsigned half,
                         const struct med_scan_result *res)
{
    uint64_t base = t->halves + (uint64_t)half * LOOP_COPY_SIZE, end = 0;
    uint64_t *offsets = calloc(res->buffer_count, sizeof(*offsets));

    /* offsets[0], the made-up ring's, stays 0: no start lands there */
    for (unsigned b = 1; offsets && b < res->buffer_count; b++) {
        end = med_wl_align_up(end, SHADOW_BATCH_ALIGN);
        offsets[b] = base + end;
        end += res->buffers[b].len;
    }
    if (!offsets || end > LOOP_COPY_SIZE || !grow_sites(t, res->bb_start_count)) {
        free(offsets);
        return false;
    }
    for (unsigned b = 1; b < res->buffer_count; b++) {
        memcpy(at(w, (uint32_t)offsets[b]), res->buffers[b].host, res->buffers[b].len);
    }
    t->site_count = 0;
    for (unsigned i = 0; i < res->bb_start_count; i++) {
        const struct med_scan_bb_start *site = &res->bb_starts[i];
        uint32_t cmd, trampoline;

        if (!site->buffer) {
            continue;   /* the made-up ring's start of the loop */
        }
        cmd = (uint32_t)(offsets[site->buffer] + site->offset);
        *at(w, cmd) &= ~MI_BB_PPGTT;
        trampoline = med_wl_loop_trampoline(w, res, site);
        t->sites[t->site_count++] = (struct bb_site){
            .addr_lo = cmd + 4, .addr_hi = cmd + 8,
            .target = trampoline ? trampoline
                                 : (uint32_t)(offsets[site->target] + site->target_offset) };
    }
    free(offsets);
    med_wl_patch_sites(w, t->sites, t->site_count);
    return true;
}

/* Copy and scan trap @t's loop again and point its trampoline at the result. */
static void rescan(struct vgpu_workload *w, struct loop_trap *t)
{
    struct med_vgpu_submission *sub = w->sub;
    /* The loop as the ring would start it: a first-level batch at its target. */
    const uint32_t ring[4] = {
        MI_BATCH_BUFFER_START | (t->space == MED_SCAN_PPGTT ? MI_BB_PPGTT : 0),
        (uint32_t)t->gma, (uint32_t)(t->gma >> 32), MI_NOOP,
    };
    struct med_scan_result res;
    unsigned half = t->current == 0 ? 1 : 0;
    uint64_t start = med_now_ns();

    if (med_scan(sub->scan, &(struct med_scan_request) {
            .engine = w->engine, .commands = ring, .len = sizeof(ring), .gma = t->gma,
            .ppgtt = w->ppgtt,
        }, &res) != MED_SCAN_OK) {
        /* The guest's error once the GPU comes back to it (med_wl_loop_stop()). */
        retarget(w, t, stop_of(w, (unsigned)(t - w->traps)));
        t->stopped = true;
        snprintf(t->refusal, sizeof(t->refusal), "%s", res.reason);
    } else if (place_rescan(w, t, half, &res)) {
        w->user_interrupt |= res.user_interrupt;
        retarget(w, t, t->halves + half * LOOP_COPY_SIZE);
        t->current = half;
    } else {
        t->stopped = true;      /* it goes on in its current copy */
    }
    med_wl_fetched_free(sub);
    w->scan_ns += med_now_ns() - start;
}

bool med_wl_loop_stop(struct vgpu_workload *w, uint64_t address)
{
    for (unsigned k = 0; k < w->trap_count; k++) {
        const struct loop_trap *t = &w->traps[k];

        if (t->stopped && t->refusal[0] && address == w->window_gma + stop_of(w, k)) {
            char why[MED_SCAN_REASON_MAX + 128];

            snprintf(why, sizeof(why), "its loop at 0x%" PRIx64 " changed as it ran and is "
                     "stopped before the change: scan: %s", t->gma, t->refusal);
            med_wl_count_rejection(w->sub, w->engine, w->taken[0].desc, why);
            return true;
        }
    }
    return false;
}

bool med_vgpu_submission_loops_running(const struct med_vgpu_submission *sub)
{
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        const struct engine_queue *eq = &sub->engines[e];

        for (unsigned i = 0; i < eq->in_flight; i++) {
            const struct vgpu_workload *w = &eq->slots[eq->order[i]];

            if (w->state == WL_QUEUED && w->sched.dispatched_ns && w->trap_count) {
                return true;
            }
        }
    }
    return false;
}

void med_vgpu_submission_tick_loops(struct med_vgpu_submission *sub)
{
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        struct engine_queue *eq = &sub->engines[e];

        for (unsigned i = 0; i < eq->in_flight; i++) {
            struct vgpu_workload *w = &eq->slots[eq->order[i]];

            if (w->state != WL_QUEUED || !w->sched.dispatched_ns) {
                continue;
            }
            for (unsigned k = 0; k < w->trap_count; k++) {
                struct loop_trap *t = &w->traps[k];

                /* Until the GPU passed the latest trampoline, it may be
                 * in either half. */
                if (!t->stopped && sub->notice_count < NOTICES_MAX &&
                    __atomic_load_n(at(w, w->loop_area + 4 * k), __ATOMIC_ACQUIRE) ==
                    t->generation) {
                    rescan(w, t);
                }
            }
        }
    }
}

void med_wl_loops_free(struct vgpu_workload *w)
{
    for (unsigned k = 0; k < LOOP_TRAPS_MAX; k++) {
        free(w->traps[k].sites);
        w->traps[k].sites = NULL;
        w->traps[k].site_cap = 0;
    }
}
