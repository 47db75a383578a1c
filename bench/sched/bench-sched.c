/*
 * bench-sched.c - what sharing the GPU costs (docs/benchmarks.md, "sched"):
 *
 *  1. the weighted policy's decision that starts a time slice (it looks at
 *     every vGPU with work) with 2, 32 and 256 vGPUs, per decision and as
 *     a share of a 1 ms slice;
 *  2. a vGPU-to-vGPU switch through the real mediator next to the native
 *     context switch on the model, measured in the same run the same way,
 *     on the GPU's clock: the engine's idle time between the end of one
 *     context's batch and the start of the next context's, the next one's
 *     work queued before the first ends (native: two contexts with two
 *     PPGTTs as an ELSP pair; mediated: one context of each of two vGPUs,
 *     each its own SUBMIT; and two contexts of one vGPU);
 *  3. the throughput of N vGPUs (1..32), each a client thread, the same
 *     work in all shared out among them, as a ratio of one vGPU's.
 *
 * The compared measurements of 2 and 3 alike (bench/bench-stats.h): one
 * round of all of them is run and discarded, then RUNS rounds, each
 * measurement once per round; median, least and greatest, ratios of
 * medians.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench/bench-stats.h"
#include "bench/pgpu/bench-common.h"
#include "gen9/engine.h"
#include "gen9/regs.h"
#include "mediator/server.h"
#include "mediator/submission/submission.h"
#include "tests/harness/guest-driver.h"
#include "tests/harness/server-thread.h"
#include "sched/sched.h"
#include "tests/unit/scan/emit.h"

#define SLICE_NS        1000000ull
#define DECISIONS       200000
#define SWITCH_ROUNDS   1000
#define RUNS            5           /* rounds of each compared measurement, after one discarded */
#define BATCH_VA        0x0000100000000ull
#define DATA_VA         0x0000200000000ull
#define GUEST_RAM       (16ull << 20)
#define WAIT_MS         60000
#define TP_ROUNDS       1600        /* in all, shared out among the vGPUs: rounds of TP_BATCHES batches */
#define TP_BATCHES      4
#define TP_STORES       256         /* per batch */
#define TP_STRIDE       8192        /* bytes per batch */

static bool bench_arg(int argc, char **argv, const char *part)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], part)) {
            return true;
        }
    }
    return false;
}

/* The mediator as gpumed runs by default: without the invariant checker
 * (gpumed --check-invariants, every test's), which walks each workload's
 * shadow PPGTT at every dispatch. */
static struct server_thread *start_mediator(void)
{
    return server_thread_start_config(&(struct med_server_config){ .check_invariants = false });
}

/* ---- 1. the policy's slice decision ---- */

static void bench_policy(unsigned vgpus)
{
    const struct med_sched_policy_ops *ops = &med_sched_policy_weighted;
    void *policy = ops->create(&(struct med_sched_policy_params){ .time_slice_ns = SLICE_NS });
    struct med_sched_share share = { .weight = 4, .cap_percent = 100 };
    struct med_sched_entity *en = calloc(vgpus, sizeof(*en));
    uint64_t now = 1000000000ull, start, elapsed;

    if (!policy || !en) {
        bench_die("creating the policy");
    }
    for (unsigned i = 0; i < vgpus; i++) {
        med_sched_entity_init(&en[i], GEN9_RCS, &share);
        ops->runnable(policy, &en[i], now);
    }
    start = bench_now_ns();
    for (unsigned i = 0; i < DECISIONS; i++) {
        /* each charge uses up the slice: every pick starts a new one */
        struct med_sched_entity *picked = ops->pick(policy, GEN9_RCS, now);

        now += SLICE_NS;
        ops->charge(policy, picked, SLICE_NS, now);
    }
    elapsed = bench_now_ns() - start;
    printf("BENCH sched-slice-decision-%uvgpus %.1f ns\n", vgpus, (double)elapsed / DECISIONS);
    printf("BENCH sched-slice-overhead-%uvgpus %.1f ppm\n", vgpus,
           (double)elapsed / DECISIONS / SLICE_NS * 1e6);
    ops->destroy(policy);
    free(en);
}

/* ---- 2. the vGPU-to-vGPU switch on the GPU's clock ---- */

