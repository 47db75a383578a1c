/*
 * fetch.c - the scanner's view of the guest: the ring and batch copies it
 * decodes (taken out of guest memory through the vGPU's GGTT or a shadow
 * PPGTT) and the range checks of the addresses it finds, within limits
 * that bound what a hostile batch costs.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "mediator/grow.h"
#include "mediator/submission/private.h"

#define FETCH_CHUNK_SIZE        (2u << 20)

/* Scan limits: hostile batches cost bounded work and host memory.  None is
 * per batch (the hardware runs a batch of any length; a copy ends where
 * the guest's mapping does): the bytes copied for one request bound it.
 * 8 MiB lets a single batch that fills the engine's shadow window
 * (layout.c: about 2 MiB with the default host reserve) through, its
 * copy growing 4x (1 KiB ... 4 MiB, each byte copied once). */
#define SCAN_MAX_TOTAL_BYTES    (8u << 20)
#define SCAN_MAX_BATCHES        1024    /* a full ring of small requests */

/* The ring's pages read at its first workload (read_ring_pages()). */
#define RING_READ_MAX           (64u * 1024)

/* In the partition is not enough: a page whose entry the guest left not
 * present or invalid is the vGPU's scratch page, refused as the PPGTT's is.
 * The host GGTT was synced for this workload before the scan. */
static bool scan_ggtt_range_ok(void *opaque, uint64_t gma, uint64_t len)
{
    const struct med_vgpu_submission *sub = opaque;

    return len && med_vgpu_ggtt_mapped_bytes(sub->config.ggtt, gma, len) == len;
}

/* The shadow does not change during a scan (it is synced before), as the
 * scanner's reuse of good pages needs. */
static bool scan_ppgtt_range_ok(void *opaque, void *ppgtt, uint64_t gma, uint64_t len)
{
    gma &= PPGTT_SPACE - 1;     /* the scanner checked the canonical form */
    return len && len <= PPGTT_SPACE - gma && med_vgpu_ppgtt_range_mapped(ppgtt, gma, len);
}

/* Where the batch fetches go: translate() refuses i915's scratch fill,
 * which ppgtt_range_ok lets data accesses through. */
static bool scan_ppgtt_batch_ok(void *opaque, void *ppgtt, uint64_t gma)
{
    uint64_t gpa;

    return med_vgpu_ppgtt_translate(ppgtt, gma & (PPGTT_SPACE - 1), &gpa);
}

/* Copy what the shadow PPGTT maps at @gma, page by page, up to @len bytes. */
static uint64_t ppgtt_copy(const struct med_vgpu_submission *sub,
                           const struct med_vgpu_ppgtt *ppgtt, uint64_t gma, uint8_t *dst,
                           uint64_t len)
{
    uint64_t done = 0;

    while (done < len) {
        uint64_t at = (gma + done) & (PPGTT_SPACE - 1);
        uint64_t in_page = PGPU_PAGE_SIZE - (at & (PGPU_PAGE_SIZE - 1));
        uint64_t n = len - done < in_page ? len - done : in_page;
        uint64_t gpa;
        const uint8_t *src;

        if (!med_vgpu_ppgtt_translate(ppgtt, at, &gpa) ||
            !(src = med_vgpu_gpa_to_host(&sub->config.mem, gpa, PGPU_PAGE_SIZE))) {
            break;
        }
        memcpy(dst + done, src + (at & (PGPU_PAGE_SIZE - 1)), n);
        done += n;
    }
    return done;
}

/* @size bytes for a copy that begins with @old's first @have bytes: @old
 * itself when it is the last copy of the last chunk and the chunk has the
 * room, else new memory with those bytes copied (from our copy, not from
 * the guest). */
static uint8_t *fetch_alloc(struct med_vgpu_submission *sub, const uint8_t *old, uint64_t have,
                            uint64_t size)
{
    struct fetch_chunk *c = sub->chunk_count ? &sub->chunks[sub->chunk_count - 1] : NULL;
    uint8_t *copy;

    size = med_wl_align_up(size ? size : 1, SHADOW_BATCH_ALIGN);
    if (c && old == c->base + c->last && c->size - c->last >= size) {
        c->used = c->last + size;
        return c->base + c->last;
    }
    if (!c || c->size - c->used < size) {
        struct fetch_chunk *chunks = med_grow(sub->chunks, &sub->chunk_cap, sub->chunk_count,
                                              sizeof(*chunks), 4);

        if (!chunks) {
            return NULL;
        }
        sub->chunks = chunks;
        c = &sub->chunks[sub->chunk_count];
        c->size = size > FETCH_CHUNK_SIZE ? size : FETCH_CHUNK_SIZE;
        c->used = 0;
        c->base = malloc(c->size);
        if (!c->base) {
            return NULL;
        }
        sub->chunk_count++;
    }
    c->last = c->used;
    c->used += size;
    copy = c->base + c->last;
    if (have) {
        memcpy(copy, old, have);
    }
    return copy;
}

