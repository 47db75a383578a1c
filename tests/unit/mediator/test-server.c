/*
 * The mediator's dispatch, driven in-process over socketpairs: the staged
 * session (HELLO, ADD_MEMORY, CREATE_VGPU), hostile and out-of-order
 * messages, refusals that explain themselves, the GGTT shadow on SUBMIT,
 * a disconnect freeing everything, and a vGPU reserved ahead of its VM
 * that outlives the VM with nothing of it left.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "gtt/ggtt-shadow.h"
#include "mediator/private.h"     /* med_reserved_create(): what the control socket calls */
#include "wire/protocol.h"
#include "mediator/server.h"
#include "tests/unit/mediator/fixture.h"

#define APERTURE        (256 * MiB)
#define RAM_SIZE        (64 * MiB)
#define FIRST_BUS_BASE  (1ull << MED_BUS_WINDOW_SHIFT)   /* window 1: the first client */

struct fixture {
    struct med_server *server;
    int ram_fd;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    f->server = med_server_create(&(struct med_server_config) {
        .gm = { .aperture_size = APERTURE, .host_reserve = MED_GM_HOST_RESERVE_DEFAULT },
    });
    f->ram_fd = guest_ram_memfd(RAM_SIZE, F_SEAL_SHRINK);
    *state = f;
    return f->server && f->ram_fd >= 0 ? 0 : -1;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    med_server_destroy(f->server);
    close(f->ram_fd);
    free(f);
    return 0;
}

/* A client connection served by the fixture's server; non-blocking. */
static int connect_client(struct fixture *f)
{
    int sv[2];

    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv), 0);
    assert_int_equal(med_server_add_client(f->server, sv[1]), 0);
    return sv[0];
}

static void pump(struct fixture *f)
{
    while (med_server_dispatch(f->server, 0) > 0) {
    }
}

/* Let the server handle what was sent and take its answer (-1: none);
 * a CREATE_REPLY's shared table goes to *@table_fd, its doorbell to
 * *@doorbell_fd (NULL: closed). */
static ssize_t answer_fds(struct fixture *f, int fd, union wire_msg *m, int *table_fd,
                          int *doorbell_fd)
{
    int fds[WIRE_MSG_MAX_FDS];
    unsigned fd_count;
    ssize_t len;

    pump(f);
    len = wire_msg_receive(fd, WIRE_PEER_CLIENT, m, fds, &fd_count, NULL);
    if (len > 0 && fd_count) {
        assert_int_equal(fd_count, 2);
        assert_non_null(table_fd);
        *table_fd = fds[0];
        if (doorbell_fd) {
            *doorbell_fd = fds[1];
        } else {
            close(fds[1]);
        }
    }
    return len;
}

static ssize_t answer(struct fixture *f, int fd, union wire_msg *m, int *table_fd)
{
    return answer_fds(f, fd, m, table_fd, NULL);
}

/* The client's end of a vGPU's rings, as wire/client.c keeps it. */
struct client_rings {
    void *shared;
    struct wire_ring submit, complete;
    int doorbell_fd;
};

static void rings_map(struct client_rings *c, int table_fd, int doorbell_fd)
{
    struct wire_rings *rings;

    c->shared = mmap(NULL, WIRE_SHARED_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, table_fd, 0);
    assert_true(c->shared != MAP_FAILED);
    rings = (struct wire_rings *)((char *)c->shared + WIRE_SHARED_RINGS_OFFSET);
    wire_ring_init_submit(&c->submit, rings);
    wire_ring_init_complete(&c->complete, rings);
    c->doorbell_fd = doorbell_fd;
}

static void rings_unmap(struct client_rings *c)
{
    munmap(c->shared, WIRE_SHARED_SIZE);
    close(c->doorbell_fd);
}

/* A notice into the submission ring, and the doorbell if it is asked for. */
static void notice(struct client_rings *c, const void *msg)
{
    uint32_t first = c->submit.next;
    uint64_t one = 1;

    assert_true(wire_ring_put(&c->submit, msg));
    if (wire_ring_publish(&c->submit, first)) {
        assert_int_equal(write(c->doorbell_fd, &one, sizeof(one)), sizeof(one));
    }
}

/* Let the server work, then take the next completion from the ring: its
 * size, or -1 if there is none. */
static ssize_t completion(struct fixture *f, struct client_rings *c, union wire_msg *m)
{
    int got;

    pump(f);
    got = wire_ring_get(&c->complete, WIRE_PEER_CLIENT, m, NULL);
    assert_true(got >= 0);
    wire_ring_release(&c->complete);
    wire_ring_arm(&c->complete);
    return got ? (ssize_t)m->hdr.size : -1;
}

