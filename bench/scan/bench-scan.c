/*
 * bench-scan [STREAM...]: the command scanner's throughput in MB/s of
 * command buffer, over four realistic streams, each next to memcpy() of the same bytes in
 * the same run (the scanner reads every byte once, so memcpy is the floor
 * of any shadow-and-scan path):
 *   - sdi: MI_STORE_DATA_IMM dword stores into the GGTT partition, the
 *     breadcrumb traffic of a ring (every command audited);
 *   - blit: XY_SRC_COPY_BLT, XY_COLOR_BLT, XY_FAST_COPY_BLT (surface
 *     extents computed and audited against the PPGTT; the three repeat);
 *   - blit-distinct: the same with each blit's rectangle one row lower
 *     than the last's, 61 positions in turn, so that no blit repeats one
 *     of the last 183 (a scanner that remembered blits would still
 *     compute each);
 *   - 3d: a render batch of PIPELINE_SELECT, STATE_BASE_ADDRESS, 3DSTATE_*
 *     packets, LRIs of whitelisted registers, PIPE_CONTROL post-sync
 *     writes and 3DPRIMITIVE, as a Mesa draw emits them.
 * Each of these is a 1 MiB PPGTT batch started from a one-command ring, so
 * the batch path (fetch, batch audit) is included;
 *   - i915-ring: the guest's render ring under load, 1000 requests in one
 *     element, each starting its own batch of one 3d draw (i915_ring()).  The fake VM's audit
 * callbacks are simple range checks: the figures are the scanner's own
 * cost.  Both sides alike (bench/bench-stats.h): one untimed scan and one
 * untimed copy warm up, then RUNS runs, interleaved, each SCANS_PER_RUN
 * scans or as many copies of the same bytes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench-stats.h"
#include "tests/unit/scan/emit.h"
#include "tests/unit/scan/fake-vm.h"
#include "tests/unit/scan/i915-ko.h"

#define BATCH_GMA       FAKE_PPGTT_BASE
#define BATCH_BYTES     (1u << 20)
#define DATA_GMA        (FAKE_PPGTT_BASE + BATCH_BYTES)
#define PITCH           1024u
#define REQUESTS        1000        /* i915-ring: within the 1024 batch starts of a scan */
#define REQUEST_BATCH   1024u       /* i915-ring: bytes between two requests' batches */
#define RING_BYTES      (REQUESTS * 128u)
#define NULL_STATES     240         /* i915-null-state: copies in the GGTT partition */
#define NULL_STATE_STRIDE 0x1000u   /* i915-null-state: bytes between two copies */
#define RUNS            7
#define SCANS_PER_RUN   20

static int exit_status;      /* 1 when a stream named or not could not run */

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Fill up to @end with copies of the pattern @emit_one, then end the batch. */
typedef void pattern_fn(uint32_t **p, unsigned i);

static size_t build_batch(struct fake_vm *vm, pattern_fn *emit_one)
{
    uint32_t *start = fake_ppgtt(vm, BATCH_GMA), *p = start;
    uint32_t *limit = start + BATCH_BYTES / 4 - 128;

    for (unsigned i = 0; p < limit; i++) {
        emit_one(&p, i);
    }
    emit(&p, MI_BB_END_DW);
    return 4 * (size_t)(p - start);
}

static void sdi_pattern(uint32_t **p, unsigned i)
{
    emit_sdi(p, FAKE_GGTT_BASE + 0x1000 + 8 * (i % 512), true, false);
}

static void blit_pattern(uint32_t **p, unsigned i)
{
    switch (i % 3) {
    case 0:
        emit_src_copy(p, DATA_GMA, DATA_GMA + 0x40000, PITCH, 256, 64);
        break;
    case 1:
        emit_color_blt(p, DATA_GMA + 0x20000, PITCH, 128, 32);
        break;
    default:
        emit_fast_copy(p, DATA_GMA, DATA_GMA + 0x40000, PITCH, 2, 256, 64);
        break;
    }
}

/* blit_pattern() with the destination rectangle (dwords 2 and 3, y in
 * bits 31:16) moved down by i % 61 rows: no blit has the dwords of one
 * the scanner saw within the last 183. */
static void blit_distinct_pattern(uint32_t **p, unsigned i)
{
    uint32_t *cmd = *p;

    blit_pattern(p, i);
    cmd[2] += (i % 61) << 16;
    cmd[3] += (i % 61) << 16;
}

/* One draw: pipeline and base addresses, shader and fixed-function state,
 * constants, the 3DPRIMITIVE, a post-sync write. */
