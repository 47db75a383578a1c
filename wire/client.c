/*
 * client.c - the vgpu-pci side of the gpumed protocol.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "wire/client.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* A message without a reply, as it waits in the send queue. */
union notice {
    struct wire_msg_header hdr;
    struct wire_msg_ppgtt_notify ppgtt_notify;
    struct wire_msg_submit submit;
    struct wire_msg_reset_engines reset_engines;
};

/* Each engine is named by at most one queued RESET_ENGINES (a later reset
 * takes it out of an earlier one), so resets always find a slot.  The ring
 * starts that large and grows (doubling) only for PPGTT notices. */
#define QUEUE_SLOTS     (WIRE_CLIENT_QUEUE_MAX + GEN9_NUM_ENGINES)

struct wire_client {
    int fd;
    int failed_errno;           /* non-zero once the connection is unusable */
    uint64_t next_seq;
    wire_client_complete_fn *complete;
    void *opaque;
    bool memory_added;          /* at least one guest RAM range was accepted */
    void *table;                /* the shared memory, once the vGPU exists */
    uint64_t *dirty;
    struct wire_rings *rings;   /* in it, after the GGTT table */
    struct wire_ring submit_ring, complete_ring;
    int doorbell_fd;            /* the eventfd that tells the mediator of submissions */
    bool room_wanted;           /* as last stored in the rings */
    /* Notices waiting for room in the submission ring, oldest first (a
     * ring that grows). */
    union notice *queue;
    unsigned queue_slots, queue_head, queue_count;
    unsigned queued_resets;     /* RESET_ENGINES among them */
    unsigned queued_ppgtt;      /* PPGTT_NOTIFYs among them */
    uint32_t generation[GEN9_NUM_ENGINES];  /* each engine's reset generation */
    uint32_t last_generation;   /* the newest one handed out */
    wire_client_pages_written_fn *tables_written;   /* NULL: no watch */
    void *tables_opaque;
    uint32_t table_writes;      /* as last stored in the rings */
    uint64_t table_gpa[WIRE_TABLE_WATCH_MAX];   /* the list as last read */
    struct wire_client_stats stats;
    char error[WIRE_DETAIL_LEN + 64];
};

static int fail(struct wire_client *c, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct wire_client *c, int err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(c->error, sizeof(c->error), fmt, ap);
    va_end(ap);
    errno = err;
    return -1;
}

/* The connection is broken for good. */
static int fail_connection(struct wire_client *c, int err, const char *what)
{
    c->failed_errno = err;
    return fail(c, err, "mediator connection failed: %s: %s", what, strerror(err));
}

static int check_usable(struct wire_client *c)
{
    if (c->failed_errno) {
        return fail(c, ENOTCONN, "mediator connection failed earlier");
    }
    c->error[0] = '\0';
    return 0;
}

static int wait_for(struct wire_client *c, short events)
{
    struct pollfd p = { .fd = c->fd, .events = events };
    int n;

    do {
        n = poll(&p, 1, WIRE_CLIENT_TIMEOUT_MS);
    } while (n < 0 && errno == EINTR);
    if (n == 0) {
        errno = ETIMEDOUT;
    }
    return n > 0 ? 0 : -1;
}

/* Send a request of the setup: waits (bounded) while the socket is full. */
static int send_message(struct wire_client *c, const void *msg, const int *fds,
                        unsigned fd_count)
{
    while (wire_msg_send(c->fd, msg, fds, fd_count)) {
        if ((errno != EAGAIN && errno != EWOULDBLOCK) || wait_for(c, POLLOUT)) {
            return fail_connection(c, errno, "send");
        }
    }
    return 0;
}

/* A completion of work from before the engine's last reset is dropped:
 * the caller forgot that work when it asked for the reset. */
static void deliver_completion(struct wire_client *c, const struct wire_msg_complete *m)
{
    struct wire_completion done = {
        .engine = (enum gen9_engine)m->engine,
        .event = (enum wire_complete_event)m->event,
        .desc = m->desc, .ring_head = m->ring_head,
        .user_interrupt = m->flags & WIRE_COMPLETE_USER_INTERRUPT,
        .engine_error = m->engine_error,
    };

    if (m->generation != c->generation[m->engine]) {
        c->stats.stale_completions++;
        return;
    }
    c->complete(c->opaque, &done);
}