/* Did the server close @fd (after whatever answers it sent first)? */
static bool server_closed(struct fixture *f, int fd)
{
    union wire_msg m;
    int fds[WIRE_MSG_MAX_FDS];
    unsigned fd_count;
    ssize_t len;

    pump(f);
    do {
        len = wire_msg_receive(fd, WIRE_PEER_CLIENT, &m, fds, &fd_count, NULL);
        for (unsigned i = 0; len > 0 && i < fd_count; i++) {
            close(fds[i]);
        }
    } while (len > 0);
    return len == 0;
}

static void send_hello(int fd, uint32_t version)
{
    struct wire_msg_hello m;

    wire_msg_init(&m, WIRE_MSG_HELLO, 1);
    m.version = version;
    strcpy(m.vm_name, "test-vm");
    assert_int_equal(wire_msg_send(fd, &m, NULL, 0), 0);
}

static void hello(struct fixture *f, int fd)
{
    union wire_msg m;

    send_hello(fd, WIRE_PROTOCOL_VERSION);
    assert_int_equal(answer(f, fd, &m, NULL), sizeof(struct wire_msg_hello_reply));
    assert_int_equal(m.hello_reply.status, 0);
}

/* ADD_MEMORY of @ram_fd; returns the reply's status. */
static int add_memory(struct fixture *f, int fd, uint64_t gpa, uint64_t size, int ram_fd)
{
    struct wire_msg_add_memory m;
    union wire_msg r;

    wire_msg_init(&m, WIRE_MSG_ADD_MEMORY, 2);
    m.gpa = gpa;
    m.size = size;
    assert_int_equal(wire_msg_send(fd, &m, &ram_fd, 1), 0);
    assert_int_equal(answer(f, fd, &r, NULL), sizeof(struct wire_msg_status));
    assert_int_equal(r.hdr.seq, 2);
    return r.status.status;
}

/* ADD_MEMORY_XEN of domain @domid; returns the reply's status. */
static int add_xen_memory(struct fixture *f, int fd, uint32_t domid, uint64_t gpa,
                          uint64_t size)
{
    struct wire_msg_add_memory_xen m;
    union wire_msg r;

    wire_msg_init(&m, WIRE_MSG_ADD_MEMORY_XEN, 2);
    m.domid = domid;
    m.gpa = gpa;
    m.size = size;
    assert_int_equal(wire_msg_send(fd, &m, NULL, 0), 0);
    assert_int_equal(answer(f, fd, &r, NULL), sizeof(struct wire_msg_status));
    return r.status.status;
}

/* CREATE_VGPU of a new vGPU of @type, or of the reserved vGPU @name. */
static int create_with_doorbell(struct fixture *f, int fd, const char *type, const char *name,
                                struct wire_msg_create_reply *reply, int *table_fd,
                                int *doorbell_fd)
{
    struct wire_msg_create_vgpu m;
    union wire_msg r;

    wire_msg_init(&m, WIRE_MSG_CREATE_VGPU, 3);
    strcpy(m.type, type);
    strcpy(m.vgpu_name, name);
    *table_fd = -1;
    assert_int_equal(wire_msg_send(fd, &m, NULL, 0), 0);
    assert_int_equal(answer_fds(f, fd, &r, table_fd, doorbell_fd), sizeof(*reply));
    *reply = r.create_reply;
    return reply->status;
}

static int create_or_attach(struct fixture *f, int fd, const char *type, const char *name,
                            struct wire_msg_create_reply *reply, int *table_fd)
{
    return create_with_doorbell(f, fd, type, name, reply, table_fd, NULL);
}

static int create(struct fixture *f, int fd, const char *type,
                  struct wire_msg_create_reply *reply, int *table_fd)
{
    return create_or_attach(f, fd, type, "", reply, table_fd);
}

/* A vGPU of @type with its rings mapped in *@c. */
static int create_with_rings(struct fixture *f, int fd, const char *type,
                             struct wire_msg_create_reply *reply, struct client_rings *c)
{
    int table_fd, doorbell_fd = -1, status;

    status = create_with_doorbell(f, fd, type, "", reply, &table_fd, &doorbell_fd);
    if (!status) {
        rings_map(c, table_fd, doorbell_fd);
        close(table_fd);
    }
    return status;
}

/* A client through HELLO and ADD_MEMORY of the fixture's RAM at gpa 0. */
static int ready_client(struct fixture *f)
{
    int fd = connect_client(f);

    hello(f, fd);
    assert_int_equal(add_memory(f, fd, 0, RAM_SIZE, f->ram_fd), 0);
    return fd;
}

