/*
 * bench-vgpu-mmio: what the vgpu library adds to a trapped access, and how
 * fast the guest's boot-time GGTT rewrite goes through it.
 *
 * Each figure is measured next to the cheapest alternative in the same run:
 *   - a register read/write through vgpu_bar0_read/write (table lookup,
 *     write semantics, handlers) against a plain load/store of the same
 *     storage, i.e. a register file without any model;
 *   - PTE writes through the GGTT path (partition and RAM checks, dirty
 *     tracking) against plain 64-bit stores into an 8 MiB array.
 * The trap itself (TCG or KVM exit into QEMU) is not included: the guest
 * test step mmio-cost measures the whole path as the guest sees it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench/vgpu/bench-vgpu.h"

#define ITERATIONS      (4u << 20)
#define UNTRACKED_REG   0x8000          /* storage, counted as untracked */
#define FUSE_REG        0x9120          /* GEN8_FUSE2: tracked, read-only */
#define MASKED_REG      0x209c          /* RING_MI_MODE(RCS): masked write */
#define PTES            (VGPU_GGTT_SIZE / 8)
#define PASSES          8
/* gpumed-8's partition: the aperture block, then the hidden block. */
#define APERTURE_PTES   ((32u << 20) / 4096)
#define HIDDEN_FIRST    (VGPU_APERTURE_DEFAULT / 4096)
#define HIDDEN_PTES     ((256u << 20) / 4096)

static double per_read_ns(struct vgpu *vgpu, uint32_t offset)
{
    volatile uint64_t sink = 0;
    double start = now_ns();

    for (unsigned i = 0; i < ITERATIONS; i++) {
        sink += vgpu_bar0_read(vgpu, offset, 4);
    }
    return (now_ns() - start) / ITERATIONS;
}

static double per_write_ns(struct vgpu *vgpu, uint32_t offset, uint32_t value)
{
    double start = now_ns();

    for (unsigned i = 0; i < ITERATIONS; i++) {
        vgpu_bar0_write(vgpu, offset, value ^ (i & 1), 4);
    }
    return (now_ns() - start) / ITERATIONS;
}

/* The model-free register file: a volatile array, so nothing is hoisted. */
static double plain_read_write_ns(volatile uint32_t *regs)
{
    double start = now_ns();

    for (unsigned i = 0; i < ITERATIONS; i++) {
        regs[(UNTRACKED_REG / 4 + i) & 0xff] = regs[i & 0xff] + i;
    }
    return (now_ns() - start) / ITERATIONS / 2;
}

/* The guest's boot-time scratch fill of its whole partition (contract 3.6). */
static double ggtt_pte_ns(struct vgpu *vgpu)
{
    double start = now_ns();

    for (unsigned pass = 0; pass < PASSES; pass++) {
        for (unsigned i = 0; i < APERTURE_PTES; i++) {
            vgpu_bar0_write(vgpu, VGPU_GGTT_OFFSET + 8ull * i, 0x100000 | 1, 8);
        }
        for (unsigned i = HIDDEN_FIRST; i < HIDDEN_FIRST + HIDDEN_PTES; i++) {
            vgpu_bar0_write(vgpu, VGPU_GGTT_OFFSET + 8ull * i, 0x100000 | 1, 8);
        }
    }
    return (now_ns() - start) / PASSES / (APERTURE_PTES + HIDDEN_PTES);
}

static double plain_pte_ns(volatile uint64_t *ggtt)
{
    double start = now_ns();

    for (unsigned i = 0; i < PTES; i++) {
        ggtt[i] = 0x100000 | 1;
    }
    return (now_ns() - start) / PTES;
}

int main(void)
{
    struct vgpu *vgpu = make_vgpu();
    volatile uint32_t *regs = calloc(VGPU_MMIO_SIZE / 4, sizeof(uint32_t));
    volatile uint64_t *ggtt = calloc(PTES, sizeof(uint64_t));
    double read_untracked, read_tracked, write_masked, plain, pte, pte_plain;

    if (!regs || !ggtt) {
        perror("calloc");
        return 1;
    }
    read_untracked = per_read_ns(vgpu, UNTRACKED_REG);
    read_tracked = per_read_ns(vgpu, FUSE_REG);
    write_masked = per_write_ns(vgpu, MASKED_REG, 0x01000100);
    plain = plain_read_write_ns(regs);
    pte = ggtt_pte_ns(vgpu);
    pte_plain = plain_pte_ns(ggtt);

    printf("BENCH vgpu-mmio-read-tracked %.1f ns\n", read_tracked);
    printf("BENCH vgpu-mmio-read-untracked %.1f ns\n", read_untracked);
    printf("BENCH vgpu-mmio-write-masked %.1f ns\n", write_masked);
    printf("BENCH vgpu-mmio-plain-access %.2f ns\n", plain);
    printf("BENCH vgpu-mmio-read-vs-plain %.1f ratio\n", read_tracked / plain);
    printf("BENCH vgpu-ggtt-pte-write %.1f ns\n", pte);
    printf("BENCH vgpu-ggtt-pte-write-rate %.1f Mpte/s\n", 1e3 / pte);
    printf("BENCH vgpu-ggtt-1m-ptes %.2f ms\n", pte * PTES / 1e6);
    printf("BENCH vgpu-ggtt-plain-pte-store %.2f ns\n", pte_plain);
    printf("BENCH vgpu-ggtt-pte-vs-plain %.1f ratio\n", pte / pte_plain);
    vgpu_destroy(vgpu);
    free((void *)regs);
    free((void *)ggtt);
    return 0;
}
