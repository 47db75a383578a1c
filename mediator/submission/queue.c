/*
 * queue.c - a vGPU's submission: per engine, the elements the client
 * relays, waiting in order; those of one context merged while the GPU is
 * behind; a few shadowed ahead (shadow.c) and handed to the scheduler;
 * their results reported in order as COMPLETE (see submission.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/protocol.h"
#include "mediator/submission/private.h"
#include "pgpu/skl-regs.h"


void med_wl_notice(struct med_vgpu_submission *sub, bool guard, enum med_guard_event event,
                   const char *fmt, ...)
{
    struct med_vgpu_notice *n;
    va_list ap;

    /* NOTICES_MAX bounds one call's, and the session takes them after each. */
    assert(sub->notice_count < NOTICES_MAX);
    n = &sub->notices[sub->notice_count++];
    n->guard = guard;
    n->event = event;
    n->text[0] = '\0';
    if (fmt) {
        va_start(ap, fmt);
        vsnprintf(n->text, sizeof(n->text), fmt, ap);
        va_end(ap);
    }
}

const struct med_vgpu_notice *med_vgpu_submission_take_notices(struct med_vgpu_submission *sub,
                                                               unsigned *count)
{
    *count = sub->notice_count;
    sub->notice_count = 0;
    return sub->notices;
}

void med_wl_count_rejection(struct med_vgpu_submission *sub, enum gen9_engine engine, uint64_t desc,
                            const char *why)
{
    sub->stats.rejected++;
    sub->config.host->totals->rejected++;
    med_wl_notice(sub, true, MED_GUARD_REJECTION, "%s element 0x%016" PRIx64 " rejected: %s",
                  gen9_engines[engine].name, desc, why);
}

/*
 * An element of @eq failed before the GPU: the vGPU hangs its engine on
 * it, as hardware stops at a command it may not run, so the elements
 * behind it (those waiting, and those arriving before the guest's
 * RESET_ENGINES) never run, as on a hung engine: a later request's
 * breadcrumb would pass the failed one's.  Those shadowed before it still
 * run and complete first.
 */
static void stop_behind(struct med_vgpu_submission *sub, struct engine_queue *eq)
{
    sub->stats.cancelled += eq->pending_count;
    sub->config.host->totals->cancelled += eq->pending_count;
    eq->pending_count = 0;
    eq->stuck = true;
}

void med_wl_refuse(struct vgpu_workload *w, const char *reason)
{
    char why[MED_SCAN_REASON_MAX + 96];

    snprintf(why, sizeof(why), "scan: %s; it runs up to there and stops (a hang)", reason);
    med_wl_count_rejection(w->sub, w->engine, w->taken[0].desc, why);
    w->refused = true;
    stop_behind(w->sub, &w->sub->engines[w->engine]);
}

void med_wl_reject(struct vgpu_workload *w, const char *fmt, ...)
{
    char why[MED_SCAN_REASON_MAX + 160];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    med_wl_count_rejection(w->sub, w->engine, w->taken[0].desc, why);
    w->state = WL_FINISHED;
    w->event = WIRE_EVENT_REJECTED;
    stop_behind(w->sub, &w->sub->engines[w->engine]);
}


void med_wl_requeue(struct vgpu_workload *w, const struct pending_element *els, unsigned count)
{
    struct engine_queue *eq = &w->sub->engines[w->engine];

    assert(eq->pending_count + count <= MED_WL_PENDING_MAX);
    for (unsigned i = count; i-- > 0;) {
        eq->pending_first = (eq->pending_first + MED_WL_PENDING_MAX - 1) % MED_WL_PENDING_MAX;
        eq->pending[eq->pending_first] = els[i];
        eq->pending_count++;
    }
}

const struct vgpu_workload *med_wl_previous_of_context(const struct vgpu_workload *w)
{
    const struct engine_queue *eq = &w->sub->engines[w->engine];

    for (unsigned i = eq->in_flight; i-- > 0;) {
        const struct vgpu_workload *prev = &eq->slots[eq->order[i]];

        /* A rejected element's guest resets the context: its HEAD is the guest's. */
        if (prev != w && prev->lrca == w->lrca && prev->event != WIRE_EVENT_REJECTED &&
            (prev->state == WL_QUEUED || prev->event == WIRE_EVENT_DONE)) {
            return prev;
        }
    }
    return NULL;
}

