/*
 * bench-mediator-client.c - the same workload run natively on the GPU
 * model (the native driver) and through the mediator by a guest-like
 * client, side by side in one run: throughput as a ratio of native, and
 * the mediator's per-workload overhead broken down.  There is no guest,
 * no QEMU and no trap here: the client (tests/harness/guest-driver.c)
 * writes a guest's structures into a memfd and speaks the protocol itself,
 * in this process, to a mediator served by a thread of it; the figures
 * are the mediator's submission path (messages, wake-ups, shadowing,
 * scanning, scheduling), not a guest's.
 *
 * Workloads: "blit-1080p", each batch one 1920x1080 32 bpp XY_SRC_COPY_BLT
 * on BCS (a compositor's frame copy); "sdi", each batch 16
 * MI_STORE_DATA_IMMs on RCS (so small that the per-workload overhead is
 * all there is), the same batch started each time (the mediator scans it
 * once per workload), and "sdi-distinct", the same with each of the 1000
 * batches a copy at its own address, as i915 gives each request its own
 * batch (each is fetched and scanned).  Every batch is started from the ring with a breadcrumb,
 * as i915 does; results are checked at the end of each run.  Both sides
 * run each workload submitted two ways: one ELSP element per batch, and
 * one per BATCHED_SUBMIT batches (what i915 does under load: requests
 * queue in the ring while the context runs, and one ELSP write covers
 * them); each ratio compares the same submissions.  Each run starts a
 * fresh driver or mediator and client outside the clock and runs one
 * batch, waited for, before it (the warm-up batch, below); one round of the four kinds is
 * run and discarded first, then ROUNDS rounds, interleaved, reported as
 * median, least and greatest (bench/bench-stats.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench-stats.h"
#include "bench/pgpu/bench-common.h"
#include "tests/harness/guest-driver.h"
#include "tests/harness/server-thread.h"
#include "mediator/submission/submission.h"
#include "pgpu/skl-regs.h"
#include "sched/sched.h"
#include "tests/unit/scan/emit.h"

#define ROUNDS          5           /* interleaved runs of each kind, after one discarded */
#define BATCH_VA        0x0000100000000ull
#define SRC_VA          0x0000200000000ull
#define DST_VA          0x0000300000000ull
#define WIDTH           1920
#define HEIGHT          1080
#define FRAME           ((uint64_t)WIDTH * HEIGHT * 4)
#define SDI_PER_BATCH   16
#define ROUND_TRIPS     200
#define GUEST_RAM       (64ull << 20)
#define BATCHED_SUBMIT  256
#define BATCH_STRIDE    512         /* bytes between two copies of a batch */

struct workload {
    const char *name;
    enum gen9_engine engine;
    unsigned batches;
    unsigned copies;            /* of the batch, each at its own address, started in turn */
};

static const struct workload workloads[] = {
    { "blit-1080p", GEN9_BCS, 300, 1 },
    { "sdi", GEN9_RCS, 1000, 1 },      /* the native ring never fills (see docs) */
    /* each batch its own, as i915 gives each request: none is found again */
    { "sdi-distinct", GEN9_RCS, 1000, 1000 },
};

/* Where batch @i of @w is. */
static uint64_t batch_va(const struct workload *w, unsigned i)
{
    return BATCH_VA + (uint64_t)(i % w->copies) * BATCH_STRIDE;
}

/* The size of the buffer holding @w's batches. */
static uint64_t batches_size(const struct workload *w)
{
    return ((uint64_t)w->copies * BATCH_STRIDE + 4095) & ~4095ull;
}

/* Every copy of the batch of @w in @batches: its commands use SRC_VA and
 * DST_VA. */
static void write_batches(const struct workload *w, void *batches)
{
    for (unsigned c = 0; c < w->copies; c++) {
        uint32_t *p = (uint32_t *)((uint8_t *)batches + (size_t)c * BATCH_STRIDE);

        if (w->engine == GEN9_BCS) {
            emit_src_copy(&p, DST_VA, SRC_VA, WIDTH * 4, WIDTH, HEIGHT);
        } else {
            for (unsigned i = 0; i < SDI_PER_BATCH; i++) {
                emit_sdi(&p, DST_VA + 4 * i, false, false);
            }
        }
        emit(&p, MI_BB_END_DW);
    }
}