/*
 * Each batch stores the engine's RING_TIMESTAMP (the GPU's one clock, 12
 * MHz) first and last, around GAP_STORES stores: long enough that the
 * second context's work is queued (natively: written as port 1 of the
 * ELSP pair; mediated: the second client's SUBMIT taken) before the first
 * ends.  The engine's idle time at a switch is then the second batch's
 * first stamp minus the first batch's last: what the GPU loses at the
 * switch, with no client or driver round in it.
 */
#define GAP_STORES      4096
#define GAP_TS          0x800       /* in the data page: a batch's two stamps, 8 bytes per batch */
#define GAP_BATCH_SIZE  (4096 * (GAP_STORES * 16 / 4096 + 1))
#define OP_SRM          0x24        /* MI_STORE_REGISTER_MEM (emit_reg_mem()) */

static void emit_timed_batch(uint32_t *p, uint64_t data_va, unsigned batch)
{
    uint32_t ts = gen9_engines[GEN9_RCS].base + RING_TIMESTAMP;

    emit_reg_mem(&p, OP_SRM, ts, data_va + GAP_TS + 8 * batch, false);
    for (unsigned s = 0; s < GAP_STORES; s++) {
        emit_sdi(&p, data_va + 4 * (s % (GAP_TS / 4)), false, false);
    }
    emit_reg_mem(&p, OP_SRM, ts, data_va + GAP_TS + 8 * batch + 4, false);
    emit(&p, MI_BB_END_DW);
}

/* The engine's idle time between the batches @x and @y (stamps of
 * @data_x and @data_y), whichever ran first, in ticks. */
static uint32_t gap_ticks(const void *data_x, unsigned x, const void *data_y, unsigned y)
{
    const uint32_t *tx = (const uint32_t *)((const uint8_t *)data_x + GAP_TS) + 2 * x;
    const uint32_t *ty = (const uint32_t *)((const uint8_t *)data_y + GAP_TS) + 2 * y;

    return (int32_t)(ty[0] - tx[1]) >= 0 ? ty[0] - tx[1] : tx[0] - ty[1];
}

/* The median of @rounds gaps in ticks, in ns: a switch as it typically
 * goes, without the rounds in which the host took the engine's or the
 * driver's thread off its CPU (at load, a few rounds of a thousand add
 * milliseconds to a mean). */
static double median_gap_ns(double *ticks, unsigned rounds)
{
    qsort(ticks, rounds, sizeof(ticks[0]), bench_cmp_double);
    return (rounds % 2 ? ticks[rounds / 2] : (ticks[rounds / 2 - 1] + ticks[rounds / 2]) / 2) *
           1e9 / SKL_CS_CLOCK_HZ;
}

/* The native driver on its own model: two contexts with two PPGTTs, each
 * with its batch and data page. */
struct native_pair {
    struct native *n;
    struct native_ctx *ctx[2];
    struct native_bo *data[2];
};

static void native_pair_open(struct native_pair *np)
{
    struct native_vm *vm[2];

    np->n = bench_open(&vm[0]);
    vm[1] = native_vm_new(np->n);
    for (unsigned c = 0; c < 2; c++) {
        struct native_bo *batch;

        if (!vm[c]) {
            bench_die("creating a PPGTT");
        }
        batch = bench_buffer(np->n, vm[c], GAP_BATCH_SIZE, BATCH_VA);
        np->data[c] = bench_buffer(np->n, vm[c], 4096, DATA_VA);
        np->ctx[c] = native_ctx_new(np->n, GEN9_RCS, vm[c]);
        if (!np->ctx[c]) {
            bench_die("creating a context");
        }
        emit_timed_batch(batch->map, DATA_VA, 0);
    }
}

/* The rounds' gaps, for median_gap_ns(); room for a long profile run */
#define GAP_ROUNDS_MAX  (10 * SWITCH_ROUNDS)
static double gaps[GAP_ROUNDS_MAX];

/* Idle ns at the switch over @rounds rounds of one batch in each context,
 * written as one ELSP pair as i915 writes two ready requests. */