const struct vgpu_workload *med_wl_ran_before_in_context(const struct vgpu_workload *w)
{
    const struct engine_queue *eq = &w->sub->engines[w->engine];
    unsigned at = 0;

    while (&eq->slots[eq->order[at]] != w) {
        at++;
    }
    while (at-- > 0) {
        const struct vgpu_workload *prev = &eq->slots[eq->order[at]];

        if (prev->lrca == w->lrca && prev->sched.dispatched_ns) {
            return prev;
        }
    }
    return NULL;
}

/* @w, done, was written back: the later workloads of its context in
 * flight that have not run were shadowed from the guest's image before it
 * (med_wl_context_carry()). */
static void carry_to_followers(struct engine_queue *eq, const struct vgpu_workload *w)
{
    for (unsigned i = 1; i < eq->in_flight; i++) {
        struct vgpu_workload *x = &eq->slots[eq->order[i]];

        if (x->lrca == w->lrca && x->state == WL_QUEUED && !x->sched.dispatched_ns) {
            med_wl_context_carry(x, w);
        }
    }
}

/* COMPLETE of @desc, for the session to send once the call at hand returns. */
static void report(struct med_vgpu_submission *sub, enum gen9_engine engine, uint32_t event,
                   uint64_t desc, uint32_t ring_head, uint32_t flags, uint32_t engine_error)
{
    /* Each element is reported once, and the session takes the reports
     * after every call: OUTBOX_MAX bounds what can be outstanding. */
    assert(sub->outbox_count < OUTBOX_MAX);
    sub->outbox[sub->outbox_count++] = (struct med_vgpu_completion){
        .desc = desc, .engine = engine, .event = event, .ring_head = ring_head, .flags = flags,
        .engine_error = engine_error,
    };
}

