/*
 * sched.c - the scheduler mechanism (see sched.h): queues, dispatch through
 * the ELSP, completion from the CSB, hang recovery by engine reset.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "sched/sched.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "mediator/trace-points.h"
#include "gen9/lrc.h"
#include "gen9/regs.h"

/* Waiting for a stopped command streamer: polls from 10 µs, backing off
 * to 1 ms. */
#define STOP_POLL_MIN_NS        10000
#define STOP_POLL_MAX_NS        1000000

/* feed(): the shortest wait before looking again where the engine is */
#define FEED_POLL_MIN_NS        20000

/* med_sched_entity.part_weight of one part */
#define PART_WEIGHT_ONE         16

/* The idle context's ID in its descriptor: workloads' IDs are never 0. */
#define IDLE_CTX_ID             0

/* sched_engine.follow, what the interrupt handler may leave to the timer:
 * the mechanism follows the engine by its armed timer (feed()), and
 * whether a write of feed()'s is not seen taken yet (elsp_pending). */
#define FOLLOW_TIMER            (1u << 0)
#define FOLLOW_FED              (1u << 1)

struct sched_engine {
    enum gen9_engine id;
    uint32_t base;
    struct med_sched_status_page status;
    unsigned csb_head;
    /* For the interrupt handler, which runs on the engine's thread: the
     * CSB entry the mechanism read last (csb_head when it last finished
     * reading), and FOLLOW_* (publish_follow(), and feed() before its
     * write). */
    unsigned csb_seen;
    unsigned follow;
    /* feed() follows the engine by the timer it armed: a pending feed
     * write, or the engine not yet in the last chunk given. */
    bool following;
    /* The pending ELSP write (elsp_pending) is feed()'s. */
    bool feed_pending;
    struct med_sched_workload *running[2];     /* ELSP ports: [0] runs first */
    uint64_t horizon[2];        /* the policy's horizon when each port's workload was picked */
    unsigned waiting;           /* entities with work queued and none on the engine */
    /* An ELSP pair written that the CSB has not shown taken yet (no
     * idle-to-active or lite-restore entry since): no other may be
     * written meanwhile, and a completion of port 0 before it is not the
     * last (the engine takes the pair and runs port 0's context again,
     * from where it saved it: nothing, or the chunk feed() gave it). */
    bool elsp_pending;
    /* Port 0's context completed before the engine took such a pair: the
     * parts it was given before the pair are done, only its second run
     * (empty behind a port 1, feed()'s chunk alone) is to come. */
    bool port0_ended;
    /* The idle context was written to preempt the run (preempt()), and has
     * not completed yet: nothing else is written meanwhile. */
    bool preempting;
    const struct med_sched_entity *last_head;  /* whose workload port 0 ran last */
};

struct med_sched {
    struct med_sched_config config;
    void *policy;
    int poll_fd;                /* epoll of the two below: what the owner watches */
    int event_fd;               /* the GPU interrupted */
    int timer_fd;               /* the policy's wake-up time came */
    uint64_t timer_ns;          /* when timer_fd fires; 0: disarmed */
    uint32_t next_ctx_id;
    struct sched_engine engines[GEN9_NUM_ENGINES];
    struct med_sched_stats stats;
    /* During med_sched_cancel(): the entity whose work is dropped, and its
     * workloads collected so far (whatever would go back to its queue
     * goes here instead, so none of it is dispatched again). */
    struct med_sched_entity *cancelling;
    struct med_sched_workload *cancelled;
    /* Workloads that left the scheduler, oldest first, for the owner to
     * take (med_sched_next_done()). */
    struct med_sched_workload *done_first, *done_last;
    bool inside;                /* in a call from the owner: it must not call in again */
    bool held;                  /* med_sched_hold(): no dispatch until released */
    bool preemptive;            /* the config gave every engine an idle context */
    uint64_t deferred;          /* interrupts the handler left to the timer (atomic) */
};

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void mmio_write(struct med_sched *s, uint32_t offset, uint32_t value)
{
    s->config.gpu->ops->mmio_write(s->config.gpu, offset, value, 4);
}

static uint32_t mmio_read(struct med_sched *s, uint32_t offset)
{
    return (uint32_t)s->config.gpu->ops->mmio_read(s->config.gpu, offset, 4);
}

/* Execlist mode, the status page, CSB pointers reset: at start and after a reset. */
static void engine_init(struct med_sched *s, struct sched_engine *e)
{
    for (unsigned i = 0; i < 2 * GEN8_CSB_ENTRIES; i++) {
        e->status.map[HWSP_CSB_DW + i] = ~0u;
    }
    __atomic_store_n(&e->status.map[HWSP_CSB_WRITE_PTR_DW], GEN8_CSB_ENTRIES - 1, __ATOMIC_RELEASE);
    e->csb_head = GEN8_CSB_ENTRIES - 1;
    __atomic_store_n(&e->csb_seen, e->csb_head, __ATOMIC_RELEASE);
    e->following = false;
    e->feed_pending = false;
    e->elsp_pending = false;
    e->port0_ended = false;
    e->preempting = false;
    mmio_write(s, e->base + RING_HWS_PGA, (uint32_t)e->status.ggtt);
    mmio_write(s, e->base + RING_MODE_GEN7, MASKED_BIT_ENABLE(GFX_RUN_LIST_ENABLE));
    mmio_write(s, e->base + RING_CONTEXT_STATUS_PTR,
               0xffff0000 | (GEN8_CSB_ENTRIES - 1) << 8 | (GEN8_CSB_ENTRIES - 1));
}

/*
 * Whether what interrupted can wait for the mechanism's timer: the CSB
 * has news, and every entry the mechanism has not read, on an engine it
 * follows by that timer (publish_follow()), is one that tells it only
 * that the engine goes on with what feed() gave it: the lite restore of
 * a feed write, and, while that write is not seen taken (FOLLOW_FED),
 * the completion of the chunk before it (an early completion,
 * process_csb(): the engine takes the pending write from idle next) and
 * the idle-to-active of that taking.  Anything else (a completion that
 * ends a run, a preemption) wakes it, and so does an error (which writes
 * no entry) first (error_raised()).
 * Runs on the engine's thread, after the engine wrote the entries: the
 * fence pairs with publish_follow()'s and feed()'s, so an entry written
 * as the mechanism stops following is seen by one side or the other.
 */
static bool interrupt_can_wait(struct med_sched *s)
{
    bool news = false;

    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    for (unsigned i = 0; i < GEN9_NUM_ENGINES; i++) {
        struct sched_engine *e = &s->engines[i];
        const uint32_t *hwsp = e->status.map;
        unsigned head = __atomic_load_n(&e->csb_seen, __ATOMIC_ACQUIRE);
        unsigned tail = __atomic_load_n(&hwsp[HWSP_CSB_WRITE_PTR_DW], __ATOMIC_ACQUIRE) & 7;
        unsigned follow = __atomic_load_n(&e->follow, __ATOMIC_SEQ_CST);
        bool fed = follow & FOLLOW_FED;

        if (tail >= GEN8_CSB_ENTRIES || head >= GEN8_CSB_ENTRIES) {
            continue;
        }
        while (head != tail) {
            uint32_t status;

            head = (head + 1) % GEN8_CSB_ENTRIES;
            status = __atomic_load_n(&hwsp[HWSP_CSB_DW + 2 * head], __ATOMIC_RELAXED);
            if (!(follow & FOLLOW_TIMER)) {
                return false;
            }
            if (status == (GEN8_CTX_STATUS_PREEMPTED | GEN8_CTX_STATUS_LITE_RESTORE) ||
                (fed && status == GEN8_CTX_STATUS_IDLE_ACTIVE)) {
                fed = false;            /* the write is taken */
            } else if (!fed || status != (GEN8_CTX_STATUS_ACTIVE_IDLE | GEN8_CTX_STATUS_COMPLETE)) {
                return false;
            }
            news = true;
        }
    }
    return news;
}

