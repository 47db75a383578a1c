/*
 * workload.c - shadowing, submission and completion of a vGPU's workloads
 * (see workload.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mediator/workload.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gtt/ppgtt-set.h"
#include "gtt/ppgtt-shadow.h"
#include "mediator/invariants.h"
#include "mediator/protocol.h"
#include "pgpu/skl-regs.h"

/* Layout of a workload's host memory, bound at a GGTT window of its engine
 * when dispatched (the window of the ELSP port it goes to). */
#define SHADOW_CTX_SIZE         (2 * PGPU_PAGE_SIZE)    /* PPHWSP + register state */
#define SHADOW_RING_OFFSET      SHADOW_CTX_SIZE
#define SHADOW_BATCH_ALIGN      64
#define SHADOW_INITIAL_SIZE     (64u * 1024)
#define FETCH_CHUNK_SIZE        (2u << 20)

/* Scan limits: hostile batches cost bounded work and host memory. */
#define SCAN_MAX_BATCH_BYTES    (1u << 20)
#define SCAN_MAX_TOTAL_BYTES    (8u << 20)
#define SCAN_MAX_BATCHES        1024    /* a full ring of small requests */

/* Register state page dwords the shadow context replaces (contract 6.5). */
#define CTX_BB_STATE_FIRST_DW   13      /* batch addresses and states: dw 13..23 odd */
#define CTX_BB_STATE_LAST_DW    23
#define CTX_BB_PER_CTX_PTR_DW   25
#define CTX_INDIRECT_CTX_DW     27
#define CTX_PDP_FIRST_DW        37      /* PDP3..PDP0 values: dw 37..51 odd */
#define CTX_POWER_CLK_STATE_DW  67
#define CTX_ENGINE_STATE_DW     83      /* 44 saved engine registers: dw 83..169 odd */
#define CTX_ENGINE_STATE_COUNT  44

#define NO_TAIL                 UINT32_MAX  /* the image was unreadable at SUBMIT */
#define BB_START_BYTES          12          /* the scanner takes no other length */

enum workload_state {
    WL_FREE,
    WL_QUEUED,                  /* with the scheduler */
    WL_FINISHED,                /* result known, waiting for earlier elements */
};

struct vgpu_workload {
    struct med_sched_workload sched;    /* first: the scheduler's view */
    struct vgpu_submission *sub;
    enum pgpu_engine engine;
    enum workload_state state;
    uint32_t event;             /* MED_EVENT_* once finished; 0: dropped */
    uint64_t guest_desc;
    /* Later elements of the same context that were waiting behind it and
     * run as part of it (their tails are covered): reported with it. */
    uint64_t merged_desc[MED_WL_MERGE_MAX];
    unsigned merged_count;
    uint64_t lrca;              /* the guest context image, GGTT */
    uint32_t head, tail;        /* ring offsets, guest = shadow */
    uint32_t submitted_tail;    /* the tail the guest published for this element */
    uint32_t ring_size;
    uint64_t received_ns, shadow_ns, scan_ns;
    struct med_host_buf mem;    /* context, ring, batches (kept across workloads) */
    uint64_t used;              /* bytes of mem this workload uses */
    uint64_t window;            /* the GGTT window it was last bound at */
    bool user_interrupt;        /* the scan found an MI_USER_INTERRUPT */
    /* The PPGTT version the scan checked, pinned while the GPU may walk it. */
    struct vgpu_ppgtt_shadow *ppgtt;
    uint64_t ppgtt_pin;
    /* Every MI_BATCH_BUFFER_START: where its address dwords are in mem and
     * the offset of its target's copy; filled in by bind for the window. */
    struct bb_site {
        uint32_t addr_lo, addr_hi;
        uint32_t target;
    } *sites;
    unsigned site_count, site_cap;
    /* Ring offsets where its parts end (all but the last, which ends at
     * tail): the scheduler dispatches a long workload a slice at a time. */
    uint32_t *part_ends;
};

struct engine_queue {
    struct med_sched_entity entity;
    struct vgpu_workload slots[MED_WL_SLOTS];
    unsigned order[MED_WL_SLOTS];       /* slot indices, oldest first */
    unsigned in_flight;
    struct pending_element {
        uint64_t desc;
        uint64_t received_ns;
        uint32_t tail;          /* the image's RING_TAIL at SUBMIT, or NO_TAIL */
    } pending[MED_WL_PENDING_MAX];
    unsigned pending_first, pending_count;
    bool dropping;              /* a reset is under way: nothing is reported */
    bool failing;               /* the guard stops the vGPU: cancelled ones end as hangs */
};

struct vgpu_submission {
    struct vgpu_submission_config config;
    struct med_scan *scan;
    struct med_page_pool *pool;
    struct med_ppgtt_set *ppgtts;
    bool ggtt_unchecked;        /* host GGTT written since the invariant check read it */
    struct engine_queue engines[PGPU_NUM_ENGINES];
    /* Batch copies of the scan in progress, bump-allocated from chunks;
     * the first (2 MiB) is kept across scans: a malloc and free per batch
     * cost about 500 instructions (callgrind), a third of its fetch. */
    struct fetch_chunk {
        uint8_t *base;
        uint64_t size, used;
    } *chunks;
    unsigned chunk_count, chunk_cap;
    uint8_t *ring_copy;         /* the ring [head, tail), unwrapped */
    uint32_t ring_copy_cap;
    struct vgpu_exec_stats stats;
    struct med_sched_share share;       /* the scheduler reads it at each pick */
};

static const char *const engine_names[PGPU_NUM_ENGINES] = { "rcs", "bcs", "vcs", "vecs" };

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

uint64_t med_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* An element of @engine refused before the GPU: counted, logged, told to
 * the guard. */