/*
 * Receive one message.  Returns 1 with a message, 0 when none is waiting,
 * -1 when the connection failed (then it is marked failed).
 */
static int receive_one(struct wire_client *c, union wire_msg *m, int fds[WIRE_MSG_MAX_FDS],
                       unsigned *fd_count)
{
    const char *why = "";
    ssize_t len = wire_msg_receive(c->fd, WIRE_PEER_CLIENT, m, fds, fd_count, &why);

    if (len > 0) {
        return 1;
    }
    if (len < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return 0;
    }
    if (len == 0) {
        return fail_connection(c, ECONNRESET, "the mediator closed the connection");
    }
    return fail_connection(c, errno, why);
}

/*
 * Wait for the reply @type to request @seq.  The descriptors the reply
 * carries go to @reply_fds (room for WIRE_MSG_MAX_FDS; NULL: none expected).
 */
static int wait_reply(struct wire_client *c, enum wire_msg_type type, uint64_t seq,
                      union wire_msg *reply, int *reply_fds)
{
    int fds[WIRE_MSG_MAX_FDS];
    unsigned fd_count;
    int got;

    for (;;) {
        got = receive_one(c, reply, fds, &fd_count);
        if (got < 0) {
            return -1;
        }
        if (!got) {
            if (wait_for(c, POLLIN)) {
                return fail_connection(c, errno, "waiting for a reply");
            }
            continue;
        }
        if (reply->hdr.type != type || reply->hdr.seq != seq || (fd_count && !reply_fds)) {
            for (unsigned i = 0; i < fd_count; i++) {
                close(fds[i]);
            }
            return fail_connection(c, EPROTO, "unexpected reply");
        }
        for (unsigned i = 0; i < fd_count; i++) {
            reply_fds[i] = fds[i];
        }
        return 0;
    }
}

/* Send a request and wait for its reply. */
static int transact(struct wire_client *c, void *request, const int *fds, unsigned fd_count,
                    union wire_msg *reply, int *reply_fds)
{
    struct wire_msg_header *hdr = request;
    const struct wire_msg_info *info = wire_msg_info(hdr->type);

    hdr->seq = ++c->next_seq;
    if (send_message(c, request, fds, fd_count)) {
        return -1;
    }
    return wait_reply(c, info->reply, hdr->seq, reply, reply_fds);
}

/* Connected blocking (a local connect completes at once), then non-blocking
 * so that the fd handler and waits with a time limit never hang. */
static int set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);

    return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

static int hello(struct wire_client *c, const char *vm_name)
{
    struct wire_msg_hello request;
    union wire_msg reply;

    wire_msg_init(&request, WIRE_MSG_HELLO, 0);
    request.version = WIRE_PROTOCOL_VERSION;
    strcpy(request.vm_name, vm_name);
    if (transact(c, &request, NULL, 0, &reply, NULL)) {
        /* An answer that is no HELLO_REPLY (too long, malformed or
         * unexpected): whatever listens there is not a mediator's VM
         * socket, e.g. its control socket (PATH.control). */
        if (errno == EMSGSIZE || errno == EPROTO) {
            return fail(c, EPROTO, "the peer does not speak the gpumed VM protocol");
        }
        return -1;
    }
    if (reply.hello_reply.status) {
        return fail(c, -reply.hello_reply.status, "the mediator speaks protocol version %u, "
                    "this client %d", reply.hello_reply.version, WIRE_PROTOCOL_VERSION);
    }
    return 0;
}

