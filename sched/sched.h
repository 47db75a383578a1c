/*
 * sched.h - the scheduler mechanism: per-engine queues of workloads from
 * every vGPU, dispatch to the physical GPU through the ELSP, and completion
 * from the GPU's interrupt (CSB in the engine's status page) or its error
 * state (hang, fault: the engine is reset, the workload it was running
 * ends as a hang and its vGPU's other work on that engine is cancelled
 * unrun; other vGPUs' work is untouched).
 *
 * An idle engine is given up to two workloads as one ELSP pair (port 0,
 * then port 1), so that it goes on to the second while the mediator
 * handles the first's completion.  A busy engine's ELSP is written only
 * with the idle context alone, to preempt the run (below), or as a lite
 * restore of the running context: to fill an
 * empty port 1 with the next workload of the same vGPU while no other
 * waits, or with another vGPU's while the running one's has none queued
 * (the engine goes on to it without waiting for the mediator), and
 * to drop a cancelled workload from port 1 (med_sched_cancel()).  A workload may come in parts (its owner's split
 * points, e.g. a guest element's requests): each dispatch runs as many of
 * its remaining parts as the vGPU's recent GPU time per part says fit one
 * time slice (at least one), and the rest goes back to the front of its
 * queue, so a guest that queued tens of milliseconds in one element does
 * not hold the engine for all of it.  When the policy says it would pick
 * no other vGPU for longer (horizon_ns: the others are capped out until
 * some time, or owed less), a dispatch holds as many parts as fit that
 * instead, so the engine does not idle at part boundaries that are no
 * decision.  Port 1 is filled only when port 0's workload runs to its end
 * and is expected to leave time before that horizon.  A vGPU alone on its
 * engine (no other has work there) that the policy keeps is fed: once the
 * engine runs the last chunk (a slice of parts) of its run, the mechanism
 * writes the running context again with a later tail (a lite restore),
 * giving it the next chunk before it runs dry, as a native driver feeds
 * the engine its context's new requests.  At most one chunk is ahead, so
 * a vGPU that gets work waits about two slices at most.
 *
 * A run that stays in one part for a time slice of its own time while
 * another vGPU waits is preempted when the config gives idle contexts:
 * the ELSP gets the engine's idle context (an empty ring, as i915's
 * preempt context on Gen9 was), which the engine loads at the running
 * context's next arbitration point (MI_ARB_CHECK with arbitration on: a
 * loop's trampoline, docs/scanner.md) after saving it there (CSB
 * preempted), then completes at once; the engine is idle and the
 * preempted workload goes back to the front of its queue, to resume from
 * its image (saved_inside) at a later turn, from the same scanned copies.
 * A run that reaches no arbitration point is stopped at part_limit_ns as
 * before.
 *
 * Policy is separate (struct med_sched_policy_ops): which vGPU's workload
 * runs next on an engine.  The mechanism owns each vGPU's FIFO per engine
 * (struct med_sched_entity); the policy orders the entities that have
 * work, from their shares (weight, cap) and the GPU time each was charged.
 * A policy may leave an engine idle although work is queued (a cap): it
 * then says when to ask again, and the mechanism wakes itself up then.
 *
 * GPU time is the GPU's own: the CTX_TIMESTAMP the engine saves in the
 * context image at switch-out, minus its value at switch-in (SKL_CS_CLOCK_HZ
 * ticks).  A workload the engine stopped or that was cancelled is charged
 * the host time since it reached ELSP port 0.  docs/scheduler.md.
 *
 * Threads: the GPU's interrupt handler runs on the backend's threads; it
 * only writes the eventfd med_sched_fd() returns.  Everything else runs on
 * the thread that owns the scheduler (the mediator's event loop), which
 * calls med_sched_process() when that fd is readable.
 *
 * Control flows one way: the owner calls the mechanism, never the reverse
 * but for med_sched_ops.bind (which must not call back in).  A workload
 * that leaves the scheduler is not reported by a callback: it goes on the
 * done list, which the owner drains with med_sched_next_done() once the
 * call at hand has returned (the event loop, after med_sched_process()'s
 * CSB walk), so that the owner's reaction (retiring, shadowing the next
 * element, med_sched_submit()) never runs inside the mechanism's
 * completion loop.  med_sched_cancel() returns the cancelled entity's
 * workloads itself.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_SCHED_SCHED_H
#define GPUMED_SCHED_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "pgpu/pgpu.h"

enum med_sched_result {
    MED_SCHED_DONE,             /* the context ran to its tail */
    MED_SCHED_HANG,             /* the engine stopped it (hang, fault, bad command): reset */
    MED_SCHED_CANCELLED,        /* dropped by med_sched_cancel(), or unrun behind a hang */
};

