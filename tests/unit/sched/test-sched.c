/*
 * The scheduler mechanism on the GPU model: workloads of two vGPUs taking
 * turns as ELSP pairs and completing in order, a hang in port 0 contained
 * by an engine reset (the workload in port 1 runs afterwards), a cancel
 * that never cancels or restarts another vGPU's work (its workload in
 * ELSP port 0 runs on from where it is; one the GPU had moved on to
 * behind the cancelled one is not reset), and a workload longer than a
 * time slice run one part at a time, with the other vGPU's work between
 * its parts; a loop preempted at its MI_ARB_CHECK each time the other
 * vGPU waits, resumed where it was, and ended by its batch rewritten.
 * Each workload is a context image and a ring in DMA-mapped host memory
 * storing a marker into a results page (GGTT).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "gen9/engine.h"
#include "pgpu/native.h"
#include "pgpu/skl-regs.h"
#include "sched/sched.h"

#define PAGE            4096u
#define MEM_PAGES       256
#define BUS             (1ull << 32)
#define GGTT            0x100000u       /* memory page n is at GGTT + n * PAGE */
#define STATUS_PAGE(e)  (e)             /* pages 0..3 */
#define RESULTS_PAGE    4
#define PML4_PAGE       5
#define WL_FIRST_PAGE   8               /* each workload: image (2), ring (2) */
#define WL_PAGES        4
#define MAX_WL          16
#define HANG_MS         100
#define PATIENT_HANG_MS 10000           /* for tests that hold a workload while they act */
#define SLICE_NS        1000000ull
#define BLOCK_NS        4000000ull      /* a blocked workload's GPU time: > SLICE_NS */

#define GATE            63              /* results[GATE] == 1 releases blocked workloads */
#define BLOCKER_GATE    62              /* ... results[BLOCKER_GATE] the blocker */
#define STARTED(i)      (40 + (i))      /* where a marked workload says it started */
#define STARTED_VALUE   0x57a7
#define PORT_1_GATE     61              /* never released: port 1's workload waits */
#define FED_PARTS       6               /* a gated workload's parts */
#define PART_STARTED(k) (100 + (k))     /* where its part k says it started */
#define PART_GATE(k)    (200 + (k))     /* results[PART_GATE(k)] == 1 releases part k */
#define PART_DONE(k)    (300 + (k))     /* where part k stores k + 1 */
#define IDLE_CTX_PAGE(e) (240 + MED_SCHED_IDLE_CONTEXT_PAGES * (e))    /* pages 240..251 */
#define LOOP_PAGE       252             /* the loop's batch */
#define LOOP_BACK_DW    6               /* its chain back */
#define ROUND           64              /* the loop stores 0 there each round */
#define ROUND_MARK      0xdeadu

struct test_workload {
    struct med_sched_workload sched;    /* first */
    unsigned index;
    uint32_t ends[FED_PARTS];           /* where each part ends in the ring */
    enum med_sched_result result;
    bool completed;
};

/*
 * What the scheduler drives: the model, seen through a GPU that can make a
 * context restore land right after a stop request (restore_after_stop).
 */
struct seen_gpu {
    struct pgpu base;
    struct pgpu *model;
    bool restore_after_stop;
    bool end_before_elsp;       /* see seen_mmio_write() */
    bool stop_before_elsp;
    unsigned end_gate;          /* the gate end_before_elsp opens */
    bool taken_at_once;         /* see seen_mmio_write() */
    unsigned elsp_dwords;       /* of the write taken_at_once waits for */
    /* The scheduler's interrupt handler, and how many times it returned. */
    pgpu_irq_handler *handler;
    void *opaque;
    unsigned irqs;
};

struct env {
    struct pgpu *gpu;
    struct seen_gpu seen;
    uint8_t *mem;
    struct med_sched *sched;
    struct test_workload wl[MAX_WL];
    unsigned order[MAX_WL], completed;
};

static struct env *the_env;             /* for the callbacks */

static uint64_t ggtt_of(unsigned page)
{
    return GGTT + (uint64_t)page * PAGE;
}

static uint32_t *page_of(struct env *e, unsigned page)
{
    return (uint32_t *)(e->mem + (size_t)page * PAGE);
}

static uint64_t bind(struct med_sched_workload *w, unsigned port)
{
    const struct test_workload *t = (const struct test_workload *)w;
    uint32_t *image = page_of(the_env, WL_FIRST_PAGE + WL_PAGES * t->index + 1);

    image[CTX_RING_TAIL_DW] = t->ends[w->run_end - 1];
    w->ctx_timestamp = &page_of(the_env, WL_FIRST_PAGE + WL_PAGES * t->index + 1)[CTX_TIMESTAMP_DW];
    return native_ctx_desc(ggtt_of(WL_FIRST_PAGE + WL_PAGES * t->index), 0) & 0xffffffffu;
}

static void extend(struct med_sched_workload *w)
{
    const struct test_workload *t = (const struct test_workload *)w;
    uint32_t *image = page_of(the_env, WL_FIRST_PAGE + WL_PAGES * t->index + 1);

    __atomic_store_n(&image[CTX_RING_TAIL_DW], t->ends[w->run_end - 1], __ATOMIC_RELEASE);
}

/* The rings start at 0 and do not wrap: the first part not ended. */
static unsigned part_at(const struct med_sched_workload *w, uint32_t ring_head)
{
    const struct test_workload *t = (const struct test_workload *)w;
    unsigned part = 0;

    while (part + 1 < w->parts && t->ends[part] <= ring_head) {
        part++;
    }
    return part;
}

/* @w left the scheduler: its result, and the order of results. */
static void record(struct env *e, struct med_sched_workload *w)
{
    struct test_workload *t = (struct test_workload *)w;

    assert_false(t->completed);
    t->result = w->result;
    t->completed = true;
    e->order[e->completed++] = t->index;
}

/* What the owner does after each call: take the done list. */
static void drain(struct env *e)
{
    struct med_sched_workload *w;

    while ((w = med_sched_next_done(e->sched))) {
        record(e, w);
    }
}

/* Cancel @en: its workloads come back from the call, others' that the
 * engine finished meanwhile on the done list. */
static void cancel(struct env *e, struct med_sched_entity *en)
{
    struct med_sched_workload *w, *next;

    for (w = med_sched_cancel(e->sched, en); w; w = next) {
        next = w->next;
        assert_ptr_equal(w->entity, en);
        record(e, w);
    }
    drain(e);
}

static struct pgpu *model_of(struct pgpu *gpu)
{
    return ((struct seen_gpu *)gpu)->model;
}

static uint64_t seen_mmio_read(struct pgpu *gpu, uint32_t offset, unsigned size)
{
    return model_of(gpu)->ops->mmio_read(model_of(gpu), offset, size);
}

static void wait_for_result(struct env *e, unsigned slot, uint32_t value);


/*
 * restore_after_stop: the first STOP_RING request on the render engine
 * meets port 0's workload ending (its gate opens), and port 1's context
 * restored (it stores its start marker and waits): RING_MI_MODE is context
 * state, and that image's clears STOP_RING, as every image i915 makes
 * does.  On the hardware the restore can land after the request; here it
 * is made to, every time.
 */
static uint32_t active_context(struct env *e);

/*
 * end_before_elsp: the next ELSP write on the render engine meets the
 * running workload ending (its gate, end_gate, opens) and the engine
 * idle, after the mechanism read the CSB for its decision: the race of a
 * pair that names port 0 again.  stop_before_elsp with it: the engine is
 * stopped (STOP_RING) before the write, so it does not take the pair, as
 * a cancel's stop arriving first would have it.
 * taken_at_once: the next ELSP write on the render engine returns once
 * the engine took it and the interrupt handler returned (an engine
 * waiting at an arbitration point takes it at once).
 */
/* The interrupt handler returned once more since it had @irqs times. */
static void wait_for_irq(const struct seen_gpu *seen, unsigned irqs)
{
    for (unsigned ms = 0; __atomic_load_n(&seen->irqs, __ATOMIC_ACQUIRE) == irqs; ms++) {
        assert_true(ms < 10000);
        nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
    }
}

static void seen_mmio_write(struct pgpu *gpu, uint32_t offset, uint64_t value, unsigned size)
{
    struct seen_gpu *seen = (struct seen_gpu *)gpu;
    struct pgpu *model = seen->model;
    uint32_t mi_mode = gen9_engines[GEN9_RCS].base + RING_MI_MODE;
    bool elsp = offset == gen9_engines[GEN9_RCS].base + RING_ELSP;
    bool taken_at_once = seen->taken_at_once && elsp && ++seen->elsp_dwords == 4;
    unsigned irqs = __atomic_load_n(&seen->irqs, __ATOMIC_ACQUIRE);

    if (seen->end_before_elsp && elsp) {
        seen->end_before_elsp = false;
        __atomic_store_n(&page_of(the_env, RESULTS_PAGE)[seen->end_gate], 1, __ATOMIC_RELEASE);
        for (unsigned ms = 0; active_context(the_env); ms++) {
            assert_true(ms < 10000);
            nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
        }
        if (seen->stop_before_elsp) {
            model->ops->mmio_write(model, mi_mode, MASKED_BIT_ENABLE(STOP_RING), 4);
        }
    }

    if (seen->restore_after_stop && offset == mi_mode && value == MASKED_BIT_ENABLE(STOP_RING)) {
        seen->restore_after_stop = false;
        __atomic_store_n(&page_of(the_env, RESULTS_PAGE)[GATE], 1, __ATOMIC_RELEASE);
        wait_for_result(the_env, STARTED(1), STARTED_VALUE);
        model->ops->mmio_write(model, offset, value, size);
        value = MASKED_BIT_DISABLE(STOP_RING);
    }
    model->ops->mmio_write(model, offset, value, size);
    if (taken_at_once) {
        seen->taken_at_once = false;
        wait_for_irq(seen, irqs);
    }
}

