/*
 * The protocol library: the message table, wire_msg_valid() against
 * hostile messages, and the socket helpers (descriptors never leak,
 * truncation is detected).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "wire/protocol.h"
#include "tests/unit/mediator/fixture.h"

static bool valid_for_mediator(const void *msg, size_t len, unsigned fds)
{
    return wire_msg_valid(msg, len, fds, WIRE_PEER_MEDIATOR, NULL);
}

static struct wire_msg_hello good_hello(void)
{
    struct wire_msg_hello m;

    wire_msg_init(&m, WIRE_MSG_HELLO, 1);
    m.version = WIRE_PROTOCOL_VERSION;
    strcpy(m.vm_name, "vm-1");
    return m;
}

static struct wire_msg_add_memory good_add_memory(void)
{
    struct wire_msg_add_memory m;

    wire_msg_init(&m, WIRE_MSG_ADD_MEMORY, 2);
    m.gpa = 4ull << 30;
    m.size = 1ull << 30;
    m.fd_offset = 1ull << 30;
    return m;
}

static void test_table_matches_the_layouts(void **state)
{
    for (uint32_t t = 0; t < WIRE_MSG_TYPE_END + 2; t++) {
        const struct wire_msg_info *info = wire_msg_info(t);

        if (t == 0 || t >= WIRE_MSG_TYPE_END) {
            assert_null(info);
            assert_string_equal(wire_msg_name(t), "unknown");
            continue;
        }
        assert_non_null(info);
        assert_true(info->size <= sizeof(union wire_msg));
        assert_true(info->fd_count <= WIRE_MSG_MAX_FDS);
        if (info->reply) {      /* replies travel the other way */
            assert_int_equal(info->receiver, WIRE_PEER_MEDIATOR);
            assert_int_equal(wire_msg_info(info->reply)->receiver, WIRE_PEER_CLIENT);
        }
    }
    assert_int_equal(wire_msg_info(WIRE_MSG_CREATE_REPLY)->size, 368);
    assert_string_equal(wire_msg_name(WIRE_MSG_PPGTT_NOTIFY), "PPGTT_NOTIFY");
}

