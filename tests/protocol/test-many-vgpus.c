/*
 * 32 vGPUs on one mediator at once, each driven by its own guest-like
 * client thread (mediator/tools/guest-driver.h) that keeps its render
 * engine busy with batches of stores and checks every result.  The GPU
 * time each vGPU got while all of them had work is read through the
 * control socket (as gpumedctl does); with equal weights Jain's fairness
 * index over those times must be at least 0.99, judged over a window in
 * which every vGPU was backlogged (the mediator's backlog time), since a
 * client thread starved of a core is not the scheduler's unfairness.  Then weights and a cap
 * are changed at run time through the same socket (the 2:1 share is
 * printed; the policy's shares are proven in the unit test sched-policy).
 * Last, a client process killed with SIGKILL while busy: its vGPU is gone
 * from the control socket's view at once and its neighbour goes on.
 *
 * The measurement window is a quantity of GPU time, not of wall time, so a
 * slow or loaded machine only makes the test longer.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "mediator/control.h"
#include "mediator/tools/guest-driver.h"
#include "mediator/tools/server-thread.h"
#include "tests/unit/scan/emit.h"

#define MiB             (1ull << 20)
#define VGPUS           32
#define RAM_SIZE        (16 * MiB)
#define STORES          1024            /* per batch: every dword of its data page */
#define BATCH_STRIDE    32768           /* 1024 four-dword stores and the end */
#define IN_FLIGHT       4               /* batches per round */
#define LANES           2               /* contexts taking turns: one queued while the other is checked */
#define WAIT_MS         60000
#define BATCH_ADDR      0x0000100000000ull
#define DATA_ADDR       0x0000200000000ull
/* GPU time of the window, per vGPU: enough time slices that one slice
 * more or less moves a vGPU's share by a few per cent at most. */
#define WINDOW_SLICES   40
#define WINDOW_ATTEMPTS 3               /* windows tried until every vGPU was backlogged */
#define BACKLOGGED      0.9             /* of a window's wall time, for every vGPU */

struct client {
    pthread_t thread;
    unsigned index;
    const char *socket;
    uint32_t vgpu_id;
    uint64_t rounds;
    int error;                  /* first failure: -errno or a bad result (-EBADMSG) */
};

static volatile int ready, stop;

/* A round on context @lane: IN_FLIGHT batches, batch i storing @value + i
 * into every dword of its own page of the lane's data. */
static int submit_round(struct guest_ctx *ctx, struct guest_bo *batch, unsigned lane,
                        uint32_t value)
{
    uint32_t seqno;
    int ret;

    for (unsigned i = 0; i < IN_FLIGHT; i++) {
        unsigned block = lane * IN_FLIGHT + i;
        uint32_t *p = (uint32_t *)((uint8_t *)batch->map + block * BATCH_STRIDE);

        for (unsigned k = 0; k < STORES; k++) {
            emit_sdi(&p, DATA_ADDR + block * 4096 + k * 4, false, false);
            p[-1] = value + i;
        }
        emit(&p, MI_BB_END_DW);
        if ((ret = guest_ctx_emit_batch(ctx, BATCH_ADDR + block * BATCH_STRIDE, true)) ||
            (ret = guest_ctx_emit_breadcrumb(ctx, &seqno)) || (ret = guest_ctx_submit(ctx))) {
            return ret;
        }
    }
    return 0;
}

/* Wait for @lane's round and check every dword it stored. */
static int check_round(struct guest_ctx *ctx, const struct guest_bo *data, unsigned lane,
                       uint32_t value)
{
    int ret = guest_ctx_wait(ctx, WAIT_MS);

    for (unsigned i = 0; i < IN_FLIGHT && !ret; i++) {
        const uint32_t *page = (const uint32_t *)data->map + (lane * IN_FLIGHT + i) * 1024;

        for (unsigned k = 0; k < STORES && !ret; k++) {
            ret = page[k] != value + i ? -EBADMSG : 0;
        }
    }
    return ret;
}

