/*
 * control.c - the mediator's side of the control socket (control.h):
 * accepting control clients, answering their requests from the event
 * loop.  A bad request is answered with its reason, logged and counted,
 * and the connection closed; the VMs never notice.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mediator/private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wire/control.h"

bool med_control_is_tag(const struct med_server *server, const void *tag)
{
    return tag >= (const void *)server->controls &&
           tag < (const void *)(server->controls + MED_MAX_CONTROLS);
}

void med_control_close(struct med_server *server, struct control_conn *c)
{
    if (c->fd >= 0) {
        med_server_unwatch(server, c->fd);
        close(c->fd);
        c->fd = -1;
    }
}

int med_server_add_control(struct med_server *server, int fd)
{
    struct control_conn *free_slot = NULL;
    int err;

    for (unsigned i = 0; i < MED_MAX_CONTROLS && !free_slot; i++) {
        free_slot = server->controls[i].fd < 0 ? &server->controls[i] : NULL;
    }
    if (!free_slot || med_server_watch(server, fd, free_slot)) {
        err = free_slot ? errno : EBUSY;
        med_log(MED_LOG_WARNING, "control client refused: %s",
                free_slot ? strerror(err) : "too many control clients");
        close(fd);
        errno = err;
        return -1;
    }
    free_slot->fd = fd;
    return 0;
}

void med_control_accept(struct med_server *server)
{
    for (;;) {
        int fd = accept4(server->control_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd < 0) {
            return;
        }
        med_server_add_control(server, fd);
    }
}

static bool send_reply(struct control_conn *c, const struct wire_ctl_reply *reply)
{
    return send(c->fd, reply, sizeof(*reply), MSG_DONTWAIT | MSG_NOSIGNAL) ==
           (ssize_t)sizeof(*reply);
}

static void copy_name(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src);
}

static bool send_gpu(struct med_server *server, struct control_conn *c)
{
    struct wire_ctl_reply r = { .kind = WIRE_CTL_GPU };
    const struct med_sched_stats *st = med_sched_get_stats(server->sched);
    struct wire_ctl_gpu *g = &r.u.gpu;

    copy_name(g->backend, sizeof(g->backend), server->gpu->ops->name);
    copy_name(g->policy, sizeof(g->policy), med_sched_policy_weighted.name);
    g->time_slice_ns = med_server_time_slice_ns(server);
    g->uptime_ns = med_now_ns() - server->started_ns;
    g->vgpu_switches = st->vgpu_switches;
    g->timer_wakeups = st->timer_wakeups;
    g->engine_resets = st->resets;
    g->hangs = st->hangs;
    g->aperture_free = med_gm_free_total(server->gm, MED_GM_APERTURE);
    g->hidden_free = med_gm_free_total(server->gm, MED_GM_HIDDEN);
    g->fences_free = (uint32_t)med_gm_free_total(server->gm, MED_GM_FENCE);
    /* The GPU's busy time outlives the vGPUs that used it. */
    memcpy(g->busy_ns, st->busy_ns, sizeof(g->busy_ns));
    for (const struct session *s = server->sessions; s; s = s->next) {
        g->vgpus += s->stage == SESSION_VGPU_CREATED;
    }
    for (const struct reserved_vgpu *rv = server->reserved; rv; rv = rv->next) {
        g->vgpus += !rv->attached;
    }
    return send_reply(c, &r);
}

/* What a running and an idle vGPU report alike. */
static void put_share_and_partition(struct wire_ctl_vgpu *v, const struct med_sched_share *share,
                                    const struct med_partition *p)
{
    v->weight = share->weight;
    v->cap_percent = share->cap_percent;
    v->fence_base = p->fence_base;
    v->fence_count = p->fence_count;
    v->aperture_base = p->aperture_base;
    v->aperture_size = p->aperture_size;
    v->hidden_base = p->hidden_base;
    v->hidden_size = p->hidden_size;
}

