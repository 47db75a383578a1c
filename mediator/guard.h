/*
 * guard.h - what one vGPU may cost the others through the mediator
 * (docs/security.md, invariant 3; docs/mediator.md, "The guard"):
 *
 *  - its budget of the event thread: the mediator's one thread does
 *    everything for every vGPU (shadowing, PPGTT builds and syncs, GGTT
 *    syncs, scans, notifications), so the time it spends for a vGPU is
 *    charged to that vGPU.  A bucket of thread time refills at
 *    rate_percent of wall time up to burst_ns; while it is empty the
 *    vGPU's further work waits (the mediator reads none of its messages
 *    and shadows none of its elements) and the thread serves the others.
 *    One request may overdraw it (its work is bounded by the limits of
 *    that kind of request: the PPGTT table budget, the scan limits); the
 *    debt is paid back before the vGPU is served again.
 *  - the guard: counters of hostile behaviour, each over a window of its
 *    own (rejected workloads, GPU hangs, PPGTT notifications, bad
 *    notifications, requests that built more page tables than a guest's
 *    normal work does); a count past its limit stops the vGPU until an
 *    administrator restarts it (gpumedctl restart).  The guard counts
 *    what the guest did, never the time it took: a host under load
 *    stretches every request, and a guest must not be stopped for that
 *    (the budget only defers).
 *
 * Plain state and pure functions of the time the caller passes in (the
 * event loop's clock; tests pass their own).  Not thread-safe.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_MEDIATOR_GUARD_H
#define GPUMED_MEDIATOR_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct med_budget_params {
    unsigned rate_percent;      /* 1..100: of wall time, what the bucket regains */
    uint64_t burst_ns;          /* what a full bucket holds */
};

struct med_budget {
    int64_t balance_ns;         /* thread time the vGPU may still use; < 0: in debt */
    uint64_t at_ns;             /* when the balance was last refilled */
    uint64_t charged_ns;        /* thread time charged, in all */
    uint64_t overruns;          /* times the bucket went from >= 0 to empty */
};

void med_budget_init(struct med_budget *b, const struct med_budget_params *p, uint64_t now_ns);
/* Charge @ns of thread time at @now_ns; true when this emptied the bucket
 * (an overrun: the vGPU waits from now until med_budget_ready_at()). */
bool med_budget_charge(struct med_budget *b, const struct med_budget_params *p, uint64_t ns,
                       uint64_t now_ns);
/* Whether the vGPU may be served at @now_ns (its balance is not negative). */
bool med_budget_ready(struct med_budget *b, const struct med_budget_params *p, uint64_t now_ns);
/* When an empty bucket holds 0 again. */
uint64_t med_budget_ready_at(const struct med_budget *b, const struct med_budget_params *p);

enum med_guard_event {
    MED_GUARD_REJECTION,        /* a workload refused by the checks or the scanner */
    MED_GUARD_HANG,             /* a workload the GPU stopped */
    MED_GUARD_NOTIFICATION,     /* a PPGTT create or destroy notification */
    MED_GUARD_BAD_NOTIFICATION, /* ... that named no live root, a live one, no RAM, ... */
    MED_GUARD_BIG_BUILD,        /* one request built > MED_GUARD_BIG_BUILD_TABLES tables */
    MED_GUARD_EVENTS
};

/* Page-table pages one request may build (or copy) before it counts as a
 * big build: a fresh 8 GiB of 4 KiB mappings. */
#define MED_GUARD_BIG_BUILD_TABLES      4096

struct med_guard_limit {
    uint32_t count;             /* more than this within one window stops; 0: no limit */
    uint64_t window_ns;
};

struct med_guard_limits {
    struct med_guard_limit of[MED_GUARD_EVENTS];
};

#define MED_GUARD_REASON_LEN    96

struct med_guard {
    uint64_t window_start_ns[MED_GUARD_EVENTS];
    uint32_t count[MED_GUARD_EVENTS];   /* in the event's current window */
    uint64_t total[MED_GUARD_EVENTS];   /* since the vGPU was created */
    bool stopped;
    char reason[MED_GUARD_REASON_LEN];  /* why, once stopped */
};

/* The limits gpumed runs with, and why each is what it is: docs/mediator.md. */
extern const struct med_guard_limits med_guard_default_limits;
extern const struct med_budget_params med_budget_default_params;

void med_guard_init(struct med_guard *g, uint64_t now_ns);
/* Count @event at @now_ns; true when it took its count past the limit: the
 * guard is now stopped and g->reason says why (one line, no vGPU name). */
bool med_guard_count(struct med_guard *g, const struct med_guard_limits *limits,
                     enum med_guard_event event, uint64_t now_ns);
/* An administrator's restart: the windows' counts cleared, not stopped. */
void med_guard_restart(struct med_guard *g, uint64_t now_ns);

#endif /* GPUMED_MEDIATOR_GUARD_H */