/* @e's command streamer error bit in its GT interrupt bank. */
static uint32_t cs_error_bit(const struct sched_engine *e)
{
    return GT_CS_MASTER_ERROR_INTERRUPT << gen9_engines[e->id].irq_shift;
}

/*
 * Whether an engine raised its error interrupt since the mechanism last
 * took the errors (take_errors()): what an interrupt handler reads first
 * on hardware (the GT IIR banks), so that an error never waits for the
 * timer behind a CSB entry left to it.  Runs on the engine's thread.
 */
static bool error_raised(struct med_sched *s)
{
    for (unsigned i = 0; i < GEN9_NUM_ENGINES; i++) {
        const struct sched_engine *e = &s->engines[i];

        if (mmio_read(s, GEN8_GT_IIR(gen9_engines[i].irq_bank)) & cs_error_bit(e)) {
            return true;
        }
    }
    return false;
}

/* Acknowledge the error interrupts before the engines' error registers
 * are read: one raised after this sets its IIR bit again and wakes. */
static void take_errors(struct med_sched *s)
{
    for (unsigned i = 0; i < GEN9_NUM_ENGINES; i++) {
        const struct sched_engine *e = &s->engines[i];
        uint32_t iir = GEN8_GT_IIR(gen9_engines[i].irq_bank);

        if (mmio_read(s, iir) & cs_error_bit(e)) {
            mmio_write(s, iir, cs_error_bit(e));
        }
    }
}

static void wake_event_loop(struct med_sched *s)
{
    uint64_t one = 1;

    /* The event loop does the work; a full counter already means "wake up". */
    if (write(s->event_fd, &one, sizeof(one)) < 0) {
        return;
    }
}

/* Called on the engine's thread: a wake-up there is a system call and an
 * IPI to the mediator's CPU, GPU time the hardware never spends
 * (docs/architecture.md, decision 13). */
static void irq_handler(void *opaque)
{
    struct med_sched *s = opaque;

    if (!error_raised(s) && interrupt_can_wait(s)) {
        __atomic_fetch_add(&s->deferred, 1, __ATOMIC_RELAXED);
        return;
    }
    wake_event_loop(s);
}

static void irq_init(struct med_sched *s)
{
    uint32_t enable[GEN8_GT_BANKS] = { 0 };

    for (unsigned i = 0; i < GEN9_NUM_ENGINES; i++) {
        enable[gen9_engines[i].irq_bank] |=
            (GT_CONTEXT_SWITCH_INTERRUPT | GT_CS_MASTER_ERROR_INTERRUPT)
            << gen9_engines[i].irq_shift;
    }
    for (unsigned bank = 0; bank < GEN8_GT_BANKS; bank++) {
        mmio_write(s, GEN8_GT_IIR(bank), ~0u);
        mmio_write(s, GEN8_GT_IER(bank), enable[bank]);
        mmio_write(s, GEN8_GT_IMR(bank), ~enable[bank]);
    }
    s->config.gpu->ops->set_irq_handler(s->config.gpu, irq_handler, s);
    mmio_write(s, GEN8_MASTER_IRQ, GEN8_MASTER_IRQ_CONTROL);
}

/*
 * @engine's idle context @c: an empty ring, so that the engine completes
 * it as soon as it loads it, and nothing saved (it has no state of its
 * own).
 * Preempting a run to it leaves the engine idle at the run's next
 * arbitration point, as i915's preempt context did on Gen9 until Linux
 * 5.3 (intel_lrc.c, inject_preempt_context(): an ELSP of that context
 * alone; its completion, "preempt complete", says the engine is idle).
 */
static void idle_context_init(const struct med_sched_idle_context *c, enum gen9_engine engine)
{
    uint32_t *state = c->map + LRC_STATE_OFFSET / 4;

    memset(c->map, 0, MED_SCHED_IDLE_CONTEXT_PAGES * PGPU_PAGE_SIZE);
    gen9_lrc_write_layout(state, engine);
    state[CTX_CONTEXT_CONTROL_DW] = MASKED_BIT_ENABLE(CTX_CTRL_ENGINE_CTX_SAVE_INHIBIT) |
                                    MASKED_BIT_DISABLE(CTX_CTRL_ENGINE_CTX_RESTORE_INHIBIT);
    state[CTX_RING_START_DW] = (uint32_t)(c->ggtt + LRC_STATE_OFFSET + PGPU_PAGE_SIZE);
    state[CTX_RING_CTL_DW] = RING_VALID;        /* one page; head == tail == 0 */
}

static uint64_t idle_context_desc(const struct med_sched *s, const struct sched_engine *e)
{
    return s->config.idle_context[e->id].ggtt | CTX_DESC_VALID | CTX_DESC_PRIVILEGE |
           CTX_ADDRESSING_LEGACY_64B << CTX_DESC_ADDRESSING_SHIFT |
           (uint64_t)IDLE_CTX_ID << 32;
}

static int watch(int poll_fd, int fd)
{
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

    return epoll_ctl(poll_fd, EPOLL_CTL_ADD, fd, &ev);
}

struct med_sched *med_sched_create(const struct med_sched_config *config)
{
    struct med_sched *s = calloc(1, sizeof(*s));
    int err;

    if (!s) {
        return NULL;
    }
    s->config = *config;
    s->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    s->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    s->poll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (s->event_fd < 0 || s->timer_fd < 0 || s->poll_fd < 0 ||
        watch(s->poll_fd, s->event_fd) || watch(s->poll_fd, s->timer_fd)) {
        err = errno;
        med_sched_destroy(s);
        errno = err;
        return NULL;
    }
    s->policy = config->policy->create(&config->policy_params);
    if (!s->policy) {
        med_sched_destroy(s);
        errno = ENOMEM;
        return NULL;
    }
    s->preemptive = true;
    for (unsigned i = 0; i < GEN9_NUM_ENGINES; i++) {
        s->preemptive &= config->idle_context[i].map != NULL;
    }
    for (unsigned i = 0; i < GEN9_NUM_ENGINES; i++) {
        struct sched_engine *e = &s->engines[i];

        e->id = i;
        e->base = gen9_engines[i].base;
        e->status = config->status_page[i];
        if (s->preemptive) {
            idle_context_init(&config->idle_context[i], i);
        }
        engine_init(s, e);
    }
    irq_init(s);
    return s;
}

void med_sched_detach(struct med_sched *s)
{
    if (s) {
        mmio_write(s, GEN8_MASTER_IRQ, 0);
        s->config.gpu->ops->set_irq_handler(s->config.gpu, NULL, NULL);
    }
}

void med_sched_destroy(struct med_sched *s)
{
    if (!s) {
        return;
    }
    for (unsigned i = 0; i < 3; i++) {
        int fd = (int[]){ s->event_fd, s->timer_fd, s->poll_fd }[i];

        if (fd >= 0) {
            close(fd);
        }
    }
    if (s->policy) {
        s->config.policy->destroy(s->policy);
    }
    free(s);
}

int med_sched_fd(const struct med_sched *s)
{
    return s->poll_fd;
}

