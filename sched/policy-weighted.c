/*
 * policy-weighted.c - each engine's time shared among the vGPUs with work
 * in proportion to their weights, in time slices, with caps
 * (docs/scheduler.md).
 *
 * Per engine, among the entities with work:
 *  - Each entity has a virtual time: the GPU time it was charged, times
 *    MED_SCHED_WEIGHT_MAX / weight.  The one with the least runs next, so
 *    while several have work their GPU times grow in proportion to their
 *    weights.
 *  - The one picked keeps the engine for a time slice of GPU time (a
 *    switch between vGPUs costs a context switch), unless it runs out of
 *    work or of cap first.
 *  - An entity that gets work after being idle may be at most
 *    IDLE_CREDIT_NS of GPU time (or a slice, if longer) behind the least
 *    advanced entity with work: a vGPU whose guest waits for its own
 *    results between submissions (so it is idle whenever all it queued is
 *    on the GPU) keeps what it is owed, but nothing banks credit while
 *    idle for long and then holds the engine for long.
 *  - A cap is a bucket of GPU time that fills at cap percent of wall time,
 *    up to cap percent of CAP_PERIOD_NS (at least one slice): a capped
 *    vGPU that waits for a neighbour's long workloads keeps what it was
 *    owed meanwhile.  An entity whose bucket is empty is not picked
 *    even if the engine then idles; next_eligible_ns() says when it has
 *    time again.  Whatever it overdraws (the workload that emptied its
 *    bucket) is paid back before it runs again, so over any interval it
 *    gets at most cap percent plus one bucket plus two workloads.
 *  - horizon_ns() tells the mechanism how long the entity it picked would
 *    go on being picked, so that it dispatches a split workload's parts
 *    up to there in one go instead of idling the engine at each.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "sched/sched.h"

#include <stdlib.h>

#define CAP_PERIOD_NS   100000000ull    /* the bucket holds cap percent of this */
#define IDLE_CREDIT_NS  100000000ull    /* what a vGPU may be owed across an idle gap */

struct weighted_engine {
    struct med_sched_entity *runnable;  /* unordered list through policy_next */
    struct med_sched_entity *current;   /* holds the engine for its slice */
    uint64_t slice_used_ns;
    uint64_t vclock;                    /* virtual time of the latest pick */
};

struct weighted_policy {
    uint64_t slice_ns;
    struct weighted_engine engines[GEN9_NUM_ENGINES];
};

static void *weighted_create(const struct med_sched_policy_params *params)
{
    struct weighted_policy *p;

    if (!params->time_slice_ns) {
        return NULL;
    }
    p = calloc(1, sizeof(*p));
    if (p) {
        p->slice_ns = params->time_slice_ns;
    }
    return p;
}

static void weighted_destroy(void *policy)
{
    free(policy);
}

static uint64_t to_vtime(const struct med_sched_entity *en, uint64_t gpu_ns)
{
    return gpu_ns * MED_SCHED_WEIGHT_MAX / en->share->weight;
}

static bool capped(const struct med_sched_entity *en)
{
    return en->share->cap_percent < MED_SCHED_CAP_NONE;
}

/* Fill @en's bucket for the wall time since it was last filled. */
static void cap_refill(const struct weighted_policy *p, struct med_sched_entity *en,
                       uint64_t now)
{
    uint64_t period_share = CAP_PERIOD_NS * en->share->cap_percent / MED_SCHED_CAP_NONE;
    int64_t full = (int64_t)(period_share > p->slice_ns ? period_share : p->slice_ns);

    if (!en->cap_budget_at_ns) {
        en->cap_budget_ns = full;
    } else if (now > en->cap_budget_at_ns) {
        uint64_t gained = (now - en->cap_budget_at_ns) * en->share->cap_percent /
                          MED_SCHED_CAP_NONE;

        /* A bucket above full (the cap lowered at run time) is cut to it:
         * full - budget would wrap and the bucket grow without bound. */
        en->cap_budget_ns = en->cap_budget_ns >= full ||
                            gained >= (uint64_t)(full - en->cap_budget_ns) ?
                            full : en->cap_budget_ns + (int64_t)gained;
    } else {
        return;
    }
    en->cap_budget_at_ns = now;
}

static bool eligible(const struct med_sched_entity *en)
{
    return !capped(en) || en->cap_budget_ns > 0;
}

static void weighted_runnable(void *policy, struct med_sched_entity *en, uint64_t now_ns)
{
    struct weighted_policy *p = policy;
    struct weighted_engine *e = &p->engines[en->engine];
    uint64_t lag = to_vtime(en, p->slice_ns > IDLE_CREDIT_NS ? p->slice_ns : IDLE_CREDIT_NS);
    uint64_t reference = e->vclock;

    if (en->runnable) {
        return;
    }
    /* behind the least advanced of those with work, or the latest pick */
    for (struct med_sched_entity *it = e->runnable; it; it = it->policy_next) {
        reference = it == e->runnable || it->vtime < reference ? it->vtime : reference;
    }
    if (reference > lag && en->vtime < reference - lag) {
        en->vtime = reference - lag;
    }
    cap_refill(p, en, now_ns);
    en->runnable = true;
    en->policy_next = e->runnable;
    e->runnable = en;
}