static void render_pattern(uint32_t **p, unsigned i)
{
    static const uint32_t user_regs[] = { 0x2600, 0x2604, 0x2430, 0x2434 };

    emit(p, EMIT_GFX(1, 1, 0x04) | 0x0300);
    emit_state(p, 0, 1, 0x01, 19);
    emit_state(p, 3, 0, 0x10, 9);               /* VS */
    emit_state(p, 3, 0, 0x1b, 9);               /* HS */
    emit_state(p, 3, 0, 0x1d, 11);              /* DS */
    emit_state(p, 3, 0, 0x11, 10);              /* GS */
    emit_state(p, 3, 0, 0x1f, 6);               /* SBE */
    emit_state(p, 3, 0, 0x20, 12);              /* PS */
    emit_state(p, 3, 0, 0x4f, 2);               /* PS_EXTRA */
    emit_state(p, 3, 0, 0x50, 5);               /* RASTER */
    emit_state(p, 3, 0, 0x15, 11);              /* CONSTANT_VS */
    emit_state(p, 3, 0, 0x17, 11);              /* CONSTANT_PS */
    emit_state(p, 3, 0, 0x08, 5);               /* VERTEX_BUFFERS, one */
    emit_state(p, 3, 0, 0x09, 3);               /* VERTEX_ELEMENTS, one */
    emit_state(p, 3, 0, 0x2a, 2);               /* BINDING_TABLE_POINTERS_PS */
    emit_lri(p, user_regs, 4);
    emit_state(p, 3, 3, 0x00, 7);               /* 3DPRIMITIVE */
    emit_pipe_control(p, EMIT_PC_QW_WRITE | EMIT_PC_CS_STALL, DATA_GMA + 8 * (i % 256));
}

/* The ring of the one-batch streams: a start of the batch. */
static size_t one_batch_ring(struct fake_vm *vm, pattern_fn *pattern, uint32_t *ring,
                             size_t *ring_bytes)
{
    uint32_t *p = ring;

    emit_bb_start(&p, BATCH_GMA, EMIT_BB_PPGTT);
    *ring_bytes = 4 * (size_t)(p - ring);
    return build_batch(vm, pattern) + *ring_bytes;
}

/*
 * The 6.1 guest's render ring under load (as test-scan-audit's
 * test_guest_streams emits a request: arbitration, flushes, the batch
 * start, the breadcrumb's post-sync write, the user interrupt), REQUESTS
 * requests in one element, each starting its own batch of one draw
 * (render_pattern) at its own address: every batch is fetched and scanned.
 */
static size_t i915_ring(struct fake_vm *vm, pattern_fn *pattern, uint32_t *ring,
                        size_t *ring_bytes)
{
    const uint32_t flush = EMIT_PC_CS_STALL | 1u << 12 | 1u << 5 | 1u;
    uint32_t *p = ring;
    size_t bytes = 0;

    for (unsigned i = 0; i < REQUESTS; i++) {
        uint64_t batch = BATCH_GMA + (uint64_t)i * REQUEST_BATCH;
        uint32_t *b = fake_ppgtt(vm, batch), *start = b;

        pattern(&b, i);
        emit(&b, MI_BB_END_DW);
        bytes += 4 * (size_t)(b - start);
        emit(&p, MI_ARB_CHECK_DW);
        emit(&p, MI_NOOP_DW);
        emit_pipe_control(&p, flush, 0);
        emit(&p, MI_ARB_ON_OFF_DW(false));
        emit_bb_start(&p, batch, EMIT_BB_PPGTT);
        emit_pipe_control(&p, flush, 0);
        emit_pipe_control(&p, EMIT_PC_QW_WRITE | EMIT_PC_GLOBAL_GTT | EMIT_PC_CS_STALL |
                          1u << 7, FAKE_GGTT_BASE + 0x1000);
        emit(&p, MI_USER_INTERRUPT_DW);
        emit(&p, MI_ARB_ON_OFF_DW(true));
    }
    *ring_bytes = 4 * (size_t)(p - ring);
    return bytes + *ring_bytes;
}

/*
 * The guest kernel's own first render batch (i915-ko.h), as i915 runs it
 * at load, NULL_STATES copies of it, each relocated for its own place in
 * the GGTT partition and started by a request of its own from the ring:
 * a captured i915 stream.  0 when the guest kernel is not there.
 */
static size_t i915_null_states(struct fake_vm *vm, pattern_fn *pattern, uint32_t *ring,
                               size_t *ring_bytes)
{
    struct i915_null_state ns;
    uint32_t *p = ring;
    char where[1024];
    size_t bytes = 0;

    (void)pattern;
    if (i915_null_state_read(&ns, where, sizeof(where))) {
        fprintf(stderr, "bench-scan: no %s (build it with scripts/build-guest): the "
                "i915-null-state stream is not measured\n", where);
        return 0;
    }
    for (unsigned i = 0; i < NULL_STATES; i++) {
        uint64_t gma = FAKE_GGTT_BASE + NULL_STATE_STRIDE * (i + 1);

        i915_null_state_place(&ns, fake_ggtt(vm, gma), (uint32_t)gma);
        bytes += ns.bytes;
        emit(&p, MI_ARB_ON_OFF_DW(false));
        emit_bb_start(&p, gma, 0);
        emit(&p, MI_ARB_ON_OFF_DW(true));
    }
    i915_null_state_free(&ns);
    *ring_bytes = 4 * (size_t)(p - ring);
    return bytes + *ring_bytes;
}