bool med_sched_share_valid(const struct med_sched_share *share)
{
    return share->weight >= 1 && share->weight <= MED_SCHED_WEIGHT_MAX &&
           share->cap_percent >= 1 && share->cap_percent <= MED_SCHED_CAP_NONE;
}

uint64_t med_sched_ticks_to_ns(uint64_t ticks)
{
    return ticks / SKL_CS_CLOCK_HZ * 1000000000ull +
           ticks % SKL_CS_CLOCK_HZ * 1000000000ull / SKL_CS_CLOCK_HZ;
}

void med_sched_entity_init(struct med_sched_entity *entity, enum gen9_engine engine,
                           const struct med_sched_share *share)
{
    *entity = (struct med_sched_entity){ .engine = engine, .share = share };
}

/* The policy left an engine idle with work queued: wake up at @when. */
static void wake_at(struct med_sched *s, uint64_t when)
{
    struct itimerspec at = { .it_value = { .tv_sec = (time_t)(when / 1000000000ull),
                                           .tv_nsec = (long)(when % 1000000000ull) } };

    if (when == UINT64_MAX || (s->timer_ns && s->timer_ns <= when)) {
        return;
    }
    /* Cannot fail with a valid fd and an absolute time in range. */
    timerfd_settime(s->timer_fd, TFD_TIMER_ABSTIME, &at, NULL);
    s->timer_ns = when;
}

/* One wait of an entity for its engine, into the stats' histogram: a
 * bucket per eighth of a power of two (below 8 ns one per ns). */
static void record_wait(struct med_sched *s, uint64_t ns)
{
    unsigned e = ns < 8 ? 0 : 63u - (unsigned)__builtin_clzll(ns);
    unsigned b = ns < 8 ? (unsigned)ns : 8 * (e - 2) + (unsigned)(ns >> (e - 3)) % 8;

    s->stats.waits++;
    s->stats.wait_buckets[b < MED_SCHED_WAIT_BUCKETS ? b : MED_SCHED_WAIT_BUCKETS - 1]++;
    if (ns > s->stats.wait_max_ns) {
        s->stats.wait_max_ns = ns;
    }
}

uint64_t med_sched_wait_ns(const struct med_sched_stats *st, double fraction)
{
    uint64_t want = (uint64_t)(fraction * (double)st->waits + 0.999999), seen = 0;

    for (unsigned b = 0; b < MED_SCHED_WAIT_BUCKETS && want; b++) {
        seen += st->wait_buckets[b];
        if (seen >= want) {
            /* the bucket's upper end, or the greatest wait if lower */
            uint64_t end = b < 8 ? b + 1 : (uint64_t)(9 + b % 8) << (b / 8 - 1);

            return end < st->wait_max_ns ? end : st->wait_max_ns;
        }
    }
    return st->wait_max_ns;
}

/* Whether @en has work queued or on the GPU changed, perhaps: account it,
 * and since when it has work queued but none on the GPU (a wait, which
 * head() records). */
static void backlog(struct med_sched *s, struct med_sched_entity *en, uint64_t now)
{
    bool has_work = en->first || en->on_gpu;

    if (en->first && !en->on_gpu) {
        if (!en->waiting_since_ns) {
            en->waiting_since_ns = now;
            s->engines[en->engine].waiting++;
        }
    } else if (en->waiting_since_ns) {
        en->waiting_since_ns = 0;
        s->engines[en->engine].waiting--;
    }

    if (has_work && !en->backlog_since_ns) {
        en->backlog_since_ns = now;
    } else if (!has_work && en->backlog_since_ns) {
        en->backlog_ns += now - en->backlog_since_ns;
        en->backlog_since_ns = 0;
    }
}

uint64_t med_sched_backlog_ns(const struct med_sched_entity *en, uint64_t now_ns)
{
    return en->backlog_ns + (en->backlog_since_ns && now_ns > en->backlog_since_ns ?
                             now_ns - en->backlog_since_ns : 0);
}

unsigned med_sched_queue_depth(const struct med_sched_entity *en)
{
    unsigned n = en->on_gpu;

    for (const struct med_sched_workload *w = en->first; w; w = w->next) {
        n++;
    }
    return n;
}

/*
 * The estimate is the mean over the last few runs' parts (each run's
 * weight 1/4 of the total before it, and each part of a run counts): a
 * run of one odd part (a warm-up, a first touch) moves it no more than one
 * part of a long run, whose parts would otherwise stop early, each stop
 * an idle engine until the mediator dispatched the rest (what weighing
 * runs alike cost: docs/scheduler.md).  The vGPU's first run weighs
 * nothing once a second is known: it pays the first touches of the
 * vGPU's memory (a first copy many times the later ones'), and counted
 * as one part it kept the next runs' chunks at one copy for about ten
 * runs (docs/scheduler.md, "The time per part").
 */
void med_sched_learn_parts(struct med_sched_entity *en, uint64_t used_ns, unsigned parts)
{
    uint64_t kept;

    if (!en->part_ns) {
        en->part_ns = used_ns / parts;
        return;
    }
    kept = 3 * en->part_weight / 4;
    en->part_weight = kept + (uint64_t)parts * PART_WEIGHT_ONE;
    en->part_ns = (kept * en->part_ns + used_ns * PART_WEIGHT_ONE) / en->part_weight;
}

/* @en used its engine for @used_ns more. */
static void account(struct med_sched *s, struct med_sched_entity *en, uint64_t used_ns,
                    uint64_t now)
{
    en->busy_ns += used_ns;
    s->stats.busy_ns[en->engine] += used_ns;
    s->config.policy->charge(s->policy, en, used_ns, now);
}

/* @w leaves the GPU: charge its entity the GPU time it used, less what
 * feed() charged while it ran; returns what it used. */
static uint64_t charge(struct med_sched *s, struct med_sched_workload *w, uint64_t now,
                       bool context_saved)
{
    struct med_sched_entity *en = w->entity;
    uint64_t used, rest;

    if (context_saved) {
        uint32_t end = __atomic_load_n(w->ctx_timestamp, __ATOMIC_RELAXED);

        used = med_sched_ticks_to_ns((uint32_t)(end - w->ctx_timestamp_start));
    } else {
        used = w->head_ns && now > w->head_ns ? now - w->head_ns : 0;
    }
    used = used > w->run_charged_ns ? used : w->run_charged_ns;
    rest = used - w->run_charged_ns;
    w->gpu_ns += used;
    en->on_gpu--;
    backlog(s, en, now);
    account(s, en, rest, now);
    return used;
}

static struct med_sched_workload *entity_pop(struct med_sched *s, struct med_sched_entity *en)
{
    struct med_sched_workload *w = en->first;

    en->first = w->next;
    if (!en->first) {
        en->last = NULL;
        s->config.policy->idle(s->policy, en);
    }
    w->next = NULL;
    return w;
}

/* @w left an ELSP port with work left (it never ran, or ran only some of
 * its parts): back to the front of its queue. */
static void entity_push_front(struct med_sched *s, struct med_sched_entity *en,
                              struct med_sched_workload *w)
{
    uint64_t now = now_ns();

    if (en == s->cancelling) {
        w->next = s->cancelled;
        s->cancelled = w;
        return;
    }
    w->next = en->first;
    en->first = w;
    if (!en->last) {
        en->last = w;
        s->config.policy->runnable(s->policy, en, now);
    }
    backlog(s, en, now);
}

/* How long @en, just picked, may hold the engine: the policy's horizon,
 * at least one time slice; UINT64_MAX without slices. */