static void weighted_idle(void *policy, struct med_sched_entity *en)
{
    struct weighted_engine *e = &((struct weighted_policy *)policy)->engines[en->engine];

    if (!en->runnable) {
        return;
    }
    en->runnable = false;
    for (struct med_sched_entity **link = &e->runnable; *link; link = &(*link)->policy_next) {
        if (*link == en) {
            *link = en->policy_next;
            break;
        }
    }
    if (e->current == en) {
        e->current = NULL;
    }
}

static struct med_sched_entity *weighted_pick(void *policy, enum gen9_engine engine,
                                              uint64_t now_ns)
{
    struct weighted_policy *p = policy;
    struct weighted_engine *e = &p->engines[engine];
    struct med_sched_entity *best = NULL;

    for (struct med_sched_entity *it = e->runnable; it; it = it->policy_next) {
        cap_refill(p, it, now_ns);
    }
    if (e->current && e->slice_used_ns < p->slice_ns && eligible(e->current)) {
        return e->current;
    }
    for (struct med_sched_entity *it = e->runnable; it; it = it->policy_next) {
        if (eligible(it) && (!best || it->vtime < best->vtime)) {
            best = it;
        }
    }
    if (best) {
        e->current = best;
        e->slice_used_ns = 0;
        if (best->vtime > e->vclock) {
            e->vclock = best->vtime;
        }
    }
    return best;
}

static void weighted_charge(void *policy, struct med_sched_entity *en, uint64_t gpu_ns,
                            uint64_t now_ns)
{
    struct weighted_policy *p = policy;
    struct weighted_engine *e = &p->engines[en->engine];

    cap_refill(p, en, now_ns);
    en->cap_budget_ns -= (int64_t)gpu_ns;
    en->vtime += to_vtime(en, gpu_ns);
    if (e->current == en) {
        e->slice_used_ns += gpu_ns;
    }
}

/* When @en's empty bucket holds more than zero again: once it gained its
 * debt + 1 ns. */
static uint64_t eligible_at(const struct med_sched_entity *en)
{
    uint64_t debt = (uint64_t)(-en->cap_budget_ns) + 1;

    return en->cap_budget_at_ns + (debt * MED_SCHED_CAP_NONE + en->share->cap_percent - 1) /
                                  en->share->cap_percent;
}

static uint64_t weighted_next_eligible_ns(void *policy, enum gen9_engine engine)
{
    struct weighted_policy *p = policy;
    uint64_t first = UINT64_MAX;

    for (struct med_sched_entity *it = p->engines[engine].runnable; it; it = it->policy_next) {
        if (!eligible(it) && eligible_at(it) < first) {
            first = eligible_at(it);    /* an eligible one: pick() would have taken it */
        }
    }
    return first;
}

/*
 * How long pick() would go on returning @en: until its virtual time passes
 * that of another entity with work (if that one is capped out, not before
 * its bucket refilled: wall time, which the GPU time @en runs cannot
 * exceed), within @en's own bucket.  At least a slice, and only a slice
 * while no other entity has work: the policy cannot know when one gets
 * some, and a newcomer should not wait for more than a slice (run whole,
 * a guest's elements of up to 60 ms made 2:1 come out as 1.44 : 1).
 */
static uint64_t weighted_horizon_ns(void *policy, const struct med_sched_entity *en,
                                    uint64_t now_ns)
{
    struct weighted_policy *p = policy;
    uint64_t until = UINT64_MAX;

    /* pick() refilled every bucket at @now_ns */
    for (struct med_sched_entity *it = p->engines[en->engine].runnable; it; it = it->policy_next) {
        uint64_t lead, wait;

        if (it == en) {
            continue;
        }
        lead = it->vtime > en->vtime ? (it->vtime - en->vtime) * en->share->weight /
                                       MED_SCHED_WEIGHT_MAX : 0;
        wait = eligible(it) || eligible_at(it) <= now_ns ? 0 : eligible_at(it) - now_ns;
        lead = lead > wait ? lead : wait;
        until = lead < until ? lead : until;
    }
    if (until == UINT64_MAX) {
        return p->slice_ns;
    }
    if (capped(en)) {
        uint64_t budget = en->cap_budget_ns > 0 ? (uint64_t)en->cap_budget_ns : 0;

        until = budget < until ? budget : until;
    }
    return until > p->slice_ns ? until : p->slice_ns;
}

/* Alone with work, @en would be picked as long as its bucket holds time;
 * a pick moves the virtual clock a newcomer's credit is reckoned from. */
static bool weighted_keeps(void *policy, struct med_sched_entity *en, uint64_t now_ns)
{
    struct weighted_policy *p = policy;
    struct weighted_engine *e = &p->engines[en->engine];

    cap_refill(p, en, now_ns);
    if (!eligible(en)) {
        return false;
    }
    if (en->vtime > e->vclock) {
        e->vclock = en->vtime;
    }
    return true;
}

const struct med_sched_policy_ops med_sched_policy_weighted = {
    .name = "weighted",
    .create = weighted_create,
    .destroy = weighted_destroy,
    .runnable = weighted_runnable,
    .idle = weighted_idle,
    .pick = weighted_pick,
    .charge = weighted_charge,
    .next_eligible_ns = weighted_next_eligible_ns,
    .horizon_ns = weighted_horizon_ns,
    .keeps = weighted_keeps,
};