static void count_rejection(struct vgpu_submission *sub, enum pgpu_engine engine, uint64_t desc,
                            const char *why)
{
    char line[MED_SCAN_REASON_MAX + 160];

    snprintf(line, sizeof(line), "%s element 0x%016" PRIx64 " rejected: %s",
             engine_names[engine], desc, why);
    sub->stats.rejected++;
    sub->config.host->totals->rejected++;
    sub->config.guest_error(sub->config.opaque, line);
    sub->config.adverse_event(sub->config.opaque, MED_GUARD_REJECTION);
}

static void reject(struct vgpu_workload *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void reject(struct vgpu_workload *w, const char *fmt, ...)
{
    char why[MED_SCAN_REASON_MAX + 64];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    count_rejection(w->sub, w->engine, w->guest_desc, why);
    w->state = WL_FINISHED;
    w->event = MED_EVENT_REJECTED;
}

/* ---- PPGTT shadows ---- */

static const void *ppgtt_guest_page(void *opaque, uint64_t gpa)
{
    const struct vgpu_submission *sub = opaque;

    return vgpu_gpa_to_host(&sub->config.mem, gpa, PGPU_PAGE_SIZE);
}

/* Shadow tables of all the vGPU's PPGTTs together stay within a budget. */
static void *ppgtt_table_alloc(void *opaque, uint64_t *bus)
{
    struct vgpu_submission *sub = opaque;

    if (med_page_pool_in_use(sub->pool) >= MED_WL_PPGTT_TABLES_MAX) {
        return NULL;
    }
    return med_page_alloc(sub->pool, bus);
}

static void ppgtt_table_free(void *opaque, void *page, uint64_t bus)
{
    struct vgpu_submission *sub = opaque;

    med_page_free(sub->pool, page, bus);
}

static const struct vgpu_ppgtt_mem_ops ppgtt_mem_ops = {
    .guest_page = ppgtt_guest_page,
    .table_alloc = ppgtt_table_alloc,
    .table_free = ppgtt_table_free,
};

/* Count what a build or sync found wrong in the guest's tables. */
static void ppgtt_account(struct vgpu_submission *sub, const struct vgpu_ppgtt_shadow *shadow,
                          uint64_t bad_before)
{
    const struct vgpu_ppgtt_shadow_stats *st = vgpu_ppgtt_shadow_stats(shadow);
    char line[160];

    if (st->bad_entries == bad_before) {
        return;
    }
    sub->stats.ppgtt_bad_entries += st->bad_entries - bad_before;
    sub->config.host->totals->ppgtt_bad_entries += st->bad_entries - bad_before;
    snprintf(line, sizeof(line), "PPGTT 0x%" PRIx64 ": %" PRIu64 " entries name no guest RAM "
             "or a huge page (e.g. 0x%" PRIx64 "): not mapped or the scratch page",
             vgpu_ppgtt_shadow_root_gpa(shadow), st->bad_entries - bad_before,
             st->last_bad_entry);
    sub->config.guest_error(sub->config.opaque, line);
}

int vgpu_submission_ppgtt_create(struct vgpu_submission *sub, uint64_t root_gpa,
                                 const char **problem)
{
    return med_ppgtt_set_add(sub->ppgtts, root_gpa, problem);
}

int vgpu_submission_ppgtt_destroy(struct vgpu_submission *sub, uint64_t root_gpa,
                                  const char **problem)
{
    return med_ppgtt_set_remove(sub->ppgtts, root_gpa, problem);
}

/* ---- scanner callbacks ---- */

/* In the partition is not enough: a page whose entry the guest left not
 * present or invalid is the vGPU's scratch page, refused as the PPGTT's is.
 * The host GGTT was synced for this workload before the scan. */
static bool scan_ggtt_range_ok(void *opaque, uint64_t gma, uint64_t len)
{
    const struct vgpu_submission *sub = opaque;

    return len && vgpu_ggtt_shadow_mapped_bytes(sub->config.ggtt, gma, len) == len;
}

#define PPGTT_SPACE     (1ull << 48)

/* The shadow does not change during a scan (it is synced before), as the
 * scanner's reuse of good pages needs. */
static bool scan_ppgtt_range_ok(void *opaque, void *ppgtt, uint64_t gma, uint64_t len)
{
    gma &= PPGTT_SPACE - 1;     /* the scanner checked the canonical form */
    return len && len <= PPGTT_SPACE - gma && vgpu_ppgtt_shadow_range_mapped(ppgtt, gma, len);
}

/* Copy what the shadow PPGTT maps at @gma, page by page, up to @len bytes. */
static uint64_t ppgtt_copy(const struct vgpu_submission *sub, const struct vgpu_ppgtt_shadow *ppgtt,
                           uint64_t gma, uint8_t *dst, uint64_t len)
{
    uint64_t done = 0;

    while (done < len) {
        uint64_t at = (gma + done) & (PPGTT_SPACE - 1);
        uint64_t in_page = PGPU_PAGE_SIZE - (at & (PGPU_PAGE_SIZE - 1));
        uint64_t n = len - done < in_page ? len - done : in_page;
        uint64_t gpa;
        const uint8_t *src;

        if (!vgpu_ppgtt_shadow_translate(ppgtt, at, &gpa) ||
            !(src = vgpu_gpa_to_host(&sub->config.mem, gpa, PGPU_PAGE_SIZE))) {
            break;
        }
        memcpy(dst + done, src + (at & (PGPU_PAGE_SIZE - 1)), n);
        done += n;
    }
    return done;
}

static void *fetch_alloc(struct vgpu_submission *sub, uint64_t size)
{
    struct fetch_chunk *c = sub->chunk_count ? &sub->chunks[sub->chunk_count - 1] : NULL;

    size = align_up(size ? size : 1, SHADOW_BATCH_ALIGN);
    if (!c || c->size - c->used < size) {
        if (sub->chunk_count == sub->chunk_cap) {
            unsigned cap = sub->chunk_cap ? 2 * sub->chunk_cap : 4;
            struct fetch_chunk *grown = realloc(sub->chunks, cap * sizeof(*grown));

            if (!grown) {
                return NULL;
            }
            sub->chunks = grown;
            sub->chunk_cap = cap;
        }
        c = &sub->chunks[sub->chunk_count];
        c->size = size > FETCH_CHUNK_SIZE ? size : FETCH_CHUNK_SIZE;
        c->used = 0;
        c->base = malloc(c->size);
        if (!c->base) {
            return NULL;
        }
        sub->chunk_count++;
    }
    c->used += size;
    return c->base + c->used - size;
}

static const void *scan_fetch(void *opaque, void *ppgtt, enum med_scan_space space,
                              uint64_t gma, uint64_t max_len, uint64_t *len)
{
    struct vgpu_submission *sub = opaque;
    uint8_t *copy = fetch_alloc(sub, max_len);

    *len = 0;
    if (!copy) {
        return NULL;
    }
    /* A GGTT batch ends where the host GGTT stops mapping guest RAM, as
     * every GGTT access the scanner admits. */
    *len = space == MED_SCAN_GGTT
           ? vgpu_ggtt_copy(&sub->config.mem, gma, copy,
                            vgpu_ggtt_shadow_mapped_bytes(sub->config.ggtt, gma, max_len))
           : ppgtt_copy(sub, ppgtt, gma, copy, max_len);
    return copy;
}

/* Forget the scan's copies; keep the first chunk. */
static void fetched_free(struct vgpu_submission *sub)
{
    while (sub->chunk_count > 1) {
        free(sub->chunks[--sub->chunk_count].base);
    }
    if (sub->chunk_count) {
        sub->chunks[0].used = 0;
    }
}

static const struct med_scan_ops scan_ops = {
    .ggtt_range_ok = scan_ggtt_range_ok,
    .ppgtt_range_ok = scan_ppgtt_range_ok,
    .fetch = scan_fetch,
};

/* ---- shadowing ---- */

/* What the workload needs from the guest's context image. */
struct guest_context {
    uint32_t state[PGPU_PAGE_SIZE / 4];     /* the register state page, copied */
    uint64_t ring_start;
    uint32_t ring_size, ring_ctl;
    struct vgpu_ppgtt_shadow *ppgtt;
};

static bool read_context(struct vgpu_workload *w, struct guest_context *ctx)
{
    struct vgpu_submission *sub = w->sub;
    const struct vgpu_mem *mem = &sub->config.mem;
    uint32_t lo = (uint32_t)w->guest_desc;
    uint64_t pml4;

    if (!(lo & CTX_DESC_VALID) || !(lo & CTX_DESC_PRIVILEGE) ||
        (lo >> CTX_DESC_ADDRESSING_SHIFT & 3) != CTX_ADDRESSING_LEGACY_64B) {
        reject(w, "the descriptor is not a valid privileged 4-level PPGTT context "
               "(valid, bit 8, addressing mode 3)");
        return false;
    }
    if (vgpu_ggtt_copy(mem, w->lrca + LRC_STATE_OFFSET, ctx->state, PGPU_PAGE_SIZE) !=
        PGPU_PAGE_SIZE) {
        reject(w, "the context image at GGTT 0x%" PRIx64 " is not mapped guest RAM in the "
               "vGPU's partition", w->lrca);
        return false;
    }
    ctx->ring_ctl = ctx->state[CTX_RING_CTL_DW];
    ctx->ring_start = ctx->state[CTX_RING_START_DW];
    ctx->ring_size = RING_CTL_PAGES(ctx->ring_ctl) * PGPU_PAGE_SIZE;
    if (!(ctx->ring_ctl & RING_CTL_VALID) || ctx->ring_start & (PGPU_PAGE_SIZE - 1) ||
        !vgpu_gma_in_partition(mem, ctx->ring_start, ctx->ring_size)) {
        reject(w, "ring start 0x%" PRIx64 " / control 0x%" PRIx32 " is not a valid ring in "
               "the vGPU's partition", ctx->ring_start, ctx->ring_ctl);
        return false;
    }
    pml4 = ((uint64_t)ctx->state[CTX_PDP_UDW_DW(0)] << 32 | ctx->state[CTX_PDP_LDW_DW(0)]) &
           MED_PPGTT_PTE_ADDR_MASK;
    ctx->ppgtt = med_ppgtt_set_find(sub->ppgtts, pml4);
    if (!ctx->ppgtt) {
        reject(w, "its PPGTT root 0x%" PRIx64 " was not announced (PVINFO create)", pml4);
        return false;
    }
    return true;
}

/* The newest unretired workload of the same context on this engine, if any. */
static const struct vgpu_workload *previous_of_context(const struct engine_queue *eq,
                                                       const struct vgpu_workload *w)
{
    for (unsigned i = eq->in_flight; i-- > 0;) {
        const struct vgpu_workload *prev = &eq->slots[eq->order[i]];

        /* A rejected element's guest resets the context: its HEAD is the guest's. */
        if (prev != w && prev->lrca == w->lrca && prev->event != MED_EVENT_REJECTED &&
            (prev->state == WL_QUEUED || prev->event == MED_EVENT_DONE)) {
            return prev;
        }
    }
    return NULL;
}

/* Copy the ring's [head, tail) into sub->ring_copy, unwrapped. */
static bool copy_ring(struct vgpu_workload *w, const struct guest_context *ctx, uint32_t len)
{
    struct vgpu_submission *sub = w->sub;
    uint32_t first = len < ctx->ring_size - w->head ? len : ctx->ring_size - w->head;

    if (sub->ring_copy_cap < len) {
        uint8_t *grown = realloc(sub->ring_copy, ctx->ring_size);

        if (!grown) {
            reject(w, "no host memory for the ring copy");
            return false;
        }
        sub->ring_copy = grown;
        sub->ring_copy_cap = ctx->ring_size;
    }
    if (vgpu_ggtt_copy(&sub->config.mem, ctx->ring_start + w->head, sub->ring_copy, first) !=
        first ||
        vgpu_ggtt_copy(&sub->config.mem, ctx->ring_start, sub->ring_copy + first,
                       len - first) != len - first) {
        reject(w, "ring [0x%" PRIx32 ", 0x%" PRIx32 ") of the ring at 0x%" PRIx64
               " is not mapped guest RAM", w->head, w->tail, ctx->ring_start);
        return false;
    }
    return true;
}

/* Where each batch copy goes in the workload's memory (offsets[b], b >= 1;
 * the ring's bytes go to the shadow ring at the guest's offsets). */
static bool layout(struct vgpu_workload *w, const struct guest_context *ctx,
                   const struct med_scan_result *res, uint64_t *offsets)
{
    const struct vgpu_exec_host *host = w->sub->config.host;
    uint64_t end = SHADOW_RING_OFFSET + ctx->ring_size;

    for (unsigned b = 1; b < res->buffer_count; b++) {
        end = align_up(end, SHADOW_BATCH_ALIGN);
        offsets[b] = end;
        end += res->buffers[b].len;
    }
    if (end > host->window_size) {
        reject(w, "its ring and batches need %" PRIu64 " KiB of shadow memory, the engine's "
               "window holds %" PRIu64 " KiB", end >> 10, host->window_size >> 10);
        return false;
    }
    if (w->mem.size < end) {
        uint64_t size = w->mem.size ? w->mem.size : SHADOW_INITIAL_SIZE;

        while (size < end) {
            size *= 2;
        }
        med_host_buf_free(host->host_mem, &w->mem);
        if (med_host_buf_alloc(host->host_mem, size, &w->mem)) {
            reject(w, "no host memory for its shadow (%" PRIu64 " KiB)", size >> 10);
            return false;
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

/* Each MI_BATCH_BUFFER_START becomes a GGTT start (its address is set by
 * bind) of its target's copy; remember where its address dwords land. */
static bool record_batch_starts(struct vgpu_workload *w, const struct guest_context *ctx,
                                const struct med_scan_result *res, const uint64_t *offsets)
{
    if (w->site_cap < res->bb_start_count) {
        struct bb_site *grown = realloc(w->sites, res->bb_start_count * sizeof(*grown));
        uint32_t *ends = grown ? realloc(w->part_ends, res->bb_start_count * sizeof(*ends)) : NULL;

        if (grown) {
            w->sites = grown;
        }
        if (!ends) {
            reject(w, "no host memory for its batch starts");
            return false;
        }
        w->part_ends = ends;
        w->site_cap = res->bb_start_count;
    }
    for (unsigned i = 0; i < res->bb_start_count; i++) {
        const struct med_scan_bb_start *site = &res->bb_starts[i];
        /* The copies are ours (the ring copy and scan_fetch's buffers). */
        uint32_t *cmd = (uint32_t *)((uint8_t *)res->buffers[site->buffer].host + site->offset);
        uint64_t dw[2];

        cmd[0] &= ~MI_BB_PPGTT;
        for (unsigned k = 0; k < 2; k++) {
            uint64_t at = site->offset + 4 * (k + 1);

            dw[k] = site->buffer ? offsets[site->buffer] + at
                                 : SHADOW_RING_OFFSET + (w->head + at) % ctx->ring_size;
        }
        w->sites[i] = (struct bb_site){ .addr_lo = (uint32_t)dw[0], .addr_hi = (uint32_t)dw[1],
                                        .target = (uint32_t)offsets[site->target] };
    }
    w->site_count = res->bb_start_count;
    split_parts(w, ctx, res);
    return true;
}

static void place_ring(struct vgpu_workload *w, const struct guest_context *ctx, uint32_t len)
{
    uint8_t *ring = (uint8_t *)w->mem.map + SHADOW_RING_OFFSET;
    uint32_t first = len < ctx->ring_size - w->head ? len : ctx->ring_size - w->head;

    memcpy(ring + w->head, w->sub->ring_copy, first);
    memcpy(ring, w->sub->ring_copy + first, len - first);
}

/* The shadow context: the guest's register state with host addresses. */
static void build_context(struct vgpu_workload *w, const struct guest_context *ctx)
{
    uint32_t *state = (uint32_t *)((uint8_t *)w->mem.map + LRC_STATE_OFFSET);
    uint64_t root = vgpu_ppgtt_shadow_root_bus(ctx->ppgtt);

    memset(w->mem.map, 0, LRC_STATE_OFFSET);
    memcpy(state, ctx->state, PGPU_PAGE_SIZE);
    /* Saving must happen: the engine state is written back to the guest. */
    state[CTX_CONTEXT_CONTROL_DW] = (state[CTX_CONTEXT_CONTROL_DW] & ~CTX_CTRL_SAVE_INHIBIT) |
                                    SKL_MASKED_DISABLE(CTX_CTRL_SAVE_INHIBIT);
    state[CTX_RING_HEAD_DW] = w->head;
    state[CTX_RING_TAIL_DW] = w->tail;
    state[CTX_RING_START_DW] = 0;   /* in the window it is bound at */
    state[CTX_RING_CTL_DW] = ctx->ring_ctl;
    /* The ring level starts afresh; no per-context or indirect batches run. */
    for (unsigned dw = CTX_BB_STATE_FIRST_DW; dw <= CTX_BB_STATE_LAST_DW; dw += 2) {
        state[dw] = 0;
    }
    state[CTX_BB_PER_CTX_PTR_DW] = 0;
    state[CTX_INDIRECT_CTX_DW] = 0;
    for (unsigned dw = CTX_PDP_FIRST_DW; dw <= CTX_PDP_LDW_DW(0); dw += 2) {
        state[dw] = 0;
    }
    state[CTX_PDP_UDW_DW(0)] = (uint32_t)(root >> 32);
    state[CTX_PDP_LDW_DW(0)] = (uint32_t)root;
}

/* Turn @w's element into a queued workload, or reject it. */
static void shadow(struct vgpu_workload *w)
{
    struct vgpu_submission *sub = w->sub;
    struct engine_queue *eq = &sub->engines[w->engine];
    const struct vgpu_workload *prev;
    struct guest_context ctx;
    struct med_scan_result res;
    enum med_scan_verdict verdict;
    uint64_t start = med_now_ns(), scan_start, bad_before, *offsets;
    uint32_t len;
    int synced;

    if (!read_context(w, &ctx)) {
        return;
    }
    if (w->submitted_tail == NO_TAIL) {
        reject(w, "its context image was not mapped when it was submitted");
        return;
    }
    prev = previous_of_context(eq, w);
    w->head = prev ? prev->tail : ctx.state[CTX_RING_HEAD_DW] & RING_HEAD_ADDR_MASK;
    w->tail = w->submitted_tail & RING_TAIL_ADDR_MASK;
    w->ring_size = ctx.ring_size;
    if (w->head >= ctx.ring_size || w->tail >= ctx.ring_size) {
        reject(w, "ring head 0x%" PRIx32 " or tail 0x%" PRIx32 " is outside its %" PRIu32
               "-byte ring", w->head, w->tail, ctx.ring_size);
        return;
    }
    len = (w->tail - w->head + ctx.ring_size) % ctx.ring_size;
    if (!len) {
        sub->stats.empty++;
        sub->config.host->totals->empty++;
        w->state = WL_FINISHED;
        w->event = MED_EVENT_DONE;
        return;
    }
    /* Once per workload that reaches the GPU (its elements' SUBMITs have
     * all arrived; an empty or rejected element needs none: the checks
     * above read the guest's table, not the host's). */
    if (sub->config.sync_ggtt(sub->config.opaque)) {
        sub->ggtt_unchecked = true;
    }
    bad_before = vgpu_ppgtt_shadow_stats(ctx.ppgtt)->bad_entries;
    synced = med_ppgtt_set_sync(sub->ppgtts, ctx.ppgtt);
    ppgtt_account(sub, ctx.ppgtt, bad_before);
    if (synced) {
        reject(w, "its PPGTT 0x%" PRIx64 " cannot be shadowed: the vGPU's %u page-table "
               "pages are all in use", vgpu_ppgtt_shadow_root_gpa(ctx.ppgtt),
               MED_WL_PPGTT_TABLES_MAX);
        return;
    }
    if (!copy_ring(w, &ctx, len)) {
        return;
    }
    scan_start = med_now_ns();
    verdict = med_scan(sub->scan, &(struct med_scan_request) {
        .engine = w->engine, .commands = sub->ring_copy, .len = len,
        .gma = ctx.ring_start + w->head, .ppgtt = ctx.ppgtt,
    }, &res);
    w->scan_ns = med_now_ns() - scan_start;
    offsets = verdict == MED_SCAN_OK ? calloc(res.buffer_count, sizeof(*offsets)) : NULL;
    if (verdict != MED_SCAN_OK) {
        reject(w, "scan: %s", res.reason);
    } else if (!offsets) {
        reject(w, "no host memory for the batch layout");
    } else if (layout(w, &ctx, &res, offsets) && record_batch_starts(w, &ctx, &res, offsets)) {
        place_ring(w, &ctx, len);
        for (unsigned b = 1; b < res.buffer_count; b++) {
            memcpy((uint8_t *)w->mem.map + offsets[b], res.buffers[b].host, res.buffers[b].len);
        }
        build_context(w, &ctx);
        w->user_interrupt = res.user_interrupt;
        w->ppgtt = ctx.ppgtt;
        w->ppgtt_pin = vgpu_ppgtt_shadow_pin(ctx.ppgtt);
        w->state = WL_QUEUED;
    }
    free(offsets);
    fetched_free(sub);
    w->shadow_ns = med_now_ns() - start - w->scan_ns;
    if (w->state == WL_QUEUED) {
        med_sched_submit(sub->config.host->sched, &eq->entity, &w->sched);
    }
}

/* ---- completion ---- */

/* What the guest reads back from its context image (contract 6.5). */
static void write_back(struct vgpu_workload *w)
{
    const uint32_t *shadow;
    uint32_t *guest = (uint32_t *)vgpu_ggtt_page(&w->sub->config.mem, w->lrca + LRC_STATE_OFFSET);

    if (!guest) {
        return;     /* the guest unmapped its own image meanwhile: its loss */
    }
    __atomic_store_n(&guest[CTX_RING_HEAD_DW], w->tail, __ATOMIC_RELEASE);
    if (!w->sched.dispatched_ns) {
        return;     /* nothing ran (head == tail): no saved state */
    }
    shadow = (const uint32_t *)((uint8_t *)w->mem.map + LRC_STATE_OFFSET);
    guest[CTX_TIMESTAMP_DW] = shadow[CTX_TIMESTAMP_DW];
    guest[CTX_POWER_CLK_STATE_DW] = shadow[CTX_POWER_CLK_STATE_DW];
    for (unsigned i = 0; i < CTX_ENGINE_STATE_COUNT; i++) {
        guest[CTX_ENGINE_STATE_DW + 2 * i] = shadow[CTX_ENGINE_STATE_DW + 2 * i];
    }
}

static void account_times(struct vgpu_workload *w, uint64_t completion_ns)
{
    struct vgpu_exec_times *t[] = { &w->sub->stats.times, &w->sub->config.host->totals->times };

    for (unsigned i = 0; i < 2; i++) {
        t[i]->workloads++;
        t[i]->shadow_ns += w->shadow_ns;
        t[i]->scan_ns += w->scan_ns;
        t[i]->schedule_ns += w->sched.dispatched_ns - w->sched.queued_ns;
        t[i]->gpu_ns += w->sched.finished_ns - w->sched.dispatched_ns;
        t[i]->engine_ns += w->sched.gpu_ns;
        t[i]->completion_ns += completion_ns;
    }
}

/* Report the oldest elements whose results are known, in order. */
static void retire(struct engine_queue *eq, struct vgpu_submission *sub)
{
    while (eq->in_flight && eq->slots[eq->order[0]].state == WL_FINISHED) {
        struct vgpu_workload *w = &eq->slots[eq->order[0]];
        uint64_t start = med_now_ns();

        if (!eq->dropping && w->event) {
            uint32_t ring_head = w->head, flags = 0;

            if (w->event == MED_EVENT_DONE) {
                write_back(w);
                ring_head = w->tail;
                sub->stats.completed += 1 + w->merged_count;
                sub->config.host->totals->completed += 1 + w->merged_count;
                /* The GPU raises it as it runs the command; the guest sees
                 * it with the last element the work completes. */
                flags = w->user_interrupt ? MED_COMPLETE_USER_INTERRUPT : 0;
            }

            sub->config.complete(sub->config.opaque, w->engine, w->event, w->guest_desc,
                                 ring_head, w->merged_count ? 0 : flags);
            for (unsigned i = 0; i < w->merged_count; i++) {
                sub->config.complete(sub->config.opaque, w->engine, w->event,
                                     w->merged_desc[i], ring_head,
                                     i + 1 == w->merged_count ? flags : 0);
            }
            if (w->sched.dispatched_ns && w->event == MED_EVENT_DONE) {
                account_times(w, med_now_ns() - start);
            }
        }
        if (w->ppgtt) {
            /* Its engine has switched away from it: nothing walks the version. */
            vgpu_ppgtt_shadow_unpin(w->ppgtt, w->ppgtt_pin);
            w->ppgtt = NULL;
        }
        w->state = WL_FREE;
        memmove(eq->order, eq->order + 1, --eq->in_flight * sizeof(eq->order[0]));
    }
}

/*
 * Elements of @w's context waiting right behind it join it: it runs to the
 * last one's tail, as a lite restore extends a running context, and they
 * are reported with it.  Only while the GPU is behind (elements pending),
 * and at most MED_WL_MERGE_MAX, so that a merged workload stays a few
 * requests long.
 */
static void merge_followers(struct engine_queue *eq, struct vgpu_workload *w)
{
    while (eq->pending_count && w->merged_count < MED_WL_MERGE_MAX &&
           w->submitted_tail != NO_TAIL) {
        const struct pending_element *next = &eq->pending[eq->pending_first];

        if (((uint32_t)next->desc & CTX_DESC_LRCA_MASK) != w->lrca || next->tail == NO_TAIL) {
            return;
        }
        w->submitted_tail = next->tail;
        w->merged_desc[w->merged_count++] = next->desc;
        eq->pending_first = (eq->pending_first + 1) % MED_WL_PENDING_MAX;
        eq->pending_count--;
    }
}

/* Shadow pending elements while slots are free. */
static void fill(struct engine_queue *eq, struct vgpu_submission *sub)
{
    while (!eq->dropping && eq->pending_count && eq->in_flight < MED_WL_SLOTS &&
           sub->config.may_work(sub->config.opaque)) {
        struct vgpu_workload *w = NULL;
        uint64_t tables_before;

        for (unsigned i = 0; i < MED_WL_SLOTS && !w; i++) {
            if (eq->slots[i].state == WL_FREE) {
                w = &eq->slots[i];
                eq->order[eq->in_flight++] = i;
            }
        }
        assert(w);
        w->guest_desc = eq->pending[eq->pending_first].desc;
        w->received_ns = eq->pending[eq->pending_first].received_ns;
        w->submitted_tail = eq->pending[eq->pending_first].tail;
        w->lrca = (uint32_t)w->guest_desc & CTX_DESC_LRCA_MASK;
        w->merged_count = 0;
        w->event = 0;
        w->user_interrupt = false;
        w->head = w->tail = 0;
        w->scan_ns = w->shadow_ns = 0;
        w->sched.dispatched_ns = 0;
        eq->pending_first = (eq->pending_first + 1) % MED_WL_PENDING_MAX;
        eq->pending_count--;
        merge_followers(eq, w);
        tables_before = med_page_pool_allocated(sub->pool);
        shadow(w);
        if (med_page_pool_allocated(sub->pool) - tables_before > MED_GUARD_BIG_BUILD_TABLES) {
            sub->config.adverse_event(sub->config.opaque, MED_GUARD_BIG_BUILD);
        }
        retire(eq, sub);
    }
}

/* The isolation invariants over every workload of @sub the GPU may run or
 * be running: each one's shadow PPGTT as its context image names it, and
 * the vGPU's host GGTT.  Broken, they are a mediator bug: abort. */
static void check_isolation(struct vgpu_submission *sub)
{
    bool ok = true;
    const struct med_isolation_scope scope = {
        .mem = &sub->config.mem, .pool = sub->pool,
        .scratch_bus = sub->config.scratch_bus, .gpu = sub->config.host->gpu,
    };

    for (unsigned e = 0; e < PGPU_NUM_ENGINES; e++) {
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
    /* The partition's host GGTT changes only by a sync: read again after one. */
    if (sub->ggtt_unchecked) {
        ok &= med_check_ggtt(&scope);
        sub->ggtt_unchecked = false;
    }
    if (!ok) {
        abort();
    }
}

/* Map the workload's memory at the window of ELSP @port and point the
 * context's ring and every batch start into it. */
static uint64_t workload_bind(struct med_sched_workload *sw, unsigned port)
{
    struct vgpu_workload *w = (struct vgpu_workload *)sw;
    const struct vgpu_exec_host *host = w->sub->config.host;
    uint64_t window = host->window_ggtt[w->engine][port];
    uint8_t *mem = w->mem.map;
    uint32_t *state = (uint32_t *)(mem + LRC_STATE_OFFSET);

    w->window = window;
    for (uint64_t off = 0; off < w->used; off += PGPU_PAGE_SIZE) {
        host->gpu->ops->ggtt_write(host->gpu, (uint32_t)((window + off) / PGPU_PAGE_SIZE),
                                   (w->mem.bus + off) | MED_GGTT_PTE_PRESENT);
    }
    state[CTX_RING_START_DW] = (uint32_t)(window + SHADOW_RING_OFFSET);
    state[CTX_RING_TAIL_DW] = sw->run_end == sw->parts ? w->tail : w->part_ends[sw->run_end - 1];
    if (sw->run_first) {
        /* the GPU saved the context after the parts before: restore it */
        state[CTX_CONTEXT_CONTROL_DW] = (state[CTX_CONTEXT_CONTROL_DW] &
                                         ~CTX_CTRL_RESTORE_INHIBIT) |
                                        SKL_MASKED_DISABLE(CTX_CTRL_RESTORE_INHIBIT);
    }
    for (unsigned i = 0; i < w->site_count; i++) {
        uint64_t target = window + w->sites[i].target;

        *(uint32_t *)(mem + w->sites[i].addr_lo) = (uint32_t)target;
        *(uint32_t *)(mem + w->sites[i].addr_hi) = (uint32_t)(target >> 32);
    }
    sw->ctx_timestamp = &state[CTX_TIMESTAMP_DW];
    if (host->check_invariants) {
        check_isolation(w->sub);
    }
    return window | CTX_DESC_VALID | CTX_DESC_PRIVILEGE |
           CTX_ADDRESSING_LEGACY_64B << CTX_DESC_ADDRESSING_SHIFT;
}

/* Where in its shadow the GPU stopped, and the two dwords there. */
static void describe_stop(const struct vgpu_workload *w, uint64_t address, char *text,
                          size_t size)
{
    uint64_t off = address - w->window;
    const uint32_t *dw = (const uint32_t *)((const uint8_t *)w->mem.map + off);

    if (off < SHADOW_RING_OFFSET || off + 8 > w->used || off % 4) {
        snprintf(text, size, "at 0x%" PRIx64 ", outside its shadow", address);
    } else if (off < SHADOW_RING_OFFSET + w->ring_size) {
        snprintf(text, size, "at ring +0x%" PRIx64 ": 0x%08" PRIx32 " 0x%08" PRIx32,
                 off - SHADOW_RING_OFFSET, dw[0], dw[1]);
    } else {
        snprintf(text, size, "in a batch copy at 0x%" PRIx64 ": 0x%08" PRIx32 " 0x%08" PRIx32,
                 address, dw[0], dw[1]);
    }
}

static void workload_complete(struct med_sched_workload *sw, enum med_sched_result result)
{
    struct vgpu_workload *w = (struct vgpu_workload *)sw;
    struct vgpu_submission *sub = w->sub;
    struct engine_queue *eq = &sub->engines[w->engine];
    sub->config.work_begin(sub->config.opaque);
    w->state = WL_FINISHED;
    switch (result) {
    case MED_SCHED_DONE:
        w->event = MED_EVENT_DONE;
        break;
    case MED_SCHED_HANG: {
        char line[240], where[96];

        w->event = MED_EVENT_REJECTED;
        sub->stats.hangs++;
        sub->config.host->totals->hangs++;
        describe_stop(w, sw->stop_address, where, sizeof(where));
        snprintf(line, sizeof(line), "%s element 0x%016" PRIx64 " stopped by the GPU "
                 "(RING_EIR 0x%" PRIx32 ", %s): engine reset, reported as a hang",
                 engine_names[w->engine], w->guest_desc, sw->engine_error, where);
        sub->config.guest_error(sub->config.opaque, line);
        sub->config.adverse_event(sub->config.opaque, MED_GUARD_HANG);
        break;
    }
    case MED_SCHED_CANCELLED:
        w->event = eq->failing ? MED_EVENT_REJECTED : 0;
        sub->stats.cancelled++;
        sub->config.host->totals->cancelled++;
        break;
    }
    retire(eq, sub);
    fill(eq, sub);
    sub->config.work_end(sub->config.opaque);
}

const struct med_sched_ops vgpu_workload_sched_ops = {
    .bind = workload_bind,
    .complete = workload_complete,
};

/* ---- the submission interface ---- */

/* The RING_TAIL the guest published in the image of @desc, read once now. */
static uint32_t submitted_tail(const struct vgpu_submission *sub, uint64_t desc)
{
    uint64_t lrca = (uint32_t)desc & CTX_DESC_LRCA_MASK;
    const uint32_t *state = (const uint32_t *)vgpu_ggtt_page(&sub->config.mem,
                                                             lrca + LRC_STATE_OFFSET);

    return state ? __atomic_load_n(&state[CTX_RING_TAIL_DW], __ATOMIC_ACQUIRE) : NO_TAIL;
}

void vgpu_submission_submit(struct vgpu_submission *sub, enum pgpu_engine engine,
                            uint64_t desc, uint64_t received_ns)
{
    struct engine_queue *eq = &sub->engines[engine];

    sub->stats.elements++;
    sub->config.host->totals->elements++;
    if (eq->pending_count == MED_WL_PENDING_MAX) {
        char why[64];

        snprintf(why, sizeof(why), "more than %u elements queued", MED_WL_PENDING_MAX);
        count_rejection(sub, engine, desc, why);
        sub->config.complete(sub->config.opaque, engine, MED_EVENT_REJECTED, desc, 0, 0);
        return;
    }
    eq->pending[(eq->pending_first + eq->pending_count) % MED_WL_PENDING_MAX] =
        (struct pending_element){ .desc = desc, .received_ns = received_ns,
                                  .tail = submitted_tail(sub, desc) };
    eq->pending_count++;
    fill(eq, sub);
}

/* Take every element of @eq off the GPU and out of its queue, with @mode
 * (eq->dropping: nothing is reported; eq->failing: reported as hangs) set
 * meanwhile. */
static void empty_engine(struct vgpu_submission *sub, struct engine_queue *eq, bool *mode)
{
    *mode = true;
    eq->pending_count = 0;
    med_sched_cancel(sub->config.host->sched, &eq->entity);
    retire(eq, sub);
    assert(!eq->in_flight);
    *mode = false;
}

void vgpu_submission_reset(struct vgpu_submission *sub, uint32_t mask)
{
    for (unsigned e = 0; e < PGPU_NUM_ENGINES; e++) {
        struct engine_queue *eq = &sub->engines[e];

        if (!(mask & 1u << e)) {
            continue;
        }
        empty_engine(sub, eq, &eq->dropping);
    }
}

void vgpu_submission_resume(struct vgpu_submission *sub)
{
    for (unsigned e = 0; e < PGPU_NUM_ENGINES; e++) {
        fill(&sub->engines[e], sub);
    }
}

void vgpu_submission_fail(struct vgpu_submission *sub)
{
    for (unsigned e = 0; e < PGPU_NUM_ENGINES; e++) {
        struct engine_queue *eq = &sub->engines[e];
        unsigned first = eq->pending_first, count = eq->pending_count;

        /* Those on the GPU or shadowed first, then the waiting ones: in order. */
        empty_engine(sub, eq, &eq->failing);
        for (unsigned i = 0; i < count; i++) {
            sub->config.complete(sub->config.opaque, e, MED_EVENT_REJECTED,
                                 eq->pending[(first + i) % MED_WL_PENDING_MAX].desc, 0, 0);
        }
    }
}

struct vgpu_submission *vgpu_submission_create(const struct vgpu_submission_config *config)
{
    struct vgpu_submission *sub = calloc(1, sizeof(*sub));
    struct vgpu_ppgtt_shadow_config shadow_config = {
        .ops = &ppgtt_mem_ops, .opaque = sub, .bus_base = config->mem.bus_base,
        .scratch_bus = config->scratch_bus, .max_tables = MED_WL_PPGTT_TABLES_MAX,
    };

    if (!sub) {
        return NULL;
    }
    sub->config = *config;
    sub->share = config->share;
    sub->ggtt_unchecked = true;
    sub->pool = med_page_pool_create(config->host->host_mem);
    sub->scan = med_scan_create(&(struct med_scan_config) {
        .ops = &scan_ops, .opaque = sub,
        .limits = { .max_batch_bytes = SCAN_MAX_BATCH_BYTES,
                    .max_total_bytes = SCAN_MAX_TOTAL_BYTES,
                    .max_batches = SCAN_MAX_BATCHES },
    });
    shadow_config.ram_count = config->mem.ram_count;
    memcpy(shadow_config.ram, config->mem.ram, sizeof(shadow_config.ram));
    sub->ppgtts = med_ppgtt_set_create(&shadow_config);
    if (!sub->pool || !sub->scan || !sub->ppgtts) {
        vgpu_submission_destroy(sub);
        errno = ENOMEM;
        return NULL;
    }
    for (unsigned e = 0; e < PGPU_NUM_ENGINES; e++) {
        med_sched_entity_init(&sub->engines[e].entity, e, &sub->share);
        for (unsigned i = 0; i < MED_WL_SLOTS; i++) {
            sub->engines[e].slots[i].sub = sub;
            sub->engines[e].slots[i].engine = e;
        }
    }
    return sub;
}

void vgpu_submission_destroy(struct vgpu_submission *sub)
{
    if (!sub) {
        return;
    }
    if (sub->scan) {
        vgpu_submission_reset(sub, (1u << PGPU_NUM_ENGINES) - 1);
    }
    for (unsigned e = 0; e < PGPU_NUM_ENGINES; e++) {
        for (unsigned i = 0; i < MED_WL_SLOTS; i++) {
            med_host_buf_free(sub->config.host->host_mem, &sub->engines[e].slots[i].mem);
            free(sub->engines[e].slots[i].sites);
            free(sub->engines[e].slots[i].part_ends);
        }
    }
    med_ppgtt_set_destroy(sub->ppgtts);
    med_page_pool_destroy(sub->pool);
    med_scan_destroy(sub->scan);
    fetched_free(sub);
    if (sub->chunk_count) {
        free(sub->chunks[0].base);
    }
    free(sub->chunks);
    free(sub->ring_copy);
    free(sub);
}

const struct vgpu_exec_stats *vgpu_submission_stats(const struct vgpu_submission *sub)
{
    return &sub->stats;
}

const struct med_sched_entity *vgpu_submission_entity(const struct vgpu_submission *sub,
                                                      enum pgpu_engine engine)
{
    return &sub->engines[engine].entity;
}

const struct med_sched_share *vgpu_submission_share(const struct vgpu_submission *sub)
{
    return &sub->share;
}

unsigned vgpu_submission_ppgtt_count(const struct vgpu_submission *sub)
{
    return med_ppgtt_set_count(sub->ppgtts);
}

void vgpu_submission_set_share(struct vgpu_submission *sub, const struct med_sched_share *share)
{
    assert(med_sched_share_valid(share));
    sub->share = *share;
}

void vgpu_submission_scan_stats(const struct vgpu_submission *sub, struct med_scan_stats *stats)
{
    med_scan_get_stats(sub->scan, stats);
}
