/*
 * native.h - the native driver: drives a pgpu backend directly, as a host
 * kernel driver drives the hardware.  It allocates memory and maps it for
 * DMA, builds the GGTT and 4-level PPGTTs, writes logical ring contexts and
 * rings, submits through the ELSP and follows the CSB.  It is the native
 * baseline every mediated figure is compared with, and how the model is
 * tested (tests/unit/pgpu, bench/pgpu, gpumed-native).
 *
 * One struct native is used by one thread at a time, except for its
 * interrupt handler.  Errors: NULL or -errno; the backend's own faults are
 * reported by native_wait() as -EIO.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_PGPU_NATIVE_H
#define GPUMED_PGPU_NATIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "pgpu/pgpu.h"

#define NATIVE_RING_SIZE    (64u * 1024)
/* Where a context's breadcrumbs write its seqno: page 0 of its image (the
 * per-process status page), through the GGTT. */
#define NATIVE_SEQNO_OFFSET 0x100

struct native;
struct native_vm;
struct native_ctx;

/* Host memory the GPU can reach: DMA-mapped at @bus, and bound in the GGTT
 * at @ggtt (0 when not bound). */
struct native_bo {
    void *map;
    uint64_t size;
    uint64_t bus;
    uint64_t ggtt;
};

/* Create the backend from @ops and @config and bring its engines up in
 * execlist mode with interrupts enabled. */
struct native *native_open(const struct pgpu_ops *ops, const struct pgpu_config *config);
void native_close(struct native *n);
struct pgpu *native_gpu(struct native *n);

/* Zeroed memory of @size bytes (rounded up to pages); in the GGTT if
 * @ggtt.  Freed by native_close() if not before. */
struct native_bo *native_bo_new(struct native *n, uint64_t size, bool ggtt);
void native_bo_free(struct native *n, struct native_bo *bo);

/* A 4-level PPGTT; bind maps @bo's pages at PPGTT address @addr. */
struct native_vm *native_vm_new(struct native *n);
int native_vm_bind(struct native_vm *vm, const struct native_bo *bo, uint64_t addr);
/* Clear the present bit of one page's PTE (for fault tests; the address
 * stays, so the GPU must fault on the bit alone). */
int native_vm_unbind_page(struct native_vm *vm, uint64_t addr);

/* A context on @engine running in @vm, with its own ring and seqno. */
struct native_ctx *native_ctx_new(struct native *n, enum gen9_engine engine,
                                  struct native_vm *vm);
/* The context image, for inspection (register state page at +4096). */
const struct native_bo *native_ctx_image(const struct native_ctx *ctx);

/*
 * Builders shared with a guest-like driver (tests/harness), which writes
 * the same structures into guest memory instead of DMA-mapped memory.
 */
/* Fill @state, page 1 of a Gen9 context image: a ring at GGTT @ring_ggtt of
 * @ring_size bytes (a page multiple), a 4-level PPGTT rooted at @pml4. */
void native_lrc_init(uint32_t *state, enum gen9_engine engine, uint32_t ring_ggtt,
                     uint32_t ring_size, uint64_t pml4);
/* The ELSP element of the context image at GGTT @lrca with ID @ctx_id. */
uint64_t native_ctx_desc(uint64_t lrca, uint32_t ctx_id);
/* A seqno write of @seqno to GGTT @slot (PIPE_CONTROL on RCS, MI_FLUSH_DW
 * elsewhere) then MI_USER_INTERRUPT: fills @cmd, returns its dword count. */
#define NATIVE_BREADCRUMB_MAX   7
unsigned native_breadcrumb(enum gen9_engine engine, uint64_t slot, uint32_t seqno,
                           uint32_t cmd[NATIVE_BREADCRUMB_MAX]);

/* Append commands; waits for ring space when needed. */
void native_emit(struct native_ctx *ctx, const uint32_t *dw, unsigned count);
/* Append MI_BATCH_BUFFER_START of a batch at @addr (PPGTT or GGTT). */
void native_emit_batch(struct native_ctx *ctx, uint64_t addr, bool ppgtt);
/* Append a seqno write and MI_USER_INTERRUPT; returns that seqno. */
uint32_t native_emit_breadcrumb(struct native_ctx *ctx);
/* Hand the ring's new tail to the engine (ELSP). */
int native_submit(struct native_ctx *ctx);
/* Submit two contexts of one engine as an ELSP pair (port 0 runs first). */
int native_submit_pair(struct native_ctx *first, struct native_ctx *second);
/* Wait until @seqno completed: 0, -ETIMEDOUT, -EIO if the engine stopped
 * the context (fault, bad command, hang), or -EPIPE if @seqno was submitted
 * and the engine went idle without reaching it (a lost completion). */
int native_wait(struct native_ctx *ctx, uint32_t seqno, unsigned timeout_ms);
uint32_t native_ctx_seqno(const struct native_ctx *ctx);

/* Wait until the engine has no context: 0 or -ETIMEDOUT. */
int native_wait_idle(struct native *n, enum gen9_engine engine, unsigned timeout_ms);
/* Reset @engine and forget what ran on it; its contexts' rings restart empty. */
void native_reset_engine(struct native *n, enum gen9_engine engine);
/* CSB events seen on @engine since open. */
uint64_t native_csb_events(const struct native *n, enum gen9_engine engine);

#endif /* GPUMED_PGPU_NATIVE_H */