/* On the engine's thread. */
static void seen_irq(void *opaque)
{
    struct seen_gpu *seen = opaque;

    seen->handler(seen->opaque);
    __atomic_fetch_add(&seen->irqs, 1, __ATOMIC_RELEASE);
}

static void seen_set_irq_handler(struct pgpu *gpu, pgpu_irq_handler *handler, void *opaque)
{
    struct seen_gpu *seen = (struct seen_gpu *)gpu;

    seen->handler = handler;
    seen->opaque = opaque;
    model_of(gpu)->ops->set_irq_handler(model_of(gpu), handler ? seen_irq : NULL,
                                        handler ? seen : NULL);
}

static void seen_reset_engine(struct pgpu *gpu, enum gen9_engine engine)
{
    model_of(gpu)->ops->reset_engine(model_of(gpu), engine);
}

/* What the scheduler calls, no more. */
static const struct pgpu_ops seen_ops = {
    .name = "sched-test-seen", .mmio_read = seen_mmio_read, .mmio_write = seen_mmio_write,
    .set_irq_handler = seen_set_irq_handler, .reset_engine = seen_reset_engine,
};

static const struct med_sched_ops ops = { .bind = bind, .part_at = part_at, .extend = extend };
static const struct med_sched_share equal = { .weight = 1, .cap_percent = MED_SCHED_CAP_NONE };

static int setup_with(void **state, const struct med_sched_policy_ops *policy, uint64_t slice,
                      unsigned hang_ms, bool preemptive)
{
    struct env *e = calloc(1, sizeof(*e));
    struct med_sched_config config = {
        .policy = policy, .ops = &ops, .policy_params.time_slice_ns = slice,
    };

    *state = the_env = e;
    e->gpu = pgpu_skl_model.create(&(struct pgpu_config) {
        .name = "sched-test", .aperture_size = PGPU_APERTURE_DEFAULT, .hang_timeout_ms = hang_ms,
    });
    e->mem = aligned_alloc(PAGE, MEM_PAGES * PAGE);
    if (!e->gpu || !e->mem) {
        return -1;
    }
    memset(e->mem, 0, MEM_PAGES * PAGE);
    if (e->gpu->ops->dma_map(e->gpu, BUS, e->mem, MEM_PAGES * PAGE)) {
        return -1;
    }
    for (unsigned i = 0; i < MEM_PAGES; i++) {
        e->gpu->ops->ggtt_write(e->gpu, (uint32_t)(ggtt_of(i) / PAGE), (BUS + i * PAGE) | 1);
    }
    e->seen = (struct seen_gpu){ .base.ops = &seen_ops, .model = e->gpu, .end_gate = GATE };
    config.gpu = &e->seen.base;
    for (unsigned i = 0; i < GEN9_NUM_ENGINES; i++) {
        config.status_page[i].map = page_of(e, STATUS_PAGE(i));
        config.status_page[i].ggtt = ggtt_of(STATUS_PAGE(i));
        if (preemptive) {
            config.idle_context[i].map = page_of(e, IDLE_CTX_PAGE(i));
            config.idle_context[i].ggtt = ggtt_of(IDLE_CTX_PAGE(i));
        }
    }
    e->sched = med_sched_create(&config);
    return e->sched ? 0 : -1;
}

static int setup(void **state)
{
    return setup_with(state, &med_sched_policy_rr, 0, HANG_MS, false);
}

static int setup_patient(void **state)
{
    return setup_with(state, &med_sched_policy_rr, 0, PATIENT_HANG_MS, false);
}

static int setup_sliced(void **state)
{
    return setup_with(state, &med_sched_policy_rr, SLICE_NS, PATIENT_HANG_MS, false);
}

static int teardown(void **state)
{
    struct env *e = *state;

    med_sched_detach(e->sched);
    e->gpu->ops->destroy(e->gpu);
    med_sched_destroy(e->sched);
    free(e->mem);
    free(e);
    return 0;
}


static void emit_store(uint32_t *r, uint32_t *n, unsigned slot, uint32_t value)
{
    r[(*n)++] = MI_STORE_DATA_IMM | MI_USE_GGTT;
    r[(*n)++] = (uint32_t)ggtt_of(RESULTS_PAGE) + 4 * slot;
    r[(*n)++] = 0;
    r[(*n)++] = value;
}

/* Wait until results[@gate] == 1. */
static void emit_wait(uint32_t *r, uint32_t *n, unsigned gate)
{
    r[(*n)++] = MI_SEMAPHORE_WAIT | MI_USE_GGTT | MI_SEMAPHORE_POLL |
                MI_SEMAPHORE_OP(MI_SEMAPHORE_SAD_EQ_SDD);
    r[(*n)++] = 1;
    r[(*n)++] = (uint32_t)ggtt_of(RESULTS_PAGE) + 4 * gate;
    r[(*n)++] = 0;
}

/* Workload @i on RCS: store STARTED_VALUE into results[STARTED(i)] first
 * if @marked, wait for results[@gate] == 1 if @gate, then store @i + 1
 * into results[i]; in two parts if @two_parts, the second storing
 * @i + 101 into results[32 + i]. */
static struct test_workload *workload_shaped(struct env *e, unsigned i, bool marked,
                                             unsigned gate, bool two_parts)
{
    struct test_workload *t = &e->wl[i];
    unsigned image = WL_FIRST_PAGE + WL_PAGES * i, ring = image + 2;
    uint32_t *r = page_of(e, ring), n = 0;

    native_lrc_init(page_of(e, image + 1), GEN9_RCS, (uint32_t)ggtt_of(ring), 2 * PAGE,
                    BUS + PML4_PAGE * PAGE);
    if (marked) {
        emit_store(r, &n, STARTED(i), STARTED_VALUE);
    }
    if (gate) {
        emit_wait(r, &n, gate);
    }
    emit_store(r, &n, i, i + 1);
    if (n % 2) {
        r[n++] = MI_NOOP;
    }
    t->ends[0] = 4 * n;
    if (two_parts) {
        emit_store(r, &n, 32 + i, i + 101);
    }
    t->ends[two_parts] = 4 * n;
    t->index = i;
    t->sched.parts = two_parts ? 2 : 1;
    return t;
}

/* Workload @i on RCS in FED_PARTS parts, as a guest's element of one
 * batch per request: part k stores STARTED_VALUE into
 * results[PART_STARTED(k)], waits for results[PART_GATE(k)] == 1, then
 * stores k + 1 into results[PART_DONE(k)]. */
static struct test_workload *workload_gated_parts(struct env *e, unsigned i)
{
    struct test_workload *t = &e->wl[i];
    unsigned image = WL_FIRST_PAGE + WL_PAGES * i, ring = image + 2;
    uint32_t *r = page_of(e, ring), n = 0;

    native_lrc_init(page_of(e, image + 1), GEN9_RCS, (uint32_t)ggtt_of(ring), 2 * PAGE,
                    BUS + PML4_PAGE * PAGE);
    for (unsigned k = 0; k < FED_PARTS; k++) {
        emit_store(r, &n, PART_STARTED(k), STARTED_VALUE);
        emit_wait(r, &n, PART_GATE(k));
        emit_store(r, &n, PART_DONE(k), k + 1);
        t->ends[k] = 4 * n;     /* 12 dwords: 8-byte aligned */
    }
    t->index = i;
    t->sched.parts = FED_PARTS;
    return t;
}

/* A @blocked workload waits for results[GATE] and is marked (it says when
 * it runs: block_then_release). */
static struct test_workload *workload_parts(struct env *e, unsigned i, bool blocked,
                                            bool two_parts)
{
    return workload_shaped(e, i, blocked, blocked ? GATE : 0, two_parts);
}

static struct test_workload *workload(struct env *e, unsigned i, bool blocked)
{
    return workload_parts(e, i, blocked, false);
}

static void run_until(struct env *e, unsigned completed)
{
    struct pollfd p = { .fd = med_sched_fd(e->sched), .events = POLLIN };

    while (e->completed < completed) {
        assert_int_equal(poll(&p, 1, 10000), 1);
        med_sched_process(e->sched);
        drain(e);
    }
}

static void test_vgpus_take_turns_in_pairs(void **state)
{
    struct env *e = *state;
    struct med_sched_entity a, b;
    /* [0] alone (the queues were empty), then [1, 3] (a then b), then [2]. */
    static const unsigned expected[] = { 0, 1, 3, 2 };

    med_sched_entity_init(&a, GEN9_RCS, &equal);
    med_sched_entity_init(&b, GEN9_RCS, &equal);
    /* A blocked first workload holds the engine while the queues fill,
     * at once (held), as one wake-up of the mediator takes them: with b
     * waiting, nothing goes behind it (may_append()). */
    med_sched_submit(e->sched, &a, &workload(e, 0, true)->sched);
    med_sched_hold(e->sched);
    med_sched_submit(e->sched, &a, &workload(e, 1, false)->sched);
    med_sched_submit(e->sched, &a, &workload(e, 2, false)->sched);
    med_sched_submit(e->sched, &b, &workload(e, 3, false)->sched);
    med_sched_release(e->sched);
    __atomic_store_n(&page_of(e, RESULTS_PAGE)[GATE], 1, __ATOMIC_RELEASE);
    run_until(e, 4);
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(e->order[i], expected[i]);
        assert_int_equal(e->wl[i].result, MED_SCHED_DONE);
        assert_int_equal(page_of(e, RESULTS_PAGE)[i], i + 1);
    }
    assert_int_equal(med_sched_get_stats(e->sched)->dispatched, 4);
    assert_int_equal(med_sched_get_stats(e->sched)->resets, 0);
}

