/*
 * gem-busy: keep the blitter busy for BUSY_SECONDS through the i915 uAPI,
 * as a GPU-bound guest does, so that the host can measure how the
 * mediator shares the GPU between two such guests (tests/guest/fairness).
 * Backlogged by construction: LANES targets take turns, and the guest
 * waits for (and checks) the oldest round only, so LANES - 1 rounds stay
 * queued while it does: more requests than the mediator merges into one
 * workload (16), so its queue is not all taken at once and completed
 * together.  Not deeper: i915's heartbeat, queued behind it, must still
 * complete before i915 declares the engine hung on a slow (loaded) host.
 * It also counts how often its queue ran dry: before each round it asks
 * whether the newest round it queued is still busy; if not, everything it
 * had queued was done.  A GUEST-LOG line after each round says
 * "round=N dry=D" (D since the start), which the host prints per window
 * beside the mediator's backlog.  Every round's colour is checked in the
 * first and last pixel of its target.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>
#include <unistd.h>

#include <libdrm/i915_drm.h>

#include "agent.h"
#include "gem.h"

#define BUSY_SECONDS    60
#define LANES           6               /* rounds in flight: 5 queued while one is checked */
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

/* Wait for round @color of @target and check its first and last pixel. */
static bool check_round(struct result *r, int fd, const struct gem_buffer *target,
                        uint32_t color)
{
    const uint32_t *pixels = target->map;
    int err = gem_wait(fd, target);

    if (err) {
        result_add(r, "error", "gem_wait:%s", strerror(err));
        return false;
    }
    if (pixels[0] != color || pixels[FRAME / 4 - 1] != color) {
        result_add(r, "error", "round_%u_color:0x%08x", color & 0xffff, pixels[0]);
        return false;
    }
    return true;
}

bool step_gem_busy(struct result *r)
{
    struct gem_buffer batch, target[LANES];
    uint32_t color[LANES] = { 0 };
    unsigned rounds = 0, dry = 0;
    double start;
    bool ok = false;
    int err = 0, fd = gem_open(r);

    if (fd < 0) {
        return false;
    }
    memset(&batch, 0, sizeof(batch));
    memset(target, 0, sizeof(target));
    if (!gem_buffer_create(r, fd, LANES * 4096, VA_BUSY_BATCH, &batch)) {
        goto out;
    }
    for (unsigned lane = 0; lane < LANES; lane++) {
        if (!gem_buffer_create(r, fd, FRAME, VA_BUSY_TARGET + lane * 0x1000000ull,
                               &target[lane])) {
            goto out;
        }
    }
    start = boottime_ms();
    for (unsigned lane = 0; boottime_ms() - start < BUSY_SECONDS * 1000.0;
         lane = (lane + 1) % LANES) {
        const struct gem_buffer *targets[1] = { &target[lane] };
        unsigned newest = (lane + LANES - 1) % LANES;
        bool busy = true;
        uint32_t len;

        /* the oldest round in flight: LANES - 1 newer ones stay queued */
        if (color[lane] && !check_round(r, fd, &target[lane], color[lane])) {
            goto out;
        }
        if (color[newest] && (err = gem_busy(fd, &target[newest], &busy))) {
            result_add(r, "error", "gem_busy:%s", strerror(err));
            goto out;
        }
        dry += color[newest] && !busy;
        color[lane] = 0x00010000u | ++rounds;
        len = write_batch(&batch, lane, target[lane].va, color[lane]);
        for (unsigned b = 0; b < BATCHES && !err; b++) {
            err = gem_execute(fd, 0, I915_EXEC_BLT, &batch, lane * 4096, len, targets, 1);
        }
        if (err) {
            result_add(r, "error", "execbuffer2:%s", strerror(err));
            goto out;
        }
        result_log(r, "round=%u dry=%u", rounds, dry);
    }
    for (unsigned lane = 0; lane < LANES; lane++) {
        if (color[lane] && !check_round(r, fd, &target[lane], color[lane])) {
            goto out;
        }
    }
    result_add(r, "rounds", "%u", rounds);
    result_add(r, "fills", "%u", rounds * BATCHES * FILLS);
    result_add(r, "dry", "%u", dry);
    ok = true;
out:
    gem_buffer_free(fd, &batch);
    for (unsigned lane = 0; lane < LANES; lane++) {
        gem_buffer_free(fd, &target[lane]);
    }
    close(fd);
    return ok;
}