static void put_counters(struct wire_ctl_vgpu *v, const struct med_vgpu_counters *c,
                         uint64_t counting_since_ns, uint64_t now)
{
    memcpy(v->busy_ns, c->busy_ns, sizeof(v->busy_ns));
    memcpy(v->workloads, c->workloads, sizeof(v->workloads));
    memcpy(v->backlog_ns, c->backlog_ns, sizeof(v->backlog_ns));
    v->elements = c->elements;
    v->completed = c->completed;
    v->rejected = c->rejected;
    v->hangs = c->hangs;
    v->cancelled = c->cancelled;
    v->engine_resets = c->engine_resets;
    v->ggtt_synced = c->ggtt_synced;
    v->ggtt_bad_entries = c->ggtt_bad_entries;
    v->ppgtt_bad_entries = c->ppgtt_bad_entries;
    v->counted_ns = now - counting_since_ns;
}

static bool send_vgpu(struct control_conn *c, const struct session *s)
{
    struct wire_ctl_reply r = { .kind = WIRE_CTL_VGPU };
    struct wire_ctl_vgpu *v = &r.u.vgpu;
    const struct session_vgpu *sv = &s->vgpu;
    const struct med_sched_share *share = med_vgpu_submission_share(sv->submission);
    uint64_t now = med_now_ns();
    struct med_vgpu_counters counters;

    v->id = sv->id;
    v->state = sv->reserved ? WIRE_CTL_VGPU_ATTACHED : WIRE_CTL_VGPU_RUNNING;
    if (sv->reserved) {
        copy_name(v->name, sizeof(v->name), sv->reserved->name);
    }
    put_share_and_partition(v, share, &sv->partition);
    v->ppgtts = med_vgpu_submission_ppgtt_count(sv->submission);
    copy_name(v->vm_name, sizeof(v->vm_name), s->vm_name);
    copy_name(v->type, sizeof(v->type), sv->type->v.name);
    med_vgpu_counters_of_session(s, now, &counters);
    if (sv->reserved) {
        med_vgpu_counters_add(&counters, &sv->reserved->past, false);
    }
    put_counters(v, &counters, sv->reserved ? sv->reserved->counting_since_ns :
                               sv->counting_since_ns, now);
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        v->queued[e] = med_sched_queue_depth(med_vgpu_submission_entity(sv->submission, e));
    }
    v->mediator_ns = sv->budget.charged_ns;
    v->deferrals = sv->deferrals;
    v->notifications = sv->guard.total[MED_GUARD_NOTIFICATION];
    v->bad_notifications = sv->guard.total[MED_GUARD_BAD_NOTIFICATION];
    v->big_builds = sv->guard.total[MED_GUARD_BIG_BUILD];
    v->stopped = sv->guard.stopped;
    copy_name(v->stop_reason, sizeof(v->stop_reason), sv->guard.reason);
    return send_reply(c, &r);
}

/* A reserved vGPU no VM uses: its identity, share, partition and what its
 * VMs used. */
static bool send_idle(struct control_conn *c, const struct reserved_vgpu *rv)
{
    struct wire_ctl_reply r = { .kind = WIRE_CTL_VGPU };
    struct wire_ctl_vgpu *v = &r.u.vgpu;

    v->id = rv->id;
    v->state = WIRE_CTL_VGPU_IDLE;
    copy_name(v->name, sizeof(v->name), rv->name);
    copy_name(v->type, sizeof(v->type), rv->type->v.name);
    put_share_and_partition(v, &rv->share, &rv->partition);
    put_counters(v, &rv->past, rv->counting_since_ns, med_now_ns());
    return send_reply(c, &r);
}