static void account_times(struct vgpu_workload *w, uint64_t completion_ns)
{
    struct med_vgpu_exec_times *t[] = { &w->sub->stats.times, &w->sub->config.host->totals->times };

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
static void retire(struct engine_queue *eq, struct med_vgpu_submission *sub)
{
    while (eq->in_flight && eq->slots[eq->order[0]].state == WL_FINISHED) {
        struct vgpu_workload *w = &eq->slots[eq->order[0]];
        uint64_t start = med_now_ns();

        if (!eq->dropping && w->event) {
            uint32_t ring_head = w->head, flags = 0;
            /* A split's first part completes no element when done: the
             * element's rest does (the context is written back all the
             * same: the rest's shadow reads it).  A hang's elements
             * before the group it stopped in completed; those after it
             * never ran (finished()). */
            unsigned reported = w->event == WIRE_EVENT_DONE && w->unreported ? 0
                                : w->hung_end ? w->hung_end : w->taken_count;
            unsigned done = w->event == WIRE_EVENT_DONE ? reported : w->ran_count;

            if (w->event == WIRE_EVENT_DONE) {
                med_wl_context_write_back(w, w->tail, w->sched.dispatched_ns != 0);
                if (w->sched.dispatched_ns) {
                    carry_to_followers(eq, w);
                }
                ring_head = w->tail;
            } else if (done) {
                ring_head = w->taken[done - 1].tail & TAIL_ADDR;
                med_wl_context_write_back(w, ring_head, false);
            }
            sub->stats.completed += done;
            sub->config.host->totals->completed += done;
            if (w->hung_end) {
                sub->stats.cancelled += w->taken_count - w->hung_end;
                sub->config.host->totals->cancelled += w->taken_count - w->hung_end;
            }
            /* The GPU raises it as it runs the command; the guest sees
             * it with the last element the work completes. */
            flags = done && w->user_interrupt ? WIRE_COMPLETE_USER_INTERRUPT : 0;

            for (unsigned i = 0; i < reported; i++) {
                report(sub, w->engine, i < done ? WIRE_EVENT_DONE : w->event, w->taken[i].desc,
                       ring_head, i + 1 == done ? flags : 0, i < done ? 0 : w->engine_error);
            }
            if (w->sched.dispatched_ns && w->event == WIRE_EVENT_DONE) {
                account_times(w, med_now_ns() - start);
            }
        }
        if (w->ppgtt) {
            /* Its engine has switched away from it: nothing walks the version. */
            med_vgpu_ppgtt_unpin(w->ppgtt, w->ppgtt_pin);
            w->ppgtt = NULL;
        }
        w->state = WL_FREE;
        memmove(eq->order, eq->order + 1, --eq->in_flight * sizeof(eq->order[0]));
    }
}

/*
 * The seq of the oldest element waiting on an engine of @sub but @engine
 * for a slot (UINT64_MAX: none).  Not one waiting for writers (a deferred
 * element, queue.c's defer()): the engines of the vGPU go on meanwhile, as
 * on hardware, where a later element on one engine may be what the
 * writer itself waits for (a semaphore).
 */
static uint64_t oldest_waiting(const struct med_vgpu_submission *sub, unsigned engine)
{
    uint64_t oldest = UINT64_MAX;

    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        const struct engine_queue *eq = &sub->engines[e];

        if (e != engine && eq->pending_count && !eq->waiting_for &&
            eq->pending[eq->pending_first].seq < oldest) {
            oldest = eq->pending[eq->pending_first].seq;
        }
    }
    return oldest;
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
    uint64_t others = oldest_waiting(w->sub, w->engine);

    while (eq->pending_count && w->taken_count < 1 + MED_WL_MERGE_MAX &&
           w->taken[w->taken_count - 1].tail != NO_TAIL) {
        const struct pending_element *next = &eq->pending[eq->pending_first];

        /* not past an older element of another engine (engine_can_shadow()) */
        if (((uint32_t)next->desc & CTX_DESC_LRCA_MASK) != w->lrca || next->tail == NO_TAIL ||
            next->seq > others) {
            return;
        }
        w->taken[w->taken_count++] = *next;
        eq->pending_first = (eq->pending_first + 1) % MED_WL_PENDING_MAX;
        eq->pending_count--;
    }
}

/*
 * An engine shadows its next element when it has a slot, waits for no
 * writer, and no older element waits for a slot on another engine:
 * elements are copied and scanned in the order they came, over all
 * engines, so that each scan knows what the elements before it may write
 * (writes.c), but for those deferred (oldest_waiting()).
 */
static bool engine_can_shadow(const struct med_vgpu_submission *sub, unsigned engine)
{
    const struct engine_queue *eq = &sub->engines[engine];

    return !eq->dropping && eq->pending_count && eq->in_flight < MED_WL_SLOTS &&
           !eq->waiting_for && eq->pending[eq->pending_first].seq < oldest_waiting(sub, engine);
}

/*
 * @w's scan read what workloads in flight may write (w->blockers): what
 * it copied is not what the GPU would run.  Its elements go back to the
 * front of the queue and its engine shadows nothing more until those
 * workloads completed (finished() clears their bits); then it is copied
 * and scanned again.  Each retry waits for a completion of the vGPU's
 * own, so a guest cannot make the mediator go round.
 */
static void defer(struct engine_queue *eq, struct vgpu_workload *w)
{
    struct med_vgpu_submission *sub = w->sub;

    eq->in_flight--;            /* its slot, the last one taken */
    med_wl_requeue(w, w->taken, w->taken_count);
    eq->waiting_for = w->blockers;
    /* Counted, not a guest error (i915 relies on it: IGT's
     * gem_exec_whisper thousands of times a run); the vGPU's count is
     * logged when it goes. */
    sub->stats.deferred++;
    sub->config.host->totals->deferred++;
    w->blockers = 0;
}

