/*
 * bench-sigkill-release.c - how long a VM killed with SIGKILL keeps its
 * vGPU (docs/benchmarks.md, "sigkill-release"; docs/scheduler.md promises
 * a release within 1 s).  A client process (the stand-in for QEMU) creates
 * a vGPU on a mediator served by a thread of this process and is killed;
 * the time runs from kill() until the control socket (what gpumedctl
 * reads) shows its vGPU gone and its aperture free again, polled every
 * POLL_US.  KILLS kills each way:
 *
 *  - idle: the victim's vGPU has nothing queued, nothing else runs;
 *  - loaded: the victim keeps its render engine backlogged (busy-guest.h,
 *    LANES rounds in flight) and a neighbour VM does the same, so the
 *    kill finds the victim's work queued or on the engine.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/pgpu/bench-common.h"
#include "wire/control.h"
#include "mediator/log.h"
#include "tests/harness/busy-guest.h"
#include "tests/harness/guest-driver.h"
#include "tests/harness/server-thread.h"

#define KILLS           12              /* each way */
#define POLL_US         100
#define PROMISE_MS      1000.0          /* docs/scheduler.md */
#define GUEST_RAM       (16ull << 20)
#define LANES           8
#define PAGES           4

/* The mediator's view: how many vGPUs, the free aperture, and the render
 * engine's busy time of vGPU @id. */
struct view {
    uint32_t id;
    uint32_t vgpus;
    uint64_t aperture_free;
    uint64_t busy_ns;
};

static void take(const struct wire_ctl_reply *r, void *opaque)
{
    struct view *v = opaque;

    if (r->kind == WIRE_CTL_GPU) {
        v->vgpus = r->u.gpu.vgpus;
        v->aperture_free = r->u.gpu.aperture_free;
    } else if (r->kind == WIRE_CTL_VGPU && r->u.vgpu.id == v->id) {
        v->busy_ns = r->u.vgpu.busy_ns[GEN9_RCS];
    }
}

static struct view look(int ctl, uint32_t id)
{
    const struct wire_ctl_request q = { .version = WIRE_CTL_VERSION, .op = WIRE_CTL_STATS };
    char detail[WIRE_CTL_DETAIL_LEN];
    struct view v = { .id = id };

    if (wire_ctl_call(ctl, &q, take, &v, detail)) {
        bench_die("reading the control socket");
    }
    return v;
}

/* The victim: a process with a vGPU, idle or busy, until it is killed.
 * Tells the parent its vGPU id through @ready. */
static pid_t start_victim(const char *socket, bool busy, int ready)
{
    pid_t pid = fork();

    if (pid == 0) {
        struct busy_guest_config config = { .socket = socket, .name = "victim",
                                            .type = "gpumed-8", .lanes = LANES, .pages = PAGES };
        struct busy_guest *g = busy ? busy_guest_start(&config) : NULL;
        struct guest_vm *vm = busy ? NULL : guest_vm_create(socket, "victim", GUEST_RAM,
                                                            "gpumed-8");
        uint32_t id = g ? busy_guest_vgpu_id(g) : vm ? guest_vm_vgpu(vm)->id : 0;

        if (write(ready, &id, sizeof(id)) != sizeof(id)) {
            _exit(1);
        }
        for (;;) {
            pause();
        }
    }
    return pid;
}

/* One kill: ms from kill() until the victim's vGPU is gone and its
 * aperture free. */
static double one_kill(const char *socket, int ctl, bool busy)
{
    struct view before = look(ctl, 0), v;
    int ready[2];
    uint32_t id;
    uint64_t killed;
    pid_t pid;

    if (pipe(ready)) {
        bench_die("pipe");
    }
    pid = start_victim(socket, busy, ready[1]);
    if (read(ready[0], &id, sizeof(id)) != sizeof(id) || !id) {
        bench_die("starting the victim");
    }
    close(ready[0]);
    close(ready[1]);
    /* A busy victim is killed with its work on the engine or queued. */
    while (busy && !look(ctl, id).busy_ns) {
        poll(NULL, 0, 1);
    }
    killed = bench_now_ns();
    kill(pid, SIGKILL);
    for (v = look(ctl, id); v.vgpus > before.vgpus || v.aperture_free < before.aperture_free;
         v = look(ctl, id)) {
        usleep(POLL_US);
    }
    waitpid(pid, NULL, 0);
    return (double)(bench_now_ns() - killed) / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static void report(const char *name, double *ms)
{
    qsort(ms, KILLS, sizeof(*ms), cmp_double);
    printf("BENCH %s %.2f ms\n", name, (ms[KILLS / 2 - 1] + ms[KILLS / 2]) / 2);
    printf("BENCH %s-min %.2f ms\n", name, ms[0]);
    printf("BENCH %s-max %.2f ms\n", name, ms[KILLS - 1]);
    printf("BENCH %s-max-vs-promise %.4f ratio\n", name, ms[KILLS - 1] / PROMISE_MS);
}

int main(void)
{
    struct server_thread *st;
    struct busy_guest_config neighbour_config = { .name = "neighbour", .type = "gpumed-8",
                                                  .lanes = LANES, .pages = PAGES };
    struct busy_guest *neighbour;
    char control[108];
    double idle[KILLS], loaded[KILLS];
    int ctl = -1;

    med_log_init(MED_LOG_ERROR, false);     /* each kill is a disconnect and a lost COMPLETE */
    st = server_thread_start(0);
    if (!st || wire_ctl_path(server_thread_socket(st), control, sizeof(control)) ||
        (ctl = wire_ctl_connect(control)) < 0) {
        bench_die("starting the mediator");
    }
    for (unsigned i = 0; i < KILLS; i++) {
        idle[i] = one_kill(server_thread_socket(st), ctl, false);
    }
    neighbour_config.socket = server_thread_socket(st);
    neighbour = busy_guest_start(&neighbour_config);
    if (!neighbour) {
        bench_die("starting the neighbour");
    }
    for (unsigned i = 0; i < KILLS; i++) {
        loaded[i] = one_kill(server_thread_socket(st), ctl, true);
    }
    if (busy_guest_stop(neighbour)) {
        bench_die("the neighbour's results");
    }
    report("sigkill-release", idle);
    report("sigkill-release-loaded", loaded);
    close(ctl);
    server_thread_destroy(st);
    return 0;
}
