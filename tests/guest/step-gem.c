/*
 * Steps that run GPU work through the i915 uAPI (GEM create, mmap,
 * execbuffer2, wait), as any userspace driver would: stores, blits, a long
 * loop of batches and two interleaved contexts, each result checked byte
 * for byte.  Raw ioctls on the kernel's uAPI header (libdrm's copy of it;
 * libdrm itself is not linked).  Buffers are soft-pinned at fixed PPGTT
 * addresses so that batches need no relocations.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libdrm/i915_drm.h>

#include "agent.h"
#include "gem.h"

#define CARD "/dev/dri/card0"
#define WAIT_NS (30ll * 1000 * 1000 * 1000)    /* TCG is slow; hangs take ~10 s */

/* Commands (contract 6.6; blitter: PRM vol 2a). */
#define MI_STORE_DWORD_IMM      0x10000002u     /* PPGTT address, 4 dwords */
#define XY_COLOR_BLT            (0x54000000u | 3u << 20 | (7 - 2))
#define XY_SRC_COPY_BLT         (0x54c00000u | 3u << 20 | (10 - 2))
#define BLT_32BPP               (3u << 24)
#define ROP_PATCOPY             (0xf0u << 16)
#define ROP_SRCCOPY             (0xccu << 16)

/* Where buffers sit in each context's PPGTT (16 MiB apart: a frame fits). */
#define VA_TARGET               0x00100000ull
#define VA_TARGET2              0x01000000ull
#define VA_BATCH                0x02000000ull
#define VA_SOURCE               0x03000000ull

int gem_open(struct result *r)
{
    int fd = open(CARD, O_RDWR | O_CLOEXEC);

    if (fd < 0) {
        result_add(r, "error", "%s:%s", CARD, strerror(errno));
    }
    return fd;
}

static bool ioctl_ok(struct result *r, int fd, unsigned long request, void *arg,
                     const char *what)
{
    int ret;

    do {
        ret = ioctl(fd, request, arg);
    } while (ret < 0 && (errno == EINTR || errno == EAGAIN));
    if (ret < 0) {
        result_add(r, "error", "%s:%s", what, strerror(errno));
        return false;
    }
    return true;
}

bool gem_buffer_create(struct result *r, int fd, uint64_t size, uint64_t va,
                       struct gem_buffer *b)
{
    struct drm_i915_gem_create create = { .size = size };
    struct drm_i915_gem_mmap_offset map = { .flags = I915_MMAP_OFFSET_WB };

    memset(b, 0, sizeof(*b));
    if (!ioctl_ok(r, fd, DRM_IOCTL_I915_GEM_CREATE, &create, "gem_create")) {
        return false;
    }
    b->handle = create.handle;
    b->size = size;
    b->va = va;
    map.handle = b->handle;
    if (!ioctl_ok(r, fd, DRM_IOCTL_I915_GEM_MMAP_OFFSET, &map, "gem_mmap_offset")) {
        return false;
    }
    b->map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, map.offset);
    if (b->map == MAP_FAILED) {
        b->map = NULL;
        result_add(r, "error", "mmap:%s", strerror(errno));
        return false;
    }
    return true;
}

void gem_buffer_free(int fd, struct gem_buffer *b)
{
    struct drm_gem_close close_arg = { .handle = b->handle };

    if (b->map) {
        munmap(b->map, b->size);
    }
    if (b->handle) {
        ioctl(fd, DRM_IOCTL_GEM_CLOSE, &close_arg);
    }
    memset(b, 0, sizeof(*b));
}

bool gem_cpu_read(struct result *r, int fd, const struct gem_buffer *b)
{
    struct drm_i915_gem_set_domain domain = {
        .handle = b->handle, .read_domains = I915_GEM_DOMAIN_CPU,
    };

    return ioctl_ok(r, fd, DRM_IOCTL_I915_GEM_SET_DOMAIN, &domain, "set_domain");
}

bool gem_context_create(struct result *r, int fd, uint32_t *ctx)
{
    struct drm_i915_gem_context_create create = { 0 };

    if (!ioctl_ok(r, fd, DRM_IOCTL_I915_GEM_CONTEXT_CREATE, &create, "context_create")) {
        return false;
    }
    *ctx = create.ctx_id;
    return true;
}

