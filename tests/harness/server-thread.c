/*
 * server-thread.c - a mediator served by a thread (see server-thread.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tests/harness/server-thread.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct server_thread {
    struct med_server *server;
    pthread_t thread;
    bool running;
    int stop_fd;
    char dir[64];
    char path[PATH_MAX];
};

static void *serve(void *opaque)
{
    struct server_thread *st = opaque;

    med_server_run(st->server, st->stop_fd);
    return NULL;
}

struct server_thread *server_thread_start(unsigned hang_timeout_ms)
{
    return server_thread_start_config(&(struct med_server_config) {
        .hang_timeout_ms = hang_timeout_ms, .part_limit_ms = 2 * hang_timeout_ms,
        .check_invariants = true,
    });
}

struct server_thread *server_thread_start_config(const struct med_server_config *config)
{
    struct server_thread *st = calloc(1, sizeof(*st));
    struct med_server_config c = *config;

    if (!st) {
        return NULL;
    }
    st->stop_fd = eventfd(0, EFD_CLOEXEC);
    snprintf(st->dir, sizeof(st->dir), "/tmp/gpumed-wl-XXXXXX");
    if (st->stop_fd < 0 || !mkdtemp(st->dir)) {
        server_thread_destroy(st);
        return NULL;
    }
    snprintf(st->path, sizeof(st->path), "%s/gpumed.sock", st->dir);
    c.socket_path = st->path;
    if (!c.gm.aperture_size) {
        c.gm = (struct med_gm_config){ .aperture_size = 256ull << 20,
                                       .host_reserve = MED_GM_HOST_RESERVE_DEFAULT };
    }
    st->server = med_server_create(&c);
    if (!st->server || pthread_create(&st->thread, NULL, serve, st)) {
        server_thread_destroy(st);
        return NULL;
    }
    st->running = true;
    return st;
}

const char *server_thread_socket(const struct server_thread *st)
{
    return st->path;
}

void server_thread_stop(struct server_thread *st)
{
    uint64_t one = 1;

    if (st->running && write(st->stop_fd, &one, sizeof(one)) == sizeof(one)) {
        pthread_join(st->thread, NULL);
        st->running = false;
        /* Cleared for a resume: the loop, which never reads it, stops
         * whenever it is readable. */
        if (read(st->stop_fd, &one, sizeof(one)) != sizeof(one)) {
            abort();    /* an eventfd just written to is readable */
        }
    }
}

int server_thread_resume(struct server_thread *st)
{
    int err;

    if (st->running) {
        return 0;
    }
    err = pthread_create(&st->thread, NULL, serve, st);
    if (err) {
        errno = err;
        return -1;
    }
    st->running = true;
    return 0;
}

const struct med_server *server_thread_server(const struct server_thread *st)
{
    return st->server;
}

void server_thread_destroy(struct server_thread *st)
{
    char lock[PATH_MAX + 8];

    if (!st) {
        return;
    }
    server_thread_stop(st);
    med_server_destroy(st->server);
    if (st->stop_fd >= 0) {
        close(st->stop_fd);
    }
    snprintf(lock, sizeof(lock), "%s.lock", st->path);
    unlink(lock);
    rmdir(st->dir);
    free(st);
}