static uint64_t horizon(const struct med_sched *s, const struct med_sched_entity *en,
                        uint64_t now)
{
    uint64_t slice = s->config.policy_params.time_slice_ns;
    uint64_t h = slice ? s->config.policy->horizon_ns(s->policy, en, now) : UINT64_MAX;

    return h > slice ? h : slice;
}

/* How many parts of @en's work fit @horizon_ns by its recent GPU time per
 * part: at least 1, UINT_MAX while unknown or without a bound. */
static unsigned parts_within(const struct med_sched_entity *en, uint64_t horizon_ns)
{
    if (horizon_ns == UINT64_MAX || !en->part_ns) {
        return UINT_MAX;
    }
    return en->part_ns >= horizon_ns ? 1 :
           horizon_ns / en->part_ns < UINT_MAX ? (unsigned)(horizon_ns / en->part_ns) : UINT_MAX;
}

/* Whether @w runs to its end now and is expected to leave time before its
 * @horizon_ns for a workload in port 1 (which must not overtake the rest
 * of @w): the parts it was given at the last decision (its dispatch, or
 * feed()'s) are fewer than fit. */
static bool leaves_time(const struct med_sched_workload *w, uint64_t horizon_ns)
{
    return w->run_end == w->parts &&
           parts_within(w->entity, horizon_ns) > w->run_end - w->fed_from;
}

/* One ELSP pair (@desc1 0: none), in the order the hardware takes it. */
static void elsp_write(struct med_sched *s, struct sched_engine *e, uint64_t desc0,
                       uint64_t desc1)
{
    uint32_t elsp = e->base + RING_ELSP;

    MED_TRACE(dispatch, e->id, desc0, desc1);
    e->elsp_pending = true;
    e->feed_pending = false;

    mmio_write(s, elsp, (uint32_t)(desc1 >> 32));
    mmio_write(s, elsp, (uint32_t)desc1);
    mmio_write(s, elsp, (uint32_t)(desc0 >> 32));
    mmio_write(s, elsp, (uint32_t)desc0);
}

/*
 * @en's next workload runs in the context of port 0's running one (the
 * guest's next element of the same context): in port 1 the engine would
 * switch to it by restoring its image, written before port 0's run saved
 * the state that run leaves (a register it loaded, decision 10), where on
 * hardware the two are one context.  It waits for port 0's completion;
 * its owner carries the saved state into it when it binds it.
 */
static bool continues_port0(const struct sched_engine *e, const struct med_sched_entity *en)
{
    return en == e->running[0]->entity && en->first && en->first->context &&
           en->first->context == e->running[0]->context;
}

/*
 * Whether port 1 of busy @e may be filled now, behind the workload port 0
 * runs: when the engine has taken the last pair, that workload runs to
 * its end within its horizon (leaves_time), and either
 *  - its vGPU has more queued and no other vGPU waits for the engine: the
 *    policy can only pick port 0's vGPU (or none: capped out), whose next
 *    workload must not continue port 0's context (continues_port0()); or
 *  - its vGPU has nothing queued and another vGPU waits (since
 *    2026-12-07, issue 15): the policy can only pick another vGPU, the
 *    one it would pick at port 0's completion, since port 0's charge
 *    moves only port 0's vGPU, which is no candidate (a vGPU with work
 *    that came meanwhile may come one workload later, as behind a pair
 *    written to an idle engine).
 * Written as the pair (port 0's own element again, the new one), the
 * engine takes it as a lite restore of the running context and goes on
 * to port 1 without waiting for the mediator, as the native driver's
 * ELSP write while its context runs does.  With port 0's vGPU queueing
 * more while another waits, the decision waits for port 0's charge (the
 * completion), as before: deciding now, on port 0's estimate, would let
 * a vGPU whose workload overran its slice keep the engine for its next
 * one.
 */
static bool may_append(const struct med_sched *s, const struct sched_engine *e)
{
    return !e->running[1] && !e->elsp_pending && !s->cancelling &&
           !e->running[0]->entity->first == !!e->waiting &&
           !continues_port0(e, e->running[0]->entity) &&
           leaves_time(e->running[0], e->horizon[0]);
}

/* @w reached ELSP port 0 at @now: its entity's wait, if it waited, is over. */
static void head(struct med_sched *s, struct med_sched_workload *w, uint64_t now)
{
    w->head_ns = now;
    if (w->waited_since_ns) {
        record_wait(s, now > w->waited_since_ns ? now - w->waited_since_ns : 0);
        w->waited_since_ns = 0;
    }
}

/*
 * feed(): look again once the engine, somewhere in a part with @parts
 * (at least 1) to go before the one awaited, should be half-way into the
 * last of them by @en's GPU time per part: it enters the awaited part
 * after between @parts - 1 and @parts parts' time, so an earlier look
 * finds it short of there and costs a wake-up only (looking after half
 * of the @parts, until 2026-12-07, took about log2 of them per chunk: a
 * wake-up per 1080p copy, each taking the engine's core in this 2-core
 * VM while it copied, docs/benchmarks.md).
 */
uint64_t med_sched_feed_poll_ns(uint64_t part_ns, unsigned parts)
{
    uint64_t ns = (2 * (uint64_t)parts - 1) * part_ns / 2;

    return ns > FEED_POLL_MIN_NS ? ns : FEED_POLL_MIN_NS;
}

static void feed_poll(struct med_sched *s, const struct med_sched_entity *en, unsigned parts,
                      uint64_t now)
{
    wake_at(s, now + med_sched_feed_poll_ns(en->part_ns, parts));
}

/*
 * A vGPU alone on busy @e, its workload in port 0 with parts left: a run
 * of a slice of parts ended at a decision that had nothing to decide, and
 * the engine idled from the completion through the mediator's wake-up
 * and ELSP write to the engine's (one 1080p copy per part and slice: the
 * GPU busy 0.90-0.92 of the time against 0.998 natively, issue 15).  So
 * once the engine runs the last chunk it was given (the parts since
 * fed_from) and the policy keeps the vGPU, the next chunk (a slice of
 * parts) is given ahead: the running context's tail moves to its end and
 * the context is written again alone, which the engine takes as a lite
 * restore (it loads the new tail from the image and runs on; an engine
 * that completed meanwhile restores the context from where it saved it).
 * When the running chunk ends the workload, the next chunk is the vGPU's
 * next workload, which goes to port 1 (true: leaves_time() holds now; a
 * run of one part that fills a slice, a 1080p copy, otherwise never left
 * time for it).  One chunk ahead at most: a vGPU that gets work meanwhile
 * is no longer fed and waits for the rest of the running chunk and the
 * one ahead.
 * What ran so far is charged first, so the policy decides on the time the
 * engine counted (CTX_TIMESTAMP, live while the context runs), and a
 * newcomer is owed no more than against a vGPU picked every slice.
 * Until the engine is in the last chunk, the mechanism looks again when it
 * should be half a part into it by the vGPU's time per part
 * (med_sched_feed_poll_ns(): a wake-up, no ELSP write: no event marks a
 * part's start), and reads whether the engine took the last write then
 * (its CSB entry's interrupt is left to that look, decision 13 of
 * docs/architecture.md).  The parts given were copied and
 * scanned with the whole workload before it was submitted: nothing is
 * scanned or fetched here.
 */
