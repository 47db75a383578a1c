/*
 * harness.c - the mediator fuzzers' common ground (harness.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tests/fuzz/mediator/harness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mediator/clock.h"
#include "mediator/log.h"
#include "mediator/server.h"
#include "mediator/submission/submission.h"

/* A liveness bound, not a timing: every element ends (done, refused, or
 * stopped by the hang detector after 20 ms of its engine's own time), but a
 * loaded host can keep the engine threads off the CPUs for long: 500 rounds
 * of up to 2 ms ran out before the hang at load 10-18, and the workload
 * corpus's reach check saw no hang (2 runs in 10, with other tests). */
#define WAIT_LIVENESS_NS    10000000000ull

bool fuzz_record_next(const uint8_t **data, size_t *size, uint8_t *payload, size_t max,
                      size_t *len, uint8_t *flags)
{
    uint16_t len16;

    if (*size < 3) {
        return false;
    }
    memcpy(&len16, *data, 2);
    *flags = (*data)[2];
    *data += 3;
    *size -= 3;
    *len = len16 % max;
    if (*len > *size) {
        *len = *size;
    }
    memcpy(payload, *data, *len);
    *data += *len;
    *size -= *len;
    return true;
}

struct fuzz_mediator *fuzz_mediator(void)
{
    static struct fuzz_mediator m;
    void *ram;

    if (m.server) {
        return &m;
    }
    med_log_init(MED_LOG_OFF, false);
    m.server = med_server_create(&(struct med_server_config) {
        .gm = { .aperture_size = FUZZ_APERTURE, .host_reserve = MED_GM_HOST_RESERVE_DEFAULT },
        .hang_timeout_ms = FUZZ_HANG_TIMEOUT_MS,
    });
    m.ram_fd = memfd_create("guest-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (!m.server || m.ram_fd < 0 || ftruncate(m.ram_fd, FUZZ_RAM_SIZE) ||
        fcntl(m.ram_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW)) {
        abort();
    }
    ram = mmap(NULL, FUZZ_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, m.ram_fd, 0);
    if (ram == MAP_FAILED) {
        abort();
    }
    m.ram = ram;
    return &m;
}

void fuzz_mediator_pump(struct fuzz_mediator *m, int timeout_ms)
{
    while (med_server_dispatch(m->server, timeout_ms) > 0) {
        timeout_ms = 0;
    }
}

int fuzz_mediator_connect(struct fuzz_mediator *m)
{
    int sv[2];

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) ||
        med_server_add_client(m->server, sv[1])) {
        abort();
    }
    return sv[0];
}

bool fuzz_mediator_request(struct fuzz_mediator *m, int fd, void *msg, const int *fds,
                           unsigned n, union wire_msg *reply, int *reply_fds,
                           unsigned *reply_fd_count)
{
    int got[WIRE_MSG_MAX_FDS];
    unsigned got_count = 0;

    if (reply_fd_count) {
        *reply_fd_count = 0;
    }
    if (wire_msg_send(fd, msg, fds, n)) {
        return false;
    }
    fuzz_mediator_pump(m, 0);
    if (!reply) {
        return true;
    }
    if (wire_msg_receive(fd, WIRE_PEER_CLIENT, reply, got, &got_count, NULL) <= 0) {
        return false;
    }
    for (unsigned i = 0; i < got_count; i++) {
        if (reply_fds) {
            reply_fds[i] = got[i];
        } else {
            close(got[i]);
        }
    }
    if (reply_fd_count) {
        *reply_fd_count = reply_fds ? got_count : 0;
    }
    return true;
}

