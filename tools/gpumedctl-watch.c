/*
 * gpumedctl-watch.c - the live view: `gpumedctl top` and `gpumedctl stats
 * --interval` (gpumedctl.h).  Every interval one STATS on one control
 * connection; what is shown is the difference from the previous one: each
 * vGPU's GPU time on each engine as a percentage of the interval (as
 * intel_gpu_top shows an engine's busyness) and of the engine's busy time
 * (its share), the workloads it finished and had rejected, and its queue
 * now.  The interval is the mediator's own (uptime_ns), the same clock as
 * the busy times, not the tool's sleep.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tools/gpumedctl.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* One STATS answer. */
struct snapshot {
    struct wire_ctl_gpu gpu;
    struct wire_ctl_vgpu *vgpus;
    unsigned count, capacity;
    bool out_of_memory;
};

static void collect(const struct wire_ctl_reply *r, void *opaque)
{
    struct snapshot *s = opaque;

    if (r->kind == WIRE_CTL_GPU) {
        s->gpu = r->u.gpu;
        return;
    }
    if (r->kind != WIRE_CTL_VGPU) {
        return;
    }
    if (s->count == s->capacity) {
        unsigned capacity = s->capacity ? 2 * s->capacity : 16;
        struct wire_ctl_vgpu *grown = realloc(s->vgpus, capacity * sizeof(*grown));

        if (!grown) {
            s->out_of_memory = true;
            return;
        }
        s->vgpus = grown;
        s->capacity = capacity;
    }
    s->vgpus[s->count++] = r->u.vgpu;
}

static int by_id(const void *a, const void *b)
{
    const struct wire_ctl_vgpu *x = a, *y = b;

    return (x->id > y->id) - (x->id < y->id);
}

/* 0, or a negative errno with @detail.  The vGPUs in the order of their
 * ids, so that rows keep their place from one interval to the next. */
static int take_snapshot(int fd, struct snapshot *s, char detail[WIRE_CTL_DETAIL_LEN])
{
    struct wire_ctl_request q = { .version = WIRE_CTL_VERSION, .op = WIRE_CTL_STATS };
    int status;

    s->count = 0;
    s->out_of_memory = false;
    status = wire_ctl_call(fd, &q, collect, s, detail);
    if (!status && s->out_of_memory) {
        return -ENOMEM;
    }
    if (s->count) {
        qsort(s->vgpus, s->count, sizeof(*s->vgpus), by_id);
    }
    return status;
}

static const struct wire_ctl_vgpu *find(const struct snapshot *s, uint32_t id)
{
    for (unsigned i = 0; i < s->count; i++) {
        if (s->vgpus[i].id == id) {
            return &s->vgpus[i];
        }
    }
    return NULL;
}

/* A vGPU's change over the interval: from @before (NULL: it is new, or
 * its counters were reset since: from zero) to @now. */
struct change {
    uint64_t busy_ns[GEN9_NUM_ENGINES], workloads[GEN9_NUM_ENGINES];
    uint64_t completed, rejected, hangs;
    uint64_t mediator_ns;       /* the event thread's time charged to the vGPU */
};

static struct change change_of(const struct wire_ctl_vgpu *before, const struct wire_ctl_vgpu *now)
{
    static const struct wire_ctl_vgpu zero;
    struct change c;

    if (!before || before->counted_ns > now->counted_ns) {
        before = &zero;
    }
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        c.busy_ns[e] = now->busy_ns[e] - before->busy_ns[e];
        c.workloads[e] = now->workloads[e] - before->workloads[e];
    }
    c.completed = now->completed - before->completed;
    c.rejected = now->rejected - before->rejected;
    c.hangs = now->hangs - before->hangs;
    c.mediator_ns = now->mediator_ns - before->mediator_ns;
    return c;
}

static double percent(uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static unsigned queued(const struct wire_ctl_vgpu *v)
{
    unsigned n = 0;

    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        n += v->queued[e];
    }
    return n;
}