struct med_sched_entity;

#define MED_SCHED_WEIGHT_MAX    100
#define MED_SCHED_CAP_NONE      100     /* percent of an engine's time */

/* What a vGPU is entitled to on every engine; its owner may change it at
 * any time on the scheduler's thread (it takes effect at the next pick). */
struct med_sched_share {
    unsigned weight;            /* 1..MED_SCHED_WEIGHT_MAX: share among vGPUs with work */
    unsigned cap_percent;       /* 1..100: never more than this, even on an idle GPU */
};

/* One unit of work: a context the GPU can load, made reachable by
 * med_sched_ops.bind just before the ELSP write. */
struct med_sched_workload {
    struct med_sched_entity *entity;
    uint64_t desc;              /* ELSP element while dispatched */
    /* Where the GPU saves this context's CTX_TIMESTAMP: set by bind. */
    const uint32_t *ctx_timestamp;
    uint32_t ctx_timestamp_start;       /* mechanism's: its value at dispatch */
    uint64_t run_charged_ns;    /* mechanism's: of this run's GPU time, charged as it ran */
    uint64_t queued_ns, dispatched_ns, finished_ns;     /* CLOCK_MONOTONIC */
    uint64_t head_ns;           /* mechanism's: when it reached ELSP port 0 */
    /* mechanism's: since when its entity waited for the engine before it
     * was dispatched (0: it did not), until it reaches ELSP port 0 */
    uint64_t waited_since_ns;
    uint64_t gpu_ns;            /* GPU time charged for it, once finished */
    /* owner's: >= 1 pieces, each a unit of dispatch; the owner may add
     * parts while it is queued, until its first dispatch, and while it
     * runs in ELSP port 0 (med_sched_may_grow(), med_sched_grow()) */
    unsigned parts;
    /* owner's: the context its entity runs it in (0: one of its own).  A
     * workload does not go to ELSP port 1 behind a running one of its
     * entity and context: the engine would restore the context's image
     * before the run in port 0 saved into it, so it waits for that run's
     * completion (dispatch()). */
    uint64_t context;
    unsigned run_first, run_end;        /* mechanism's: parts bind must run now */
    /* mechanism's: the first part of the latest chunk the engine was given
     * in this run (run_first, or where feed() extended it) */
    unsigned fed_from;
    unsigned window;            /* mechanism's: the window (0, 1) it was last bound at */
    /* mechanism's: the engine saved it inside its run (preempted at an
     * arbitration point): bind resumes it from its image */
    bool saved_inside;
    enum med_sched_result result;       /* mechanism's: how it left the scheduler */
    uint32_t engine_error;      /* RING_EIR when it ended as MED_SCHED_HANG */
    uint64_t stop_address;      /* ... and the GGTT address of the command it stopped at */
    /* mechanism's, while another entity waits for the engine: the part
     * the engine was last seen in (UINT_MAX: not watched yet in this run)
     * and the context's CTX_TIMESTAMP when it was first seen there */
    unsigned watched_part;
    uint32_t watched_since;
    struct med_sched_workload *next;        /* mechanism's */
};