static double native_gap_ns(struct native_pair *np, unsigned rounds)
{
    for (unsigned i = 0; i < rounds; i++) {
        uint32_t seq[2];

        for (unsigned c = 0; c < 2; c++) {
            native_emit_batch(np->ctx[c], BATCH_VA, true);
            seq[c] = native_emit_breadcrumb(np->ctx[c]);
        }
        if (native_submit_pair(np->ctx[0], np->ctx[1]) ||
            native_wait(np->ctx[0], seq[0], WAIT_MS) || native_wait(np->ctx[1], seq[1], WAIT_MS)) {
            bench_die("a native round");
        }
        gaps[i] = gap_ticks(np->data[0]->map, 0, np->data[1]->map, 0);
    }
    return median_gap_ns(gaps, rounds);
}

struct vm_ctx {
    struct guest_vm *vm;
    struct guest_ppgtt *ppgtt;
    struct guest_bo *batch, *data;
    struct guest_ctx *ctx[2];
};

/* Context c runs batch c, which stamps its own slot. */
static void vm_open(struct vm_ctx *v, const char *socket, const char *name, const char *type)
{
    v->vm = guest_vm_create(socket, name, GUEST_RAM, type);
    v->ppgtt = v->vm ? guest_ppgtt_new(v->vm) : NULL;
    v->batch = v->ppgtt ? guest_bo_new(v->vm, 2 * GAP_BATCH_SIZE, false) : NULL;
    v->data = v->batch ? guest_bo_new(v->vm, 4096, false) : NULL;
    for (unsigned c = 0; c < 2 && v->data; c++) {
        v->ctx[c] = guest_ctx_new(v->vm, GEN9_RCS, v->ppgtt);
    }
    if (!v->data || !v->ctx[0] || !v->ctx[1] || guest_ppgtt_map(v->ppgtt, v->batch, BATCH_VA) ||
        guest_ppgtt_map(v->ppgtt, v->data, DATA_VA)) {
        bench_die("creating a guest");
    }
    for (unsigned b = 0; b < 2; b++) {
        emit_timed_batch((uint32_t *)((uint8_t *)v->batch->map + b * GAP_BATCH_SIZE), DATA_VA, b);
    }
}

static void submit(struct vm_ctx *v, unsigned c)
{
    uint32_t seqno;

    if (guest_ctx_emit_batch(v->ctx[c], BATCH_VA + c * GAP_BATCH_SIZE, true) ||
        guest_ctx_emit_breadcrumb(v->ctx[c], &seqno) || guest_ctx_submit(v->ctx[c])) {
        bench_die("submitting");
    }
}

static void wait_done(struct vm_ctx *v, unsigned c)
{
    if (guest_ctx_wait(v->ctx[c], WAIT_MS)) {
        bench_die("waiting");
    }
}

/* Idle ns at the switch over @rounds rounds: context 0 of @a, then
 * context 0 of @b (another vGPU) or, @b NULL, context 1 of @a, each its
 * own SUBMIT right after the other. */
static double mediated_gap_ns(struct vm_ctx *a, struct vm_ctx *b, unsigned rounds)
{
    struct vm_ctx *second = b ? b : a;
    unsigned c = b ? 0 : 1;

    for (unsigned i = 0; i < rounds; i++) {
        submit(a, 0);
        submit(second, c);
        wait_done(a, 0);
        wait_done(second, c);
        gaps[i] = gap_ticks(a->data->map, 0, second->data->map, c);
    }
    return median_gap_ns(gaps, rounds);
}

