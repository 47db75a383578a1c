/*
 * protocol.c - the message table, wire_msg_valid() and the SOCK_SEQPACKET
 * helpers of the vgpu-pci <-> gpumed protocol (docs/protocol.md).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "wire/protocol.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* The layouts are the wire format: pin every size and the offsets that matter. */
#define ASSERT_LAYOUT(type, field, offset) \
    static_assert(offsetof(type, field) == (offset), #type "." #field " is at " #offset)
static_assert(sizeof(struct wire_msg_header) == 16, "header size");
static_assert(sizeof(struct wire_msg_hello) == 88, "HELLO size");
static_assert(sizeof(struct wire_msg_hello_reply) == 24, "HELLO_REPLY size");
static_assert(sizeof(struct wire_msg_add_memory) == 40, "ADD_MEMORY size");
static_assert(sizeof(struct wire_msg_create_vgpu) == 112, "CREATE_VGPU size");
static_assert(sizeof(struct wire_msg_create_reply) == 368, "CREATE_REPLY size");
static_assert(sizeof(struct wire_msg_ppgtt_notify) == 32, "PPGTT_NOTIFY size");
static_assert(sizeof(struct wire_msg_submit) == 48, "SUBMIT size");
static_assert(sizeof(struct wire_msg_complete) == 48, "COMPLETE size");
static_assert(sizeof(struct wire_msg_reset_engines) == 24, "RESET_ENGINES size");
static_assert(sizeof(struct wire_msg_status) == 24, "STATUS size");
static_assert(sizeof(struct wire_msg_add_memory_xen) == 40, "ADD_MEMORY_XEN size");
static_assert(sizeof(struct wire_msg_doorbell) == 16, "DOORBELL size");
static_assert(sizeof(struct wire_rings) % WIRE_PAGE_SIZE == 0, "the rings end on a page");
static_assert(offsetof(struct wire_rings, submit) == WIRE_PAGE_SIZE, "slots after one page");
static_assert(sizeof(struct wire_msg_complete) <= WIRE_RING_SLOT_SIZE &&
              sizeof(struct wire_msg_submit) <= WIRE_RING_SLOT_SIZE, "a message fits a slot");
static_assert(!(WIRE_SUBMIT_RING_SLOTS & (WIRE_SUBMIT_RING_SLOTS - 1)) &&
              !(WIRE_COMPLETE_RING_SLOTS & (WIRE_COMPLETE_RING_SLOTS - 1)), "powers of two");
ASSERT_LAYOUT(struct wire_msg_hello, vm_name, 20);
ASSERT_LAYOUT(struct wire_msg_hello, reserved, 84);
ASSERT_LAYOUT(struct wire_msg_add_memory, fd_offset, 32);
ASSERT_LAYOUT(struct wire_msg_add_memory_xen, gpa, 24);
ASSERT_LAYOUT(struct wire_msg_create_reply, fence_base, 56);
ASSERT_LAYOUT(struct wire_msg_create_reply, host_aperture_size, 64);
ASSERT_LAYOUT(struct wire_msg_create_vgpu, vgpu_name, 48);
ASSERT_LAYOUT(struct wire_msg_create_reply, type, 72);
ASSERT_LAYOUT(struct wire_msg_create_reply, monitor_width, 104);
ASSERT_LAYOUT(struct wire_msg_create_reply, detail, 112);
ASSERT_LAYOUT(struct wire_msg_ppgtt_notify, root_gpa, 24);
ASSERT_LAYOUT(struct wire_msg_submit, desc, 24);
ASSERT_LAYOUT(struct wire_msg_submit, generation, 20);
ASSERT_LAYOUT(struct wire_msg_submit, tail, 40);
ASSERT_LAYOUT(struct wire_msg_complete, ring_head, 32);
ASSERT_LAYOUT(struct wire_msg_complete, generation, 36);
ASSERT_LAYOUT(struct wire_msg_complete, flags, 40);
ASSERT_LAYOUT(struct wire_msg_reset_engines, generation, 20);

static const struct wire_msg_info msg_table[WIRE_MSG_TYPE_END] = {
    [WIRE_MSG_HELLO] = { .name = "HELLO", .receiver = WIRE_PEER_MEDIATOR,
        .size = sizeof(struct wire_msg_hello), .reply = WIRE_MSG_HELLO_REPLY },
    [WIRE_MSG_HELLO_REPLY] = { .name = "HELLO_REPLY", .receiver = WIRE_PEER_CLIENT,
        .size = sizeof(struct wire_msg_hello_reply) },
    [WIRE_MSG_ADD_MEMORY] = { .name = "ADD_MEMORY", .receiver = WIRE_PEER_MEDIATOR,
        .size = sizeof(struct wire_msg_add_memory), .fd_count = 1,
        .reply = WIRE_MSG_STATUS },
    [WIRE_MSG_CREATE_VGPU] = { .name = "CREATE_VGPU", .receiver = WIRE_PEER_MEDIATOR,
        .size = sizeof(struct wire_msg_create_vgpu), .reply = WIRE_MSG_CREATE_REPLY },
    [WIRE_MSG_CREATE_REPLY] = { .name = "CREATE_REPLY", .receiver = WIRE_PEER_CLIENT,
        .size = sizeof(struct wire_msg_create_reply), .fd_count = 2,
        .fd_only_on_success = true },
    [WIRE_MSG_PPGTT_NOTIFY] = { .name = "PPGTT_NOTIFY", .receiver = WIRE_PEER_MEDIATOR,
        .size = sizeof(struct wire_msg_ppgtt_notify), .ring = true },
    [WIRE_MSG_SUBMIT] = { .name = "SUBMIT", .receiver = WIRE_PEER_MEDIATOR,
        .size = sizeof(struct wire_msg_submit), .ring = true },
    [WIRE_MSG_COMPLETE] = { .name = "COMPLETE", .receiver = WIRE_PEER_CLIENT,
        .size = sizeof(struct wire_msg_complete), .ring = true },
    [WIRE_MSG_RESET_ENGINES] = { .name = "RESET_ENGINES", .receiver = WIRE_PEER_MEDIATOR,
        .size = sizeof(struct wire_msg_reset_engines), .ring = true },
    [WIRE_MSG_STATUS] = { .name = "STATUS", .receiver = WIRE_PEER_CLIENT,
        .size = sizeof(struct wire_msg_status) },
    [WIRE_MSG_ADD_MEMORY_XEN] = { .name = "ADD_MEMORY_XEN", .receiver = WIRE_PEER_MEDIATOR,
        .size = sizeof(struct wire_msg_add_memory_xen), .reply = WIRE_MSG_STATUS },
    [WIRE_MSG_DOORBELL] = { .name = "DOORBELL", .receiver = WIRE_PEER_CLIENT,
        .size = sizeof(struct wire_msg_doorbell) },
};

const struct wire_msg_info *wire_msg_info(uint32_t type)
{
    if (type >= WIRE_MSG_TYPE_END || !msg_table[type].name) {
        return NULL;
    }
    return &msg_table[type];
}

const char *wire_msg_name(uint32_t type)
{
    const struct wire_msg_info *info = wire_msg_info(type);

    return info ? info->name : "unknown";
}

bool wire_string_valid(const char *s, size_t n, bool may_be_empty)
{
    const char *end = memchr(s, '\0', n);

    if (!end || (end == s && !may_be_empty)) {
        return false;
    }
    for (; s < end; s++) {
        if (*s < 0x20 || *s > 0x7e) {
            return false;   /* names go into log lines: no control characters */
        }
    }
    return true;
}

bool wire_vgpu_name_valid(const char *s, size_t n, bool may_be_empty)
{
    const char *end = memchr(s, '\0', n);

    if (!end || (end == s && !may_be_empty)) {
        return false;
    }
    for (; s < end; s++) {
        if (!isalnum((unsigned char)*s) && !strchr("._-", *s)) {
            return false;   /* a name operators type and scripts pass around */
        }
    }
    return true;
}

static bool page_aligned(uint64_t value)
{
    return !(value % WIRE_PAGE_SIZE);
}

/* The checks ADD_MEMORY and ADD_MEMORY_XEN share, or NULL. */
static const char *ram_range_problem(uint64_t gpa, uint64_t size)
{
    if (!page_aligned(gpa) || !page_aligned(size)) {
        return "memory region is not page aligned";
    }
    if (!size || gpa >= WIRE_GPA_LIMIT || size > WIRE_GPA_LIMIT - gpa) {
        return "memory region is empty or beyond the guest-physical limit";
    }
    return NULL;
}

/* Is an errno-style status plausible: 0 or -1..-4095? */
static bool status_valid(int32_t status)
{
    return status <= 0 && status >= -4095;
}

/* Field checks of one message whose header already matches the table. */
static const char *payload_problem(const union wire_msg *m)
{
    switch ((enum wire_msg_type)m->hdr.type) {
    case WIRE_MSG_HELLO:
        if (!wire_string_valid(m->hello.vm_name, WIRE_VM_NAME_LEN, false)) {
            return "vm_name is empty, unterminated or not printable";
        }
        return m->hello.reserved ? "reserved field is not zero" : NULL;
    case WIRE_MSG_HELLO_REPLY:
        return status_valid(m->hello_reply.status) ? NULL : "status out of range";
    case WIRE_MSG_ADD_MEMORY: {
        const struct wire_msg_add_memory *a = &m->add_memory;
        const char *problem = ram_range_problem(a->gpa, a->size);

        if (problem) {
            return problem;
        }
        if (!page_aligned(a->fd_offset)) {
            return "memory region is not page aligned";
        }
        return a->fd_offset > INT64_MAX - a->size ? "fd_offset + size overflows" : NULL;
    }
    case WIRE_MSG_ADD_MEMORY_XEN: {
        const struct wire_msg_add_memory_xen *x = &m->add_memory_xen;

        if (x->domid < WIRE_XEN_DOMID_FIRST || x->domid >= WIRE_XEN_DOMID_END) {
            return "Xen domain id is dom0's or reserved";
        }
        if (x->reserved) {
            return "reserved field is not zero";
        }
        return ram_range_problem(x->gpa, x->size);
    }
    case WIRE_MSG_CREATE_VGPU: {
        const struct wire_msg_create_vgpu *c = &m->create_vgpu;

        if (!wire_string_valid(c->type, WIRE_TYPE_NAME_LEN, true)) {
            return "type name is unterminated or not printable";
        }
        if (!wire_vgpu_name_valid(c->vgpu_name, WIRE_VGPU_NAME_LEN, true)) {
            return "vGPU name is unterminated or has characters other than [A-Za-z0-9._-]";
        }
        return c->type[0] && c->vgpu_name[0] ? "both a type and a vGPU name" : NULL;
    }
    case WIRE_MSG_CREATE_REPLY: {
        const struct wire_msg_create_reply *r = &m->create_reply;

        if (!status_valid(r->status) ||
            !wire_string_valid(r->detail, WIRE_DETAIL_LEN, true) ||
            !wire_string_valid(r->type, WIRE_TYPE_NAME_LEN, r->status != 0)) {
            return "status, type or detail invalid";
        }
        if (r->status) {
            return NULL;
        }
        if (!page_aligned(r->aperture_base) || !page_aligned(r->aperture_size) ||
            !page_aligned(r->hidden_base) || !page_aligned(r->hidden_size) ||
            r->host_aperture_size > WIRE_GGTT_SPACE ||
            r->aperture_size > r->host_aperture_size ||
            r->aperture_base > r->host_aperture_size - r->aperture_size ||
            r->hidden_base < r->host_aperture_size ||
            r->hidden_size > WIRE_GGTT_SPACE - r->host_aperture_size ||
            r->hidden_base > WIRE_GGTT_SPACE - r->hidden_size ||
            r->fence_count > WIRE_FENCE_COUNT ||
            r->fence_base > WIRE_FENCE_COUNT - r->fence_count) {
            return "partition outside the GGTT or the fence registers";
        }
        /* the range is the vGPU library's to check (VGPU_MONITOR_*) */
        return !r->monitor_width || !r->monitor_height ? "no monitor mode" : NULL;
    }
    case WIRE_MSG_PPGTT_NOTIFY: {
        const struct wire_msg_ppgtt_notify *p = &m->ppgtt_notify;

        if (p->op != WIRE_PPGTT_CREATE && p->op != WIRE_PPGTT_DESTROY) {
            return "unknown PPGTT operation";
        }
        if (!page_aligned(p->root_gpa) || p->root_gpa >= WIRE_GPA_LIMIT) {
            return "PPGTT root is unaligned or beyond the guest-physical limit";
        }
        return p->reserved ? "reserved field is not zero" : NULL;
    }
    case WIRE_MSG_SUBMIT:
        /* Any generation: which one the engine is in is the receiver's state. */
        return m->submit.engine >= GEN9_NUM_ENGINES ? "no such engine" : NULL;
    case WIRE_MSG_COMPLETE:
        if (m->complete.engine >= GEN9_NUM_ENGINES ||
            m->complete.event < WIRE_EVENT_DONE || m->complete.event > WIRE_EVENT_REJECTED) {
            return "no such engine or event";
        }
        if ((m->complete.flags & ~WIRE_COMPLETE_FLAGS_ALL) ||
            (m->complete.flags && m->complete.event != WIRE_EVENT_DONE)) {
            return "flags unknown or on work that did not complete";
        }
        return m->complete.engine_error && m->complete.event != WIRE_EVENT_REJECTED ?
               "engine error on work that was not stopped" : NULL;
    case WIRE_MSG_RESET_ENGINES:
        if (!m->reset_engines.engine_mask ||
            (m->reset_engines.engine_mask & ~WIRE_ENGINE_MASK_ALL)) {
            return "engine mask is empty or names no engine";
        }
        return m->reset_engines.generation ? NULL :
               "reset generation 0 (the generation before any reset)";
    case WIRE_MSG_STATUS:
        if (!status_valid(m->status.status)) {
            return "status out of range";
        }
        return m->status.reserved ? "reserved field is not zero" : NULL;
    case WIRE_MSG_DOORBELL:
        return NULL;
    case WIRE_MSG_TYPE_END:
        break;
    }
    assert(!"a type in the table has no payload check");
    return "unknown type";
}

static const char *message_problem(const void *msg, size_t len, unsigned fd_count,
                                   enum wire_peer receiver)
{
    union wire_msg m;
    const struct wire_msg_info *info;
    unsigned fds_expected;

    if (len < sizeof(struct wire_msg_header)) {
        return "shorter than a header";
    }
    memcpy(&m.hdr, msg, sizeof(m.hdr));
    info = wire_msg_info(m.hdr.type);
    if (!info) {
        return "unknown message type";
    }
    if (info->receiver != receiver) {
        return "message sent in the wrong direction";
    }
    if (m.hdr.size != len || len != info->size) {
        return "size does not match the message type";
    }
    memcpy(&m, msg, len);
    fds_expected = info->fd_count;
    if (info->fd_only_on_success && m.create_reply.status) {
        fds_expected = 0;
    }
    if (fd_count != fds_expected) {
        return "wrong number of file descriptors";
    }
    return payload_problem(&m);
}

bool wire_msg_valid(const void *msg, size_t len, unsigned fd_count,
                    enum wire_peer receiver, const char **why)
{
    const char *problem = message_problem(msg, len, fd_count, receiver);

    if (problem && why) {
        *why = problem;
    }
    return !problem;
}

void wire_msg_init(void *msg, enum wire_msg_type type, uint64_t seq)
{
    const struct wire_msg_info *info = wire_msg_info(type);
    struct wire_msg_header hdr = { .type = type, .size = info->size, .seq = seq };

    assert(info);
    memset(msg, 0, info->size);
    memcpy(msg, &hdr, sizeof(hdr));
}

int wire_msg_send(int sock, const void *msg, const int *fds, unsigned fd_count)
{
    struct wire_msg_header hdr;
    union {
        char buf[CMSG_SPACE(sizeof(int) * WIRE_MSG_MAX_FDS)];
        struct cmsghdr align;
    } control;
    struct iovec iov;
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
    ssize_t sent;

    assert(fd_count <= WIRE_MSG_MAX_FDS);
    memcpy(&hdr, msg, sizeof(hdr));
    iov = (struct iovec) { .iov_base = (void *)msg, .iov_len = hdr.size };
    if (fd_count) {
        struct cmsghdr *cmsg;

        memset(&control, 0, sizeof(control));
        mh.msg_control = control.buf;
        mh.msg_controllen = CMSG_SPACE(sizeof(int) * fd_count);
        cmsg = CMSG_FIRSTHDR(&mh);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fd_count);
        memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * fd_count);
    }
    do {
        sent = sendmsg(sock, &mh, MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) {
        return -1;
    }
    /* SOCK_SEQPACKET sends a record whole or not at all. */
    assert((size_t)sent == hdr.size);
    return 0;
}

