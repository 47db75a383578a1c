/*
 * Fuzz the mediator's dispatch: each input is one client session, a
 * sequence of packets sent over a socketpair to the real server code
 * (wire_msg_receive() and wire_msg_valid(), the session handlers: HELLO,
 * ADD_MEMORY, handle_create_vgpu with its partitioning, the GGTT shadow
 * synced from the shared table, handle_ppgtt_notify building shadow
 * PPGTTs, handle_submit with the workload scanned (med_scan) and run on
 * the GPU model, handle_reset_engines, and the teardown that destroys
 * the vGPU), the notices put in the submission ring (wire_ring_get()'s
 * copy and validation, take_notices) and the DOORBELLs and completions
 * coming back, with the guest's memory written between packets; fuzz_reach()
 * counts each of them (reach.h).  After the client hangs up, everything it
 * held must be free.  The input format is in dispatch.h; dispatch-seeds.c
 * generates the seeds from the current protocol, so the build regenerates
 * them when it changes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mediator/server.h"
#include "mediator/submission/submission.h"
#include "tests/fuzz/mediator/dispatch.h"
#include "tests/fuzz/mediator/harness.h"
#include "tests/fuzz/reach.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct session_state {
    struct fuzz_mediator *m;
    int fd;
    struct fuzz_vgpu vgpu;      /* this session's vGPU: shared table and rings */
    uint64_t hidden_base;       /* of its partition */
};

/* The first vGPU of the session is the one the records address. */
static void keep_vgpu(struct session_state *st, const struct wire_msg_create_reply *created,
                      struct fuzz_vgpu *v)
{
    if (st->vgpu.table) {
        fuzz_vgpu_release(v);
        return;
    }
    st->vgpu = *v;
    st->hidden_base = created->hidden_base;
}

/* Take every answer; keep the shared memory of a CREATE_REPLY. */
static void drain_answers(struct session_state *st)
{
    union wire_msg m;
    int fds[WIRE_MSG_MAX_FDS];
    unsigned fd_count;

    while (wire_msg_receive(st->fd, WIRE_PEER_CLIENT, &m, fds, &fd_count, NULL) > 0) {
        struct fuzz_vgpu v;

        if (fd_count && fuzz_vgpu_attach(&v, fds, fd_count)) {
            keep_vgpu(st, &m.create_reply, &v);
        }
    }
}

/*
 * What a client that watches the listed tables (docs/protocol.md,
 * "Watched tables") stores before a notice, truly or not: @what bit 0, it
 * looked at the list whole; bit 1, it found a listed page written.
 */
static void client_watch(struct fuzz_vgpu *v, uint8_t what)
{
    if (what & 2) {
        __atomic_fetch_add(&v->rings->table_writes.value, 1, __ATOMIC_RELEASE);
    }
    if (what & 1) {
        __atomic_store_n(&v->rings->table_checked.value,
                         __atomic_load_n(&v->rings->table_seq.value, __ATOMIC_ACQUIRE),
                         __ATOMIC_RELEASE);
    }
}

/*
 * A notice into the submission ring: the payload's bytes (up to a slot)
 * in the next slot, the producer index one on; with DISPATCH_FIX_SIZE its
 * header's size set to its length; with DISPATCH_ATTACH_TWO the payload's
 * first u32 is stored as the producer index instead (a hostile client's
 * index).  A byte after the slot is client_watch()'s, before the notice.
 * Then the doorbell, as the client rings it.
 */
static void ring_notice(struct session_state *st, uint8_t flags, uint8_t *payload, size_t len)
{
    struct fuzz_vgpu *v = &st->vgpu;
    uint8_t slot[WIRE_RING_SLOT_SIZE] = { 0 };
    uint32_t index;
    uint64_t one = 1;

    if (!v->table) {
        return;
    }
    if (flags & DISPATCH_ATTACH_TWO) {
        if (len < 4) {
            return;
        }
        memcpy(&index, payload, 4);
        __atomic_store_n(&v->rings->submit_produced.value, index, __ATOMIC_RELEASE);
    } else {
        if (len > sizeof(slot)) {
            client_watch(v, payload[sizeof(slot)]);
        }
        len = len < sizeof(slot) ? len : sizeof(slot);
        memcpy(slot, payload, len);
        if ((flags & DISPATCH_FIX_SIZE) && len >= sizeof(struct wire_msg_header)) {
            uint32_t size32 = (uint32_t)len;

            memcpy(slot + offsetof(struct wire_msg_header, size), &size32, 4);
        }
        index = __atomic_load_n(&v->rings->submit_produced.value, __ATOMIC_RELAXED);
        memcpy(v->rings->submit[index % WIRE_SUBMIT_RING_SLOTS], slot, sizeof(slot));
        __atomic_store_n(&v->rings->submit_produced.value, index + 1, __ATOMIC_RELEASE);
    }
    if (write(v->doorbell_fd, &one, sizeof(one)) < 0) {
        abort();
    }
}

