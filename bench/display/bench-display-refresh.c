/*
 * bench-display-refresh: what one console refresh of a 1920x1080 XRGB8888
 * linear plane costs in the library (vgpu/plane.h), as a ratio to a plain
 * memcpy of the same frame in the same run, both ways hw/vgpu-display.c
 * finds the damage (docs/display.md, "Damage").
 *
 * Dirty log (the default): decoding the registers (the 2,025 pages' list
 * kept while the GGTT is unchanged), checking the list against the one
 * tracked, testing the tracked pages' bits in the log a word at a time (as
 * vgpu_dirty_words_any() does where the log needs no sync: TCG, qtest) and,
 * only if one is set, taking and clearing the dirty bits of the span of "guest RAM"
 * the pages lie in and testing each page as QEMU's snapshot does (a
 * stand-in here: a bitmap the bench's writes mark, exchanged word by word,
 * tested by a call per page as physmem.c does; KVM's log sync and the
 * snapshot's allocation are not included),
 * then, for the pages written, the compare and copy of the rows they show
 * (gen9_fb_copy_dirty).  Compare (Xen, and any refresh after GPU work):
 * decoding, and the row compare and copy of the whole frame (gen9_fb_copy).
 * Both from pages scattered at random over 64 MiB of "guest RAM" into a
 * linear surface; a host pointer per page is an array lookup here (QEMU
 * maps each run of contiguous pages).  Not included: what the UIs do with
 * the damage.  Everything is touched once untimed, then RUNS rounds of the
 * measurements, interleaved; median, least and greatest, ratios of medians
 * (bench/bench-stats.h).
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

/* The stand-in for QEMU's DIRTY_MEMORY_VGA bitmap of guest RAM, and what
 * the console keeps of the pages it tracks. */
#define RAM_WORDS       (RAM_PAGES / 64)
static uint64_t ram_dirty[RAM_WORDS];
static uint64_t snapshot[RAM_WORDS];
static uint64_t tracked_addr[FRAME_PAGES];
static uint64_t frame_dirty[(FRAME_PAGES + 63) / 64];
static struct {                                 /* the tracked pages' words of the log */
    size_t index;
    uint64_t mask;
} tracked_words[FRAME_PAGES];
static size_t tracked_word_count;
static size_t span_lo, span_hi;                 /* RAM pages, word aligned */

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

/* Change @rows rows of the guest's frame (every byte), untimed, as a
 * guest's CPU would: QEMU's log marks each page written. */
static void scribble(const struct gen9_fb *fb, uint32_t rows, uint8_t value)
{
    for (size_t offset = 0; offset < (size_t)rows * STRIDE; offset += GEN9_FB_PAGE_SIZE) {
        size_t ram_page = fb->page_addr[offset / GEN9_FB_PAGE_SIZE] / GEN9_FB_PAGE_SIZE;

        memset(ram + ram_page * GEN9_FB_PAGE_SIZE, value, GEN9_FB_PAGE_SIZE);
        ram_dirty[ram_page / 64] |= 1ull << (ram_page % 64);
    }
}

static void decode(struct vgpu *vgpu, struct gen9_fb *fb)
{
    if (vgpu_plane_decode(vgpu, fb) != GEN9_PLANE_OK) {
        fprintf(stderr, "bench-display-refresh: the plane did not decode\n");
        exit(1);
    }
}

/* A full refresh also starts tracking the pages (untimed here: it is the
 * first refresh, not one of those measured). */
static void track(const struct gen9_fb *fb)
{
    span_lo = RAM_PAGES;
    span_hi = 0;
    for (size_t i = 0; i < fb->page_count; i++) {
        size_t ram_page = fb->page_addr[i] / GEN9_FB_PAGE_SIZE;

        span_lo = ram_page < span_lo ? ram_page : span_lo;
        span_hi = ram_page + 1 > span_hi ? ram_page + 1 : span_hi;
    }
    span_lo = span_lo / 64 * 64;
    span_hi = (span_hi + 63) / 64 * 64;
    memcpy(tracked_addr, fb->page_addr, fb->page_count * sizeof(uint64_t));
    /* (vgpu_dirty_words(): the words in order, each once) */
    memset(snapshot, 0, sizeof(snapshot));
    for (size_t i = 0; i < fb->page_count; i++) {
        size_t ram_page = fb->page_addr[i] / GEN9_FB_PAGE_SIZE;

        snapshot[ram_page / 64] |= 1ull << (ram_page % 64);
    }
    tracked_word_count = 0;
    for (size_t w = 0; w < RAM_WORDS; w++) {
        if (snapshot[w]) {
            tracked_words[tracked_word_count].index = w;
            tracked_words[tracked_word_count++].mask = snapshot[w];
        }
    }
    memset(ram_dirty, 0, sizeof(ram_dirty));
}