/*
 * @x, just shadowed, continues the ring of the workload before it on its
 * engine, which waits for its vGPU's turn, not yet dispatched: @x joins
 * it instead of taking a slot of its own, as a lite restore moves a
 * pending context's tail, so that a vGPU's turn is one workload however
 * many elements it queued while others ran (decision 10).  Only the
 * copies already scanned are moved (layout.c): @x's scan read no page the
 * workload may write (else @x was deferred), and the GPU walks the same
 * PPGTT version with the same registers (med_wl_context_same()).  Not a
 * split, refused or looping workload, whose ends and trampolines are
 * their own; at most MED_WL_MERGE_MAX elements join one.
 *
 * The same when that workload runs (since 2026-12-08, decision 13, "One
 * context's state across elements"), as the guest's ELSP write while its
 * context runs is a lite restore on hardware: @x's copies go behind the
 * running ones in its memory, which stays where the engine reads it
 * (there must be room), mapped at its window with @x's batch starts
 * pointed there before the scheduler may give the engine @x's parts (a
 * feed's lite restore): one shadow context, so @x starts with the
 * registers the engine has, not the guest's image as it was when @x was
 * shadowed (which the hardware's lite restore does not load either),
 * but the same PPGTT version (med_wl_context_same_ppgtt()): the engine
 * keeps walking the root it loaded, so @x, scanned after the guest bound
 * or moved a page (i915 binding a new target), would run through the
 * old version's translations (until 2026-12-08: guest-fairness's fills
 * landed in the page the target's address mapped before, the target
 * read back as zero after i915's wait).  Only while the scheduler can still
 * give the running context a later tail (med_sched_may_grow(): port 0,
 * nothing behind it, no other vGPU waiting); otherwise @x is a workload
 * of its own, which waits for the completion and starts with the state
 * carried (med_wl_context_carry()).
 */
static bool fold(struct engine_queue *eq, struct vgpu_workload *x)
{
    struct med_sched *sched = x->sub->config.host->sched;
    struct vgpu_workload *w;
    unsigned first_site;
    bool running;

    if (eq->in_flight < 2) {
        return false;
    }
    w = &eq->slots[eq->order[eq->in_flight - 2]];
    running = w->sched.dispatched_ns != 0;
    first_site = w->site_count;
    if (w->state != WL_QUEUED || w->lrca != x->lrca ||
        (running && !med_sched_may_grow(sched, &w->sched)) ||
        x->head != w->tail || w->ring_tail != w->tail || x->ppgtt != w->ppgtt ||
        x->ring_size != w->ring_size || w->unreported || x->unreported || w->refused ||
        x->refused || w->trap_count || x->trap_count ||
        w->taken_count + x->taken_count > 1 + MED_WL_MERGE_MAX ||
        (w->taken[w->taken_count - 1].tail & TAIL_ADDR) != w->tail ||
        (x->taken[x->taken_count - 1].tail & TAIL_ADDR) != x->tail ||
        (running ? !med_wl_context_same_ppgtt(w, x) : !med_wl_context_same(w, x)) ||
        !med_wl_layout_append(w, x, running)) {
        return false;
    }
    if (running) {
        med_wl_bind_appended(w, first_site);
    }
    med_wl_writes_add(w, x);
    memcpy(&w->taken[w->taken_count], x->taken, x->taken_count * sizeof(x->taken[0]));
    w->taken_count += x->taken_count;
    w->tail = x->tail;
    w->ring_tail = x->ring_tail;
    w->user_interrupt = w->user_interrupt || x->user_interrupt;
    w->scan_ns += x->scan_ns;
    w->shadow_ns += x->shadow_ns;
    med_vgpu_ppgtt_unpin(x->ppgtt, x->ppgtt_pin);
    x->ppgtt = NULL;
    x->state = WL_FREE;
    eq->in_flight--;
    w->sub->stats.folded++;
    w->sub->config.host->totals->folded++;
    if (running) {
        w->sub->stats.overlapped++;
        w->sub->config.host->totals->overlapped++;
        med_sched_grow(sched, &w->sched);
    }
    return true;
}