static void test_well_formed_messages_pass(void **state)
{
    struct wire_msg_hello hello = good_hello();
    struct wire_msg_add_memory add = good_add_memory();
    struct wire_msg_create_vgpu create;
    struct wire_msg_create_reply reply;
    struct wire_msg_submit submit;
    struct wire_msg_reset_engines reset;
    struct wire_msg_complete complete;

    assert_true(valid_for_mediator(&hello, sizeof(hello), 0));
    assert_true(valid_for_mediator(&add, sizeof(add), 1));
    wire_msg_init(&create, WIRE_MSG_CREATE_VGPU, 3);
    strcpy(create.type, "gpumed-8");
    assert_true(valid_for_mediator(&create, sizeof(create), 0));
    wire_msg_init(&create, WIRE_MSG_CREATE_VGPU, 3);  /* the default type */
    assert_true(valid_for_mediator(&create, sizeof(create), 0));
    strcpy(create.vgpu_name, "vm-1.a_b");               /* a reserved vGPU */
    assert_true(valid_for_mediator(&create, sizeof(create), 0));
    wire_msg_init(&submit, WIRE_MSG_SUBMIT, 4);
    submit.engine = GEN9_VECS;
    assert_true(valid_for_mediator(&submit, sizeof(submit), 0));
    submit.generation = UINT32_MAX;     /* any: which one is current is the receiver's */
    assert_true(valid_for_mediator(&submit, sizeof(submit), 0));
    wire_msg_init(&reset, WIRE_MSG_RESET_ENGINES, 5);
    reset.engine_mask = WIRE_ENGINE_MASK_ALL;
    reset.generation = 1;
    assert_true(valid_for_mediator(&reset, sizeof(reset), 0));
    /* Fire and forget: a reset that waited for a reply would stall a vCPU. */
    assert_int_equal(wire_msg_info(WIRE_MSG_RESET_ENGINES)->reply, 0);
    assert_int_equal(wire_msg_info(WIRE_MSG_SUBMIT)->reply, 0);

    wire_msg_init(&reply, WIRE_MSG_CREATE_REPLY, 3);
    reply.host_aperture_size = 256 << 20;
    reply.aperture_size = 32 << 20;
    reply.hidden_base = 272 << 20;
    reply.hidden_size = 256 << 20;
    reply.fence_count = 4;
    reply.monitor_width = 1024;
    reply.monitor_height = 768;
    assert_false(wire_msg_valid(&reply, sizeof(reply), 2, WIRE_PEER_CLIENT, NULL)); /* no type */
    strcpy(reply.type, "gpumed-8");
    assert_true(wire_msg_valid(&reply, sizeof(reply), 2, WIRE_PEER_CLIENT, NULL));
    reply.monitor_height = 0;
    assert_false(wire_msg_valid(&reply, sizeof(reply), 2, WIRE_PEER_CLIENT, NULL));
    reply.monitor_height = 768;
    reply.status = -ENOSPC;     /* a failure carries no table */
    strcpy(reply.detail, "aperture exhausted");
    assert_true(wire_msg_valid(&reply, sizeof(reply), 0, WIRE_PEER_CLIENT, NULL));
    wire_msg_init(&complete, WIRE_MSG_COMPLETE, 4);
    complete.event = WIRE_EVENT_REJECTED;
    assert_true(wire_msg_valid(&complete, sizeof(complete), 0, WIRE_PEER_CLIENT, NULL));
    complete.generation = 12;
    assert_true(wire_msg_valid(&complete, sizeof(complete), 0, WIRE_PEER_CLIENT, NULL));
    /* A user interrupt only on work that completed; no other flag exists. */
    complete.flags = WIRE_COMPLETE_USER_INTERRUPT;
    assert_false(wire_msg_valid(&complete, sizeof(complete), 0, WIRE_PEER_CLIENT, NULL));
    complete.event = WIRE_EVENT_DONE;
    assert_true(wire_msg_valid(&complete, sizeof(complete), 0, WIRE_PEER_CLIENT, NULL));
    complete.flags = 2;
    assert_false(wire_msg_valid(&complete, sizeof(complete), 0, WIRE_PEER_CLIENT, NULL));
    complete.flags = 0;
    /* The GPU's error only on work it stopped. */
    complete.engine_error = 1;
    assert_false(wire_msg_valid(&complete, sizeof(complete), 0, WIRE_PEER_CLIENT, NULL));
    complete.event = WIRE_EVENT_REJECTED;
    assert_true(wire_msg_valid(&complete, sizeof(complete), 0, WIRE_PEER_CLIENT, NULL));
}

/* Each row: a mutation of a HELLO and the reason wire_msg_valid() must give. */
static void test_hostile_headers_are_refused(void **state)
{
    struct wire_msg_hello hello = good_hello();
    uint8_t big[512] = { 0 };
    const char *why = NULL;

    assert_false(wire_msg_valid(&hello, 0, 0, WIRE_PEER_MEDIATOR, &why));
    assert_string_equal(why, "shorter than a header");
    assert_false(wire_msg_valid(&hello, 15, 0, WIRE_PEER_MEDIATOR, &why));

    assert_false(wire_msg_valid(&hello, sizeof(hello) - 1, 0, WIRE_PEER_MEDIATOR, &why));
    assert_string_equal(why, "size does not match the message type");

    memcpy(big, &hello, sizeof(hello));     /* oversized, header saying so */
    ((struct wire_msg_header *)big)->size = sizeof(hello) + 8;
    assert_false(wire_msg_valid(big, sizeof(hello) + 8, 0, WIRE_PEER_MEDIATOR, &why));
    assert_string_equal(why, "size does not match the message type");

    hello.hdr.size = sizeof(hello) + 1;     /* header lies about the size */
    assert_false(wire_msg_valid(&hello, sizeof(hello), 0, WIRE_PEER_MEDIATOR, &why));
    hello = good_hello();

    for (uint32_t type = 0; type < 3; type++) {
        static const uint32_t unknown[] = { 0, WIRE_MSG_TYPE_END, 0xffffffffu };

        hello.hdr.type = unknown[type];
        assert_false(wire_msg_valid(&hello, sizeof(hello), 0, WIRE_PEER_MEDIATOR, &why));
        assert_string_equal(why, "unknown message type");
    }
    hello = good_hello();
    assert_false(wire_msg_valid(&hello, sizeof(hello), 0, WIRE_PEER_CLIENT, &why));
    assert_string_equal(why, "message sent in the wrong direction");

    assert_false(wire_msg_valid(&hello, sizeof(hello), 1, WIRE_PEER_MEDIATOR, &why));
    assert_string_equal(why, "wrong number of file descriptors");
}