/* Any tracked page written, in the log itself (vgpu_dirty_words_any()). */
static bool tracked_written(void)
{
    for (size_t i = 0; i < tracked_word_count; i++) {
        if (__atomic_load_n(&ram_dirty[tracked_words[i].index], __ATOMIC_RELAXED) &
            tracked_words[i].mask) {
            return true;
        }
    }
    return false;
}

/* QEMU's snapshot of the span: each word exchanged for zero
 * (memory_region_snapshot_and_clear_dirty()). */
static void take_dirty(void)
{
    for (size_t w = span_lo / 64; w < span_hi / 64; w++) {
        snapshot[w] = __atomic_exchange_n(&ram_dirty[w], 0, __ATOMIC_SEQ_CST);
    }
}

/* A test of the snapshot as QEMU's memory_region_snapshot_get_dirty() is:
 * a call, bounds checks, a bit at a time. */
__attribute__((noinline)) static bool snapshot_get_dirty(size_t page, size_t count)
{
    if (page < span_lo || page + count > span_hi) {
        abort();
    }
    for (size_t end = page + count; page < end; page++) {
        if (snapshot[page / 64] >> (page % 64) & 1) {
            return true;
        }
    }
    return false;
}

static bool map_rows(void *opaque, uint32_t first_row, uint32_t end_row, size_t first_page,
                     size_t end_page)
{
    const struct gen9_fb *fb = opaque;

    for (size_t i = first_page; i < end_page; i++) {
        pages[i] = ram + fb->page_addr[i];
    }
    return true;
}

static void no_damage(void *opaque, uint32_t y, uint32_t height)
{
}

/* One refresh by dirty log as hw/vgpu-display.c does it; its time in ns. */
__attribute__((noinline)) static double refresh_dirty(struct vgpu *vgpu, struct gen9_fb *fb, int64_t *changed)
{
    double start = now_ns();

    decode(vgpu, fb);
    if (fb->page_count != FRAME_PAGES ||
        (!fb->list_kept && memcmp(fb->page_addr, tracked_addr, sizeof(tracked_addr)))) {
        fprintf(stderr, "bench-display-refresh: the page list changed\n");
        exit(1);
    }
    *changed = 0;
    if (!tracked_written()) {
        return now_ns() - start;
    }
    take_dirty();
    /* (the frame's pages are scattered: each its own run, one test each) */
    memset(frame_dirty, 0, sizeof(frame_dirty));
    for (size_t i = 0; i < fb->page_count; i++) {
        if (snapshot_get_dirty(fb->page_addr[i] / GEN9_FB_PAGE_SIZE, 1)) {
            frame_dirty[i / 64] |= 1ull << (i % 64);
            *changed = -1;
        }
    }
    if (*changed) {
        *changed = gen9_fb_copy_dirty(fb, frame_dirty, pages, map_rows, surface, STRIDE,
                                      no_damage, fb);
    }
    return now_ns() - start;
}

/* One refresh by comparison of the whole frame; its time in ns. */
__attribute__((noinline)) static double refresh_compare(struct vgpu *vgpu, struct gen9_fb *fb, int64_t *changed)
{
    double start = now_ns();

    decode(vgpu, fb);
    for (size_t i = 0; i < fb->page_count; i++) {
        pages[i] = ram + fb->page_addr[i];
    }
    *changed = gen9_fb_copy(fb, pages, surface, STRIDE, NULL, NULL);
    return now_ns() - start;
}

typedef double refresh_fn(struct vgpu *vgpu, struct gen9_fb *fb, int64_t *changed);