/* Held, submissions of two vGPUs to an idle engine wait; released, they
 * go as one ELSP pair (without the hold: the first alone, at once, and
 * the second after its interrupt, as in the test above). */
static void test_held_submissions_share_one_elsp_pair(void **state)
{
    struct env *e = *state;
    struct med_sched_entity a, b;
    const struct med_sched_stats *st = med_sched_get_stats(e->sched);

    med_sched_entity_init(&a, GEN9_RCS, &equal);
    med_sched_entity_init(&b, GEN9_RCS, &equal);
    med_sched_hold(e->sched);
    med_sched_submit(e->sched, &a, &workload(e, 0, false)->sched);
    med_sched_submit(e->sched, &b, &workload(e, 1, false)->sched);
    assert_int_equal(st->elsp_writes, 0);
    assert_int_equal(st->dispatched, 0);
    med_sched_release(e->sched);
    assert_int_equal(st->elsp_writes, 1);
    assert_int_equal(st->elsp_pairs, 1);
    assert_int_equal(st->dispatched, 2);
    run_until(e, 2);
    assert_int_equal(e->order[0], 0);
    assert_int_equal(e->order[1], 1);
    assert_int_equal(st->elsp_writes, 1);
}

static uint64_t test_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The waits the mechanism counts (bench-sched's figure): a's workload
 * starts at once; b's waits behind it until the test opens its gate,
 * HOLD_NS later by the test's own clock, and no longer than the test saw
 * from b's submission to its completion. */
static void test_a_wait_for_the_engine_is_counted(void **state)
{
    enum { HOLD_NS = 20000000 };
    struct env *e = *state;
    struct med_sched_entity a, b;
    const struct med_sched_stats *st = med_sched_get_stats(e->sched);
    struct timespec hold = { .tv_nsec = HOLD_NS };
    uint64_t submitted, done;

    med_sched_entity_init(&a, GEN9_RCS, &equal);
    med_sched_entity_init(&b, GEN9_RCS, &equal);
    med_sched_submit(e->sched, &a, &workload(e, 0, true)->sched);
    submitted = test_now_ns();
    med_sched_submit(e->sched, &b, &workload(e, 1, false)->sched);
    nanosleep(&hold, NULL);
    __atomic_store_n(&page_of(e, RESULTS_PAGE)[GATE], 1, __ATOMIC_RELEASE);
    run_until(e, 2);
    done = test_now_ns();
    assert_int_equal(st->waits, 2);
    assert_true(st->wait_max_ns >= HOLD_NS);
    assert_true(st->wait_max_ns <= done - submitted);
    /* the greatest, read back from the histogram: its bucket is within 1/8 */
    assert_true(med_sched_wait_ns(st, 1.0) == st->wait_max_ns);
    assert_true(med_sched_wait_ns(st, 0.99) == st->wait_max_ns);
    /* the median is a's wait, which was no wait */
    assert_true(med_sched_wait_ns(st, 0.5) < HOLD_NS / 8);
}

/* The mechanism reports nothing itself: a workload the GPU finished waits
 * on the done list until the owner takes it after med_sched_process()
 * returned, and the owner's reaction (submitting the next) runs outside
 * the mechanism's completion loop. */
static void test_completion_waits_for_its_owner(void **state)
{
    struct env *e = *state;
    struct med_sched_entity a;
    struct pollfd p = { .fd = med_sched_fd(e->sched), .events = POLLIN };
    struct med_sched_workload *w;

    med_sched_entity_init(&a, GEN9_RCS, &equal);
    med_sched_submit(e->sched, &a, &workload(e, 0, false)->sched);
    while (!med_sched_get_stats(e->sched)->completed) {
        assert_int_equal(poll(&p, 1, 10000), 1);
        med_sched_process(e->sched);
    }
    assert_int_equal(e->completed, 0);
    w = med_sched_next_done(e->sched);
    assert_ptr_equal(w, &e->wl[0].sched);
    assert_int_equal(w->result, MED_SCHED_DONE);
    assert_null(med_sched_next_done(e->sched));
    record(e, w);
    med_sched_submit(e->sched, &a, &workload(e, 1, false)->sched);
    assert_int_equal(med_sched_get_stats(e->sched)->dispatched, 2);
    run_until(e, 2);
    assert_int_equal(e->wl[1].result, MED_SCHED_DONE);
    assert_int_equal(page_of(e, RESULTS_PAGE)[1], 2);
}

static void test_hang_in_port_0_spares_port_1(void **state)
{
    struct env *e = *state;
    struct med_sched_entity a, b;

    med_sched_entity_init(&a, GEN9_RCS, &equal);
    med_sched_entity_init(&b, GEN9_RCS, &equal);
    med_sched_submit(e->sched, &a, &workload(e, 0, true)->sched);   /* never released */
    med_sched_submit(e->sched, &b, &workload(e, 1, false)->sched);
    run_until(e, 2);
    assert_int_equal(e->order[0], 0);
    assert_int_equal(e->wl[0].result, MED_SCHED_HANG);
    assert_int_equal(e->wl[0].sched.engine_error & RING_ERR_HANG, RING_ERR_HANG);
    assert_int_equal(e->wl[1].result, MED_SCHED_DONE);
    assert_int_equal(page_of(e, RESULTS_PAGE)[0], 0);
    assert_int_equal(page_of(e, RESULTS_PAGE)[1], 2);
    assert_int_equal(med_sched_get_stats(e->sched)->resets, 1);
    assert_int_equal(med_sched_get_stats(e->sched)->hangs, 1);
}

/* A GPU stays stuck in a hung context until its owner resets the engine:
 * the hung vGPU's later work (in port 1 and queued) is cancelled unrun,
 * since a later request of the context would pass the hung one's
 * breadcrumb; the other vGPU's runs. */
static void test_hang_cancels_its_vgpus_later_work(void **state)
{
    struct env *e = *state;
    struct med_sched_entity a, b;

    med_sched_entity_init(&a, GEN9_RCS, &equal);
    med_sched_entity_init(&b, GEN9_RCS, &equal);
    med_sched_submit(e->sched, &a, &workload(e, 0, true)->sched);   /* never released */
    med_sched_submit(e->sched, &a, &workload(e, 1, false)->sched);
    med_sched_submit(e->sched, &a, &workload(e, 2, false)->sched);
    med_sched_submit(e->sched, &b, &workload(e, 3, false)->sched);
    run_until(e, 4);
    assert_int_equal(e->wl[0].result, MED_SCHED_HANG);
    assert_int_equal(e->wl[1].result, MED_SCHED_CANCELLED);
    assert_int_equal(e->wl[2].result, MED_SCHED_CANCELLED);
    assert_int_equal(e->wl[3].result, MED_SCHED_DONE);
    assert_int_equal(page_of(e, RESULTS_PAGE)[1], 0);
    assert_int_equal(page_of(e, RESULTS_PAGE)[2], 0);
    assert_int_equal(page_of(e, RESULTS_PAGE)[3], 4);
    assert_int_equal(med_sched_get_stats(e->sched)->hangs, 1);
    assert_int_equal(med_sched_get_stats(e->sched)->cancelled, 2);
}

static void sleep_ns(uint64_t ns)
{
    nanosleep(&(struct timespec){ .tv_sec = 0, .tv_nsec = (long)ns }, NULL);
}

static uint32_t result(struct env *e, unsigned slot)
{
    return __atomic_load_n(&page_of(e, RESULTS_PAGE)[slot], __ATOMIC_ACQUIRE);
}

static void wait_for_result(struct env *e, unsigned slot, uint32_t value)
{
    for (unsigned ms = 0; result(e, slot) != value; ms++) {
        assert_true(ms < 10000);
        sleep_ns(1000000);
    }
}

/*
 * Three new vGPUs: workload 2 of the third (c) holds the engine until
 * @first and @second are queued, so that they go to the GPU as one ELSP
 * pair (round robin: @first's vGPU, then @second's).  Held until c's
 * completion: released earlier, @first would go behind c's running
 * workload (may_append(): c has nothing more queued).
 */
static void dispatch_as_pair(struct env *e, struct med_sched_entity *c,
                             struct med_sched_entity *first, struct test_workload *w_first,
                             struct med_sched_entity *second, struct test_workload *w_second)
{
    med_sched_entity_init(first, GEN9_RCS, &equal);
    med_sched_entity_init(second, GEN9_RCS, &equal);
    med_sched_entity_init(c, GEN9_RCS, &equal);
    med_sched_submit(e->sched, c, &workload_shaped(e, 2, false, BLOCKER_GATE, false)->sched);
    med_sched_hold(e->sched);
    med_sched_submit(e->sched, first, &w_first->sched);
    med_sched_submit(e->sched, second, &w_second->sched);
    assert_int_equal(med_sched_get_stats(e->sched)->dispatched, 1);
    __atomic_store_n(&page_of(e, RESULTS_PAGE)[BLOCKER_GATE], 1, __ATOMIC_RELEASE);
    run_until(e, 1);
    med_sched_release(e->sched);
    assert_int_equal(e->order[0], 2);
    assert_int_equal(med_sched_get_stats(e->sched)->dispatched, 3);
}

/* Once workload @i stored its start marker (it runs), clear the marker
 * and cancel @en. */
static void cancel_once_started(struct env *e, unsigned i, struct med_sched_entity *en)
{
    wait_for_result(e, STARTED(i), STARTED_VALUE);
    __atomic_store_n(&page_of(e, RESULTS_PAGE)[STARTED(i)], 0, __ATOMIC_RELEASE);
    cancel(e, en);
}

/* a's workload 0 runs in ELSP port 0 (it stored its start marker and
 * waits on the gate), b's workload 1 sits in port 1; b is cancelled.  a's
 * workload must go on from where it is: its marker, cleared meanwhile, is
 * never written again, and it completes once; b's never ran. */
static void test_cancel_in_port_1_leaves_port_0_running(void **state)
{
    struct env *e = *state;
    struct med_sched_entity a, b, c;

    dispatch_as_pair(e, &c, &a, workload_shaped(e, 0, true, GATE, false),
                     &b, workload(e, 1, false));
    cancel_once_started(e, 0, &b);
    assert_int_equal(e->completed, 2);
    assert_int_equal(e->wl[1].result, MED_SCHED_CANCELLED);
    assert_int_equal(med_sched_get_stats(e->sched)->resets, 0);
    assert_int_equal(med_sched_get_stats(e->sched)->port1_drops, 1);
    assert_int_equal(b.on_gpu, 0);
    __atomic_store_n(&page_of(e, RESULTS_PAGE)[GATE], 1, __ATOMIC_RELEASE);
    run_until(e, 3);
    assert_int_equal(e->wl[0].result, MED_SCHED_DONE);
    assert_int_equal(result(e, 0), 1);
    assert_int_equal(result(e, STARTED(0)), 0);    /* not run again from its start */
    assert_int_equal(result(e, 1), 0);
    assert_int_equal(med_sched_get_stats(e->sched)->dispatched, 3);
    assert_int_equal(a.workloads, 1);
}

/* b's workload 0 in port 0 completed on the GPU, which went on to a's
 * workload 1 in port 1 (it stored its marker and waits); the scheduler has
 * not yet read that completion when b is cancelled.  The engine must not
 * be reset under a's workload: it runs on, once. */
static void test_cancel_after_port_0_completed_spares_port_1(void **state)
{
    struct env *e = *state;
    struct med_sched_entity a, b, c;

    dispatch_as_pair(e, &c, &b, workload(e, 0, false),
                     &a, workload_shaped(e, 1, true, GATE, false));
    cancel_once_started(e, 1, &b);
    assert_int_equal(e->completed, 2);
    assert_int_equal(e->wl[0].result, MED_SCHED_DONE);      /* it had run to its end */
    assert_int_equal(med_sched_get_stats(e->sched)->resets, 0);
    __atomic_store_n(&page_of(e, RESULTS_PAGE)[GATE], 1, __ATOMIC_RELEASE);
    run_until(e, 3);
    assert_int_equal(e->wl[1].result, MED_SCHED_DONE);
    assert_int_equal(result(e, 1), 2);
    assert_int_equal(result(e, STARTED(1)), 0);    /* not run again from its start */
    assert_int_equal(med_sched_get_stats(e->sched)->dispatched, 3);
}

/*
 * a's workload 0 runs in port 0 (marked, blocked), b's workload 1 waits in
 * port 1; b is cancelled just as a's ends and the engine restores b's
 * context, whose image clears the STOP_RING the cancel asked for.  The
 * cancel must not wait for an idle engine that runs on in b's context (it
 * did, until the hang detector stopped b: the other vGPU's completion
 * waited that long): it asks again, then finds a's workload done and b's
 * running, and resets the engine under b's.
 */
static void test_cancel_as_port_1_is_restored_stops_it(void **state)
{
    struct env *e = *state;
    struct med_sched_entity a, b, c;

    dispatch_as_pair(e, &c, &a, workload_shaped(e, 0, true, GATE, false),
                     &b, workload_shaped(e, 1, true, PORT_1_GATE, false));
    wait_for_result(e, STARTED(0), STARTED_VALUE);
    e->seen.restore_after_stop = true;
    cancel(e, &b);
    assert_false(e->seen.restore_after_stop);
    assert_int_equal(e->completed, 3);
    assert_int_equal(e->wl[0].result, MED_SCHED_DONE);
    assert_int_equal(e->wl[1].result, MED_SCHED_CANCELLED);
    assert_int_equal(result(e, 0), 1);
    assert_int_equal(result(e, 1), 0);
    assert_int_equal(med_sched_get_stats(e->sched)->stops_repeated, 1);
    assert_int_equal(med_sched_get_stats(e->sched)->hangs, 0);
    assert_int_equal(med_sched_get_stats(e->sched)->resets, 1);
    assert_int_equal(b.on_gpu, 0);
    assert_int_equal(a.workloads, 1);
}

/* b's workload 0 runs in port 0 (blocked), a's workload 1 waits in port 1,
 * b's workload 3 in b's queue; b is cancelled: the engine is reset under
 * b's workload, a's (which never ran) runs afterwards, once. */
static void test_cancel_in_port_0_requeues_port_1(void **state)
{
    struct env *e = *state;
    struct med_sched_entity a, b, c;

    dispatch_as_pair(e, &c, &b, workload(e, 0, true),
                     &a, workload_shaped(e, 1, true, 0, false));
    med_sched_submit(e->sched, &b, &workload(e, 3, false)->sched);
    assert_int_equal(result(e, STARTED(1)), 0);
    cancel(e, &b);
    run_until(e, 4);
    assert_int_equal(e->wl[0].result, MED_SCHED_CANCELLED);
    assert_int_equal(e->wl[3].result, MED_SCHED_CANCELLED);
    assert_int_equal(e->wl[1].result, MED_SCHED_DONE);
    assert_int_equal(e->order[3], 1);
    assert_int_equal(result(e, 1), 2);
    assert_int_equal(result(e, 0), 0);
    assert_int_equal(result(e, 3), 0);
    assert_int_equal(med_sched_get_stats(e->sched)->resets, 1);
    assert_int_equal(med_sched_get_stats(e->sched)->port1_drops, 0);
    assert_int_equal(med_sched_get_stats(e->sched)->dispatched, 4);
    assert_int_equal(b.workloads, 1);
    assert_int_equal(b.on_gpu, 0);
    assert_null(b.first);
}

/* Hold workload @i (blocked on results[GATE], marked) until the GPU's own
 * clock says it has been on the engine for BLOCK_NS (its live CTX_TIMESTAMP,
 * from the value it was dispatched with), then release the blocked
 * workloads and run until @completed.  By the GPU's clock, not the test's
 * sleep: a host that keeps the engine thread off a CPU meanwhile does not
 * count for the context (pgpu/skl-execlist.c). */
static void block_then_release(struct env *e, unsigned i, unsigned completed)
{
    const uint64_t block_ticks = BLOCK_NS * SKL_CS_CLOCK_HZ / 1000000000ull;
    const struct med_sched_workload *w = &e->wl[i].sched;
    uint32_t now;

    wait_for_result(e, STARTED(i), STARTED_VALUE);
    do {
        sleep_ns(100000);
        now = (uint32_t)pgpu_skl_model.mmio_read(e->gpu, gen9_engines[GEN9_RCS].base + RING_CTX_TIMESTAMP, 4);
    } while ((uint32_t)(now - w->ctx_timestamp_start) < block_ticks);
    __atomic_store_n(&page_of(e, RESULTS_PAGE)[STARTED(i)], 0, __ATOMIC_RELEASE);
    __atomic_store_n(&page_of(e, RESULTS_PAGE)[GATE], 1, __ATOMIC_RELEASE);
    run_until(e, completed);
    __atomic_store_n(&page_of(e, RESULTS_PAGE)[GATE], 0, __ATOMIC_RELEASE);
}

static void test_long_workload_runs_a_slice_at_a_time(void **state)
{
    struct env *e = *state;
    static const unsigned expected[] = { 0, 1, 3, 2 };
    struct med_sched_entity a, b;
    uint64_t a_backlog;

    med_sched_entity_init(&a, GEN9_RCS, &equal);
    med_sched_entity_init(&b, GEN9_RCS, &equal);
    /* Its GPU time per part unknown: both parts in one run. */
    med_sched_submit(e->sched, &a, &workload_parts(e, 0, true, true)->sched);
    assert_int_equal(med_sched_get_stats(e->sched)->dispatched, 1);
    block_then_release(e, 0, 1);
    assert_int_equal(page_of(e, RESULTS_PAGE)[32], 101);
    assert_true(med_sched_backlog_ns(&a, 0) >= BLOCK_NS);
    assert_true(a.part_ns >= SLICE_NS);
    /* A part is known to fill a slice: with b waiting, a's two-part
     * workload runs one part, nothing behind it in port 1, and b's
     * workload runs between its parts. */
    med_sched_submit(e->sched, &a, &workload(e, 1, true)->sched);
    med_sched_submit(e->sched, &a, &workload_parts(e, 2, false, true)->sched);
    med_sched_submit(e->sched, &b, &workload(e, 3, false)->sched);
    block_then_release(e, 1, 4);
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(e->order[i], expected[i]);
        assert_int_equal(e->wl[i].result, MED_SCHED_DONE);
        assert_int_equal(page_of(e, RESULTS_PAGE)[i], i + 1);
    }
    assert_int_equal(page_of(e, RESULTS_PAGE)[34], 103);
    /* 0 | 1 | 2's first part | 3 with 2's second part in port 1 */
    assert_int_equal(med_sched_get_stats(e->sched)->dispatched, 5);
    assert_int_equal(a.workloads, 3);
    /* A workload's GPU time counts all its runs: 2's two add up to a's total. */
    assert_true(e->wl[0].sched.gpu_ns >= BLOCK_NS);
    assert_int_equal(a.busy_ns, e->wl[0].sched.gpu_ns + e->wl[1].sched.gpu_ns +
                                e->wl[2].sched.gpu_ns);
    /* The GPU's own total is every entity's. */
    assert_int_equal(med_sched_get_stats(e->sched)->busy_ns[GEN9_RCS], a.busy_ns + b.busy_ns);
    /* An idle vGPU is not backlogged: its time stops growing. */
    a_backlog = med_sched_backlog_ns(&a, 0);
    sleep_ns(BLOCK_NS);
    assert_int_equal(med_sched_backlog_ns(&a, UINT64_MAX), a_backlog);
    assert_true(med_sched_backlog_ns(&b, 0) > 0);
}