static bool feed(struct med_sched *s, struct sched_engine *e, uint64_t now)
{
    struct med_sched_workload *w = e->running[0];
    struct med_sched_entity *en = w->entity;
    unsigned at, chunk;
    uint32_t ts;
    uint64_t used;

    if (e->running[1] || e->waiting || s->cancelling ||
        (w->run_end == w->parts && (!en->first || w->fed_from == w->parts))) {
        return false;
    }
    if (e->elsp_pending && !e->feed_pending) {
        return false;   /* another write's CSB entry interrupts (process_csb()) */
    }
    at = s->config.ops->part_at(w, mmio_read(s, e->base + RING_HEAD) & HEAD_ADDR);
    if (at < w->fed_from || e->elsp_pending) {
        /* Short of the last chunk nothing is due, taken or not (the engine
         * takes a write at its next arbitration point, within the part it
         * runs, and its CSB entry is read at the next look); in it, a
         * write not taken yet is looked for again after half a part.
         * Until 2026-12-07 a write not seen taken was looked for every
         * half a part wherever the engine was: two wake-ups more per
         * chunk. */
        feed_poll(s, en, at < w->fed_from ? w->fed_from - at : 1, now);
        e->following = true;
        return false;
    }
    ts = mmio_read(s, e->base + RING_CTX_TIMESTAMP);
    used = med_sched_ticks_to_ns((uint32_t)(ts - w->ctx_timestamp_start));
    if (used > w->run_charged_ns) {
        account(s, en, used - w->run_charged_ns, now);
        w->run_charged_ns = used;
    }
    if (!s->config.policy->keeps(s->policy, en, now)) {
        return false;
    }
    e->horizon[0] = horizon(s, en, now);
    if (w->run_end == w->parts) {
        /* Its last chunk runs: the next is its next workload, in port 1
         * (leaves_time() now holds). */
        w->fed_from = w->parts;
        return true;
    }
    chunk = parts_within(en, e->horizon[0]);
    w->fed_from = w->run_end;
    w->run_end = w->parts - w->run_end > chunk ? w->run_end + chunk : w->parts;
    s->config.ops->extend(w);
    s->stats.elsp_writes++;
    s->stats.elsp_feeds++;
    /* at most the end of the chunk before, where an engine that ended it is */
    feed_poll(s, en, w->fed_from > at ? w->fed_from - at : 1, now);
    e->following = true;
    /* Published before the write, not at the end of the owner's call: an
     * engine that takes it at once (at its next arbitration point, or
     * from idle) interrupts before that end. */
    __atomic_store_n(&e->follow, FOLLOW_TIMER | FOLLOW_FED, __ATOMIC_SEQ_CST);
    elsp_write(s, e, w->desc, 0);
    e->feed_pending = true;
    return false;
}

/* Give @e the policy's next pick, as many of its parts as fit the
 * policy's horizon, and a second pick as port 1 of the ELSP pair if the
 * first is expected to leave time before that horizon: both when @e is
 * idle, port 1 alone behind the running port 0 when may_append(). */
static void dispatch(struct med_sched *s, struct sched_engine *e)
{
    uint64_t desc[2] = { 0, 0 }, now = now_ns();
    unsigned first_port = 0;

    e->following = false;
    if (s->held || e->preempting) {
        return;
    }
    if (e->running[0] && !may_append(s, e) && !feed(s, e, now)) {
        return;
    }
    if (e->running[0]) {
        first_port = 1;
        desc[0] = e->running[0]->desc;
    }
    for (unsigned port = first_port; port < 2; port++) {
        struct med_sched_entity *en;
        struct med_sched_workload *w;
        unsigned fit, window;

        if (port == 1 && !leaves_time(e->running[0], e->horizon[0])) {
            break;
        }
        en = s->config.policy->pick(s->policy, e->id, now);
        if (!en || (port == 1 && continues_port0(e, en))) {
            break;
        }
        /* may_append(): port 0's vGPU exactly when no other waits */
        assert(!first_port || (en == e->running[0]->entity) == !e->waiting);
        e->horizon[port] = horizon(s, en, now);
        fit = parts_within(en, e->horizon[port]);
        w = entity_pop(s, en);
        w->waited_since_ns = en->waiting_since_ns;
        en->on_gpu++;
        /* A preempted run goes on to the tail it had: its context may be
         * past run_first + fit. */
        if (!w->saved_inside) {
            w->run_end = w->parts - w->run_first > fit ? w->run_first + fit : w->parts;
        }
        MED_TRACE(schedule, e->id, en->owner_id, port, w->run_end - w->run_first);
        if (++s->next_ctx_id == 0) {
            s->next_ctx_id = 1;
        }
        /* the window port 0's workload is not in: it may have come from port 1 */
        window = port == 0 ? 0 : 1 - e->running[0]->window;
        w->ctx_timestamp = NULL;
        desc[port] = (uint32_t)s->config.ops->bind(w, window) | (uint64_t)s->next_ctx_id << 32;
        assert(w->ctx_timestamp);
        w->window = window;
        w->ctx_timestamp_start = __atomic_load_n(w->ctx_timestamp, __ATOMIC_RELAXED);
        w->run_charged_ns = 0;
        w->fed_from = w->run_first;
        w->desc = desc[port];
        if (!w->run_first && !w->saved_inside) {
            w->dispatched_ns = now;     /* the first run: what the owner's statistics want */
        }
        w->saved_inside = false;
        w->head_ns = 0;
        w->watched_part = UINT_MAX;
        if (port == 0) {
            head(s, w, now);
        }
        e->running[port] = w;
        s->stats.dispatched++;
        backlog(s, en, now);
    }
    if (!desc[first_port]) {
        if (!first_port) {
            wake_at(s, s->config.policy->next_eligible_ns(s->policy, e->id));
        }
        return;
    }
    if (e->running[0]->entity != e->last_head) {
        e->last_head = e->running[0]->entity;
        s->stats.vgpu_switches++;
    }
    s->stats.elsp_writes++;
    s->stats.elsp_pairs += desc[1] != 0;
    s->stats.elsp_appends += first_port;
    elsp_write(s, e, desc[0], desc[1]);
}

static void done_push(struct med_sched *s, struct med_sched_workload *w,
                      enum med_sched_result result)
{
    w->result = result;
    w->next = NULL;
    if (s->done_last) {
        s->done_last->next = w;
    } else {
        s->done_first = w;
    }
    s->done_last = w;
}

/* Port 0's workload is over, or the parts it ran: the engine goes on with
 * port 1's, or is given new work at once; then its owner is told, or the
 * rest of its parts goes back to the front of its queue. */
static void finish(struct med_sched *s, struct sched_engine *e, enum med_sched_result result)
{
    struct med_sched_workload *w = e->running[0];
    bool more = result == MED_SCHED_DONE && w->run_end < w->parts;
    uint64_t used;

    e->running[0] = e->running[1];
    e->running[1] = NULL;
    e->horizon[0] = e->horizon[1];
    e->port0_ended = false;
    w->finished_ns = now_ns();
    used = charge(s, w, w->finished_ns, result == MED_SCHED_DONE);
    if (result == MED_SCHED_DONE) {
        med_sched_learn_parts(w->entity, used, w->run_end - w->run_first);
    }
    MED_TRACE(gpu_complete, e->id, w->entity->owner_id, result, w->gpu_ns);
    if (more) {
        w->run_first = w->run_end;
        entity_push_front(s, w->entity, w);
    } else {
        w->entity->workloads++;
    }
    if (e->running[0]) {
        head(s, e->running[0], w->finished_ns);
        if (e->running[0]->entity != e->last_head) {
            e->last_head = e->running[0]->entity;
            s->stats.vgpu_switches++;
        }
    }
    dispatch(s, e);
    if (!more) {
        done_push(s, w, result);
    }
}