/* The session whose vGPU is @id. */
static struct session *vgpu_session(const struct fixture *f, uint32_t id)
{
    struct session *s = f->server->sessions;

    while (s->stage != SESSION_VGPU_CREATED || s->vgpu.id != id) {
        s = s->next;
    }
    return s;
}

/* Where vGPU @id's invalid GGTT entries point: its own scratch page, a
 * page of the host's bus window that is not the global scratch page. */
static uint64_t own_scratch_pte(const struct fixture *f, uint32_t id)
{
    uint64_t bus = vgpu_session(f, id)->vgpu.scratch.bus;

    assert_int_not_equal(bus, MED_SCRATCH_BUS);
    assert_true(bus < FIRST_BUS_BASE);
    assert_int_equal(bus % 4096, 0);
    return bus | MED_GGTT_PTE_PRESENT;
}

static void test_staged_setup_creates_a_vgpu(void **state)
{
    struct fixture *f = *state;
    int fd = ready_client(f), table_fd, seals;
    struct wire_msg_create_reply reply;
    struct stat st;

    assert_int_equal(create(f, fd, "gpumed-8", &reply, &table_fd), 0);
    assert_int_equal(reply.vgpu_id, 1);
    assert_int_equal(reply.aperture_base, 0);
    assert_int_equal(reply.aperture_size, 32 * MiB);
    assert_int_equal(reply.hidden_base, APERTURE + MED_GM_HOST_RESERVE_DEFAULT);
    assert_int_equal(reply.fence_count, 4);
    assert_int_equal(reply.host_aperture_size, APERTURE);
    assert_string_equal(reply.type, "gpumed-8");
    assert_int_equal(reply.monitor_width, 1024);
    assert_int_equal(reply.monitor_height, 768);
    assert_true(table_fd >= 0);
    assert_int_equal(fstat(table_fd, &st), 0);
    assert_int_equal(st.st_size, WIRE_SHARED_SIZE);
    seals = fcntl(table_fd, F_GET_SEALS);
    assert_true((seals & F_SEAL_SHRINK) && (seals & F_SEAL_SEAL));
    assert_int_equal(med_server_stats(f->server)->vgpus_created, 1);
    close(table_fd);
    close(fd);
}

/* No type and no name: the mediator's default type, and what QEMU needs
 * of it (the monitor's mode) comes with the partition. */
static void test_the_mediator_chooses_the_default_type(void **state)
{
    struct fixture *f = *state;
    int fd = ready_client(f), table_fd;
    struct wire_msg_create_reply reply;

    assert_int_equal(create(f, fd, "", &reply, &table_fd), 0);
    assert_string_equal(reply.type, med_vgpu_types[0].v.name);
    assert_int_equal(reply.aperture_size, med_vgpu_types[0].v.aperture_size);
    assert_int_equal(reply.monitor_width, med_vgpu_types[0].v.width);
    assert_int_equal(reply.monitor_height, med_vgpu_types[0].v.height);
    close(table_fd);
    close(fd);
}

static void test_version_mismatch_is_answered_then_closed(void **state)
{
    struct fixture *f = *state;
    int fd = connect_client(f);
    union wire_msg m;

    send_hello(fd, WIRE_PROTOCOL_VERSION + 1);
    assert_int_equal(answer(f, fd, &m, NULL), sizeof(struct wire_msg_hello_reply));
    assert_int_equal(m.hello_reply.status, -EPROTONOSUPPORT);
    assert_int_equal(m.hello_reply.version, WIRE_PROTOCOL_VERSION);
    assert_true(server_closed(f, fd));
    close(fd);
}