static void test_hostile_strings_are_refused(void **state)
{
    struct wire_msg_hello hello = good_hello();
    struct wire_msg_create_vgpu create;
    const char *why = NULL;

    memset(hello.vm_name, 'a', sizeof(hello.vm_name));     /* unterminated */
    assert_false(wire_msg_valid(&hello, sizeof(hello), 0, WIRE_PEER_MEDIATOR, &why));
    assert_string_equal(why, "vm_name is empty, unterminated or not printable");
    hello = good_hello();
    hello.vm_name[0] = '\0';                                /* empty */
    assert_false(valid_for_mediator(&hello, sizeof(hello), 0));
    strcpy(hello.vm_name, "vm\nfake log line");             /* log injection */
    assert_false(valid_for_mediator(&hello, sizeof(hello), 0));
    strcpy(hello.vm_name, "vm\x80");
    assert_false(valid_for_mediator(&hello, sizeof(hello), 0));
    hello = good_hello();
    hello.reserved = 1;
    assert_false(wire_msg_valid(&hello, sizeof(hello), 0, WIRE_PEER_MEDIATOR, &why));
    assert_string_equal(why, "reserved field is not zero");

    wire_msg_init(&create, WIRE_MSG_CREATE_VGPU, 3);
    memset(create.type, 'x', sizeof(create.type));
    assert_false(valid_for_mediator(&create, sizeof(create), 0));
    /* at most one of a type and a reserved vGPU's name */
    wire_msg_init(&create, WIRE_MSG_CREATE_VGPU, 3);
    strcpy(create.type, "gpumed-8");
    strcpy(create.vgpu_name, "vm1");
    assert_false(wire_msg_valid(&create, sizeof(create), 0, WIRE_PEER_MEDIATOR, &why));
    assert_string_equal(why, "both a type and a vGPU name");
    wire_msg_init(&create, WIRE_MSG_CREATE_VGPU, 3);
    memset(create.vgpu_name, 'a', sizeof(create.vgpu_name));   /* unterminated */
    assert_false(valid_for_mediator(&create, sizeof(create), 0));
    for (const char *const *bad = (const char *const[]){ "vm 1", "vm/1", "vm\n", "vm%s", "\x80",
                                                        NULL }; *bad; bad++) {
        wire_msg_init(&create, WIRE_MSG_CREATE_VGPU, 3);
        strcpy(create.vgpu_name, *bad);
        assert_false(wire_msg_valid(&create, sizeof(create), 0, WIRE_PEER_MEDIATOR, &why));
        assert_string_equal(why, "vGPU name is unterminated or has characters other than "
                                 "[A-Za-z0-9._-]");
    }
}