static void print_json(const struct snapshot *before, const struct snapshot *now,
                       uint64_t interval_ns, const uint64_t gpu_busy[GEN9_NUM_ENGINES])
{
    printf("{\"interval_ns\": %" PRIu64 ", \"uptime_ns\": %" PRIu64 ", \"gpu\": {\"busy_ns\": {",
           interval_ns, now->gpu.uptime_ns);
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        printf("%s\"%s\": %" PRIu64, e ? ", " : "", gen9_engines[e].name, gpu_busy[e]);
    }
    printf("}, \"busy_percent\": {");
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        printf("%s\"%s\": %.3f", e ? ", " : "", gen9_engines[e].name,
               percent(gpu_busy[e], interval_ns));
    }
    printf("}}, \"vgpus\": [");
    for (unsigned i = 0; i < now->count; i++) {
        const struct wire_ctl_vgpu *v = &now->vgpus[i];
        struct change c = change_of(find(before, v->id), v);

        printf("%s{", i ? ", " : "");
        json_vgpu_identity(stdout, v);
        printf(", \"engines\": {");
        for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
            printf("%s\"%s\": {\"busy_ns\": %" PRIu64 ", \"busy_percent\": %.3f"
                   ", \"share_percent\": %.3f, \"workloads\": %" PRIu64 ", \"queued\": %" PRIu32
                   ", \"busy_ns_total\": %" PRIu64 "}", e ? ", " : "", gen9_engines[e].name,
                   c.busy_ns[e], percent(c.busy_ns[e], interval_ns),
                   percent(c.busy_ns[e], gpu_busy[e]), c.workloads[e], v->queued[e],
                   v->busy_ns[e]);
        }
        printf("}, \"completed\": %" PRIu64 ", \"rejected\": %" PRIu64 ", \"hangs\": %" PRIu64
               ", \"completed_total\": %" PRIu64 ", \"rejected_total\": %" PRIu64
               ", \"counted_ns\": %" PRIu64 ", \"mediator_ns\": %" PRIu64
               ", \"mediator_percent\": %.3f}", c.completed, c.rejected, c.hangs, v->completed,
               v->rejected, v->counted_ns, c.mediator_ns, percent(c.mediator_ns, interval_ns));
    }
    printf("]}\n");
}

static void print_text(const struct snapshot *before, const struct snapshot *now,
                       uint64_t interval_ns, const uint64_t gpu_busy[GEN9_NUM_ENGINES])
{
    printf("%.1f s, the last %.2f s: GPU busy", now->gpu.uptime_ns / 1e9, interval_ns / 1e9);
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        printf(" %s %.1f%%", gen9_engines[e].name, percent(gpu_busy[e], interval_ns));
    }
    printf("\n");
    for (unsigned i = 0; i < now->count; i++) {
        const struct wire_ctl_vgpu *v = &now->vgpus[i];
        struct change c = change_of(find(before, v->id), v);

        printf("  vGPU %" PRIu32 " %s%s(%s, VM %s):", v->id, v->name, v->name[0] ? " " : "",
               vgpu_state_name(v), v->vm_name[0] ? v->vm_name : "-");
        for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
            if (c.busy_ns[e] || v->queued[e]) {
                printf(" %s %.1f%% (%.1f%% of the engine's busy time)", gen9_engines[e].name,
                       percent(c.busy_ns[e], interval_ns), percent(c.busy_ns[e], gpu_busy[e]));
            }
        }
        /* The event thread's time charged to the vGPU: its messages,
         * shadowing, scanning and completions (not the scheduler's dispatch). */
        printf(" mediator %.1f%%, queued %u, %" PRIu64 " done, %" PRIu64 " rejected (%" PRIu64
               " in all)\n", percent(c.mediator_ns, interval_ns), queued(v), c.completed,
               c.rejected, v->rejected);
    }
}