static void bench_switch(void)
{
    struct server_thread *st = start_mediator();
    struct vm_ctx a = { 0 }, b = { 0 };
    struct native_pair np;
    double native[RUNS], same_vgpu[RUNS], two_vgpus[RUNS];
    struct bench_stat native_gap, vgpu_gap;
    struct med_sched_stats before, after;
    uint64_t writes = 0, pairs = 0;

    if (!st) {
        bench_die("starting the mediator");
    }
    native_pair_open(&np);
    vm_open(&a, server_thread_socket(st), "switch-a", "gpumed-8");
    vm_open(&b, server_thread_socket(st), "switch-b", "gpumed-8");
    /* round 0 warms up every side alike */
    for (unsigned r = 0; r <= RUNS; r++) {
        double n = native_gap_ns(&np, SWITCH_ROUNDS);
        double same = mediated_gap_ns(&a, NULL, SWITCH_ROUNDS);
        double two;

        before = *med_server_sched_stats(server_thread_server(st));
        two = mediated_gap_ns(&a, &b, SWITCH_ROUNDS);
        after = *med_server_sched_stats(server_thread_server(st));
        if (r > 0) {
            native[r - 1] = n;
            same_vgpu[r - 1] = same;
            two_vgpus[r - 1] = two;
            writes += after.elsp_writes - before.elsp_writes;
            pairs += after.elsp_pairs - before.elsp_pairs;
        }
    }
    native_gap = bench_stat_scaled(bench_stat_of(native, RUNS), 1e-3);
    vgpu_gap = bench_stat_scaled(bench_stat_of(two_vgpus, RUNS), 1e-3);
    bench_print_stat("sched-native-ctx-switch-gap", "us", 2, native_gap);
    bench_print_stat("sched-same-vgpu-ctx-switch-gap", "us", 2,
                     bench_stat_scaled(bench_stat_of(same_vgpu, RUNS), 1e-3));
    bench_print_stat("sched-vgpu-switch-gap", "us", 2, vgpu_gap);
    printf("BENCH sched-vgpu-switch-gap-vs-native %.2f ratio\n",
           vgpu_gap.median / native_gap.median);
    /* Rounds of two vGPUs whose workloads went to the GPU as one ELSP
     * write (a pair from idle, or the second appended behind the running
     * first), as the native rounds always do: a round is a pair or two
     * single ELSP writes. */
    printf("BENCH sched-vgpu-switch-paired %.2f fraction\n",
           writes ? 2.0 * pairs / (writes + pairs) : 0.0);
    native_close(np.n);
    guest_vm_destroy(a.vm);
    guest_vm_destroy(b.vm);
    server_thread_destroy(st);
}

/* For callgrind (docs/benchmarks.md): only @rounds rounds of @mode (same:
 * two contexts of one vGPU; two: one context of each of two vGPUs), after
 * a warm-up of SWITCH_ROUNDS.  Instructions per round are the difference
 * of two runs' counts over the difference of their rounds. */
static void profile_switch(const char *mode, unsigned rounds)
{
    struct server_thread *st = start_mediator();
    struct vm_ctx a = { 0 }, b = { 0 };
    struct med_sched_stats before, after;
    struct vm_ctx *second;

    if (!st) {
        bench_die("starting the mediator");
    }
    vm_open(&a, server_thread_socket(st), "switch-a", "gpumed-8");
    vm_open(&b, server_thread_socket(st), "switch-b", "gpumed-8");
    second = !strcmp(mode, "two") ? &b : NULL;
    mediated_gap_ns(&a, second, SWITCH_ROUNDS);
    rounds = rounds < GAP_ROUNDS_MAX ? rounds : GAP_ROUNDS_MAX;
    before = *med_server_sched_stats(server_thread_server(st));
    printf("%u rounds of %s: median gap %.2f us", rounds, mode,
           mediated_gap_ns(&a, second, rounds) / 1e3);
    after = *med_server_sched_stats(server_thread_server(st));
    printf(", %" PRIu64 " ELSP writes, %" PRIu64 " of them pairs, %" PRIu64
           " appended, %" PRIu64 " interrupts\n", after.elsp_writes - before.elsp_writes,
           after.elsp_pairs - before.elsp_pairs, after.elsp_appends - before.elsp_appends,
           after.interrupts - before.interrupts);
    guest_vm_destroy(a.vm);
    guest_vm_destroy(b.vm);
    server_thread_destroy(st);
}

/* ---- 3. throughput of N vGPUs ---- */

/* Every client has its vGPU and ran one round (its shadow PPGTT and
 * workload memory exist): the clock starts.  Then every client's rounds
 * are done: the clock stops, before the vGPUs are torn down. */
static pthread_barrier_t tp_ready, tp_done;
static unsigned tp_rounds = TP_ROUNDS;

struct tp_client {
    pthread_t thread;
    const char *socket;
    unsigned index;
    unsigned rounds;
    uint64_t end_ns;            /* its last round done */
    bool failed;
};

