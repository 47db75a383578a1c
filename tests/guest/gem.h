/*
 * gem.h - the i915 uAPI helpers the GPU steps share (step-gem.c): buffers
 * soft-pinned at fixed PPGTT addresses, contexts, execbuffer2 and waits.
 * Functions taking a result record why they failed in it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_GUEST_GEM_H
#define GPUMED_GUEST_GEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent.h"

#define GEM_MAX_TARGETS 4

#define MI_BATCH_BUFFER_END     0x05000000u

struct gem_buffer {
    uint32_t handle;
    uint64_t size;
    uint64_t va;            /* where it is pinned in the context's PPGTT */
    void *map;              /* CPU mapping (write-back) */
};

/* /dev/dri/card0, or -1. */
int gem_open(struct result *r);
bool gem_buffer_create(struct result *r, int fd, uint64_t size, uint64_t va,
                       struct gem_buffer *b);
void gem_buffer_free(int fd, struct gem_buffer *b);
bool gem_context_create(struct result *r, int fd, uint32_t *ctx);
void gem_context_destroy(int fd, uint32_t ctx);
/* Frees @n contexts (0: none) with their batch and target buffers. */
void gem_contexts_free(int fd, unsigned n, uint32_t *ctx, struct gem_buffer *batch,
                       struct gem_buffer *target);

/* execbuffer2 of @batch [offset, offset + len) on @engine (I915_EXEC_*) in
 * @ctx (0: the file's default), @targets written; 0 or the errno. */
int gem_execute(int fd, uint32_t ctx, unsigned engine, const struct gem_buffer *batch,
                uint32_t batch_offset, uint32_t batch_len,
                const struct gem_buffer *const *targets, unsigned n_targets);
/* Wait until @b is idle: 0 or the errno (ETIME: too long). */
int gem_wait(int fd, const struct gem_buffer *b);
/* Whether the GPU still has work for @b (I915_GEM_BUSY, no wait): 0 or the
 * errno. */
int gem_busy(int fd, const struct gem_buffer *b, bool *busy);
/* The CPU is about to read what the GPU wrote (set-domain CPU). */
bool gem_cpu_read(struct result *r, int fd, const struct gem_buffer *b);
/* Execute, wait and make @target readable by the CPU. */
bool gem_run(struct result *r, int fd, uint32_t ctx, unsigned engine,
             const struct gem_buffer *batch, uint32_t batch_len,
             const struct gem_buffer *target);

/* Batch building: a store of @value at PPGTT @va; the end (returns bytes). */
uint32_t *emit_store(uint32_t *cs, uint64_t va, uint32_t value);
uint32_t emit_end(uint32_t *start, uint32_t *cs);
/* XY_SRC_COPY_BLT of a linear 32 bpp @width x @height rectangle (pitch
 * width * 4) from PPGTT @src_va to @dst_va; returns the next dword. */
uint32_t *emit_copy(uint32_t *cs, uint64_t dst_va, uint64_t src_va, uint32_t width,
                    uint32_t height);

bool bytes_match(struct result *r, const char *what, const uint8_t *got,
                 const uint8_t *want, size_t len);

#endif
