/*
 * bench-vgpu.h - what the vGPU benchmarks share: a clock and a vGPU of the
 * smallest type with its MSIs ignored.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_BENCH_VGPU_H
#define GPUMED_BENCH_VGPU_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "vgpu/vgpu.h"

static inline double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static inline void bench_ignore_msi(void *opaque)
{
}

static const struct vgpu_ops bench_ops = { .raise_msi = bench_ignore_msi };

/* gpumed-8 at the start of a 256 MiB aperture, 1 GiB of guest RAM. */
static inline struct vgpu *make_vgpu(void)
{
    struct vgpu_config config = {
        .name = "bench", .type = vgpu_type_find("gpumed-8"),
        .host_aperture_size = VGPU_APERTURE_DEFAULT,
        .hidden_base = VGPU_APERTURE_DEFAULT, .ram_below_4g = 1ull << 30,
        .ops = &bench_ops,
    };
    struct vgpu *vgpu = vgpu_create(&config);

    if (!vgpu) {
        perror("vgpu_create");
        exit(1);
    }
    return vgpu;
}

#endif /* GPUMED_BENCH_VGPU_H */
