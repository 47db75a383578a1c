/*
 * Benchmark steps: the guest workloads of `bench/run guest` and
 * tools/gpumed-bench-guest (docs/benchmarks.md, "guest"), timed in the
 * guest, the same on a vGPU (mediated) and on pgpu-pci (native).  Each step
 * sets its buffers up, runs its workload once untimed (binding, first
 * faults, the mediator's first shadowing), then once timed, and checks the
 * timed run's results byte for byte: a step passes when the work was done
 * right, whatever it took.  Its figure is on its GUEST-RESULT line:
 *
 *   GUEST-RESULT step=bench-<workload> status=pass value=<v> unit=<u> ...
 *
 * Times are the guest's CLOCK_MONOTONIC.  Under TCG the guest's clock
 * follows the host's, but the guest's own code (i915, this agent) runs
 * emulated, many times slower than on hardware: a figure means something
 * only next to the other side's, measured the same way (the ratio).
 *
 * gpumed.bench_scale=<percent> (default 100) scales every workload's count
 * (at least 2 of everything): the plumbing test runs them small.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libdrm/i915_drm.h>

#include "agent.h"
#include "gem.h"

/* Where the buffers sit in each context's PPGTT (16 MiB apart: a frame fits). */
#define VA_BENCH_TARGET     0x00100000ull
#define VA_BENCH_SOURCE     0x01000000ull
#define VA_BENCH_BATCH      0x02000000ull

/* A 1920x1080 32 bpp frame. */
#define FRAME_WIDTH         1920u
#define FRAME_HEIGHT        1080u
#define FRAME_BYTES         (FRAME_WIDTH * FRAME_HEIGHT * 4u)

#define SLOT                32u     /* bytes per small batch: a store and the end */

unsigned bench_scale = 100;