/* Each step list ends with a message that is out of order there. */
static void test_messages_out_of_order_close_the_session(void **state)
{
    struct fixture *f = *state;
    enum step { HELLO, MEMORY, CREATE, SUBMIT, END };
    static const enum step sequences[][4] = {
        { CREATE, END },
        { MEMORY, END },
        { SUBMIT, END },
        { HELLO, HELLO, END },
        { HELLO, CREATE, END },
        { HELLO, SUBMIT, END },
        { HELLO, MEMORY, SUBMIT, END },
        { HELLO, MEMORY, CREATE, MEMORY },
    };
    uint64_t errors = med_server_stats(f->server)->protocol_errors;

    for (size_t i = 0; i < sizeof(sequences) / sizeof(sequences[0]); i++) {
        int fd = connect_client(f);
        struct wire_msg_create_vgpu c;
        struct wire_msg_add_memory a;
        struct wire_msg_submit s;

        wire_msg_init(&c, WIRE_MSG_CREATE_VGPU, 3);
        strcpy(c.type, "gpumed-8");
        wire_msg_init(&a, WIRE_MSG_ADD_MEMORY, 2);
        a.size = RAM_SIZE;
        wire_msg_init(&s, WIRE_MSG_SUBMIT, 4);
        for (int n = 0; n < 4 && sequences[i][n] != END; n++) {
            switch (sequences[i][n]) {
            case HELLO:
                send_hello(fd, WIRE_PROTOCOL_VERSION);
                break;
            case MEMORY:
                wire_msg_send(fd, &a, &f->ram_fd, 1);
                break;
            case CREATE:
                wire_msg_send(fd, &c, NULL, 0);
                break;
            default:
                wire_msg_send(fd, &s, NULL, 0);
                break;
            }
            pump(f);
        }
        assert_true(server_closed(f, fd));
        assert_int_equal(med_server_stats(f->server)->protocol_errors, ++errors);
        assert_int_equal(med_server_client_count(f->server), 0);
        close(fd);
    }
    /* Everything a closed session created is free again. */
    assert_int_equal(med_gm_free_total(med_server_gm(f->server), MED_GM_APERTURE), APERTURE);
}

static void test_malformed_messages_close_only_their_session(void **state)
{
    struct fixture *f = *state;
    int good = connect_client(f), bad = connect_client(f);
    uint8_t junk[400] = { 1, 0, 0, 0, 88, 0, 0, 0 };   /* "HELLO", 88 bytes... */

    assert_int_equal(send(bad, junk, sizeof(junk), 0), sizeof(junk));   /* ...but 400 */
    assert_true(server_closed(f, bad));
    close(bad);
    bad = connect_client(f);
    assert_int_equal(send(bad, junk, 7, 0), 7);
    assert_true(server_closed(f, bad));
    close(bad);
    hello(f, good);     /* the other client is served as before */
    assert_int_equal(med_server_stats(f->server)->protocol_errors, 2);
    assert_int_equal(med_server_client_count(f->server), 1);
    close(good);
}

static void test_bad_guest_ram_is_refused_with_a_reason(void **state)
{
    struct fixture *f = *state;
    int fd = connect_client(f);
    int unsealed = guest_ram_memfd(RAM_SIZE, 0), sock[2];

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sock), 0);
    hello(f, fd);
    assert_int_equal(add_memory(f, fd, 0, RAM_SIZE, unsealed), -EINVAL);
    assert_int_equal(add_memory(f, fd, 0, 2 * RAM_SIZE, f->ram_fd), -EINVAL);  /* file too small */
    assert_int_equal(add_memory(f, fd, 0, RAM_SIZE, sock[0]), -EINVAL);        /* not a file */
    assert_int_equal(add_memory(f, fd, 0, 4 * MiB, f->ram_fd), 0);
    assert_int_equal(add_memory(f, fd, 2 * MiB, 4 * MiB, f->ram_fd), -EINVAL); /* overlap */
    for (uint64_t i = 1; i < MED_RAM_RANGES_MAX; i++) {
        assert_int_equal(add_memory(f, fd, i * GiB, 4 * MiB, f->ram_fd), 0);
    }
    assert_int_equal(add_memory(f, fd, 100 * GiB, 4 * MiB, f->ram_fd), -ENOSPC);
    assert_int_equal(med_server_stats(f->server)->requests_refused, 5);
    assert_int_equal(med_server_client_count(f->server), 1);   /* refusals are not fatal */
    close(unsealed);
    close(sock[0]);
    close(sock[1]);
    close(fd);
}

/*
 * Not in a Xen dom0 (or built without libxenforeignmemory) a Xen guest's
 * RAM is refused with an errno, and nothing it took stays taken: the same
 * client then sets up with a memfd.  One VM's RAM comes one way only.
 */
static void test_xen_guest_ram_is_refused_where_there_is_no_xen(void **state)
{
    struct fixture *f = *state;
    int fd = connect_client(f), table_fd, status;
    unsigned fds_before = open_fd_count();
    struct wire_msg_create_reply reply;

    hello(f, fd);
    status = add_xen_memory(f, fd, 1, 0, RAM_SIZE);
    assert_true(status < 0);
    printf("# ADD_MEMORY_XEN here: %s\n", strerror(-status));
    assert_int_equal(open_fd_count(), fds_before);
    assert_int_equal(med_server_client_count(f->server), 1);
    assert_int_equal(add_memory(f, fd, 0, RAM_SIZE, f->ram_fd), 0);
    assert_int_equal(add_xen_memory(f, fd, 1, 1 * GiB, RAM_SIZE), -EINVAL);
    assert_int_equal(create(f, fd, "gpumed-8", &reply, &table_fd), 0);
    assert_int_equal(med_server_stats(f->server)->requests_refused, 2);
    close(table_fd);
    close(fd);
}

