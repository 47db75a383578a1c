/*
 * bench-hostile-neighbour.c - what a hostile vGPU costs its neighbour
 * (issue 12, requirement 3, D1): a victim's GPU round (submit -> COMPLETE
 * of a small batch whose store is then verified) on a mediator it has to
 * itself, and beside a hostile VM that floods the mediator with PPGTT
 * notifications and submissions naming a crafted page-table tree as big
 * as its vGPU's table budget, side by side in one run (interleaved runs,
 * bench/bench-stats.h).  As in mediator-client there is no guest, QEMU or
 * trap: both VMs are guest-like clients (tests/harness/guest-driver.c)
 * in this process, the mediator a thread of it.
 *
 * The hostile tree: one PML4, one PDP, 32 page directories and
 * HOSTILE_PTS page tables (one per 2 MiB, each mapping one page, so no
 * two look alike and none is a scratch fill), with the batch's 16,336
 * tables, within the vGPU's budget of 16,384.  Each round of the flood announces the root
 * destroyed and created again (so the shadow is built anew: PPGTTs are
 * built at the first submission that uses them) and submits a batch that
 * uses it.  Each run times the victim's rounds for PHASE_NS alone, then
 * for PHASE_NS with the flood going (started before and stopped after the
 * timed rounds), a pause of PAUSE_NS after each round; a run's figures are
 * the median and the greatest of its rounds.  The guard is off (it would
 * stop the hostile VM after its eleventh build): this measures what the
 * budget, the mediator's time charged to the vGPU that caused it, leaves
 * the neighbour.  The hostile vGPU's builds and its share of the
 * mediator's thread come from the control socket (gpumedctl stats).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench-stats.h"
#include "bench/pgpu/bench-common.h"
#include "wire/control.h"
#include "mediator/guard.h"
#include "tests/harness/guest-driver.h"
#include "tests/harness/server-thread.h"
#include "pgpu/skl-regs.h"
#include "tests/unit/scan/emit.h"

#define RUNS            5
#define PHASE_NS        6000000000ull   /* victim rounds for this long per run and side */
#define PAUSE_NS        200000          /* between two rounds, as an application's frames */
#define MAX_ROUNDS      20000
#define WARMUP_ROUNDS   20
#define BATCH_VA        0x0000100000000ull
#define DATA_VA         0x0000200000000ull
#define TREE_VA         0x0001000000000ull     /* the hostile tree's leaves from here */
#define HOSTILE_PTS     16300                  /* + PML4, PDP, 32 PDs: within 16384 */
#define WAIT_MS         60000

struct victim {
    struct guest_vm *vm;
    struct guest_ctx *ctx;
    struct guest_bo *batch, *data;
    uint32_t value;
};

struct hostile {
    struct guest_vm *vm;
    struct guest_ppgtt *tree;
    struct guest_ctx *ctx;
    pthread_t thread;
    bool stop;                  /* atomic */
    uint64_t submitted;         /* atomic */
};

static uint64_t rounds;         /* the victim's, timed */


static void die(const char *what, int err)
{
    fprintf(stderr, "bench-hostile-neighbour: %s: %s\n", what, strerror(err < 0 ? -err : err));
    exit(1);
}

static void keep_vgpu(const struct wire_ctl_reply *r, void *opaque)
{
    struct wire_ctl_vgpu *v = opaque;

    if (r->kind == WIRE_CTL_VGPU && r->u.vgpu.id == v->id) {
        *v = r->u.vgpu;
    }
}

/* What gpumedctl stats says of vGPU @id. */
static struct wire_ctl_vgpu vgpu_stats(const char *socket, uint32_t id)
{
    const struct wire_ctl_request q = { .version = WIRE_CTL_VERSION, .op = WIRE_CTL_STATS };
    struct wire_ctl_vgpu v = { .id = id };
    char path[108], detail[WIRE_CTL_DETAIL_LEN];
    int fd = wire_ctl_path(socket, path, sizeof(path)) ? -1 : wire_ctl_connect(path);

    if (fd < 0 || wire_ctl_call(fd, &q, keep_vgpu, &v, detail)) {
        die("control socket", errno);
    }
    close(fd);
    return v;
}