static void close_fds(const int *fds, unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        close(fds[i]);
    }
}

/*
 * Room for more descriptors than any message carries, so that a sender
 * attaching a few too many is told apart (and they are closed) rather than
 * having the kernel drop them silently.
 */
#define RECEIVE_FDS_ROOM 8

/* Take every SCM_RIGHTS descriptor out of @mh; returns how many. */
static unsigned collect_fds(struct msghdr *mh, int *fds)
{
    unsigned count = 0;

    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
        size_t n;

        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
            continue;
        }
        n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        assert(count + n <= RECEIVE_FDS_ROOM);  /* bounded by the control buffer */
        memcpy(fds + count, CMSG_DATA(c), n * sizeof(int));
        count += n;
    }
    return count;
}

ssize_t wire_msg_receive(int sock, enum wire_peer receiver, union wire_msg *msg,
                         int fds[WIRE_MSG_MAX_FDS], unsigned *fd_count,
                         const char **why)
{
    union {
        char buf[CMSG_SPACE(sizeof(int) * RECEIVE_FDS_ROOM)];
        struct cmsghdr align;
    } control;
    int received[RECEIVE_FDS_ROOM];
    struct iovec iov = { .iov_base = msg, .iov_len = sizeof(*msg) };
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = control.buf, .msg_controllen = sizeof(control.buf),
    };
    unsigned count;
    ssize_t len;

    *fd_count = 0;
    do {
        len = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
    } while (len < 0 && errno == EINTR);
    if (len < 0) {
        if (why) {
            *why = "receive failed";
        }
        return -1;
    }
    count = collect_fds(&mh, received);
    if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
        close_fds(received, count);
        if (why) {
            *why = mh.msg_flags & MSG_TRUNC ? "message longer than any message type"
                                            : "too many file descriptors";
        }
        errno = EMSGSIZE;
        return -1;
    }
    if (len == 0 && count == 0) {
        return 0;       /* end of file (a zero-length record would carry nothing) */
    }
    if (!wire_msg_valid(msg, len, count, receiver, why)) {
        close_fds(received, count);
        errno = EPROTO;
        return -1;
    }
    if (wire_msg_info(msg->hdr.type)->ring) {
        if (why) {
            *why = "a message of the shared rings came on the socket";
        }
        close_fds(received, count);
        errno = EPROTO;
        return -1;
    }
    for (unsigned i = 0; i < count; i++) {
        fds[i] = received[i];
    }
    *fd_count = count;
    return len;
}

