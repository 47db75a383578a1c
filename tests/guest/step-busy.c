/*
 * gem-busy: keep the blitter busy for BUSY_SECONDS through the i915 uAPI,
 * as a GPU-bound guest does, so that the host can measure how the
 * mediator shares the GPU between two such guests (tests/guest/fairness).
 * Two targets take turns: one's batches are queued while the other's
 * result is checked, so the guest has work at the mediator whenever its
 * turn comes.  Every round's colour is checked in the first and last
 * pixel of its target.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>
#include <unistd.h>

#include <libdrm/i915_drm.h>

#include "agent.h"
#include "gem.h"

#define BUSY_SECONDS    40
#define BATCHES         4               /* per round and target */
#define FILLS           24              /* 1920x1080 colour fills per batch */
#define WIDTH           1920
#define HEIGHT          1080
#define PITCH           (WIDTH * 4)
#define FRAME           (PITCH * HEIGHT)
#define VA_BUSY_TARGET  0x10000000ull   /* two frames, 16 MiB apart */
#define VA_BUSY_BATCH   0x20000000ull
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

bool step_gem_busy(struct result *r)
{
    struct gem_buffer batch, target[2];
    uint32_t color[2] = { 0, 0 };
    unsigned lane = 0, rounds = 0;
    double start;
    bool ok = false;
    int err = 0, fd = gem_open(r);

    if (fd < 0) {
        return false;
    }
    memset(&batch, 0, sizeof(batch));
    memset(target, 0, sizeof(target));
    if (!gem_buffer_create(r, fd, 8192, VA_BUSY_BATCH, &batch) ||
        !gem_buffer_create(r, fd, FRAME, VA_BUSY_TARGET, &target[0]) ||
        !gem_buffer_create(r, fd, FRAME, VA_BUSY_TARGET + 0x1000000, &target[1])) {
        goto out;
    }
    start = boottime_ms();
    for (;; lane ^= 1) {
        const struct gem_buffer *targets[1] = { &target[lane] };
        const uint32_t *pixels = target[lane ^ 1].map;
        uint32_t len;

        if (boottime_ms() - start < BUSY_SECONDS * 1000.0) {
            color[lane] = 0x00010000u | ++rounds;
            len = write_batch(&batch, lane, target[lane].va, color[lane]);
            for (unsigned b = 0; b < BATCHES && !err; b++) {
                err = gem_execute(fd, 0, I915_EXEC_BLT, &batch, lane * 4096, len, targets, 1);
            }
        } else if (!color[lane ^ 1]) {
            break;
        }
        if (err) {
            result_add(r, "error", "execbuffer2:%s", strerror(err));
            goto out;
        }
        if (!color[lane ^ 1]) {
            continue;   /* the first round: nothing to check yet */
        }
        if ((err = gem_wait(fd, &target[lane ^ 1]))) {
            result_add(r, "error", "gem_wait:%s", strerror(err));
            goto out;
        }
        if (pixels[0] != color[lane ^ 1] || pixels[FRAME / 4 - 1] != color[lane ^ 1]) {
            result_add(r, "error", "round_%u_color:0x%08x", rounds, pixels[0]);
            goto out;
        }
        color[lane ^ 1] = 0;
    }
    result_add(r, "rounds", "%u", rounds);
    result_add(r, "fills", "%u", rounds * BATCHES * FILLS);
    ok = true;
out:
    gem_buffer_free(fd, &batch);
    gem_buffer_free(fd, &target[0]);
    gem_buffer_free(fd, &target[1]);
    close(fd);
    return ok;
}