static void victim_open(struct victim *v, const char *socket)
{
    struct guest_ppgtt *ppgtt;

    v->vm = guest_vm_create(socket, "victim", 32ull << 20, "gpumed-8");
    ppgtt = v->vm ? guest_ppgtt_new(v->vm) : NULL;
    v->batch = v->vm ? guest_bo_new(v->vm, 4096, false) : NULL;
    v->data = v->vm ? guest_bo_new(v->vm, 4096, false) : NULL;
    if (!ppgtt || !v->batch || !v->data || guest_ppgtt_map(ppgtt, v->batch, BATCH_VA) ||
        guest_ppgtt_map(ppgtt, v->data, DATA_VA) ||
        !(v->ctx = guest_ctx_new(v->vm, GEN9_RCS, ppgtt))) {
        die("victim VM", ENOMEM);
    }
}

/* One GPU round: a batch storing a new value, submitted, waited for and
 * checked; its duration in ns. */
static uint64_t victim_round(struct victim *v)
{
    uint32_t *p = v->batch->map, seqno;
    uint64_t start;
    int ret;

    v->value++;
    emit_sdi(&p, DATA_VA, false, false);
    p[-1] = v->value;
    emit(&p, MI_BB_END_DW);
    start = bench_now_ns();
    if ((ret = guest_ctx_emit_batch(v->ctx, BATCH_VA, true)) ||
        (ret = guest_ctx_emit_breadcrumb(v->ctx, &seqno)) || (ret = guest_ctx_submit(v->ctx)) ||
        (ret = guest_ctx_wait(v->ctx, WAIT_MS))) {
        die("victim round", ret);
    }
    if (__atomic_load_n((uint32_t *)v->data->map, __ATOMIC_ACQUIRE) != v->value) {
        die("victim round: the store did not land", EIO);
    }
    return bench_now_ns() - start;
}

static void hostile_open(struct hostile *h, const char *socket)
{
    struct guest_bo *batch, *leaf;
    uint32_t *p;

    h->vm = guest_vm_create(socket, "hostile", 128ull << 20, "gpumed-8");
    h->tree = h->vm ? guest_ppgtt_new(h->vm) : NULL;
    batch = h->vm ? guest_bo_new(h->vm, 4096, false) : NULL;
    leaf = h->vm ? guest_bo_new(h->vm, 4096, false) : NULL;
    if (!h->tree || !batch || !leaf || guest_ppgtt_map(h->tree, batch, BATCH_VA)) {
        die("hostile VM", ENOMEM);
    }
    if (guest_ppgtt_grow(h->tree, TREE_VA, HOSTILE_PTS, leaf)) {
        die("hostile tree", ENOMEM);
    }
    p = batch->map;
    emit(&p, MI_BB_END_DW);
    if (!(h->ctx = guest_ctx_new(h->vm, GEN9_RCS, h->tree))) {
        die("hostile context", ENOMEM);
    }
}

/* Flood until told to stop: re-announce the tree, submit a batch using it. */
static void *hostile_flood(void *opaque)
{
    struct hostile *h = opaque;

    while (!__atomic_load_n(&h->stop, __ATOMIC_ACQUIRE)) {
        uint32_t seqno;
        int ret;

        if ((ret = guest_ppgtt_announce(h->tree, WIRE_PPGTT_DESTROY)) ||
            (ret = guest_ppgtt_announce(h->tree, WIRE_PPGTT_CREATE)) ||
            (ret = guest_ctx_emit_batch(h->ctx, BATCH_VA, true)) ||
            (ret = guest_ctx_emit_breadcrumb(h->ctx, &seqno)) ||
            (ret = guest_ctx_submit(h->ctx))) {
            die("hostile flood", ret);
        }
        __atomic_add_fetch(&h->submitted, 1, __ATOMIC_RELEASE);
    }
    /* What it left in flight ends before the next quiet run. */
    if (guest_ctx_wait(h->ctx, WAIT_MS) == -EIO) {
        guest_ctx_recover(h->ctx);
    }
    return NULL;
}

/* The victim's rounds of one run (PHASE_NS of them, a pause after each):
 * their median and greatest, in µs. */