static void *client_main(void *opaque)
{
    struct client *c = opaque;
    char name[32];
    struct guest_vm *vm;
    struct guest_ppgtt *ppgtt;
    struct guest_ctx *ctx[LANES] = { NULL, NULL };
    struct guest_bo *batch = NULL, *data = NULL;
    uint32_t value[LANES] = { 1, 0 };
    unsigned lane = 0;

    snprintf(name, sizeof(name), "many-%02u", c->index);
    vm = guest_vm_create(c->socket, name, RAM_SIZE, "gpumed-32");
    ppgtt = vm ? guest_ppgtt_new(vm) : NULL;
    for (unsigned l = 0; l < LANES && ppgtt; l++) {
        ctx[l] = guest_ctx_new(vm, PGPU_RCS, ppgtt);
    }
    batch = ctx[LANES - 1] ? guest_bo_new(vm, LANES * IN_FLIGHT * BATCH_STRIDE, false) : NULL;
    data = batch ? guest_bo_new(vm, LANES * IN_FLIGHT * 4096, false) : NULL;
    if (!data || guest_ppgtt_map(ppgtt, batch, BATCH_ADDR) ||
        guest_ppgtt_map(ppgtt, data, DATA_ADDR)) {
        c->error = -ENOMEM;
        __atomic_add_fetch(&ready, 1, __ATOMIC_SEQ_CST);
        guest_vm_destroy(vm);
        return NULL;
    }
    c->vgpu_id = guest_vm_vgpu(vm)->id;
    __atomic_add_fetch(&ready, 1, __ATOMIC_SEQ_CST);
    /* One lane's round stays queued while the other's is checked, so the
     * vGPU has work whenever its turn comes (slices are not preempted: a
     * vGPU found idle waits for its neighbour's slice to end). */
    c->error = submit_round(ctx[0], batch, 0, value[0]);
    while (!__atomic_load_n(&stop, __ATOMIC_SEQ_CST) && !c->error) {
        unsigned next = lane ^ 1;

        value[next] = value[lane] + IN_FLIGHT;
        c->error = submit_round(ctx[next], batch, next, value[next]);
        c->error = c->error ? c->error : check_round(ctx[lane], data, lane, value[lane]);
        c->rounds++;
        lane = next;
    }
    guest_vm_destroy(vm);
    return NULL;
}

/* The mediator's account: GPU time on RCS and the wall time with work
 * queued or running there, by vGPU id. */
struct snapshot {
    uint64_t busy[VGPUS + 1];
    uint64_t backlog[VGPUS + 1];
    uint64_t uptime_ns;
    uint64_t time_slice_ns;
    uint32_t vgpus;
    uint64_t aperture_free;
};

static void take(const struct med_ctl_reply *r, void *opaque)
{
    struct snapshot *s = opaque;

    if (r->kind == MED_CTL_GPU) {
        s->time_slice_ns = r->u.gpu.time_slice_ns;
        s->uptime_ns = r->u.gpu.uptime_ns;
        s->vgpus = r->u.gpu.vgpus;
        s->aperture_free = r->u.gpu.aperture_free;
    } else if (r->kind == MED_CTL_VGPU && r->u.vgpu.id <= VGPUS) {
        s->busy[r->u.vgpu.id] = r->u.vgpu.busy_ns[PGPU_RCS];
        s->backlog[r->u.vgpu.id] = r->u.vgpu.backlog_ns[PGPU_RCS];
    }
}

static void snapshot(int ctl, struct snapshot *s)
{
    const struct med_ctl_request q = { .version = MED_CTL_VERSION, .op = MED_CTL_STATS };
    char detail[MED_CTL_DETAIL_LEN];

    memset(s, 0, sizeof(*s));
    assert_int_equal(med_ctl_call(ctl, &q, take, s, detail), 0);
}

static void set_share(int ctl, uint32_t id, uint32_t weight, uint32_t cap)
{
    const struct med_ctl_request q = { .version = MED_CTL_VERSION, .op = MED_CTL_SET_SHARE,
                                       .vgpu_id = id, .weight = weight, .cap_percent = cap };
    char detail[MED_CTL_DETAIL_LEN];

    assert_int_equal(med_ctl_call(ctl, &q, NULL, NULL, detail), 0);
}

static void sleep_ms(unsigned ms)
{
    nanosleep(&(struct timespec){ .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L }, NULL);
}

/* Wait until the vGPUs in @ids together got @gpu_ns more GPU time than in
 * @from, then fill @to. */
static void wait_for_gpu_time(int ctl, const struct snapshot *from, struct snapshot *to,
                              const uint32_t *ids, unsigned count, uint64_t gpu_ns)
{
    for (;;) {
        uint64_t total = 0;

        snapshot(ctl, to);
        for (unsigned i = 0; i < count; i++) {
            total += to->busy[ids[i]] - from->busy[ids[i]];
        }
        if (total >= gpu_ns) {
            return;
        }
        sleep_ms(20);
    }
}

/* A mediator on a thread and a connection to its control socket. */
static struct server_thread *start_mediator(int *ctl)
{
    struct server_thread *st = server_thread_start(0);
    char control[108];