/* Lay a stream out in @vm and its ring in @ring; the bytes it scans (0:
 * the stream cannot be laid out here). */
typedef size_t layout_fn(struct fake_vm *vm, pattern_fn *pattern, uint32_t *ring,
                         size_t *ring_bytes);

struct stream {
    const char *name;
    layout_fn *layout;
    pattern_fn *pattern;
    enum gen9_engine engine;
};

static void run_stream(const struct stream *st)
{
    struct fake_vm *vm = fake_vm_create();
    struct med_scan *scan = vm ? fake_vm_scanner(vm, NULL) : NULL;
    uint32_t *ring = malloc(RING_BYTES);
    size_t ring_bytes;
    struct med_scan_request req = { .engine = st->engine, .gma = FAKE_GGTT_BASE };
    struct med_scan_result result;
    double scan_rate[RUNS], copy_rate[RUNS], scan_ns[RUNS], copy_ns[RUNS];
    struct bench_stat scan_time, copy_time;
    char name[64];
    size_t bytes;
    uint8_t *copy;

    if (!scan || !ring || !(copy = malloc(BATCH_BYTES))) {
        perror("bench-scan");
        exit(1);
    }
    bytes = st->layout(vm, st->pattern, ring, &ring_bytes);
    if (!bytes) {
        exit_status = 1;
        goto out;
    }
    req.commands = ring;
    req.len = ring_bytes;
    if (med_scan(scan, &req, &result) != MED_SCAN_OK) {
        fprintf(stderr, "bench-scan: %s stream rejected: %s\n", st->name, result.reason);
        exit(1);
    }
    memcpy(copy, fake_ppgtt(vm, BATCH_GMA), bytes);     /* the copy's warm-up */
    for (int run = 0; run < RUNS; run++) {
        double t0 = now_ns(), t1, t2;

        for (int i = 0; i < SCANS_PER_RUN; i++) {
            med_scan(scan, &req, &result);
        }
        t1 = now_ns();
        for (int i = 0; i < SCANS_PER_RUN; i++) {
            memcpy(copy, fake_ppgtt(vm, BATCH_GMA), bytes);
            __asm__ volatile("" : : "r"(copy) : "memory");
        }
        t2 = now_ns();
        scan_ns[run] = t1 - t0;
        copy_ns[run] = t2 - t1;
        scan_rate[run] = bytes * (double)SCANS_PER_RUN / scan_ns[run] * 1e3;
        copy_rate[run] = bytes * (double)SCANS_PER_RUN / copy_ns[run] * 1e3;
    }
    snprintf(name, sizeof(name), "scan-%s-throughput", st->name);
    bench_print_stat(name, "MB/s", 0, bench_stat_of(scan_rate, RUNS));
    snprintf(name, sizeof(name), "scan-%s-memcpy", st->name);
    bench_print_stat(name, "MB/s", 0, bench_stat_of(copy_rate, RUNS));
    scan_time = bench_stat_of(scan_ns, RUNS);
    copy_time = bench_stat_of(copy_ns, RUNS);
    printf("BENCH scan-%s-vs-memcpy %.1f ratio\n", st->name, scan_time.median / copy_time.median);
out:
    free(copy);
    free(ring);
    med_scan_destroy(scan);
    fake_vm_destroy(vm);
}

/* bench-scan [STREAM...]: every stream, or those named (to profile one). */
int main(int argc, char **argv)
{
    static const struct stream streams[] = {
        { "sdi", one_batch_ring, sdi_pattern, GEN9_RCS },
        { "blit", one_batch_ring, blit_pattern, GEN9_BCS },
        { "blit-distinct", one_batch_ring, blit_distinct_pattern, GEN9_BCS },
        { "3d", one_batch_ring, render_pattern, GEN9_RCS },
        { "i915-ring", i915_ring, render_pattern, GEN9_RCS },
        { "i915-null-state", i915_null_states, NULL, GEN9_RCS },
    };

    for (size_t i = 0; i < sizeof(streams) / sizeof(streams[0]); i++) {
        bool named = argc == 1;

        for (int a = 1; a < argc; a++) {
            named |= !strcmp(argv[a], streams[i].name);
        }
        if (named) {
            run_stream(&streams[i]);
        }
    }
    return exit_status;
}
