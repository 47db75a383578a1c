/*
 * fixture.h - a native driver on a fresh model for the pgpu unit tests:
 * one context per engine in one PPGTT, a batch buffer and a data buffer
 * mapped in both the PPGTT and the GGTT.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_TESTS_PGPU_FIXTURE_H
#define GPUMED_TESTS_PGPU_FIXTURE_H

#include <stdint.h>

#include "pgpu/native.h"
#include "pgpu/skl-regs.h"

#define FIX_BATCH_VA        0x600000000ull
#define FIX_DATA_VA         0x7000000000ull     /* beyond 4 GiB: a full 4-level walk */
#define FIX_BUFFER_SIZE     (256u * 1024)
#define FIX_HANG_TIMEOUT_MS 100
#define FIX_WAIT_MS         5000
#define FIX_PATIENT_HANG_TIMEOUT_MS 60000   /* for long command streams */

struct fixture {
    struct native *n;
    struct pgpu *gpu;
    struct native_vm *vm;
    struct native_ctx *ctx[GEN9_NUM_ENGINES];
    struct native_bo *batch;
    struct native_bo *data;
};

int fixture_setup(void **state);
/* The same with the longest hang timeout: for streams that must not hang. */
int fixture_setup_patient(void **state);
/* The same with @hang_timeout_ms and the GPU's threads calling @host's hooks. */
int fixture_setup_host(void **state, unsigned hang_timeout_ms, const struct pgpu_host *host);
int fixture_teardown(void **state);

/* Run @count command dwords (MI_BATCH_BUFFER_END is appended) as a PPGTT
 * batch on @engine and wait: 0, or what native_wait() returned. */
int fixture_run(struct fixture *f, enum gen9_engine engine, const uint32_t *cmds,
                unsigned count);
uint32_t *fixture_data(struct fixture *f);
uint32_t fixture_reg(struct fixture *f, uint32_t offset);
void fixture_set_reg(struct fixture *f, uint32_t offset, uint32_t value);
struct pgpu_stats fixture_stats(struct fixture *f);
uint32_t fixture_engine_reg(enum gen9_engine engine, uint32_t rel);

#endif /* GPUMED_TESTS_PGPU_FIXTURE_H */
