/*
 * writes.c - batches an earlier batch of the vGPU writes (IGT's
 * gem_exec_whisper relays a value so, batch to batch; docs/scanner.md,
 * "Batches written by the GPU").  The GPU runs what memory holds when its
 * command streamer fetches a batch; the mediator runs copies it scanned.
 * So each queued workload keeps the guest pages its commands may write
 * (the scanner's write set, translated as of its scan), and a later
 * workload of the vGPU whose ring or batches lie on such a page of a
 * workload still in flight is not queued: its elements wait until those
 * writers completed, then it is copied and scanned again (queue.c).
 * Pages are compared by the host address they are mapped at, one per
 * guest page: a write through the GGTT or any PPGTT and a read through
 * another meet there.  Other vGPUs cannot write a vGPU's memory.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdlib.h>

#include "mediator/grow.h"
#include "mediator/submission/private.h"
#include "pgpu/skl-regs.h"

/* Pages one workload's write set may hold before it counts as writing
 * anything (a blit's extent reaches 32 GiB: the translation is bounded). */
#define WRITE_PAGES_MAX         65536u

/* The host address of the guest page @gma of @space maps, 0 if none. */
static uint64_t page_of(const struct med_vgpu_submission *sub, const struct med_vgpu_ppgtt *ppgtt,
                        enum med_scan_space space, uint64_t gma)
{
    uint64_t gpa;

    if (space == MED_SCAN_GGTT) {
        return (uintptr_t)med_vgpu_ggtt_page(&sub->config.mem, gma);
    }
    if (!med_vgpu_ppgtt_translate(ppgtt, gma & (PPGTT_SPACE - 1), &gpa)) {
        return 0;
    }
    return (uintptr_t)med_vgpu_gpa_to_host(&sub->config.mem, gpa & ~(uint64_t)(PGPU_PAGE_SIZE - 1),
                                           PGPU_PAGE_SIZE);
}

static bool add_page(struct vgpu_workload *w, uint64_t page)
{
    struct page_run *last = w->write_count ? &w->writes[w->write_count - 1] : NULL;
    struct page_run *writes;

    if (last && page == last->hi) {
        last->hi += PGPU_PAGE_SIZE;
        return true;
    }
    writes = med_grow(w->writes, &w->write_cap, w->write_count, sizeof(*writes), 16);
    if (!writes) {
        return false;
    }
    w->writes = writes;
    w->writes[w->write_count++] = (struct page_run){ .lo = page, .hi = page + PGPU_PAGE_SIZE };
    return true;
}

static int run_order(const void *a, const void *b)
{
    const struct page_run *x = a, *y = b;

    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* @w's runs in address order, those that meet or touch joined (none
 * when it writes anything). */
static void sort_runs(struct vgpu_workload *w)
{
    unsigned merged = 0;

    if (w->writes_any || !w->write_count) {
        w->write_count = 0;
        return;
    }
    qsort(w->writes, w->write_count, sizeof(*w->writes), run_order);
    for (unsigned i = 1; i < w->write_count; i++) {
        struct page_run *last = &w->writes[merged];

        if (w->writes[i].lo <= last->hi) {
            last->hi = w->writes[i].hi > last->hi ? w->writes[i].hi : last->hi;
        } else {
            w->writes[++merged] = w->writes[i];
        }
    }
    w->write_count = merged + 1;
}

void med_wl_writes_record(struct vgpu_workload *w, const struct med_scan_result *res,
                          const struct med_vgpu_ppgtt *ppgtt)
{
    uint64_t pages = 0;

    w->write_count = 0;
    w->writes_any = res->writes_any;
    for (unsigned i = 0; i < res->write_count && !w->writes_any; i++) {
        const struct med_scan_write *range = &res->writes[i];

        for (uint64_t gma = range->lo; gma < range->hi && !w->writes_any; gma += PGPU_PAGE_SIZE) {
            uint64_t page = page_of(w->sub, ppgtt, range->space, gma);

            /* what no longer maps guest RAM is no page a later scan reads */
            w->writes_any = ++pages > WRITE_PAGES_MAX || (page && !add_page(w, page));
        }
    }
    sort_runs(w);
}

