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
 * The trap itself (TCG or KVM exit into QEMU) is not included: the
 * guest-mmio-cost benchmark measures the whole path as the guest sees it.
 * Every kind alike (bench/bench-stats.h): one untimed pass of each first
 * (the plain arrays' pages are touched there, as the library's are), then
 * RUNS runs, interleaved, each the mean over its accesses.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench/bench-stats.h"
#include "bench/vgpu/bench-vgpu.h"
#include "gen9/regs.h"

#define ITERATIONS      (4u << 20)
#define UNTRACKED_REG   0x8000          /* storage, counted as untracked */
#define FUSE_REG        GEN8_FUSE2      /* tracked, read-only */
#define MASKED_REG      (RENDER_RING_BASE + RING_MI_MODE)  /* masked write */
#define PTES            (VGPU_GGTT_SIZE / 8)
#define RUNS            5
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

    for (unsigned i = 0; i < APERTURE_PTES; i++) {
        vgpu_bar0_write(vgpu, VGPU_GGTT_OFFSET + 8ull * i, 0x100000 | 1, 8);
    }
    for (unsigned i = HIDDEN_FIRST; i < HIDDEN_FIRST + HIDDEN_PTES; i++) {
        vgpu_bar0_write(vgpu, VGPU_GGTT_OFFSET + 8ull * i, 0x100000 | 1, 8);
    }
    return (now_ns() - start) / (APERTURE_PTES + HIDDEN_PTES);
}

static double plain_pte_ns(volatile uint64_t *ggtt)
{
    double start = now_ns();

    for (unsigned i = 0; i < PTES; i++) {
        ggtt[i] = 0x100000 | 1;
    }
    return (now_ns() - start) / PTES;
}

enum kind { READ_TRACKED, READ_UNTRACKED, WRITE_MASKED, PLAIN, PTE, PTE_PLAIN, KINDS };

/* One run of @k: mean ns per access. */
static double run_kind(enum kind k, struct vgpu *vgpu, volatile uint32_t *regs,
                       volatile uint64_t *ggtt)
{
    switch (k) {
    case READ_TRACKED:
        return per_read_ns(vgpu, FUSE_REG);
    case READ_UNTRACKED:
        return per_read_ns(vgpu, UNTRACKED_REG);
    case WRITE_MASKED:
        return per_write_ns(vgpu, MASKED_REG, 0x01000100);
    case PLAIN:
        return plain_read_write_ns(regs);
    case PTE:
        return ggtt_pte_ns(vgpu);
    default:
        return plain_pte_ns(ggtt);
    }
}

int main(void)
{
    static const struct {
        const char *name;
        int decimals;
    } lines[KINDS] = {
        [READ_TRACKED] = { "vgpu-mmio-read-tracked", 1 },
        [READ_UNTRACKED] = { "vgpu-mmio-read-untracked", 1 },
        [WRITE_MASKED] = { "vgpu-mmio-write-masked", 1 },
        [PLAIN] = { "vgpu-mmio-plain-access", 2 },
        [PTE] = { "vgpu-ggtt-pte-write", 1 },
        [PTE_PLAIN] = { "vgpu-ggtt-plain-pte-store", 2 },
    };
    struct vgpu *vgpu = make_vgpu();
    volatile uint32_t *regs = calloc(VGPU_MMIO_SIZE / 4, sizeof(uint32_t));
    volatile uint64_t *ggtt = calloc(PTES, sizeof(uint64_t));
    double ns[KINDS][RUNS];
    struct bench_stat st[KINDS];

    if (!regs || !ggtt) {
        perror("calloc");
        return 1;
    }
    for (enum kind k = 0; k < KINDS; k++) {
        run_kind(k, vgpu, regs, ggtt);                  /* warm-up */
    }
    for (unsigned r = 0; r < RUNS; r++) {
        for (enum kind k = 0; k < KINDS; k++) {
            ns[k][r] = run_kind(k, vgpu, regs, ggtt);
        }
    }
    for (enum kind k = 0; k < KINDS; k++) {
        st[k] = bench_stat_of(ns[k], RUNS);
        bench_print_stat(lines[k].name, "ns", lines[k].decimals, st[k]);
    }
    printf("BENCH vgpu-mmio-read-vs-plain %.1f ratio\n", st[READ_TRACKED].median / st[PLAIN].median);
    printf("BENCH vgpu-ggtt-pte-write-rate %.1f Mpte/s\n", 1e3 / st[PTE].median);
    printf("BENCH vgpu-ggtt-1m-ptes %.2f ms\n", st[PTE].median * PTES / 1e6);
    printf("BENCH vgpu-ggtt-pte-vs-plain %.1f ratio\n", st[PTE].median / st[PTE_PLAIN].median);
    vgpu_destroy(vgpu);
    free((void *)regs);
    free((void *)ggtt);
    return 0;
}
