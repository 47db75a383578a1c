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
 * both and is not part of the figures.
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

#include "gtt/ggtt-shadow.h"
#include "mediator/protocol.h"

#define ENTRIES         MED_GGTT_ENTRIES
#define GUEST_RAM       (4ull << 30)
#define BUS_BASE        (1ull << MED_BUS_WINDOW_SHIFT)
#define REPEATS         5

/* One PTE per message: the naive design's wire format. */
struct pte_message {
    uint32_t index;             /* UINT32_MAX: "all sent, acknowledge" */
    uint32_t reserved;
    uint64_t pte;
};

/* A vGPU owning the whole GGTT, backed by its own Skylake model. */
struct bench_vgpu {
    struct pgpu *gpu;
    uint64_t *table;            /* PTEs then dirty bits, as in the shared memfd */
    struct vgpu_ggtt_shadow *shadow;
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
    v->table = calloc(MED_GGTT_TABLE_SIZE, 1);
    if (!v->gpu || !v->table) {
        die("bench set-up");
    }
    v->shadow = vgpu_ggtt_shadow_create(&(struct vgpu_ggtt_shadow_config) {
        .partition = { .aperture_base = 0, .aperture_size = 256ull << 20,
                       .hidden_base = 256ull << 20, .hidden_size = (4ull << 30) - (256ull << 20) },
        .bus_base = BUS_BASE, .ram = &ram, .ram_count = 1,
        .guest_ptes = v->table, .dirty = v->table + ENTRIES, .gpu = v->gpu,
    });
    if (!v->shadow) {
        die("vgpu_ggtt_shadow_create");
    }
}

static uint64_t guest_pte(uint32_t index, unsigned round)
{
    return ((uint64_t)((index + round) % ENTRIES) << 12) | MED_GGTT_PTE_PRESENT;
}

/* What QEMU does per guest PTE write (mediator/client.c: med_client_ggtt_write). */
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

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* Median seconds of: the 1 Mi stores, then one sync. Also the sync alone and an idle sync. */
static void bench_shared(double *rewrite_s, double *sync_s, double *idle_s)
{
    struct bench_vgpu v;
    double rewrite[REPEATS], sync[REPEATS], idle[REPEATS];

    bench_vgpu_init(&v);
    for (unsigned r = 0; r < REPEATS; r++) {
        double start = now_s(), synced;

        for (uint32_t i = 0; i < ENTRIES; i++) {
            shared_store(v.table, i, guest_pte(i, r));
        }
        synced = now_s();
        if (vgpu_ggtt_shadow_sync(v.shadow) != ENTRIES) {
            fprintf(stderr, "bench: sync missed entries\n");
            exit(1);
        }
        rewrite[r] = now_s() - start;
        sync[r] = now_s() - synced;
        check_translated(&v, r);
        start = now_s();
        vgpu_ggtt_shadow_sync(v.shadow);
        idle[r] = now_s() - start;
    }
    qsort(rewrite, REPEATS, sizeof(double), compare_doubles);
    qsort(sync, REPEATS, sizeof(double), compare_doubles);
    qsort(idle, REPEATS, sizeof(double), compare_doubles);
    *rewrite_s = rewrite[REPEATS / 2];
    *sync_s = sync[REPEATS / 2];
    *idle_s = idle[REPEATS / 2];
    vgpu_ggtt_shadow_destroy(v.shadow);
    v.gpu->ops->destroy(v.gpu);
    free(v.table);
}

/* The mediator process of the naive design: apply each PTE as it arrives. */
static void socket_mediator(int sock)
{
    struct bench_vgpu v;
    struct pte_message m;
    char ack = 1;

    bench_vgpu_init(&v);
    while (recv(sock, &m, sizeof(m), 0) == sizeof(m)) {
        if (m.index == UINT32_MAX) {
            check_translated(&v, 0);
            if (send(sock, &ack, 1, 0) != 1) {
                break;
            }
            continue;
        }
        v.table[m.index % ENTRIES] = m.pte;
        vgpu_ggtt_shadow_update(v.shadow, m.index % ENTRIES);
    }
    _exit(0);
}

static double bench_socket(void)
{
    struct pte_message m = { 0 };
    int sv[2];
    pid_t child;
    double start, elapsed;
    char ack;

    if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv)) {
        die("socketpair");
    }
    child = fork();
    if (child == 0) {
        close(sv[0]);
        socket_mediator(sv[1]);
    }
    close(sv[1]);
    start = now_s();
    for (uint32_t i = 0; i < ENTRIES; i++) {
        m.index = i;
        m.pte = guest_pte(i, 0);
        if (send(sv[0], &m, sizeof(m), 0) != sizeof(m)) {
            die("send");
        }
    }
    m.index = UINT32_MAX;
    if (send(sv[0], &m, sizeof(m), 0) != sizeof(m) || recv(sv[0], &ack, 1, 0) != 1) {
        die("socket mediator");
    }
    elapsed = now_s() - start;
    close(sv[0]);
    waitpid(child, NULL, 0);
    return elapsed;
}

int main(void)
{
    double socket_s, rewrite_s, sync_s, idle_s;

    /* The socket run forks: do it before this process starts model threads. */
    socket_s = bench_socket();
    bench_shared(&rewrite_s, &sync_s, &idle_s);
    printf("BENCH ggtt-shared-rewrite %.0f entries/s\n", ENTRIES / rewrite_s);
    printf("BENCH ggtt-shared-sync %.0f entries/s\n", ENTRIES / sync_s);
    printf("BENCH ggtt-shared-idle-sync %.1f us\n", idle_s * 1e6);
    printf("BENCH ggtt-socket-per-pte %.0f entries/s\n", ENTRIES / socket_s);
    printf("BENCH ggtt-rewrite-1mi-shared %.1f ms\n", rewrite_s * 1e3);
    printf("BENCH ggtt-rewrite-1mi-socket %.1f ms\n", socket_s * 1e3);
    printf("BENCH ggtt-socket-vs-shared %.1f ratio\n", socket_s / rewrite_s);
    return 0;
}