static void test_create_refusals_explain_themselves(void **state)
{
    struct fixture *f = *state;
    int first = ready_client(f), second = ready_client(f), table_fd, other_fd;
    struct wire_msg_create_reply reply;

    assert_int_equal(create(f, second, "no-such-type", &reply, &table_fd), -ENOENT);
    assert_string_equal(reply.detail, "unknown vGPU type 'no-such-type'; types: gpumed-32 gpumed-8 "
                                      "gpumed-4 gpumed-2 gpumed-1");
    assert_int_equal(create(f, first, "gpumed-1", &reply, &table_fd), 0);
    assert_int_equal(create(f, second, "gpumed-1", &reply, &other_fd), -ENOSPC);
    assert_int_equal(other_fd, -1);
    assert_non_null(strstr(reply.detail, "aperture exhausted: needs 256 MiB, 0 MiB free"));
    /* The first VM goes away: its partition is free at once. */
    close(first);
    close(table_fd);
    pump(f);
    assert_int_equal(create(f, second, "gpumed-1", &reply, &table_fd), 0);
    close(table_fd);
    close(second);
}

/* A SUBMIT is answered; the GGTT is shadowed before a workload reaches the
 * GPU, which a rejected element never does: it is synced here directly. */
static void test_submit_is_answered_and_the_ggtt_shadowed(void **state)
{
    struct fixture *f = *state;
    int fd = ready_client(f);
    struct session *s;
    struct wire_msg_create_reply reply;
    struct wire_msg_submit submit;
    struct pgpu *gpu = med_server_gpu(f->server);
    struct client_rings rings;
    union wire_msg m;
    uint64_t *ptes, *dirty;
    uint32_t first;

    assert_int_equal(create_with_rings(f, fd, "gpumed-8", &reply, &rings), 0);
    ptes = rings.shared;
    dirty = ptes + WIRE_GGTT_ENTRIES;
    first = reply.hidden_base / 4096;
    ptes[first] = 0x5000 | MED_GGTT_PTE_PRESENT;
    ptes[first + 1] = RAM_SIZE | MED_GGTT_PTE_PRESENT;     /* just past the RAM */
    dirty[first / 64] |= 3ull << (first % 64);

    wire_msg_init(&submit, WIRE_MSG_SUBMIT, 9);
    submit.engine = GEN9_BCS;
    submit.desc[0] = 0xabc000;
    notice(&rings, &submit);
    assert_int_equal(completion(f, &rings, &m), sizeof(struct wire_msg_complete));
    assert_int_equal(m.hdr.type, WIRE_MSG_COMPLETE);
    assert_int_equal(m.complete.engine, GEN9_BCS);
    assert_int_equal(m.complete.event, WIRE_EVENT_REJECTED);
    assert_int_equal(m.complete.desc, 0xabc000);
    assert_int_equal(completion(f, &rings, &m), -1);   /* desc[1] == 0: one answer */
    /* The client was asleep in the ring's terms: one DOORBELL said to look. */
    assert_int_equal(answer(f, fd, &m, NULL), sizeof(struct wire_msg_doorbell));
    assert_int_equal(m.hdr.type, WIRE_MSG_DOORBELL);
    assert_int_equal(answer(f, fd, &m, NULL), -1);
    assert_int_equal(gpu->ops->ggtt_read(gpu, first), own_scratch_pte(f, reply.vgpu_id));

    s = vgpu_session(f, reply.vgpu_id);
    assert_int_equal(med_vgpu_ggtt_sync(s->vgpu.shadow), 2);
    assert_int_equal(gpu->ops->ggtt_read(gpu, first),
                     (FIRST_BUS_BASE + 0x5000) | MED_GGTT_PTE_PRESENT);
    assert_int_equal(gpu->ops->ggtt_read(gpu, first + 1), own_scratch_pte(f, reply.vgpu_id));
    assert_int_equal(med_vgpu_ggtt_stats(s->vgpu.shadow)->bad_address, 1);

    /* Disconnecting frees the partition and unmaps it from the host GGTT. */
    close(fd);
    pump(f);
    assert_int_equal(gpu->ops->ggtt_read(gpu, first), MED_SCRATCH_PTE);
    assert_int_equal(med_server_client_count(f->server), 0);
    assert_int_equal(med_server_stats(f->server)->vgpus_destroyed, 1);
    assert_int_equal(med_gm_free_total(med_server_gm(f->server), MED_GM_APERTURE), APERTURE);
    assert_int_equal(med_gm_free_total(med_server_gm(f->server), MED_GM_FENCE), MED_GM_FENCES);
    rings_unmap(&rings);
}