/* One vGPU on one engine: its workloads in order. */
struct med_sched_entity {
    enum gen9_engine engine;
    const struct med_sched_share *share;        /* the owner's, read by the policy */
    struct med_sched_workload *first, *last;    /* mechanism's FIFO */
    uint64_t busy_ns;           /* mechanism's: GPU time charged, in all */
    uint64_t workloads;         /* mechanism's: workloads that left the GPU */
    uint64_t part_ns;           /* mechanism's: recent GPU time per part, 0: unknown */
    uint64_t part_weight;       /* mechanism's: how many parts part_ns is of, decayed (x16);
                                 * 0 while only the first run is known */
    /* mechanism's: wall time it had work queued or on the GPU (backlogged),
     * up to backlog_since_ns (0: it has none now) */
    uint64_t backlog_ns, backlog_since_ns;
    /* mechanism's: since when it has work queued and none on the GPU (0: not so) */
    uint64_t waiting_since_ns;
    uint32_t owner_id;          /* owner's: names it in trace points (the vGPU's id) */
    unsigned on_gpu;            /* mechanism's: its workloads in the ELSP ports */
    struct med_sched_entity *policy_next;       /* policy's */
    bool runnable;                              /* policy's */
    uint64_t vtime;             /* policy's: weighted GPU time */
    int64_t cap_budget_ns;      /* policy's: GPU time it may still use */
    uint64_t cap_budget_at_ns;  /* policy's: when that budget was last topped up */
};

struct med_sched_policy_params {
    uint64_t time_slice_ns;     /* an entity keeps an engine this long while it has work */
};

/* Which entity runs next on an engine; called only from the mechanism.
 * @now_ns is CLOCK_MONOTONIC (a test passes its own clock). */
struct med_sched_policy_ops {
    const char *name;
    void *(*create)(const struct med_sched_policy_params *params);
    void (*destroy)(void *policy);
    /* @entity got work (it had none). */
    void (*runnable)(void *policy, struct med_sched_entity *entity, uint64_t now_ns);
    /* @entity has no more work, or goes away. */
    void (*idle)(void *policy, struct med_sched_entity *entity);
    /* The entity whose first workload runs next on @engine, or NULL. */
    struct med_sched_entity *(*pick)(void *policy, enum gen9_engine engine, uint64_t now_ns);
    /* @entity used the GPU for @gpu_ns (it may be idle by now). */
    void (*charge)(void *policy, struct med_sched_entity *entity, uint64_t gpu_ns,
                   uint64_t now_ns);
    /* When pick() may return an entity on @engine that it refuses now
     * although one has work, or UINT64_MAX. */
    uint64_t (*next_eligible_ns)(void *policy, enum gen9_engine engine);
    /* The GPU time @entity, just picked, may hold its engine before the
     * policy would pick another (the mechanism gives it at least a time
     * slice in any case). */
    uint64_t (*horizon_ns)(void *policy, const struct med_sched_entity *entity, uint64_t now_ns);
    /* @entity's workload runs on its engine with parts left, and no other
     * entity has work there: whether pick() would give it the engine
     * again now (true: the policy takes that as such a pick). */
    bool (*keeps)(void *policy, struct med_sched_entity *entity, uint64_t now_ns);
};

/* Round robin among vGPUs with work, FIFO within one (ignores shares). */
extern const struct med_sched_policy_ops med_sched_policy_rr;
/* Time slices proportional to weights, with caps (docs/scheduler.md). */
extern const struct med_sched_policy_ops med_sched_policy_weighted;

/* What the mechanism asks of the workload's owner. */
struct med_sched_ops {
    /* Make @w's memory reachable by the GPU at the engine's GGTT window
     * @window (0 or 1, one per ELSP port: the two may be bound at once; a
     * window is never bound again while the engine may use the workload
     * in it, which may have moved from port 1 to port 0), set
     * w->ctx_timestamp and return its descriptor (the mechanism sets the
     * context ID); called right before the ELSP write.  The context runs
     * to the end of part w->run_end - 1; from w->run_first > 0 on it
     * resumes where the GPU saved it. */
    uint64_t (*bind)(struct med_sched_workload *w, unsigned window);
    /* The part of @w the engine is in when its ring's HEAD is @ring_head
     * (bytes into the ring). */
    unsigned (*part_at)(const struct med_sched_workload *w, uint32_t ring_head);
    /* @w, bound and on the engine, now runs to the end of part
     * w->run_end - 1 (more than when it was bound): write that tail where
     * the engine's lite restore loads it (the context image); called
     * right before the ELSP write.  Only parts the owner made runnable
     * before the workload's first dispatch, or before med_sched_grow(),
     * become reachable. */
    void (*extend)(struct med_sched_workload *w);
};

/* An engine's status page: host memory in the host's GGTT block. */
struct med_sched_status_page {
    uint32_t *map;
    uint64_t ggtt;
};

/* An engine's idle context: MED_SCHED_IDLE_CONTEXT_PAGES pages of host
 * memory in the host's GGTT block (its image, then its ring), which the
 * mechanism fills. */
