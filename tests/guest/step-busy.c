/*
 * gem-busy: keep the blitter busy for BUSY_SECONDS through the i915 uAPI,
 * as a GPU-bound guest does, so that the host can measure how the
 * mediator shares the GPU between two such guests (tests/guest/fairness).
 *
 * Backlogged by construction: LANES targets take turns; a waiter thread
 * waits for the rounds in the order they were queued and checks each
 * one's colour (first and last pixel), and the step queues the next round
 * as soon as the waiter has freed a lane, so LANES rounds are outstanding
 * while nothing is being checked and LANES - 1 are queued while one is.
 * Not deeper: i915's heartbeat, queued behind them, must complete before
 * i915 raises its priority and preempts (docs/scheduler.md says why and
 * gives the numbers).
 *
 * Measured by the client: the queue is empty from the moment the waiter
 * sees the newest round queued complete until the next round is in i915
 * (its first execbuffer2 returned).  The step adds up that time and
 * counts the times; after each round a line "round=N t_ms=T idle_ms=I
 * dry=D" says when (CLOCK_BOOTTIME) it was queued and the totals so far,
 * from which the host takes each guest's idle time over a window.  The
 * waiter learns of a completion when its wait returns, after the
 * interrupt reached the guest, so the time the completion takes to travel
 * is not in the idle time: the mediator's backlog time is printed beside
 * it for that.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libdrm/i915_drm.h>

#include "agent.h"
#include "gem.h"

#define BUSY_SECONDS    60
#define LANES           6               /* rounds outstanding */
#define BATCHES         4               /* per round */
#define FILLS           32              /* 1920x1080 colour fills per batch */
#define WIDTH           1920
#define HEIGHT          1080
#define PITCH           (WIDTH * 4)
#define FRAME           (PITCH * HEIGHT)
#define VA_BUSY_TARGET  0x10000000ull   /* LANES frames, 16 MiB apart */
#define VA_BUSY_BATCH   0x20000000ull   /* a page per lane */
#define XY_COLOR_BLT_CMD (0x54000000u | 3u << 20 | (7 - 2))
#define BLT_32BPP_PATCOPY (3u << 24 | 0xf0u << 16)

/* Round k runs in lane k % LANES; the waiter completes them in order. */
struct busy {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int fd;
    struct gem_buffer target[LANES];
    uint32_t color[LANES];
    double queued_ms[LANES];    /* when the lane's round was in i915 */
    unsigned submitted, completed;
    double dry_since_ms;        /* the newest round queued completed then; < 0: not dry */
    double idle_ms;             /* the queue's empty time so far */
    unsigned dry;               /* how often it ran dry */
    bool stop;
    char error[128];            /* the waiter's failure, empty while none */
};

/* Batch @lane fills target @lane with @color FILLS times. */
static uint32_t write_batch(const struct gem_buffer *batch, unsigned lane, uint64_t va,
                            uint32_t color)
{
    uint32_t *start = (uint32_t *)((uint8_t *)batch->map + lane * 4096), *cs = start;

    for (unsigned f = 0; f < FILLS; f++) {
        *cs++ = XY_COLOR_BLT_CMD;
        *cs++ = BLT_32BPP_PATCOPY | PITCH;
        *cs++ = 0;
        *cs++ = HEIGHT << 16 | WIDTH;
        *cs++ = (uint32_t)va;
        *cs++ = (uint32_t)(va >> 32);
        *cs++ = color;
    }
    return emit_end(start, cs);
}

/*
 * The waiter: waits for the oldest outstanding round, checks its first and
 * last pixel and frees its lane.  A completion that leaves nothing queued
 * starts the queue's empty time; one whose successor was queued only after
 * it (the step took the lock first) adds that gap at once.
 */
static void *waiter(void *opaque)
{
    struct busy *b = opaque;

    pthread_mutex_lock(&b->lock);
    for (;;) {
        unsigned lane = b->completed % LANES, next = (b->completed + 1) % LANES;
        const uint32_t *pixels = b->target[lane].map;
        uint32_t color = b->color[lane];
        double done_ms;
        int err;

        if (b->completed == b->submitted) {
            if (b->stop) {
                break;
            }
            pthread_cond_wait(&b->changed, &b->lock);
            continue;
        }
        pthread_mutex_unlock(&b->lock);
        err = gem_wait(b->fd, &b->target[lane]);
        done_ms = boottime_ms();
        pthread_mutex_lock(&b->lock);
        if (err) {
            snprintf(b->error, sizeof(b->error), "gem_wait:%s", strerror(err));
        } else if (pixels[0] != color || pixels[FRAME / 4 - 1] != color) {
            snprintf(b->error, sizeof(b->error), "round_%u_color:0x%08x", color & 0xffff,
                     pixels[0]);
        }
        if (b->error[0]) {
            pthread_cond_broadcast(&b->changed);
            break;
        }
        b->completed++;
        if (b->completed == b->submitted) {
            b->dry_since_ms = done_ms;
        } else if (b->queued_ms[next] > done_ms) {
            b->idle_ms += b->queued_ms[next] - done_ms;
            b->dry++;
        }
        pthread_cond_broadcast(&b->changed);
    }
    pthread_mutex_unlock(&b->lock);
    return NULL;
}

