/*
 * server.c - the mediator's staged set-up and teardown, and its event loop.
 *
 * Set-up acquires resources in the order of enum server_stage and logs each
 * stage; med_server_destroy() unwinds from whatever stage was reached, so a
 * failed start-up and a normal shutdown are the same code.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mediator/private.h"

#include "wire/control.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#define LISTEN_BACKLOG  16
#define EVENTS_PER_WAIT 16

enum server_stage {
    STAGE_NONE,
    STAGE_GPU,                  /* the physical GPU, its scratch page mapped */
    STAGE_GRAPHICS_MEMORY,      /* the partition allocator */
    STAGE_SCHEDULER,            /* host memory, status pages, GGTT windows, scheduler */
    STAGE_EVENT_LOOP,           /* epoll instance */
    STAGE_LOCKED,               /* PATH.lock held: we are the only gpumed on PATH */
    STAGE_LISTENING,            /* socket bound, listening, watched */
    STAGE_CONTROL,              /* PATH.control bound, listening, watched */
    STAGE_READY,
};

static const char *const stage_names[] = {
    [STAGE_NONE] = "none", [STAGE_GPU] = "physical GPU",
    [STAGE_GRAPHICS_MEMORY] = "graphics memory", [STAGE_SCHEDULER] = "scheduler",
    [STAGE_EVENT_LOOP] = "event loop", [STAGE_LOCKED] = "lock file",
    [STAGE_LISTENING] = "listening socket", [STAGE_CONTROL] = "control socket",
    [STAGE_READY] = "ready",
};

/* epoll_event.data.ptr of the descriptors that are not sessions. */
static char listen_tag, stop_tag, sched_tag, control_listen_tag, resume_tag, loop_tag;

/* The host GGTT block: each engine's status page and idle context (the
 * scheduler's, to preempt a run to), then per engine and ELSP port a
 * window where the workload dispatched there is bound. */
#define STATUS_AREA_SIZE    (64u * 1024)
#define IDLE_CONTEXT_SIZE   (MED_SCHED_IDLE_CONTEXT_PAGES * WIRE_PAGE_SIZE)
#define IDLE_CONTEXTS_AT    (GEN9_NUM_ENGINES * WIRE_PAGE_SIZE)
_Static_assert(IDLE_CONTEXTS_AT + GEN9_NUM_ENGINES * IDLE_CONTEXT_SIZE <= STATUS_AREA_SIZE,
               "status pages and idle contexts fit the status area");
#define MIN_WINDOW_SIZE     (1u << 20)

static void stage_reached(struct med_server *server, enum server_stage stage)
{
    server->stage = stage;
    med_log(MED_LOG_DEBUG, "set-up stage: %s", stage_names[stage]);
}