/* After a reset: the workload in @port never ran; it goes back to its queue. */
static void requeue(struct med_sched *s, struct sched_engine *e, unsigned port)
{
    struct med_sched_workload *w = e->running[port];

    if (w) {
        e->running[port] = NULL;
        w->entity->on_gpu--;
        entity_push_front(s, w->entity, w);
    }
}

static void reset_engine(struct med_sched *s, struct sched_engine *e)
{
    s->config.gpu->ops->reset_engine(s->config.gpu, e->id);
    s->stats.resets++;
    engine_init(s, e);
}

/* Write @e's idle context alone: at port 0's next arbitration point the
 * engine saves it and goes idle (preempted()). */
static void preempt(struct med_sched *s, struct sched_engine *e)
{
    e->preempting = true;
    s->stats.preemptions++;
    s->stats.elsp_writes++;
    elsp_write(s, e, idle_context_desc(s, e), 0);
}

/*
 * The engine saved port 0's context at an arbitration point and loaded the
 * idle context: the run is charged what it used and goes back to the
 * front of its queue, to resume from its image; a workload in port 1,
 * which the idle context's ELSP replaced unrun, goes back before it.
 */
static void preempted(struct med_sched *s, struct sched_engine *e)
{
    struct med_sched_workload *w = e->running[0];

    requeue(s, e, 1);
    e->running[0] = NULL;
    e->port0_ended = false;
    charge(s, w, now_ns(), true);
    w->saved_inside = true;
    s->stats.preempted++;
    entity_push_front(s, w->entity, w);
}

/* Follow @e's CSB in its status page: a COMPLETE entry ends the running workload. */
static void process_csb(struct med_sched *s, struct sched_engine *e)
{
    uint32_t *hwsp = e->status.map;
    unsigned tail = __atomic_load_n(&hwsp[HWSP_CSB_WRITE_PTR_DW], __ATOMIC_ACQUIRE) & 7;

    if (tail >= GEN8_CSB_ENTRIES) {
        return;
    }
    while (e->csb_head != tail) {
        uint32_t status, ctx_id;

        e->csb_head = (e->csb_head + 1) % GEN8_CSB_ENTRIES;
        status = __atomic_load_n(&hwsp[HWSP_CSB_DW + 2 * e->csb_head], __ATOMIC_RELAXED);
        ctx_id = __atomic_load_n(&hwsp[HWSP_CSB_DW + 2 * e->csb_head + 1], __ATOMIC_RELAXED);
        if (status & (GEN8_CTX_STATUS_IDLE_ACTIVE | GEN8_CTX_STATUS_PREEMPTED)) {
            e->elsp_pending = false;        /* the engine took the last pair */
        }
        if (e->preempting && (status & GEN8_CTX_STATUS_PREEMPTED) &&
            !(status & GEN8_CTX_STATUS_LITE_RESTORE)) {
            if (e->running[0] && ctx_id == (uint32_t)(e->running[0]->desc >> 32)) {
                preempted(s, e);
            } else {
                s->stats.stray_events++;
            }
            continue;
        }
        if (!(status & GEN8_CTX_STATUS_COMPLETE)) {
            continue;
        }
        if (e->preempting && ctx_id == IDLE_CTX_ID) {
            e->preempting = false;          /* the engine is idle */
            dispatch(s, e);
        } else if (e->elsp_pending && !e->preempting) {
            /* Port 0's context ended before the engine took the pair that
             * names it again (may_append, feed): the engine restores it
             * from where it saved it, completes it again at once, then
             * runs port 1 (or runs feed()'s chunk).  Its run ends with
             * that second completion. */
            s->stats.early_completions++;
            e->port0_ended = true;
        } else if (e->running[0] && ctx_id == (uint32_t)(e->running[0]->desc >> 32)) {
            s->stats.completed++;
            finish(s, e, MED_SCHED_DONE);
        } else {
            s->stats.stray_events++;
        }
    }
    __atomic_store_n(&e->csb_seen, e->csb_head, __ATOMIC_RELEASE);
    if (e->running[0]) {
        dispatch(s, e);     /* the pair may have been taken: port 1 may be filled now */
    }
}

/* Where the engine's command streamer is: in the innermost active batch,
 * else in the ring (all of a shadow context's buffers are GGTT). */
static uint64_t command_address(struct med_sched *s, struct sched_engine *e)
{
    static const struct { uint32_t state, lo, hi; } levels[] = {
        { RING_SBBSTATE, RING_SBBADDR, RING_SBBADDR_UDW },
        { RING_BBSTATE, RING_BBADDR, RING_BBADDR_UDW },
    };

    for (unsigned i = 0; i < 2; i++) {
        if (mmio_read(s, e->base + levels[i].state) & BB_STATE_ACTIVE) {
            return (uint64_t)mmio_read(s, e->base + levels[i].hi) << 32 |
                   mmio_read(s, e->base + levels[i].lo);
        }
    }
    return (mmio_read(s, e->base + RING_START) & ~0xfffu) +
           (mmio_read(s, e->base + RING_HEAD) & HEAD_ADDR);
}

/*
 * Stop port 0's context (@eir: the engine's error, 0 when the mechanism
 * stops it) and reset the engine.  Its entity's other work on the engine
 * ends with it, unrun (cancelled), before anything is dispatched: a GPU
 * stays stuck in a hung context until its owner resets the engine, and a
 * later request of the context run now would pass the hung one's
 * breadcrumb.  The owner decides what runs next.
 */
static void stop_running(struct med_sched *s, struct sched_engine *e, uint32_t eir)
{
    struct med_sched_entity *en = e->running[0]->entity;

    e->running[0]->engine_error = eir;
    e->running[0]->stop_address = command_address(s, e);
    reset_engine(s, e);
    requeue(s, e, 1);
    while (en->first) {
        s->stats.cancelled++;
        done_push(s, entity_pop(s, en), MED_SCHED_CANCELLED);
    }
    backlog(s, en, now_ns());
    s->stats.hangs++;
    finish(s, e, MED_SCHED_HANG);
}

/* A running context the engine stopped (hang detector, fault, bad command). */
static void check_error(struct med_sched *s, struct sched_engine *e)
{
    uint32_t eir;

    if (e->running[0] && (eir = mmio_read(s, e->base + RING_EIR))) {
        stop_running(s, e, eir);
    }
}

static void stop_cs(struct med_sched *s, struct sched_engine *e);
static void resume_cs(struct med_sched *s, struct sched_engine *e);

/* Another entity than port 0's waits for @e: queued, or dispatched to
 * port 1 behind it (may_append(), or a pair to an idle engine), where it
 * waits as long as port 0 runs. */
static bool others_wait(const struct sched_engine *e)
{
    return e->waiting || (e->running[1] && e->running[1]->entity != e->running[0]->entity);
}

/* How long port 0's context has been in the part the engine is in, of
 * its own time, since the mechanism first saw it there; 0 while the
 * engine runs another context (port 0's completed and the CSB not read
 * yet, or the pair not taken): its RING_HEAD and CTX_TIMESTAMP are not
 * port 0's then (taken for port 0's, a difference of two contexts' clocks
 * made a run look past the limit). */
