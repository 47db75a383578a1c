/*
 * layout.c - a scanned workload in its host memory: the shadow ring at the
 * guest's offsets and each batch copy after it, every
 * MI_BATCH_BUFFER_START relocated to its target's copy (the address is
 * set by bind, for the window), and the parts the scheduler may run one
 * at a time.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mediator/submission/private.h"
#include "pgpu/skl-regs.h"

#define SHADOW_INITIAL_SIZE     (64u * 1024)
#define BB_START_BYTES          12          /* the scanner takes no other length */


/* Room in @w's sites and part ends for @need of each: false without memory. */
static bool grow_sites(struct vgpu_workload *w, unsigned need)
{
    struct bb_site *grown;
    uint32_t *ends;

    if (w->site_cap >= need) {
        return true;
    }
    grown = realloc(w->sites, need * sizeof(*grown));
    ends = grown ? realloc(w->part_ends, need * sizeof(*ends)) : NULL;
    if (grown) {
        w->sites = grown;
    }
    if (!ends) {
        return false;
    }
    w->part_ends = ends;
    w->site_cap = need;
    return true;
}

/* Where each batch copy goes in the workload's memory (offsets[b], b >= 1;
 * the ring's bytes go to the shadow ring at the guest's offsets): where
 * they end. */
static uint64_t place_buffers(const struct vgpu_workload *w, const struct guest_context *ctx,
                              const struct med_scan_result *res, uint64_t *offsets)
{
    uint64_t end = SHADOW_RING_OFFSET(w->engine) + ctx->ring_size;

    for (unsigned b = 1; b < res->buffer_count; b++) {
        end = med_wl_align_up(end, SHADOW_BATCH_ALIGN);
        offsets[b] = end;
        end += res->buffers[b].len + (res->buffers[b].stops ? 4 : 0);
    }
    return end;
}

/*
 * A refused scan's prefix @need bytes long where the window holds fewer:
 * the GPU stops earlier, where the window ends, still a hang on scanned
 * commands (an unterminated batch: the hardware would run on through its
 * mapping and hang later, i915_hangman@hangcheck-unterminated).  Cutting
 * one buffer X bytes shorter brings the end at least X - 63 bytes closer
 * (the buffers after it keep their alignment), so the cut asks for one
 * alignment more than the excess.  The reason says where it stops.
 */
static bool fit_prefix(struct vgpu_workload *w, struct med_scan_result *res, uint64_t need)
{
    const struct med_vgpu_exec_host *host = w->sub->config.host;
    char reason[MED_SCAN_REASON_MAX], note[MED_SCAN_REASON_MAX / 2 + 32];
    unsigned b;
    int room;

    if (!med_scan_cut_prefix(w->sub->scan, w->engine, res,
                             need - host->window_size + SHADOW_BATCH_ALIGN, &b)) {
        return false;
    }
    /* The buffer cut is the one the scanner's reason names. */
    snprintf(note, sizeof(note), "; its shadow needs %" PRIu64 " KiB up to there, the engine's "
             "window holds %" PRIu64 " KiB: cut at +0x%" PRIx64 " of that %s", need >> 10,
             host->window_size >> 10, res->buffers[b].len, b ? "batch" : "ring");
    /* The scanner's reason first (its kind), shortened if both are long. */
    room = (int)(sizeof(reason) - 1 - strlen(note));
    snprintf(reason, sizeof(reason), "%.*s%s", room, res->reason, note);
    memcpy(res->reason, reason, sizeof(reason));
    return true;
}

/* What a slot's memory of @have bytes (0: none yet) grows to for @end
 * bytes: from 64 KiB up, doubled. */
static uint64_t slot_size(uint64_t have, uint64_t end)
{
    uint64_t size = have ? have : SHADOW_INITIAL_SIZE;

    while (size < end) {
        size *= 2;
    }
    return size;
}