bool med_vgpu_submission_can_shadow(const struct med_vgpu_submission *sub)
{
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        if (engine_can_shadow(sub, e)) {
            return true;
        }
    }
    return false;
}

void med_vgpu_submission_shadow_next(struct med_vgpu_submission *sub)
{
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        struct engine_queue *eq = &sub->engines[e];
        struct vgpu_workload *w = NULL;
        uint64_t tables_before;

        if (!engine_can_shadow(sub, e)) {
            continue;
        }

        for (unsigned i = 0; i < MED_WL_SLOTS && !w; i++) {
            if (eq->slots[i].state == WL_FREE) {
                w = &eq->slots[i];
                eq->order[eq->in_flight++] = i;
            }
        }
        assert(w);
        w->taken[0] = eq->pending[eq->pending_first];
        w->taken_count = 1;
        w->join_count = 0;
        w->ran_count = w->hung_end = 0;
        w->unreported = false;
        w->lrca = (uint32_t)w->taken[0].desc & CTX_DESC_LRCA_MASK;
        w->sched.context = (uint64_t)w->lrca + 1;      /* never 0 (sched.h) */
        w->event = 0;
        w->engine_error = 0;
        w->user_interrupt = false;
        w->refused = false;
        w->head = w->tail = 0;
        w->scan_ns = w->shadow_ns = 0;
        w->sched.dispatched_ns = 0;
        eq->pending_first = (eq->pending_first + 1) % MED_WL_PENDING_MAX;
        eq->pending_count--;
        merge_followers(eq, w);
        tables_before = med_page_pool_allocated(sub->pool);
        med_wl_shadow(w);
        if (w->blockers) {
            defer(eq, w);
        } else if (w->state == WL_QUEUED && !fold(eq, w)) {
            med_sched_submit(sub->config.host->sched, &eq->entity, &w->sched);
        }
        if (med_page_pool_allocated(sub->pool) - tables_before > MED_GUARD_BIG_BUILD_TABLES) {
            med_wl_notice(sub, true, MED_GUARD_BIG_BUILD, NULL);
        }
        retire(eq, sub);
        return;
    }
}

/* @sw left the scheduler with @result: its result is known. */
static void finished(struct med_sched_workload *sw, enum med_sched_result result)
{
    struct vgpu_workload *w = (struct vgpu_workload *)sw;
    struct med_vgpu_submission *sub = w->sub;
    struct engine_queue *eq = &sub->engines[w->engine];

    w->state = WL_FINISHED;
    /* No longer a writer the engines' next elements wait for. */
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        sub->engines[e].waiting_for &= ~WL_SLOT_BIT(w->engine, (unsigned)(w - eq->slots));
    }
    switch (result) {
    case MED_SCHED_DONE:
        w->event = WIRE_EVENT_DONE;
        break;
    case MED_SCHED_HANG: {
        char where[96];
        unsigned g;

        w->event = WIRE_EVENT_REJECTED;
        w->engine_error = sw->engine_error;
        /* A refused element's stop was counted as its rejection; a loop's
         * refused rescan is counted as one when the GPU reaches its stop. */
        if (!w->refused && sw->engine_error && med_wl_loop_stop(w, sw->stop_address)) {
            w->refused = true;
        }
        if (!w->refused) {
            sub->stats.hangs++;
            sub->config.host->totals->hangs++;
        }
        /* Per element, as if each group joined by fold() had run alone
         * (as before the join, and as the hardware's lite restores would):
         * those before the group it stopped in completed, those after it
         * never ran (stop_behind()). */
        g = med_wl_stopped_group(w, sw->stop_address);
        w->ran_count = g ? w->joins[g - 1].taken : 0;
        w->hung_end = g < w->join_count ? w->joins[g].taken : w->taken_count;
        med_wl_describe_stop(w, sw->stop_address, where, sizeof(where));
        if (sw->engine_error) {
            med_wl_notice(sub, !w->refused, MED_GUARD_HANG, "%s element 0x%016" PRIx64 " stopped "
                          "by the GPU (RING_EIR 0x%" PRIx32 ", %s): engine reset, reported as a "
                          "hang", gen9_engines[w->engine].name, w->taken[w->ran_count].desc,
                          sw->engine_error, where);
        } else {
            med_wl_notice(sub, !w->refused, MED_GUARD_HANG, "%s element 0x%016" PRIx64 " held "
                          "the engine past its parts' limit while other vGPUs waited (%s): "
                          "engine reset, reported as a hang", gen9_engines[w->engine].name,
                          w->taken[w->ran_count].desc, where);
        }
        break;
    }
    case MED_SCHED_CANCELLED:
        w->event = eq->failing ? WIRE_EVENT_REJECTED : 0;
        sub->stats.cancelled++;
        sub->config.host->totals->cancelled++;
        break;
    }
}