static bool tp_round(struct guest_ctx *ctx)
{
    uint32_t seqno;

    for (unsigned b = 0; b < TP_BATCHES; b++) {
        if (guest_ctx_emit_batch(ctx, BATCH_VA + b * TP_STRIDE, true) ||
            guest_ctx_emit_breadcrumb(ctx, &seqno) || guest_ctx_submit(ctx)) {
            return false;
        }
    }
    return !guest_ctx_wait(ctx, WAIT_MS);
}

static void *tp_client_main(void *opaque)
{
    struct tp_client *c = opaque;
    struct guest_vm *vm;
    struct guest_ppgtt *ppgtt;
    struct guest_ctx *ctx;
    struct guest_bo *batch, *data;
    char name[32];

    snprintf(name, sizeof(name), "tp-%02u", c->index);
    vm = guest_vm_create(c->socket, name, GUEST_RAM, "gpumed-32");
    ppgtt = vm ? guest_ppgtt_new(vm) : NULL;
    ctx = ppgtt ? guest_ctx_new(vm, GEN9_RCS, ppgtt) : NULL;
    batch = ctx ? guest_bo_new(vm, TP_BATCHES * TP_STRIDE, false) : NULL;
    data = batch ? guest_bo_new(vm, 4096, false) : NULL;
    c->failed = !data || guest_ppgtt_map(ppgtt, batch, BATCH_VA) ||
                guest_ppgtt_map(ppgtt, data, DATA_VA);
    for (unsigned b = 0; b < TP_BATCHES && !c->failed; b++) {
        uint32_t *p = (uint32_t *)((uint8_t *)batch->map + b * TP_STRIDE);

        for (unsigned s = 0; s < TP_STORES; s++) {
            emit_sdi(&p, DATA_VA + 4 * s, false, false);
        }
        emit(&p, MI_BB_END_DW);
    }
    c->failed = c->failed || !tp_round(ctx);
    pthread_barrier_wait(&tp_ready);
    for (unsigned r = 0; r < c->rounds && !c->failed; r++) {
        c->failed = !tp_round(ctx);
    }
    c->end_ns = bench_now_ns();
    pthread_barrier_wait(&tp_done);
    guest_vm_destroy(vm);
    return NULL;
}

/* How long the vGPUs waited for the GPU with work queued (sched.h,
 * med_sched_stats): 50th and 99th percentiles and the greatest, in µs;
 * and how evenly they were served: Jain's index over each vGPU's own
 * throughput (its batches over the time from the common start to its last
 * round; every vGPU has the same work), 1 when all finish together, 1/N
 * when one takes everything. */
struct tp_waits {
    double p50_us, p99_us, max_us;
    double jain;
};

/* What the mediator counted over the timed rounds (for profile-throughput). */
struct tp_counts {
    uint64_t elements, workloads;       /* SUBMIT elements; workloads they ran as */
    uint64_t wall_ns;                   /* the timed rounds' */
    /* the process's CPU time (user + system) and context switches
     * (voluntary, involuntary) in the timed rounds, from getrusage() */
    uint64_t cpu_ns, switches_voluntary, switches_involuntary;
    struct med_sched_stats before, after;       /* the scheduler's, around the timed rounds */
};

static uint64_t rusage_cpu_ns(const struct rusage *u)
{
    return ((uint64_t)u->ru_utime.tv_sec + (uint64_t)u->ru_stime.tv_sec) * 1000000000ull +
           ((uint64_t)u->ru_utime.tv_usec + (uint64_t)u->ru_stime.tv_usec) * 1000ull;
}

/* Batches per second of @vgpus clients together, the same work in all;
 * their waits in @waits. */