void gem_context_destroy(int fd, uint32_t ctx)
{
    struct drm_i915_gem_context_destroy destroy = { .ctx_id = ctx };

    ioctl(fd, DRM_IOCTL_I915_GEM_CONTEXT_DESTROY, &destroy);
}

/*
 * Run @batch from @batch_offset (bytes, @batch_len of them) on @engine in
 * @ctx, with @targets written by it; all soft-pinned at their va.  Returns
 * the execbuf errno (0 on success).
 */
int gem_execute(int fd, uint32_t ctx, unsigned engine, const struct gem_buffer *batch,
                uint32_t batch_offset, uint32_t batch_len,
                const struct gem_buffer *const *targets, unsigned n_targets)
{
    struct drm_i915_gem_exec_object2 objects[GEM_MAX_TARGETS + 1];
    struct drm_i915_gem_execbuffer2 eb = {
        .buffers_ptr = (uintptr_t)objects, .buffer_count = n_targets + 1,
        .batch_start_offset = batch_offset, .batch_len = batch_len,
        .flags = engine | I915_EXEC_NO_RELOC,
    };
    int ret;

    if (n_targets > GEM_MAX_TARGETS) {
        return EINVAL;
    }
    for (unsigned i = 0; i <= n_targets; i++) {
        const struct gem_buffer *b = i < n_targets ? targets[i] : batch;

        objects[i] = (struct drm_i915_gem_exec_object2) {
            .handle = b->handle, .offset = b->va,
            .flags = EXEC_OBJECT_PINNED | EXEC_OBJECT_SUPPORTS_48B_ADDRESS |
                     (i < n_targets ? EXEC_OBJECT_WRITE : 0),
        };
    }
    i915_execbuffer2_set_context_id(eb, ctx);
    do {
        ret = ioctl(fd, DRM_IOCTL_I915_GEM_EXECBUFFER2, &eb);
    } while (ret < 0 && (errno == EINTR || errno == EAGAIN));
    return ret < 0 ? errno : 0;
}

/* Wait for @b to be idle: 0, or the errno (ETIME when it took too long). */
int gem_wait(int fd, const struct gem_buffer *b)
{
    struct drm_i915_gem_wait wait = { .bo_handle = b->handle, .timeout_ns = WAIT_NS };
    int ret;

    do {
        ret = ioctl(fd, DRM_IOCTL_I915_GEM_WAIT, &wait);
    } while (ret < 0 && (errno == EINTR || errno == EAGAIN));
    return ret < 0 ? errno : 0;
}

int gem_busy(int fd, const struct gem_buffer *b, bool *busy)
{
    struct drm_i915_gem_busy query = { .handle = b->handle };
    int ret;

    do {
        ret = ioctl(fd, DRM_IOCTL_I915_GEM_BUSY, &query);
    } while (ret < 0 && (errno == EINTR || errno == EAGAIN));
    *busy = query.busy != 0;
    return ret < 0 ? errno : 0;
}

bool gem_run(struct result *r, int fd, uint32_t ctx, unsigned engine,
             const struct gem_buffer *batch, uint32_t batch_len,
             const struct gem_buffer *target)
{
    int err = gem_execute(fd, ctx, engine, batch, 0, batch_len, &target, 1);

    if (err) {
        result_add(r, "error", "execbuffer2:%s", strerror(err));
        return false;
    }
    err = gem_wait(fd, target);
    if (err) {
        result_add(r, "error", "gem_wait:%s", strerror(err));
        return false;
    }
    return gem_cpu_read(r, fd, target);
}

/* Appends MI_STORE_DWORD_IMM of @value to @va; returns the next dword. */
uint32_t *emit_store(uint32_t *cs, uint64_t va, uint32_t value)
{
    *cs++ = MI_STORE_DWORD_IMM;
    *cs++ = (uint32_t)va;
    *cs++ = va >> 32;
    *cs++ = value;
    return cs;
}