/* How many more vGPUs of @type fit: tried on the allocator, then undone. */
static uint32_t type_available(struct med_server *server, const struct med_vgpu_type *type)
{
    struct med_partition request = { .aperture_size = type->v.aperture_size,
                                     .hidden_size = type->v.hidden_size,
                                     .fence_count = type->v.fence_count };
    struct med_partition taken[MED_MAX_CLIENTS];
    uint32_t n = 0;

    while (n < MED_MAX_CLIENTS && !med_gm_alloc(server->gm, &request, &taken[n], NULL)) {
        n++;
    }
    for (uint32_t i = n; i-- > 0;) {
        med_gm_free(server->gm, &taken[i]);
    }
    return n;
}

static bool send_types(struct med_server *server, struct control_conn *c)
{
    for (size_t i = 0; i < med_vgpu_type_count; i++) {
        const struct med_vgpu_type *t = &med_vgpu_types[i];
        struct wire_ctl_reply r = { .kind = WIRE_CTL_TYPE };

        copy_name(r.u.type.name, sizeof(r.u.type.name), t->v.name);
        r.u.type.aperture_size = t->v.aperture_size;
        r.u.type.hidden_size = t->v.hidden_size;
        r.u.type.fence_count = t->v.fence_count;
        r.u.type.weight = t->weight;
        r.u.type.cap_percent = t->cap_percent;
        r.u.type.width = t->v.width;
        r.u.type.height = t->v.height;
        r.u.type.available = type_available(server, t);
        if (!send_reply(c, &r)) {
            return false;
        }
    }
    return true;
}

/* The vGPU a SET_SHARE, RESET_STATS or RESTART names by id or name: its VM's
 * session if one runs it, and its reservation if it has one; false (with
 * @detail) when there is no such vGPU. */
static bool find_vgpu(struct med_server *server, const struct wire_ctl_request *q,
                      struct session **session, struct reserved_vgpu **reserved,
                      char *detail, size_t size)
{
    struct reserved_vgpu *r = q->name[0] ? med_reserved_find(server, q->name) :
                              med_reserved_find_id(server, q->vgpu_id);

    *reserved = r;
    *session = r ? r->attached : NULL;
    for (struct session *s = server->sessions; s && !r && !q->name[0]; s = s->next) {
        if (s->stage == SESSION_VGPU_CREATED && s->vgpu.id == q->vgpu_id) {
            *session = s;
        }
    }
    if (*session || *reserved) {
        return true;
    }
    if (q->name[0]) {
        snprintf(detail, size, "no vGPU named '%s' (gpumedctl list: NAME, or ID for one "
                 "without)", q->name);
    } else {
        snprintf(detail, size, "no vGPU %" PRIu32 " (gpumedctl list shows the ids)", q->vgpu_id);
    }
    return false;
}

/* A vGPU's share as gpumedctl set changes it. */
static void apply_share(struct med_sched_share *share, const struct wire_ctl_request *q)
{
    share->weight = q->weight ? q->weight : share->weight;
    share->cap_percent = q->cap_percent ? q->cap_percent : share->cap_percent;
}

static int set_share(struct med_server *server, const struct wire_ctl_request *q,
                     char *detail, size_t size)
{
    struct session *s;
    struct reserved_vgpu *r;
    struct med_sched_share share;

    if (!find_vgpu(server, q, &s, &r, detail, size)) {
        return -ENOENT;
    }
    if (s) {
        share = *med_vgpu_submission_share(s->vgpu.submission);
        apply_share(&share, q);
        med_vgpu_submission_set_share(s->vgpu.submission, &share);
        med_session_log(s, MED_LOG_INFO, "share set by control: weight %u, cap %u%%",
                        share.weight, share.cap_percent);
        return 0;
    }
    apply_share(&r->share, q);
    med_log(MED_LOG_INFO, "vgpu %u (%s): share set by control: weight %u, cap %u%%",
            r->id, r->name, r->share.weight, r->share.cap_percent);
    return 0;
}