    assert_non_null(st);
    assert_int_equal(med_ctl_path(server_thread_socket(st), control, sizeof(control)), 0);
    *ctl = med_ctl_connect(control);
    assert_true(*ctl >= 0);
    return st;
}

/*
 * Jain's index of the GPU time each vGPU got between @from and @to, or -1
 * when some vGPU had no work queued for more than a tenth of that wall time:
 * shares are defined among vGPUs that want the GPU, and a client thread
 * that waits for a core on a loaded machine does not always want it.
 */
static double jain_of_backlogged(const struct snapshot *from, const struct snapshot *to,
                                 const uint32_t *ids, double *gpu_s)
{
    double sum = 0, squares = 0, wall = (double)(to->uptime_ns - from->uptime_ns);

    for (unsigned i = 0; i < VGPUS; i++) {
        double busy = (double)(to->busy[ids[i]] - from->busy[ids[i]]);

        if ((double)(to->backlog[ids[i]] - from->backlog[ids[i]]) < BACKLOGGED * wall) {
            return -1;
        }
        sum += busy;
        squares += busy * busy;
    }
    *gpu_s = sum / 1e9;
    return sum * sum / (VGPUS * squares);
}

static void test_32_vgpus_fair_and_verified(void **state)
{
    struct server_thread *st;
    struct client clients[VGPUS];
    struct snapshot before, after, shares_from, shares_to;
    uint32_t ids[VGPUS];
    double jain = -1, gpu_s = 0, first, second;
    uint64_t total_rounds = 0;
    int ctl;

    (void)state;
    st = start_mediator(&ctl);
    for (unsigned i = 0; i < VGPUS; i++) {
        clients[i] = (struct client){ .index = i, .socket = server_thread_socket(st) };
        assert_int_equal(pthread_create(&clients[i].thread, NULL, client_main, &clients[i]), 0);
    }
    while (__atomic_load_n(&ready, __ATOMIC_SEQ_CST) < VGPUS) {
        sleep_ms(10);
    }
    for (unsigned i = 0; i < VGPUS; i++) {
        ids[i] = clients[i].vgpu_id;
    }
    for (unsigned attempt = 0; attempt < WINDOW_ATTEMPTS && jain < 0; attempt++) {
        snapshot(ctl, &before);
        wait_for_gpu_time(ctl, &before, &after, ids, VGPUS,
                          (uint64_t)VGPUS * WINDOW_SLICES * before.time_slice_ns);
        jain = jain_of_backlogged(&before, &after, ids, &gpu_s);
    }
    if (jain < 0) {
        printf("# 32 vGPUs: no window with every vGPU backlogged %.0f%% of the time "
               "(the host is too busy for the clients): fairness not judged\n",
               100 * BACKLOGGED);
    } else {
        printf("# 32 vGPUs, equal weights: %.3f s of GPU time in the window, "
               "Jain's index %.4f\n", gpu_s, jain);
    }

    /* Weights 2:1 between the first two; the rest capped at 1 % each, so
     * that the two get most of the engine and the window is short. */
    for (unsigned i = 2; i < VGPUS; i++) {
        set_share(ctl, ids[i], 0, 1);
    }
    set_share(ctl, ids[0], 2, 0);
    /* Let the virtual times the two brought from the equal phase settle:
     * one that was behind catches up first. */
    snapshot(ctl, &before);
    wait_for_gpu_time(ctl, &before, &shares_from, ids, 2, 2 * WINDOW_SLICES *
                      before.time_slice_ns);
    wait_for_gpu_time(ctl, &shares_from, &shares_to, ids, 2, 2 * 3 * WINDOW_SLICES *
                      before.time_slice_ns);
    first = (double)(shares_to.busy[ids[0]] - shares_from.busy[ids[0]]);
    second = (double)(shares_to.busy[ids[1]] - shares_from.busy[ids[1]]);
    /* Reported, not asserted: the policy's 2:1 is proven in sched-policy
     * and between two real guests in guest-fairness. */
    printf("# weights 2:1 set at run time: measured %.3f : 1\n", first / second);

    /* The clients stop before anything is judged: a failed assertion
     * must not leave them running into the next test. */
    __atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
    for (unsigned i = 0; i < VGPUS; i++) {
        pthread_join(clients[i].thread, NULL);
        total_rounds += clients[i].rounds;
    }
    close(ctl);
    server_thread_destroy(st);
    printf("# %" PRIu64 " rounds of %u verified batches\n", total_rounds, IN_FLIGHT);
    for (unsigned i = 0; i < VGPUS; i++) {
        assert_int_equal(clients[i].error, 0);
    }
    assert_true(jain < 0 || jain >= 0.99);
    assert_true(first > second);
}

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* A QEMU killed with SIGKILL while its guest keeps the GPU busy: its vGPU
 * and partition are gone from the control socket's view at once, and the
 * other VM's workload goes on, every result checked. */