static void fill_source(void *src)
{
    for (uint64_t i = 0; i < FRAME / 4; i++) {
        ((uint32_t *)src)[i] = (uint32_t)(i * 2654435761u);
    }
}

static void check_result(const struct workload *w, const void *src, const void *dst)
{
    if (w->engine == GEN9_BCS ? memcmp(dst, src, FRAME)
                              : ((const uint32_t *)dst)[SDI_PER_BATCH - 1] != 0x1234) {
        bench_die("checking the workload's result");
    }
}

/* One run: wall time from the first batch written to the last one's
 * breadcrumb seen, and the engine's own time for the batches (the
 * contexts' CTX_TIMESTAMP: the model's engine thread's CPU time in the
 * contexts' slices, docs/gpu-model.md "Timestamps"): their ratio is how
 * much of the run the engine spent executing them, which the CPU the host
 * gives the engine thread bounds as well as the mediator's idle time. */
struct run {
    uint64_t wall_ns, engine_ns;
    /* through the mediator: its ELSP writes to an idle engine (neither
     * appended behind a running context nor feeding one), and its wake-ups
     * by the engine's interrupts */
    uint64_t idle_starts, interrupts;
};

/* Is batch @i followed by an ELSP write?  After each one if @per_batch,
 * else after every BATCHED_SUBMIT (well within the ring) and the last. */
static bool submit_after(const struct workload *w, bool per_batch, unsigned i)
{
    return per_batch || i % BATCHED_SUBMIT == BATCHED_SUBMIT - 1 || i == w->batches - 1;
}

/*
 * Before the clock, on both sides, one batch and its breadcrumb, submitted
 * and waited for: what a run measures is the workload, not a fresh
 * context's one-time costs (the first context load; through the mediator
 * also the shadow PPGTT's first build, the slot's shadow memory, the
 * guest pages first touched through its mapping), as the guest benchmark
 * runs each workload once untimed first.  Its engine time is taken off
 * the run's.
 */

/* ---- native ---- */

/* The engine time the context has saved so far (its CTX_TIMESTAMP, saved
 * when the context switches out). */
static uint64_t native_engine_ns(struct native *n, const struct workload *w,
                                 struct native_ctx *ctx)
{
    const uint32_t *state;

    if (native_wait_idle(n, w->engine, BENCH_WAIT_MS)) {
        bench_die("native idle");
    }
    state = (const uint32_t *)((const uint8_t *)native_ctx_image(ctx)->map + LRC_STATE_OFFSET);
    return med_sched_ticks_to_ns(state[CTX_TIMESTAMP_DW]);
}

/* @per_batch as for submit_after().  A run whose last completion the
 * driver reports lost (-EPIPE) is counted in @lost (the benchmark then
 * fails) and returns no times. */
static struct run run_native(const struct workload *w, bool per_batch, unsigned *lost)
{
    struct native_vm *vm;
    struct native *n = bench_open(&vm);
    struct native_bo *batch = bench_buffer(n, vm, batches_size(w), BATCH_VA);
    struct native_bo *src = bench_buffer(n, vm, FRAME, SRC_VA);
    struct native_bo *dst = bench_buffer(n, vm, FRAME, DST_VA);
    struct native_ctx *ctx = native_ctx_new(n, w->engine, vm);
    uint64_t start, elapsed, elapsed_engine, engine_before;
    uint32_t seqno = 0;
    int ret;