static int reset_stats(struct med_server *server, const struct wire_ctl_request *q,
                       char *detail, size_t size)
{
    struct session *s;
    struct reserved_vgpu *r;

    if (!find_vgpu(server, q, &s, &r, detail, size)) {
        return -ENOENT;
    }
    if (s) {
        med_vgpu_counters_reset_session(s, med_now_ns());
        med_session_log(s, MED_LOG_INFO, "counters reset by control");
    } else {
        memset(&r->past, 0, sizeof(r->past));
        r->counting_since_ns = med_now_ns();
        med_log(MED_LOG_INFO, "vgpu %u (%s): counters reset by control", r->id, r->name);
    }
    return 0;
}

/* gpumedctl restart: the guard of the VM's vGPU starts afresh (a stopped
 * one is served again). */
static int restart(struct med_server *server, const struct wire_ctl_request *q, char *detail,
                   size_t size)
{
    struct session *s;
    struct reserved_vgpu *r;

    if (!find_vgpu(server, q, &s, &r, detail, size)) {
        return -ENOENT;
    }
    if (!s) {
        snprintf(detail, size, "vGPU %" PRIu32 " (%s) has no VM: nothing to restart", r->id,
                 r->name);
        return -ENOENT;
    }
    med_session_restart(s);
    return 0;
}

/* Answer one request; false when the connection must be closed. */
static bool serve(struct med_server *server, struct control_conn *c,
                  const struct wire_ctl_request *q)
{
    struct wire_ctl_reply end = { .kind = WIRE_CTL_END };

    switch (q->op) {
    case WIRE_CTL_STATS:
        if (!send_gpu(server, c)) {
            return false;
        }
        for (const struct session *s = server->sessions; s; s = s->next) {
            if (s->stage == SESSION_VGPU_CREATED && !send_vgpu(c, s)) {
                return false;
            }
        }
        for (const struct reserved_vgpu *r = server->reserved; r; r = r->next) {
            if (!r->attached && !send_idle(c, r)) {
                return false;
            }
        }
        break;
    case WIRE_CTL_TYPES:
        if (!send_types(server, c)) {
            return false;
        }
        break;
    case WIRE_CTL_SET_SHARE:
        end.status = set_share(server, q, end.detail, sizeof(end.detail));
        break;
    case WIRE_CTL_CREATE:
        end.status = med_reserved_create(server, q->type, q->name, end.detail, sizeof(end.detail));
        if (!end.status && !send_idle(c, med_reserved_find(server, q->name))) {
            return false;
        }
        break;
    case WIRE_CTL_DESTROY:
        end.status = med_reserved_destroy(server, q->name, end.detail, sizeof(end.detail));
        break;
    case WIRE_CTL_RESET_STATS:
        end.status = reset_stats(server, q, end.detail, sizeof(end.detail));
        break;
    case WIRE_CTL_RESTART:
        end.status = restart(server, q, end.detail, sizeof(end.detail));
        break;
    }
    if (end.status && q->op >= WIRE_CTL_SET_SHARE) {
        server->stats.requests_refused++;
        med_log(MED_LOG_WARNING, "control client: refused: %s", end.detail);
    }
    return send_reply(c, &end);
}

void med_control_readable(struct med_server *server, struct control_conn *c)
{
    struct wire_ctl_request q;
    uint8_t buf[sizeof(q) + 1];
    ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
    const char *why;

    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return;
    }
    if (n <= 0) {
        med_control_close(server, c);
        return;
    }
    if (!wire_ctl_request_valid(buf, (size_t)n, &why)) {
        struct wire_ctl_reply end = { .kind = WIRE_CTL_END, .status = -EINVAL };

        server->stats.control_errors++;
        med_log(MED_LOG_WARNING, "control client: bad request: %s", why);
        snprintf(end.detail, sizeof(end.detail), "bad request: %s", why);
        send_reply(c, &end);
        med_control_close(server, c);
        return;
    }
    memcpy(&q, buf, sizeof(q));
    if (!serve(server, c, &q)) {
        med_log(MED_LOG_WARNING, "control client: cannot send a reply (%s): closed",
                strerror(errno));
        med_control_close(server, c);
    }
}
