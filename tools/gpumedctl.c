/*
 * gpumedctl - list a gpumed mediator's vGPUs and types, show statistics,
 * change a vGPU's weight and cap at run time, create vGPUs ahead of their
 * VM and destroy them, through its control socket
 * (wire/control.h, docs/mediator.md).  Human-readable by default,
 * --json for scripts.  Exit status: 0, 1 when the mediator refused or
 * could not be reached, 2 for a bad command line.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/gpumedctl.h"

#define DEFAULT_SOCKET  "/run/gpumed/gpumed.sock"
#define MiB             ((uint64_t)1 << 20)


static void usage(FILE *out)
{
    fprintf(out,
            "usage: gpumedctl [--socket PATH] [--json] COMMAND\n"
            "       gpumedctl -h|--help, gpumedctl --version\n"
            "  list                       the vGPUs: VM, type, share, partition\n"
            "  types                      the vGPU types and how many more fit\n"
            "  stats [--reset NAME|ID]    GPU and per-vGPU, per-engine statistics (a vGPU's\n"
            "                             over its life, across its VMs); --reset zeroes a\n"
            "                             vGPU's\n"
            "  stats --interval SECONDS [--count N]\n"
            "                             what happened in each interval: each vGPU's share\n"
            "                             of each engine, the mediator's time for it, its\n"
            "                             queue, its rejections\n"
            "  top [--interval SECONDS] [--count N]\n"
            "                             the same as a table redrawn in place (default\n"
            "                             every 1 s, until interrupted)\n"
            "  set NAME|ID [--weight N] [--cap PERCENT]\n"
            "                             change a vGPU's weight (1-100) and/or cap (1-100)\n"
            "  create --type TYPE --name NAME\n"
            "                             reserve a vGPU for a VM to come (QEMU: -device\n"
            "                             vgpu-pci,vgpu=NAME); its partition is taken now\n"
            "  destroy NAME               free a reserved vGPU no VM is using\n"
            "  restart NAME|ID            serve a vGPU again after the guard stopped it\n"
            "                             (its counts of hostile behaviour start afresh)\n"
            "PATH is the mediator's VM socket (default %s); its control socket is\n"
            "PATH%s (mode 0600: run as the mediator's user).\n",
            DEFAULT_SOCKET, WIRE_CTL_SUFFIX);
}

/* @text into @dst of @size bytes; false if it does not fit. */
static bool copy_arg(char *dst, size_t size, const char *text)
{
    return (size_t)snprintf(dst, size, "%s", text) < size;
}

/* A decimal in [1, 100], or 0 when @text is not one. */
static uint32_t parse_percent_like(const char *text)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(text, &end, 10);
    return errno || end == text || *end || v < 1 || v > 100 ? 0 : (uint32_t)v;
}

void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') {
            fprintf(out, "\\%c", *s);
        } else if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f) {
            fprintf(out, "\\u%04x", (unsigned char)*s);
        } else {
            fputc(*s, out);
        }
    }
    fputc('"', out);
}

static void begin_item(struct printer *p)
{
    if (p->json) {
        fprintf(p->out, "%s\n  {", p->items ? "," : "");
    }
    p->items++;
}

const char *vgpu_state_name(const struct wire_ctl_vgpu *v)
{
    return v->stopped ? "stopped" :
           v->state == WIRE_CTL_VGPU_IDLE ? "idle" :
           v->state == WIRE_CTL_VGPU_ATTACHED ? "attached" : "running";
}

void json_vgpu_identity(FILE *out, const struct wire_ctl_vgpu *v)
{
    fprintf(out, "\"id\": %" PRIu32 ", \"name\": ", v->id);
    json_string(out, v->name);
    fprintf(out, ", \"state\": \"%s\", \"stop_reason\": ", vgpu_state_name(v));
    json_string(out, v->stop_reason);
    fprintf(out, ", \"vm\": ");
    json_string(out, v->vm_name);
    fprintf(out, ", \"type\": ");
    json_string(out, v->type);
    fprintf(out, ", \"weight\": %" PRIu32 ", \"cap_percent\": %" PRIu32, v->weight, v->cap_percent);
}