void med_wl_writes_add(struct vgpu_workload *w, const struct vgpu_workload *x)
{
    w->writes_any = w->writes_any || x->writes_any;
    for (unsigned i = 0; i < x->write_count && !w->writes_any; i++) {
        struct page_run *writes = med_grow(w->writes, &w->write_cap, w->write_count,
                                           sizeof(*writes), 16);

        if (!writes) {
            w->writes_any = true;
            break;
        }
        w->writes = writes;
        w->writes[w->write_count++] = x->writes[i];
    }
    sort_runs(w);
}

static bool writes_page(const struct vgpu_workload *w, uint64_t page)
{
    unsigned lo = 0, hi = w->write_count;

    if (w->writes_any) {
        return true;
    }
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;

        if (page >= w->writes[mid].hi) {
            lo = mid + 1;
        } else if (page < w->writes[mid].lo) {
            hi = mid;
        } else {
            return true;
        }
    }
    return false;
}

/* The writers among @writers (WL_SLOT_BITs) that may write @page. */
static uint32_t writers_of_page(const struct med_vgpu_submission *sub, uint32_t writers,
                                uint64_t page)
{
    uint32_t hits = 0;

    for (uint32_t left = writers; left && page; left &= left - 1) {
        unsigned bit = (unsigned)__builtin_ctz(left);
        const struct vgpu_workload *x = &sub->engines[bit / MED_WL_SLOTS].slots[bit % MED_WL_SLOTS];

        if (writes_page(x, page)) {
            hits |= 1u << bit;
        }
    }
    return hits;
}

uint32_t med_wl_writers_of(const struct vgpu_workload *w, const struct guest_context *ctx,
                           const struct med_scan_result *res, uint32_t len)
{
    const struct med_vgpu_submission *sub = w->sub;
    uint32_t writers = 0, hits = 0;

    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        for (unsigned i = 0; i < MED_WL_SLOTS; i++) {
            const struct vgpu_workload *x = &sub->engines[e].slots[i];

            if (x != w && x->state == WL_QUEUED && (x->writes_any || x->write_count)) {
                writers |= WL_SLOT_BIT(e, i);
            }
        }
    }
    if (!writers) {
        return 0;               /* the common case: no page to translate */
    }
    /* The ring's bytes [head, head + len), page by page (it may wrap). */
    for (uint32_t done = 0; done < len;) {
        uint32_t at = (w->head + done) % ctx->ring_size;

        hits |= writers_of_page(sub, writers, page_of(sub, NULL, MED_SCAN_GGTT,
                                                       ctx->ring_start + at));
        done += PGPU_PAGE_SIZE - at % PGPU_PAGE_SIZE;
    }
    /* Each batch's bytes the scan decoded (at least its first dword). */
    for (unsigned b = 1; b < res->buffer_count; b++) {
        const struct med_scan_buffer *buf = &res->buffers[b];
        uint64_t first = buf->gma & ~(uint64_t)(PGPU_PAGE_SIZE - 1);
        uint64_t end = buf->gma + (buf->len > 4 ? buf->len : 4);

        for (uint64_t gma = first; gma < end; gma += PGPU_PAGE_SIZE) {
            hits |= writers_of_page(sub, writers, page_of(sub, ctx->ppgtt, buf->space, gma));
        }
    }
    return hits;
}

void med_wl_split(struct vgpu_workload *w, uint32_t len)
{
    unsigned covered = 0;

    /* An element is complete once the part has run to its tail. */
    while (covered < w->taken_count &&
           ((w->taken[covered].tail & TAIL_ADDR) - w->head + w->ring_size) % w->ring_size <= len) {
        covered++;
    }
    med_wl_requeue(w, w->taken + covered, w->taken_count - covered);
    w->unreported = !covered;
    w->taken_count = covered ? covered : 1;
}