/* Take what the engine did so far (the test calls the mechanism as its
 * owner's event loop would at the interrupt). */
static void process(struct env *e)
{
    med_sched_process(e->sched);
    drain(e);
}

/* ELSP writes the GPU could not take (one while another waited). */
static uint64_t refused_submissions(struct env *e)
{
    struct pgpu_stats st;

    e->gpu->ops->get_stats(e->gpu, &st);
    return st.bad_submissions;
}

/* The engine's context ID in ELSP port 0: 0 when idle. */
static uint32_t active_context(struct env *e)
{
    return (uint32_t)pgpu_skl_model.mmio_read(e->gpu, gen9_engines[GEN9_RCS].base +
                                              RING_EXECLIST_STATUS_HI, 4);
}

/* a's workload 0 runs (held on the gate) and the engine has taken it:
 * its interrupt was processed. */
static void run_blocked(struct env *e, struct med_sched_entity *a)
{
    med_sched_entity_init(a, GEN9_RCS, &equal);
    med_sched_submit(e->sched, a, &workload(e, 0, true)->sched);
    wait_for_result(e, STARTED(0), STARTED_VALUE);
    process(e);
}

/* Workloads 0 .. @count - 1 complete, in that order. */
static void run_in_order(struct env *e, unsigned count)
{
    run_until(e, count);
    for (unsigned i = 0; i < count; i++) {
        assert_int_equal(e->order[i], i);
        assert_int_equal(e->wl[i].result, MED_SCHED_DONE);
    }
}