static uint64_t time_in_part(struct med_sched *s, struct sched_engine *e)
{
    struct med_sched_workload *w = e->running[0];
    unsigned part;
    uint32_t now;

    if (mmio_read(s, e->base + RING_EXECLIST_STATUS_HI) != (uint32_t)(w->desc >> 32)) {
        return 0;
    }
    part = s->config.ops->part_at(w, mmio_read(s, e->base + RING_HEAD) & HEAD_ADDR);
    now = mmio_read(s, e->base + RING_CTX_TIMESTAMP);
    if (part != w->watched_part) {
        w->watched_part = part;
        w->watched_since = now;
    }
    return med_sched_ticks_to_ns((uint32_t)(now - w->watched_since));
}

/*
 * A part runs to its end or to an arbitration point, and the engine's
 * hang detection stops only a context whose ring stands still: a ring of
 * commands that each end in time (semaphore waits its guest releases one
 * by one, long blits) kept the engine for as long as the ring lasts while
 * other vGPUs waited (invariant 3).  So while another entity waits for
 * the engine (others_wait()), the running context is preempted once it
 * stayed a time slice of its own time in one part (preempt(): it leaves
 * at its next arbitration point), and may stay part_limit_ns in it (the
 * owner's bound on what a batch and the ring commands around it hold the
 * engine from the others), counted from when the mechanism first sees it
 * there; past that it is stopped as a hang would be, as i915 resets an
 * engine whose context does not yield within its preemption timeout.  A
 * vGPU alone keeps the engine.
 */
static void watch_overrun(struct med_sched *s, struct sched_engine *e)
{
    uint64_t slice = s->config.policy_params.time_slice_ns;
    uint64_t limit = s->config.part_limit_ns, used;

    if (!e->running[0] || !others_wait(e) || (e->elsp_pending && !e->preempting)) {
        return;
    }
    used = time_in_part(s, e);
    if (s->preemptive && slice && !e->preempting) {
        if (used < slice) {
            wake_at(s, now_ns() + slice - used);
            return;
        }
        preempt(s, e);
    }
    if (!limit) {
        return;
    }
    if (used < limit) {
        wake_at(s, now_ns() + limit - used);
        return;
    }
    stop_cs(s, e);
    process_csb(s, e);
    check_error(s, e);
    if (e->running[0] && (!e->elsp_pending || e->preempting) && time_in_part(s, e) >= limit) {
        s->stats.overruns++;
        stop_running(s, e, 0);
    }
    resume_cs(s, e);
}

/*
 * A decision outside an interrupt (new work, or the hold released) on
 * what the CSB says now: since the last interrupt the mediator handled,
 * the engine may have taken the last pair (port 1 may be filled behind
 * the running workload) or completed port 0 (the engine is idle).
 * Reading it is a load from the status page; waiting for the interrupt
 * instead (which the model raised, until 2026-12-07, only after the slice
 * it ran next) let the running workload end first, and the engine idled
 * at every switch for a mediator wake-up and an ELSP write.
 */
static void dispatch_current(struct med_sched *s, struct sched_engine *e)
{
    process_csb(s, e);
    dispatch(s, e);
}

/*
 * At the end of each call from the owner: an engine feed() follows by the
 * armed timer may leave the lite restores of feed()'s writes to that
 * timer, which reads the CSB anyway (interrupt_can_wait()).  For an engine
 * no longer followed, an entry the handler left to the timer as the
 * mechanism stopped following it is read now: the event loop is woken
 * from here (the fence pairs with the handler's).
 */
