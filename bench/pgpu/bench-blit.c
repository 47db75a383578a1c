/*
 * bench-pgpu-blit: XY_SRC_COPY_BLT bandwidth of the model's blitter against
 * memcpy() of the same buffers in the same run (the physical limit of a
 * software blitter on this machine), at 1920x1080 and 3840x2160, 32 bpp.
 * A blit is timed twice: by the engine's own timestamps (MI_FLUSH_DW
 * timestamp writes around it: the blitter's bandwidth), and end to end
 * (submission to completion interrupt, which adds two thread wake-ups).
 * Before every timed copy, either kind, the caches are flushed
 * by writing a buffer larger than the last-level cache, so that both start
 * from memory as a GPU blit does; the copies then differ only in who does
 * them.  Both kinds alike (bench/bench-stats.h): one untimed copy of each
 * kind first, then RUNS runs, interleaved; median, least and greatest,
 * ratios of medians.  Then how long a dma_map waits while the blitter
 * runs a batch of such copies (what the mediator's thread waits when a
 * vGPU's memory is first mapped).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench-common.h"
#include "bench/bench-stats.h"
#include "pgpu/skl-regs.h"

#define SRC_VA      0x100000000ull
#define DST_VA      0x200000000ull
#define BATCH_VA    0x300000000ull
#define STAMP_VA    0x400000000ull
#define RUNS        15
#define EVICT_BYTES (128u << 20)
#define MAP_COPIES  32              /* one slice of 1080p copies is 75-90 ms */
#define MAP_BUS     (1ull << 44)    /* above every bus address native hands out */
#define MAP_SAMPLES 4096
#define MAP_PAUSE_NS 1000000        /* between two maps: maps are rare */

static uint8_t *evict_buffer;

static void evict_caches(void)
{
    memset(evict_buffer, evict_buffer[0] + 1, EVICT_BYTES);
}

struct size {
    const char *name;
    unsigned width, height;
};

struct blit_setup {
    struct native *n;
    struct native_vm *vm;
    struct native_ctx *ctx;
    struct native_bo *batch;
    struct native_bo *stamps;       /* engine timestamps before and after */
};

static uint64_t engine_ns(const struct blit_setup *b)
{
    const uint64_t *stamp = b->stamps->map;

    return (stamp[1] - stamp[0]) * 1000000000ull / SKL_CS_CLOCK_HZ;
}

/* GB/s of @bytes in each of the RUNS times @ns. */
static struct bench_stat bandwidth(uint64_t bytes, const double *ns)
{
    double gbs[RUNS];

    for (unsigned r = 0; r < RUNS; r++) {
        gbs[r] = bytes / ns[r];
    }
    return bench_stat_of(gbs, RUNS);
}

static void print_ratio(const char *what, const char *size, uint64_t bytes,
                        const double *ns, const double *copy_ns)
{
    char name[64];

    snprintf(name, sizeof(name), "pgpu-%s-%s", what, size);
    bench_print_stat(name, "GB/s", 2, bandwidth(bytes, ns));
    printf("BENCH pgpu-%s-vs-memcpy-%s %.3f ratio\n", what, size,
           bench_stat_of(copy_ns, RUNS).median / bench_stat_of(ns, RUNS).median);
}

/*
 * Map and unmap a page every millisecond while @copy (@dwords) runs
 * MAP_COPIES times in one batch; each map's wait, against one copy's
 * engine time @blit_ns.
 */
static void bench_map_during_blits(const struct blit_setup *b, const char *size,
                                   const uint32_t *copy, unsigned dwords, double blit_ns)
{
    struct pgpu *gpu = native_gpu(b->n);
    uint32_t *p = b->batch->map;
    void *page = aligned_alloc(PGPU_PAGE_SIZE, PGPU_PAGE_SIZE);
    static uint64_t wait_ns[MAP_SAMPLES];
    unsigned maps = 0;
    uint32_t seqno;

    for (unsigned i = 0; i < MAP_COPIES; i++, p += dwords) {
        memcpy(p, copy, 4 * dwords);
    }
    *p = MI_BATCH_BUFFER_END;
    native_emit_batch(b->ctx, BATCH_VA, true);
    seqno = native_emit_breadcrumb(b->ctx);
    if (!page || native_submit(b->ctx)) {
        bench_die("submitting the copies");
    }
    while ((int32_t)(native_ctx_seqno(b->ctx) - seqno) < 0 && maps < MAP_SAMPLES) {
        uint64_t start = bench_now_ns();

        if (gpu->ops->dma_map(gpu, MAP_BUS, page, PGPU_PAGE_SIZE)) {
            bench_die("mapping a page");
        }
        wait_ns[maps++] = bench_now_ns() - start;
        gpu->ops->dma_unmap(gpu, MAP_BUS, PGPU_PAGE_SIZE);
        nanosleep(&(struct timespec){ .tv_nsec = MAP_PAUSE_NS }, NULL);
    }
    if (native_wait(b->ctx, seqno, BENCH_WAIT_MS) || !maps) {
        bench_die("mapping during the copies");
    }
    qsort(wait_ns, maps, sizeof(wait_ns[0]), bench_cmp_u64);
    printf("BENCH pgpu-dma-map-wait-%s %.1f us\n", size, wait_ns[maps / 2] / 1e3);
    printf("BENCH pgpu-dma-map-wait-max-%s %.1f us\n", size, wait_ns[maps - 1] / 1e3);
    printf("BENCH pgpu-dma-map-wait-max-vs-blit-%s %.3f ratio\n", size,
           wait_ns[maps - 1] / blit_ns);
    free(page);
}