/* a's workload 1, queued while its workload 0 runs (the engine took the
 * pair: its interrupt was processed), goes behind it in port 1 as one
 * ELSP pair, workload 0's element again in port 0 (a lite restore): the
 * engine runs workload 1 without the mechanism being called again, as
 * the native driver's ELSP write while its context runs. */
static void test_next_workload_goes_behind_the_running_one(void **state)
{
    struct env *e = *state;
    struct med_sched_entity a;
    const struct med_sched_stats *st = med_sched_get_stats(e->sched);

    run_blocked(e, &a);
    med_sched_submit(e->sched, &a, &workload(e, 1, false)->sched);
    assert_int_equal(st->dispatched, 2);
    assert_int_equal(st->elsp_appends, 1);
    assert_int_equal(st->elsp_writes, 2);
    __atomic_store_n(&page_of(e, RESULTS_PAGE)[GATE], 1, __ATOMIC_RELEASE);
    wait_for_result(e, 1, 2);           /* no call since the submission */
    run_in_order(e, 2);
    assert_int_equal(result(e, 0), 1);
    assert_int_equal(st->early_completions, 0);
    assert_int_equal(st->stray_events, 0);
    assert_int_equal(st->resets, 0);
    assert_int_equal(a.workloads, 2);
    assert_int_equal(refused_submissions(e), 0);
}

/* As above, but workload 1 runs in workload 0's context (the owner's
 * next element of one guest context): in port 1 the engine would restore
 * its image before workload 0 saved into it, losing the state workload 0
 * leaves (a register it loaded), where on hardware the two are one
 * context.  It is not appended: it goes to port 0 at workload 0's
 * completion, an ELSP write to the idle engine. */
static void test_the_same_context_s_next_workload_is_not_appended(void **state)
{
    struct env *e = *state;
    struct med_sched_entity a;
    const struct med_sched_stats *st = med_sched_get_stats(e->sched);

    e->wl[0].sched.context = e->wl[1].sched.context = 7;
    run_blocked(e, &a);
    med_sched_submit(e->sched, &a, &workload(e, 1, false)->sched);
    assert_int_equal(st->dispatched, 1);
    assert_int_equal(st->elsp_appends, 0);
    __atomic_store_n(&page_of(e, RESULTS_PAGE)[GATE], 1, __ATOMIC_RELEASE);
    run_in_order(e, 2);
    assert_int_equal(st->dispatched, 2);
    assert_int_equal(st->elsp_writes, 2);
    assert_int_equal(st->elsp_pairs, 0);
    assert_int_equal(st->elsp_appends, 0);
    assert_int_equal(refused_submissions(e), 0);
}

/* Nor do two workloads of one context share the pair written to an idle
 * engine (held submissions, as test_held_submissions_share_one_elsp_pair
 * does with two vGPUs): the second waits for the first's completion. */
static void test_one_context_s_workloads_never_share_a_pair(void **state)
{
    struct env *e = *state;
    struct med_sched_entity a;
    const struct med_sched_stats *st = med_sched_get_stats(e->sched);

    med_sched_entity_init(&a, GEN9_RCS, &equal);
    med_sched_hold(e->sched);
    med_sched_submit(e->sched, &a, &workload(e, 0, false)->sched);
    e->wl[0].sched.context = 7;
    med_sched_submit(e->sched, &a, &workload(e, 1, false)->sched);
    e->wl[1].sched.context = 7;
    med_sched_release(e->sched);
    assert_int_equal(st->elsp_writes, 1);
    assert_int_equal(st->elsp_pairs, 0);
    assert_int_equal(st->dispatched, 1);
    run_in_order(e, 2);
    assert_int_equal(st->elsp_writes, 2);
    assert_int_equal(st->elsp_pairs, 0);
    assert_int_equal(refused_submissions(e), 0);
}

/* The race of the pair above: workload 0 ended on the GPU (after the
 * mechanism read the CSB for its decision) before the engine took the
 * pair that names it again.  The engine restores it from its saved tail,
 * completes it again at once and goes on to workload 1; workload 0 ends
 * once, with the second completion, and ran nothing twice. */
static void test_port_0_done_before_its_pair_was_taken(void **state)
{
    struct env *e = *state;
    struct med_sched_entity a;
    const struct med_sched_stats *st = med_sched_get_stats(e->sched);

    run_blocked(e, &a);
    __atomic_store_n(&page_of(e, RESULTS_PAGE)[STARTED(0)], 0, __ATOMIC_RELEASE);
    e->seen.end_before_elsp = true;
    med_sched_submit(e->sched, &a, &workload(e, 1, false)->sched);
    assert_false(e->seen.end_before_elsp);
    assert_int_equal(e->completed, 0);
    assert_int_equal(st->elsp_appends, 1);
    wait_for_result(e, 1, 2);
    run_in_order(e, 2);
    assert_int_equal(result(e, STARTED(0)), 0);    /* not run again from its start */
    assert_int_equal(st->early_completions, 1);
    assert_int_equal(st->stray_events, 0);
    assert_int_equal(st->resets, 0);
    assert_int_equal(refused_submissions(e), 0);
}

/* With b's workload 1 waiting, a's workload 2, queued while a's workload
 * 0 runs, is not put behind it, nor is b's: who follows is decided at
 * workload 0's completion, on its charge (round robin: b, with a's
 * workload 2 in port 1 then), as the pair an idle engine gets.  Both
 * queued at once (held), as one wake-up of the mediator takes them. */
static void test_no_append_while_another_vgpu_waits(void **state)
{
    struct env *e = *state;
    struct med_sched_entity a, b;
    const struct med_sched_stats *st = med_sched_get_stats(e->sched);

    med_sched_entity_init(&b, GEN9_RCS, &equal);
    run_blocked(e, &a);
    med_sched_hold(e->sched);
    med_sched_submit(e->sched, &b, &workload(e, 1, false)->sched);
    med_sched_submit(e->sched, &a, &workload(e, 2, false)->sched);
    med_sched_release(e->sched);
    process(e);
    assert_int_equal(st->elsp_appends, 0);
    assert_int_equal(st->dispatched, 1);
    __atomic_store_n(&page_of(e, RESULTS_PAGE)[GATE], 1, __ATOMIC_RELEASE);
    run_in_order(e, 3);
    assert_int_equal(st->elsp_pairs, 1);
    assert_int_equal(refused_submissions(e), 0);
}