/* Queue round b->submitted: BATCHES execbuffer2 of its lane's batch; 0 or the errno. */
static int queue_round(struct busy *b, const struct gem_buffer *batch)
{
    unsigned lane = b->submitted % LANES;
    const struct gem_buffer *targets[1] = { &b->target[lane] };
    uint32_t color = 0x00010000u | (b->submitted + 1);
    uint32_t len = write_batch(batch, lane, b->target[lane].va, color);
    double queued_ms = 0;
    int err = 0;

    for (unsigned n = 0; n < BATCHES && !err; n++) {
        err = gem_execute(b->fd, 0, I915_EXEC_BLT, batch, lane * 4096, len, targets, 1);
        if (n == 0) {
            queued_ms = boottime_ms();
        }
    }
    if (err) {
        return err;
    }
    pthread_mutex_lock(&b->lock);
    if (b->completed == b->submitted && b->dry_since_ms >= 0) {
        if (queued_ms > b->dry_since_ms) {
            b->idle_ms += queued_ms - b->dry_since_ms;
            b->dry++;
        }
        b->dry_since_ms = -1;
    }
    b->color[lane] = color;
    b->queued_ms[lane] = queued_ms;
    b->submitted++;
    pthread_cond_broadcast(&b->changed);
    pthread_mutex_unlock(&b->lock);
    return 0;
}

bool step_gem_busy(struct result *r)
{
    static struct busy b;
    struct gem_buffer batch;
    pthread_t thread;
    bool ok = false, started = false;
    double start;
    int err;

    memset(&b, 0, sizeof(b));
    memset(&batch, 0, sizeof(batch));
    pthread_mutex_init(&b.lock, NULL);
    pthread_cond_init(&b.changed, NULL);
    b.dry_since_ms = -1;
    b.fd = gem_open(r);
    if (b.fd < 0) {
        return false;
    }
    if (!gem_buffer_create(r, b.fd, LANES * 4096, VA_BUSY_BATCH, &batch)) {
        goto out;
    }
    for (unsigned lane = 0; lane < LANES; lane++) {
        if (!gem_buffer_create(r, b.fd, FRAME, VA_BUSY_TARGET + lane * 0x1000000ull,
                               &b.target[lane])) {
            goto out;
        }
    }
    if ((err = pthread_create(&thread, NULL, waiter, &b))) {
        result_add(r, "error", "pthread_create:%s", strerror(err));
        goto out;
    }
    started = true;
    start = boottime_ms();
    while (boottime_ms() - start < BUSY_SECONDS * 1000.0) {
        double queued_ms, idle_ms;
        unsigned round, dry;
        bool failed;

        pthread_mutex_lock(&b.lock);
        while (b.submitted - b.completed == LANES && !b.error[0]) {
            pthread_cond_wait(&b.changed, &b.lock);
        }
        failed = b.error[0];
        pthread_mutex_unlock(&b.lock);
        if (failed) {
            goto out;
        }
        if ((err = queue_round(&b, &batch))) {
            result_add(r, "error", "execbuffer2:%s", strerror(err));
            goto out;
        }
        pthread_mutex_lock(&b.lock);
        round = b.submitted;
        queued_ms = b.queued_ms[(round - 1) % LANES];
        idle_ms = b.idle_ms;
        dry = b.dry;
        pthread_mutex_unlock(&b.lock);
        result_log(r, "round=%u t_ms=%.1f idle_ms=%.1f dry=%u", round, queued_ms, idle_ms, dry);
    }
    ok = true;
out:
    if (started) {
        pthread_mutex_lock(&b.lock);
        b.stop = true;
        pthread_cond_broadcast(&b.changed);
        pthread_mutex_unlock(&b.lock);
        pthread_join(thread, NULL);
        if (b.error[0]) {
            result_add(r, "error", "%s", b.error);
            ok = false;
        }
    }
    if (ok) {
        result_add(r, "rounds", "%u", b.submitted);
        result_add(r, "fills", "%u", b.submitted * BATCHES * FILLS);
        result_add(r, "idle_ms", "%.1f", b.idle_ms);
        result_add(r, "dry", "%u", b.dry);
    }
    gem_buffer_free(b.fd, &batch);
    for (unsigned lane = 0; lane < LANES; lane++) {
        gem_buffer_free(b.fd, &b.target[lane]);
    }
    close(b.fd);
    return ok;
}
