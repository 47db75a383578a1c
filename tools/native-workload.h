/*
 * native-workload.h - the mixed RCS + BCS acceptance workload of the native
 * driver: many small batches, every result checked against the CPU.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_PGPU_NATIVE_WORKLOAD_H
#define GPUMED_PGPU_NATIVE_WORKLOAD_H

#include <stdint.h>

#include "pgpu/native.h"

struct workload_result {
    uint64_t batches;       /* batches executed and checked */
    uint64_t mismatches;    /* batches whose memory result was wrong */
    uint64_t digest;        /* FNV-1a over every checked result, in order */
    int error;              /* 0, or the -errno that stopped the run */
};

/* Run @batches batches (alternating RCS stores and BCS blits) generated
 * from @seed on a fresh set of contexts of @n. */
struct workload_result native_mixed_workload(struct native *n, unsigned batches,
                                             uint32_t seed);

#endif /* GPUMED_PGPU_NATIVE_WORKLOAD_H */