uint32_t *emit_copy(uint32_t *cs, uint64_t dst_va, uint64_t src_va, uint32_t width,
                    uint32_t height)
{
    const uint32_t pitch = width * 4;

    *cs++ = XY_SRC_COPY_BLT;
    *cs++ = BLT_32BPP | ROP_SRCCOPY | pitch;
    *cs++ = 0;
    *cs++ = height << 16 | width;
    *cs++ = (uint32_t)dst_va;
    *cs++ = dst_va >> 32;
    *cs++ = 0;
    *cs++ = pitch;
    *cs++ = (uint32_t)src_va;
    *cs++ = src_va >> 32;
    return cs;
}

/* Ends a batch (padded to a qword); returns its length in bytes. */
uint32_t emit_end(uint32_t *start, uint32_t *cs)
{
    *cs++ = MI_BATCH_BUFFER_END;
    if ((cs - start) % 2) {
        *cs++ = 0;
    }
    return (cs - start) * 4;
}

/* Compares @len bytes with @want; logs the first difference. */
bool bytes_match(struct result *r, const char *what, const uint8_t *got,
                 const uint8_t *want, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (got[i] != want[i]) {
            result_add(r, "mismatch", "%s+0x%zx:0x%02x!=0x%02x", what, i, got[i], want[i]);
            return false;
        }
    }
    return true;
}

/* Several stores in one batch on the render engine. */
bool step_gem_store(struct result *r)
{
    enum { STORES = 64, SIZE = 4096 };
    struct gem_buffer batch, target;
    uint8_t want[SIZE] = { 0 };
    uint32_t *cs, len;
    bool ok = false;
    int fd = gem_open(r);

    if (fd < 0) {
        return false;
    }
    if (!gem_buffer_create(r, fd, SIZE, VA_TARGET, &target) ||
        !gem_buffer_create(r, fd, SIZE, VA_BATCH, &batch)) {
        goto out;
    }
    cs = batch.map;
    for (uint32_t i = 0; i < STORES; i++) {
        uint32_t value = 0x5a000000 | i << 8 | (i ^ 0xa5);

        cs = emit_store(cs, VA_TARGET + 8 * i, value);
        memcpy(want + 8 * i, &value, 4);
    }
    len = emit_end(batch.map, cs);
    ok = gem_run(r, fd, 0, I915_EXEC_RENDER, &batch, len, &target) &&
         bytes_match(r, "target", target.map, want, SIZE);
    result_add(r, "stores", "%d", STORES);
out:
    gem_buffer_free(fd, &batch);
    gem_buffer_free(fd, &target);
    close(fd);
    return ok;
}

/*
 * The mediator dies under the running guest (the host hook kills it when
 * asked): a store before it works; after it, execbuffer and the wait
 * return (an error, i915 giving up on the hung engine, or the wait's
 * timeout) instead of hanging the guest, and the store never lands: the
 * vGPU reports the loss as hung engines (docs/vgpu.md).
 */
bool step_mediator_loss(struct result *r)
{
    enum { BEFORE = 0x600d, AFTER = 0xdead };
    struct gem_buffer batch, target;
    const struct gem_buffer *targets[1] = { &target };
    const volatile uint32_t *value;
    uint32_t len;
    double start;
    bool ok = false;
    int err, fd = gem_open(r);

    if (fd < 0) {
        return false;
    }
    if (!gem_buffer_create(r, fd, 4096, VA_TARGET, &target) ||
        !gem_buffer_create(r, fd, 4096, VA_BATCH, &batch)) {
        goto out;
    }
    value = target.map;
    len = emit_end(batch.map, emit_store(batch.map, VA_TARGET, BEFORE));
    if (!gem_run(r, fd, 0, I915_EXEC_RENDER, &batch, len, &target) || *value != BEFORE) {
        result_add(r, "error", "the store before the loss did not land");
        goto out;
    }
    if (!host_sync(r, "kill=mediator")) {
        goto out;
    }
    len = emit_end(batch.map, emit_store(batch.map, VA_TARGET, AFTER));
    start = boottime_ms();
    err = gem_execute(fd, 0, I915_EXEC_RENDER, &batch, 0, len, targets, 1);
    if (!err) {
        err = gem_wait(fd, &target);
    }
    result_add(r, "after_loss", "%s", err ? strerror(err) : "retired");
    result_add(r, "returned_ms", "%.0f", boottime_ms() - start);
    ok = *value != AFTER;
    if (!ok) {
        result_add(r, "error", "a store landed with no mediator");
    }
out:
    gem_buffer_free(fd, &batch);
    gem_buffer_free(fd, &target);
    close(fd);
    return ok;
}

