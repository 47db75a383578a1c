/*
 * policy-rr.c - the round-robin policy: the vGPUs with work on an engine
 * take turns, one workload each; within a vGPU, workloads run in order.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "sched/sched.h"

#include <stdlib.h>

struct rr_policy {
    /* Per engine, the runnable entities as a queue: pick takes the head
     * and puts it back at the tail. */
    struct med_sched_entity *head[GEN9_NUM_ENGINES], *tail[GEN9_NUM_ENGINES];
};

static void *rr_create(const struct med_sched_policy_params *params)
{
    (void)params;
    return calloc(1, sizeof(struct rr_policy));
}

static void rr_destroy(void *policy)
{
    free(policy);
}

static void rr_append(struct rr_policy *p, struct med_sched_entity *en)
{
    en->policy_next = NULL;
    if (p->tail[en->engine]) {
        p->tail[en->engine]->policy_next = en;
    } else {
        p->head[en->engine] = en;
    }
    p->tail[en->engine] = en;
}

static void rr_runnable(void *policy, struct med_sched_entity *en, uint64_t now_ns)
{
    (void)now_ns;
    if (!en->runnable) {
        en->runnable = true;
        rr_append(policy, en);
    }
}

static void rr_idle(void *policy, struct med_sched_entity *en)
{
    struct rr_policy *p = policy;
    struct med_sched_entity *prev = NULL;

    if (!en->runnable) {
        return;
    }
    en->runnable = false;
    for (struct med_sched_entity *it = p->head[en->engine]; it; prev = it, it = it->policy_next) {
        if (it != en) {
            continue;
        }
        if (prev) {
            prev->policy_next = en->policy_next;
        } else {
            p->head[en->engine] = en->policy_next;
        }
        if (p->tail[en->engine] == en) {
            p->tail[en->engine] = prev;
        }
        break;
    }
}

static struct med_sched_entity *rr_pick(void *policy, enum gen9_engine engine,
                                        uint64_t now_ns)
{
    struct rr_policy *p = policy;
    struct med_sched_entity *en = p->head[engine];

    if (en && en->policy_next) {
        p->head[engine] = en->policy_next;
        rr_append(p, en);
    }
    (void)now_ns;
    return en;
}

/* Turns, not time: nothing to account, never holds an engine back. */
static void rr_charge(void *policy, struct med_sched_entity *en, uint64_t gpu_ns,
                      uint64_t now_ns)
{
    (void)policy, (void)en, (void)gpu_ns, (void)now_ns;
}

static uint64_t rr_next_eligible_ns(void *policy, enum gen9_engine engine)
{
    (void)policy, (void)engine;
    return UINT64_MAX;
}

/* A turn is one workload (one slice of its parts, if slices are set). */
static uint64_t rr_horizon_ns(void *policy, const struct med_sched_entity *en, uint64_t now_ns)
{
    (void)policy, (void)en, (void)now_ns;
    return 0;
}

/* Alone with work, an entity is the queue's only one. */
static bool rr_keeps(void *policy, struct med_sched_entity *en, uint64_t now_ns)
{
    (void)policy, (void)en, (void)now_ns;
    return true;
}

const struct med_sched_policy_ops med_sched_policy_rr = {
    .name = "round-robin",
    .create = rr_create,
    .destroy = rr_destroy,
    .runnable = rr_runnable,
    .idle = rr_idle,
    .pick = rr_pick,
    .charge = rr_charge,
    .next_eligible_ns = rr_next_eligible_ns,
    .horizon_ns = rr_horizon_ns,
    .keeps = rr_keeps,
};
