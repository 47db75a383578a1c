/*
 * gpumedctl - list a gpumed mediator's vGPUs and types, show statistics,
 * change a vGPU's weight and cap at run time, create vGPUs ahead of their
 * VM and destroy them, through its control socket
 * (mediator/control.h, docs/mediator.md).  Human-readable by default,
 * --json for scripts.  Exit status: 0, 1 when the mediator refused or
 * could not be reached, 2 for a bad command line.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mediator/control.h"

#define DEFAULT_SOCKET  "/run/gpumed/gpumed.sock"
#define MiB             ((uint64_t)1 << 20)

static const char *const engine_names[PGPU_NUM_ENGINES] = { "rcs", "bcs", "vcs", "vecs" };

static void usage(FILE *out)
{
    fprintf(out,
            "usage: gpumedctl [--socket PATH] [--json] COMMAND\n"
            "       gpumedctl -h|--help, gpumedctl --version\n"
            "  list                       the vGPUs: VM, type, share, partition\n"
            "  types                      the vGPU types and how many more fit\n"
            "  stats                      GPU and per-vGPU, per-engine statistics\n"
            "  set ID [--weight N] [--cap PERCENT]\n"
            "                             change vGPU ID's weight (1-100) and/or cap (1-100)\n"
            "  create --type TYPE --name NAME\n"
            "                             reserve a vGPU for a VM to come (QEMU: -device\n"
            "                             vgpu-pci,vgpu=NAME); its partition is taken now\n"
            "  destroy NAME               free a reserved vGPU no VM is using\n"
            "PATH is the mediator's VM socket (default %s); its control socket is\n"
            "PATH%s (mode 0600: run as the mediator's user).\n",
            DEFAULT_SOCKET, MED_CTL_SUFFIX);
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

static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') {
            putchar('\\');
        }
        putchar(*s);
    }
    putchar('"');
}

struct printer {
    bool json;
    unsigned items;
    uint64_t gpu_busy[PGPU_NUM_ENGINES];
};

static void begin_item(struct printer *p)
{
    if (p->json) {
        printf("%s\n  {", p->items ? "," : "");
    }
    p->items++;
}

static const char *state_name(uint32_t state)
{
    return state == MED_CTL_VGPU_IDLE ? "idle" :
           state == MED_CTL_VGPU_ATTACHED ? "attached" : "running";
}

/* What list and stats both say of a vGPU first, in JSON. */
static void json_vgpu_identity(const struct med_ctl_vgpu *v)
{
    printf("\"id\": %" PRIu32 ", \"name\": ", v->id);
    json_string(v->name);
    printf(", \"state\": \"%s\", \"vm\": ", state_name(v->state));
    json_string(v->vm_name);
    printf(", \"type\": ");
    json_string(v->type);
    printf(", \"weight\": %" PRIu32 ", \"cap_percent\": %" PRIu32, v->weight, v->cap_percent);
}

static void print_list(const struct med_ctl_reply *r, void *opaque)
{
    struct printer *p = opaque;
    const struct med_ctl_vgpu *v = &r->u.vgpu;

    if (r->kind != MED_CTL_VGPU) {
        return;
    }
    begin_item(p);
    if (p->json) {
        json_vgpu_identity(v);
        printf(", \"aperture_base\": %" PRIu64 ", \"aperture_size\": %" PRIu64
               ", \"hidden_base\": %" PRIu64 ", \"hidden_size\": %" PRIu64
               ", \"fence_base\": %" PRIu32 ", \"fence_count\": %" PRIu32 "}",
               v->aperture_base, v->aperture_size, v->hidden_base, v->hidden_size,
               v->fence_base, v->fence_count);
        return;
    }
    if (p->items == 1) {
        printf("%-4s %-12s %-8s %-20s %-10s %6s %4s  %-26s %-26s %s\n", "ID", "NAME", "STATE",
               "VM", "TYPE", "WEIGHT", "CAP", "APERTURE", "HIDDEN", "FENCES");
    }
    printf("%-4" PRIu32 " %-12s %-8s %-20s %-10s %6" PRIu32 " %3" PRIu32 "%%  0x%08" PRIx64
           "+%4" PRIu64 " MiB     0x%09" PRIx64 "+%5" PRIu64 " MiB  %" PRIu32 "-%" PRIu32 "\n",
           v->id, v->name[0] ? v->name : "-", state_name(v->state),
           v->vm_name[0] ? v->vm_name : "-", v->type, v->weight, v->cap_percent,
           v->aperture_base,
           v->aperture_size / MiB, v->hidden_base, v->hidden_size / MiB, v->fence_base,
           v->fence_base + v->fence_count - (v->fence_count ? 1 : 0));
}

