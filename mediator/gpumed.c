/*
 * gpumed - the mediator daemon: owns the physical GPU and serves every
 * vgpu-pci client on one control socket (docs/mediator.md).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "mediator/log.h"
#include "wire/control.h"
#include "wire/protocol.h"
#include "mediator/server.h"
#include "mediator/submission/submission.h"

struct options {
    const char *socket_path;
    bool foreground;
    enum med_log_level log_level;
    uint64_t aperture_size;
    unsigned time_slice_us;
    bool check_invariants;
};

enum option_id { OPT_SOCKET = 's', OPT_FOREGROUND = 'f', OPT_LOG_LEVEL = 'l',
                 OPT_APERTURE = 'a', OPT_TIME_SLICE = 't', OPT_CHECK_INVARIANTS = 'c',
                 OPT_HELP = 'h', OPT_VERSION = 'V' };

static const struct {
    struct option option;
    const char *argument, *help;
} option_table[] = {
    { { "socket", required_argument, NULL, OPT_SOCKET }, "PATH",
      "VM socket (default " WIRE_DEFAULT_SOCKET "; its directory is created 0750) and PATH"
      WIRE_CTL_SUFFIX ", the control socket (0600)" },
    { { "foreground", no_argument, NULL, OPT_FOREGROUND }, NULL,
      "stay in the foreground and log to stderr (default: detach, log to syslog)" },
    { { "log-level", required_argument, NULL, OPT_LOG_LEVEL }, "LEVEL",
      "error, warning, info (default) or debug" },
    { { "aperture-size", required_argument, NULL, OPT_APERTURE }, "MiB",
      "the physical GPU's aperture (BAR2) in MiB: a power of two, 64..4096 (default 256)" },
    { { "time-slice", required_argument, NULL, OPT_TIME_SLICE }, "US",
      "GPU time a vGPU keeps an engine while it has work, in microseconds: 100..1000000 "
      "(default 1000)" },
    { { "check-invariants", no_argument, NULL, OPT_CHECK_INVARIANTS }, NULL,
      "walk every dispatched vGPU's page tables and GGTT and abort if any translation "
      "leaves its VM (docs/security.md; slow: for tests)" },
    { { "help", no_argument, NULL, OPT_HELP }, NULL, "this text (also -h)" },
    { { "version", no_argument, NULL, OPT_VERSION }, NULL, "the version" },
};
#define OPTION_COUNT (sizeof(option_table) / sizeof(option_table[0]))

static void usage(FILE *out)
{
    fprintf(out, "usage: gpumed [OPTION...]\n"
                 "The gpumed mediator: shares one physical GPU among VMs' vgpu-pci devices.\n\n");
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        char left[40];

        snprintf(left, sizeof(left), "--%s%s%s", option_table[i].option.name,
                 option_table[i].argument ? " " : "",
                 option_table[i].argument ? option_table[i].argument : "");
        fprintf(out, "  %-24s %s\n", left, option_table[i].help);
    }
}

/* Returns 0, 1 after --help or --version, or -1 after a message about a bad option. */
static int parse_options(int argc, char **argv, struct options *o)
{
    struct option long_options[OPTION_COUNT + 1] = { { 0 } };
    char *end;
    int c;

    for (size_t i = 0; i < OPTION_COUNT; i++) {
        long_options[i] = option_table[i].option;
    }
    while ((c = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
        switch (c) {
        case OPT_SOCKET:
            o->socket_path = optarg;
            break;
        case OPT_FOREGROUND:
            o->foreground = true;
            break;
        case OPT_LOG_LEVEL:
            if (!med_log_level_parse(optarg, &o->log_level)) {
                fprintf(stderr, "gpumed: --log-level: '%s' is not error, warning, info "
                        "or debug\n", optarg);
                return -1;
            }
            break;
        case OPT_APERTURE:
            errno = 0;
            o->aperture_size = strtoull(optarg, &end, 10) << 20;
            if (errno || *end || o->aperture_size < (64ull << 20) ||
                o->aperture_size > (4096ull << 20) ||
                (o->aperture_size & (o->aperture_size - 1))) {
                fprintf(stderr, "gpumed: --aperture-size: '%s' is not a power of two "
                        "between 64 and 4096 (MiB)\n", optarg);
                return -1;
            }
            break;
        case OPT_TIME_SLICE: {
            unsigned long long us;

            errno = 0;
            us = strtoull(optarg, &end, 10);
            if (errno || *end || end == optarg || us < 100 || us > MED_TIME_SLICE_MAX_US) {
                fprintf(stderr, "gpumed: --time-slice: '%s' is not a number of microseconds "
                        "between 100 and %u\n", optarg, MED_TIME_SLICE_MAX_US);
                return -1;
            }
            o->time_slice_us = (unsigned)us;
            break;
        }
        case OPT_CHECK_INVARIANTS:
            o->check_invariants = true;
            break;
        case OPT_HELP:
            usage(stdout);
            return 1;
        case OPT_VERSION:
            printf("gpumed %s\n", GPUMED_VERSION);
            return 1;
        default:
            usage(stderr);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "gpumed: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    return 0;
}

/* SIGINT and SIGTERM stop the loop through a descriptor, not a handler. */
static int stop_signals_fd(void)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &set, NULL)) {
        return -1;
    }
    return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/*
 * Detaching happens in two steps around set-up: the backend starts threads,
 * which a fork would not carry over, so the daemon forks first and the
 * parent waits for the child's verdict (one byte on a pipe, or end of file
 * if it died) and exits with it.  Set-up errors still reach the terminal.
 * Returns, in the child, the pipe's write end, or -1.
 */
static int detach_begin(void)
{
    int verdict[2];
    pid_t pid;
    char status = 1;

    if (pipe2(verdict, O_CLOEXEC)) {
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        return -1;
    }
    if (pid > 0) {
        close(verdict[1]);
        if (read(verdict[0], &status, 1) != 1) {
            status = 1;
        }
        _exit(status);
    }
    close(verdict[0]);
    if (setsid() < 0) {
        close(verdict[1]);
        return -1;
    }
    return verdict[1];
}

/* Set-up succeeded: leave the terminal and let the parent exit 0. */
static int detach_finish(int verdict_fd)
{
    int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    char ok = 0;

    if (null_fd < 0) {
        return -1;
    }
    dup2(null_fd, STDIN_FILENO);
    dup2(null_fd, STDOUT_FILENO);
    dup2(null_fd, STDERR_FILENO);
    close(null_fd);
    if (write(verdict_fd, &ok, 1) != 1) {
        return -1;
    }
    close(verdict_fd);
    return 0;
}

static void log_stats(const struct med_server_stats *st, const struct med_vgpu_exec_stats *ex,
                      const struct med_sched_stats *sc)
{
    med_log(MED_LOG_INFO, "clients %" PRIu64 " accepted, %" PRIu64 " closed, %" PRIu64
            " refused at the limit, %" PRIu64 " protocol errors, %" PRIu64
            " requests refused; vGPUs %" PRIu64 " created, %"
            PRIu64 " destroyed, %" PRIu64 " reserved, %" PRIu64 " stopped by the guard; GGTT "
            "entries %" PRIu64 " shadowed, %" PRIu64 " bad; PPGTTs %" PRIu64 " shadowed, %"
            PRIu64 " bad notifications; %" PRIu64 " submissions rejected, %" PRIu64
            " engine resets",
            st->clients_accepted, st->clients_closed, st->clients_refused, st->protocol_errors,
            st->requests_refused, st->vgpus_created, st->vgpus_destroyed, st->vgpus_reserved,
            st->vgpus_stopped, ex->ggtt_entries_synced, ex->ggtt_bad_entries, st->ppgtts_created,
            st->ppgtt_bad_notifies, st->submissions_rejected, st->engine_resets);
    med_log(MED_LOG_INFO, "workloads: %" PRIu64 " elements, %" PRIu64 " completed, %" PRIu64
            " rejected, %" PRIu64 " hangs, %" PRIu64 " cancelled, %" PRIu64 " deferred behind "
            "writers, %" PRIu64 " folded into the one before (%" PRIu64 " as it ran), %" PRIu64
            " bad PPGTT entries, %" PRIu64 " PPGTT compares proven needless",
            ex->elements, ex->completed, ex->rejected, ex->hangs, ex->cancelled, ex->deferred,
            ex->folded, ex->overlapped, ex->ppgtt_bad_entries, ex->ppgtt_unchanged);
    /* The engines' idle gaps while a vGPU had work (docs/scheduler.md). */
    med_log(MED_LOG_INFO, "dispatch: %" PRIu64 " ELSP writes, %" PRIu64 " of them pairs (%"
            PRIu64 " appended behind a running context), %" PRIu64 " feeding a running "
            "context its next parts; %" PRIu64 " interrupts woke the mediator, %" PRIu64
            " were left to its timer; %" PRIu64 " waits for an engine "
            "with work queued: median %.1f us, 99th percentile %.1f us, greatest %.1f us",
            sc->elsp_writes, sc->elsp_pairs, sc->elsp_appends, sc->elsp_feeds, sc->interrupts,
            sc->interrupts_deferred, sc->waits,
            med_sched_wait_ns(sc, 0.5) / 1e3, med_sched_wait_ns(sc, 0.99) / 1e3,
            sc->wait_max_ns / 1e3);
}

int main(int argc, char **argv)
{
    struct options o = { .socket_path = WIRE_DEFAULT_SOCKET, .log_level = MED_LOG_INFO,
                         .aperture_size = 256ull << 20 };
    struct med_server *server;
    int parsed = parse_options(argc, argv, &o);
    int stop_fd, verdict_fd = -1, ret;

    if (parsed) {
        return parsed > 0 ? 0 : 2;
    }
    /* Start-up errors always go to stderr; syslog only once detached. */
    med_log_init(o.log_level, false);
    if (!o.foreground && (verdict_fd = detach_begin()) < 0) {
        med_log(MED_LOG_ERROR, "cannot detach: %s", strerror(errno));
        return 1;
    }
    stop_fd = stop_signals_fd();
    if (stop_fd < 0) {
        med_log(MED_LOG_ERROR, "cannot set up signal handling: %s", strerror(errno));
        return 1;
    }
    server = med_server_create(&(struct med_server_config) {
        .socket_path = o.socket_path,
        .gm = { .aperture_size = o.aperture_size,
                .host_reserve = MED_GM_HOST_RESERVE_DEFAULT },
        .time_slice_us = o.time_slice_us,
        .check_invariants = o.check_invariants,
    });
    if (!server) {
        return 1;
    }
    if (!o.foreground) {
        med_log(MED_LOG_INFO, "detaching; further lines go to syslog");
        med_log_init(o.log_level, true);
        if (detach_finish(verdict_fd)) {
            med_log(MED_LOG_ERROR, "cannot detach: %s", strerror(errno));
            med_server_destroy(server);
            return 1;
        }
    }
    ret = med_server_run(server, stop_fd);
    med_log(MED_LOG_INFO, "stopping");
    log_stats(med_server_stats(server), med_server_exec_stats(server),
              med_server_sched_stats(server));
    med_server_destroy(server);
    close(stop_fd);
    return ret ? 1 : 0;
}