static void test_hostile_memory_ranges_are_refused(void **state)
{
    struct {
        uint64_t gpa, size, fd_offset;
    } bad[] = {
        { 0x800, 1 << 20, 0 },                      /* unaligned gpa */
        { 0, (1 << 20) + 1, 0 },                    /* unaligned size */
        { 0, 1 << 20, 0x10 },                       /* unaligned offset */
        { 0, 0, 0 },                                /* empty */
        { WIRE_GPA_LIMIT, 4096, 0 },                /* starts at the limit */
        { WIRE_GPA_LIMIT - 4096, 8192, 0 },         /* crosses it */
        { 4096, UINT64_MAX - 4095, 0 },             /* gpa + size wraps */
        { 0, 1 << 20, UINT64_MAX & ~4095ull },      /* fd_offset + size overflows off_t */
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct wire_msg_add_memory m = good_add_memory();

        m.gpa = bad[i].gpa;
        m.size = bad[i].size;
        m.fd_offset = bad[i].fd_offset;
        assert_false(valid_for_mediator(&m, sizeof(m), 1));
    }
    {
        struct wire_msg_add_memory m = good_add_memory();

        assert_false(valid_for_mediator(&m, sizeof(m), 0));     /* no memfd */
        assert_false(valid_for_mediator(&m, sizeof(m), 2));
    }
}

static struct wire_msg_add_memory_xen good_add_memory_xen(void)
{
    struct wire_msg_add_memory_xen m;

    wire_msg_init(&m, WIRE_MSG_ADD_MEMORY_XEN, 2);
    m.domid = 1;
    m.gpa = 0xc0000;
    m.size = (512 << 20) - 0xc0000;
    return m;
}

/* A Xen guest's RAM comes by domain id, never with a descriptor. */
static void test_hostile_xen_memory_is_refused(void **state)
{
    static const uint32_t bad_domids[] = {
        0,                                  /* dom0 itself */
        WIRE_XEN_DOMID_END,                 /* DOMID_FIRST_RESERVED */
        0x7ff2,                             /* DOMID_IO */
        0x7ff4,                             /* DOMID_IDLE */
        UINT32_MAX,
    };
    struct wire_msg_add_memory_xen m = good_add_memory_xen();
    const char *why = NULL;

    assert_true(valid_for_mediator(&m, sizeof(m), 0));
    m.domid = WIRE_XEN_DOMID_END - 1;
    assert_true(valid_for_mediator(&m, sizeof(m), 0));
    for (size_t i = 0; i < sizeof(bad_domids) / sizeof(bad_domids[0]); i++) {
        m.domid = bad_domids[i];
        assert_false(wire_msg_valid(&m, sizeof(m), 0, WIRE_PEER_MEDIATOR, &why));
        assert_string_equal(why, "Xen domain id is dom0's or reserved");
    }
    m = good_add_memory_xen();
    assert_false(valid_for_mediator(&m, sizeof(m), 1));     /* a descriptor */
    assert_false(wire_msg_valid(&m, sizeof(m), 0, WIRE_PEER_CLIENT, NULL));
    m.reserved = 1;
    assert_false(wire_msg_valid(&m, sizeof(m), 0, WIRE_PEER_MEDIATOR, &why));
    assert_string_equal(why, "reserved field is not zero");
    m = good_add_memory_xen();
    m.gpa = 0xc0800;                                        /* unaligned */
    assert_false(valid_for_mediator(&m, sizeof(m), 0));
    m = good_add_memory_xen();
    m.size = 0;
    assert_false(valid_for_mediator(&m, sizeof(m), 0));
    m.gpa = WIRE_GPA_LIMIT - 4096;                          /* crosses the limit */
    m.size = 8192;
    assert_false(valid_for_mediator(&m, sizeof(m), 0));
    m.gpa = 4096;                                           /* wraps */
    m.size = UINT64_MAX - 4095;
    assert_false(valid_for_mediator(&m, sizeof(m), 0));
}

