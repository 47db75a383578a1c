/*
 * guard.c - a vGPU's budget of the mediator's thread and its guard
 * against hostile behaviour (see guard.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mediator/guard.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define MS      1000000ull

/* Why each value: docs/mediator.md, "The guard". */
const struct med_budget_params med_budget_default_params = {
    .rate_percent = 20,
    .burst_ns = 1000 * MS,
};

const struct med_guard_limits med_guard_default_limits = {
    .of = {
        [MED_GUARD_REJECTION] = { 64, 10000 * MS },
        [MED_GUARD_HANG] = { 16, 10000 * MS },
        [MED_GUARD_NOTIFICATION] = { 1000000, 10000 * MS },
        [MED_GUARD_BAD_NOTIFICATION] = { 4096, 10000 * MS },
        [MED_GUARD_BIG_BUILD] = { 10, 60000 * MS },
    },
};

static const char *const event_names[MED_GUARD_EVENTS] = {
    [MED_GUARD_REJECTION] = "rejected workloads",
    [MED_GUARD_HANG] = "GPU hangs",
    [MED_GUARD_NOTIFICATION] = "PPGTT notifications",
    [MED_GUARD_BAD_NOTIFICATION] = "bad PPGTT notifications",
    [MED_GUARD_BIG_BUILD] = "requests that built over 4096 page tables",
};

void med_budget_init(struct med_budget *b, const struct med_budget_params *p, uint64_t now_ns)
{
    *b = (struct med_budget){ .balance_ns = (int64_t)p->burst_ns, .at_ns = now_ns };
}

/* What the bucket regained since it was last refilled. */
static void refill(struct med_budget *b, const struct med_budget_params *p, uint64_t now_ns)
{
    uint64_t gained, room;

    if (now_ns <= b->at_ns) {
        return;
    }
    gained = (now_ns - b->at_ns) * p->rate_percent / 100;
    room = (uint64_t)((int64_t)p->burst_ns - b->balance_ns);
    b->balance_ns = gained >= room ? (int64_t)p->burst_ns : b->balance_ns + (int64_t)gained;
    b->at_ns = now_ns;
}

bool med_budget_charge(struct med_budget *b, const struct med_budget_params *p, uint64_t ns,
                       uint64_t now_ns)
{
    bool was_ready;

    refill(b, p, now_ns);
    was_ready = b->balance_ns >= 0;
    b->balance_ns -= ns > INT64_MAX / 2 ? INT64_MAX / 2 : (int64_t)ns;
    b->charged_ns += ns;
    if (was_ready && b->balance_ns < 0) {
        b->overruns++;
        return true;
    }
    return false;
}

bool med_budget_ready(struct med_budget *b, const struct med_budget_params *p, uint64_t now_ns)
{
    refill(b, p, now_ns);
    return b->balance_ns >= 0;
}

uint64_t med_budget_ready_at(const struct med_budget *b, const struct med_budget_params *p)
{
    uint64_t debt = b->balance_ns < 0 ? (uint64_t)-b->balance_ns : 0;

    return b->at_ns + (debt * 100 + p->rate_percent - 1) / p->rate_percent;
}

void med_guard_init(struct med_guard *g, uint64_t now_ns)
{
    *g = (struct med_guard){ 0 };
    for (unsigned i = 0; i < MED_GUARD_EVENTS; i++) {
        g->window_start_ns[i] = now_ns;
    }
}

bool med_guard_count(struct med_guard *g, const struct med_guard_limits *limits,
                     enum med_guard_event event, uint64_t now_ns)
{
    const struct med_guard_limit *limit = &limits->of[event];

    if (now_ns - g->window_start_ns[event] >= limit->window_ns) {
        g->count[event] = 0;
        g->window_start_ns[event] = now_ns;
    }
    g->total[event]++;
    if (g->count[event] < UINT32_MAX) {
        g->count[event]++;
    }
    if (g->stopped || !limit->count || g->count[event] <= limit->count) {
        return false;
    }
    g->stopped = true;
    snprintf(g->reason, sizeof(g->reason), "%" PRIu32 " %s within %.1f s (limit %" PRIu32 ")",
             g->count[event], event_names[event], limit->window_ns / 1e9, limit->count);
    return true;
}

void med_guard_restart(struct med_guard *g, uint64_t now_ns)
{
    uint64_t total[MED_GUARD_EVENTS];

    memcpy(total, g->total, sizeof(total));
    med_guard_init(g, now_ns);
    memcpy(g->total, total, sizeof(total));
}