/* A 1920x1080 32-bit fill and copy on the blitter. */
bool step_gem_blit(struct result *r)
{
    enum { WIDTH = 1920, HEIGHT = 1080, PITCH = WIDTH * 4, SIZE = PITCH * HEIGHT };
    const uint32_t color = 0x00c0ffee;
    struct gem_buffer batch, src, fill, copy;
    /* The source too: only objects in the execbuf are bound in the PPGTT. */
    const struct gem_buffer *targets[3] = { &fill, &copy, &src };
    uint32_t *cs, len, *want = malloc(SIZE);
    bool ok = false;
    int err, fd = gem_open(r);

    if (fd < 0 || !want) {
        free(want);
        return false;
    }
    if (!gem_buffer_create(r, fd, SIZE, VA_SOURCE, &src) ||
        !gem_buffer_create(r, fd, SIZE, VA_TARGET, &fill) ||
        !gem_buffer_create(r, fd, SIZE, VA_TARGET2, &copy) ||
        !gem_buffer_create(r, fd, 4096, VA_BATCH, &batch)) {
        goto out;
    }
    for (uint32_t i = 0; i < SIZE / 4; i++) {
        ((uint32_t *)src.map)[i] = i * 2654435761u;     /* no two rows alike */
    }
    cs = batch.map;
    *cs++ = XY_COLOR_BLT;
    *cs++ = BLT_32BPP | ROP_PATCOPY | PITCH;
    *cs++ = 0;
    *cs++ = HEIGHT << 16 | WIDTH;
    *cs++ = (uint32_t)fill.va;
    *cs++ = fill.va >> 32;
    *cs++ = color;
    len = emit_end(batch.map, emit_copy(cs, copy.va, src.va, WIDTH, HEIGHT));
    err = gem_execute(fd, 0, I915_EXEC_BLT, &batch, 0, len, targets, 3);
    if (err) {
        result_add(r, "error", "execbuffer2:%s", strerror(err));
        goto out;
    }
    err = gem_wait(fd, &copy);
    if (err || (err = gem_wait(fd, &fill))) {
        result_add(r, "error", "gem_wait:%s", strerror(err));
        goto out;
    }
    if (!gem_cpu_read(r, fd, &fill) || !gem_cpu_read(r, fd, &copy)) {
        goto out;
    }
    for (uint32_t i = 0; i < SIZE / 4; i++) {
        want[i] = color;
    }
    ok = bytes_match(r, "fill", fill.map, (const uint8_t *)want, SIZE) &&
         bytes_match(r, "copy", copy.map, src.map, SIZE);
    result_add(r, "bytes", "%d", SIZE);
out:
    gem_buffer_free(fd, &batch);
    gem_buffer_free(fd, &src);
    gem_buffer_free(fd, &fill);
    gem_buffer_free(fd, &copy);
    free(want);
    close(fd);
    return ok;
}