/*
 * @w's engine allocated its first slot memory: its other slots get theirs
 * now too, allocated, cleared and mapped with the engine's first workload,
 * of the size any workload of @ctx needs (its context image and ring), so
 * that a later workload taking one does not wait for them, as the engine
 * did for the element shadowed into a fresh slot (docs/benchmarks.md,
 * "mediator-client", "The start's first touches").  A slot still grows alone
 * when a workload's batches need more.  The memory is the vGPU's own
 * until it goes (med_host_buf_alloc() clears what it hands out, which may
 * have been another vGPU's), as a slot's always was.
 */
static void allocate_engine_slots(const struct vgpu_workload *w, const struct guest_context *ctx)
{
    struct engine_queue *eq = &w->sub->engines[w->engine];
    uint64_t size = slot_size(0, SHADOW_RING_OFFSET(w->engine) + ctx->ring_size);

    for (unsigned i = 0; i < MED_WL_SLOTS; i++) {
        struct vgpu_workload *x = &eq->slots[i];

        if (x != w && !x->mem.size &&
            med_host_buf_alloc(w->sub->config.host->host_mem, size, &x->mem)) {
            return;     /* no memory now: that slot allocates its own when used */
        }
    }
}

static bool layout(struct vgpu_workload *w, const struct guest_context *ctx,
                   struct med_scan_result *res, uint64_t *offsets)
{
    const struct med_vgpu_exec_host *host = w->sub->config.host;
    uint64_t end = place_buffers(w, ctx, res, offsets);

    if (end > host->window_size && res->prefix && fit_prefix(w, res, end)) {
        end = place_buffers(w, ctx, res, offsets);
        assert(end <= host->window_size);
    }
    med_wl_loops_plan(w, res, &end);
    if (end > host->window_size) {
        /* A refused scan's prefix that does not fit even cut: refused whole, for its scan. */
        if (res->prefix) {
            med_wl_reject(w, "scan: %s; up to there its ring and batches need %" PRIu64 " KiB of "
                          "shadow memory, the engine's window holds %" PRIu64 " KiB",
                          res->reason, end >> 10, host->window_size >> 10);
        } else {
            med_wl_reject(w, "its ring and batches need %" PRIu64 " KiB of shadow memory, the "
                          "engine's window holds %" PRIu64 " KiB", end >> 10,
                          host->window_size >> 10);
        }
        return false;
    }
    if (w->mem.size < end) {
        bool first = !w->mem.size;
        uint64_t size = slot_size(w->mem.size, end);

        med_host_buf_free(host->host_mem, &w->mem);
        if (med_host_buf_alloc(host->host_mem, size, &w->mem)) {
            med_wl_reject(w, "no host memory for its shadow (%" PRIu64 " KiB)", size >> 10);
            return false;
        }
        if (first) {
            allocate_engine_slots(w, ctx);
        }
    }
    w->used = end;
    return true;
}

/*
 * A part per batch the ring starts: a part ends where the ring's next
 * MI_BATCH_BUFFER_START begins, or else where the one before it ends
 * (i915 puts them at odd dwords, and a context's tail must be 8-byte
 * aligned), only ever at a command boundary the scanner decoded.
 */
static void split_parts(struct vgpu_workload *w, const struct guest_context *ctx,
                        const struct med_scan_result *res)
{
    uint32_t len = (w->tail - w->head + ctx->ring_size) % ctx->ring_size;
    uint64_t last = 0, prev_end = 0;    /* distances from head; 0: none */
    unsigned parts = 1;

    for (unsigned i = 0; i < res->bb_start_count; i++) {
        const struct med_scan_bb_start *site = &res->bb_starts[i];
        uint64_t split;

        if (site->buffer) {
            continue;
        }
        split = (w->head + site->offset) % 8 == 0 ? site->offset :
                prev_end && (w->head + prev_end) % 8 == 0 ? prev_end : 0;
        prev_end = site->offset + BB_START_BYTES;
        if (split > last && split < len) {
            w->part_ends[parts++ - 1] = (uint32_t)((w->head + split) % ctx->ring_size);
            last = split;
        }
    }
    w->sched.parts = parts;
}