static double monotonic_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* @full scaled by gpumed.bench_scale, at least 2. */
static unsigned scaled(unsigned full)
{
    unsigned n = (unsigned)((unsigned long long)full * bench_scale / 100);

    return n < 2 ? 2 : n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double median_of(double *values, unsigned n)
{
    qsort(values, n, sizeof(values[0]), cmp_double);
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

static void add_figure(struct result *r, const char *workload, double value, const char *unit)
{
    result_add(r, "workload", "%s", workload);
    result_add(r, "value", "%.6g", value);
    result_add(r, "unit", "%s", unit);
}

static bool report_errno(struct result *r, const char *what, int err)
{
    if (err) {
        result_add(r, "error", "%s:%s", what, strerror(err));
    }
    return !err;
}

/*
 * Back-to-back 1080p copies on the blitter: one XY_SRC_COPY_BLT per batch,
 * all queued, one wait for the last.  The engine's work (8 MiB read and
 * written per copy) dominates: GPU-bound.
 */
bool step_bench_blit_1080p(struct result *r)
{
    const unsigned copies = scaled(40);
    struct gem_buffer batch = { 0 }, src = { 0 }, dst = { 0 };
    const struct gem_buffer *targets[2] = { &dst, &src };
    uint32_t len;
    double start, us;
    bool ok = false;
    int err = 0, fd = gem_open(r);

    if (fd < 0) {
        return false;
    }
    if (!gem_buffer_create(r, fd, FRAME_BYTES, VA_BENCH_SOURCE, &src) ||
        !gem_buffer_create(r, fd, FRAME_BYTES, VA_BENCH_TARGET, &dst) ||
        !gem_buffer_create(r, fd, 4096, VA_BENCH_BATCH, &batch)) {
        goto out;
    }
    for (uint32_t i = 0; i < FRAME_BYTES / 4; i++) {
        ((uint32_t *)src.map)[i] = i * 2654435761u;     /* no two rows alike */
    }
    len = emit_end(batch.map, emit_copy(batch.map, dst.va, src.va, FRAME_WIDTH, FRAME_HEIGHT));
    /* Warm-up: one copy; then the destination is cleared so that the
     * timed copies must write it again. */
    if (!report_errno(r, "execbuffer2", gem_execute(fd, 0, I915_EXEC_BLT, &batch, 0, len,
                                                     targets, 2)) ||
        !report_errno(r, "gem_wait", gem_wait(fd, &dst)) || !gem_cpu_read(r, fd, &dst)) {
        goto out;
    }
    memset(dst.map, 0, FRAME_BYTES);
    start = monotonic_us();
    for (unsigned i = 0; i < copies && !err; i++) {
        err = gem_execute(fd, 0, I915_EXEC_BLT, &batch, 0, len, targets, 2);
    }
    if (!report_errno(r, "execbuffer2", err) ||
        !report_errno(r, "gem_wait", gem_wait(fd, &dst))) {
        goto out;
    }
    us = monotonic_us() - start;
    add_figure(r, "blit-1080p", copies / (us / 1e6), "copies/s");
    result_add(r, "copies", "%u", copies);
    result_add(r, "ms", "%.1f", us / 1e3);
    result_add(r, "gb_per_s", "%.3f", copies * (double)FRAME_BYTES / (us * 1e3));
    ok = gem_cpu_read(r, fd, &dst) &&
         bytes_match(r, "copy", dst.map, src.map, FRAME_BYTES);
out:
    gem_buffer_free(fd, &batch);
    gem_buffer_free(fd, &src);
    gem_buffer_free(fd, &dst);
    close(fd);
    return ok;
}

/* @n batches of one MI_STORE_DATA_IMM each, batch i storing ~i into dword
 * i of @target's page; returns the batch buffer, or false. */
static bool store_batches(struct result *r, int fd, unsigned n, uint32_t tag,
                          struct gem_buffer *batch)
{
    if (!gem_buffer_create(r, fd, (uint64_t)n * SLOT, VA_BENCH_BATCH, batch)) {
        return false;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t *slot = (uint32_t *)((uint8_t *)batch->map + i * SLOT);

        emit_end(slot, emit_store(slot, VA_BENCH_TARGET + 4 * i, tag | i));
    }
    return true;
}

/* Whether dword i of @target holds tag | i for every i < n. */
static bool stores_landed(struct result *r, int fd, const struct gem_buffer *target,
                          unsigned n, uint32_t tag)
{
    if (!gem_cpu_read(r, fd, target)) {
        return false;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t got = ((const uint32_t *)target->map)[i];

        if (got != (tag | i)) {
            result_add(r, "mismatch", "dword %u: 0x%08x != 0x%08x", i, got, tag | i);
            return false;
        }
    }
    return true;
}

/* Before a timed run: the target zeroed (the CPU's writes), so that every
 * store has to land again. */
static bool clear_target(struct result *r, int fd, struct gem_buffer *target)
{
    if (!gem_cpu_read(r, fd, target)) {
        return false;
    }
    memset(target->map, 0, target->size);
    return true;
}

/*
 * Small render batches, one MI_STORE_DATA_IMM each.  @queued: all
 * submitted, then one wait (i915 queues them and writes ELSP when it can);
 * otherwise each waited for before the next is submitted.  The GPU's work
 * is nothing: what is timed is the submission path.
 */
static bool bench_sdi(struct result *r, const char *workload, unsigned full_count, bool queued)
{
    const unsigned n = scaled(full_count);
    const uint32_t tag = 0x5d000000;
    struct gem_buffer batch = { 0 }, target = { 0 };
    const struct gem_buffer *targets[1] = { &target };
    double start, us;
    bool ok = false;
    int err = 0, fd = gem_open(r);

    if (fd < 0) {
        return false;
    }
    if (!gem_buffer_create(r, fd, (uint64_t)n * 4 < 4096 ? 4096 : (uint64_t)n * 4,
                           VA_BENCH_TARGET, &target) ||
        !store_batches(r, fd, n, tag, &batch)) {
        goto out;
    }
    for (int timed = 0; timed < 2; timed++) {
        if (!clear_target(r, fd, &target)) {
            goto out;
        }
        start = monotonic_us();
        for (unsigned i = 0; i < n && !err; i++) {
            err = gem_execute(fd, 0, I915_EXEC_RENDER, &batch, i * SLOT, SLOT, targets, 1);
            if (!err && !queued) {
                err = gem_wait(fd, &target);
            }
        }
        if (!report_errno(r, "execbuffer2/gem_wait", err) ||
            !report_errno(r, "gem_wait", gem_wait(fd, &target))) {
            goto out;
        }
        us = monotonic_us() - start;
        if (!stores_landed(r, fd, &target, n, tag)) {
            goto out;
        }
    }
    add_figure(r, workload, n / (us / 1e6), "batches/s");
    result_add(r, "batches", "%u", n);
    result_add(r, "ms", "%.1f", us / 1e3);
    ok = true;
out:
    gem_buffer_free(fd, &batch);
    gem_buffer_free(fd, &target);
    close(fd);
    return ok;
}

bool step_bench_sdi_single(struct result *r)
{
    return bench_sdi(r, "sdi-single", 200, false);
}

bool step_bench_sdi_queued(struct result *r)
{
    return bench_sdi(r, "sdi-queued", 1000, true);
}

/*
 * Two contexts, each with its own PPGTT, batch and target, their one-store
 * batches submitted alternately and queued: every batch is a context
 * switch on the render engine.
 */
bool step_bench_ctx_switch(struct result *r)
{
    const unsigned rounds = scaled(200);
    const uint32_t tags[2] = { 0xa0000000, 0xb0000000 };
    struct gem_buffer batch[2], target[2];
    uint32_t ctx[2] = { 0, 0 };
    double start, us;
    bool ok = false;
    int err = 0, fd = gem_open(r);

    if (fd < 0) {
        return false;
    }
    memset(batch, 0, sizeof(batch));
    memset(target, 0, sizeof(target));
    for (unsigned c = 0; c < 2; c++) {
        /* The same PPGTT addresses in both: each context has its own PPGTT. */
        if (!gem_context_create(r, fd, &ctx[c]) ||
            !gem_buffer_create(r, fd, (uint64_t)rounds * 4 < 4096 ? 4096 : (uint64_t)rounds * 4,
                               VA_BENCH_TARGET, &target[c]) ||
            !store_batches(r, fd, rounds, tags[c], &batch[c])) {
            goto out;
        }
    }
    for (int timed = 0; timed < 2; timed++) {
        for (unsigned c = 0; c < 2; c++) {
            if (!clear_target(r, fd, &target[c])) {
                goto out;
            }
        }
        start = monotonic_us();
        for (unsigned i = 0; i < rounds && !err; i++) {
            for (unsigned c = 0; c < 2 && !err; c++) {
                const struct gem_buffer *t = &target[c];

                err = gem_execute(fd, ctx[c], I915_EXEC_RENDER, &batch[c], i * SLOT, SLOT,
                                  &t, 1);
            }
        }
        if (!report_errno(r, "execbuffer2", err) ||
            !report_errno(r, "gem_wait", gem_wait(fd, &target[0])) ||
            !report_errno(r, "gem_wait", gem_wait(fd, &target[1]))) {
            goto out;
        }
        us = monotonic_us() - start;
        for (unsigned c = 0; c < 2; c++) {
            if (!stores_landed(r, fd, &target[c], rounds, tags[c])) {
                goto out;
            }
        }
    }
    add_figure(r, "ctx-switch", 2 * rounds / (us / 1e6), "batches/s");
    result_add(r, "batches", "%u", 2 * rounds);
    result_add(r, "ms", "%.1f", us / 1e3);
    ok = true;
out:
    gem_contexts_free(fd, 2, ctx, batch, target);
    close(fd);
    return ok;
}

/*
 * The guest kernel's own clock of the ELSP write and of the completion
 * interrupt: kprobes (Debian's kernel has CONFIG_KPROBE_EVENTS; i915's
 * request-level tracepoints need CONFIG_DRM_I915_LOW_LEVEL_TRACEPOINTS,
 * which it lacks) on i915's execlists submission tasklet, which writes the
 * ELSP (its dequeue is inlined there), and on its interrupt handler
 * (gen8_irq_handler, Gen8-Gen10's), with trace_clock mono and a marker
 * before each round.
 */
#define TRACEFS             "/sys/kernel/tracing"
#define PROBE_GROUP         "gpumed_bench"
#define PROBE_ELSP          "p:" PROBE_GROUP "/elsp i915:execlists_submission_tasklet\n"
#define PROBE_IRQ           "p:" PROBE_GROUP "/irq i915:gen8_irq_handler\n"
#define ROUND_MARK          "gpumed-round "

static bool tracefs_write(struct result *r, const char *file, const char *text, int flags)
{
    char path[128];
    int fd;
    bool ok;

    snprintf(path, sizeof(path), TRACEFS "/%s", file);
    fd = open(path, O_WRONLY | O_CLOEXEC | flags);
    ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);
    if (!ok) {
        result_add(r, "error", "%s:%s", path, strerror(errno));
    }
    if (fd >= 0) {
        close(fd);
    }
    return ok;
}

/* The whole trace buffer as text (malloc'd), or NULL. */
static char *tracefs_read_trace(struct result *r)
{
    size_t size = 1 << 16, len = 0;
    char *text = malloc(size);
    int fd = open(TRACEFS "/trace", O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0 || !text) {
        result_add(r, "error", "%s/trace:%s", TRACEFS, strerror(errno));
        free(text);
        if (fd >= 0) {
            close(fd);
        }
        return NULL;
    }
    while ((n = read(fd, text + len, size - len - 1)) > 0) {
        len += n;
        if (size - len < 4096) {
            char *bigger = realloc(text, size *= 2);

            if (!bigger) {
                break;
            }
            text = bigger;
        }
    }
    close(fd);
    text[len] = '\0';
    return text;
}

static bool probes_set_up(struct result *r)
{
    mkdir(TRACEFS, 0755);
    if (mount("tracefs", TRACEFS, "tracefs", 0, NULL) < 0 && errno != EBUSY) {
        result_add(r, "error", "mount tracefs:%s", strerror(errno));
        return false;
    }
    return tracefs_write(r, "tracing_on", "0", 0) &&
           tracefs_write(r, "trace_clock", "mono", 0) &&
           tracefs_write(r, "kprobe_events", PROBE_ELSP, O_TRUNC) &&
           tracefs_write(r, "kprobe_events", PROBE_IRQ, O_APPEND) &&
           tracefs_write(r, "events/" PROBE_GROUP "/enable", "1", 0);
}

static void probes_remove(void)
{
    struct result ignored = { .step = "bench-latency" };

    tracefs_write(&ignored, "tracing_on", "0", 0);
    tracefs_write(&ignored, "events/" PROBE_GROUP "/enable", "0", 0);
    tracefs_write(&ignored, "kprobe_events", "", O_TRUNC);
}

/* The timestamp (µs) of the trace line holding @at: the "<sec>.<usec>:"
 * word before it. */
static double trace_stamp_us(const char *line_start, const char *at)
{
    const char *p = at;
    unsigned long sec, usec;

    while (p > line_start && p[-1] == ' ') {
        p--;
    }
    while (p > line_start && p[-1] != ' ') {
        p--;
    }
    if (sscanf(p, "%lu.%lu:", &sec, &usec) != 2) {
        return -1;
    }
    return sec * 1e6 + usec;
}

/*
 * For each round (a marker line), the first interrupt after it and the
 * last tasklet run before that interrupt (a run the previous round's
 * interrupt scheduled may come after the marker, before the submission):
 * their distance in µs into @latency; returns the number of rounds that
 * had both.
 */
static unsigned elsp_to_irq(const char *trace, double *latency, unsigned rounds)
{
    unsigned found = 0;
    double elsp = -1;
    bool in_round = false;

    for (const char *line = trace; *line; ) {
        const char *end = strchr(line, '\n'), *at;

        if (!end) {
            end = line + strlen(line);
        }
        if (line[0] != '#') {
            if ((at = strstr(line, ROUND_MARK)) && at < end) {
                in_round = true;
                elsp = -1;
            } else if (in_round && (at = strstr(line, " elsp:")) && at < end) {
                elsp = trace_stamp_us(line, at);
            } else if (in_round && elsp >= 0 && (at = strstr(line, " irq:")) && at < end) {
                double irq = trace_stamp_us(line, at);

                if (irq >= elsp && found < rounds) {
                    latency[found++] = irq - elsp;
                }
                in_round = false;
            }
        }
        line = *end ? end + 1 : end;
    }
    return found;
}

/* The interrupts i915's handler has taken, summed over CPUs and vectors
 * (/proc/interrupts), or -1. */
static long long i915_interrupts(void)
{
    FILE *f = fopen("/proc/interrupts", "re");
    char line[512];
    long long total = -1;

    if (!f) {
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        char *field = strchr(line, ':');

        if (!field || !strstr(line, " i915")) {
            continue;
        }
        total = total < 0 ? 0 : total;
        for (char *end; ; field = end) {
            long long n = strtoll(field + 1, &end, 10);

            if (end == field + 1) {
                break;
            }
            total += n;
        }
    }
    fclose(f);
    return total;
}

/* i915 may see a request complete by polling its breadcrumb before the
 * interrupt that follows it arrives (its wait spins briefly first, and an
 * empty batch on a fast engine is done by then): the round then waits for
 * that interrupt, so that it falls in the round of its ELSP write and not
 * in the next one.  A bound of liveness, not a judged time: a round whose
 * interrupt never comes simply has no pair. */
#define ROUND_IRQ_WAIT_US   (2 * 1000 * 1000)

static void wait_interrupt_after(long long before)
{
    double start = monotonic_us();

    while (before >= 0 && i915_interrupts() == before &&
           monotonic_us() - start < ROUND_IRQ_WAIT_US) {
        usleep(20);
    }
}

/*
 * From the ELSP write to the completion interrupt, as the guest's kernel
 * sees it: an empty batch (MI_BATCH_BUFFER_END) on the idle render engine,
 * each waited for.  On an idle engine i915 runs its submission tasklet (and
 * writes the ELSP) before execbuffer2 returns; the interrupt handler's
 * entry is when the guest's CPU takes the completion interrupt.  The median
 * of the rounds; the median round trip (execbuffer2 to the wait's return,
 * in the agent's clock) beside it.
 */
bool step_bench_latency(struct result *r)
{
    const unsigned rounds = scaled(200);
    struct gem_buffer batch = { 0 };
    double *latency = calloc(rounds, sizeof(double));
    double *round_trip = calloc(rounds, sizeof(double));
    char *trace = NULL, mark[32];
    unsigned pairs = 0;
    uint32_t len;
    bool ok = false;
    int fd = gem_open(r);

    if (fd < 0 || !latency || !round_trip) {
        goto out_mem;
    }
    if (!gem_buffer_create(r, fd, 4096, VA_BENCH_BATCH, &batch) || !probes_set_up(r)) {
        goto out;
    }
    len = emit_end(batch.map, batch.map);
    for (int timed = 0; timed < 2; timed++) {
        if (!tracefs_write(r, "trace", "", O_TRUNC) || !tracefs_write(r, "tracing_on", "1", 0)) {
            goto out;
        }
        for (unsigned i = 0; i < rounds; i++) {
            long long irqs;
            double t0;

            snprintf(mark, sizeof(mark), ROUND_MARK "%u", i);
            if (!tracefs_write(r, "trace_marker", mark, 0)) {
                goto out;
            }
            irqs = i915_interrupts();
            t0 = monotonic_us();
            if (!report_errno(r, "execbuffer2",
                              gem_execute(fd, 0, I915_EXEC_RENDER, &batch, 0, len, NULL, 0)) ||
                !report_errno(r, "gem_wait", gem_wait(fd, &batch))) {
                goto out;
            }
            round_trip[i] = monotonic_us() - t0;
            wait_interrupt_after(irqs);
        }
        if (!tracefs_write(r, "tracing_on", "0", 0)) {
            goto out;
        }
    }
    trace = tracefs_read_trace(r);
    if (!trace) {
        goto out;
    }
    pairs = elsp_to_irq(trace, latency, rounds);
    result_add(r, "rounds", "%u", rounds);
    result_add(r, "timed_rounds", "%u", pairs);
    /* A round may miss its pair (an event lost, a tasklet run elsewhere);
     * most must have it, or the probes do not see what they should. */
    if (pairs < rounds / 2) {
        const char *line = trace;

        result_add(r, "error", "only %u of %u rounds traced an ELSP write and an interrupt",
                   pairs, rounds);
        /* What the probes did see: the trace's first lines. */
        for (unsigned n = 0; n < 40 && *line; n++) {
            const char *end = strchrnul(line, '\n');

            result_log(r, "trace: %.*s", (int)(end - line), line);
            line = *end ? end + 1 : end;
        }
        goto out;
    }
    add_figure(r, "latency", median_of(latency, pairs), "us");
    result_add(r, "min_us", "%.1f", latency[0]);
    result_add(r, "max_us", "%.1f", latency[pairs - 1]);
    result_add(r, "round_trip_us", "%.1f", median_of(round_trip, rounds));
    ok = true;
out:
    probes_remove();
    gem_buffer_free(fd, &batch);
out_mem:
    if (fd >= 0) {
        close(fd);
    }
    free(trace);
    free(latency);
    free(round_trip);
    return ok;
}
