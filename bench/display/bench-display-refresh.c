/*
 * bench-display-refresh: what one console refresh of a 1920x1080 XRGB8888
 * linear plane costs in the library (vgpu/plane.h), as a ratio to a plain
 * memcpy of the same frame in the same run.
 *
 * Included: decoding the registers and validating the 2,025 GGTT entries
 * of the frame (vgpu_plane_decode), turning each page's guest-physical
 * address into a host pointer (an array lookup here), and the row compare
 * and copy with damage runs (gen9_fb_copy) from pages scattered at random
 * over 64 MiB of "guest RAM" into a linear surface.  Not included: QEMU's
 * lookup of guest RAM (one memory_region_find per run of contiguous pages)
 * and what the UIs do with the damage (VNC encoding, SDL/GTK upload).
 * Everything is touched once untimed, then RUNS rounds of the five
 * measurements, interleaved; median, least and greatest, ratios of
 * medians (bench/bench-stats.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench-stats.h"
#include "bench/vgpu/bench-vgpu.h"
#include "vgpu/plane.h"
#include "vgpu/regs.h"

#define WIDTH           1920u
#define HEIGHT          1080u
#define STRIDE          (WIDTH * 4)
#define FRAME_BYTES     ((size_t)STRIDE * HEIGHT)
#define FRAME_PAGES     ((FRAME_BYTES + GEN9_FB_PAGE_SIZE - 1) / GEN9_FB_PAGE_SIZE)
#define RAM_PAGES       (16384u)                /* 64 MiB of "guest RAM" */
#define SURFACE_GMA     0x100000u
#define TEXT_ROWS       16u                     /* one fbcon text line */
#define RUNS            101

static uint8_t *ram;
static const uint8_t *pages[FRAME_PAGES];
static uint8_t *surface;

