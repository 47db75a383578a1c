/*
 * bench-trap-path: where should a trapped guest MMIO access be emulated?
 *
 * Measures one emulated register read through the three designs considered
 * in docs/architecture.md, side by side in one run:
 *   inproc  - the vgpu library called in the trapping process (QEMU);
 *   socket  - a blocking request/reply over a UNIX socket to a separate
 *             emulation process (the "everything in the mediator" design);
 *   spin    - a shared-memory mailbox polled by a spinning emulation process
 *             (fast, but burns a host core per vGPU).
 * The cost of the trap itself (TCG or KVM exit) is the same in all three and
 * is not part of the figure.
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

#include "bench/vgpu/bench-vgpu.h"

#define REG_OFFSET 0x2358       /* any register offset: storage semantics */

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

static double bench_inproc(unsigned iterations)
{
    struct vgpu *vgpu = make_vgpu();
    volatile uint64_t sink = 0;
    double start = now_ns();

    for (unsigned i = 0; i < iterations; i++) {
        sink += vgpu_bar0_read(vgpu, REG_OFFSET, 4);
    }
    double elapsed = now_ns() - start;
    vgpu_destroy(vgpu);
    (void)sink;
    return elapsed / iterations;
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

static double bench_socket(unsigned iterations)
{
    int fds[2];
    pid_t pid;
    struct mmio_request req = { .offset = REG_OFFSET, .size = 4 };
    uint64_t value;

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
    double start = now_ns();
    for (unsigned i = 0; i < iterations; i++) {
        if (write(fds[0], &req, sizeof(req)) != sizeof(req) ||
            read(fds[0], &value, sizeof(value)) != sizeof(value)) {
            perror("socket round trip");
            exit(1);
        }
    }
    double elapsed = now_ns() - start;
    close(fds[0]);
    waitpid(pid, NULL, 0);
    return elapsed / iterations;
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

static double bench_spin(unsigned iterations)
{
    struct mailbox *box = mmap(NULL, sizeof(*box), PROT_READ | PROT_WRITE,
                               MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pid_t pid;

    if (box == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    atomic_init(&box->seq, 0);
    pid = fork();
    if (pid == 0) {
        serve_mailbox(box);
    }
    double start = now_ns();
    for (unsigned i = 0; i < iterations; i++) {
        uint64_t seq = 2 * (uint64_t)i + 1;
        box->request = (struct mmio_request){ .offset = REG_OFFSET, .size = 4 };
        atomic_store_explicit(&box->seq, seq, memory_order_release);
        while (atomic_load_explicit(&box->seq, memory_order_acquire) != seq + 1) {
            /* spin: the design under test */
        }
    }
    double elapsed = now_ns() - start;
    atomic_store_explicit(&box->seq, UINT64_MAX, memory_order_release);
    waitpid(pid, NULL, 0);
    munmap(box, sizeof(*box));
    return elapsed / iterations;
}

int main(void)
{
    double inproc = bench_inproc(2000000);
    double socket_rt = bench_socket(20000);
    double spin = bench_spin(200000);

    printf("BENCH trap-inproc-read %.1f ns\n", inproc);
    printf("BENCH trap-socket-read %.1f ns\n", socket_rt);
    printf("BENCH trap-spin-read %.1f ns\n", spin);
    printf("BENCH trap-socket-vs-inproc %.1f ratio\n", socket_rt / inproc);
    printf("BENCH trap-spin-vs-inproc %.1f ratio\n", spin / inproc);
    return 0;
}