    if (!ctx) {
        bench_die("creating a native context");
    }
    write_batches(w, batch->map);
    fill_source(src->map);
    native_emit_batch(ctx, batch_va(w, 0), true);
    seqno = native_emit_breadcrumb(ctx);
    if (native_submit(ctx) || native_wait(ctx, seqno, BENCH_WAIT_MS)) {
        bench_die("the native warm-up batch");
    }
    engine_before = native_engine_ns(n, w, ctx);
    start = bench_now_ns();
    for (unsigned i = 0; i < w->batches; i++) {
        native_emit_batch(ctx, batch_va(w, i), true);
        seqno = native_emit_breadcrumb(ctx);
        if (submit_after(w, per_batch, i) && native_submit(ctx)) {
            bench_die("native submission");
        }
    }
    ret = native_wait(ctx, seqno, BENCH_WAIT_MS);
    if (ret == -EPIPE) {
        fprintf(stderr, "bench: LOST COMPLETION: native run of %s (%s): the engine went "
                "idle before seqno %u (at %u)\n", w->name,
                per_batch ? "one element per batch" : "batched", seqno, native_ctx_seqno(ctx));
        ++*lost;
        native_close(n);
        return (struct run){ 0 };
    }
    if (ret) {
        fprintf(stderr, "bench: native run of %s: %s\n", w->name, strerror(-ret));
        bench_die("native completion");
    }
    elapsed = bench_now_ns() - start;
    check_result(w, src->map, dst->map);
    elapsed_engine = native_engine_ns(n, w, ctx) - engine_before;
    native_close(n);
    return (struct run){ .wall_ns = elapsed, .engine_ns = elapsed_engine };
}

/* ---- the guest-like client through the mediator ---- */

struct client_vm {
    struct server_thread *server;
    struct guest_vm *vm;
    struct guest_ctx *ctx;
    struct guest_bo *src, *dst;
};

static void client_open(struct client_vm *m, const struct workload *w)
{
    struct guest_ppgtt *ppgtt = NULL;
    struct guest_bo *batch = NULL;

    /* as gpumed runs by default: the invariant checker is the tests' own
     * (docs/architecture.md, decision 5) */
    m->server = server_thread_start_config(&(struct med_server_config) {
        .hang_timeout_ms = 10000,
    });
    if (!m->server) {
        bench_die("starting the mediator");
    }
    m->vm = guest_vm_create(server_thread_socket(m->server), "bench", GUEST_RAM, "gpumed-4");
    if (!m->vm || !(ppgtt = guest_ppgtt_new(m->vm)) ||
        !(batch = guest_bo_new(m->vm, batches_size(w), false)) ||
        !(m->src = guest_bo_new(m->vm, FRAME, false)) ||
        !(m->dst = guest_bo_new(m->vm, FRAME, false)) ||
        guest_ppgtt_map(ppgtt, batch, BATCH_VA) || guest_ppgtt_map(ppgtt, m->src, SRC_VA) ||
        guest_ppgtt_map(ppgtt, m->dst, DST_VA) ||
        !(m->ctx = guest_ctx_new(m->vm, w->engine, ppgtt))) {
        bench_die("setting up the guest");
    }
    write_batches(w, batch->map);
    fill_source(m->src->map);
}

/* The batch at @va and its breadcrumb; the ELSP element if @submit. */
static void client_emit(struct client_vm *m, uint64_t va, bool submit)
{
    uint32_t seqno;

    if (guest_ctx_emit_batch(m->ctx, va, true) ||
        guest_ctx_emit_breadcrumb(m->ctx, &seqno) || (submit && guest_ctx_submit(m->ctx))) {
        bench_die("client submission");
    }
}

/* Stop the mediator and take its totals. */
static void client_close(struct client_vm *m, struct med_vgpu_exec_stats *totals)
{
    guest_vm_destroy(m->vm);
    server_thread_stop(m->server);
    *totals = *med_server_exec_stats(server_thread_server(m->server));
    server_thread_destroy(m->server);
}