static void bench_size(const struct blit_setup *b, const struct size *s, unsigned index)
{
    struct native *n = b->n;
    struct native_vm *vm = b->vm;
    uint64_t pitch = 4ull * s->width, bytes = pitch * s->height;
    uint64_t src_va = SRC_VA + index * 0x10000000ull, dst_va = DST_VA + index * 0x10000000ull;
    struct native_bo *src = bench_buffer(n, vm, bytes, src_va);
    struct native_bo *dst = bench_buffer(n, vm, bytes, dst_va);
    const uint32_t cmds[] = {
        (MI_FLUSH_DW + 1) | MI_POST_SYNC_TIMESTAMP, (uint32_t)STAMP_VA, STAMP_VA >> 32, 0, 0,
        XY_SRC_COPY_BLT | BLT_WRITE_ALPHA | BLT_WRITE_RGB,
        BR13_ROP_SRCCOPY | BR13_DEPTH_32 | (uint32_t)pitch,
        0, s->height << 16 | s->width, (uint32_t)dst_va, (uint32_t)(dst_va >> 32),
        0, (uint32_t)pitch, (uint32_t)src_va, (uint32_t)(src_va >> 32),
        (MI_FLUSH_DW + 1) | MI_POST_SYNC_TIMESTAMP, (uint32_t)(STAMP_VA + 8), STAMP_VA >> 32,
        0, 0,
        MI_BATCH_BUFFER_END,
    };
    double blit_ns[RUNS], e2e_ns[RUNS], copy_ns[RUNS];
    char name[64];

    for (uint64_t i = 0; i < bytes / 4; i++) {
        ((uint32_t *)src->map)[i] = (uint32_t)(i * 2654435761u);
    }
    memcpy(b->batch->map, cmds, sizeof(cmds));
    /* first touch of both buffers, outside the timings */
    memcpy(dst->map, src->map, bytes);
    bench_run_batch(b->ctx, BATCH_VA);
    for (unsigned r = 0; r < RUNS; r++) {
        uint64_t start;

        evict_caches();
        start = bench_now_ns();
        memcpy(dst->map, src->map, bytes);
        copy_ns[r] = bench_now_ns() - start;
        memset(dst->map, 0, 64);
        evict_caches();
        e2e_ns[r] = bench_run_batch(b->ctx, BATCH_VA);
        blit_ns[r] = engine_ns(b);
    }
    if (memcmp(dst->map, src->map, bytes)) {
        bench_die("checking the blit");
    }
    snprintf(name, sizeof(name), "pgpu-memcpy-%s", s->name);
    bench_print_stat(name, "GB/s", 2, bandwidth(bytes, copy_ns));
    print_ratio("blit", s->name, bytes, blit_ns, copy_ns);
    print_ratio("blit-e2e", s->name, bytes, e2e_ns, copy_ns);
    bench_map_during_blits(b, s->name, &cmds[5], 10, bench_stat_of(blit_ns, RUNS).median);
    native_bo_free(n, src);
    native_bo_free(n, dst);
}

int main(void)
{
    static const struct size sizes[] = {
        { "1080p", 1920, 1080 },
        { "2160p", 3840, 2160 },
    };
    struct blit_setup b;

    b.n = bench_open(&b.vm);
    b.ctx = native_ctx_new(b.n, GEN9_BCS, b.vm);
    b.batch = bench_buffer(b.n, b.vm, PGPU_PAGE_SIZE, BATCH_VA);
    b.stamps = bench_buffer(b.n, b.vm, PGPU_PAGE_SIZE, STAMP_VA);
    evict_buffer = calloc(1, EVICT_BYTES);
    if (!b.ctx || !evict_buffer) {
        bench_die("creating a context");
    }
    for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        bench_size(&b, &sizes[i], i);
    }
    native_close(b.n);
    free(evict_buffer);
    return 0;
}