static void ggtt_write(struct session_state *st, const uint8_t *payload, size_t len)
{
    uint64_t pte;
    uint32_t index;

    if (!st->vgpu.table || len < 12) {
        return;
    }
    memcpy(&pte, payload, 8);
    memcpy(&index, payload + 8, 4);
    index = (uint32_t)((st->hidden_base / WIRE_PAGE_SIZE + index) % WIRE_GGTT_ENTRIES);
    st->vgpu.table[index] = pte;
    st->vgpu.table[WIRE_GGTT_ENTRIES + index / 64] |= 1ull << (index % 64);
    /* counted as wire_client_ggtt_write() counts, or not: a lying client */
    if (len > 12 && payload[12] & 1) {
        st->vgpu.rings->ggtt_writes.value++;
    }
}

static void ram_write(struct session_state *st, const uint8_t *payload, size_t len)
{
    uint32_t gpa;

    if (len < 4) {
        return;
    }
    memcpy(&gpa, payload, 4);
    gpa %= FUZZ_RAM_SIZE;
    len -= 4;
    memcpy(st->m->ram + gpa, payload + 4, len < FUZZ_RAM_SIZE - gpa ? len : FUZZ_RAM_SIZE - gpa);
}

static void start_vgpu(struct session_state *st, const uint8_t *payload, size_t len)
{
    char type[WIRE_TYPE_NAME_LEN] = "";
    struct wire_msg_create_reply created;
    struct fuzz_vgpu v;

    memcpy(type, payload, len < sizeof(type) - 1 ? len : sizeof(type) - 1);
    if (fuzz_mediator_start_vgpu(st->m, st->fd, type, NULL, &created, &v)) {
        keep_vgpu(st, &created, &v);
    }
}

static void send_packet(struct session_state *st, uint8_t flags, uint8_t *payload, size_t len)
{
    int fds[2] = { st->m->ram_fd, st->m->ram_fd };
    char control[CMSG_SPACE(sizeof(fds))] = { 0 };
    struct iovec iov = { .iov_base = payload, .iov_len = len };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
    unsigned fd_count = (flags & DISPATCH_ATTACH_TWO) ? 2 :
                        (flags & DISPATCH_ATTACH_MEMFD) ? 1 : 0;

    if ((flags & DISPATCH_FIX_SIZE) && len >= sizeof(struct wire_msg_header)) {
        uint32_t size32 = (uint32_t)len;

        memcpy(payload + offsetof(struct wire_msg_header, size), &size32, 4);
    }
    if (fd_count) {
        struct cmsghdr *c;

        mh.msg_control = control;
        mh.msg_controllen = CMSG_SPACE(fd_count * sizeof(int));
        c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(fd_count * sizeof(int));
        memcpy(CMSG_DATA(c), fds, fd_count * sizeof(int));
    }
    sendmsg(st->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct session_state st = { .m = fuzz_mediator() };
    static uint8_t payload[DISPATCH_PAYLOAD_MAX];
    size_t len;
    uint8_t flags;

    memset(st.m->ram, 0, FUZZ_RAM_SIZE);
    st.fd = fuzz_mediator_connect(st.m);
    while (fuzz_record_next(&data, &size, payload, sizeof(payload), &len, &flags)) {
        if (flags & DISPATCH_START_VGPU) {
            start_vgpu(&st, payload, len);
        } else if (flags & DISPATCH_RAM_WRITE) {
            ram_write(&st, payload, len);
        } else if (flags & DISPATCH_GGTT_WRITE) {
            ggtt_write(&st, payload, len);
        } else if (flags & DISPATCH_RING) {
            ring_notice(&st, flags, payload, len);
            fuzz_mediator_pump(st.m, 0);
        } else {
            send_packet(&st, flags, payload, len);
            fuzz_mediator_pump(st.m, 0);
        }
        drain_answers(&st);
        if (flags & DISPATCH_WAIT) {
            fuzz_mediator_wait(st.m, st.fd, &st.vgpu);
        }
    }
    close(st.fd);
    fuzz_mediator_pump(st.m, 0);
    fuzz_vgpu_release(&st.vgpu);
    /* The session is gone and everything it held is free again. */
    if (!fuzz_mediator_all_free(st.m)) {
        abort();
    }
    return 0;
}

void fuzz_reach(fuzz_reach_fn *report)
{
    struct fuzz_mediator *m = fuzz_mediator();
    const struct med_server_stats *s = med_server_stats(m->server);
    const struct med_vgpu_exec_stats *ex = med_server_exec_stats(m->server);

    report("wire_msg_valid, session order: malformed or out-of-order messages refused",
           s->protocol_errors);
    report("well-formed requests refused (version, type, memory, partition)",
           s->requests_refused);
    report("handle_create_vgpu: vGPUs created", s->vgpus_created);
    report("the GGTT shadow: guest entries synced", ex->ggtt_entries_synced);
    report("handle_ppgtt_notify: guest PPGTTs shadowed", s->ppgtts_created);
    report("handle_submit: workloads scanned and completed on the GPU", ex->times.workloads);
    report("handle_submit: elements rejected by the checks or med_scan", ex->rejected);
    report("the PPGTT watch: compares the client's watch proved needless",
           ex->ppgtt_unchanged);
    report("handle_reset_engines: RESET_ENGINES served", s->engine_resets);
    report("take_notices: notices taken from the submission ring", s->ring_notices);
    report("session_ring_doorbell: DOORBELLs sent", s->doorbells_sent);
    report("session teardown: vGPUs destroyed", s->vgpus_destroyed);
}