static double throughput(unsigned vgpus, struct tp_waits *waits, struct tp_counts *counts)
{
    struct med_sched_stats before, sched;
    struct med_vgpu_exec_stats exec_before;
    struct rusage usage_before, usage_after;
    struct server_thread *st = start_mediator();
    struct tp_client *clients = calloc(vgpus, sizeof(*clients));
    uint64_t start, end = 0;
    double sum = 0, sum_sq = 0;

    if (!st || !clients || pthread_barrier_init(&tp_ready, NULL, vgpus + 1) ||
        pthread_barrier_init(&tp_done, NULL, vgpus + 1)) {
        bench_die("starting the mediator");
    }
    for (unsigned i = 0; i < vgpus; i++) {
        clients[i] = (struct tp_client){ .socket = server_thread_socket(st), .index = i,
                                         .rounds = tp_rounds / vgpus };
        if (pthread_create(&clients[i].thread, NULL, tp_client_main, &clients[i])) {
            bench_die("starting a client");
        }
    }
    pthread_barrier_wait(&tp_ready);
    start = bench_now_ns();
    before = *med_server_sched_stats(server_thread_server(st));
    exec_before = *med_server_exec_stats(server_thread_server(st));
    getrusage(RUSAGE_SELF, &usage_before);
    pthread_barrier_wait(&tp_done);
    getrusage(RUSAGE_SELF, &usage_after);
    for (unsigned i = 0; i < vgpus; i++) {
        pthread_join(clients[i].thread, NULL);
        if (clients[i].failed) {
            bench_die("a client's workload");
        }
        end = clients[i].end_ns > end ? clients[i].end_ns : end;
    }
    for (unsigned i = 0; i < vgpus; i++) {
        double rate = (double)clients[i].rounds / (double)(clients[i].end_ns - start);

        sum += rate;
        sum_sq += rate * rate;
    }
    /* the waits of the timed rounds only (the greatest to within 1/8) */
    sched = *med_server_sched_stats(server_thread_server(st));
    if (counts) {
        const struct med_vgpu_exec_stats *exec = med_server_exec_stats(server_thread_server(st));

        counts->wall_ns = end - start;
        counts->cpu_ns = rusage_cpu_ns(&usage_after) - rusage_cpu_ns(&usage_before);
        counts->switches_voluntary = (uint64_t)(usage_after.ru_nvcsw - usage_before.ru_nvcsw);
        counts->switches_involuntary = (uint64_t)(usage_after.ru_nivcsw - usage_before.ru_nivcsw);
        counts->before = before;
        counts->after = sched;
        counts->elements = exec->elements - exec_before.elements;
        counts->workloads = exec->times.workloads - exec_before.times.workloads;
    }
    sched.waits -= before.waits;
    for (unsigned b = 0; b < MED_SCHED_WAIT_BUCKETS; b++) {
        sched.wait_buckets[b] -= before.wait_buckets[b];
    }
    *waits = (struct tp_waits){ .p50_us = (double)med_sched_wait_ns(&sched, 0.5) / 1e3,
                                .p99_us = (double)med_sched_wait_ns(&sched, 0.99) / 1e3,
                                .max_us = (double)med_sched_wait_ns(&sched, 1.0) / 1e3,
                                .jain = sum * sum / (vgpus * sum_sq) };
    pthread_barrier_destroy(&tp_ready);
    pthread_barrier_destroy(&tp_done);
    server_thread_destroy(st);
    free(clients);
    return (double)(tp_rounds / vgpus * vgpus) * TP_BATCHES / ((double)(end - start) / 1e9);
}

static void bench_throughput(void)
{
    static const unsigned counts[] = { 1, 2, 4, 8, 16, 32 };
    enum { COUNTS = sizeof(counts) / sizeof(counts[0]) };
    double rate[COUNTS][RUNS], p50[COUNTS][RUNS], p99[COUNTS][RUNS], max[COUNTS][RUNS];
    double jain[COUNTS][RUNS];
    struct bench_stat st[COUNTS];
    char name[64];

    /* round 0 warms up; each round runs every count once */
    for (unsigned r = 0; r <= RUNS; r++) {
        for (unsigned i = 0; i < COUNTS; i++) {
            struct tp_waits w;
            double t = throughput(counts[i], &w, NULL);

            if (r > 0) {
                rate[i][r - 1] = t;
                p50[i][r - 1] = w.p50_us;
                p99[i][r - 1] = w.p99_us;
                max[i][r - 1] = w.max_us;
                jain[i][r - 1] = w.jain;
            }
        }
    }
    for (unsigned i = 0; i < COUNTS; i++) {
        st[i] = bench_stat_of(rate[i], RUNS);
        snprintf(name, sizeof(name), "sched-throughput-%uvgpus", counts[i]);
        bench_print_stat(name, "batches/s", 0, st[i]);
        if (i > 0) {
            printf("BENCH sched-throughput-%uvgpus-vs-1 %.2f ratio\n", counts[i],
                   st[i].median / st[0].median);
            snprintf(name, sizeof(name), "sched-fairness-%uvgpus-jain", counts[i]);
            bench_print_stat(name, "index", 3, bench_stat_of(jain[i], RUNS));
        }
    }
    for (unsigned i = 0; i < COUNTS; i++) {
        if (counts[i] < 16) {
            continue;
        }
        snprintf(name, sizeof(name), "sched-wait-%uvgpus-p50", counts[i]);
        bench_print_stat(name, "us", 0, bench_stat_of(p50[i], RUNS));
        snprintf(name, sizeof(name), "sched-wait-%uvgpus-p99", counts[i]);
        bench_print_stat(name, "us", 0, bench_stat_of(p99[i], RUNS));
        snprintf(name, sizeof(name), "sched-wait-%uvgpus-max", counts[i]);
        bench_print_stat(name, "us", 0, bench_stat_of(max[i], RUNS));
    }
}