/*
 * The mediator's engine time so far, once the client has seen the
 * COMPLETE of everything it submitted: the mediator adds a workload's time
 * before it publishes the workload's COMPLETE (release; the client takes
 * it with acquire) and adds nothing more until the client submits again,
 * so the thread runs on.  Stopping it to read (as until 2026-12-07) put
 * the start of a new mediator thread inside the clock: its first wake-up
 * came up to 11 ms late on the loaded cores (bpftrace), against 1.3 ms
 * for a whole sdi run.
 */
static uint64_t client_engine_ns(struct client_vm *m)
{
    return med_server_exec_stats(server_thread_server(m->server))->times.engine_ns;
}

/* The scheduler's ELSP writes to an idle engine so far: each follows an
 * engine left idle with the vGPU's work queued (a completion the
 * mediator had to react to), the GPU-bound gap of docs/benchmarks.md.
 * Read as client_engine_ns() is: counted before the COMPLETE the client
 * waited for, nothing more until it submits again. */
static uint64_t client_idle_starts(struct client_vm *m)
{
    const struct med_sched_stats *st = med_server_sched_stats(server_thread_server(m->server));

    return st->elsp_writes - st->elsp_appends - st->elsp_feeds;
}

/* The mediator's wake-ups by the engine's interrupts so far: each is a
 * system call and a wake-up on the engine's thread (GPU time), read as
 * client_idle_starts() is. */
static uint64_t client_interrupts(struct client_vm *m)
{
    return med_server_sched_stats(server_thread_server(m->server))->interrupts;
}

/* @per_batch as for submit_after(). */
static struct run run_client(const struct workload *w, bool per_batch,
                               struct med_vgpu_exec_stats *totals)
{
    struct client_vm m;
    uint64_t start, elapsed, engine_before, starts_before, starts, interrupts_before, interrupts;

    client_open(&m, w);
    client_emit(&m, batch_va(w, 0), true);
    if (guest_ctx_wait(m.ctx, BENCH_WAIT_MS)) {
        bench_die("the client's warm-up batch");
    }
    engine_before = client_engine_ns(&m);
    starts_before = client_idle_starts(&m);
    interrupts_before = client_interrupts(&m);
    start = bench_now_ns();
    for (unsigned i = 0; i < w->batches; i++) {
        client_emit(&m, batch_va(w, i), submit_after(w, per_batch, i));
    }
    if (guest_ctx_wait(m.ctx, BENCH_WAIT_MS)) {
        bench_die("client completion");
    }
    elapsed = bench_now_ns() - start;
    starts = client_idle_starts(&m) - starts_before;
    interrupts = client_interrupts(&m) - interrupts_before;
    check_result(w, m.src->map, m.dst->map);
    client_close(&m, totals);
    if (totals->completed != 1 + (per_batch ? w->batches
                                            : (w->batches + BATCHED_SUBMIT - 1) / BATCHED_SUBMIT)) {
        bench_die("counting the mediator's workloads");
    }
    return (struct run){ elapsed, totals->times.engine_ns - engine_before, starts, interrupts };
}

/* One workload at a time, each waited for: the client's round trip. */
static double client_round_trip_us(const struct workload *w, struct med_vgpu_exec_stats *totals)
{
    struct client_vm m;
    uint64_t start;
    double us;

    client_open(&m, w);
    start = bench_now_ns();
    for (unsigned i = 0; i < ROUND_TRIPS; i++) {
        client_emit(&m, batch_va(w, i), true);
        if (guest_ctx_wait(m.ctx, BENCH_WAIT_MS)) {
            bench_die("client completion");
        }
    }
    us = (bench_now_ns() - start) / 1e3 / ROUND_TRIPS;
    client_close(&m, totals);
    return us;
}

static double per_workload_us(uint64_t ns, const struct med_vgpu_exec_stats *st)
{
    return ns / 1e3 / (double)st->times.workloads;
}