int med_server_watch(struct med_server *server, int fd, void *tag)
{
    struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = tag };

    return epoll_ctl(server->epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

/*
 * A session's submission doorbell, the eventfd its client writes: edge
 * triggered, so that the mediator never reads it.  The client shares the
 * open file (and its O_NONBLOCK flag, which it could clear): a read here
 * could block the event loop; with EPOLLET every write is one event and
 * the count is never looked at.  Its tag is the session's address with
 * bit 0 set (sessions are allocated, so aligned).
 */
int med_server_watch_doorbell(struct med_server *server, int fd, struct session *s)
{
    struct epoll_event ev = { .events = EPOLLIN | EPOLLET,
                              .data.u64 = (uintptr_t)s | DOORBELL_TAG_BIT };

    return epoll_ctl(server->epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

/* Out of the epoll set before its tag is freed or reused: closing the fd
 * removes it only once every reference to the open file is gone, and until
 * then its events would carry the old tag (the concurrency fuzzer found a
 * session used after free that way). */
void med_server_unwatch(struct med_server *server, int fd)
{
    epoll_ctl(server->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
}

/* Create the socket's directory (not its parents) 0750 if it is missing. */
static int make_socket_directory(const char *path)
{
    char dir[PATH_MAX];
    char *slash;

    if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    slash = strrchr(dir, '/');
    if (!slash || slash == dir) {
        return 0;   /* the current directory or / */
    }
    *slash = '\0';
    if (mkdir(dir, 0750) && errno != EEXIST) {
        med_log(MED_LOG_ERROR, "cannot create the socket directory %s: %s", dir,
                strerror(errno));
        return -1;
    }
    return 0;
}

/* Hold PATH.lock so that a second gpumed on the same socket stops at once. */
static int take_lock(struct med_server *server, const char *path)
{
    char lock_path[PATH_MAX];

    if (snprintf(lock_path, sizeof(lock_path), "%s.lock", path) >= (int)sizeof(lock_path)) {
        errno = ENAMETOOLONG;
        med_log(MED_LOG_ERROR, "socket path %s is too long", path);
        return -1;
    }
    server->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (server->lock_fd < 0) {
        med_log(MED_LOG_ERROR, "cannot open the lock file %s: %s", lock_path,
                strerror(errno));
        return -1;
    }
    if (flock(server->lock_fd, LOCK_EX | LOCK_NB)) {
        int err = errno == EWOULDBLOCK ? EADDRINUSE : errno;

        if (err == EADDRINUSE) {
            med_log(MED_LOG_ERROR, "another gpumed is already running on %s", path);
        } else {
            med_log(MED_LOG_ERROR, "cannot lock %s: %s", lock_path, strerror(err));
        }
        /* The stage was not reached: undo it here. */
        close(server->lock_fd);
        server->lock_fd = -1;
        errno = err;
        return -1;
    }
    return 0;
}

/* Bind @path (mode @mode) into *@fd, listening and watched as @tag;
 * *@bound once the file is ours to remove. */
static int listen_on(struct med_server *server, const char *path, mode_t mode, int *fd,
                     bool *bound, void *tag)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };

    if (strlen(path) >= sizeof(addr.sun_path)) {
        med_log(MED_LOG_ERROR, "socket path %s is longer than %zu bytes", path,
                sizeof(addr.sun_path) - 1);
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(addr.sun_path, path);
    *fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (*fd < 0) {
        med_log(MED_LOG_ERROR, "cannot create a socket: %s", strerror(errno));
        return -1;
    }
    /* We hold the lock: a socket file left there is a dead gpumed's. */
    if (unlink(path) && errno != ENOENT) {
        med_log(MED_LOG_ERROR, "cannot remove the stale socket %s: %s", path,
                strerror(errno));
        return -1;
    }
    if (bind(*fd, (struct sockaddr *)&addr, sizeof(addr))) {
        med_log(MED_LOG_ERROR, "cannot bind %s: %s", path, strerror(errno));
        return -1;
    }
    *bound = true;
    if (chmod(path, mode) || listen(*fd, LISTEN_BACKLOG) || med_server_watch(server, *fd, tag)) {
        med_log(MED_LOG_ERROR, "cannot listen on %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static unsigned part_limit_ms(const struct med_server *server)
{
    return server->config.part_limit_ms ? server->config.part_limit_ms
                                        : MED_PART_LIMIT_DEFAULT_MS;
}

static unsigned hang_timeout_ms(const struct med_server *server)
{
    return server->config.hang_timeout_ms ? server->config.hang_timeout_ms
                                          : PGPU_HANG_TIMEOUT_DEFAULT_MS;
}

/* Open the physical GPU; every GGTT entry points at the global scratch
 * page until a vGPU's partition or the host's block maps it. */
static int open_gpu(struct med_server *server)
{
    const struct pgpu_ops *backend = &pgpu_skl_model;
    struct pgpu_config config = {
        .name = "gpu0", .aperture_size = server->config.gm.aperture_size,
        .hang_timeout_ms = hang_timeout_ms(server),
    };
    int ret;

    server->gpu = backend->create(&config);
    if (!server->gpu) {
        med_log(MED_LOG_ERROR, "cannot open the physical GPU (%s backend, aperture %llu MiB): "
                "%s", backend->name, (unsigned long long)(config.aperture_size >> 20),
                strerror(errno));
        return -1;
    }
    server->scratch_page = aligned_alloc(WIRE_PAGE_SIZE, WIRE_PAGE_SIZE);
    if (!server->scratch_page) {
        med_log(MED_LOG_ERROR, "out of memory");
        return -1;
    }
    memset(server->scratch_page, 0, WIRE_PAGE_SIZE);
    ret = backend->dma_map(server->gpu, MED_SCRATCH_BUS, server->scratch_page, WIRE_PAGE_SIZE);
    if (ret) {
        free(server->scratch_page);
        server->scratch_page = NULL;
        med_log(MED_LOG_ERROR, "cannot map the scratch page for the GPU: %s", strerror(-ret));
        errno = -ret;
        return -1;
    }
    for (uint32_t i = 0; i < WIRE_GGTT_ENTRIES; i++) {
        backend->ggtt_write(server->gpu, i, MED_SCRATCH_PTE);
    }
    return 0;
}

/*
 * Lay out the host GGTT block (status pages, windows), take
 * host memory for the status pages and start the scheduler.
 */
static int open_scheduler(struct med_server *server)
{
    struct med_sched_config config = {
        .gpu = server->gpu, .policy = &med_sched_policy_weighted,
        .ops = &med_vgpu_sched_ops,
        .policy_params.time_slice_ns = med_server_time_slice_ns(server),
        .part_limit_ns = 1000000ull * part_limit_ms(server),
    };
    struct med_vgpu_exec_host *host = &server->exec_host;
    uint64_t base, size;
    int ret;

    med_gm_host_block(server->gm, &base, &size);
    host->window_size = size > STATUS_AREA_SIZE
                        ? ((size - STATUS_AREA_SIZE) / (2 * GEN9_NUM_ENGINES)) &
                          ~(uint64_t)(WIRE_PAGE_SIZE - 1)
                        : 0;
    if (host->window_size < MIN_WINDOW_SIZE) {
        med_log(MED_LOG_ERROR, "the host's graphics memory (%llu KiB) is too small: it needs "
                "%u KiB of status pages and two %u KiB windows per engine",
                (unsigned long long)(size >> 10), STATUS_AREA_SIZE >> 10, MIN_WINDOW_SIZE >> 10);
        errno = EINVAL;
        return -1;
    }
    server->host_mem = med_host_mem_create(server->gpu, MED_SCRATCH_BUS + WIRE_PAGE_SIZE,
                                           1ull << MED_BUS_WINDOW_SHIFT);
    if (!server->host_mem) {
        med_log(MED_LOG_ERROR, "out of memory");
        return -1;
    }
    ret = med_host_buf_alloc(server->host_mem, GEN9_NUM_ENGINES * WIRE_PAGE_SIZE,
                             &server->status_pages);
    if (ret) {
        med_log(MED_LOG_ERROR, "cannot map the engines' status pages: %s", strerror(-ret));
        errno = -ret;
        return -1;
    }
    ret = med_host_buf_alloc(server->host_mem, GEN9_NUM_ENGINES * IDLE_CONTEXT_SIZE,
                             &server->idle_contexts);
    if (ret) {
        med_log(MED_LOG_ERROR, "cannot map the engines' idle contexts: %s", strerror(-ret));
        errno = -ret;
        return -1;
    }
    for (unsigned i = 0; i < GEN9_NUM_ENGINES * MED_SCHED_IDLE_CONTEXT_PAGES; i++) {
        server->gpu->ops->ggtt_write(server->gpu,
                                     (uint32_t)((base + IDLE_CONTEXTS_AT) / WIRE_PAGE_SIZE + i),
                                     (server->idle_contexts.bus + i * WIRE_PAGE_SIZE) |
                                     MED_GGTT_PTE_PRESENT);
    }
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        uint64_t ggtt = base + e * WIRE_PAGE_SIZE;

        server->gpu->ops->ggtt_write(server->gpu, (uint32_t)(ggtt / WIRE_PAGE_SIZE),
                                     (server->status_pages.bus + e * WIRE_PAGE_SIZE) |
                                     MED_GGTT_PTE_PRESENT);
        config.status_page[e].map = (uint32_t *)((char *)server->status_pages.map +
                                                 e * WIRE_PAGE_SIZE);
        config.status_page[e].ggtt = ggtt;
        config.idle_context[e].map = (uint32_t *)((char *)server->idle_contexts.map +
                                                  e * IDLE_CONTEXT_SIZE);
        config.idle_context[e].ggtt = base + IDLE_CONTEXTS_AT + e * IDLE_CONTEXT_SIZE;
        for (unsigned port = 0; port < 2; port++) {
            host->window_ggtt[e][port] = base + STATUS_AREA_SIZE +
                                         (2 * e + port) * host->window_size;
        }
    }
    server->sched = med_sched_create(&config);
    if (!server->sched) {
        med_log(MED_LOG_ERROR, "cannot start the scheduler: %s", strerror(errno));
        return -1;
    }
    host->gpu = server->gpu;
    host->host_mem = server->host_mem;
    host->sched = server->sched;
    host->window_map = server->window_map;
    host->totals = &server->exec_totals;
    host->check_invariants = server->config.check_invariants;
    host->shared_pages = (struct med_shared_host_pages){
        .scratch = server->scratch_page, .status = server->status_pages.map,
        .idle_contexts = server->idle_contexts.map,
    };
    return 0;
}

static int setup(struct med_server *server)
{
    const char *path = server->config.socket_path;

    if (open_gpu(server)) {
        return -1;
    }
    stage_reached(server, STAGE_GPU);

    server->gm = med_gm_create(&server->config.gm);
    if (!server->gm) {
        med_log(MED_LOG_ERROR, "invalid graphics memory configuration (aperture "
                "%llu MiB, host reserve %llu KiB, %u host fences): %s",
                (unsigned long long)(server->config.gm.aperture_size >> 20),
                (unsigned long long)(server->config.gm.host_reserve >> 10),
                server->config.gm.host_fences, strerror(errno));
        return -1;
    }
    stage_reached(server, STAGE_GRAPHICS_MEMORY);

    if (open_scheduler(server)) {
        return -1;
    }
    stage_reached(server, STAGE_SCHEDULER);

    server->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    server->resume_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    server->loop_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (server->epoll_fd < 0 || server->resume_fd < 0 || server->loop_fd < 0 ||
        med_server_watch(server, med_sched_fd(server->sched), &sched_tag) ||
        med_server_watch(server, server->resume_fd, &resume_tag) ||
        med_server_watch(server, server->loop_fd, &loop_tag)) {
        med_log(MED_LOG_ERROR, "cannot create the event loop: %s", strerror(errno));
        return -1;
    }
    stage_reached(server, STAGE_EVENT_LOOP);

    if (path) {
        if (make_socket_directory(path) || take_lock(server, path)) {
            return -1;
        }
        stage_reached(server, STAGE_LOCKED);
        /* The directory (0750) is the access control; group members connect. */
        if (listen_on(server, path, 0660, &server->listen_fd, &server->socket_bound,
                      &listen_tag)) {
            return -1;
        }
        stage_reached(server, STAGE_LISTENING);
        med_log(MED_LOG_INFO, "listening on %s", path);
        /* Changing every VM's share is the daemon user's privilege alone. */
        if (wire_ctl_path(path, server->control_path, sizeof(server->control_path))) {
            med_log(MED_LOG_ERROR, "socket path %s is too long for its control socket "
                    "%s%s", path, path, WIRE_CTL_SUFFIX);
            errno = ENAMETOOLONG;
            return -1;
        }
        if (listen_on(server, server->control_path, 0600, &server->control_fd,
                      &server->control_bound, &control_listen_tag)) {
            return -1;
        }
        stage_reached(server, STAGE_CONTROL);
        med_log(MED_LOG_INFO, "control socket %s", server->control_path);
    }
    stage_reached(server, STAGE_READY);
    return 0;
}

struct med_server *med_server_create(const struct med_server_config *config)
{
    struct med_server *server = calloc(1, sizeof(*server));

    if (!server) {
        med_log(MED_LOG_ERROR, "out of memory");
        return NULL;
    }
    server->config = *config;
    if (config->socket_path) {
        server->config.socket_path = strdup(config->socket_path);
    }
    server->epoll_fd = server->lock_fd = server->listen_fd = server->control_fd = -1;
    server->resume_fd = server->loop_fd = -1;
    server->budget_params = config->budget ? *config->budget : med_budget_default_params;
    server->guard_limits = config->guard ? *config->guard : med_guard_default_limits;
    for (unsigned i = 0; i < MED_MAX_CONTROLS; i++) {
        server->controls[i].fd = -1;
    }
    server->started_ns = med_now_ns();
    server->bus_slots_used = 1;     /* window 0 is the host's */
    if ((config->socket_path && !server->config.socket_path) || setup(server)) {
        int err = errno;

        med_server_destroy(server);
        errno = err;
        return NULL;
    }
    return server;
}

static void close_session(struct med_server *server, struct session *s)
{
    med_session_unwatch(s);
    if (s->prev) {
        s->prev->next = s->next;
    } else {
        server->sessions = s->next;
    }
    if (s->next) {
        s->next->prev = s->prev;
    }
    server->session_count--;
    server->stats.clients_closed++;
    server->told_client_limit = false;
    med_session_destroy(s);
}

void med_server_destroy(struct med_server *server)
{
    if (!server) {
        return;
    }
    switch ((enum server_stage)server->stage) {
    case STAGE_READY:
        while (server->sessions) {
            close_session(server, server->sessions);
        }
        med_reserved_destroy_all(server);
        /* fall through */
    case STAGE_CONTROL:
    case STAGE_LISTENING:
        for (unsigned i = 0; i < MED_MAX_CONTROLS; i++) {
            med_control_close(server, &server->controls[i]);
        }
        if (server->control_bound) {
            unlink(server->control_path);
        }
        if (server->control_fd >= 0) {
            close(server->control_fd);
        }
        /* fall through */
    case STAGE_LOCKED:
        /* Listening may have been left half done. */
        if (server->socket_bound) {
            unlink(server->config.socket_path);
        }
        if (server->listen_fd >= 0) {
            close(server->listen_fd);
        }
        if (server->lock_fd >= 0) {
            close(server->lock_fd);     /* releases the lock */
        }
        /* fall through */
    case STAGE_EVENT_LOOP:
        if (server->epoll_fd >= 0) {
            close(server->epoll_fd);
        }
        if (server->resume_fd >= 0) {
            close(server->resume_fd);
        }
        if (server->loop_fd >= 0) {
            close(server->loop_fd);
        }
        /* fall through */
    case STAGE_SCHEDULER:
    case STAGE_GRAPHICS_MEMORY:
        /* open_scheduler() may have stopped half way. */
        med_sched_detach(server->sched);
        if (server->host_mem) {
            med_host_buf_free(server->host_mem, &server->status_pages);
            med_host_buf_free(server->host_mem, &server->idle_contexts);
            med_host_mem_destroy(server->host_mem);
        }
        med_gm_destroy(server->gm);
        /* fall through */
    case STAGE_GPU:
    case STAGE_NONE:
        /* open_gpu() may have stopped half way. */
        if (server->scratch_page) {
            server->gpu->ops->dma_unmap(server->gpu, MED_SCRATCH_BUS, WIRE_PAGE_SIZE);
            free(server->scratch_page);
        }
        if (server->gpu) {
            server->gpu->ops->destroy(server->gpu);
        }
        /* The engine threads are gone: no interrupt can reach the scheduler. */
        med_sched_destroy(server->sched);
        break;
    }
    free((char *)server->config.socket_path);
    free(server);
}

int med_server_add_client(struct med_server *server, int fd)
{
    struct session *s = med_session_create(server, fd);

    if (!s || med_server_watch(server, fd, s)) {
        int err = errno;

        med_log(MED_LOG_WARNING, "cannot serve a new client: %s", strerror(err));
        if (s) {
            med_session_destroy(s);     /* closes fd */
        } else {
            close(fd);
        }
        errno = err;
        return -1;
    }
    s->next = server->sessions;
    if (s->next) {
        s->next->prev = s;
    }
    server->sessions = s;
    server->session_count++;
    server->stats.clients_accepted++;
    return 0;
}

static void accept_clients(struct med_server *server)
{
    for (;;) {
        int fd = accept4(server->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED) {
                med_log(MED_LOG_WARNING, "accept failed: %s", strerror(errno));
            }
            return;
        }
        if (server->session_count >= MED_MAX_CLIENTS) {
            close(fd);
            server->stats.clients_refused++;
            if (!server->told_client_limit) {
                server->told_client_limit = true;
                med_log(MED_LOG_WARNING, "%u clients are connected: further connections "
                        "are closed at once (and counted)", MED_MAX_CLIENTS);
            }
            continue;
        }
        med_server_add_client(server, fd);
    }
}

/* A session that failed during the events at hand (a COMPLETE its client
 * could not take, sent from the scheduler's callbacks; its socket's EOF or
 * a protocol break) is closed after them, when no event of the round can
 * name it any more; a vGPU the guard stopped meanwhile has its work failed
 * there too. */
static void after_events(struct med_server *server)
{
    struct session *s = server->sessions, *next;

    for (; s; s = next) {
        next = s->next;
        if (s->failed) {
            close_session(server, s);
        } else {
            med_session_apply_stop(s);
        }
    }
}

/* The DOORBELLs the completions of this round called for, once per
 * session whatever their number. */
static void ring_doorbells(struct med_server *server)
{
    struct session *s = server->sessions, *next;

    for (; s; s = next) {
        next = s->next;
        med_session_ring_doorbell(s);
        if (s->failed) {
            close_session(server, s);
        }
    }
}

/* What left the scheduler goes back to its vGPU's session, after the
 * scheduler's call that finished it returned (sched.h): never from inside
 * its completion loop.  Any event may have finished work (a CSB walk, an
 * engine stopped for another vGPU's reset), so this runs after each. */
static void drain_done(struct med_server *server)
{
    struct med_sched_workload *w;

    while ((w = med_sched_next_done(server->sched))) {
        med_session_workload_done(med_vgpu_submission_owner(w), w);
    }
}

/*
 * @rang's doorbell rang: take its submission ring and every other vGPU's
 * that holds notices (a load each: no system call), with the scheduler's
 * dispatch held until all are queued, so that two vGPUs' workloads
 * submitted at about the same time share one ELSP pair.  Held, each vGPU
 * shadows only its first workload, the one that can go into that pair;
 * its later elements are shadowed after the release, while the engine
 * runs the first: a client that queued four elements of 256 requests
 * before the mediator woke had all four shadowed and scanned before the
 * first ELSP write (290 us; docs/architecture.md, decision 7).  A session
 * that broke the protocol is closed after the round (after_events()).
 */
static void take_rings(struct med_server *server, struct session *rang)
{
    med_sched_hold(server->sched);
    server->dispatch_held = true;
    if (!rang->failed && !med_session_doorbell(rang)) {
        rang->failed = true;
    }
    for (struct session *s = server->sessions; s; s = s->next) {
        if (s != rang && !s->failed && med_session_has_notices(s) && !med_session_doorbell(s)) {
            s->failed = true;
        }
    }
    server->dispatch_held = false;
    med_sched_release(server->sched);
    for (struct session *s = server->sessions; s; s = s->next) {
        if (s->shadowed_in_hold) {
            med_session_shadow_held_back(s);
        }
    }
}

/* loop_fd ticks every MED_WL_LOOP_TICK_NS while some vGPU's workload on
 * the GPU has a loop the mediator follows (mediator/submission/loop.c),
 * and is disarmed otherwise. */
static void arm_loop_timer(struct med_server *server)
{
    bool running = false;
    struct itimerspec tick = { 0 };

    for (struct session *s = server->sessions; s && !running; s = s->next) {
        running = s->stage == SESSION_VGPU_CREATED &&
                  med_vgpu_submission_loops_running(s->vgpu.submission);
    }
    if (running != server->loop_timer_armed) {
        if (running) {
            tick.it_value.tv_nsec = tick.it_interval.tv_nsec = (long)MED_WL_LOOP_TICK_NS;
        }
        /* Cannot fail with a valid fd and a time in range. */
        timerfd_settime(server->loop_fd, 0, &tick, NULL);
        server->loop_timer_armed = running;
    }
}

static void tick_loops(struct med_server *server)
{
    uint64_t expirations;

    if (read(server->loop_fd, &expirations, sizeof(expirations)) < 0) {
        return;     /* EAGAIN: disarmed since */
    }
    for (struct session *s = server->sessions; s; s = s->next) {
        med_session_tick_loops(s);
    }
}

/* Handle one wait's worth of events; *@stop is set when the stop event (stop_tag) fired. */
static int dispatch(struct med_server *server, int timeout_ms, bool *stop)
{
    struct epoll_event events[EVENTS_PER_WAIT];
    int n = epoll_wait(server->epoll_fd, events, EVENTS_PER_WAIT, timeout_ms);

    if (n < 0) {
        return errno == EINTR ? 0 : -1;
    }
    for (int i = 0; i < n; i++) {
        void *tag = events[i].data.ptr;

        if (tag == &stop_tag) {
            *stop = true;
        } else if (tag == &sched_tag) {
            med_sched_process(server->sched);
        } else if (tag == &resume_tag) {
            med_server_resume_deferred(server);
        } else if (tag == &loop_tag) {
            tick_loops(server);
        } else if (tag == &listen_tag) {
            accept_clients(server);
        } else if (tag == &control_listen_tag) {
            med_control_accept(server);
        } else if (med_control_is_tag(server, tag)) {
            med_control_readable(server, tag);
        } else if ((uintptr_t)tag & DOORBELL_TAG_BIT) {
            take_rings(server, (void *)((uintptr_t)tag & ~(uintptr_t)DOORBELL_TAG_BIT));
        } else if (((struct session *)tag)->failed) {
            continue;   /* closed below */
        } else if (!med_session_readable(tag)) {
            /* Reading first drains what a dying client sent; EOF ends it,
             * after this round: a later event of the round may name it
             * (its doorbell's). */
            ((struct session *)tag)->failed = true;
        }
        drain_done(server);
    }
    after_events(server);
    drain_done(server);
    ring_doorbells(server);
    arm_loop_timer(server);
    return n;
}

int med_server_dispatch(struct med_server *server, int timeout_ms)
{
    bool stop = false;

    return dispatch(server, timeout_ms, &stop);
}

int med_server_run(struct med_server *server, int stop_fd)
{
    bool stop = false;
    int ret = 0;

    if (med_server_watch(server, stop_fd, &stop_tag)) {
        return -1;
    }
    while (!stop && ret >= 0) {
        ret = dispatch(server, -1, &stop);
    }
    if (ret < 0) {
        med_log(MED_LOG_ERROR, "event loop failed: %s", strerror(errno));
    }
    epoll_ctl(server->epoll_fd, EPOLL_CTL_DEL, stop_fd, NULL);
    return ret < 0 ? -1 : 0;
}

uint64_t med_server_time_slice_ns(const struct med_server *server)
{
    return 1000ull * (server->config.time_slice_us ? server->config.time_slice_us
                                                    : MED_TIME_SLICE_DEFAULT_US);
}

unsigned med_server_client_count(const struct med_server *server)
{
    return server->session_count;
}

const struct med_server_stats *med_server_stats(const struct med_server *server)
{
    return &server->stats;
}

const struct med_gm *med_server_gm(const struct med_server *server)
{
    return server->gm;
}

struct pgpu *med_server_gpu(const struct med_server *server)
{
    return server->gpu;
}

const struct med_vgpu_exec_stats *med_server_exec_stats(const struct med_server *server)
{
    return &server->exec_totals;
}

const struct med_sched_stats *med_server_sched_stats(const struct med_server *server)
{
    return med_sched_get_stats(server->sched);
}

const void *med_server_scratch_page(const struct med_server *server)
{
    return server->scratch_page;
}

uint64_t med_server_window_ggtt(const struct med_server *server, unsigned engine, unsigned port)
{
    assert(engine < GEN9_NUM_ENGINES && port < 2);
    return server->exec_host.window_ggtt[engine][port];
}

const void *med_server_status_page(const struct med_server *server, unsigned engine)
{
    assert(engine < GEN9_NUM_ENGINES);
    return (const char *)server->status_pages.map + engine * WIRE_PAGE_SIZE;
}

const void *med_server_vgpu_scratch_page(const struct med_server *server, uint32_t vgpu_id)
{
    for (const struct session *s = server->sessions; s; s = s->next) {
        if (s->stage == SESSION_VGPU_CREATED && s->vgpu.id == vgpu_id) {
            return s->vgpu.scratch.map;
        }
    }
    return NULL;
}