static void print_list(const struct wire_ctl_reply *r, void *opaque)
{
    struct printer *p = opaque;
    const struct wire_ctl_vgpu *v = &r->u.vgpu;

    if (r->kind != WIRE_CTL_VGPU) {
        return;
    }
    begin_item(p);
    if (p->json) {
        json_vgpu_identity(p->out, v);
        fprintf(p->out, ", \"aperture_base\": %" PRIu64 ", \"aperture_size\": %" PRIu64
               ", \"hidden_base\": %" PRIu64 ", \"hidden_size\": %" PRIu64
               ", \"fence_base\": %" PRIu32 ", \"fence_count\": %" PRIu32 "}",
               v->aperture_base, v->aperture_size, v->hidden_base, v->hidden_size,
               v->fence_base, v->fence_count);
        return;
    }
    if (p->items == 1) {
        fprintf(p->out, "%-4s %-12s %-8s %-20s %-10s %6s %4s  %-26s %-26s %s\n", "ID", "NAME", "STATE",
               "VM", "TYPE", "WEIGHT", "CAP", "APERTURE", "HIDDEN", "FENCES");
    }
    fprintf(p->out, "%-4" PRIu32 " %-12s %-8s %-20s %-10s %6" PRIu32 " %3" PRIu32 "%%  0x%08" PRIx64
           "+%4" PRIu64 " MiB     0x%09" PRIx64 "+%5" PRIu64 " MiB  %" PRIu32 "-%" PRIu32,
           v->id, v->name[0] ? v->name : "-", vgpu_state_name(v),
           v->vm_name[0] ? v->vm_name : "-", v->type, v->weight, v->cap_percent,
           v->aperture_base,
           v->aperture_size / MiB, v->hidden_base, v->hidden_size / MiB, v->fence_base,
           v->fence_base + v->fence_count - (v->fence_count ? 1 : 0));
    /* One line per vGPU (scripts and the completion read its columns). */
    if (v->stopped) {
        fprintf(p->out, "  stopped by the guard: %s", v->stop_reason);
    }
    fprintf(p->out, "\n");
}

static void print_type(const struct wire_ctl_reply *r, void *opaque)
{
    struct printer *p = opaque;
    const struct wire_ctl_type *t = &r->u.type;

    begin_item(p);
    if (p->json) {
        fprintf(p->out, "\"name\": ");
        json_string(p->out, t->name);
        fprintf(p->out, ", \"aperture_size\": %" PRIu64 ", \"hidden_size\": %" PRIu64
               ", \"fence_count\": %" PRIu32 ", \"weight\": %" PRIu32 ", \"cap_percent\": %"
               PRIu32 ", \"width\": %" PRIu32 ", \"height\": %" PRIu32 ", \"available\": %"
               PRIu32 "}", t->aperture_size, t->hidden_size, t->fence_count, t->weight,
               t->cap_percent, t->width, t->height, t->available);
        return;
    }
    if (p->items == 1) {
        fprintf(p->out, "%-10s %9s %9s %6s %6s %4s %10s %9s\n", "TYPE", "APERTURE", "HIDDEN", "FENCES",
               "WEIGHT", "CAP", "RESOLUTION", "AVAILABLE");
    }
    fprintf(p->out, "%-10s %5" PRIu64 " MiB %5" PRIu64 " MiB %6" PRIu32 " %6" PRIu32 " %3" PRIu32
           "%% %4" PRIu32 "x%-5" PRIu32 " %9" PRIu32 "\n", t->name, t->aperture_size / MiB,
           t->hidden_size / MiB, t->fence_count, t->weight, t->cap_percent, t->width,
           t->height, t->available);
}