/* 1,000 batches, each storing its number into its own dword. */
bool step_gem_loop(struct result *r)
{
    enum { BATCHES = 1000, SLOT = 32, SIZE = 4096 };
    struct gem_buffer batch, target;
    const struct gem_buffer *targets[1] = { &target };
    uint32_t want[SIZE / 4] = { 0 };
    double start;
    bool ok = false;
    int err = 0, fd = gem_open(r);

    if (fd < 0) {
        return false;
    }
    if (!gem_buffer_create(r, fd, SIZE, VA_TARGET, &target) ||
        !gem_buffer_create(r, fd, BATCHES * SLOT, VA_BATCH, &batch)) {
        goto out;
    }
    for (uint32_t i = 0; i < BATCHES; i++) {
        uint32_t *slot = (uint32_t *)((uint8_t *)batch.map + i * SLOT);

        emit_end(slot, emit_store(slot, VA_TARGET + 4 * i, ~i));
        want[i] = ~i;
    }
    start = boottime_ms();
    for (uint32_t i = 0; i < BATCHES && !err; i++) {
        err = gem_execute(fd, 0, I915_EXEC_RENDER, &batch, i * SLOT, SLOT, targets, 1);
    }
    if (err) {
        result_add(r, "error", "execbuffer2:%s", strerror(err));
        goto out;
    }
    if ((err = gem_wait(fd, &target))) {
        result_add(r, "error", "gem_wait:%s", strerror(err));
        goto out;
    }
    result_add(r, "batches", "%d", BATCHES);
    result_add(r, "ms", "%.0f", boottime_ms() - start);
    ok = gem_cpu_read(r, fd, &target) &&
         bytes_match(r, "target", target.map, (const uint8_t *)want, SIZE);
out:
    gem_buffer_free(fd, &batch);
    gem_buffer_free(fd, &target);
    close(fd);
    return ok;
}

void gem_contexts_free(int fd, unsigned n, uint32_t *ctx, struct gem_buffer *batch,
                       struct gem_buffer *target)
{
    for (unsigned c = 0; c < n; c++) {
        gem_buffer_free(fd, &batch[c]);
        gem_buffer_free(fd, &target[c]);
        if (ctx[c]) {
            gem_context_destroy(fd, ctx[c]);
        }
    }
}

/* Two contexts, each with its own buffer, submitted alternately. */
bool step_gem_contexts(struct result *r)
{
    enum { ROUNDS = 50, SLOT = 32, SIZE = 4096 };
    struct gem_buffer batch[2], target[2];
    uint32_t ctx[2] = { 0, 0 }, want[2][SIZE / 4];
    bool ok = false;
    int err = 0, fd = gem_open(r);

    if (fd < 0) {
        return false;
    }
    memset(batch, 0, sizeof(batch));
    memset(target, 0, sizeof(target));
    memset(want, 0, sizeof(want));
    for (unsigned c = 0; c < 2; c++) {
        if (!gem_context_create(r, fd, &ctx[c]) ||
            !gem_buffer_create(r, fd, SIZE, VA_TARGET, &target[c]) ||
            !gem_buffer_create(r, fd, ROUNDS * SLOT, VA_BATCH, &batch[c])) {
            goto out;
        }
        for (uint32_t i = 0; i < ROUNDS; i++) {
            uint32_t *slot = (uint32_t *)((uint8_t *)batch[c].map + i * SLOT);
            uint32_t value = (c ? 0xbb000000 : 0xaa000000) | i;

            /* The same PPGTT address in both: each context has its own PPGTT. */
            emit_end(slot, emit_store(slot, VA_TARGET + 4 * i, value));
            want[c][i] = value;
        }
    }
    for (uint32_t i = 0; i < ROUNDS && !err; i++) {
        for (unsigned c = 0; c < 2 && !err; c++) {
            const struct gem_buffer *t = &target[c];

            err = gem_execute(fd, ctx[c], I915_EXEC_RENDER, &batch[c], i * SLOT, SLOT, &t, 1);
        }
    }
    if (err) {
        result_add(r, "error", "execbuffer2:%s", strerror(err));
        goto out;
    }
    ok = true;
    for (unsigned c = 0; c < 2 && ok; c++) {
        if ((err = gem_wait(fd, &target[c]))) {
            result_add(r, "error", "gem_wait:%s", strerror(err));
            ok = false;
            break;
        }
        ok = gem_cpu_read(r, fd, &target[c]) &&
             bytes_match(r, c ? "context-b" : "context-a", target[c].map,
                         (const uint8_t *)want[c], SIZE);
    }
    result_add(r, "batches", "%d", 2 * ROUNDS);
out:
    gem_contexts_free(fd, 2, ctx, batch, target);
    close(fd);
    return ok;
}