/* a's workload 0 runs (blocked) with nothing of a queued behind it; b's
 * workload 1, queued meanwhile, goes behind it in port 1 (the policy
 * could pick no other: a is no candidate), and the engine runs it without
 * the mechanism being called again.  b's wait ends when its workload
 * reaches port 0, not at that dispatch: it waited HOLD_NS or more behind
 * a's (until 2026-12-07 the dispatch ended it, and a wait in port 1
 * counted as none). */
static void test_another_vgpus_workload_goes_behind_a_lone_one(void **state)
{
    enum { HOLD_NS = 20000000 };
    struct env *e = *state;
    struct med_sched_entity a, b;
    const struct med_sched_stats *st = med_sched_get_stats(e->sched);

    med_sched_entity_init(&b, GEN9_RCS, &equal);
    run_blocked(e, &a);
    med_sched_submit(e->sched, &b, &workload(e, 1, false)->sched);
    assert_int_equal(st->dispatched, 2);
    assert_int_equal(st->elsp_appends, 1);
    assert_int_equal(st->elsp_pairs, 1);
    sleep_ns(HOLD_NS);
    __atomic_store_n(&page_of(e, RESULTS_PAGE)[GATE], 1, __ATOMIC_RELEASE);
    wait_for_result(e, 1, 2);           /* no call since the submission */
    run_in_order(e, 2);
    assert_int_equal(st->vgpu_switches, 2);
    assert_true(st->wait_max_ns >= HOLD_NS);
    assert_int_equal(st->early_completions, 0);
    assert_int_equal(st->resets, 0);
    assert_int_equal(refused_submissions(e), 0);
}

/* As above, but a's workload 0 ended before the engine took the pair
 * naming it again (the engine stopped, as a cancel's stop arriving first
 * leaves it), and then b is cancelled: the engine is reset under the
 * pair it never took, b's workload is dropped unrun, and a's, whose work
 * was done, completes as done, once, without being dispatched again. */
static void test_cancel_behind_an_ended_port_0(void **state)
{
    struct env *e = *state;
    struct med_sched_entity a, b;
    const struct med_sched_stats *st = med_sched_get_stats(e->sched);

    med_sched_entity_init(&b, GEN9_RCS, &equal);
    run_blocked(e, &a);
    __atomic_store_n(&page_of(e, RESULTS_PAGE)[STARTED(0)], 0, __ATOMIC_RELEASE);
    e->seen.end_before_elsp = e->seen.stop_before_elsp = true;
    med_sched_submit(e->sched, &b, &workload(e, 1, false)->sched);
    assert_false(e->seen.end_before_elsp);
    assert_int_equal(st->elsp_appends, 1);
    cancel(e, &b);
    assert_int_equal(e->completed, 2);
    assert_int_equal(e->wl[0].result, MED_SCHED_DONE);
    assert_int_equal(e->wl[1].result, MED_SCHED_CANCELLED);
    assert_int_equal(st->early_completions, 1);
    assert_int_equal(st->resets, 1);
    assert_int_equal(st->dispatched, 2);
    assert_int_equal(result(e, 0), 1);
    assert_int_equal(result(e, 1), 0);
    assert_int_equal(result(e, STARTED(0)), 0);    /* not run again from its start */
    assert_int_equal(a.workloads, 1);
    assert_int_equal(a.on_gpu, 0);
    assert_int_equal(b.on_gpu, 0);
}

static int setup_weighted(void **state)
{
    return setup_with(state, &med_sched_policy_weighted, SLICE_NS, PATIENT_HANG_MS, false);
}

static int setup_preemptive(void **state)
{
    return setup_with(state, &med_sched_policy_weighted, SLICE_NS, PATIENT_HANG_MS, true);
}

/* Workload @i on RCS: store STARTED_VALUE into results[STARTED(i)], run
 * the loop batch (each round stores 0 into results[ROUND], then
 * MI_ARB_CHECK and a chain back, as a spinner goes round through the
 * mediator's trampoline), then store @i + 1 into results[i]. */
static struct test_workload *workload_looping(struct env *e, unsigned i)
{
    struct test_workload *t = &e->wl[i];
    unsigned image = WL_FIRST_PAGE + WL_PAGES * i, ring = image + 2;
    uint32_t *r = page_of(e, ring), *loop = page_of(e, LOOP_PAGE), n = 0, k = 0;

    native_lrc_init(page_of(e, image + 1), GEN9_RCS, (uint32_t)ggtt_of(ring), 2 * PAGE,
                    BUS + PML4_PAGE * PAGE);
    emit_store(r, &n, STARTED(i), STARTED_VALUE);
    r[n++] = MI_BATCH_BUFFER_START;
    r[n++] = (uint32_t)ggtt_of(LOOP_PAGE);
    r[n++] = 0;
    emit_store(r, &n, i, i + 1);
    r[n++] = MI_NOOP;
    emit_store(loop, &k, ROUND, 0);
    loop[k++] = MI_ARB_CHECK;
    loop[k++] = MI_NOOP;
    assert_int_equal(k, LOOP_BACK_DW);
    loop[k++] = MI_BATCH_BUFFER_START;
    loop[k++] = (uint32_t)ggtt_of(LOOP_PAGE);
    loop[k++] = 0;
    t->ends[0] = 4 * n;
    t->index = i;
    t->sched.parts = 1;
    return t;
}

/* Wait until the loop went round once more from now. */
static void wait_for_a_round(struct env *e)
{
    __atomic_store_n(&page_of(e, RESULTS_PAGE)[ROUND], ROUND_MARK, __ATOMIC_RELEASE);
    wait_for_result(e, ROUND, 0);
}

/*
 * A loop (a's, IGT's spinner through the mediator's trampoline) holds the
 * engine while b submits a workload at a time: each time the mechanism
 * preempts the loop after its slice (the idle context at its
 * MI_ARB_CHECK), b's workload runs and completes, and the loop resumes
 * where it was (its ring's store before the batch not run again) and
 * goes round again; no reset, no hang.  Then the CPU writes
 * MI_BATCH_BUFFER_END over its chain back, and it completes.  Without
 * preemption b's first workload waits for ever (no part limit here).
 */
static void test_a_loop_is_preempted_while_another_vgpu_waits(void **state)
{
    enum { B_WORKLOADS = 5 };
    struct env *e = *state;
    struct med_sched_entity a, b;
    const struct med_sched_stats *st = med_sched_get_stats(e->sched);

    med_sched_entity_init(&a, GEN9_RCS, &equal);
    med_sched_entity_init(&b, GEN9_RCS, &equal);
    med_sched_submit(e->sched, &a, &workload_looping(e, 0)->sched);
    wait_for_result(e, STARTED(0), STARTED_VALUE);
    wait_for_a_round(e);
    for (unsigned i = 1; i <= B_WORKLOADS; i++) {
        med_sched_submit(e->sched, &b, &workload(e, i, false)->sched);
        run_until(e, i);
        assert_int_equal(e->order[i - 1], i);
        assert_int_equal(e->wl[i].result, MED_SCHED_DONE);
        assert_int_equal(result(e, i), i + 1);
        assert_false(e->wl[0].completed);
        __atomic_store_n(&page_of(e, RESULTS_PAGE)[STARTED(0)], 0, __ATOMIC_RELEASE);
        wait_for_a_round(e);
        assert_int_equal(st->preempted, i);
    }
    assert_int_equal(st->preemptions, B_WORKLOADS);
    __atomic_store_n(&page_of(e, LOOP_PAGE)[LOOP_BACK_DW], MI_BATCH_BUFFER_END,
                     __ATOMIC_RELEASE);
    run_until(e, B_WORKLOADS + 1);
    assert_int_equal(e->order[B_WORKLOADS], 0);
    assert_int_equal(e->wl[0].result, MED_SCHED_DONE);
    assert_int_equal(result(e, 0), 1);
    assert_int_equal(result(e, STARTED(0)), 0);    /* resumed in its batch each time */
    assert_int_equal(st->hangs, 0);
    assert_int_equal(st->resets, 0);
    assert_int_equal(a.on_gpu + b.on_gpu, 0);
}

/* A vGPU whose parts are known to fill a slice, next to one capped out for
 * longer than two of them: its two-part workload is one dispatch (no idle
 * engine between its parts), and the capped one runs when its bucket
 * refilled. */
static void test_parts_run_on_while_the_other_is_capped_out(void **state)
{
    struct env *e = *state;
    static const struct med_sched_share two_percent = { .weight = 1, .cap_percent = 2 };
    struct med_sched_entity a, b;

    med_sched_entity_init(&a, GEN9_RCS, &equal);
    med_sched_entity_init(&b, GEN9_RCS, &two_percent);
    med_sched_submit(e->sched, &a, &workload(e, 0, true)->sched);
    block_then_release(e, 0, 1);
    assert_true(a.part_ns >= BLOCK_NS);
    /* b's bucket holds 2 ms (a slice at least): BLOCK_NS overdraws it by
     * 2 ms or more, paid back in 100 ms of wall time or more */
    med_sched_submit(e->sched, &b, &workload(e, 1, true)->sched);
    block_then_release(e, 1, 2);
    med_sched_submit(e->sched, &b, &workload(e, 2, false)->sched);
    assert_int_equal(med_sched_get_stats(e->sched)->dispatched, 2);
    med_sched_submit(e->sched, &a, &workload_parts(e, 3, false, true)->sched);
    run_until(e, 4);
    assert_int_equal(e->order[2], 3);
    assert_int_equal(e->order[3], 2);
    assert_int_equal(page_of(e, RESULTS_PAGE)[35], 104);
    assert_int_equal(page_of(e, RESULTS_PAGE)[2], 3);
    /* 0 | 1 | both of 3's parts | 2 after the wake-up */
    assert_int_equal(med_sched_get_stats(e->sched)->dispatched, 4);
    assert_true(med_sched_get_stats(e->sched)->timer_wakeups >= 1);
}