struct wire_client *wire_client_connect(const char *socket_path, const char *vm_name,
                                        wire_client_complete_fn *complete, void *opaque)
{
    struct wire_client *c;
    int err;

    if (!vm_name || strlen(vm_name) >= WIRE_VM_NAME_LEN || !complete ||
        !wire_string_valid(vm_name, strlen(vm_name) + 1, false)) {
        errno = EINVAL;
        return NULL;
    }
    c = calloc(1, sizeof(*c));
    if (!c) {
        return NULL;
    }
    c->complete = complete;
    c->opaque = opaque;
    c->doorbell_fd = -1;
    c->queue = calloc(QUEUE_SLOTS, sizeof(*c->queue));
    c->queue_slots = QUEUE_SLOTS;
    c->fd = c->queue ? wire_socket_connect(socket_path ? socket_path : WIRE_DEFAULT_SOCKET) : -1;
    if (c->fd < 0) {
        err = errno;
        free(c->queue);
        free(c);
        errno = err;
        return NULL;
    }
    if (set_nonblocking(c->fd) || hello(c, vm_name)) {
        err = errno;
        wire_client_close(c);
        errno = err;
        return NULL;
    }
    return c;
}

void wire_client_close(struct wire_client *c)
{
    if (!c) {
        return;
    }
    if (c->table) {
        munmap(c->table, WIRE_SHARED_SIZE);
    }
    if (c->doorbell_fd >= 0) {
        close(c->doorbell_fd);
    }
    close(c->fd);
    free(c->queue);
    free(c);
}

/* A STATUS reply's verdict as this API's return value. */
static int status_result(struct wire_client *c, const union wire_msg *reply, const char *what)
{
    if (reply->status.status) {
        return fail(c, -reply->status.status, "the mediator refused %s: %s (see its log)",
                    what, strerror(-reply->status.status));
    }
    return 0;
}

/* Send one ADD_MEMORY(_XEN) @request (with the memfd *@fd, or none: NULL)
 * and take its STATUS. */
static int add_memory(struct wire_client *c, void *request, const int *fd, uint64_t gpa,
                      uint64_t size)
{
    union wire_msg reply;
    unsigned fd_count = fd != NULL;
    const struct wire_msg_header *hdr = request;

    if (check_usable(c)) {
        return -1;
    }
    if (c->table) {
        return fail(c, EALREADY, "guest RAM is handed over before the vGPU is created");
    }
    /* Check locally first: the mediator would close the connection. */
    if ((fd && *fd < 0) ||
        !wire_msg_valid(request, hdr->size, fd_count, WIRE_PEER_MEDIATOR, NULL)) {
        return fail(c, EINVAL, "guest RAM range [0x%llx, +0x%llx) is unaligned, empty, "
                    "too high, or its memfd or domain id is invalid",
                    (unsigned long long)gpa, (unsigned long long)size);
    }
    if (transact(c, request, fd, fd_count, &reply, NULL) ||
        status_result(c, &reply, "the guest RAM range")) {
        return -1;
    }
    c->memory_added = true;
    return 0;
}

int wire_client_add_memory(struct wire_client *c, uint64_t gpa, uint64_t size, int fd,
                           uint64_t fd_offset)
{
    struct wire_msg_add_memory request;

    wire_msg_init(&request, WIRE_MSG_ADD_MEMORY, 0);
    request.gpa = gpa;
    request.size = size;
    request.fd_offset = fd_offset;
    return add_memory(c, &request, &fd, gpa, size);
}

int wire_client_add_memory_xen(struct wire_client *c, uint32_t domid, uint64_t gpa,
                               uint64_t size)
{
    struct wire_msg_add_memory_xen request;

    wire_msg_init(&request, WIRE_MSG_ADD_MEMORY_XEN, 0);
    request.domid = domid;
    request.gpa = gpa;
    request.size = size;
    return add_memory(c, &request, NULL, gpa, size);
}

