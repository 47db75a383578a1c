/*
 * sched.h - the scheduler mechanism: per-engine queues of workloads from
 * every vGPU, dispatch to the physical GPU through the ELSP, and completion
 * from the GPU's interrupt (CSB in the engine's status page) or its error
 * state (hang, fault: the engine is reset and only the workload it was
 * running is lost).
 *
 * An idle engine is given up to two workloads as one ELSP pair (port 0,
 * then port 1), so that it goes on to the second while the mediator
 * handles the first's completion; nothing is written to a busy engine's
 * ELSP (no preemption).
 *
 * Policy is separate (struct med_sched_policy_ops): which vGPU's workload
 * runs next on an engine.  The mechanism owns each vGPU's FIFO per engine
 * (struct med_sched_entity); the policy orders the entities that have
 * work.  Weights, caps and time slices are a policy's business (not yet).
 *
 * Threads: the GPU's interrupt handler runs on the backend's threads; it
 * only writes the eventfd med_sched_fd() returns.  Everything else runs on
 * the thread that owns the scheduler (the mediator's event loop), which
 * calls med_sched_process() when that fd is readable.  Callbacks
 * (med_sched_ops) are made from med_sched_process(), med_sched_submit()
 * and med_sched_cancel(), on that thread.
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
    MED_SCHED_CANCELLED,        /* dropped by med_sched_cancel() */
};

struct med_sched_entity;

/* One unit of work: a context the GPU can load, made reachable by
 * med_sched_ops.bind just before the ELSP write. */
struct med_sched_workload {
    struct med_sched_entity *entity;
    uint64_t desc;              /* ELSP element while dispatched */
    uint64_t queued_ns, dispatched_ns, finished_ns;     /* CLOCK_MONOTONIC */
    uint32_t engine_error;      /* RING_EIR when it ended as MED_SCHED_HANG */
    uint64_t stop_address;      /* ... and the GGTT address of the command it stopped at */
    struct med_sched_workload *next;        /* mechanism's */
};

/* One vGPU on one engine: its workloads in order. */
struct med_sched_entity {
    enum pgpu_engine engine;
    void *owner;                /* for the policy (weights, later) */
    struct med_sched_workload *first, *last;    /* mechanism's FIFO */
    struct med_sched_entity *policy_next;       /* policy's */
    bool runnable;                              /* policy's */
};

/* Which entity runs next on an engine; called only from the mechanism. */
struct med_sched_policy_ops {
    const char *name;
    void *(*create)(void);
    void (*destroy)(void *policy);
    /* @entity got work (it had none). */
    void (*runnable)(void *policy, struct med_sched_entity *entity);
    /* @entity has no more work, or goes away. */
    void (*idle)(void *policy, struct med_sched_entity *entity);
    /* The entity whose first workload runs next on @engine, or NULL. */
    struct med_sched_entity *(*pick)(void *policy, enum pgpu_engine engine);
};

/* Round robin among vGPUs with work, FIFO within one. */
extern const struct med_sched_policy_ops med_sched_policy_rr;

/* What the mechanism asks of the workload's owner. */
struct med_sched_ops {
    /* Make @w's memory reachable by the GPU for ELSP port @port (0 or 1:
     * the two may be bound at once) and return its descriptor (the
     * mechanism sets the context ID); called right before the ELSP write. */
    uint64_t (*bind)(struct med_sched_workload *w, unsigned port);
    /* @w left the scheduler; it may be reused or freed. */
    void (*complete)(struct med_sched_workload *w, enum med_sched_result result);
};

/* An engine's status page: host memory in the host's GGTT block. */
struct med_sched_status_page {
    uint32_t *map;
    uint64_t ggtt;
};

struct med_sched_config {
    struct pgpu *gpu;
    struct med_sched_status_page status_page[PGPU_NUM_ENGINES];
    const struct med_sched_policy_ops *policy;
    const struct med_sched_ops *ops;
};

struct med_sched_stats {
    uint64_t dispatched;
    uint64_t completed;
    uint64_t hangs;             /* workloads the engine stopped */
    uint64_t cancelled;
    uint64_t resets;            /* engine resets the mechanism did */
    uint64_t stray_events;      /* CSB completions naming no running workload */
    uint64_t interrupts;        /* eventfd wake-ups processed */
};

struct med_sched;

/* Bring the engines up in execlist mode with the context-switch and error
 * interrupts enabled; NULL with errno. */
struct med_sched *med_sched_create(const struct med_sched_config *config);
/* Stop taking interrupts (the handler is detached; the eventfd stays valid
 * until med_sched_destroy(), which must come after the GPU's engine
 * threads stopped). */
void med_sched_detach(struct med_sched *sched);
void med_sched_destroy(struct med_sched *sched);

/* Readable when the GPU interrupted: then call med_sched_process(). */
int med_sched_fd(const struct med_sched *sched);
void med_sched_process(struct med_sched *sched);

void med_sched_entity_init(struct med_sched_entity *entity, enum pgpu_engine engine,
                           void *owner);
/* Queue @w behind the entity's earlier workloads; dispatched at once if
 * the engine is idle and the policy picks it. */
void med_sched_submit(struct med_sched *sched, struct med_sched_entity *entity,
                      struct med_sched_workload *w);
/* Drop every workload of @entity (each completed as CANCELLED); if one is
 * on the GPU its engine is reset, and another vGPU's workload dispatched
 * with it goes back to the front of its queue. */
void med_sched_cancel(struct med_sched *sched, struct med_sched_entity *entity);

const struct med_sched_stats *med_sched_get_stats(const struct med_sched *sched);

#endif /* GPUMED_SCHED_SCHED_H */