static void print_type(const struct med_ctl_reply *r, void *opaque)
{
    struct printer *p = opaque;
    const struct med_ctl_type *t = &r->u.type;

    begin_item(p);
    if (p->json) {
        printf("\"name\": ");
        json_string(t->name);
        printf(", \"aperture_size\": %" PRIu64 ", \"hidden_size\": %" PRIu64
               ", \"fence_count\": %" PRIu32 ", \"weight\": %" PRIu32 ", \"cap_percent\": %"
               PRIu32 ", \"width\": %" PRIu32 ", \"height\": %" PRIu32 ", \"available\": %"
               PRIu32 "}", t->aperture_size, t->hidden_size, t->fence_count, t->weight,
               t->cap_percent, t->width, t->height, t->available);
        return;
    }
    if (p->items == 1) {
        printf("%-10s %9s %9s %6s %6s %4s %10s %9s\n", "TYPE", "APERTURE", "HIDDEN", "FENCES",
               "WEIGHT", "CAP", "RESOLUTION", "AVAILABLE");
    }
    printf("%-10s %5" PRIu64 " MiB %5" PRIu64 " MiB %6" PRIu32 " %6" PRIu32 " %3" PRIu32
           "%% %4" PRIu32 "x%-5" PRIu32 " %9" PRIu32 "\n", t->name, t->aperture_size / MiB,
           t->hidden_size / MiB, t->fence_count, t->weight, t->cap_percent, t->width,
           t->height, t->available);
}

static void print_gpu(struct printer *p, const struct med_ctl_gpu *g)
{
    memcpy(p->gpu_busy, g->busy_ns, sizeof(p->gpu_busy));
    if (p->json) {
        printf("{\"gpu\": {\"backend\": ");
        json_string(g->backend);
        printf(", \"policy\": ");
        json_string(g->policy);
        printf(", \"time_slice_ns\": %" PRIu64 ", \"uptime_ns\": %" PRIu64 ", \"busy_ns\": {",
               g->time_slice_ns, g->uptime_ns);
        for (unsigned e = 0; e < PGPU_NUM_ENGINES; e++) {
            printf("%s\"%s\": %" PRIu64, e ? ", " : "", engine_names[e], g->busy_ns[e]);
        }
        printf("}, \"vgpu_switches\": %" PRIu64 ", \"timer_wakeups\": %" PRIu64
               ", \"engine_resets\": %" PRIu64 ", \"hangs\": %" PRIu64
               ", \"aperture_free\": %" PRIu64 ", \"hidden_free\": %" PRIu64
               ", \"fences_free\": %" PRIu32 ", \"vgpus\": %" PRIu32 "},\n \"vgpus\": [",
               g->vgpu_switches, g->timer_wakeups, g->engine_resets, g->hangs,
               g->aperture_free, g->hidden_free, g->fences_free, g->vgpus);
        return;
    }
    printf("GPU: %s backend, %s policy, time slice %.3f ms, up %.1f s, %" PRIu32 " vGPUs\n"
           "     %" PRIu64 " vGPU switches, %" PRIu64 " cap wake-ups, %" PRIu64 " engine resets "
           "(%" PRIu64 " hangs)\n     free: aperture %" PRIu64 " MiB, hidden %" PRIu64
           " MiB, %" PRIu32 " fences\n     busy:", g->backend, g->policy,
           g->time_slice_ns / 1e6, g->uptime_ns / 1e9, g->vgpus, g->vgpu_switches,
           g->timer_wakeups, g->engine_resets, g->hangs, g->aperture_free / MiB,
           g->hidden_free / MiB, g->fences_free);
    for (unsigned e = 0; e < PGPU_NUM_ENGINES; e++) {
        printf(" %s %.3f s (%.1f%%)", engine_names[e], g->busy_ns[e] / 1e9,
               g->uptime_ns ? 100.0 * g->busy_ns[e] / g->uptime_ns : 0.0);
    }
    printf("\n");
}

