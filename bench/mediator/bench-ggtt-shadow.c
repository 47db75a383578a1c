/*
 * bench-ggtt-shadow: how fast a guest's rewrite of its whole GGTT (1 Mi
 * PTEs, as at i915 probe under a hypervisor) reaches the host GGTT, in the
 * two designs of architecture decision 2, side by side in one run:
 *   shared  - QEMU stores each PTE in the shared table and sets its dirty
 *             bit; the mediator takes the dirty bits, validates and
 *             translates (gtt/ggtt-shadow.c) into the physical GPU's GGTT;
 *   socket  - one SOCK_SEQPACKET message per PTE to a mediator process,
 *             which validates and translates each on arrival.
 * Both validate with the same shadow code and write the same backend (the
 * Skylake model).  The trap that precedes each guest store is the same in
 * both and is not part of the figures.  Each side is set up once, outside
 * the clock (the socket mediator's process included), rewrites the GGTT
 * once untimed, then RUNS timed rewrites of each side alternate, each with
 * new values (bench/bench-stats.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench-stats.h"
#include "gtt/ggtt-shadow.h"
#include "wire/protocol.h"

#define ENTRIES         WIRE_GGTT_ENTRIES
#define GUEST_RAM       (4ull << 30)
#define BUS_BASE        (1ull << MED_BUS_WINDOW_SHIFT)
#define RUNS            5

/* One PTE per message: the naive design's wire format. */
struct pte_message {
    uint32_t index;             /* UINT32_MAX: "all sent, acknowledge" */
    uint32_t round;             /* of the acknowledgement: the values to check */
    uint64_t pte;
};

/* A vGPU owning the whole GGTT, backed by its own Skylake model. */
struct bench_vgpu {
    struct pgpu *gpu;
    uint64_t *table;            /* PTEs then dirty bits, as in the shared memfd */
    struct med_vgpu_ggtt *shadow;
};

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static void bench_vgpu_init(struct bench_vgpu *v)
{
    static const struct med_gpa_range ram = { .gpa = 0, .size = GUEST_RAM };
    struct pgpu_config config = { .name = "bench", .aperture_size = 256ull << 20,
                                  .hang_timeout_ms = PGPU_HANG_TIMEOUT_DEFAULT_MS };

    v->gpu = pgpu_skl_model.create(&config);
    v->table = calloc(WIRE_GGTT_TABLE_SIZE, 1);
    if (!v->gpu || !v->table) {
        die("bench set-up");
    }
    v->shadow = med_vgpu_ggtt_create(&(struct med_vgpu_ggtt_config) {
        .partition = { .aperture_base = 0, .aperture_size = 256ull << 20,
                       .hidden_base = 256ull << 20, .hidden_size = (4ull << 30) - (256ull << 20) },
        .bus_base = BUS_BASE, .ram = &ram, .ram_count = 1,
        .guest_ptes = v->table, .dirty = v->table + ENTRIES, .gpu = v->gpu,
    });
    if (!v->shadow) {
        die("med_vgpu_ggtt_create");
    }
}

static uint64_t guest_pte(uint32_t index, unsigned round)
{
    return ((uint64_t)((index + round) % ENTRIES) << 12) | MED_GGTT_PTE_PRESENT;
}

/* What QEMU does per guest PTE write (wire/client.c: wire_client_ggtt_write). */
static void shared_store(uint64_t *table, uint32_t index, uint64_t pte)
{
    __atomic_store_n(&table[index], pte, __ATOMIC_RELAXED);
    __atomic_fetch_or(&table[ENTRIES + index / 64], 1ull << (index % 64), __ATOMIC_RELEASE);
}

static void check_translated(struct bench_vgpu *v, unsigned round)
{
    uint32_t probe = ENTRIES / 3;
    uint64_t want = BUS_BASE + (guest_pte(probe, round) & MED_GGTT_PTE_ADDR_MASK);

    if (v->gpu->ops->ggtt_read(v->gpu, probe) != (want | MED_GGTT_PTE_PRESENT)) {
        fprintf(stderr, "bench: entry %u was not translated\n", probe);
        exit(1);
    }
}

/* Seconds of the 1 Mi stores then one sync, of the sync alone, of an idle sync. */
struct shared_run {
    double rewrite, sync, idle;
};

static struct shared_run shared_rewrite(struct bench_vgpu *v, unsigned round)
{
    struct shared_run run;
    double start = now_s(), synced;