/* Means over ROUND_TRIPS workloads, one at a time, from one run. */
static void report_overhead(const struct workload *w)
{
    struct med_vgpu_exec_stats st;
    double round_trip = client_round_trip_us(w, &st);
    const struct med_vgpu_exec_times *t = &st.times;
    double mediator = per_workload_us(t->shadow_ns + t->scan_ns + t->schedule_ns +
                                      t->completion_ns, &st);
    double gpu = per_workload_us(t->gpu_ns, &st);

    printf("BENCH mediator-client-%s-overhead-shadow %.1f us\n", w->name,
           per_workload_us(t->shadow_ns, &st));
    printf("BENCH mediator-client-%s-overhead-scan %.1f us\n", w->name,
           per_workload_us(t->scan_ns, &st));
    printf("BENCH mediator-client-%s-overhead-schedule %.1f us\n", w->name,
           per_workload_us(t->schedule_ns, &st));
    printf("BENCH mediator-client-%s-overhead-completion %.1f us\n", w->name,
           per_workload_us(t->completion_ns, &st));
    printf("BENCH mediator-client-%s-overhead-mediator %.1f us\n", w->name, mediator);
    /* The rest of the client's round trip: two messages and the wake-ups. */
    printf("BENCH mediator-client-%s-overhead-messages %.1f us\n", w->name,
           round_trip - mediator - gpu);
    printf("BENCH mediator-client-%s-gpu %.1f us\n", w->name, gpu);
    printf("BENCH mediator-client-%s-round-trip %.1f us\n", w->name, round_trip);
}

/* The four kinds of run, in the order they are interleaved. */
enum kind { NATIVE, NATIVE_BATCHED, CLIENT, CLIENT_BATCHED, KINDS };

static const char *const kind_names[KINDS] = {
    [NATIVE] = "native", [NATIVE_BATCHED] = "native-batched",
    [CLIENT] = "client", [CLIENT_BATCHED] = "client-batched",
};

static struct run run_kind(const struct workload *w, enum kind k, unsigned *lost)
{
    struct med_vgpu_exec_stats st;

    switch (k) {
    case NATIVE:
        return run_native(w, true, lost);
    case NATIVE_BATCHED:
        return run_native(w, false, lost);
    case CLIENT:
        return run_client(w, true, &st);
    default:
        return run_client(w, false, &st);
    }
}

/* The ROUNDS runs of one kind, as the three figures printed for it. */
struct kind_stats {
    struct bench_stat rate;     /* batches/s */
    struct bench_stat busy;     /* engine (CPU) time / wall time */
    struct bench_stat engine;   /* engine (CPU) us per batch */
    struct bench_stat starts;   /* ELSP writes to an idle engine per batch (client_idle_starts) */
    struct bench_stat interrupts;   /* the mediator's wake-ups by interrupts per batch */
};

static struct kind_stats kind_stats(const struct workload *w, const struct run *runs)
{
    double rate[ROUNDS], busy[ROUNDS], engine[ROUNDS], starts[ROUNDS], interrupts[ROUNDS];

    for (unsigned r = 0; r < ROUNDS; r++) {
        rate[r] = w->batches / (runs[r].wall_ns / 1e9);
        busy[r] = (double)runs[r].engine_ns / runs[r].wall_ns;
        engine[r] = runs[r].engine_ns / 1e3 / w->batches;
        starts[r] = (double)runs[r].idle_starts / w->batches;
        interrupts[r] = (double)runs[r].interrupts / w->batches;
    }
    return (struct kind_stats){ bench_stat_of(rate, ROUNDS), bench_stat_of(busy, ROUNDS),
                                bench_stat_of(engine, ROUNDS), bench_stat_of(starts, ROUNDS),
                                bench_stat_of(interrupts, ROUNDS) };
}

static void print_ratio(const struct workload *w, const char *what, double ratio)
{
    printf("BENCH mediator-client-%s-%s %.3f ratio\n", w->name, what, ratio);
}