/* Two vGPUs: each partition's entries point at a scratch page of its own
 * (a page both could write would carry data between the VMs), zeroed; a
 * VM that goes leaves its entries at the global scratch page, the other's
 * keep theirs. */
static void test_each_vgpu_has_its_own_scratch_page(void **state)
{
    struct fixture *f = *state;
    struct pgpu *gpu = med_server_gpu(f->server);
    int a = ready_client(f), b = ready_client(f), table_a, table_b;
    struct wire_msg_create_reply ra, rb;
    uint64_t scratch_a, scratch_b;
    const uint8_t *page;

    assert_int_equal(create(f, a, "gpumed-8", &ra, &table_a), 0);
    assert_int_equal(create(f, b, "gpumed-8", &rb, &table_b), 0);
    scratch_a = own_scratch_pte(f, ra.vgpu_id);
    scratch_b = own_scratch_pte(f, rb.vgpu_id);
    assert_int_not_equal(scratch_a, scratch_b);
    for (const struct wire_msg_create_reply *r = &ra; r; r = r == &ra ? &rb : NULL) {
        uint64_t own = r == &ra ? scratch_a : scratch_b;

        assert_int_equal(gpu->ops->ggtt_read(gpu, r->aperture_base / 4096), own);
        assert_int_equal(gpu->ops->ggtt_read(gpu, (r->aperture_base + r->aperture_size) / 4096 - 1),
                         own);
        assert_int_equal(gpu->ops->ggtt_read(gpu, r->hidden_base / 4096), own);
        assert_int_equal(gpu->ops->ggtt_read(gpu, (r->hidden_base + r->hidden_size) / 4096 - 1),
                         own);
        page = vgpu_session(f, r->vgpu_id)->vgpu.scratch.map;
        for (unsigned i = 0; i < 4096; i++) {
            assert_int_equal(page[i], 0);
        }
    }
    close(a);
    close(table_a);
    pump(f);
    assert_int_equal(gpu->ops->ggtt_read(gpu, ra.hidden_base / 4096), MED_SCRATCH_PTE);
    assert_int_equal(gpu->ops->ggtt_read(gpu, rb.hidden_base / 4096), scratch_b);
    close(b);
    close(table_b);
}

/* Store a present guest PTE for @index in the shared table and let the
 * mediator shadow it, as it does before a workload of the vGPU runs. */
static void shadow_one_pte(struct fixture *f, int table_fd, uint32_t id, uint32_t index)
{
    uint64_t *ptes = mmap(NULL, WIRE_SHARED_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
                          table_fd, 0);

    assert_true(ptes != MAP_FAILED);
    ptes[index] = 0x5000 | MED_GGTT_PTE_PRESENT;
    ptes[WIRE_GGTT_ENTRIES + index / 64] |= 1ull << (index % 64);
    assert_int_equal(med_vgpu_ggtt_sync(vgpu_session(f, id)->vgpu.shadow), 1);
    munmap(ptes, WIRE_SHARED_SIZE);
}

