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
#include <string.h>
#include <time.h>

#include "mediator/types.h"
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

static inline void bench_ignore_write(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
}

/* The shared GGTT table's store and dirty bit, as the QEMU client does them. */
static uint64_t bench_ggtt[VGPU_GGTT_SIZE / 8];
static uint64_t bench_ggtt_dirty[VGPU_GGTT_SIZE / 8 / 64];

static inline void bench_ggtt_write(void *opaque, uint32_t index, uint64_t pte)
{
    __atomic_store_n(&bench_ggtt[index], pte, __ATOMIC_RELAXED);
    __atomic_fetch_or(&bench_ggtt_dirty[index / 64], 1ull << (index % 64), __ATOMIC_RELEASE);
}

static inline void bench_zero_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    memset(buf, 0, len);
}

static inline bool bench_ignore_ppgtt(void *opaque, bool create, uint64_t root)
{
    return true;
}

static inline bool bench_ignore_submit(void *opaque, enum gen9_engine engine, uint64_t desc0,
                                       uint32_t tail0, uint64_t desc1, uint32_t tail1)
{
    return true;
}

static inline void bench_ignore_reset(void *opaque, uint32_t mask)
{
}

static const struct vgpu_ops bench_ops = {
    .raise_msi = bench_ignore_msi, .write_guest = bench_ignore_write,
    .read_guest = bench_zero_read,
};
static const struct vgpu_mediator_ops bench_mediator_ops = {
    .ggtt_write = bench_ggtt_write, .ppgtt_notify = bench_ignore_ppgtt,
    .submit = bench_ignore_submit, .reset_engines = bench_ignore_reset,
};

/* gpumed-8 at the start of a 256 MiB aperture, 1 GiB of guest RAM. */
static inline struct vgpu *make_vgpu(void)
{
    struct vgpu_config config = {
        .name = "bench", .type = &med_vgpu_type_find("gpumed-8")->v,
        .host_aperture_size = VGPU_APERTURE_DEFAULT,
        .hidden_base = VGPU_APERTURE_DEFAULT, .ram_below_4g = 1ull << 30,
        .ggtt = bench_ggtt, .ops = &bench_ops, .mediator = &bench_mediator_ops,
    };
    struct vgpu *vgpu = vgpu_create(&config);

    if (!vgpu) {
        perror("vgpu_create");
        exit(1);
    }
    return vgpu;
}

#endif /* GPUMED_BENCH_VGPU_H */