/* 0, or 1 if a native completion was lost. */
static int bench_workload(const struct workload *w)
{
    struct run runs[KINDS][ROUNDS];
    struct kind_stats k[KINDS];
    unsigned lost = 0;
    char name[96];

    for (unsigned r = 0; r <= ROUNDS; r++) {
        for (enum kind kind = 0; kind < KINDS; kind++) {
            struct run one = run_kind(w, kind, &lost);

            if (r > 0) {
                runs[kind][r - 1] = one;    /* round 0 warms up */
            }
        }
    }
    /* a lost completion is a driver or model bug, never noise */
    printf("BENCH mediator-client-%s-native-lost-completions %u count\n", w->name, lost);
    if (lost) {
        fflush(stdout);
        fprintf(stderr, "bench: %u native completions lost in %u runs of %s\n", lost,
                2 * (ROUNDS + 1), w->name);
        return 1;
    }
    for (enum kind kind = 0; kind < KINDS; kind++) {
        k[kind] = kind_stats(w, runs[kind]);
        snprintf(name, sizeof(name), "mediator-client-%s-%s", w->name, kind_names[kind]);
        bench_print_stat(name, "batches/s", 0, k[kind].rate);
    }
    print_ratio(w, "client-vs-native", k[CLIENT].rate.median / k[NATIVE].rate.median);
    print_ratio(w, "client-batched-vs-native-batched",
                k[CLIENT_BATCHED].rate.median / k[NATIVE_BATCHED].rate.median);
    print_ratio(w, "client-vs-native-batched",
                k[CLIENT].rate.median / k[NATIVE_BATCHED].rate.median);
    /*
     * The wall ratio is the engine's time ratio times the busy ratio.
     * The model's engine time is its thread's CPU time, so the first says
     * whether the work itself costs the engine more on one side; the
     * second is the GPU left idle by the mediator only where both sides'
     * engine threads got the same share of a CPU, which on loaded shared
     * cores they need not (the mediated side runs the mediator's and the
     * client's threads beside the engine's): docs/benchmarks.md.
     */
    print_ratio(w, "engine-client-batched-vs-native-batched",
                k[NATIVE_BATCHED].engine.median / k[CLIENT_BATCHED].engine.median);
    print_ratio(w, "busy-client-batched-vs-native-batched",
                k[CLIENT_BATCHED].busy.median / k[NATIVE_BATCHED].busy.median);
    for (enum kind kind = 0; kind < KINDS; kind++) {
        snprintf(name, sizeof(name), "mediator-client-%s-%s-gpu-busy", w->name,
                 kind_names[kind]);
        bench_print_stat(name, "fraction", 3, k[kind].busy);
        snprintf(name, sizeof(name), "mediator-client-%s-%s-engine", w->name,
                 kind_names[kind]);
        bench_print_stat(name, "us/batch", 2, k[kind].engine);
    }
    /* A count, not a time: the engine left idle per batch whatever the
     * load (natively the batched element runs through: 1 / 256). */
    snprintf(name, sizeof(name), "mediator-client-%s-client-batched-idle-starts", w->name);
    bench_print_stat(name, "per-batch", 4, k[CLIENT_BATCHED].starts);
    snprintf(name, sizeof(name), "mediator-client-%s-client-batched-interrupts", w->name);
    bench_print_stat(name, "per-batch", 4, k[CLIENT_BATCHED].interrupts);
    report_overhead(w);
    fflush(stdout);
    return 0;
}

/* Every workload, or those named. */
int main(int argc, char **argv)
{
    for (int a = 1; a < argc; a++) {
        size_t k = 0;

        while (k < sizeof(workloads) / sizeof(workloads[0]) && strcmp(argv[a], workloads[k].name)) {
            k++;
        }
        if (k == sizeof(workloads) / sizeof(workloads[0])) {
            fprintf(stderr, "bench-mediator-client: no workload '%s' (blit-1080p, sdi, "
                    "sdi-distinct)\n", argv[a]);
            return 2;
        }
    }
    for (size_t k = 0; k < sizeof(workloads) / sizeof(workloads[0]); k++) {
        bool named = argc == 1;

        for (int a = 1; a < argc; a++) {
            named |= !strcmp(argv[a], workloads[k].name);
        }
        if (named && bench_workload(&workloads[k])) {
            return 1;
        }
    }
    return 0;
}