/* Map the shared memory (@fds[0]) and keep the doorbell (@fds[1]). */
static int map_shared(struct wire_client *c, const int fds[2])
{
    struct stat st;
    void *table;

    if (fstat(fds[0], &st) || (uint64_t)st.st_size < WIRE_SHARED_SIZE) {
        close(fds[0]);
        close(fds[1]);
        return fail_connection(c, EPROTO, "the shared GGTT table and rings are too small");
    }
    table = mmap(NULL, WIRE_SHARED_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
    close(fds[0]);
    if (table == MAP_FAILED) {
        close(fds[1]);
        return fail(c, errno, "cannot map the shared GGTT table: %s", strerror(errno));
    }
    c->table = table;
    c->dirty = (uint64_t *)((char *)table + WIRE_GGTT_TABLE_PTES_SIZE);
    c->rings = (struct wire_rings *)((char *)table + WIRE_SHARED_RINGS_OFFSET);
    wire_ring_init_submit(&c->submit_ring, c->rings);
    wire_ring_init_complete(&c->complete_ring, c->rings);
    c->doorbell_fd = fds[1];
    return 0;
}

/* CREATE_VGPU of @request (its type or its vGPU name set), @what in errors. */
static int create(struct wire_client *c, struct wire_msg_create_vgpu *request,
                  const char *what, struct wire_client_vgpu *vgpu)
{
    union wire_msg reply;
    const struct wire_msg_create_reply *r = &reply.create_reply;
    int fds[WIRE_MSG_MAX_FDS];

    if (c->table) {
        return fail(c, EALREADY, "the vGPU exists already");
    }
    if (!c->memory_added) {
        return fail(c, EINVAL, "guest RAM must be handed over before the vGPU is created");
    }
    if (transact(c, request, NULL, 0, &reply, fds)) {
        return -1;
    }
    if (r->status) {
        return fail(c, -r->status, "the mediator cannot give this VM %s: %s", what, r->detail);
    }
    if (map_shared(c, fds)) {
        return -1;
    }
    *vgpu = (struct wire_client_vgpu) {
        .id = r->vgpu_id,
        .aperture_base = r->aperture_base, .aperture_size = r->aperture_size,
        .hidden_base = r->hidden_base, .hidden_size = r->hidden_size,
        .fence_base = r->fence_base, .fence_count = r->fence_count,
        .host_aperture_size = r->host_aperture_size,
        .ggtt = c->table,
    };
    memcpy(vgpu->type, r->type, sizeof(vgpu->type));
    vgpu->monitor_width = r->monitor_width;
    vgpu->monitor_height = r->monitor_height;
    return 0;
}

int wire_client_create_vgpu(struct wire_client *c, const char *type,
                            struct wire_client_vgpu *vgpu)
{
    struct wire_msg_create_vgpu request;
    char what[WIRE_TYPE_NAME_LEN + 32];

    if (check_usable(c)) {
        return -1;
    }
    if (type && (strlen(type) >= WIRE_TYPE_NAME_LEN ||
                 !wire_string_valid(type, strlen(type) + 1, false))) {
        return fail(c, ENOENT, "no vGPU type is named like that");
    }
    wire_msg_init(&request, WIRE_MSG_CREATE_VGPU, 0);
    snprintf(request.type, sizeof(request.type), "%s", type ? type : "");
    snprintf(what, sizeof(what), "a vGPU of type %s", type ? type : "(the default)");
    return create(c, &request, what, vgpu);
}

int wire_client_attach_vgpu(struct wire_client *c, const char *vgpu_name,
                            struct wire_client_vgpu *vgpu)
{
    struct wire_msg_create_vgpu request;
    char what[WIRE_VGPU_NAME_LEN + 32];

    if (check_usable(c)) {
        return -1;
    }
    if (!vgpu_name || strlen(vgpu_name) >= WIRE_VGPU_NAME_LEN ||
        !wire_vgpu_name_valid(vgpu_name, strlen(vgpu_name) + 1, false)) {
        return fail(c, ENOENT, "a vGPU name is 1 to %d of [A-Za-z0-9._-]",
                    WIRE_VGPU_NAME_LEN - 1);
    }
    wire_msg_init(&request, WIRE_MSG_CREATE_VGPU, 0);
    strcpy(request.vgpu_name, vgpu_name);
    snprintf(what, sizeof(what), "the vGPU '%s'", vgpu_name);
    return create(c, &request, what, vgpu);
}

void wire_client_ggtt_write(struct wire_client *c, uint32_t index, uint64_t pte)
{
    uint64_t *ptes = c->table;

    if (!ptes || index >= WIRE_GGTT_ENTRIES) {
        return;
    }
    __atomic_store_n(&ptes[index], pte, __ATOMIC_RELAXED);
    /* Release: the mediator that sees the bit sees the entry. */
    __atomic_fetch_or(&c->dirty[index / 64], 1ull << (index % 64), __ATOMIC_RELEASE);
    /* Release: the mediator that sees the count sees the bit, and skips
     * the bitmap while the count stays where its last walk found it. */
    __atomic_fetch_add(&c->rings->ggtt_writes.value, 1, __ATOMIC_RELEASE);
}

/* May a message without a reply go out: a vGPU exists and the message is
 * valid as the mediator will check it? */
static int notice_check(struct wire_client *c, const void *msg)
{
    const struct wire_msg_header *hdr = msg;

    if (check_usable(c)) {
        return -1;
    }
    if (!c->table) {
        return fail(c, EINVAL, "no vGPU yet");
    }
    if (!wire_msg_valid(msg, hdr->size, 0, WIRE_PEER_MEDIATOR, NULL)) {
        return fail(c, EINVAL, "invalid %s", wire_msg_name(hdr->type));
    }
    return 0;
}

static union notice *queue_slot(struct wire_client *c, unsigned i)
{
    return &c->queue[(c->queue_head + i) % c->queue_slots];
}

/* Twice the slots, the waiting notices first in the new ring. */
static bool queue_grow(struct wire_client *c)
{
    union notice *grown = calloc(2 * (size_t)c->queue_slots, sizeof(*grown));

    if (!grown) {
        return false;
    }
    for (unsigned i = 0; i < c->queue_count; i++) {
        grown[i] = *queue_slot(c, i);
    }
    free(c->queue);
    c->queue = grown;
    c->queue_slots *= 2;
    c->queue_head = 0;
    return true;
}

/* The oldest queued notice is in the ring now. */
static void queue_pop(struct wire_client *c)
{
    c->queued_resets -= queue_slot(c, 0)->hdr.type == WIRE_MSG_RESET_ENGINES;
    c->queued_ppgtt -= queue_slot(c, 0)->hdr.type == WIRE_MSG_PPGTT_NOTIFY;
    c->queue_head = (c->queue_head + 1) % c->queue_slots;
    c->queue_count--;
}

/* Tell the mediator of submissions: an eventfd never blocks its writer
 * (EAGAIN only at a count of 2^64 - 2, when a doorbell waits anyway). */
static void ring_doorbell(struct wire_client *c)
{
    uint64_t one = 1;

    if (write(c->doorbell_fd, &one, sizeof(one)) < 0) {
        return;
    }
}

/* Move what the queue holds into the submission ring while it has room;
 * with notices left, ask the mediator to say when it took some. */
static void queue_flush(struct wire_client *c)
{
    uint32_t first = c->submit_ring.next;

    for (;;) {
        while (c->queue_count && wire_ring_put(&c->submit_ring, queue_slot(c, 0))) {
            queue_pop(c);
        }
        if (c->room_wanted != (c->queue_count != 0)) {
            c->room_wanted = c->queue_count != 0;
            __atomic_store_n(&c->rings->room_wanted.value, c->room_wanted, __ATOMIC_RELAXED);
        }
        if (!c->queue_count) {
            break;
        }
        /* Full barrier: the mediator takes slots, then reads room_wanted;
         * we set it, then look at its index again (in wire_ring_put()). */
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (!wire_ring_put(&c->submit_ring, queue_slot(c, 0))) {
            break;
        }
        queue_pop(c);
    }
    if (c->submit_ring.next != first && wire_ring_publish(&c->submit_ring, first)) {
        ring_doorbell(c);
    }
}

bool wire_client_send_pending(const struct wire_client *c)
{
    return c->queue_count;
}

/*
 * Put a checked notice into the submission ring, or queue it behind those
 * already waiting (order is the protocol's): never waits.  Resets always
 * find room; PPGTT notices wait up to WIRE_CLIENT_PPGTT_QUEUE_MAX of them
 * (i915 creates and destroys PPGTTs by the thousand, and one lost leaves
 * the mediator without a PPGTT the guest uses); the others, SUBMITs, up to
 * WIRE_CLIENT_QUEUE_MAX.
 */
static int send_or_queue(struct wire_client *c, void *msg)
{
    struct wire_msg_header *hdr = msg;
    bool reset = hdr->type == WIRE_MSG_RESET_ENGINES;
    bool ppgtt = hdr->type == WIRE_MSG_PPGTT_NOTIFY;

    hdr->seq = ++c->next_seq;
    queue_flush(c);
    if (!c->queue_count) {
        uint32_t first = c->submit_ring.next;

        if (wire_ring_put(&c->submit_ring, msg)) {
            if (wire_ring_publish(&c->submit_ring, first)) {
                ring_doorbell(c);
            }
            return 0;
        }
    }
    if (ppgtt ? c->queued_ppgtt >= WIRE_CLIENT_PPGTT_QUEUE_MAX
              : !reset && c->queue_count - c->queued_resets - c->queued_ppgtt >=
                          WIRE_CLIENT_QUEUE_MAX) {
        unsigned bound = ppgtt ? WIRE_CLIENT_PPGTT_QUEUE_MAX : WIRE_CLIENT_QUEUE_MAX;

        c->stats.queue_full++;
        return fail(c, ENOBUFS, "%u %s wait for the mediator: %s not sent", bound,
                    ppgtt ? "PPGTT notices" : "messages", wire_msg_name(hdr->type));
    }
    if (c->queue_count == c->queue_slots && !queue_grow(c)) {
        return fail(c, ENOBUFS, "no memory to queue %s", wire_msg_name(hdr->type));
    }
    memcpy(queue_slot(c, c->queue_count++), msg, hdr->size);
    c->queued_resets += reset;
    c->queued_ppgtt += ppgtt;
    queue_flush(c);     /* asks for room (or finds it taken meanwhile) */
    c->stats.queued++;
    if (c->queue_count > c->stats.queue_peak) {
        c->stats.queue_peak = c->queue_count;
    }
    return 0;
}

/*
 * The engines of @mask are being reset: their queued SUBMITs will never
 * run (the mediator would drop them), and an earlier queued reset of an
 * engine is superseded by this one.
 */
static void drop_superseded(struct wire_client *c, uint32_t mask)
{
    unsigned kept = 0;

    for (unsigned i = 0; i < c->queue_count; i++) {
        union notice m = *queue_slot(c, i);

        if (m.hdr.type == WIRE_MSG_SUBMIT && (mask & 1u << m.submit.engine)) {
            c->stats.submits_superseded++;
            continue;
        }
        if (m.hdr.type == WIRE_MSG_RESET_ENGINES) {
            m.reset_engines.engine_mask &= ~mask;
            if (!m.reset_engines.engine_mask) {
                c->queued_resets--;
                continue;
            }
        }
        *queue_slot(c, kept++) = m;
    }
    c->queue_count = kept;
}

int wire_client_ppgtt_notify(struct wire_client *c, enum wire_ppgtt_op op, uint64_t root_gpa)
{
    struct wire_msg_ppgtt_notify m;

    wire_msg_init(&m, WIRE_MSG_PPGTT_NOTIFY, 0);
    m.op = op;
    m.root_gpa = root_gpa;
    return notice_check(c, &m) ? -1 : send_or_queue(c, &m);
}

void wire_client_watch_tables(struct wire_client *c, wire_client_pages_written_fn *written,
                              void *opaque)
{
    c->tables_written = written;
    c->tables_opaque = opaque;
}

/*
 * Before a SUBMIT: the listed pages' writes since the last look, told to
 * the mediator by the count (release, so it is seen with the SUBMIT), and
 * the list's sequence checked in full.  A list read while the mediator
 * was writing it (its sequence odd or moved) is not acknowledged and
 * counts as written: the pages looked at may not be the listed ones.
 */
static void check_tables(struct wire_client *c)
{
    uint32_t seq, count;
    bool written;

    if (!c->tables_written || !c->rings ||
        !(seq = __atomic_load_n(&c->rings->table_seq.value, __ATOMIC_ACQUIRE))) {
        return;
    }
    count = __atomic_load_n(&c->rings->table_count, __ATOMIC_RELAXED);
    count = count < WIRE_TABLE_WATCH_MAX ? count : WIRE_TABLE_WATCH_MAX;
    for (unsigned i = 0; i < count; i++) {
        c->table_gpa[i] = __atomic_load_n(&c->rings->table_gpa[i], __ATOMIC_RELAXED);
    }
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    written = c->tables_written(c->tables_opaque, c->table_gpa, count);
    if (seq & 1 || __atomic_load_n(&c->rings->table_seq.value, __ATOMIC_RELAXED) != seq) {
        written = true;
        seq = 0;
    }
    if (written) {
        __atomic_store_n(&c->rings->table_writes.value, ++c->table_writes, __ATOMIC_RELEASE);
    }
    if (seq) {
        __atomic_store_n(&c->rings->table_checked.value, seq, __ATOMIC_RELEASE);
    }
}

int wire_client_submit(struct wire_client *c, enum gen9_engine engine, uint64_t desc0,
                       uint32_t tail0, uint64_t desc1, uint32_t tail1)
{
    struct wire_msg_submit m;

    wire_msg_init(&m, WIRE_MSG_SUBMIT, 0);
    m.engine = engine;
    m.desc[0] = desc0;
    m.desc[1] = desc1;
    m.tail[0] = tail0;
    m.tail[1] = desc1 ? tail1 : 0;
    if (notice_check(c, &m)) {
        return -1;
    }
    m.generation = c->generation[engine];
    check_tables(c);
    return send_or_queue(c, &m);
}

int wire_client_reset_engines(struct wire_client *c, uint32_t engine_mask)
{
    struct wire_msg_reset_engines m;

    wire_msg_init(&m, WIRE_MSG_RESET_ENGINES, 0);
    m.engine_mask = engine_mask;
    /* 0 is every engine's generation before its first reset. */
    m.generation = c->last_generation + 1 ? c->last_generation + 1 : 1;
    if (notice_check(c, &m)) {
        return -1;
    }
    c->last_generation = m.generation;
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        if (engine_mask & 1u << e) {
            c->generation[e] = m.generation;
        }
    }
    drop_superseded(c, engine_mask);
    return send_or_queue(c, &m);
}