/* Where the model was last told the running render context ends. */
static uint32_t engine_tail(struct env *e)
{
    return (uint32_t)pgpu_skl_model.mmio_read(e->gpu, gen9_engines[GEN9_RCS].base + RING_TAIL, 4);
}

/* Contexts the model restored (switched in) so far. */
static uint64_t model_context_switches(struct env *e)
{
    struct pgpu_stats st;

    e->gpu->ops->get_stats(e->gpu, &st);
    return st.context_switches;
}

static void open_part_gate(struct env *e, unsigned k)
{
    __atomic_store_n(&page_of(e, RESULTS_PAGE)[PART_GATE(k)], 1, __ATOMIC_RELEASE);
}

/* @t's part @k runs (it waits at its gate): take the mechanism's wake-ups,
 * as its owner's event loop would, until the engine holds the tail of
 * part @k + 1 as well (the model's RING_TAIL: given ahead, not yet run). */
static void wait_fed(struct env *e, const struct test_workload *t, unsigned k)
{
    struct pollfd p = { .fd = med_sched_fd(e->sched), .events = POLLIN };

    wait_for_result(e, PART_STARTED(k), STARTED_VALUE);
    for (unsigned ms = 0; engine_tail(e) != t->ends[k + 1]; ms++) {
        assert_true(ms < 10000);
        if (poll(&p, 1, 1) == 1) {
            process(e);
        }
    }
}

/* A weighted vGPU alone whose parts are known to fill a slice: a
 * dispatch is a part. */
static struct test_workload *fed_alone(struct env *e, struct med_sched_entity *a)
{
    med_sched_entity_init(a, GEN9_RCS, &equal);
    med_sched_submit(e->sched, a, &workload(e, 0, true)->sched);
    block_then_release(e, 0, 1);
    assert_true(a->part_ns >= SLICE_NS);
    return workload_gated_parts(e, 1);
}

/* @t, submitted as fed_alone()'s second workload, its parts before
 * @first run: each part's gate opens once the next part is given; every
 * part runs, in order. */
static void run_fed_to_its_end(struct env *e, const struct test_workload *t, unsigned first)
{
    for (unsigned k = first; k + 1 < FED_PARTS; k++) {
        wait_fed(e, t, k);
        open_part_gate(e, k);
    }
    open_part_gate(e, FED_PARTS - 1);
    run_until(e, 2);
    for (unsigned k = 0; k < FED_PARTS; k++) {
        assert_int_equal(result(e, PART_DONE(k)), k + 1);
    }
}

/*
 * Issue 15: a vGPU alone with an element of FED_PARTS parts, each known to
 * fill a slice.  Each part waits at a gate the test opens only once the
 * model's engine holds the next part's tail: the engine is given the next
 * part while it runs one (a lite restore, no completion between), so by
 * the model's own count the context is restored once for the whole
 * element, where one dispatch per part restores it once a part (and the
 * engine idles between).  Never more than one part ahead: the tail is the
 * next part's exactly.  Charged as it ran, the vGPU's GPU time adds up to
 * the workloads' own.
 */
static void test_a_lone_vgpu_is_fed_across_parts(void **state)
{
    struct env *e = *state;
    const struct med_sched_stats *st = med_sched_get_stats(e->sched);
    struct med_sched_entity a;
    struct test_workload *t = fed_alone(e, &a);
    uint64_t switches = model_context_switches(e), dispatched = st->dispatched;

    med_sched_submit(e->sched, &a, &t->sched);
    run_fed_to_its_end(e, t, 0);
    assert_int_equal(e->wl[1].result, MED_SCHED_DONE);
    assert_int_equal(model_context_switches(e) - switches, 1);
    assert_int_equal(st->dispatched - dispatched, 1);
    assert_int_equal(st->elsp_feeds, FED_PARTS - 1);
    assert_int_equal(a.busy_ns, e->wl[0].sched.gpu_ns + e->wl[1].sched.gpu_ns);
    assert_int_equal(st->busy_ns[GEN9_RCS], a.busy_ns);
}

/* @t, fed_alone()'s second workload, is submitted and fed its part 1
 * while the engine, in part 0, is stopped (STOP_RING), so that it takes
 * the write once the mechanism follows it (when the test starts it). */
static void feed_stopped(struct env *e, struct med_sched_entity *a, struct test_workload *t)
{
    uint32_t mi_mode = gen9_engines[GEN9_RCS].base + RING_MI_MODE;

    med_sched_submit(e->sched, a, &t->sched);
    wait_for_result(e, PART_STARTED(0), STARTED_VALUE);
    e->gpu->ops->mmio_write(e->gpu, mi_mode, MASKED_BIT_ENABLE(STOP_RING), 4);
    for (unsigned ms = 0; !(e->gpu->ops->mmio_read(e->gpu, mi_mode, 4) & MODE_IDLE); ms++) {
        assert_true(ms < 10000);
        sleep_ns(1000000);
    }
    process(e);
    assert_int_equal(med_sched_get_stats(e->sched)->elsp_feeds, 1);
}

/*
 * Parts the owner gives its running workload (med_sched_grow(): the
 * mediator's next element of the running context, decision 13 of
 * docs/architecture.md) are fed to it as its own: submitted with half of
 * its parts, given the rest while the engine runs the last of them, the
 * workload runs every part in one context restore by the model's count,
 * its tail one part ahead as before, one dispatch, no completion between.
 */
static void test_parts_given_to_a_running_workload_are_fed_to_it(void **state)
{
    struct env *e = *state;
    const struct med_sched_stats *st = med_sched_get_stats(e->sched);
    struct med_sched_entity a;
    struct test_workload *t = fed_alone(e, &a);
    uint64_t switches = model_context_switches(e), dispatched = st->dispatched;

    t->sched.parts = FED_PARTS / 2;
    med_sched_submit(e->sched, &a, &t->sched);
    for (unsigned k = 0; k + 1 < FED_PARTS / 2; k++) {
        wait_fed(e, t, k);
        open_part_gate(e, k);
    }
    wait_for_result(e, PART_STARTED(FED_PARTS / 2 - 1), STARTED_VALUE);
    assert_true(med_sched_may_grow(e->sched, &t->sched));
    t->sched.parts = FED_PARTS;
    med_sched_grow(e->sched, &t->sched);
    run_fed_to_its_end(e, t, FED_PARTS / 2 - 1);
    assert_int_equal(e->wl[1].result, MED_SCHED_DONE);
    assert_int_equal(model_context_switches(e) - switches, 1);
    assert_int_equal(st->dispatched - dispatched, 1);
    assert_int_equal(st->grown, 1);
    assert_int_equal(st->elsp_feeds, FED_PARTS - 1);
}

/*
 * The lite restore of a feed write, taken while the mechanism follows the
 * engine by its timer, wakes nobody: its interrupt is left to that timer,
 * which reads the CSB and feeds on (a wake-up costs the engine's thread a
 * system call and an IPI, GPU time the hardware does not spend).  The
 * engine is stopped (STOP_RING) across the decision to feed, so that it
 * takes the write once the mechanism follows it.
 */
static void test_a_fed_engine_leaves_its_lite_restores_to_the_timer(void **state)
{
    struct env *e = *state;
    const struct med_sched_stats *st = med_sched_get_stats(e->sched);
    uint32_t mi_mode = gen9_engines[GEN9_RCS].base + RING_MI_MODE;
    struct pollfd p = { .fd = med_sched_fd(e->sched), .events = POLLIN };
    struct med_sched_entity a;
    struct test_workload *t = fed_alone(e, &a);
    uint64_t interrupts;

    feed_stopped(e, &a, t);
    interrupts = st->interrupts;
    e->gpu->ops->mmio_write(e->gpu, mi_mode, MASKED_BIT_DISABLE(STOP_RING), 4);
    for (unsigned ms = 0; engine_tail(e) != t->ends[1]; ms++) {
        assert_true(ms < 10000);
        sleep_ns(1000000);
    }
    for (unsigned ms = 0; st->interrupts_deferred == 0; ms++) {
        assert_true(ms < 10000);
        if (poll(&p, 1, 1) == 1) {
            process(e);
        }
    }
    assert_int_equal(st->interrupts_deferred, 1);
    assert_int_equal(st->interrupts, interrupts);
    run_fed_to_its_end(e, t, 0);
    assert_int_equal(st->elsp_feeds, FED_PARTS - 1);
}

/* Take the mechanism's wake-ups until it made @feeds feed writes. */
static void process_until_fed(struct env *e, uint64_t feeds)
{
    const struct med_sched_stats *st = med_sched_get_stats(e->sched);
    struct pollfd p = { .fd = med_sched_fd(e->sched), .events = POLLIN };

    for (unsigned ms = 0; st->elsp_feeds < feeds; ms++) {
        assert_true(ms < 10000);
        if (poll(&p, 1, 1) == 1) {
            process(e);
        }
    }
}