bool med_wl_layout_append(struct vgpu_workload *w, const struct vgpu_workload *x, bool running)
{
    const struct med_vgpu_exec_host *host = w->sub->config.host;
    /* where place_buffers() put @x's first batch copy, and where it goes in @w */
    uint64_t from = med_wl_align_up(SHADOW_RING_OFFSET(x->engine) + x->ring_size,
                                    SHADOW_BATCH_ALIGN);
    uint64_t to = med_wl_align_up(w->used, SHADOW_BATCH_ALIGN);
    uint64_t end = to + (x->used > from ? x->used - from : 0);
    unsigned parts = w->sched.parts + x->sched.parts, sites = w->site_count + x->site_count;
    unsigned need = (parts > sites ? parts : sites) + 2 * LOOP_TRAPS_MAX;
    uint8_t *ring_to, *ring_from;
    uint32_t len = (x->ring_tail - x->head + x->ring_size) % x->ring_size;

    /* Both in one ring from @w's head: @x's bytes past a full turn would
     * land on @w's own (ones the engine may not have run yet, mid-command
     * for either's scan), and @w's parts are distances from its head. */
    if ((w->tail - w->head + w->ring_size) % w->ring_size + len >= w->ring_size ||
        end > host->window_size || (running && w->mem.size < end)) {
        return false;
    }
    if (!grow_sites(w, need)) {
        return false;
    }
    if (w->mem.size < end) {
        struct med_host_buf grown;
        uint64_t size = w->mem.size;

        while (size < end) {
            size *= 2;
        }
        if (med_host_buf_alloc(host->host_mem, size, &grown)) {
            return false;
        }
        memcpy(grown.map, w->mem.map, w->used);
        med_host_buf_free(host->host_mem, &w->mem);
        w->mem = grown;
    }
    /* Its ring's bytes, up to its RING_TAIL, at the same offsets (it may wrap). */
    ring_to = (uint8_t *)w->mem.map + SHADOW_RING_OFFSET(w->engine);
    ring_from = (uint8_t *)x->mem.map + SHADOW_RING_OFFSET(x->engine);
    for (uint32_t done = 0; done < len;) {
        uint32_t at = (x->head + done) % x->ring_size;
        uint32_t n = len - done < x->ring_size - at ? len - done : x->ring_size - at;

        memcpy(ring_to + at, ring_from + at, n);
        done += n;
    }
    memcpy((uint8_t *)w->mem.map + to, (const uint8_t *)x->mem.map + from, end - to);
    for (unsigned i = 0; i < x->site_count; i++) {
        struct bb_site site = x->sites[i];

        /* in the ring: where it was; in a batch copy: moved with it */
        site.addr_lo += site.addr_lo >= from ? (uint32_t)(to - from) : 0;
        site.addr_hi += site.addr_hi >= from ? (uint32_t)(to - from) : 0;
        site.target += (uint32_t)(to - from);
        w->sites[w->site_count++] = site;
    }
    w->joins[w->join_count++] = (struct wl_join){ .taken = w->taken_count, .copies = to };
    w->part_ends[w->sched.parts - 1] = w->tail;
    memcpy(&w->part_ends[w->sched.parts], x->part_ends, (x->sched.parts - 1) * sizeof(uint32_t));
    w->sched.parts = parts;
    w->used = end;
    return true;
}