/* The frame's pages: a random permutation of RAM pages (fixed seed). */
static void map_frame(struct vgpu *vgpu)
{
    static uint32_t order[RAM_PAGES];
    uint32_t seed = 12345;

    for (uint32_t i = 0; i < RAM_PAGES; i++) {
        order[i] = i;
    }
    for (uint32_t i = RAM_PAGES - 1; i > 0; i--) {
        uint32_t j, t;

        seed = seed * 1103515245u + 12345u;
        j = (seed >> 8) % (i + 1);
        t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (uint32_t i = 0; i < FRAME_PAGES; i++) {
        uint64_t gpa = (uint64_t)order[i] * GEN9_FB_PAGE_SIZE;

        vgpu_bar0_write(vgpu, VGPU_GGTT_OFFSET + (SURFACE_GMA / GEN9_FB_PAGE_SIZE + i) * 8,
                        gpa | 1, 8);
    }
}

static void program_plane(struct vgpu *vgpu)
{
    vgpu_bar0_write(vgpu, TRANSCONF_A, TRANSCONF_ENABLE, 4);
    vgpu_bar0_write(vgpu, PIPESRC_A, (WIDTH - 1) << 16 | (HEIGHT - 1), 4);
    vgpu_bar0_write(vgpu, PLANE_STRIDE_1_A, STRIDE / PLANE_STRIDE_LINEAR_UNIT, 4);
    vgpu_bar0_write(vgpu, PLANE_SIZE_1_A, (HEIGHT - 1) << 16 | (WIDTH - 1), 4);
    vgpu_bar0_write(vgpu, PLANE_CTL_1_A, PLANE_CTL_ENABLE |
                    PLANE_CTL_FORMAT_XRGB_8888 << PLANE_CTL_FORMAT_SHIFT, 4);
    vgpu_bar0_write(vgpu, PLANE_SURF_1_A, SURFACE_GMA, 4);
}

/* Change @rows rows of the guest's frame (every byte), untimed. */
static void scribble(const struct gen9_fb *fb, uint32_t rows, uint8_t value)
{
    for (size_t offset = 0; offset < (size_t)rows * STRIDE; offset += GEN9_FB_PAGE_SIZE) {
        memset(ram + fb->page_addr[offset / GEN9_FB_PAGE_SIZE], value, GEN9_FB_PAGE_SIZE);
    }
}

/* One refresh as hw/vgpu-display.c does it; returns its time in ns. */
static double refresh(struct vgpu *vgpu, struct gen9_fb *fb, uint32_t *changed)
{
    double start = now_ns();

    if (vgpu_plane_decode(vgpu, fb) != GEN9_PLANE_OK) {
        fprintf(stderr, "bench-display-refresh: the plane did not decode\n");
        exit(1);
    }
    for (size_t i = 0; i < fb->page_count; i++) {
        pages[i] = ram + fb->page_addr[i];
    }
    *changed = gen9_fb_copy(fb, pages, surface, STRIDE, NULL, NULL);
    return now_ns() - start;
}

/* A refresh after @rows rows changed (0: none), checked to see them. */
static double timed_refresh(struct vgpu *vgpu, struct gen9_fb *fb, uint32_t rows,
                            uint8_t value)
{
    uint32_t changed;
    double t;

    scribble(fb, rows, value);
    t = refresh(vgpu, fb, &changed);
    if (changed < rows) {
        fprintf(stderr, "bench-display-refresh: %u rows changed, %u seen\n", rows, changed);
        exit(1);
    }
    return t;
}

static double timed_memcpy(uint8_t *dst, uint8_t *src)
{
    double start = now_ns();

    memcpy(dst, src, FRAME_BYTES);
    return now_ns() - start;
}

static double timed_decode(struct vgpu *vgpu, struct gen9_fb *fb)
{
    double start = now_ns();

    vgpu_plane_decode(vgpu, fb);
    return now_ns() - start;
}

/* Each from RUNS times in ns. */
static void print_figures(const double *copy_ns, const double *full_ns, const double *line_ns,
                          const double *none_ns, const double *decode_ns)
{
    struct bench_stat copy = bench_stat_scaled(bench_stat_of(copy_ns, RUNS), 1e-6);
    struct bench_stat full = bench_stat_scaled(bench_stat_of(full_ns, RUNS), 1e-6);
    struct bench_stat line = bench_stat_scaled(bench_stat_of(line_ns, RUNS), 1e-6);
    struct bench_stat none = bench_stat_scaled(bench_stat_of(none_ns, RUNS), 1e-6);

    bench_print_stat("display-frame-memcpy-1080p", "ms", 3, copy);
    bench_print_stat("display-refresh-changed-1080p", "ms", 3, full);
    printf("BENCH display-refresh-changed-vs-memcpy %.2f ratio\n", full.median / copy.median);
    bench_print_stat("display-refresh-text-line-1080p", "ms", 3, line);
    printf("BENCH display-refresh-text-line-vs-memcpy %.2f ratio\n", line.median / copy.median);
    bench_print_stat("display-refresh-unchanged-1080p", "ms", 3, none);
    printf("BENCH display-refresh-unchanged-vs-memcpy %.2f ratio\n", none.median / copy.median);
    bench_print_stat("display-plane-decode-1080p", "us", 1,
                     bench_stat_scaled(bench_stat_of(decode_ns, RUNS), 1e-3));
}

int main(void)
{
    struct vgpu *vgpu = make_vgpu();
    struct gen9_fb fb;
    static double copy[RUNS], full[RUNS], line[RUNS], none[RUNS], decode[RUNS];
    uint8_t *src = malloc(FRAME_BYTES), *dst = malloc(FRAME_BYTES);
    uint32_t changed;

    ram = calloc(RAM_PAGES, GEN9_FB_PAGE_SIZE);
    surface = calloc(1, FRAME_BYTES);
    if (!ram || !surface || !src || !dst) {
        perror("calloc");
        return 1;
    }
    memset(src, 1, FRAME_BYTES);
    memset(dst, 2, FRAME_BYTES);
    gen9_fb_init(&fb);
    map_frame(vgpu);
    program_plane(vgpu);
    refresh(vgpu, &fb, &changed);       /* fault everything in */

    /* Interleaved, so that a busy neighbour on the host slows all alike. */
    for (int r = 0; r < RUNS; r++) {
        copy[r] = timed_memcpy(dst, src);
        full[r] = timed_refresh(vgpu, &fb, HEIGHT, (uint8_t)(2 * r + 1));
        line[r] = timed_refresh(vgpu, &fb, TEXT_ROWS, (uint8_t)(2 * r + 2));
        none[r] = timed_refresh(vgpu, &fb, 0, 0);
        decode[r] = timed_decode(vgpu, &fb);
    }
    print_figures(copy, full, line, none, decode);
    gen9_fb_fini(&fb);
    vgpu_destroy(vgpu);
    free(ram);
    free(surface);
    free(src);
    free(dst);
    return 0;
}