#define MED_SCHED_IDLE_CONTEXT_PAGES    3
struct med_sched_idle_context {
    uint32_t *map;
    uint64_t ggtt;
};

struct med_sched_config {
    struct pgpu *gpu;
    struct med_sched_status_page status_page[GEN9_NUM_ENGINES];
    /* Every engine's (map NULL in any: no preemption) */
    struct med_sched_idle_context idle_context[GEN9_NUM_ENGINES];
    const struct med_sched_policy_ops *policy;
    struct med_sched_policy_params policy_params;
    const struct med_sched_ops *ops;
    /* While another entity waits for its engine (queued, or in ELSP port
     * 1 behind the run), a run may stay this long of its context's own
     * time in one part, then it is stopped as a hang (0: no limit). */
    uint64_t part_limit_ns;
};

#define MED_SCHED_WAIT_BUCKETS  320     /* eighths of powers of two up to 2^41 ns */

struct med_sched_stats {
    uint64_t dispatched;
    uint64_t completed;
    uint64_t hangs;             /* workloads the engine stopped */
    uint64_t cancelled;
    uint64_t port1_drops;       /* cancelled from ELSP port 1 by a lite restore of port 0 */
    uint64_t stops_repeated;    /* STOP_RING asked again: a context restored meanwhile cleared it */
    uint64_t resets;            /* engine resets the mechanism did */
    uint64_t overruns;          /* of the hangs, runs stopped past part_limit_ns */
    uint64_t preemptions;       /* the idle context written to preempt a run past its slice */
    uint64_t preempted;         /* runs the engine saved at an arbitration point for it */
    uint64_t stray_events;      /* CSB completions naming no running workload */
    uint64_t interrupts;        /* eventfd wake-ups processed */
    /* interrupts the handler left to the timer: lite restores of feed()'s
     * writes on an engine it follows by that timer (interrupt_can_wait()) */
    uint64_t interrupts_deferred;
    uint64_t timer_wakeups;     /* the policy's wake-ups (caps) processed */
    uint64_t vgpu_switches;     /* ELSP port 0 went to another entity than last time */
    uint64_t elsp_writes;       /* ELSP submissions, of one workload or two */
    uint64_t elsp_pairs;        /* of them with two workloads (both ports) */
    uint64_t elsp_appends;      /* of those pairs, written behind a running port 0 */
    uint64_t early_completions; /* port 0 completions before the engine took such a pair */
    uint64_t elsp_feeds;        /* of the writes, port 0's workload alone with a later tail (feed()) */
    uint64_t grown;             /* running workloads given more parts (med_sched_grow()) */
    uint64_t busy_ns[GEN9_NUM_ENGINES]; /* GPU time charged to any entity, by engine */
    /* Each time an entity had work queued and none on the GPU, how long
     * until its next turn, when its dispatched workload reached ELSP port
     * 0 (between two of its turns, or from new work to its turn; until
     * 2026-12-07 until the dispatch, which in port 1 is not yet a turn):
     * count, greatest, and a histogram that med_sched_wait_ns() reads. */
    uint64_t waits, wait_max_ns;
    uint64_t wait_buckets[MED_SCHED_WAIT_BUCKETS];
};

struct med_sched;

/* The wait at or below which @fraction of the waits in @stats were (e.g.
 * 0.99: the 99th percentile), rounded up to a bucket's end (within 1/8). */
uint64_t med_sched_wait_ns(const struct med_sched_stats *stats, double fraction);

/* Bring the engines up in execlist mode with the context-switch and error
 * interrupts enabled; NULL with errno. */
struct med_sched *med_sched_create(const struct med_sched_config *config);
/* Stop taking interrupts (the handler is detached; the eventfd stays valid
 * until med_sched_destroy(), which must come after the GPU's engine
 * threads stopped). */
void med_sched_detach(struct med_sched *sched);
void med_sched_destroy(struct med_sched *sched);

/* Readable when the GPU interrupted or the policy's wake-up time came:
 * then call med_sched_process(). */