int wire_socket_connect(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        errno = EINVAL;
        return -1;
    }
    strcpy(addr.sun_path, path);
    fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
        int err = errno;

        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

/* ---- the shared rings ---- */

void wire_ring_init_submit(struct wire_ring *ring, struct wire_rings *rings)
{
    *ring = (struct wire_ring) {
        .slots = rings->submit, .slot_count = WIRE_SUBMIT_RING_SLOTS,
        .produced = &rings->submit_produced.value,
        .consumed = &rings->submit_consumed.value,
        .event = &rings->submit_event.value,
    };
}

void wire_ring_init_complete(struct wire_ring *ring, struct wire_rings *rings)
{
    *ring = (struct wire_ring) {
        .slots = rings->complete, .slot_count = WIRE_COMPLETE_RING_SLOTS,
        .produced = &rings->complete_produced.value,
        .consumed = &rings->complete_consumed.value,
        .event = &rings->complete_event.value,
    };
}

bool wire_ring_put(struct wire_ring *ring, const void *msg)
{
    struct wire_msg_header hdr;
    uint8_t *slot;
    /* Acquire: the consumer copied the slots it released. */
    uint32_t consumed = __atomic_load_n(ring->consumed, __ATOMIC_ACQUIRE);

    /* Unsigned: a consumer index ahead of ours reads as a full ring. */
    if (ring->next - consumed >= ring->slot_count) {
        return false;
    }
    memcpy(&hdr, msg, sizeof(hdr));
    assert(hdr.size <= WIRE_RING_SLOT_SIZE);
    slot = ring->slots[ring->next % ring->slot_count];
    memcpy(slot, msg, hdr.size);
    memset(slot + hdr.size, 0, WIRE_RING_SLOT_SIZE - hdr.size);
    ring->next++;
    return true;
}