static void publish_follow(struct med_sched *s)
{
    bool stopped = false;

    for (unsigned i = 0; i < GEN9_NUM_ENGINES; i++) {
        struct sched_engine *e = &s->engines[i];
        unsigned follow = e->following && e->running[0] && s->timer_ns ?
                          FOLLOW_TIMER | (e->feed_pending && e->elsp_pending ? FOLLOW_FED : 0) :
                          0;

        stopped |= (__atomic_load_n(&e->follow, __ATOMIC_RELAXED) & FOLLOW_TIMER) &&
                   !(follow & FOLLOW_TIMER);
        __atomic_store_n(&e->follow, follow, __ATOMIC_SEQ_CST);
    }
    s->stats.interrupts_deferred = __atomic_load_n(&s->deferred, __ATOMIC_RELAXED);
    if (!stopped) {
        return;
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    for (unsigned i = 0; i < GEN9_NUM_ENGINES; i++) {
        const struct sched_engine *e = &s->engines[i];
        unsigned tail = __atomic_load_n(&e->status.map[HWSP_CSB_WRITE_PTR_DW],
                                        __ATOMIC_ACQUIRE) & 7;

        if (tail < GEN8_CSB_ENTRIES && tail != e->csb_head) {
            wake_event_loop(s);
            return;
        }
    }
}

void med_sched_process(struct med_sched *s)
{
    uint64_t count;

    assert(!s->inside);
    s->inside = true;
    if (read(s->event_fd, &count, sizeof(count)) > 0) {
        s->stats.interrupts++;
    }
    take_errors(s);
    for (unsigned i = 0; i < GEN9_NUM_ENGINES; i++) {
        process_csb(s, &s->engines[i]);
        check_error(s, &s->engines[i]);
    }
    /* Disarmed (timer_ns 0) it cannot be readable: no read, no syscall
     * per interrupt. */
    if (s->timer_ns && read(s->timer_fd, &count, sizeof(count)) > 0) {
        s->stats.timer_wakeups++;
        s->timer_ns = 0;
        for (unsigned i = 0; i < GEN9_NUM_ENGINES; i++) {
            dispatch(s, &s->engines[i]);
        }
    }
    /* After the timer's read: what it arms is not taken as fired. */
    for (unsigned i = 0; i < GEN9_NUM_ENGINES; i++) {
        watch_overrun(s, &s->engines[i]);
    }
    publish_follow(s);
    s->inside = false;
}

struct med_sched_workload *med_sched_next_done(struct med_sched *s)
{
    struct med_sched_workload *w = s->done_first;

    assert(!s->inside);
    if (w) {
        s->done_first = w->next;
        if (!s->done_first) {
            s->done_last = NULL;
        }
        w->next = NULL;
    }
    return w;
}

void med_sched_submit(struct med_sched *s, struct med_sched_entity *en,
                      struct med_sched_workload *w)
{
    assert(w->parts >= 1);
    assert(!s->inside);
    s->inside = true;
    w->run_first = 0;
    w->saved_inside = false;
    w->gpu_ns = 0;
    w->entity = en;
    w->next = NULL;
    w->queued_ns = now_ns();
    w->engine_error = 0;
    if (en->last) {
        en->last->next = w;
    } else {
        en->first = w;
        s->config.policy->runnable(s->policy, en, w->queued_ns);
    }
    en->last = w;
    backlog(s, en, w->queued_ns);
    if (!s->held) {
        dispatch_current(s, &s->engines[en->engine]);
    }
    watch_overrun(s, &s->engines[en->engine]);
    publish_follow(s);
    s->inside = false;
}

/* @w runs in port 0 of @e alone, with no other entity waiting and
 * nothing under way that takes it off (med_sched_may_grow()). */
static bool may_grow(const struct sched_engine *e, const struct med_sched_workload *w)
{
    return e->running[0] == w && !e->running[1] && !e->waiting && !e->preempting &&
           !e->port0_ended;
}

/* On what the CSB says now: a run the engine already ended takes no more
 * (its completion is reported as it came, the next element starts
 * afresh, as the hardware's would after a context's completion). */
bool med_sched_may_grow(struct med_sched *s, const struct med_sched_workload *w)
{
    struct sched_engine *e = &s->engines[w->entity->engine];
    bool may;

    assert(!s->inside);
    s->inside = true;
    process_csb(s, e);
    may = may_grow(e, w);
    publish_follow(s);
    s->inside = false;
    return may;
}

void med_sched_grow(struct med_sched *s, struct med_sched_workload *w)
{
    struct sched_engine *e = &s->engines[w->entity->engine];

    assert(!s->inside && may_grow(e, w));
    s->inside = true;
    s->stats.grown++;
    /* feed() saw the engine in the run's last chunk and let the run end
     * there (fed_from at its end): it is at most in that chunk's last
     * part, where the next chunk is due. */
    if (w->fed_from == w->run_end) {
        w->fed_from = w->run_end - 1;
    }
    dispatch_current(s, e);
    publish_follow(s);
    s->inside = false;
}

void med_sched_hold(struct med_sched *s)
{
    assert(!s->inside && !s->held);
    s->held = true;
}

void med_sched_release(struct med_sched *s)
{
    assert(!s->inside && s->held);
    s->inside = true;
    s->held = false;
    for (unsigned i = 0; i < GEN9_NUM_ENGINES; i++) {
        dispatch_current(s, &s->engines[i]);
    }
    publish_follow(s);
    s->inside = false;
}

static bool on_ports(const struct sched_engine *e, const struct med_sched_entity *en)
{
    return (e->running[0] && e->running[0]->entity == en) ||
           (e->running[1] && e->running[1]->entity == en);
}

/*
 * Stop @e's command streamer at a command boundary and wait until it is
 * idle (RING_MI_MODE: STOP_RING, then MODE_IDLE), as i915 does before it
 * resets an engine: while stopped the engine neither completes nor
 * switches contexts, so what its CSB and EXECLIST_STATUS say stays true
 * while the mechanism decides.  The wait is the command in progress (the
 * model: its slice), as for an engine reset.  RING_MI_MODE is context
 * state: a context the engine switches to before it stops (port 0 ended
 * meanwhile) restores it, STOP_RING cleared as every image has it, and
 * the engine runs on; the stop is asked for again, at most once per port.
 */
static void stop_cs(struct med_sched *s, struct sched_engine *e)
{
    long poll_ns = STOP_POLL_MIN_NS;
    uint32_t mode;

    mmio_write(s, e->base + RING_MI_MODE, MASKED_BIT_ENABLE(STOP_RING));
    while (!((mode = mmio_read(s, e->base + RING_MI_MODE)) & MODE_IDLE)) {
        if (!(mode & STOP_RING)) {
            s->stats.stops_repeated++;
            mmio_write(s, e->base + RING_MI_MODE, MASKED_BIT_ENABLE(STOP_RING));
        }
        nanosleep(&(struct timespec){ .tv_nsec = poll_ns }, NULL);
        poll_ns = poll_ns * 2 < STOP_POLL_MAX_NS ? poll_ns * 2 : STOP_POLL_MAX_NS;
    }
}

static void resume_cs(struct med_sched *s, struct sched_engine *e)
{
    mmio_write(s, e->base + RING_MI_MODE, MASKED_BIT_DISABLE(STOP_RING));
}

/* The workload of the entity being cancelled leaves port @port of stopped @e. */
static void drop_from_port(struct med_sched *s, struct sched_engine *e, unsigned port)
{
    struct med_sched_workload *w = e->running[port];

    e->running[port] = NULL;
    w->finished_ns = now_ns();
    charge(s, w, w->finished_ns, false);
    w->entity->workloads++;
    entity_push_front(s, w->entity, w);     /* onto s->cancelled */
}

/*
 * Take @en's workloads off the ELSP ports of stopped @e, whose CSB has
 * been read (so port 0 is what the engine runs, or the pair was not taken
 * yet), without cancelling or restarting another vGPU's work:
 *  - another vGPU's workload runs in port 0, @en's waits in port 1: the
 *    same context is submitted again alone.  The engine takes that at once
 *    as a lite restore (the running context goes on from where it is, no
 *    save and restore), and the new pair replaces the old one, so port 1
 *    is dropped without having run.  Preempting to idle instead would
 *    wait for an arbitration point in the running workload, and if that
 *    workload ended first the engine would start port 1 meanwhile.
 *  - otherwise the engine runs @en's workload, or has not taken the pair:
 *    it is reset, and another vGPU's workload in the pair never ran; it
 *    goes back to the front of its queue.  But one in port 0 whose
 *    context already completed (@en's appended behind it, may_append(),
 *    and not taken yet) is done: run again, its stores would be done twice.
 */
static void take_off_ports(struct med_sched *s, struct sched_engine *e,
                           struct med_sched_entity *en)
{
    struct med_sched_workload *first = e->running[0];
    uint32_t active = mmio_read(s, e->base + RING_EXECLIST_STATUS_HI);
    bool first_ended = e->port0_ended;

    assert(active == 0 || active == (uint32_t)(first->desc >> 32));
    if (first->entity != en && active) {
        /* The idle context's pending ELSP drops port 1 already, and no
         * other may be written before the engine takes it. */
        if (!e->preempting) {
            elsp_write(s, e, first->desc, 0);
        }
        s->stats.port1_drops++;
        drop_from_port(s, e, 1);
        return;
    }
    reset_engine(s, e);
    for (unsigned port = 2; port-- > 0;) {
        if (e->running[port] && e->running[port]->entity == en) {
            drop_from_port(s, e, port);
        } else if (port == 0 && first_ended && e->running[0]) {
            finish(s, e, MED_SCHED_DONE);
        } else {
            requeue(s, e, port);
        }
    }
}

/* Take @en's workloads off the done list, in order: the list they start,
 * and *@last its last (NULL: none). */
static struct med_sched_workload *take_done_of(struct med_sched *s,
                                               const struct med_sched_entity *en,
                                               struct med_sched_workload **last)
{
    struct med_sched_workload *first = NULL, **link = &s->done_first;

    *last = NULL;
    s->done_last = NULL;
    while (*link) {
        struct med_sched_workload *w = *link;

        if (w->entity != en) {
            s->done_last = w;
            link = &w->next;
            continue;
        }
        *link = w->next;
        w->next = NULL;
        if (*last) {
            (*last)->next = w;
        } else {
            first = w;
        }
        *last = w;
    }
    return first;
}

struct med_sched_workload *med_sched_cancel(struct med_sched *s, struct med_sched_entity *en)
{
    struct sched_engine *e = &s->engines[en->engine];
    struct med_sched_workload *left, *last;

    assert(!s->inside);
    s->inside = true;
    s->cancelling = en;
    while (en->first) {
        entity_push_front(s, en, entity_pop(s, en));
    }
    if (on_ports(e, en)) {
        stop_cs(s, e);
        /* What the engine finished, or stopped on, before the stop. */
        process_csb(s, e);
        check_error(s, e);
        if (on_ports(e, en)) {
            take_off_ports(s, e, en);
        }
        resume_cs(s, e);
    }
    s->cancelling = NULL;
    left = take_done_of(s, en, &last);
    while (s->cancelled) {
        struct med_sched_workload *w = s->cancelled;

        s->cancelled = w->next;
        w->next = NULL;
        w->result = MED_SCHED_CANCELLED;
        s->stats.cancelled++;
        if (last) {
            last->next = w;
        } else {
            left = w;
        }
        last = w;
    }
    backlog(s, en, now_ns());
    if (e->last_head == en) {
        e->last_head = NULL;    /* it may be freed; a later one may reuse its address */
    }
    dispatch(s, e);
    publish_follow(s);
    s->inside = false;
    return left;
}

const struct med_sched_stats *med_sched_get_stats(const struct med_sched *s)
{
    return &s->stats;
}