static void print_gpu(struct printer *p, const struct wire_ctl_gpu *g)
{
    memcpy(p->gpu_busy, g->busy_ns, sizeof(p->gpu_busy));
    if (p->json) {
        fprintf(p->out, "{\"gpu\": {\"backend\": ");
        json_string(p->out, g->backend);
        fprintf(p->out, ", \"policy\": ");
        json_string(p->out, g->policy);
        fprintf(p->out, ", \"time_slice_ns\": %" PRIu64 ", \"uptime_ns\": %" PRIu64 ", \"busy_ns\": {",
               g->time_slice_ns, g->uptime_ns);
        for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
            fprintf(p->out, "%s\"%s\": %" PRIu64, e ? ", " : "", gen9_engines[e].name, g->busy_ns[e]);
        }
        fprintf(p->out, "}, \"vgpu_switches\": %" PRIu64 ", \"timer_wakeups\": %" PRIu64
               ", \"engine_resets\": %" PRIu64 ", \"hangs\": %" PRIu64
               ", \"aperture_free\": %" PRIu64 ", \"hidden_free\": %" PRIu64
               ", \"fences_free\": %" PRIu32 ", \"vgpus\": %" PRIu32 "},\n \"vgpus\": [",
               g->vgpu_switches, g->timer_wakeups, g->engine_resets, g->hangs,
               g->aperture_free, g->hidden_free, g->fences_free, g->vgpus);
        return;
    }
    fprintf(p->out, "GPU: %s backend, %s policy, time slice %.3f ms, up %.1f s, %" PRIu32 " vGPUs\n"
           "     %" PRIu64 " vGPU switches, %" PRIu64 " cap wake-ups, %" PRIu64 " engine resets "
           "(%" PRIu64 " hangs)\n     free: aperture %" PRIu64 " MiB, hidden %" PRIu64
           " MiB, %" PRIu32 " fences\n     busy:", g->backend, g->policy,
           g->time_slice_ns / 1e6, g->uptime_ns / 1e9, g->vgpus, g->vgpu_switches,
           g->timer_wakeups, g->engine_resets, g->hangs, g->aperture_free / MiB,
           g->hidden_free / MiB, g->fences_free);
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        fprintf(p->out, " %s %.3f s (%.1f%%)", gen9_engines[e].name, g->busy_ns[e] / 1e9,
               g->uptime_ns ? 100.0 * g->busy_ns[e] / g->uptime_ns : 0.0);
    }
    fprintf(p->out, "\n");
}

static void print_stats(const struct wire_ctl_reply *r, void *opaque)
{
    struct printer *p = opaque;
    const struct wire_ctl_vgpu *v = &r->u.vgpu;

    if (r->kind == WIRE_CTL_GPU) {
        print_gpu(p, &r->u.gpu);
        return;
    }
    begin_item(p);
    if (p->json) {
        json_vgpu_identity(p->out, v);
        fprintf(p->out, ", \"engines\": {");
        for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
            fprintf(p->out, "%s\"%s\": {\"busy_ns\": %" PRIu64 ", \"workloads\": %" PRIu64
                    ", \"backlog_ns\": %" PRIu64 ", \"queued\": %" PRIu32 "}", e ? ", " : "",
                    gen9_engines[e].name, v->busy_ns[e], v->workloads[e], v->backlog_ns[e],
                    v->queued[e]);
        }
        fprintf(p->out, "}, \"elements\": %" PRIu64 ", \"completed\": %" PRIu64 ", \"rejected\": %"
               PRIu64 ", \"hangs\": %" PRIu64 ", \"cancelled\": %" PRIu64
               ", \"engine_resets\": %" PRIu64 ", \"ggtt_synced\": %" PRIu64
               ", \"ggtt_bad_entries\": %" PRIu64 ", \"ppgtts\": %" PRIu32
               ", \"ppgtt_bad_entries\": %" PRIu64 ", \"counted_ns\": %" PRIu64
               ", \"mediator_ns\": %" PRIu64 ", \"deferrals\": %" PRIu64
               ", \"notifications\": %" PRIu64 ", \"bad_notifications\": %" PRIu64
               ", \"big_builds\": %" PRIu64 "}", v->elements,
               v->completed, v->rejected, v->hangs, v->cancelled, v->engine_resets,
               v->ggtt_synced, v->ggtt_bad_entries, v->ppgtts, v->ppgtt_bad_entries,
               v->counted_ns, v->mediator_ns, v->deferrals, v->notifications,
               v->bad_notifications, v->big_builds);
        return;
    }
    fprintf(p->out, "vGPU %" PRIu32 " %s%s(%s, VM %s, %s): weight %" PRIu32 ", cap %" PRIu32
            "%%; counted over %.1f s%s\n", v->id, v->name, v->name[0] ? " " : "",
            vgpu_state_name(v), v->vm_name[0] ? v->vm_name : "-", v->type, v->weight,
            v->cap_percent, v->counted_ns / 1e9, v->name[0] ? ", across its VMs" : "");
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        if (!v->workloads[e] && !v->queued[e]) {
            continue;
        }
        fprintf(p->out, "  %-4s busy %.3f s (%.1f%% of the engine's busy time), %" PRIu64
                " workloads, backlogged %.3f s, %" PRIu32 " queued now\n",
                gen9_engines[e].name, v->busy_ns[e] / 1e9,
                p->gpu_busy[e] ? 100.0 * v->busy_ns[e] / p->gpu_busy[e] : 0.0, v->workloads[e],
                v->backlog_ns[e] / 1e9, v->queued[e]);
    }
    fprintf(p->out, "  elements %" PRIu64 ", completed %" PRIu64 ", rejected %" PRIu64 ", hangs %"
           PRIu64 ", cancelled %" PRIu64 ", engine resets %" PRIu64 "\n"
           "  GGTT entries shadowed %" PRIu64 " (%" PRIu64 " bad); PPGTTs %" PRIu32
           " (%" PRIu64 " bad entries)\n", v->elements, v->completed, v->rejected, v->hangs,
           v->cancelled, v->engine_resets, v->ggtt_synced, v->ggtt_bad_entries, v->ppgtts,
           v->ppgtt_bad_entries);
    fprintf(p->out, "  mediator time %.3f s, deferred %" PRIu64 " times; PPGTT notifications %"
            PRIu64 " (%" PRIu64 " bad); requests that built over 4096 page tables %" PRIu64
            "\n", v->mediator_ns / 1e9, v->deferrals, v->notifications, v->bad_notifications,
            v->big_builds);
    if (v->stopped) {
        fprintf(p->out, "  stopped by the guard: %s (gpumedctl restart %" PRIu32 ")\n",
                v->stop_reason, v->id);
    }
}