bool wire_ring_publish(struct wire_ring *ring, uint32_t first)
{
    uint32_t event;

    __atomic_store_n(ring->produced, ring->next, __ATOMIC_RELEASE);
    /* Full barrier: the consumer stores its event index, then reads ours
     * (wire_ring_arm()); one of the two sides sees the other's store. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    event = __atomic_load_n(ring->event, __ATOMIC_RELAXED);
    /* virtio's vring_need_event(): did [first, next) pass the event index? */
    return (uint32_t)(ring->next - event - 1) < (uint32_t)(ring->next - first);
}

int wire_ring_get(struct wire_ring *ring, enum wire_peer receiver, union wire_msg *msg,
                  const char **why)
{
    /* Acquire: the slots before the producer's index are written. */
    uint32_t produced = __atomic_load_n(ring->produced, __ATOMIC_ACQUIRE);
    const char *problem = NULL;
    uint32_t size;

    if (produced == ring->next) {
        return 0;
    }
    if (produced - ring->next > ring->slot_count) {
        problem = "ring index beyond the slots it may fill";
    } else {
        /* One copy out of the shared slot: the producer may rewrite it
         * meanwhile, everything below looks at the copy only. */
        memcpy(msg, ring->slots[ring->next % ring->slot_count], WIRE_RING_SLOT_SIZE);
        memcpy(&size, (char *)msg + offsetof(struct wire_msg_header, size), sizeof(size));
        if (size > WIRE_RING_SLOT_SIZE) {
            problem = "message longer than a ring slot";
        } else if (!wire_msg_valid(msg, size, 0, receiver, &problem)) {
            /* problem says why */
        } else if (!wire_msg_info(msg->hdr.type)->ring) {
            problem = "a socket message in a ring";
        }
    }
    if (problem) {
        if (why) {
            *why = problem;
        }
        return -1;
    }
    ring->next++;
    return 1;
}

void wire_ring_release(struct wire_ring *ring)
{
    /* Release: our copies of the slots are done before the producer reuses them. */
    __atomic_store_n(ring->consumed, ring->next, __ATOMIC_RELEASE);
}

bool wire_ring_arm(struct wire_ring *ring)
{
    __atomic_store_n(ring->event, ring->next, __ATOMIC_RELAXED);
    /* Full barrier: pairs with wire_ring_publish()'s. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return __atomic_load_n(ring->produced, __ATOMIC_ACQUIRE) != ring->next;
}