bool fuzz_vgpu_attach(struct fuzz_vgpu *v, const int *fds, unsigned count)
{
    void *table = MAP_FAILED;

    *v = (struct fuzz_vgpu) { .doorbell_fd = -1 };
    if (count == 2) {
        table = mmap(NULL, WIRE_SHARED_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
    }
    for (unsigned i = 0; i < count; i++) {
        if (i != 1 || table == MAP_FAILED) {
            close(fds[i]);
        }
    }
    if (table == MAP_FAILED) {
        return false;
    }
    v->table = table;
    v->rings = (struct wire_rings *)((char *)table + WIRE_SHARED_RINGS_OFFSET);
    wire_ring_init_submit(&v->submit, v->rings);
    wire_ring_init_complete(&v->complete, v->rings);
    v->doorbell_fd = fds[1];
    return true;
}

void fuzz_vgpu_release(struct fuzz_vgpu *v)
{
    if (v->table) {
        munmap(v->table, WIRE_SHARED_SIZE);
        close(v->doorbell_fd);
    }
    *v = (struct fuzz_vgpu) { .doorbell_fd = -1 };
}

void fuzz_vgpu_notice(struct fuzz_vgpu *v, const void *msg)
{
    uint32_t first = v->submit.next;
    uint64_t one = 1;

    if (!v->table || !wire_ring_put(&v->submit, msg)) {
        return;     /* full: as a client whose queue is full, the notice is lost */
    }
    if (wire_ring_publish(&v->submit, first) && write(v->doorbell_fd, &one, sizeof(one)) < 0) {
        abort();
    }
}

bool fuzz_mediator_start_vgpu(struct fuzz_mediator *m, int fd, const char *type,
                              const char *vgpu_name, struct wire_msg_create_reply *created,
                              struct fuzz_vgpu *v)
{
    struct wire_msg_hello hello;
    struct wire_msg_add_memory add;
    struct wire_msg_create_vgpu create;
    union wire_msg reply;
    int fds[WIRE_MSG_MAX_FDS];
    unsigned fd_count;

    memset(created, 0, sizeof(*created));
    created->status = -EPROTO;
    wire_msg_init(&hello, WIRE_MSG_HELLO, 1);
    hello.version = WIRE_PROTOCOL_VERSION;
    snprintf(hello.vm_name, sizeof(hello.vm_name), "%s", FUZZ_VM_NAME);
    *v = (struct fuzz_vgpu) { .doorbell_fd = -1 };
    if (!fuzz_mediator_request(m, fd, &hello, NULL, 0, &reply, NULL, NULL) ||
        reply.hello_reply.status) {
        return false;
    }
    wire_msg_init(&add, WIRE_MSG_ADD_MEMORY, 2);
    add.size = FUZZ_RAM_SIZE;
    if (!fuzz_mediator_request(m, fd, &add, &m->ram_fd, 1, &reply, NULL, NULL) ||
        reply.status.status) {
        return false;
    }
    wire_msg_init(&create, WIRE_MSG_CREATE_VGPU, 3);
    snprintf(create.type, sizeof(create.type), "%s", vgpu_name ? "" : type);
    snprintf(create.vgpu_name, sizeof(create.vgpu_name), "%s", vgpu_name ? vgpu_name : "");
    if (!fuzz_mediator_request(m, fd, &create, NULL, 0, &reply, fds, &fd_count)) {
        return false;
    }
    *created = reply.create_reply;
    return !created->status && fuzz_vgpu_attach(v, fds, fd_count);
}

/* Every completion in @v's ring, then arm it as the client does. */
static void take_completions(struct fuzz_mediator *m, struct fuzz_vgpu *v)
{
    union wire_msg msg;
    int got;

    do {
        while ((got = wire_ring_get(&v->complete, WIRE_PEER_CLIENT, &msg, NULL)) > 0) {
            if (m->complete_seen) {
                m->complete_seen(&msg.complete);
            }
        }
        if (got < 0) {
            abort();    /* the mediator broke its side of the ring */
        }
        wire_ring_release(&v->complete);
    } while (wire_ring_arm(&v->complete));
}

void fuzz_mediator_wait(struct fuzz_mediator *m, int fd, struct fuzz_vgpu *v)
{
    const struct med_vgpu_exec_stats *ex = med_server_exec_stats(m->server);
    union wire_msg msg;
    int fds[WIRE_MSG_MAX_FDS];
    unsigned n;
    uint64_t deadline = med_now_ns() + WAIT_LIVENESS_NS;

    for (;;) {
        fuzz_mediator_pump(m, 2);
        while (wire_msg_receive(fd, WIRE_PEER_CLIENT, &msg, fds, &n, NULL) > 0) {
            for (unsigned k = 0; k < n; k++) {
                close(fds[k]);
            }
        }
        if (v && v->table) {
            take_completions(m, v);
        }
        if (ex->completed + ex->rejected + ex->hangs + ex->cancelled >= ex->elements) {
            return;
        }
        if (med_now_ns() > deadline) {
            return;
        }
    }
}

bool fuzz_mediator_all_free(struct fuzz_mediator *m)
{
    const struct med_gm *gm = med_server_gm(m->server);

    return !med_server_client_count(m->server) &&
           med_gm_free_total(gm, MED_GM_APERTURE) == FUZZ_APERTURE &&
           med_gm_free_total(gm, MED_GM_FENCE) == MED_GM_FENCES;
}