static void test_reserved_vgpu_outlives_its_vm(void **state)
{
    struct fixture *f = *state;
    struct pgpu *gpu = med_server_gpu(f->server);
    const struct med_gm *gm = med_server_gm(f->server);
    struct wire_msg_create_reply reply;
    char detail[128];
    int fd, other, table_fd, other_table;
    uint32_t first;

    assert_int_equal(med_reserved_create(f->server, "gpumed-8", "vm1", detail, sizeof(detail)), 0);
    assert_int_equal(med_reserved_create(f->server, "gpumed-8", "vm1", detail, sizeof(detail)),
                     -EEXIST);
    assert_int_equal(med_reserved_create(f->server, "gpumed-9", "vm2", detail, sizeof(detail)),
                     -ENOENT);
    assert_int_equal(med_reserved_create(f->server, "gpumed-1", "big", detail, sizeof(detail)),
                     -ENOSPC);
    assert_string_equal(detail, "aperture exhausted: needs 256 MiB, 224 MiB free in total, "
                                "largest free block 224 MiB");
    assert_int_equal(med_gm_free_total(gm, MED_GM_APERTURE), APERTURE - 32 * MiB);

    fd = ready_client(f);
    assert_int_equal(create_or_attach(f, fd, "", "vm1", &reply, &table_fd), 0);
    assert_int_equal(reply.vgpu_id, 1);
    assert_string_equal(reply.type, "gpumed-8");
    assert_int_equal(reply.aperture_size, 32 * MiB);
    first = reply.hidden_base / 4096;
    /* Taken: by another VM, or destroyed under its VM. */
    other = ready_client(f);
    assert_int_equal(create_or_attach(f, other, "", "vm1", &reply, &other_table), -EBUSY);
    assert_string_equal(reply.detail, "vGPU 'vm1' is attached to VM 'test-vm'");
    assert_int_equal(create_or_attach(f, other, "", "vm7", &reply, &other_table), -ENOENT);
    assert_int_equal(med_reserved_destroy(f->server, "vm1", detail, sizeof(detail)), -EBUSY);

    shadow_one_pte(f, table_fd, 1, first);
    assert_int_equal(gpu->ops->ggtt_read(gpu, first),
                     (FIRST_BUS_BASE + 0x5000) | MED_GGTT_PTE_PRESENT);
    close(table_fd);
    /* The VM goes: its GGTT entries point at scratch, the partition stays. */
    close(fd);
    pump(f);
    assert_int_equal(gpu->ops->ggtt_read(gpu, first), MED_SCRATCH_PTE);
    assert_int_equal(med_gm_free_total(gm, MED_GM_APERTURE), APERTURE - 32 * MiB);
    /* The next VM gets the same partition, fresh: an empty table. */
    assert_int_equal(create_or_attach(f, other, "", "vm1", &reply, &other_table), 0);
    assert_int_equal(reply.vgpu_id, 1);
    assert_int_equal(reply.hidden_base / 4096, first);
    {
        uint64_t *ptes = mmap(NULL, WIRE_SHARED_SIZE, PROT_READ, MAP_SHARED, other_table, 0);

        assert_true(ptes != MAP_FAILED);
        assert_int_equal(ptes[first], 0);
        munmap(ptes, WIRE_SHARED_SIZE);
    }
    close(other_table);
    close(other);
    pump(f);
    assert_int_equal(med_reserved_destroy(f->server, "vm1", detail, sizeof(detail)), 0);
    assert_int_equal(med_reserved_destroy(f->server, "vm1", detail, sizeof(detail)), -ENOENT);
    assert_int_equal(med_gm_free_total(gm, MED_GM_APERTURE), APERTURE);
    assert_int_equal(med_gm_free_total(gm, MED_GM_FENCE), MED_GM_FENCES);
    /* One left for the server's end to free. */
    assert_int_equal(med_reserved_create(f->server, "gpumed-32", "left", detail, sizeof(detail)),
                     0);
}

/* RESET_ENGINES has no reply and moves the engines to its generation. */
static void test_ppgtt_notifications_and_reset(void **state)
{
    struct fixture *f = *state;
    int fd = ready_client(f);
    struct wire_msg_create_reply reply;
    struct wire_msg_ppgtt_notify p;
    struct wire_msg_reset_engines reset;
    struct wire_msg_submit submit;
    struct client_rings rings;
    union wire_msg m;

    assert_int_equal(create_with_rings(f, fd, "gpumed-8", &reply, &rings), 0);
    wire_msg_init(&p, WIRE_MSG_PPGTT_NOTIFY, 5);
    p.op = WIRE_PPGTT_CREATE;
    p.root_gpa = 0x10000;
    notice(&rings, &p);     /* fine */
    notice(&rings, &p);     /* twice */
    p.root_gpa = 2 * GiB;
    notice(&rings, &p);     /* not guest RAM */
    p.op = WIRE_PPGTT_DESTROY;
    notice(&rings, &p);     /* never created */
    p.root_gpa = 0x10000;
    notice(&rings, &p);     /* fine */
    wire_msg_init(&reset, WIRE_MSG_RESET_ENGINES, 6);
    reset.engine_mask = WIRE_ENGINE_MASK_ALL;
    reset.generation = 7;
    notice(&rings, &reset);
    assert_int_equal(completion(f, &rings, &m), -1);        /* no reply: QEMU goes on */
    assert_int_equal(answer(f, fd, &m, NULL), -1);
    assert_int_equal(med_server_stats(f->server)->ring_notices, 6);
    assert_int_equal(med_server_stats(f->server)->ppgtt_bad_notifies, 3);
    assert_int_equal(med_server_client_count(f->server), 1);

    /* Work of the new generation is answered in it... */
    wire_msg_init(&submit, WIRE_MSG_SUBMIT, 7);
    submit.engine = GEN9_BCS;
    submit.generation = 7;
    submit.desc[0] = 0xabc000;
    notice(&rings, &submit);
    assert_int_equal(completion(f, &rings, &m), sizeof(struct wire_msg_complete));
    assert_int_equal(m.complete.desc, 0xabc000);
    assert_int_equal(m.complete.generation, 7);
    /* ... and a SUBMIT of a generation no reset set is a broken client. */
    submit.generation = 0;
    notice(&rings, &submit);
    assert_true(server_closed(f, fd));
    assert_int_equal(med_server_stats(f->server)->protocol_errors, 1);
    rings_unmap(&rings);
    close(fd);
}