static void test_sigkill_frees_at_once_and_spares_the_neighbour(void **state)
{
    struct server_thread *st;
    struct client survivor, victim;
    struct snapshot s, from, to;
    uint32_t survivor_id, victim_id;
    double killed, elapsed;
    pid_t child;
    int ctl;

    (void)state;
    st = start_mediator(&ctl);
    __atomic_store_n(&ready, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&stop, 0, __ATOMIC_SEQ_CST);
    victim = (struct client){ .index = 1, .socket = server_thread_socket(st) };
    child = fork();
    if (child == 0) {
        client_main(&victim);   /* until killed */
        _exit(1);
    }
    survivor = (struct client){ .index = 0, .socket = server_thread_socket(st) };
    assert_int_equal(pthread_create(&survivor.thread, NULL, client_main, &survivor), 0);
    while (__atomic_load_n(&ready, __ATOMIC_SEQ_CST) < 1) {
        sleep_ms(10);
    }
    assert_int_equal(survivor.error, 0);
    survivor_id = survivor.vgpu_id;
    victim_id = survivor_id == 1 ? 2 : 1;       /* a fresh mediator numbers from 1 */
    do {
        sleep_ms(20);
        snapshot(ctl, &s);
    } while (s.vgpus < 2 || !s.busy[victim_id] || !s.busy[survivor_id]);

    kill(child, SIGKILL);
    killed = now_ms();
    for (snapshot(ctl, &s); s.vgpus > 1; snapshot(ctl, &s)) {
        sleep_ms(1);
    }
    elapsed = now_ms() - killed;
    waitpid(child, NULL, 0);
    /* Reported, not asserted (no test fails on a timing); never freeing
     * would hang the loop above until the test's timeout. */
    printf("# killed VM's vGPU gone from gpumedctl's view after %.1f ms (%s the 1000 ms "
           "promise)\n", elapsed, elapsed < 1000 ? "within" : "OUTSIDE");
    assert_int_equal(s.aperture_free, 256 * MiB - 8 * MiB);    /* only the survivor's */

    from = s;
    wait_for_gpu_time(ctl, &from, &to, &survivor_id, 1, WINDOW_SLICES * s.time_slice_ns);
    __atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
    pthread_join(survivor.thread, NULL);
    assert_int_equal(survivor.error, 0);
    printf("# the neighbour went on: %" PRIu64 " rounds verified, %.3f s of GPU time after "
           "the kill\n", survivor.rounds,
           (double)(to.busy[survivor_id] - from.busy[survivor_id]) / 1e9);
    close(ctl);
    server_thread_destroy(st);
}

/* A bad control request is answered with its reason, counted, and only
 * its connection closed. */
static void test_bad_control_request(void **state)
{
    const struct med_ctl_request bad = { .version = MED_CTL_VERSION, .op = 77 };
    const struct med_ctl_request good = { .version = MED_CTL_VERSION, .op = MED_CTL_TYPES };
    char detail[MED_CTL_DETAIL_LEN];
    int ctl, other, ret;
    struct server_thread *st = start_mediator(&ctl);
    char control[108];

    (void)state;
    assert_int_equal(med_ctl_path(server_thread_socket(st), control, sizeof(control)), 0);
    other = med_ctl_connect(control);
    assert_true(other >= 0);
    assert_int_equal(med_ctl_call(ctl, &bad, NULL, NULL, detail), -EINVAL);
    assert_string_equal(detail, "bad request: unknown operation");
    ret = med_ctl_call(ctl, &good, NULL, NULL, detail);    /* closed, or closing */
    assert_true(ret == -EPIPE || ret == -ECONNRESET);
    assert_int_equal(med_ctl_call(other, &good, NULL, NULL, detail), 0);
    server_thread_stop(st);
    assert_int_equal(med_server_stats(server_thread_server(st))->control_errors, 1);
    close(ctl);
    close(other);
    server_thread_destroy(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_control_request),
        cmocka_unit_test(test_32_vgpus_fair_and_verified),
        cmocka_unit_test(test_sigkill_frees_at_once_and_spares_the_neighbour),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