int fail(const struct printer *p, int exit_status, const char *command, int err,
         const char *fmt, ...)
{
    char message[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    fprintf(stderr, "gpumedctl: %s%s%s\n", command ? command : "", command ? ": " : "",
            message);
    if (p->json) {
        printf("{\"error\": {\"command\": ");
        if (command) {
            json_string(stdout, command);
        } else {
            printf("null");
        }
        printf(", \"message\": ");
        json_string(stdout, message);
        printf(", \"errno\": ");
        if (err) {
            json_string(stdout, strerrorname_np(err) ? strerrorname_np(err) : "");
        } else {
            printf("null");
        }
        printf("}}\n");
    }
    return exit_status;
}

/* A vGPU named on the command line into @q->name; false (and @why) if it
 * is not a name. */
static bool take_name(struct wire_ctl_request *q, const char *name, char *why, size_t size)
{
    if (!wire_ctl_name_explain(name, why, size)) {
        return false;
    }
    return copy_arg(q->name, sizeof(q->name), name);
}

/* Seconds (decimals allowed) from 0.1 to 3600 into @ns. */
static bool parse_interval(const char *text, uint64_t *ns)
{
    char *end;
    double seconds;

    errno = 0;
    seconds = strtod(text, &end);
    if (errno || end == text || *end || !(seconds >= 0.1 && seconds <= 3600)) {
        return false;
    }
    *ns = (uint64_t)(seconds * 1e9);
    return true;
}

static bool parse_count(const char *text, unsigned long *count)
{
    char *end;

    errno = 0;
    *count = strtoul(text, &end, 10);
    return !errno && end != text && !*end && *count >= 1 && text[0] != '-';
}

/* set's, restart's and stats --reset's NAME|ID: digits are an id. */
static bool take_vgpu(struct wire_ctl_request *q, const char *arg, char *why, size_t size)
{
    char *end;
    unsigned long id;

    if (arg[0] < '0' || arg[0] > '9') {
        return take_name(q, arg, why, size);
    }
    errno = 0;
    id = strtoul(arg, &end, 10);
    if (errno || *end || !id || id > UINT32_MAX) {
        snprintf(why, size, "'%s' is neither a vGPU id (1 or more) nor a name", arg);
        return false;
    }
    q->vgpu_id = (uint32_t)id;
    return true;
}

/* The command's NAME|ID argument, taken off the command line; @missing
 * says what to give when there is none. */
static bool take_vgpu_arg(struct wire_ctl_request *q, int argc, char **argv, const char *missing,
                          char *why, size_t size)
{
    if (optind >= argc) {
        snprintf(why, size, "%s", missing);
        return false;
    }
    return take_vgpu(q, argv[optind++], why, size);
}

int connect_failure(const struct printer *p, const char *command, const char *control,
                    const char *socket_path, int err)
{
    if (err == ENOENT || err == ECONNREFUSED) {
        return fail(p, 1, command, err, "cannot connect to %s: %s: is gpumed running? "
                    "(socket %s; --socket PATH names another)", control, strerror(err),
                    socket_path);
    }
    if (err == EACCES) {
        return fail(p, 1, command, err, "cannot connect to %s: %s: the control socket is "
                    "the mediator's user's (mode 0600): run gpumedctl as that user (root "
                    "under systemd)", control, strerror(err));
    }
    return fail(p, 1, command, err, "cannot connect to %s: %s", control, strerror(err));
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        { "socket", required_argument, NULL, 's' }, { "json", no_argument, NULL, 'j' },
        { "weight", required_argument, NULL, 'w' }, { "cap", required_argument, NULL, 'c' },
        { "type", required_argument, NULL, 't' }, { "name", required_argument, NULL, 'n' },
        { "interval", required_argument, NULL, 'i' }, { "count", required_argument, NULL, 'N' },
        { "reset", required_argument, NULL, 'r' },
        { "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' }, { 0 },
    };
    const char *socket_path = DEFAULT_SOCKET, *command, *bad_number = NULL, *name_arg = NULL;
    const char *type_arg = NULL, *interval_arg = NULL, *count_arg = NULL, *reset_arg = NULL;
    uint64_t interval_ns = 1000000000;
    unsigned long count = 0;
    struct wire_ctl_request q = { .version = WIRE_CTL_VERSION };
    struct printer p = { 0 };
    void (*each)(const struct wire_ctl_reply *, void *) = NULL;
    char control[108], detail[WIRE_CTL_DETAIL_LEN] = "", why[160];
    char *buffer = NULL;
    size_t buffer_size = 0;
    int opt, fd, status;

    opterr = 0;     /* its messages are ours, after --json is known */
    while ((opt = getopt_long(argc, argv, "s:jh", options, NULL)) != -1) {
        switch (opt) {
        case 's':
            socket_path = optarg;
            break;
        case 'j':
            p.json = true;
            break;
        case 'w':
        case 'c': {
            uint32_t value = parse_percent_like(optarg);

            *(opt == 'w' ? &q.weight : &q.cap_percent) = value;
            bad_number = value ? bad_number : opt == 'w' ? "--weight" : "--cap";
            break;
        }
        case 't':
            type_arg = optarg;
            break;
        case 'n':
            name_arg = optarg;
            break;
        case 'i':
            interval_arg = optarg;
            break;
        case 'N':
            count_arg = optarg;
            break;
        case 'r':
            reset_arg = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("gpumedctl %s\n", GPUMED_VERSION);
            return 0;
        default:
            for (int i = 1; i < argc; i++) {
                p.json |= !strcmp(argv[i], "--json");
            }
            return fail(&p, 2, NULL, 0, "%s '%s' (gpumedctl --help lists the options)",
                        optopt ? "option needs an argument or is unknown:" : "unknown option",
                        argv[optind - 1]);
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return fail(&p, 2, NULL, 0, "no command");
    }
    command = argv[optind++];
    if (bad_number) {
        return fail(&p, 2, command, 0, "%s: not a number from 1 to 100", bad_number);
    }
    if ((interval_arg || count_arg) && strcmp(command, "stats") && strcmp(command, "top")) {
        return fail(&p, 2, command, 0, "--interval and --count go with stats and top");
    }
    if (interval_arg && !parse_interval(interval_arg, &interval_ns)) {
        return fail(&p, 2, command, 0, "--interval: '%s' is not a number of seconds from 0.1 "
                    "to 3600", interval_arg);
    }
    if (count_arg && !parse_count(count_arg, &count)) {
        return fail(&p, 2, command, 0, "--count: '%s' is not a number of intervals (1 or "
                    "more)", count_arg);
    }
    if (reset_arg && (strcmp(command, "stats") || interval_arg || count_arg)) {
        return fail(&p, 2, command, 0, "--reset NAME|ID goes with stats alone");
    }
    if (!strcmp(command, "top") || (!strcmp(command, "stats") && (interval_arg || count_arg))) {
        if (optind < argc) {
            return fail(&p, 2, command, 0, "unexpected argument '%s' (gpumedctl --help)",
                        argv[optind]);
        }
        if (q.weight || q.cap_percent || type_arg || name_arg) {
            return fail(&p, 2, command, 0, "--weight, --cap, --type and --name do not go "
                        "with %s", command);
        }
        if (wire_ctl_path(socket_path, control, sizeof(control))) {
            return fail(&p, 2, command, 0, "socket path %s is too long", socket_path);
        }
        return gpumedctl_watch(&p, command, control, socket_path, interval_ns, count,
                               command[0] == 't');
    }
    if (!strcmp(command, "stats") && reset_arg) {
        q.op = WIRE_CTL_RESET_STATS;
        if (!take_vgpu(&q, reset_arg, why, sizeof(why))) {
            return fail(&p, 2, command, 0, "--reset: %s", why);
        }
    } else if (!strcmp(command, "list") || !strcmp(command, "stats")) {
        q.op = WIRE_CTL_STATS;
        each = command[0] == 'l' ? print_list : print_stats;
    } else if (!strcmp(command, "types")) {
        q.op = WIRE_CTL_TYPES;
        each = print_type;
    } else if (!strcmp(command, "set")) {
        q.op = WIRE_CTL_SET_SHARE;
        if (!take_vgpu_arg(&q, argc, argv, "which vGPU? set NAME|ID [--weight N] [--cap "
                           "PERCENT] (gpumedctl list shows names and ids)", why, sizeof(why))) {
            return fail(&p, 2, command, 0, "%s", why);
        }
        if (!q.weight && !q.cap_percent) {
            return fail(&p, 2, command, 0, "nothing to set: give --weight N (1-100) and/or "
                        "--cap PERCENT (1-100)");
        }
    } else if (!strcmp(command, "restart")) {
        q.op = WIRE_CTL_RESTART;
        if (!take_vgpu_arg(&q, argc, argv, "which vGPU? restart NAME|ID (gpumedctl list "
                           "shows the stopped ones)", why, sizeof(why))) {
            return fail(&p, 2, command, 0, "%s", why);
        }
    } else if (!strcmp(command, "create")) {
        q.op = WIRE_CTL_CREATE;
        each = print_list;
        if (!type_arg || !name_arg) {
            return fail(&p, 2, command, 0, "create needs --type TYPE (gpumedctl types lists "
                        "them) and --name NAME");
        }
        if (!copy_arg(q.type, sizeof(q.type), type_arg)) {
            return fail(&p, 2, command, 0, "--type: '%.40s...' is too long: gpumedctl types "
                        "lists the types", type_arg);
        }
        if (!take_name(&q, name_arg, why, sizeof(why))) {
            return fail(&p, 2, command, 0, "--name: %s", why);
        }
        type_arg = name_arg = NULL;
    } else if (!strcmp(command, "destroy")) {
        q.op = WIRE_CTL_DESTROY;
        if (optind >= argc) {
            return fail(&p, 2, command, 0, "which vGPU? destroy NAME (gpumedctl list shows "
                        "the names)");
        }
        if (!take_name(&q, argv[optind++], why, sizeof(why))) {
            return fail(&p, 2, command, 0, "%s", why);
        }
    } else {
        usage(stderr);
        return fail(&p, 2, NULL, 0, "unknown command '%s'", command);
    }
    if (optind < argc) {
        return fail(&p, 2, command, 0, "unexpected argument '%s' (gpumedctl --help)",
                    argv[optind]);
    }
    if (q.op != WIRE_CTL_SET_SHARE && (q.weight || q.cap_percent)) {
        return fail(&p, 2, command, 0, "--weight and --cap go with set");
    }
    if (type_arg || name_arg) {
        return fail(&p, 2, command, 0, "--type and --name go with create (destroy and set "
                    "take the vGPU's name as their argument)");
    }
    if (wire_ctl_path(socket_path, control, sizeof(control))) {
        return fail(&p, 2, command, 0, "socket path %s is too long", socket_path);
    }
    fd = wire_ctl_connect(control);
    if (fd < 0) {
        return connect_failure(&p, command, control, socket_path, errno);
    }
    p.out = open_memstream(&buffer, &buffer_size);
    if (!p.out) {
        close(fd);
        return fail(&p, 1, command, errno, "%s", strerror(errno));
    }
    if (p.json && q.op == WIRE_CTL_TYPES) {
        fprintf(p.out, "{\"types\": [");
    } else if (p.json && each == print_list) {
        fprintf(p.out, "{\"vgpus\": [");
    }
    status = wire_ctl_call(fd, &q, each, &p, detail);
    close(fd);
    if (p.json && each) {
        fprintf(p.out, "\n]}\n");
    } else if (p.json) {
        fprintf(p.out, "{\"ok\": true}\n");
    }
    fclose(p.out);
    if (status == -EPROTO) {
        free(buffer);
        return fail(&p, 1, command, -status, "the mediator's reply is not one gpumedctl %s "
                    "understands: use the gpumedctl of the running gpumed", GPUMED_VERSION);
    }
    if (status < 0) {
        free(buffer);
        return fail(&p, 1, command, -status, "%s", detail[0] ? detail : strerror(-status));
    }
    fwrite(buffer, 1, buffer_size, stdout);
    free(buffer);
    return 0;
}