static void test_hostile_fields_of_running_vgpus_are_refused(void **state)
{
    const char *why = NULL;
    struct wire_msg_ppgtt_notify ppgtt;
    struct wire_msg_submit submit;
    struct wire_msg_reset_engines reset;
    struct wire_msg_status status;
    struct wire_msg_create_reply reply;

    wire_msg_init(&ppgtt, WIRE_MSG_PPGTT_NOTIFY, 1);
    ppgtt.op = WIRE_PPGTT_CREATE;
    ppgtt.root_gpa = 0x5000;
    assert_true(valid_for_mediator(&ppgtt, sizeof(ppgtt), 0));
    ppgtt.op = 3;
    assert_false(valid_for_mediator(&ppgtt, sizeof(ppgtt), 0));
    ppgtt.op = WIRE_PPGTT_DESTROY;
    ppgtt.root_gpa = 0x5008;
    assert_false(valid_for_mediator(&ppgtt, sizeof(ppgtt), 0));
    ppgtt.root_gpa = WIRE_GPA_LIMIT;
    assert_false(valid_for_mediator(&ppgtt, sizeof(ppgtt), 0));

    wire_msg_init(&submit, WIRE_MSG_SUBMIT, 2);
    submit.engine = GEN9_NUM_ENGINES;
    assert_false(valid_for_mediator(&submit, sizeof(submit), 0));

    wire_msg_init(&reset, WIRE_MSG_RESET_ENGINES, 3);
    reset.generation = 1;
    assert_false(valid_for_mediator(&reset, sizeof(reset), 0));     /* empty mask */
    reset.engine_mask = 1u << GEN9_NUM_ENGINES;
    assert_false(valid_for_mediator(&reset, sizeof(reset), 0));
    reset.engine_mask = 1u << GEN9_BCS;
    reset.generation = 0;       /* every engine's before any reset */
    assert_false(wire_msg_valid(&reset, sizeof(reset), 0, WIRE_PEER_MEDIATOR, &why));
    assert_string_equal(why, "reset generation 0 (the generation before any reset)");

    wire_msg_init(&status, WIRE_MSG_STATUS, 3);
    status.status = 1;
    assert_false(wire_msg_valid(&status, sizeof(status), 0, WIRE_PEER_CLIENT, NULL));
    status.status = -5000;
    assert_false(wire_msg_valid(&status, sizeof(status), 0, WIRE_PEER_CLIENT, NULL));

    wire_msg_init(&reply, WIRE_MSG_CREATE_REPLY, 3);   /* a partition outside the GGTT */
    reply.host_aperture_size = 256 << 20;
    reply.aperture_base = 240 << 20;
    reply.aperture_size = 32 << 20;
    reply.hidden_base = 256 << 20;
    reply.hidden_size = 4096;
    strcpy(reply.type, "gpumed-8");
    reply.monitor_width = 1024;
    reply.monitor_height = 768;
    assert_false(wire_msg_valid(&reply, sizeof(reply), 2, WIRE_PEER_CLIENT, NULL));
    reply.aperture_base = 0;
    assert_true(wire_msg_valid(&reply, sizeof(reply), 2, WIRE_PEER_CLIENT, NULL));
    reply.fence_base = 30;
    reply.fence_count = 4;
    assert_false(wire_msg_valid(&reply, sizeof(reply), 2, WIRE_PEER_CLIENT, NULL));
}

/* ---- the socket helpers ---- */

static int setup_pair(void **state)
{
    int *sv = malloc(2 * sizeof(int));

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
        return -1;
    }
    *state = sv;
    return 0;
}

static int teardown_pair(void **state)
{
    int *sv = *state;

    close(sv[0]);
    close(sv[1]);
    free(sv);
    return 0;
}

/* Send @len raw bytes with @fd_count copies of @fd. */
static void send_raw(int sock, const void *buf, size_t len, int fd, unsigned fd_count)
{
    char control[CMSG_SPACE(sizeof(int) * 16)] = { 0 };
    struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

    if (fd_count) {
        struct cmsghdr *c;

        mh.msg_control = control;
        mh.msg_controllen = CMSG_SPACE(sizeof(int) * fd_count);
        c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * fd_count);
        for (unsigned i = 0; i < fd_count; i++) {
            memcpy(CMSG_DATA(c) + i * sizeof(int), &fd, sizeof(int));
        }
    }
    assert_int_equal(sendmsg(sock, &mh, 0), (ssize_t)len);
}