static void victim_run(struct victim *v, double *p50, double *max)
{
    static uint64_t t[MAX_ROUNDS];
    uint64_t end;
    unsigned n = 0;

    for (unsigned i = 0; i < WARMUP_ROUNDS; i++) {
        victim_round(v);
    }
    for (end = bench_now_ns() + PHASE_NS; n < MAX_ROUNDS && bench_now_ns() < end;) {
        t[n++] = victim_round(v);
        nanosleep(&(struct timespec){ .tv_nsec = PAUSE_NS }, NULL);
    }
    qsort(t, n, sizeof(t[0]), bench_cmp_u64);
    *p50 = t[n / 2] / 1e3;
    *max = t[n - 1] / 1e3;
    rounds += n;
}

int main(void)
{
    static const struct med_guard_limits no_limits = { 0 };
    struct server_thread *st = server_thread_start_config(&(struct med_server_config) {
        .guard = &no_limits,
    });
    double quiet_p50[RUNS], quiet_max[RUNS], loud_p50[RUNS], loud_max[RUNS];
    struct bench_stat q50, qmax, l50, lmax;
    struct victim v = { 0 };
    struct hostile h = { 0 };
    struct wire_ctl_vgpu hs;
    uint64_t flood_ns = 0, builds_timed = 0;

    if (!st) {
        die("mediator", errno);
    }
    victim_open(&v, server_thread_socket(st));
    hostile_open(&h, server_thread_socket(st));
    for (unsigned run = 0; run < RUNS; run++) {
        victim_run(&v, &quiet_p50[run], &quiet_max[run]);
        __atomic_store_n(&h.stop, false, __ATOMIC_RELEASE);
        uint64_t before = h.submitted, start = bench_now_ns();

        if (pthread_create(&h.thread, NULL, hostile_flood, &h)) {
            die("hostile thread", errno);
        }
        while (__atomic_load_n(&h.submitted, __ATOMIC_ACQUIRE) < before + 4) {
            nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);     /* flooding */
        }
        hs = vgpu_stats(server_thread_socket(st), guest_vm_vgpu(h.vm)->id);
        builds_timed -= hs.big_builds;
        victim_run(&v, &loud_p50[run], &loud_max[run]);
        hs = vgpu_stats(server_thread_socket(st), guest_vm_vgpu(h.vm)->id);
        builds_timed += hs.big_builds;
        __atomic_store_n(&h.stop, true, __ATOMIC_RELEASE);
        pthread_join(h.thread, NULL);
        flood_ns += bench_now_ns() - start;
    }
    hs = vgpu_stats(server_thread_socket(st), guest_vm_vgpu(h.vm)->id);
    q50 = bench_stat_of(quiet_p50, RUNS);
    qmax = bench_stat_of(quiet_max, RUNS);
    l50 = bench_stat_of(loud_p50, RUNS);
    lmax = bench_stat_of(loud_max, RUNS);
    bench_print_stat("hostile-neighbour-victim-round-p50-alone", "us", 1, q50);
    bench_print_stat("hostile-neighbour-victim-round-p50-hostile", "us", 1, l50);
    bench_print_stat("hostile-neighbour-victim-round-max-alone", "us", 1, qmax);
    bench_print_stat("hostile-neighbour-victim-round-max-hostile", "us", 1, lmax);
    printf("BENCH hostile-neighbour-p50-ratio %.2f ratio\n", l50.median / q50.median);
    printf("BENCH hostile-neighbour-max-ratio %.2f ratio\n", lmax.median / qmax.median);
    printf("BENCH hostile-neighbour-victim-rounds %llu count\n", (unsigned long long)rounds);
    printf("BENCH hostile-neighbour-hostile-submissions %llu count\n",
           (unsigned long long)h.submitted);
    printf("BENCH hostile-neighbour-hostile-big-builds %llu count\n",
           (unsigned long long)hs.big_builds);
    printf("BENCH hostile-neighbour-hostile-big-builds-timed %llu count\n",
           (unsigned long long)builds_timed);
    printf("BENCH hostile-neighbour-hostile-thread-share %.1f percent\n",
           100.0 * hs.mediator_ns / flood_ns);
    guest_vm_destroy(v.vm);
    guest_vm_destroy(h.vm);
    server_thread_destroy(st);
    return 0;
}