    for (uint32_t i = 0; i < ENTRIES; i++) {
        shared_store(v->table, i, guest_pte(i, round));
    }
    synced = now_s();
    if (med_vgpu_ggtt_sync(v->shadow) != ENTRIES) {
        fprintf(stderr, "bench: sync missed entries\n");
        exit(1);
    }
    run.rewrite = now_s() - start;
    run.sync = now_s() - synced;
    check_translated(v, round);
    start = now_s();
    med_vgpu_ggtt_sync(v->shadow);
    run.idle = now_s() - start;
    return run;
}

/* The mediator process of the naive design: apply each PTE as it arrives. */
static void socket_mediator(int sock)
{
    struct bench_vgpu v;
    struct pte_message m;
    char ack = 1;

    bench_vgpu_init(&v);
    if (send(sock, &ack, 1, 0) != 1) {      /* ready: the clock may start */
        _exit(1);
    }
    while (recv(sock, &m, sizeof(m), 0) == sizeof(m)) {
        if (m.index == UINT32_MAX) {
            check_translated(&v, m.round);
            if (send(sock, &ack, 1, 0) != 1) {
                break;
            }
            continue;
        }
        v.table[m.index % ENTRIES] = m.pte;
        med_vgpu_ggtt_update(v.shadow, m.index % ENTRIES);
    }
    _exit(0);
}

/* Seconds of 1 Mi messages and the acknowledgement of the last. */
static double socket_rewrite(int sock, unsigned round)
{
    struct pte_message m = { 0 };
    double start = now_s();
    char ack;

    for (uint32_t i = 0; i < ENTRIES; i++) {
        m.index = i;
        m.pte = guest_pte(i, round);
        if (send(sock, &m, sizeof(m), 0) != sizeof(m)) {
            die("send");
        }
    }
    m.index = UINT32_MAX;
    m.round = round;
    if (send(sock, &m, sizeof(m), 0) != sizeof(m) || recv(sock, &ack, 1, 0) != 1) {
        die("socket mediator");
    }
    return now_s() - start;
}

static void print_rate(const char *name, const double *seconds)
{
    double rate[RUNS];

    for (unsigned r = 0; r < RUNS; r++) {
        rate[r] = ENTRIES / seconds[r];
    }
    bench_print_stat(name, "entries/s", 0, bench_stat_of(rate, RUNS));
}

int main(void)
{
    double rewrite[RUNS], sync[RUNS], idle[RUNS], sock_s[RUNS];
    struct bench_stat shared, socket_stat;
    struct bench_vgpu v;
    int sv[2];
    pid_t child;
    char ready;

    /* The socket mediator forks: before this process starts model threads. */
    if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv)) {
        die("socketpair");
    }
    child = fork();
    if (child == 0) {
        close(sv[0]);
        socket_mediator(sv[1]);
    }
    close(sv[1]);
    if (recv(sv[0], &ready, 1, 0) != 1) {
        die("socket mediator start");
    }
    bench_vgpu_init(&v);
    /* round 0 warms both up: every page of both GGTTs touched once */
    shared_rewrite(&v, 0);
    socket_rewrite(sv[0], 0);
    for (unsigned r = 0; r < RUNS; r++) {
        struct shared_run run = shared_rewrite(&v, r + 1);

        rewrite[r] = run.rewrite;
        sync[r] = run.sync;
        idle[r] = run.idle;
        sock_s[r] = socket_rewrite(sv[0], r + 1);
    }
    close(sv[0]);
    waitpid(child, NULL, 0);
    med_vgpu_ggtt_destroy(v.shadow);
    v.gpu->ops->destroy(v.gpu);
    free(v.table);

    shared = bench_stat_scaled(bench_stat_of(rewrite, RUNS), 1e3);
    socket_stat = bench_stat_scaled(bench_stat_of(sock_s, RUNS), 1e3);
    print_rate("ggtt-shared-rewrite", rewrite);
    print_rate("ggtt-shared-sync", sync);
    bench_print_stat("ggtt-shared-idle-sync", "us", 1,
                     bench_stat_scaled(bench_stat_of(idle, RUNS), 1e6));
    print_rate("ggtt-socket-per-pte", sock_s);
    bench_print_stat("ggtt-rewrite-1mi-shared", "ms", 1, shared);
    bench_print_stat("ggtt-rewrite-1mi-socket", "ms", 1, socket_stat);
    printf("BENCH ggtt-socket-vs-shared %.1f ratio\n", socket_stat.median / shared.median);
    return 0;
}
