/*
 * session-cost.c - what a session's vGPU costs the mediator's one event
 * thread, and its guard (mediator/guard.h, docs/mediator.md "The guard"):
 *
 *  - everything the thread does for a vGPU is timed (a span per message,
 *    per completion, per resumption) and charged to its budget.  Wall
 *    time, read cheaply; but a host under load preempts the thread inside
 *    requests, and wall time would charge that to whichever vGPU it was
 *    serving: once a vGPU's request took LONG_SPAN_NS of wall time, its
 *    spans are timed in the thread's CPU time too (a slower clock,
 *    docs/mediator.md "The guard") for CPU_TIMED_NS, and charged the
 *    less of the two;
 *  - a vGPU in debt while another vGPU uses the mediator (the thread
 *    worked for it within ACTIVE_NS) is deferred: its socket leaves the
 *    epoll set and its elements wait, until the budget is back (a
 *    timerfd); a vGPU alone is never deferred: it costs no one;
 *  - the guard counts hostile behaviour; past a limit the vGPU is stopped:
 *    its work fails as a hung GPU's would, and from then on its messages
 *    are answered without work until gpumedctl restart.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mediator/private.h"

#include <assert.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

/* Another vGPU served within this long is using the mediator now. */
#define ACTIVE_NS       100000000ull
/* A request this long in wall time has the vGPU's work timed in CPU time
 * too, for CPU_TIMED_NS from then. */
#define LONG_SPAN_NS    2000000ull
#define CPU_TIMED_NS    1000000000ull

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void med_cost_span_begin(struct med_server *server, struct cost_span *span, struct session *s)
{
    uint64_t now = med_now_ns();

    /* Setting up a vGPU is the mediator's business, not charged to it. */
    *span = (struct cost_span){ .session = s->stage == SESSION_VGPU_CREATED ? s : NULL,
                                .start_ns = now, .outer = server->span };
    if (span->session && s->vgpu.cpu_timed_until_ns > now) {
        span->cpu_start_ns = thread_cpu_ns();
    }
    server->span = span;
}

/* Whether a vGPU other than @s's was served within ACTIVE_NS of @now. */
static bool others_active(const struct med_server *server, const struct session *s,
                          uint64_t now)
{
    for (unsigned i = 0; i < 2; i++) {
        if (server->recent[i].client_id && server->recent[i].client_id != s->client_id &&
            now - server->recent[i].at_ns < ACTIVE_NS) {
            return true;
        }
    }
    return false;
}

static void charge(struct session *s, uint64_t ns, uint64_t now)
{
    struct med_server *server = s->server;
    struct session_vgpu *v = &s->vgpu;

    if (server->recent[0].client_id != s->client_id) {
        server->recent[1] = server->recent[0];
        server->recent[0].client_id = s->client_id;
    }
    server->recent[0].at_ns = now;
    med_budget_charge(&v->budget, &server->budget_params, ns, now);
}

void med_cost_span_end(struct med_server *server, struct cost_span *span)
{
    uint64_t now = med_now_ns(), elapsed = now - span->start_ns, own, cpu;

    server->span = span->outer;
    if (span->outer) {
        span->outer->nested_ns += elapsed;
    }
    if (!span->session) {
        return;
    }
    own = elapsed - span->nested_ns;
    if (own >= LONG_SPAN_NS) {
        span->session->vgpu.cpu_timed_until_ns = now + CPU_TIMED_NS;
    }
    if (span->cpu_start_ns) {
        /* the nested spans' wall time bounds their CPU time */
        cpu = thread_cpu_ns() - span->cpu_start_ns;
        cpu = cpu > span->nested_ns ? cpu - span->nested_ns : 0;
        own = cpu < own ? cpu : own;
    }
    charge(span->session, own, now);
}

/* Fire resume_fd at @when unless it fires sooner. */
static void resume_at(struct med_server *server, uint64_t when)
{
    struct itimerspec at = { .it_value = { .tv_sec = (time_t)(when / 1000000000ull),
                                           .tv_nsec = (long)(when % 1000000000ull) } };

    if (server->resume_at_ns && server->resume_at_ns <= when) {
        return;
    }
    /* Cannot fail with a valid fd and an absolute time in range. */
    timerfd_settime(server->resume_fd, TFD_TIMER_ABSTIME, &at, NULL);
    server->resume_at_ns = when;
}

bool med_session_may_work(struct session *s)
{
    struct med_server *server = s->server;
    struct session_vgpu *v = &s->vgpu;
    uint64_t now;

    if (s->deferred || (v->guard.stopped && !v->stop_applied)) {
        return false;
    }
    if (v->budget.balance_ns >= 0) {
        return true;    /* not in debt: no clock needed */
    }
    now = med_now_ns();
    if (med_budget_ready(&v->budget, &server->budget_params, now) ||
        !others_active(server, s, now)) {
        return true;
    }
    /* Its socket and doorbell leave the set: nothing of it is read until
     * it resumes. */
    med_session_unwatch(s);
    s->deferred = true;
    v->deferrals++;
    resume_at(server, med_budget_ready_at(&v->budget, &server->budget_params));
    return false;
}

void med_server_resume_deferred(struct med_server *server)
{
    uint64_t expirations, now = med_now_ns();

    if (read(server->resume_fd, &expirations, sizeof(expirations)) < 0) {
        return;     /* not fired yet */
    }
    server->resume_at_ns = 0;
    for (struct session *s = server->sessions; s; s = s->next) {
        struct session_vgpu *v = &s->vgpu;
        struct cost_span span;

        if (!s->deferred) {
            continue;
        }
        if (!med_budget_ready(&v->budget, &server->budget_params, now) &&
            others_active(server, s, now)) {
            resume_at(server, med_budget_ready_at(&v->budget, &server->budget_params));
            continue;
        }
        s->deferred = false;
        if (med_session_watch(s)) {
            s->failed = true;   /* closed after this round */
            continue;
        }
        med_cost_span_begin(server, &span, s);
        med_session_after_submission(s);
        med_cost_span_end(server, &span);
        /* What its client put in the ring meanwhile rang no doorbell we saw. */
        if (!med_session_doorbell(s)) {
            s->failed = true;
        }
    }
}

void med_session_guard_event(struct session *s, enum med_guard_event event)
{
    struct med_server *server = s->server;
    struct session_vgpu *v = &s->vgpu;

    if (!med_guard_count(&v->guard, &server->guard_limits, event, med_now_ns())) {
        return;
    }
    server->stats.vgpus_stopped++;
    med_session_log(s, MED_LOG_ERROR, "stopped by the guard: %s; its engines fail as a hung "
                    "GPU's would until 'gpumedctl restart %u'", v->guard.reason, v->id);
}

void med_session_apply_stop(struct session *s)
{
    struct session_vgpu *v = &s->vgpu;
    struct cost_span span;

    if (s->stage != SESSION_VGPU_CREATED || !v->guard.stopped || v->stop_applied) {
        return;
    }
    v->stop_applied = true;
    med_cost_span_begin(s->server, &span, s);
    med_vgpu_submission_fail(v->submission);
    med_session_after_submission(s);
    med_cost_span_end(s->server, &span);
}

void med_session_restart(struct session *s)
{
    struct session_vgpu *v = &s->vgpu;
    uint64_t now = med_now_ns();

    med_guard_restart(&v->guard, now);
    med_budget_init(&v->budget, &s->server->budget_params, now);
    v->stop_applied = false;
    if (s->deferred) {
        resume_at(s->server, now);
    }
    med_session_log(s, MED_LOG_INFO, "restarted by control: the guard's counts start afresh");
}