const struct med_sched_ops med_vgpu_sched_ops = {
    .bind = med_wl_bind,
    .part_at = med_wl_part_at,
    .extend = med_wl_extend,
};

void *med_vgpu_submission_owner(const struct med_sched_workload *sw)
{
    return ((const struct vgpu_workload *)sw)->sub->config.opaque;
}

const struct med_vgpu_completion *med_vgpu_submission_take_completions(
    struct med_vgpu_submission *sub, unsigned *count)
{
    *count = sub->outbox_count;
    sub->outbox_count = 0;
    return sub->outbox;
}

void med_vgpu_submission_submit(struct med_vgpu_submission *sub, enum gen9_engine engine,
                                uint64_t desc, uint32_t tail)
{
    struct engine_queue *eq = &sub->engines[engine];

    sub->stats.elements++;
    sub->config.host->totals->elements++;
    if (eq->stuck) {            /* sent before the vGPU saw the hang: never runs */
        sub->stats.cancelled++;
        sub->config.host->totals->cancelled++;
        return;
    }
    if (eq->pending_count == MED_WL_PENDING_MAX) {
        char why[64];

        snprintf(why, sizeof(why), "more than %u elements queued", MED_WL_PENDING_MAX);
        med_wl_count_rejection(sub, engine, desc, why);
        report(sub, engine, WIRE_EVENT_REJECTED, desc, 0, 0, 0);
        return;
    }
    eq->pending[(eq->pending_first + eq->pending_count) % MED_WL_PENDING_MAX] =
        (struct pending_element){ .desc = desc, .seq = sub->next_seq++, .tail = tail };
    eq->pending_count++;
}

/* Take every element of @eq off the GPU and out of its queue, with @mode
 * (eq->dropping: nothing is reported; eq->failing: reported as hangs) set
 * meanwhile. */
static void empty_engine(struct med_vgpu_submission *sub, struct engine_queue *eq, bool *mode)
{
    struct med_sched_workload *left, *next;

    *mode = true;
    eq->pending_count = 0;
    eq->waiting_for = 0;
    left = med_sched_cancel(sub->config.host->sched, &eq->entity);
    for (; left; left = next) {
        next = left->next;
        finished(left, left->result);
    }
    retire(eq, sub);
    assert(!eq->in_flight);
    *mode = false;
}

void med_vgpu_submission_done(struct med_sched_workload *sw)
{
    struct vgpu_workload *w = (struct vgpu_workload *)sw;
    struct engine_queue *eq = &w->sub->engines[w->engine];
    enum med_sched_result result = sw->result;

    finished(sw, result);
    retire(eq, w->sub);
    if (result == MED_SCHED_HANG) {
        /* Reported: the engine is stuck in it, as a GPU until the guest's reset. */
        empty_engine(w->sub, eq, &eq->dropping);
        eq->stuck = true;
    }
}

void med_vgpu_submission_reset(struct med_vgpu_submission *sub, uint32_t mask)
{
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        struct engine_queue *eq = &sub->engines[e];

        if (!(mask & 1u << e)) {
            continue;
        }
        empty_engine(sub, eq, &eq->dropping);
        eq->stuck = false;
    }
}