static void print_stats(const struct med_ctl_reply *r, void *opaque)
{
    struct printer *p = opaque;
    const struct med_ctl_vgpu *v = &r->u.vgpu;

    if (r->kind == MED_CTL_GPU) {
        print_gpu(p, &r->u.gpu);
        return;
    }
    begin_item(p);
    if (p->json) {
        json_vgpu_identity(v);
        printf(", \"engines\": {");
        for (unsigned e = 0; e < PGPU_NUM_ENGINES; e++) {
            printf("%s\"%s\": {\"busy_ns\": %" PRIu64 ", \"workloads\": %" PRIu64
                   ", \"backlog_ns\": %" PRIu64 "}", e ? ", " : "", engine_names[e],
                   v->busy_ns[e], v->workloads[e], v->backlog_ns[e]);
        }
        printf("}, \"elements\": %" PRIu64 ", \"completed\": %" PRIu64 ", \"rejected\": %"
               PRIu64 ", \"hangs\": %" PRIu64 ", \"cancelled\": %" PRIu64
               ", \"engine_resets\": %" PRIu64 ", \"ggtt_synced\": %" PRIu64
               ", \"ggtt_bad_entries\": %" PRIu64 ", \"ppgtts\": %" PRIu32
               ", \"ppgtt_bad_entries\": %" PRIu64 "}", v->elements, v->completed, v->rejected,
               v->hangs, v->cancelled, v->engine_resets, v->ggtt_synced, v->ggtt_bad_entries,
               v->ppgtts, v->ppgtt_bad_entries);
        return;
    }
    printf("vGPU %" PRIu32 " %s%s(%s, VM %s, %s): weight %" PRIu32 ", cap %" PRIu32 "%%\n",
           v->id, v->name, v->name[0] ? " " : "", state_name(v->state),
           v->vm_name[0] ? v->vm_name : "-", v->type, v->weight, v->cap_percent);
    for (unsigned e = 0; e < PGPU_NUM_ENGINES; e++) {
        if (!v->workloads[e]) {
            continue;
        }
        printf("  %-4s busy %.3f s (%.1f%% of the engine's busy time), %" PRIu64
               " workloads, backlogged %.3f s\n", engine_names[e], v->busy_ns[e] / 1e9,
               p->gpu_busy[e] ? 100.0 * v->busy_ns[e] / p->gpu_busy[e] : 0.0, v->workloads[e],
               v->backlog_ns[e] / 1e9);
    }
    printf("  elements %" PRIu64 ", completed %" PRIu64 ", rejected %" PRIu64 ", hangs %"
           PRIu64 ", cancelled %" PRIu64 ", engine resets %" PRIu64 "\n"
           "  GGTT entries shadowed %" PRIu64 " (%" PRIu64 " bad); PPGTTs %" PRIu32
           " (%" PRIu64 " bad entries)\n", v->elements, v->completed, v->rejected, v->hangs,
           v->cancelled, v->engine_resets, v->ggtt_synced, v->ggtt_bad_entries, v->ppgtts,
           v->ppgtt_bad_entries);
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        { "socket", required_argument, NULL, 's' }, { "json", no_argument, NULL, 'j' },
        { "weight", required_argument, NULL, 'w' }, { "cap", required_argument, NULL, 'c' },
        { "type", required_argument, NULL, 't' }, { "name", required_argument, NULL, 'n' },
        { "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' }, { 0 },
    };
    const char *socket_path = DEFAULT_SOCKET, *command;
    struct med_ctl_request q = { .version = MED_CTL_VERSION };
    struct printer p = { 0 };
    void (*each)(const struct med_ctl_reply *, void *) = NULL;
    char control[108], detail[MED_CTL_DETAIL_LEN] = "";
    int opt, fd, status;

    while ((opt = getopt_long(argc, argv, "s:jh", options, NULL)) != -1) {
        switch (opt) {
        case 's':
            socket_path = optarg;
            break;
        case 'j':
            p.json = true;
            break;
        case 'w':
        case 'c':
            if (!parse_percent_like(optarg)) {
                fprintf(stderr, "gpumedctl: --%s: '%s' is not a number from 1 to 100\n",
                        opt == 'w' ? "weight" : "cap", optarg);
                return 2;
            }
            *(opt == 'w' ? &q.weight : &q.cap_percent) = parse_percent_like(optarg);
            break;
        case 't':
        case 'n':
            if (!copy_arg(opt == 't' ? q.type : q.name,
                          opt == 't' ? sizeof(q.type) : sizeof(q.name), optarg)) {
                fprintf(stderr, "gpumedctl: --%s: '%s' is too long\n",
                        opt == 't' ? "type" : "name", optarg);
                return 2;
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("gpumedctl %s\n", GPUMED_VERSION);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    command = argv[optind++];
    if (!strcmp(command, "list") || !strcmp(command, "stats")) {
        q.op = MED_CTL_STATS;
        each = command[0] == 'l' ? print_list : print_stats;
    } else if (!strcmp(command, "types")) {
        q.op = MED_CTL_TYPES;
        each = print_type;
    } else if (!strcmp(command, "set")) {
        char *end;

        q.op = MED_CTL_SET_SHARE;
        q.vgpu_id = optind < argc ? (uint32_t)strtoul(argv[optind], &end, 10) : 0;
        if (!q.vgpu_id || *end || (!q.weight && !q.cap_percent)) {
            fprintf(stderr, "gpumedctl: set needs a vGPU id and --weight and/or --cap\n");
            return 2;
        }
        optind++;
    } else if (!strcmp(command, "create")) {
        q.op = MED_CTL_CREATE;
        each = print_list;
        if (!q.type[0] || !q.name[0]) {
            fprintf(stderr, "gpumedctl: create needs --type TYPE and --name NAME\n");
            return 2;
        }
    } else if (!strcmp(command, "destroy")) {
        q.op = MED_CTL_DESTROY;
        if (optind >= argc || !copy_arg(q.name, sizeof(q.name), argv[optind++])) {
            fprintf(stderr, "gpumedctl: destroy needs the name of a vGPU (at most %zu "
                    "characters)\n", sizeof(q.name) - 1);
            return 2;
        }
    } else {
        fprintf(stderr, "gpumedctl: unknown command '%s'\n", command);
        usage(stderr);
        return 2;
    }
    if (optind < argc || (q.op != MED_CTL_SET_SHARE && (q.weight || q.cap_percent)) ||
        (q.op != MED_CTL_CREATE && (q.type[0] || (q.op != MED_CTL_DESTROY && q.name[0])))) {
        fprintf(stderr, "gpumedctl: unexpected arguments for '%s'\n", command);
        return 2;
    }
    if (med_ctl_path(socket_path, control, sizeof(control))) {
        fprintf(stderr, "gpumedctl: socket path %s is too long\n", socket_path);
        return 2;
    }
    fd = med_ctl_connect(control);
    if (fd < 0) {
        fprintf(stderr, "gpumedctl: cannot connect to %s: %s%s\n", control, strerror(errno),
                errno == EACCES ? " (run as the mediator's user)" : "");
        return 1;
    }
    if (p.json && q.op == MED_CTL_TYPES) {
        printf("{\"types\": [");
    } else if (p.json && each == print_list) {
        printf("{\"vgpus\": [");
    }
    status = med_ctl_call(fd, &q, each, &p, detail);
    close(fd);
    if (status < 0) {
        fprintf(stderr, "gpumedctl: %s: %s\n", command,
                detail[0] && status != -EPROTO ? detail : strerror(-status));
        return 1;
    }
    if (p.json && each) {
        printf("\n]}\n");
    } else if (p.json) {
        printf("{\"ok\": true}\n");
    }
    return 0;
}
