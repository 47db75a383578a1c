/*
 * shadow.c - one element turned into a workload the GPU may run, or
 * rejected: its context read, the GTTs synced, the ring and batches copied
 * and scanned, laid out in host memory and the shadow context built (queue.c
 * then hands it to the scheduler or folds it into the workload before it).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <inttypes.h>

#include "wire/protocol.h"
#include "mediator/submission/private.h"
#include "mediator/trace-points.h"
#include "pgpu/skl-regs.h"

void med_wl_shadow(struct vgpu_workload *w)
{
    struct med_vgpu_submission *sub = w->sub;
    const struct vgpu_workload *prev;
    struct guest_context ctx;
    struct med_scan_result res;
    enum med_scan_verdict verdict;
    uint64_t start = med_now_ns(), scan_start;
    /* the tail the guest published for the last element it took */
    uint32_t submitted_tail = w->taken[w->taken_count - 1].tail;
    uint32_t len;

    if (!med_wl_context_read(w, &ctx)) {
        return;
    }
    if (submitted_tail == NO_TAIL) {
        med_wl_reject(w, "its context image was not mapped when it was submitted");
        return;
    }
    prev = med_wl_previous_of_context(w);
    w->head = prev ? prev->tail : ctx.state[CTX_RING_HEAD_DW] & HEAD_ADDR;
    w->tail = submitted_tail & TAIL_ADDR;
    w->ring_size = ctx.ring_size;
    if (w->head >= ctx.ring_size || w->tail >= ctx.ring_size) {
        med_wl_reject(w, "ring head 0x%" PRIx32 " or tail 0x%" PRIx32 " is outside its %" PRIu32
                      "-byte ring", w->head, w->tail, ctx.ring_size);
        return;
    }
    len = (w->tail - w->head + ctx.ring_size) % ctx.ring_size;
    if (!len) {
        sub->stats.empty++;
        sub->config.host->totals->empty++;
        w->state = WL_FINISHED;
        w->event = WIRE_EVENT_DONE;
        return;
    }
    if (!med_wl_gtt_sync(w, ctx.ppgtt) || !med_wl_fetch_ring(w, &ctx, len)) {
        return;
    }
    scan_start = med_now_ns();
    verdict = med_scan(sub->scan, &(struct med_scan_request) {
        .engine = w->engine, .commands = sub->ring_copy, .len = len,
        .gma = ctx.ring_start + w->head, .ppgtt = ctx.ppgtt,
    }, &res);
    w->scan_ns = med_now_ns() - scan_start;
    MED_TRACE(scan, sub->config.vgpu_id, w->engine, w->taken[0].desc, verdict, len);
    /* What earlier work of the vGPU may still write is not what the GPU
     * will run here: scanned again once that work completed (queue.c). */
    if (verdict != MED_SCAN_NO_MEMORY && (w->blockers = med_wl_writers_of(w, &ctx, &res, len))) {
        med_wl_fetched_free(sub);
        return;
    }
    if (res.split) {
        len = (uint32_t)res.buffers[0].len;
        w->tail = (w->head + len) % ctx.ring_size;
    }
    w->ring_tail = (w->tail + w->tail % 8) % ctx.ring_size;
    if (verdict != MED_SCAN_OK && !res.prefix) {
        med_wl_reject(w, "scan: %s", res.reason);
    } else if (med_wl_layout(w, &ctx, &res, len)) {
        if (verdict != MED_SCAN_OK) {
            med_wl_refuse(w, res.reason);
        }
        med_wl_context_build(w, &ctx);
        w->user_interrupt = res.user_interrupt;
        w->ppgtt = ctx.ppgtt;
        w->ppgtt_pin = med_vgpu_ppgtt_pin(ctx.ppgtt);
        w->state = WL_QUEUED;
        med_wl_writes_record(w, &res, ctx.ppgtt);
        if (res.split) {
            med_wl_split(w, len);
        }
    }
    med_wl_fetched_free(sub);
    w->shadow_ns = med_now_ns() - start - w->scan_ns;
    MED_TRACE(shadow, sub->config.vgpu_id, w->engine, w->taken[0].desc, w->state == WL_QUEUED,
              w->shadow_ns);
}