void med_vgpu_submission_fail(struct med_vgpu_submission *sub)
{
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        struct engine_queue *eq = &sub->engines[e];
        unsigned first = eq->pending_first, count = eq->pending_count;

        /* Those on the GPU or shadowed first, then the waiting ones: in order. */
        empty_engine(sub, eq, &eq->failing);
        for (unsigned i = 0; i < count; i++) {
            report(sub, e, WIRE_EVENT_REJECTED,
                   eq->pending[(first + i) % MED_WL_PENDING_MAX].desc, 0, 0, 0);
        }
    }
}

struct med_vgpu_submission *med_vgpu_submission_create(
    const struct med_vgpu_submission_config *config)
{
    struct med_vgpu_submission *sub = calloc(1, sizeof(*sub));
    struct med_vgpu_ppgtt_config shadow_config = {
        .ops = &med_wl_ppgtt_mem_ops, .opaque = sub, .bus_base = config->mem.bus_base,
        .scratch_bus = config->scratch_bus, .max_tables = MED_WL_PPGTT_TABLES_MAX,
        .reach = config->reach,
    };

    if (!sub) {
        return NULL;
    }
    sub->config = *config;
    sub->share = config->share;
    sub->ggtt_unchecked = true;
    sub->pool = med_page_pool_create(config->host->host_mem);
    sub->outbox = malloc(OUTBOX_MAX * sizeof(*sub->outbox));
    sub->scan = med_wl_scan_create(sub);
    shadow_config.ram_count = config->mem.ram_count;
    memcpy(shadow_config.ram, config->mem.ram, sizeof(shadow_config.ram));
    sub->ppgtts = med_ppgtt_set_create(&shadow_config);
    if (!sub->pool || !sub->scan || !sub->ppgtts || !sub->outbox) {
        med_vgpu_submission_destroy(sub);
        errno = ENOMEM;
        return NULL;
    }
    if (config->table_watch.max) {
        med_ppgtt_set_watch(sub->ppgtts, &config->table_watch);
    }
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        med_sched_entity_init(&sub->engines[e].entity, e, &sub->share);
        sub->engines[e].entity.owner_id = config->vgpu_id;
        for (unsigned i = 0; i < MED_WL_SLOTS; i++) {
            sub->engines[e].slots[i].sub = sub;
            sub->engines[e].slots[i].engine = e;
        }
    }
    return sub;
}

void med_vgpu_submission_destroy(struct med_vgpu_submission *sub)
{
    if (!sub) {
        return;
    }
    if (sub->scan) {
        med_vgpu_submission_reset(sub, (1u << GEN9_NUM_ENGINES) - 1);
    }
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        for (unsigned i = 0; i < MED_WL_SLOTS; i++) {
            med_host_buf_free(sub->config.host->host_mem, &sub->engines[e].slots[i].mem);
            free(sub->engines[e].slots[i].sites);
            med_wl_loops_free(&sub->engines[e].slots[i]);
            free(sub->engines[e].slots[i].part_ends);
            free(sub->engines[e].slots[i].writes);
        }
    }
    med_ppgtt_set_destroy(sub->ppgtts);
    med_page_pool_destroy(sub->pool);
    med_scan_destroy(sub->scan);
    med_wl_fetch_destroy(sub);
    free(sub->outbox);
    free(sub);
}

const struct med_vgpu_exec_stats *med_vgpu_submission_stats(const struct med_vgpu_submission *sub)
{
    return &sub->stats;
}

const struct med_sched_entity *med_vgpu_submission_entity(const struct med_vgpu_submission *sub,
                                                          enum gen9_engine engine)
{
    return &sub->engines[engine].entity;
}

const struct med_sched_share *med_vgpu_submission_share(const struct med_vgpu_submission *sub)
{
    return &sub->share;
}

unsigned med_vgpu_submission_ppgtt_count(const struct med_vgpu_submission *sub)
{
    return med_ppgtt_set_count(sub->ppgtts);
}

void med_vgpu_submission_set_share(struct med_vgpu_submission *sub,
                                   const struct med_sched_share *share)
{
    assert(med_sched_share_valid(share));
    sub->share = *share;
}
