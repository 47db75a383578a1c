/*
 * Hostile batches through the i915 uAPI: each is one GPU attack the
 * mediator must reject or contain (docs/scanner.md).  A step submits the
 * attack in a context of its own next to a canary buffer, waits until its
 * i915 gave up on it (a rejected workload looks like a hang: heartbeat,
 * engine reset), then checks that the canary is untouched, that i915 refused
 * the batch or had to reset an engine for it (its kernel log says so; a
 * rejected request never started, so i915 may find it innocent and replay
 * it: it is rejected again until i915 gives up on it), and that the next
 * valid batch,
 * in a fresh context, runs and stores what it should.  The mediator logs
 * each rejection with the vGPU's name; run-guest echoes its log.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <libdrm/i915_drm.h>

#include "agent.h"
#include "gem.h"

#define MI_NOOP                 0x00000000u
#define MI_LOAD_REGISTER_IMM_1  0x11000001u     /* one register */
#define MI_BATCH_BUFFER_START   0x18800101u     /* PPGTT, 3 dwords */
#define MI_STORE_DWORD_IMM_GGTT 0x10400002u     /* GGTT address */

#define VA_CANARY               0x00100000ull
#define VA_BATCH                0x02000000ull
#define VA_UNMAPPED             0x7f0000000000ull   /* nothing is bound there */
#define BATCH_SIZE              16384
#define CANARY_SIZE             4096
#define CANARY_BYTE             0x6b

/* Graphics addresses outside any gpumed-8 partition (docs/vgpu.md). */
#define GGTT_OUTSIDE            0x10000000ull
/* A register no batch may load: the GPU's domain reset. */
#define GEN6_GDRST              0x941c

/* Writes the attack into @cs (the batch's map at VA_BATCH); returns bytes. */
typedef uint32_t attack_fn(uint32_t *cs);

static uint32_t attack_ggtt_store(uint32_t *cs)
{
    uint32_t *start = cs;

    *cs++ = MI_STORE_DWORD_IMM_GGTT;
    *cs++ = (uint32_t)GGTT_OUTSIDE;
    *cs++ = GGTT_OUTSIDE >> 32;
    *cs++ = 0xdeadbeef;
    return emit_end(start, cs);
}

static uint32_t attack_lri(uint32_t *cs)
{
    uint32_t *start = cs;

    *cs++ = MI_LOAD_REGISTER_IMM_1;
    *cs++ = GEN6_GDRST;
    *cs++ = 1;                  /* reset the whole GPU, every VM's work */
    *cs++ = MI_NOOP;
    return emit_end(start, cs);
}

static uint32_t attack_jump_out(uint32_t *cs)
{
    uint32_t *start = cs;

    *cs++ = MI_BATCH_BUFFER_START;
    *cs++ = (uint32_t)VA_UNMAPPED;
    *cs++ = VA_UNMAPPED >> 32;
    return emit_end(start, cs);
}

/* No MI_BATCH_BUFFER_END: NOOPs to the end of the buffer and beyond. */
static uint32_t attack_unterminated(uint32_t *cs)
{
    memset(cs, 0, BATCH_SIZE);
    return BATCH_SIZE;
}

static uint32_t attack_endless_loop(uint32_t *cs)
{
    uint32_t *start = cs;

    *cs++ = MI_NOOP;
    *cs++ = MI_BATCH_BUFFER_START;      /* back to the start of this batch */
    *cs++ = (uint32_t)VA_BATCH;
    *cs++ = VA_BATCH >> 32;
    return emit_end(start, cs);
}

/* What i915 logs when it resets an engine for a hung request. */
#define RESET_MARK              "Resetting rcs0"

/* The kernel log from now on. */
static int kmsg_follow(struct result *r)
{
    int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

    if (fd < 0 || lseek(fd, 0, SEEK_END) < 0) {
        result_add(r, "error", "/dev/kmsg:%s", strerror(errno));
    }
    return fd;
}