static const void *scan_fetch(void *opaque, void *ppgtt, enum med_scan_space space,
                              uint64_t gma, const void *old, uint64_t have, uint64_t max_len,
                              uint64_t *len)
{
    struct med_vgpu_submission *sub = opaque;
    uint8_t *copy = fetch_alloc(sub, old, have, max_len);
    uint64_t at = gma + have;

    *len = 0;
    if (!copy) {
        return NULL;
    }
    /* A GGTT batch ends where the host GGTT stops mapping guest RAM, as
     * every GGTT access the scanner admits. */
    *len = have + (space == MED_SCAN_GGTT
                   ? med_vgpu_ggtt_copy(&sub->config.mem, at, copy + have,
                                        med_vgpu_ggtt_mapped_bytes(sub->config.ggtt, at,
                                                                   max_len - have))
                   : ppgtt_copy(sub, ppgtt, at, copy + have, max_len - have));
    return copy;
}

/* Forget the scan's copies; keep the first chunk. */
void med_wl_fetched_free(struct med_vgpu_submission *sub)
{
    while (sub->chunk_count > 1) {
        free(sub->chunks[--sub->chunk_count].base);
    }
    if (sub->chunk_count) {
        sub->chunks[0].used = 0;
    }
}
struct med_scan *med_wl_scan_create(struct med_vgpu_submission *sub)
{
    static const struct med_scan_ops scan_ops = {
        .ggtt_range_ok = scan_ggtt_range_ok,
        .ppgtt_range_ok = scan_ppgtt_range_ok,
        .ppgtt_batch_ok = scan_ppgtt_batch_ok,
        .fetch = scan_fetch,
    };

    return med_scan_create(&(struct med_scan_config) {
        .ops = &scan_ops, .opaque = sub,
        .limits = { .max_total_bytes = SCAN_MAX_TOTAL_BYTES,
                    .max_batches = SCAN_MAX_BATCHES },
    });
}

/*
 * A byte of each page of @ctx's ring read (up to RING_READ_MAX from the
 * tail on), the first time its engine runs it (again when another ring
 * ran since), so that the copies of the ring's later requests find every
 * page already mapped.  The first read of a guest page through the
 * mediator's mapping costs far more than copying its bytes (in the PVM
 * guest the benchmarks run in, below its kernel: docs/benchmarks.md,
 * "mediator-client", "The start's first touches").  The ring is
 * read whole within the guest's first pass through it anyway; here those
 * costs come with the context's first workload, not with each later one
 * that crosses into a new page, where a client that queued ahead waits
 * for them.  Only loads: nothing is copied or trusted, and a ring whose
 * pages the guest moves since costs only the first reads again.
 */
static void read_ring_pages(struct vgpu_workload *w, const struct guest_context *ctx)
{
    struct engine_queue *eq = &w->sub->engines[w->engine];
    uint32_t pages = ctx->ring_size / PGPU_PAGE_SIZE;

    if (eq->ring_read_start == ctx->ring_start && eq->ring_read_size == ctx->ring_size) {
        return;
    }
    /* From the tail on, where the next requests go: all of i915's 16 KiB
     * rings, up to RING_READ_MAX of a bigger one (the rest as before). */
    for (uint32_t i = 0; i < pages && i < RING_READ_MAX / PGPU_PAGE_SIZE; i++) {
        uint32_t at = (w->tail / PGPU_PAGE_SIZE + i) % pages * PGPU_PAGE_SIZE;
        const uint8_t *page = med_vgpu_ggtt_page(&w->sub->config.mem, ctx->ring_start + at);

        if (page) {
            (void)*(const volatile uint8_t *)page;
        }
    }
    eq->ring_read_start = ctx->ring_start;
    eq->ring_read_size = ctx->ring_size;
}

/* Copy the ring's [head, tail) into sub->ring_copy, unwrapped. */
bool med_wl_fetch_ring(struct vgpu_workload *w, const struct guest_context *ctx, uint32_t len)
{
    struct med_vgpu_submission *sub = w->sub;
    uint32_t first = len < ctx->ring_size - w->head ? len : ctx->ring_size - w->head;

    if (sub->ring_copy_cap < len) {
        uint8_t *grown = realloc(sub->ring_copy, ctx->ring_size);

        if (!grown) {
            med_wl_reject(w, "no host memory for the ring copy");
            return false;
        }
        sub->ring_copy = grown;
        sub->ring_copy_cap = ctx->ring_size;
    }
    if (med_vgpu_ggtt_copy(&sub->config.mem, ctx->ring_start + w->head, sub->ring_copy, first) !=
        first ||
        med_vgpu_ggtt_copy(&sub->config.mem, ctx->ring_start, sub->ring_copy + first,
                           len - first) != len - first) {
        med_wl_reject(w, "ring [0x%" PRIx32 ", 0x%" PRIx32 ") of the ring at 0x%" PRIx64
               " is not mapped guest RAM", w->head, w->tail, ctx->ring_start);
        return false;
    }
    read_ring_pages(w, ctx);
    return true;
}

void med_wl_fetch_destroy(struct med_vgpu_submission *sub)
{
    med_wl_fetched_free(sub);
    if (sub->chunk_count) {
        free(sub->chunks[0].base);
    }
    free(sub->chunks);
    free(sub->ring_copy);
}