/* bench-sched [policy|switch|throughput...]: those parts, or all;
 * bench-sched profile same|two ROUNDS: see profile_switch();
 * bench-sched profile-throughput VGPUS [ROUNDS]: one throughput run (for
 * callgrind: instructions per round are the difference of two runs'
 * counts over the difference of their rounds). */
int main(int argc, char **argv)
{
    bool all = argc < 2;

    if (argc == 4 && !strcmp(argv[1], "profile")) {
        profile_switch(argv[2], (unsigned)strtoul(argv[3], NULL, 10));
        return 0;
    }
    if ((argc == 3 || argc == 4) && !strcmp(argv[1], "profile-throughput")) {
        struct tp_waits w;
        struct tp_counts c;
        unsigned vgpus = (unsigned)strtoul(argv[2], NULL, 10);
        double rate, batches;

        tp_rounds = argc == 4 ? (unsigned)strtoul(argv[3], NULL, 10) : TP_ROUNDS;
        rate = throughput(vgpus, &w, &c);
        batches = (double)(tp_rounds / vgpus * vgpus * TP_BATCHES);

        printf("%u vGPUs: %.0f batches/s, Jain's index %.3f, waits p50 %.0f us p99 %.0f us "
               "max %.0f us\n", vgpus, rate, w.jain, w.p50_us, w.p99_us, w.max_us);
        printf("timed rounds: %" PRIu64 " elements as %" PRIu64 " workloads, %" PRIu64
               " dispatches, %" PRIu64 " ELSP writes (%" PRIu64 " pairs, %" PRIu64
               " appended, %" PRIu64 " feeds, %" PRIu64 " early completions), %" PRIu64
               " vGPU switches, %" PRIu64
               " interrupts, %" PRIu64 " timer wake-ups; the engine busy %.3f of the time\n",
               c.elements, c.workloads,
               c.after.dispatched - c.before.dispatched,
               c.after.elsp_writes - c.before.elsp_writes,
               c.after.elsp_pairs - c.before.elsp_pairs,
               c.after.elsp_appends - c.before.elsp_appends,
               c.after.elsp_feeds - c.before.elsp_feeds,
               c.after.early_completions - c.before.early_completions,
               c.after.vgpu_switches - c.before.vgpu_switches,
               c.after.interrupts - c.before.interrupts,
               c.after.timer_wakeups - c.before.timer_wakeups,
               (double)(c.after.busy_ns[GEN9_RCS] - c.before.busy_ns[GEN9_RCS]) /
               (double)c.wall_ns);
        printf("per batch: %.1f us of CPU (user and system, all threads), %.2f voluntary and "
               "%.2f involuntary context switches\n", (double)c.cpu_ns / 1e3 / (double)batches,
               (double)c.switches_voluntary / (double)batches,
               (double)c.switches_involuntary / (double)batches);
        return 0;
    }

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "policy") && strcmp(argv[i], "switch") &&
            strcmp(argv[i], "throughput")) {
            fprintf(stderr, "usage: bench-sched [policy|switch|throughput...]\n");
            return 2;
        }
    }
    if (all || bench_arg(argc, argv, "policy")) {
        bench_policy(2);
        bench_policy(32);
        bench_policy(256);
    }
    if (all || bench_arg(argc, argv, "switch")) {
        bench_switch();
    }
    if (all || bench_arg(argc, argv, "throughput")) {
        bench_throughput();
    }
    return 0;
}