static void test_a_message_and_its_memfd_arrive(void **state)
{
    int *sv = *state;
    struct wire_msg_add_memory add = good_add_memory();
    int memfd = memfd_create("test", 0), fds[WIRE_MSG_MAX_FDS];
    union wire_msg m;
    unsigned fd_count;

    assert_int_equal(wire_msg_send(sv[0], &add, &memfd, 1), 0);
    assert_int_equal(wire_msg_receive(sv[1], WIRE_PEER_MEDIATOR, &m, fds, &fd_count, NULL),
                     sizeof(add));
    assert_int_equal(fd_count, 1);
    assert_int_equal(m.add_memory.fd_offset, add.fd_offset);
    assert_true(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
    close(fds[0]);
    close(memfd);
}

static void test_descriptors_of_bad_messages_are_closed(void **state)
{
    int *sv = *state;
    struct wire_msg_hello hello = good_hello();
    struct wire_msg_add_memory add = good_add_memory();
    int memfd = memfd_create("test", 0), fds[WIRE_MSG_MAX_FDS];
    unsigned before = open_fd_count(), fd_count;
    union wire_msg m;
    const char *why;

    send_raw(sv[0], &hello, sizeof(hello), memfd, 1);          /* HELLO takes none */
    send_raw(sv[0], &add, sizeof(add), memfd, 3);              /* wrong count */
    send_raw(sv[0], &add, sizeof(add), memfd, 12);             /* more than we take */
    send_raw(sv[0], "garbage", 7, memfd, 1);                   /* short */
    for (int i = 0; i < 2; i++) {
        errno = 0;
        assert_int_equal(wire_msg_receive(sv[1], WIRE_PEER_MEDIATOR, &m, fds, &fd_count, &why), -1);
        assert_int_equal(errno, EPROTO);
        assert_string_equal(why, "wrong number of file descriptors");
        assert_int_equal(fd_count, 0);
    }
    assert_int_equal(wire_msg_receive(sv[1], WIRE_PEER_MEDIATOR, &m, fds, &fd_count, &why), -1);
    assert_int_equal(errno, EMSGSIZE);
    assert_string_equal(why, "too many file descriptors");
    assert_int_equal(wire_msg_receive(sv[1], WIRE_PEER_MEDIATOR, &m, fds, &fd_count, &why), -1);
    assert_int_equal(errno, EPROTO);
    assert_string_equal(why, "shorter than a header");
    assert_int_equal(open_fd_count(), before);
    close(memfd);
}

static void test_oversized_messages_are_detected(void **state)
{
    int *sv = *state;
    uint8_t big[sizeof(union wire_msg) + 100];
    struct wire_msg_hello hello = good_hello();
    union wire_msg m;
    int fds[WIRE_MSG_MAX_FDS];
    unsigned fd_count;
    const char *why;

    memset(big, 0, sizeof(big));
    memcpy(big, &hello, sizeof(hello));
    send_raw(sv[0], big, sizeof(big), -1, 0);
    assert_int_equal(wire_msg_receive(sv[1], WIRE_PEER_MEDIATOR, &m, fds, &fd_count, &why), -1);
    assert_int_equal(errno, EMSGSIZE);
    assert_string_equal(why, "message longer than any message type");
    /* The stream goes on: the next message is whole. */
    assert_int_equal(wire_msg_send(sv[0], &hello, NULL, 0), 0);
    assert_int_equal(wire_msg_receive(sv[1], WIRE_PEER_MEDIATOR, &m, fds, &fd_count, &why),
                     sizeof(hello));
}

/* A notice or completion on the socket is refused: it belongs in a ring. */
static void test_ring_messages_are_refused_on_the_socket(void **state)
{
    int *sv = *state;
    struct wire_msg_submit submit;
    union wire_msg m;
    int fds[WIRE_MSG_MAX_FDS];
    unsigned fd_count;
    const char *why = NULL;

    wire_msg_init(&submit, WIRE_MSG_SUBMIT, 1);
    assert_true(valid_for_mediator(&submit, sizeof(submit), 0));
    assert_int_equal(wire_msg_send(sv[0], &submit, NULL, 0), 0);
    assert_int_equal(wire_msg_receive(sv[1], WIRE_PEER_MEDIATOR, &m, fds, &fd_count, &why), -1);
    assert_int_equal(errno, EPROTO);
    assert_string_equal(why, "a message of the shared rings came on the socket");
}

/* Both ends of one submission ring in one piece of memory, as the two
 * processes map it. */
struct ring_pair {
    struct wire_rings *rings;
    struct wire_ring producer, consumer;
};

static void ring_pair_init(struct ring_pair *p)
{
    p->rings = calloc(1, sizeof(*p->rings));
    assert_non_null(p->rings);
    wire_ring_init_submit(&p->producer, p->rings);
    wire_ring_init_submit(&p->consumer, p->rings);
}

/*
 * Messages go through in order, copied out and validated; the doorbell is
 * asked for only when the consumer armed for the slot (event suppression:
 * none while it has not taken what it was told of); a full ring refuses.
 */
static void test_ring_carries_messages_with_suppressed_doorbells(void **state)
{
    struct ring_pair p;
    struct wire_msg_submit submit;
    union wire_msg m;
    uint32_t first;

    ring_pair_init(&p);
    wire_msg_init(&submit, WIRE_MSG_SUBMIT, 1);
    submit.engine = GEN9_BCS;
    submit.desc[0] = 0x1234;
    assert_int_equal(wire_ring_get(&p.consumer, WIRE_PEER_MEDIATOR, &m, NULL), 0);
    first = p.producer.next;
    assert_true(wire_ring_put(&p.producer, &submit));
    assert_true(wire_ring_publish(&p.producer, first));  /* event 0: slot 0 rings */
    first = p.producer.next;
    assert_true(wire_ring_put(&p.producer, &submit));
    assert_false(wire_ring_publish(&p.producer, first)); /* not taken yet: no second doorbell */
    assert_int_equal(wire_ring_get(&p.consumer, WIRE_PEER_MEDIATOR, &m, NULL), 1);
    assert_int_equal(m.hdr.type, WIRE_MSG_SUBMIT);
    assert_int_equal(m.submit.desc[0], 0x1234);
    assert_int_equal(wire_ring_get(&p.consumer, WIRE_PEER_MEDIATOR, &m, NULL), 1);
    assert_int_equal(wire_ring_get(&p.consumer, WIRE_PEER_MEDIATOR, &m, NULL), 0);
    wire_ring_release(&p.consumer);
    assert_false(wire_ring_arm(&p.consumer));   /* nothing arrived meanwhile */
    first = p.producer.next;
    assert_true(wire_ring_put(&p.producer, &submit));
    assert_true(wire_ring_publish(&p.producer, first));  /* armed: rings */
    assert_true(wire_ring_arm(&p.consumer));    /* one arrived: take it, do not sleep */
    while (wire_ring_get(&p.consumer, WIRE_PEER_MEDIATOR, &m, NULL) > 0) {
    }
    wire_ring_release(&p.consumer);
    for (unsigned i = 0; i < WIRE_SUBMIT_RING_SLOTS; i++) {
        assert_true(wire_ring_put(&p.producer, &submit));
    }
    assert_false(wire_ring_put(&p.producer, &submit));  /* full */
    free(p.rings);
}

/* A hostile producer: indices beyond the slots, oversized or invalid
 * messages, socket messages in a ring, and a consumer index that would
 * let the producer overwrite slots not yet taken. */
static void test_hostile_ring_contents_are_refused(void **state)
{
    struct ring_pair p;
    struct wire_msg_submit submit;
    struct wire_msg_hello hello = good_hello();
    union wire_msg m;
    const char *why = NULL;

    ring_pair_init(&p);
    wire_msg_init(&submit, WIRE_MSG_SUBMIT, 1);
    p.rings->submit_produced.value = WIRE_SUBMIT_RING_SLOTS + 1;
    assert_int_equal(wire_ring_get(&p.consumer, WIRE_PEER_MEDIATOR, &m, &why), -1);
    assert_string_equal(why, "ring index beyond the slots it may fill");
    p.rings->submit_produced.value = 1;
    memcpy(p.rings->submit[0], &hello, sizeof(hello));     /* 88 bytes: longer than a slot */
    assert_int_equal(wire_ring_get(&p.consumer, WIRE_PEER_MEDIATOR, &m, &why), -1);
    assert_string_equal(why, "message longer than a ring slot");
    submit.engine = GEN9_NUM_ENGINES;
    memcpy(p.rings->submit[0], &submit, sizeof(submit));
    assert_int_equal(wire_ring_get(&p.consumer, WIRE_PEER_MEDIATOR, &m, &why), -1);
    assert_string_equal(why, "no such engine");
    wire_msg_init(&m, WIRE_MSG_STATUS, 1);      /* a well-formed socket message */
    memcpy(p.rings->submit[0], &m, sizeof(struct wire_msg_status));
    assert_int_equal(wire_ring_get(&p.consumer, WIRE_PEER_CLIENT, &m, &why), -1);
    assert_string_equal(why, "a socket message in a ring");
    submit.engine = GEN9_RCS;
    memcpy(p.rings->submit[0], &submit, sizeof(submit));
    assert_int_equal(wire_ring_get(&p.consumer, WIRE_PEER_CLIENT, &m, &why), -1);
    assert_string_equal(why, "message sent in the wrong direction");
    assert_int_equal(wire_ring_get(&p.consumer, WIRE_PEER_MEDIATOR, &m, &why), 1);
    /* The consumer claims to be ahead of the producer: read as full. */
    p.rings->submit_consumed.value = 5;
    assert_false(wire_ring_put(&p.producer, &submit));
    free(p.rings);
}

static void test_end_of_file_and_nothing_to_read(void **state)
{
    int *sv = *state;
    union wire_msg m;
    int fds[WIRE_MSG_MAX_FDS];
    unsigned fd_count;

    fcntl(sv[1], F_SETFL, O_NONBLOCK);
    assert_int_equal(wire_msg_receive(sv[1], WIRE_PEER_MEDIATOR, &m, fds, &fd_count, NULL), -1);
    assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
    shutdown(sv[0], SHUT_WR);
    assert_int_equal(wire_msg_receive(sv[1], WIRE_PEER_MEDIATOR, &m, fds, &fd_count, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_matches_the_layouts),
        cmocka_unit_test(test_well_formed_messages_pass),
        cmocka_unit_test(test_hostile_headers_are_refused),
        cmocka_unit_test(test_hostile_strings_are_refused),
        cmocka_unit_test(test_hostile_memory_ranges_are_refused),
        cmocka_unit_test(test_hostile_xen_memory_is_refused),
        cmocka_unit_test(test_hostile_fields_of_running_vgpus_are_refused),
        cmocka_unit_test_setup_teardown(test_a_message_and_its_memfd_arrive, setup_pair, teardown_pair),
        cmocka_unit_test_setup_teardown(test_descriptors_of_bad_messages_are_closed, setup_pair, teardown_pair),
        cmocka_unit_test_setup_teardown(test_oversized_messages_are_detected, setup_pair, teardown_pair),
        cmocka_unit_test_setup_teardown(test_end_of_file_and_nothing_to_read, setup_pair, teardown_pair),
        cmocka_unit_test_setup_teardown(test_ring_messages_are_refused_on_the_socket, setup_pair,
                                        teardown_pair),
        cmocka_unit_test(test_ring_carries_messages_with_suppressed_doorbells),
        cmocka_unit_test(test_hostile_ring_contents_are_refused),
    };

    return cmocka_run_group_tests_name("mediator/protocol", tests, NULL, NULL);
}