unsigned med_wl_part_at(const struct med_sched_workload *sw, uint32_t ring_head)
{
    const struct vgpu_workload *w = (const struct vgpu_workload *)sw;
    uint32_t at = (ring_head - w->head + w->ring_size) % w->ring_size;
    unsigned lo = 0, hi = sw->parts - 1;

    /* The first part whose end is past @at (a part's end is where the next
     * one begins; the last ends at the tail), by bisection: the ends grow
     * from the head, and the scheduler asks on its timer while it follows
     * a workload of hundreds of parts (a linear walk was 7k instructions a
     * call for 744 parts). */
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;

        if ((w->part_ends[mid] - w->head + w->ring_size) % w->ring_size <= at) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* Each MI_BATCH_BUFFER_START becomes a GGTT start (its address is set by
 * bind) of its target's copy; remember where its address dwords land. */
static bool record_batch_starts(struct vgpu_workload *w, const struct guest_context *ctx,
                                const struct med_scan_result *res, const uint64_t *offsets)
{
    unsigned need = res->bb_start_count + 2 * LOOP_TRAPS_MAX;

    if (!grow_sites(w, need)) {
        med_wl_reject(w, "no host memory for its batch starts");
        return false;
    }
    for (unsigned i = 0; i < res->bb_start_count; i++) {
        const struct med_scan_bb_start *site = &res->bb_starts[i];
        /* The copies are ours (the ring copy and scan_fetch's buffers). */
        uint32_t *cmd = (uint32_t *)((uint8_t *)res->buffers[site->buffer].host + site->offset);
        uint32_t trampoline = med_wl_loop_trampoline(w, res, site);
        uint64_t dw[2];

        cmd[0] &= ~MI_BB_PPGTT;
        for (unsigned k = 0; k < 2; k++) {
            uint64_t at = site->offset + 4 * (k + 1);

            dw[k] = site->buffer ? offsets[site->buffer] + at
                                 : SHADOW_RING_OFFSET(w->engine) + (w->head + at) % ctx->ring_size;
        }
        w->sites[i] = (struct bb_site){ .addr_lo = (uint32_t)dw[0], .addr_hi = (uint32_t)dw[1],
                                        .target = trampoline ? trampoline
                                                  : (uint32_t)(offsets[site->target] +
                                                               site->target_offset) };
    }
    w->site_count = res->bb_start_count;
    med_wl_loops_build(w, res, offsets);
    split_parts(w, ctx, res);
    return true;
}

static void place_ring(struct vgpu_workload *w, const struct guest_context *ctx, uint32_t len)
{
    uint8_t *ring = (uint8_t *)w->mem.map + SHADOW_RING_OFFSET(w->engine);
    uint32_t first = len < ctx->ring_size - w->head ? len : ctx->ring_size - w->head;

    memcpy(ring + w->head, w->sub->ring_copy, first);
    memcpy(ring, w->sub->ring_copy + first, len - first);
    if (w->ring_tail != w->tail) {
        *(uint32_t *)(ring + w->tail) = 0;      /* MI_NOOP up to the qword */
    }
}

/* The GPU stops at the end of each buffer of a refused scan's path
 * (med_scan_result.prefix): nothing after the cut runs. */
static void place_stops(struct vgpu_workload *w, const struct guest_context *ctx,
                        const struct med_scan_result *res, const uint64_t *offsets)
{
    uint8_t *mem = w->mem.map;

    for (unsigned b = 0; b < res->buffer_count; b++) {
        const struct med_scan_buffer *buf = &res->buffers[b];
        uint64_t at = b ? offsets[b] + buf->len
                        : SHADOW_RING_OFFSET(w->engine) + (w->head + buf->len) % ctx->ring_size;

        if (buf->stops) {
            *(uint32_t *)(mem + at) = SHADOW_STOP_DW;
        }
    }
}


bool med_wl_layout(struct vgpu_workload *w, const struct guest_context *ctx,
                   struct med_scan_result *res, uint32_t len)
{
    uint64_t *offsets = calloc(res->buffer_count, sizeof(*offsets));
    bool ok;

    if (!offsets) {
        med_wl_reject(w, "no host memory for the batch layout");
        return false;
    }
    ok = layout(w, ctx, res, offsets) && record_batch_starts(w, ctx, res, offsets);
    if (ok) {
        place_ring(w, ctx, len);
        for (unsigned b = 1; b < res->buffer_count; b++) {
            memcpy((uint8_t *)w->mem.map + offsets[b], res->buffers[b].host, res->buffers[b].len);
        }
        place_stops(w, ctx, res, offsets);
    }
    free(offsets);
    return ok;
}