/*
 * An error raised while a fed write's lite restore is left to the timer
 * wakes the event loop at once: the handler reads the error interrupt's
 * bit before it looks at the CSB.  Until 2026-12-08 the error waited for
 * the timer's look behind the lite restore.  The engine takes the write
 * while the mechanism follows it (stopped across the decision, as above),
 * then faults in the part given (a store to an unmapped address).
 */
static void test_an_error_behind_a_lite_restore_left_to_the_timer_wakes(void **state)
{
    struct env *e = *state;
    const struct med_sched_stats *st = med_sched_get_stats(e->sched);
    uint32_t mi_mode = gen9_engines[GEN9_RCS].base + RING_MI_MODE;
    uint32_t eir = gen9_engines[GEN9_RCS].base + RING_EIR;
    struct pollfd p = { .fd = med_sched_fd(e->sched), .events = POLLIN };
    struct med_sched_entity a;
    struct test_workload *t = fed_alone(e, &a);
    uint32_t *ring = page_of(e, WL_FIRST_PAGE + WL_PAGES * t->index + 2);
    uint64_t interrupts;
    unsigned irqs;

    feed_stopped(e, &a, t);
    interrupts = st->interrupts;
    ring[t->ends[0] / 4 + 1] = 0xfff00000u;     /* part 1's first store: no GGTT page */
    irqs = __atomic_load_n(&e->seen.irqs, __ATOMIC_ACQUIRE);
    e->gpu->ops->mmio_write(e->gpu, mi_mode, MASKED_BIT_DISABLE(STOP_RING), 4);
    wait_for_irq(&e->seen, irqs);                      /* the lite restore's */
    assert_int_equal(engine_tail(e), t->ends[1]);
    irqs = __atomic_load_n(&e->seen.irqs, __ATOMIC_ACQUIRE);
    open_part_gate(e, 0);
    wait_for_irq(&e->seen, irqs);                      /* the error's */
    assert_true(e->gpu->ops->mmio_read(e->gpu, eir, 4) & I915_ERROR_PAGE_TABLE);
    for (unsigned ms = 0; st->hangs == 0; ms++) {
        assert_true(ms < 10000);
        if (poll(&p, 1, 1) == 1) {
            process(e);
        }
    }
    assert_int_equal(st->interrupts, interrupts + 1);
    assert_int_equal(e->wl[1].result, MED_SCHED_HANG);
    assert_int_equal(e->wl[1].sched.engine_error & I915_ERROR_PAGE_TABLE, I915_ERROR_PAGE_TABLE);
}

/*
 * The same when the engine takes the write at once, before the owner's
 * call that wrote it ends (it waits at its gate, an arbitration point):
 * until 2026-12-08 the handler learnt that the mechanism follows the
 * engine only at that end, and the lite restore woke the event loop.
 */
static void test_a_feed_write_taken_at_once_wakes_nobody(void **state)
{
    struct env *e = *state;
    const struct med_sched_stats *st = med_sched_get_stats(e->sched);
    struct med_sched_entity a;
    struct test_workload *t = fed_alone(e, &a);
    uint64_t interrupts;

    med_sched_submit(e->sched, &a, &t->sched);
    e->seen.taken_at_once = true;
    process_until_fed(e, 1);
    assert_false(e->seen.taken_at_once);
    assert_int_equal(st->interrupts_deferred, 1);
    interrupts = st->interrupts;
    process(e);
    assert_int_equal(st->interrupts, interrupts);
    run_fed_to_its_end(e, t, 0);
    assert_int_equal(st->elsp_feeds, FED_PARTS - 1);
}

/*
 * An engine that ends the chunk it runs as feed() writes the next one
 * (here between the decision and the write) completes it, then takes the
 * write from idle and runs on (an early completion, process_csb()): both
 * CSB entries say only that, and are left to the timer as the lite
 * restore is; until 2026-12-08 each woke the event loop.  The element
 * still runs as one dispatch, every part in order.
 */
static void test_a_fed_engine_leaves_an_early_completion_to_the_timer(void **state)
{
    struct env *e = *state;
    const struct med_sched_stats *st = med_sched_get_stats(e->sched);
    struct pollfd p = { .fd = med_sched_fd(e->sched), .events = POLLIN };
    struct med_sched_entity a;
    struct test_workload *t = fed_alone(e, &a);
    uint64_t interrupts, deferred, dispatched = st->dispatched;

    med_sched_submit(e->sched, &a, &t->sched);
    wait_fed(e, t, 0);
    e->seen.end_gate = PART_GATE(1);
    e->seen.end_before_elsp = true;
    interrupts = st->interrupts;
    deferred = st->interrupts_deferred;    /* part 1's lite restore may come after */
    open_part_gate(e, 0);
    process_until_fed(e, 2);
    assert_false(e->seen.end_before_elsp);
    for (unsigned ms = 0; st->early_completions == 0 || engine_tail(e) != t->ends[3]; ms++) {
        assert_true(ms < 10000);
        if (poll(&p, 1, 1) == 1) {
            process(e);
        }
    }
    assert_int_equal(st->early_completions, 1);
    assert_int_equal(st->interrupts, interrupts);
    assert_true(st->interrupts_deferred - deferred >= 2);
    run_fed_to_its_end(e, t, 2);
    assert_int_equal(st->dispatched - dispatched, 1);
    assert_int_equal(st->elsp_feeds, FED_PARTS - 1);
}

/* Fed a part ahead, a's element ends its run there when b gets work: b's
 * workload runs before a's next part (whose gate stays closed until b's
 * completion: a fed on would hold the engine there), then a's rest. */
static void test_a_newcomer_ends_the_feed(void **state)
{
    struct env *e = *state;
    const struct med_sched_stats *st = med_sched_get_stats(e->sched);
    struct med_sched_entity a, b;
    struct test_workload *t = fed_alone(e, &a);

    med_sched_entity_init(&b, GEN9_RCS, &equal);
    med_sched_submit(e->sched, &a, &t->sched);
    wait_fed(e, t, 0);
    open_part_gate(e, 0);
    wait_fed(e, t, 1);
    assert_int_equal(st->elsp_feeds, 2);
    med_sched_submit(e->sched, &b, &workload(e, 2, false)->sched);
    open_part_gate(e, 1);
    open_part_gate(e, 2);
    run_until(e, 2);
    assert_int_equal(e->order[1], 2);
    assert_int_equal(result(e, 2), 3);
    assert_int_equal(result(e, PART_DONE(2)), 3);   /* the part given before b came */
    for (unsigned k = 3; k < FED_PARTS; k++) {
        open_part_gate(e, k);
    }
    run_until(e, 3);
    assert_int_equal(e->order[2], 1);
    assert_int_equal(result(e, PART_DONE(FED_PARTS - 1)), FED_PARTS);
    assert_int_equal(st->busy_ns[GEN9_RCS], a.busy_ns + b.busy_ns);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_vgpus_take_turns_in_pairs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_held_submissions_share_one_elsp_pair, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_completion_waits_for_its_owner, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_wait_for_the_engine_is_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hang_in_port_0_spares_port_1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hang_cancels_its_vgpus_later_work, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_in_port_0_requeues_port_1,
                                        setup_patient, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_as_port_1_is_restored_stops_it,
                                        setup_patient, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_in_port_1_leaves_port_0_running,
                                        setup_patient, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_after_port_0_completed_spares_port_1,
                                        setup_patient, teardown),
        cmocka_unit_test_setup_teardown(test_next_workload_goes_behind_the_running_one,
                                        setup_patient, teardown),
        cmocka_unit_test_setup_teardown(test_the_same_context_s_next_workload_is_not_appended,
                                        setup_patient, teardown),
        cmocka_unit_test_setup_teardown(test_one_context_s_workloads_never_share_a_pair, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_another_vgpus_workload_goes_behind_a_lone_one,
                                        setup_patient, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_behind_an_ended_port_0,
                                        setup_patient, teardown),
        cmocka_unit_test_setup_teardown(test_port_0_done_before_its_pair_was_taken,
                                        setup_patient, teardown),
        cmocka_unit_test_setup_teardown(test_no_append_while_another_vgpu_waits, setup_patient,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_long_workload_runs_a_slice_at_a_time, setup_sliced,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_lone_vgpu_is_fed_across_parts, setup_weighted,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_parts_given_to_a_running_workload_are_fed_to_it,
                                        setup_weighted, teardown),
        cmocka_unit_test_setup_teardown(test_a_fed_engine_leaves_its_lite_restores_to_the_timer,
                                        setup_weighted, teardown),
        cmocka_unit_test_setup_teardown(test_an_error_behind_a_lite_restore_left_to_the_timer_wakes,
                                        setup_weighted, teardown),
        cmocka_unit_test_setup_teardown(test_a_feed_write_taken_at_once_wakes_nobody,
                                        setup_weighted, teardown),
        cmocka_unit_test_setup_teardown(test_a_fed_engine_leaves_an_early_completion_to_the_timer,
                                        setup_weighted, teardown),
        cmocka_unit_test_setup_teardown(test_a_newcomer_ends_the_feed, setup_weighted, teardown),
        cmocka_unit_test_setup_teardown(test_a_loop_is_preempted_while_another_vgpu_waits,
                                        setup_preemptive, teardown),
        cmocka_unit_test_setup_teardown(test_parts_run_on_while_the_other_is_capped_out,
                                        setup_weighted, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