int med_sched_fd(const struct med_sched *sched);
void med_sched_process(struct med_sched *sched);
/* The oldest workload that left the scheduler (w->result says how) and
 * was not taken yet, or NULL; from then on it is the owner's again (it
 * may be reused or freed).  Drain after med_sched_process() and
 * med_sched_cancel() (which may complete other entities' work). */
struct med_sched_workload *med_sched_next_done(struct med_sched *sched);

void med_sched_entity_init(struct med_sched_entity *entity, enum gen9_engine engine,
                           const struct med_sched_share *share);
/* Queue @w behind the entity's earlier workloads; dispatched at once if
 * the engine is idle and the policy picks it (after med_sched_release()
 * while held). */
void med_sched_submit(struct med_sched *sched, struct med_sched_entity *entity,
                      struct med_sched_workload *w);
/*
 * Whether @w, dispatched, may take more parts now: by the CSB read now, it
 * runs in ELSP port 0 of its engine with port 1 empty, no other entity
 * waits for the engine, and the mechanism is not taking it off (a
 * preemption, its context ended before the engine took the last write).
 * Reading the CSB may complete @w and others (the done list, as after
 * any call).  Then its owner
 * may raise w->parts, the new parts reachable where @w is bound (before
 * the engine may be given them), and call med_sched_grow(): they run in
 * the same context, as a native driver's next request does when it
 * writes the ELSP while its context runs.
 */
bool med_sched_may_grow(struct med_sched *sched, const struct med_sched_workload *w);
/* @w (med_sched_may_grow() said so) has more parts: the engine is given
 * them as a lone vGPU's next chunk (a lite restore of the running context
 * with a later tail), or, should another entity get work first or the
 * engine end @w's run first, at @w's next turn (its run resumed from its
 * saved image). */
void med_sched_grow(struct med_sched *sched, struct med_sched_workload *w);
/*
 * Hold dispatch while the owner queues what it found waiting at one
 * wake-up (every vGPU's submission ring), then release it: an idle engine
 * then gets two vGPUs' workloads as one ELSP pair, as a native driver
 * writes a pair, instead of the first alone and the second after the
 * first's interrupt.  Completions go on meanwhile.
 */
void med_sched_hold(struct med_sched *sched);
void med_sched_release(struct med_sched *sched);
/* Drop every workload of @entity without
 * cancelling or restarting another entity's: the engine's command
 * streamer is stopped while the mechanism reads where it is; @entity's
 * workload waiting in ELSP port 1 behind another's is dropped by
 * submitting port 0's context again alone (a lite restore: it runs on);
 * when the engine runs @entity's workload it is reset, and another
 * entity's workload dispatched with it, which never ran, goes back to the
 * front of its queue.  Returns every workload of @entity that left the
 * scheduler and was not taken from the done list yet, linked by ->next:
 * those the engine completed before the stop (DONE or HANG) in the order
 * they finished, then the dropped ones (CANCELLED). */
struct med_sched_workload *med_sched_cancel(struct med_sched *sched,
                                            struct med_sched_entity *entity);

const struct med_sched_stats *med_sched_get_stats(const struct med_sched *sched);

/* The wall time @entity was backlogged (had work queued or on the GPU)
 * until @now_ns: fairness is among backlogged vGPUs. */
uint64_t med_sched_backlog_ns(const struct med_sched_entity *entity, uint64_t now_ns);
/* How many of @entity's workloads are queued or on the GPU now. */
unsigned med_sched_queue_depth(const struct med_sched_entity *entity);

/* Whether @share is within the ranges above. */
bool med_sched_share_valid(const struct med_sched_share *share);

/* @entity's run of @parts (>= 1) parts used @used_ns of GPU time: its
 * part_ns follows the mean GPU time of its recent parts, its first run's
 * left out once another is known (the mechanism calls it as each run
 * leaves the GPU). */
void med_sched_learn_parts(struct med_sched_entity *entity, uint64_t used_ns, unsigned parts);

/* How long a lone vGPU's feed waits before it looks again where the
 * engine is, with @parts to go before the part it awaits at @part_ns each
 * (docs/scheduler.md, "One turn is about a slice"). */
uint64_t med_sched_feed_poll_ns(uint64_t part_ns, unsigned parts);

/* GPU time of @ticks of the command streamer's clock. */
uint64_t med_sched_ticks_to_ns(uint64_t ticks);

#endif /* GPUMED_SCHED_SCHED_H */