/* A refresh after @rows rows changed (0: none), checked to see them. */
static double timed_refresh(refresh_fn *refresh, struct vgpu *vgpu, struct gen9_fb *fb,
                            uint32_t rows, uint8_t value)
{
    int64_t changed;
    double t;

    scribble(fb, rows, value);
    t = refresh(vgpu, fb, &changed);
    if (changed < rows || (!rows && changed)) {
        fprintf(stderr, "bench-display-refresh: %u rows changed, %lld seen\n", rows,
                (long long)changed);
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

static void print_ratio(const char *name, const double *ns, struct bench_stat copy)
{
    struct bench_stat stat = bench_stat_scaled(bench_stat_of(ns, RUNS), 1e-6);
    char line[64];

    snprintf(line, sizeof(line), "display-refresh-%s-1080p", name);
    bench_print_stat(line, "ms", 4, stat);
    printf("BENCH display-refresh-%s-vs-memcpy %.4f ratio\n", name, stat.median / copy.median);
}

enum { CHANGED, TEXT_LINE, UNCHANGED, CASES };

static const struct {
    const char *name;
    uint32_t rows;
} cases[CASES] = {
    [CHANGED] = { "changed", HEIGHT },
    [TEXT_LINE] = { "text-line", TEXT_ROWS },
    [UNCHANGED] = { "unchanged", 0 },
};

/* bench-display-refresh: the figures; bench-display-refresh profile
 * dirty|compare CASE ROUNDS: ROUNDS refreshes of that case one way only,
 * untimed figures aside (for callgrind: instructions per refresh are
 * refresh_dirty's or refresh_compare's inclusive count over ROUNDS). */
int main(int argc, char **argv)
{
    struct vgpu *vgpu = make_vgpu();
    struct gen9_fb fb;
    static double copy[RUNS], dirty[CASES][RUNS], compare[CASES][RUNS], decode_ns[RUNS];
    uint8_t *src = malloc(FRAME_BYTES), *dst = malloc(FRAME_BYTES);
    struct bench_stat copy_stat;
    int64_t changed;

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
    refresh_compare(vgpu, &fb, &changed);       /* fault everything in */
    track(&fb);
    if (argc == 5 && !strcmp(argv[1], "profile")) {
        refresh_fn *refresh = !strcmp(argv[2], "dirty") ? refresh_dirty : refresh_compare;
        int c = 0;
        unsigned rounds = (unsigned)strtoul(argv[4], NULL, 10);

        while (c < CASES && strcmp(cases[c].name, argv[3])) {
            c++;
        }
        if (c == CASES || (strcmp(argv[2], "dirty") && strcmp(argv[2], "compare"))) {
            fprintf(stderr, "usage: bench-display-refresh [profile dirty|compare "
                    "changed|text-line|unchanged ROUNDS]\n");
            return 2;
        }
        for (unsigned r = 0; r < rounds; r++) {
            timed_refresh(refresh, vgpu, &fb, cases[c].rows, (uint8_t)(r + 1));
        }
        return 0;
    }
    if (argc != 1) {
        fprintf(stderr, "usage: bench-display-refresh [profile dirty|compare "
                "changed|text-line|unchanged ROUNDS]\n");
        return 2;
    }

    /* Interleaved, so that a busy neighbour on the host slows all alike. */
    for (int r = 0; r < RUNS; r++) {
        copy[r] = timed_memcpy(dst, src);
        for (int c = 0; c < CASES; c++) {
            uint8_t value = (uint8_t)(4 * r + c + 1);

            /* Either way first by turns: the first after the memcpy finds
             * less of the frames in the cache. */
            for (int way = 0; way < 2; way++) {
                if ((way + r) % 2) {
                    compare[c][r] = timed_refresh(refresh_compare, vgpu, &fb, cases[c].rows,
                                                  (uint8_t)(value + 128));
                    memset(ram_dirty, 0, sizeof(ram_dirty));    /* it read them */
                } else {
                    dirty[c][r] = timed_refresh(refresh_dirty, vgpu, &fb, cases[c].rows,
                                                value);
                }
            }
        }
        decode_ns[r] = timed_decode(vgpu, &fb);
    }
    copy_stat = bench_stat_scaled(bench_stat_of(copy, RUNS), 1e-6);
    bench_print_stat("display-frame-memcpy-1080p", "ms", 3, copy_stat);
    for (int c = 0; c < CASES; c++) {
        char name[64];

        print_ratio(cases[c].name, dirty[c], copy_stat);
        snprintf(name, sizeof(name), "compare-%s", cases[c].name);
        print_ratio(name, compare[c], copy_stat);
    }
    bench_print_stat("display-plane-decode-1080p", "us", 2,
                     bench_stat_scaled(bench_stat_of(decode_ns, RUNS), 1e-3));
    gen9_fb_fini(&fb);
    vgpu_destroy(vgpu);
    free(ram);
    free(surface);
    free(src);
    free(dst);
    return 0;
}