static void print_top(const struct snapshot *before, const struct snapshot *now,
                      uint64_t interval_ns, const uint64_t gpu_busy[GEN9_NUM_ENGINES],
                      const char *socket_path, bool terminal)
{
    if (terminal) {
        printf("\033[H\033[2J");    /* home, clear: redraw in place */
    }
    printf("gpumedctl top: %s, up %.1f s, every %.2f s (Ctrl-C quits)\n", socket_path,
           now->gpu.uptime_ns / 1e9, interval_ns / 1e9);
    printf("GPU busy %%  ");
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        printf("  %s %5.1f", gen9_engines[e].name, percent(gpu_busy[e], interval_ns));
    }
    printf("\n\n%4s %-12s %-16s %-8s %6s %6s %6s %6s %6s %6s %8s %s\n", "ID", "NAME", "VM",
           "STATE", "RCS%", "BCS%", "VCS%", "VECS%", "MED%", "QUEUED", "DONE/s",
           "REJECTED (IN ALL)");
    for (unsigned i = 0; i < now->count; i++) {
        const struct wire_ctl_vgpu *v = &now->vgpus[i];
        struct change c = change_of(find(before, v->id), v);

        printf("%4" PRIu32 " %-12.12s %-16.16s %-8s", v->id, v->name[0] ? v->name : "-",
               v->vm_name[0] ? v->vm_name : "-", vgpu_state_name(v));
        for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
            printf(" %6.1f", percent(c.busy_ns[e], interval_ns));
        }
        printf(" %6.1f %6u %8.1f %" PRIu64 " (%" PRIu64 ")\n", percent(c.mediator_ns, interval_ns),
               queued(v), c.completed / (interval_ns / 1e9), c.rejected, v->rejected);
    }
    if (!terminal) {
        printf("\n");
    }
}

static void sleep_ns(uint64_t ns)
{
    struct timespec t = { .tv_sec = (time_t)(ns / 1000000000), .tv_nsec = (long)(ns % 1000000000) };

    while (nanosleep(&t, &t) && errno == EINTR) {
    }
}

int gpumedctl_watch(const struct printer *p, const char *command, const char *control,
                    const char *socket_path, uint64_t interval_ns, unsigned long count,
                    bool top)
{
    struct snapshot a = { 0 }, b = { 0 }, *before = &a, *now = &b;
    char detail[WIRE_CTL_DETAIL_LEN] = "";
    bool terminal = isatty(STDOUT_FILENO);
    int fd = wire_ctl_connect(control), status;

    if (fd < 0) {
        return connect_failure(p, command, control, socket_path, errno);
    }
    status = take_snapshot(fd, before, detail);
    for (unsigned long i = 0; !status && (!count || i < count); i++) {
        uint64_t gpu_busy[GEN9_NUM_ENGINES], interval;
        struct snapshot *t;

        sleep_ns(interval_ns);
        if ((status = take_snapshot(fd, now, detail))) {
            break;
        }
        interval = now->gpu.uptime_ns - before->gpu.uptime_ns;
        for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
            gpu_busy[e] = now->gpu.busy_ns[e] - before->gpu.busy_ns[e];
        }
        if (p->json) {
            print_json(before, now, interval, gpu_busy);
        } else if (top) {
            print_top(before, now, interval, gpu_busy, socket_path, terminal);
        } else {
            print_text(before, now, interval, gpu_busy);
        }
        fflush(stdout);
        t = before;
        before = now;
        now = t;
    }
    close(fd);
    free(a.vgpus);
    free(b.vgpus);
    if (status == -EPROTO) {
        return fail(p, 1, command, -status, "the mediator's reply is not one gpumedctl %s "
                    "understands: use the gpumedctl of the running gpumed", GPUMED_VERSION);
    }
    if (status) {
        return fail(p, 1, command, -status, "%s", detail[0] ? detail : strerror(-status));
    }
    return 0;
}