int wire_client_fd(const struct wire_client *c)
{
    return c->fd;
}

/* Deliver every completion in the ring, then ask for a doorbell for the
 * next one; 0, or -1 when the mediator broke the protocol. */
static int take_completions(struct wire_client *c)
{
    union wire_msg m;
    const char *why = "";
    int got;

    do {
        while ((got = wire_ring_get(&c->complete_ring, WIRE_PEER_CLIENT, &m, &why)) > 0) {
            deliver_completion(c, &m.complete);
        }
        if (got < 0) {
            return fail_connection(c, EPROTO, why);
        }
        wire_ring_release(&c->complete_ring);
    } while (wire_ring_arm(&c->complete_ring));
    return 0;
}

int wire_client_dispatch(struct wire_client *c)
{
    union wire_msg m;
    int fds[WIRE_MSG_MAX_FDS];
    unsigned fd_count;
    int got;

    if (check_usable(c)) {
        return -1;
    }
    /* DOORBELLs: the mediator put completions or took submissions. */
    while ((got = receive_one(c, &m, fds, &fd_count)) > 0) {
        if (m.hdr.type != WIRE_MSG_DOORBELL || !c->rings) {
            for (unsigned i = 0; i < fd_count; i++) {
                close(fds[i]);
            }
            return fail_connection(c, EPROTO, "a reply nobody asked for");
        }
    }
    if (got < 0) {
        return -1;
    }
    return wire_client_take_completions(c);
}

int wire_client_take_completions(struct wire_client *c)
{
    if (check_usable(c)) {
        return -1;
    }
    if (!c->rings) {
        return 0;
    }
    if (take_completions(c)) {
        return -1;
    }
    queue_flush(c);
    return 0;
}

const struct wire_client_stats *wire_client_stats(const struct wire_client *c)
{
    return &c->stats;
}

const char *wire_client_error(const struct wire_client *c)
{
    return c->error;
}
