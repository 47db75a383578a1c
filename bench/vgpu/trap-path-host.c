/*
 * trap-path-host: the host half of the trap-path benchmark
 * (bench-trap-path.py adds the guest-visible half).  Where should a trapped
 * guest MMIO access be emulated?  One emulated register read through the
 * three designs considered in docs/architecture.md, decision 1:
 *   inproc  - the vgpu library called in the trapping process (QEMU);
 *   socket  - a blocking request/reply over a UNIX socket to a separate
 *             emulation process (the "everything in the mediator" design);
 *   spin    - a shared-memory mailbox polled by a spinning emulation process
 *             (fast, but burns a host core per vGPU).
 * The trap itself (TCG or KVM exit) is the same in all three and is not
 * part of these figures.  Each run of each design starts its emulation
 * (and its process) untimed, makes WARMUP reads untimed, then times READS
 * reads; RUNS runs of the three, interleaved (bench/bench-stats.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench-stats.h"
#include "bench/vgpu/bench-vgpu.h"

#define REG_OFFSET 0x2358       /* any register offset: storage semantics */
#define RUNS       5            /* as many as the guest's mmio-cost runs */
#define WARMUP     1000
#define READS      20000

struct mmio_request {
    uint64_t offset;
    uint32_t size;
};

/* Shared-memory mailbox: seq odd = request pending, even = reply ready. */
struct mailbox {
    _Atomic uint64_t seq;
    struct mmio_request request;
    uint64_t reply;
};

/* One read through each design; 0 on success. */
static int read_inproc(void *opaque, uint64_t *value)
{
    *value = vgpu_bar0_read(opaque, REG_OFFSET, 4);
    return 0;
}

static int read_socket(void *opaque, uint64_t *value)
{
    int fd = *(int *)opaque;
    const struct mmio_request req = { .offset = REG_OFFSET, .size = 4 };

    return write(fd, &req, sizeof(req)) != sizeof(req) ||
           read(fd, value, sizeof(*value)) != sizeof(*value);
}

static int read_spin(void *opaque, uint64_t *value)
{
    struct mailbox *box = opaque;
    uint64_t seq = atomic_load_explicit(&box->seq, memory_order_relaxed) + 1;

    box->request = (struct mmio_request){ .offset = REG_OFFSET, .size = 4 };
    atomic_store_explicit(&box->seq, seq, memory_order_release);
    while (atomic_load_explicit(&box->seq, memory_order_acquire) != seq + 1) {
        /* spin: the design under test */
    }
    *value = box->reply;
    return 0;
}

/* WARMUP untimed reads, then the mean ns of READS timed ones. */
static double timed_reads(int (*read_one)(void *, uint64_t *), void *opaque)
{
    uint64_t value;
    double start = 0;

    for (unsigned i = 0; i < WARMUP + READS; i++) {
        if (i == WARMUP) {
            start = now_ns();
        }
        if (read_one(opaque, &value)) {
            perror("trap-path-host: a read");
            exit(1);
        }
    }
    return (now_ns() - start) / READS;
}

static double run_inproc(void)
{
    struct vgpu *vgpu = make_vgpu();
    double ns = timed_reads(read_inproc, vgpu);

    vgpu_destroy(vgpu);
    return ns;
}

static void serve_socket(int fd)
{
    struct vgpu *vgpu = make_vgpu();
    struct mmio_request req;

    while (read(fd, &req, sizeof(req)) == sizeof(req)) {
        uint64_t value = vgpu_bar0_read(vgpu, req.offset, req.size);
        if (write(fd, &value, sizeof(value)) != sizeof(value)) {
            break;
        }
    }
    _exit(0);
}

static double run_socket(void)
{
    int fds[2];
    pid_t pid;
    double ns;

    if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds) < 0) {
        perror("socketpair");
        exit(1);
    }
    pid = fork();
    if (pid == 0) {
        close(fds[0]);
        serve_socket(fds[1]);
    }
    close(fds[1]);
    ns = timed_reads(read_socket, &fds[0]);
    close(fds[0]);
    waitpid(pid, NULL, 0);
    return ns;
}

static void serve_mailbox(struct mailbox *box)
{
    struct vgpu *vgpu = make_vgpu();
    uint64_t seen = 0;

    for (;;) {
        uint64_t seq = atomic_load_explicit(&box->seq, memory_order_acquire);
        if (seq == UINT64_MAX) {
            _exit(0);
        }
        if (seq != seen && (seq & 1)) {
            box->reply = vgpu_bar0_read(vgpu, box->request.offset, box->request.size);
            seen = seq + 1;
            atomic_store_explicit(&box->seq, seen, memory_order_release);
        }
    }
}

static double run_spin(void)
{
    struct mailbox *box = mmap(NULL, sizeof(*box), PROT_READ | PROT_WRITE,
                               MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pid_t pid;
    double ns;

    if (box == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    atomic_init(&box->seq, 0);
    pid = fork();
    if (pid == 0) {
        serve_mailbox(box);
    }
    ns = timed_reads(read_spin, box);
    atomic_store_explicit(&box->seq, UINT64_MAX, memory_order_release);
    waitpid(pid, NULL, 0);
    munmap(box, sizeof(*box));
    return ns;
}

int main(void)
{
    double inproc[RUNS], socket_rt[RUNS], spin[RUNS];
    struct bench_stat i, s, p;

    /* interleaved: a busy neighbour slows all three alike */
    for (unsigned r = 0; r < RUNS; r++) {
        inproc[r] = run_inproc();
        socket_rt[r] = run_socket();
        spin[r] = run_spin();
    }
    i = bench_stat_of(inproc, RUNS);
    s = bench_stat_of(socket_rt, RUNS);
    p = bench_stat_of(spin, RUNS);
    bench_print_stat("trap-inproc-read", "ns", 1, i);
    bench_print_stat("trap-socket-read", "ns", 1, s);
    bench_print_stat("trap-spin-read", "ns", 1, p);
    printf("BENCH trap-socket-vs-inproc %.1f ratio\n", s.median / i.median);
    printf("BENCH trap-spin-vs-inproc %.1f ratio\n", p.median / i.median);
    return 0;
}