static struct med_server *server_on(const char *path, uint64_t aperture, uint64_t reserve)
{
    return med_server_create(&(struct med_server_config) {
        .socket_path = path, .gm = { .aperture_size = aperture, .host_reserve = reserve },
    });
}

/* A failure at each set-up stage unwinds what came before: no descriptor,
 * lock or socket file is left behind. */
static void test_failed_setup_unwinds_every_stage(void **state)
{
    char dir[] = "/tmp/gpumed-unit-XXXXXX", path[64], long_path[160], scratch[200];
    unsigned fds_before = open_fd_count();
    struct med_server *first, *again;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/run/gpumed.sock", dir);
    snprintf(long_path, sizeof(long_path), "%s/%0120d.sock", dir, 0);

    errno = 0;  /* the physical GPU: an aperture it cannot have */
    assert_null(server_on(NULL, 100 * MiB, MED_GM_HOST_RESERVE_DEFAULT));
    assert_int_equal(errno, EINVAL);
    errno = 0;  /* graphics memory: a host reserve beyond the GGTT */
    assert_null(server_on(NULL, APERTURE, 8 * GiB));
    assert_int_equal(errno, EINVAL);
    errno = 0;  /* the scheduler: no room for the engines' GGTT windows */
    assert_null(server_on(NULL, APERTURE, 64 * 1024));
    assert_int_equal(errno, EINVAL);
    /* the socket's directory: its parent does not exist */
    assert_null(server_on("/proc/no/such/dir/gpumed.sock", APERTURE, MED_GM_HOST_RESERVE_DEFAULT));
    errno = 0;  /* the listening socket: the lock is taken, the name is too long */
    assert_null(server_on(long_path, APERTURE, MED_GM_HOST_RESERVE_DEFAULT));
    assert_int_equal(errno, ENAMETOOLONG);

    first = server_on(path, APERTURE, MED_GM_HOST_RESERVE_DEFAULT);
    assert_non_null(first);
    errno = 0;  /* the lock: another server holds it */
    assert_null(server_on(path, APERTURE, MED_GM_HOST_RESERVE_DEFAULT));
    assert_int_equal(errno, EADDRINUSE);
    med_server_destroy(first);
    assert_int_equal(access(path, F_OK), -1);   /* the socket file is gone */
    again = server_on(path, APERTURE, MED_GM_HOST_RESERVE_DEFAULT);       /* and the lock is free */
    assert_non_null(again);
    med_server_destroy(again);

    assert_int_equal(open_fd_count(), fds_before);
    snprintf(scratch, sizeof(scratch), "%s.lock", long_path);
    unlink(scratch);
    snprintf(scratch, sizeof(scratch), "%s.lock", path);
    unlink(scratch);
    snprintf(scratch, sizeof(scratch), "%s/run", dir);
    rmdir(scratch);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_staged_setup_creates_a_vgpu, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_mediator_chooses_the_default_type, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_version_mismatch_is_answered_then_closed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_messages_out_of_order_close_the_session, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_messages_close_only_their_session, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_guest_ram_is_refused_with_a_reason, setup, teardown),
        cmocka_unit_test_setup_teardown(test_xen_guest_ram_is_refused_where_there_is_no_xen, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_create_refusals_explain_themselves, setup, teardown),
        cmocka_unit_test_setup_teardown(test_submit_is_answered_and_the_ggtt_shadowed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_each_vgpu_has_its_own_scratch_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ppgtt_notifications_and_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reserved_vgpu_outlives_its_vm, setup, teardown),
        cmocka_unit_test(test_failed_setup_unwinds_every_stage),
    };

    return cmocka_run_group_tests_name("mediator/server", tests, NULL, NULL);
}