/* Did i915 log an engine reset since kmsg_follow()?  Logs the line. */
static bool kmsg_saw_reset(struct result *r, int fd)
{
    char record[1024];
    ssize_t n;

    while ((n = read(fd, record, sizeof(record) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
        char *text;

        if (n <= 0) {
            continue;
        }
        record[n] = '\0';
        record[strcspn(record, "\n")] = '\0';     /* not the key=value lines */
        text = strchr(record, ';');
        if (text && strstr(text, RESET_MARK)) {
            result_log(r, "i915: %s", text + 1);
            return true;
        }
    }
    return false;
}

/* i915's reset statistics of @ctx (the reset count is the GPU's, for root). */
static bool reset_stats(struct result *r, int fd, uint32_t ctx,
                        struct drm_i915_reset_stats *stats)
{
    *stats = (struct drm_i915_reset_stats) { .ctx_id = ctx };
    if (ioctl(fd, DRM_IOCTL_I915_GET_RESET_STATS, stats)) {
        result_add(r, "error", "reset_stats:%s", strerror(errno));
        return false;
    }
    return true;
}

/* The valid batch after the attack: a store, read back. */
static bool next_batch_works(struct result *r, int fd)
{
    struct gem_buffer batch, target;
    uint32_t ctx = 0, want = 0x600dcafe, *cs;
    bool ok = false;

    if (!gem_context_create(r, fd, &ctx) ||
        !gem_buffer_create(r, fd, 4096, VA_CANARY, &target) ||
        !gem_buffer_create(r, fd, 4096, VA_BATCH, &batch)) {
        goto out;
    }
    cs = batch.map;
    ok = gem_run(r, fd, ctx, I915_EXEC_RENDER, &batch,
                 emit_end(cs, emit_store(cs, VA_CANARY, want)), &target) &&
         bytes_match(r, "next-batch", target.map, (const uint8_t *)&want, sizeof(want));
out:
    gem_buffer_free(fd, &batch);
    gem_buffer_free(fd, &target);
    if (ctx) {
        gem_context_destroy(fd, ctx);
    }
    return ok;
}

static bool run_attack(struct result *r, attack_fn *attack)
{
    static uint8_t canary_want[CANARY_SIZE];
    struct gem_buffer batch, canary;
    const struct gem_buffer *targets[1] = { &canary };
    struct drm_i915_reset_stats before, after;
    uint32_t ctx = 0, len;
    int err, kmsg = -1, fd = gem_open(r);
    bool contained = false, ok = false;

    if (fd < 0) {
        return false;
    }
    memset(canary_want, CANARY_BYTE, sizeof(canary_want));
    if (!gem_context_create(r, fd, &ctx) ||
        !gem_buffer_create(r, fd, CANARY_SIZE, VA_CANARY, &canary) ||
        !gem_buffer_create(r, fd, BATCH_SIZE, VA_BATCH, &batch)) {
        goto out;
    }
    memset(canary.map, CANARY_BYTE, CANARY_SIZE);
    len = attack(batch.map);
    kmsg = kmsg_follow(r);
    if (kmsg < 0 || !reset_stats(r, fd, ctx, &before)) {
        goto out;
    }
    err = gem_execute(fd, ctx, I915_EXEC_RENDER, &batch, 0, len, targets, 1);
    result_add(r, "execbuf", "%s", err ? strerror(err) : "accepted");
    if (!err) {
        err = gem_wait(fd, &canary);
        result_add(r, "wait", "%s", err ? strerror(err) : "idle");
        if (err) {
            goto out;               /* still running: not contained */
        }
    }
    if (!reset_stats(r, fd, ctx, &after)) {
        goto out;
    }
    result_add(r, "gpu_resets", "%u", after.reset_count - before.reset_count);
    result_add(r, "guilty", "%u", after.batch_active);
    /* Refused by i915 itself, or stopped: an engine or the GPU was reset for it. */
    contained = err != 0 || after.reset_count > before.reset_count || after.batch_active ||
                kmsg_saw_reset(r, kmsg);
    result_add(r, "contained", "%s", contained ? "yes" : "no");
    ok = contained && bytes_match(r, "canary", canary.map, canary_want, CANARY_SIZE);
    if (ok) {
        ok = next_batch_works(r, fd);
        result_add(r, "next_batch", "%s", ok ? "ok" : "failed");
    }
out:
    gem_buffer_free(fd, &batch);
    gem_buffer_free(fd, &canary);
    if (ctx) {
        gem_context_destroy(fd, ctx);
    }
    if (kmsg >= 0) {
        close(kmsg);
    }
    close(fd);
    return ok;
}

bool step_hostile_ggtt_store(struct result *r)
{
    return run_attack(r, attack_ggtt_store);
}

bool step_hostile_lri(struct result *r)
{
    return run_attack(r, attack_lri);
}

bool step_hostile_jump(struct result *r)
{
    return run_attack(r, attack_jump_out);
}

bool step_hostile_unterminated(struct result *r)
{
    return run_attack(r, attack_unterminated);
}

bool step_hostile_loop(struct result *r)
{
    return run_attack(r, attack_endless_loop);
}
