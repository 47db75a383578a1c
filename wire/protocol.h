/*
 * protocol.h - the vgpu-pci <-> gpumed wire protocol (docs/protocol.md): the
 * message layouts, the message table, the one validation function both
 * sides run on every message they receive, and the socket helpers.
 *
 * Compiled into QEMU as well as the mediator: no GLib, no logging.  Every
 * function is thread-compatible (no shared state).  Functions returning int
 * return 0 (or a count) on success and -1 with errno set on failure.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_MEDIATOR_PROTOCOL_H
#define GPUMED_MEDIATOR_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "gen9/engine.h"

#define WIRE_PROTOCOL_VERSION   7
#define WIRE_DEFAULT_SOCKET     "/run/gpumed/gpumed.sock"
/* PATH.control, next to the VM socket PATH, is the control socket (control.h). */
#define WIRE_CTL_SUFFIX         ".control"

#define WIRE_VM_NAME_LEN        64      /* HELLO.vm_name, NUL included */
#define WIRE_TYPE_NAME_LEN      32      /* CREATE_VGPU.type, NUL included */
#define WIRE_VGPU_NAME_LEN      64      /* a reserved vGPU's name, NUL included */
#define WIRE_DETAIL_LEN         256     /* CREATE_REPLY.detail, NUL included */
#define WIRE_MSG_MAX_FDS        2       /* no message carries more */

#define WIRE_PAGE_SIZE          4096u
#define WIRE_GPA_LIMIT          (1ull << 40)    /* guest-physical addresses below this */
#define WIRE_GGTT_ENTRIES       (1u << 20)      /* 4 GiB of 4 KiB pages */
#define WIRE_GGTT_SPACE         (4ull << 30)
#define WIRE_FENCE_COUNT        32              /* Gen9 fence registers */
/* Xen domain ids a device model can serve: not dom0, below DOMID_FIRST_RESERVED. */
#define WIRE_XEN_DOMID_FIRST    1u
#define WIRE_XEN_DOMID_END      0x7ff0u

/*
 * The shared GGTT table (CREATE_REPLY's fd): the guest's PTEs for the whole
 * GGTT, then one dirty bit per PTE (bit i % 64 of u64 word i / 64).
 */
#define WIRE_GGTT_TABLE_PTES_SIZE   ((size_t)WIRE_GGTT_ENTRIES * 8)
#define WIRE_GGTT_TABLE_DIRTY_SIZE  ((size_t)WIRE_GGTT_ENTRIES / 8)
#define WIRE_GGTT_TABLE_SIZE        (WIRE_GGTT_TABLE_PTES_SIZE + WIRE_GGTT_TABLE_DIRTY_SIZE)

/*
 * The shared rings, after the GGTT table in the same memory: the
 * submission ring carries PPGTT_NOTIFY, SUBMIT and RESET_ENGINES from the
 * client, the completion ring COMPLETE from the mediator, each message in
 * a slot exactly as it would be on the socket.  The receiver copies a slot
 * out and runs wire_msg_valid() on the copy (wire_ring_get()). Indices are
 * free-running u32 counts of slots; each side keeps its own index in its
 * own memory and only ever reads the other's.  A doorbell is rung only
 * when the receiver asked for one (its event index: virtio's event
 * suppression): the client writes the eventfd CREATE_REPLY passed, the
 * mediator sends DOORBELL on the socket (docs/protocol.md, "The rings").
 */
#define WIRE_RING_SLOT_SIZE         64u
#define WIRE_SUBMIT_RING_SLOTS      256u
#define WIRE_COMPLETE_RING_SLOTS    4096u

/* Guest page-table pages the client watches for the mediator at most. */
#define WIRE_TABLE_WATCH_MAX        384u

/* One index or flag per cache line: each is written by one side only. */
struct wire_ring_word {
    uint32_t value;
    uint32_t pad[15];
};

struct wire_rings {
    /* written by the client */
    struct wire_ring_word submit_produced;
    struct wire_ring_word complete_consumed;
    struct wire_ring_word complete_event;   /* DOORBELL when this completion is produced */
    struct wire_ring_word room_wanted;      /* non-zero: DOORBELL when submissions are taken */
    /* written by the mediator */
    struct wire_ring_word submit_consumed;
    struct wire_ring_word submit_event;     /* the eventfd when this submission is produced */
    struct wire_ring_word complete_produced;
    /* written by the client: GGTT entries marked dirty, mod 2^32, counted
     * after each entry's bit is set (0: a client that does not count) */
    struct wire_ring_word ggtt_writes;
    /* The watched tables (docs/protocol.md, "Watched tables").  Written by
     * the client: writes to listed pages its dirty log found, mod 2^32,
     * and the list's sequence it last checked in full (0: none). */
    struct wire_ring_word table_writes;
    struct wire_ring_word table_checked;
    /* written by the mediator: the list's sequence (odd while it is
     * written, 0: no list yet), then the list of guest page addresses */
    struct wire_ring_word table_seq;
    uint32_t table_count;
    uint32_t table_pad;
    uint64_t table_gpa[WIRE_TABLE_WATCH_MAX];
    uint8_t reserved[WIRE_PAGE_SIZE - 11 * sizeof(struct wire_ring_word) - 8 -
                     8 * WIRE_TABLE_WATCH_MAX];
    uint8_t submit[WIRE_SUBMIT_RING_SLOTS][WIRE_RING_SLOT_SIZE];
    uint8_t complete[WIRE_COMPLETE_RING_SLOTS][WIRE_RING_SLOT_SIZE];
};

#define WIRE_SHARED_RINGS_OFFSET    WIRE_GGTT_TABLE_SIZE
#define WIRE_SHARED_SIZE            (WIRE_GGTT_TABLE_SIZE + sizeof(struct wire_rings))

enum wire_msg_type {
    WIRE_MSG_HELLO = 1,
    WIRE_MSG_HELLO_REPLY,
    WIRE_MSG_ADD_MEMORY,
    WIRE_MSG_CREATE_VGPU,
    WIRE_MSG_CREATE_REPLY,
    WIRE_MSG_PPGTT_NOTIFY,
    WIRE_MSG_SUBMIT,
    WIRE_MSG_COMPLETE,
    WIRE_MSG_RESET_ENGINES,
    WIRE_MSG_STATUS,
    WIRE_MSG_ADD_MEMORY_XEN,
    WIRE_MSG_DOORBELL,
    WIRE_MSG_TYPE_END           /* one past the last type */
};

/* Who receives a message. */
enum wire_peer {
    WIRE_PEER_MEDIATOR,         /* sent by the client (QEMU) */
    WIRE_PEER_CLIENT,           /* sent by the mediator */
};

/* Engines are numbered as gen9/engine.h numbers them. */
#define WIRE_ENGINE_MASK_ALL    ((1u << GEN9_NUM_ENGINES) - 1)

enum wire_ppgtt_op { WIRE_PPGTT_CREATE = 1, WIRE_PPGTT_DESTROY = 2 };

enum wire_complete_event {
    WIRE_EVENT_DONE = 1,        /* the element completed */
    WIRE_EVENT_PREEMPTED = 2,
    WIRE_EVENT_REJECTED = 3,    /* hang, or refused by the mediator */
};

/* COMPLETE.flags */
#define WIRE_COMPLETE_USER_INTERRUPT 1u  /* the work ran an MI_USER_INTERRUPT */
#define WIRE_COMPLETE_FLAGS_ALL     WIRE_COMPLETE_USER_INTERRUPT

/* Layouts: little-endian, naturally aligned, explicit reserved fields (zero). */
struct wire_msg_header {
    uint32_t type;              /* enum wire_msg_type */
    uint32_t size;              /* whole message, header included */
    uint64_t seq;               /* chosen by a request's sender, copied into its reply */
};

struct wire_msg_hello {
    struct wire_msg_header hdr;
    uint32_t version;           /* WIRE_PROTOCOL_VERSION */
    char vm_name[WIRE_VM_NAME_LEN];  /* printable ASCII, NUL-terminated, not empty */
    uint32_t reserved;
};

struct wire_msg_hello_reply {
    struct wire_msg_header hdr;
    int32_t status;             /* 0 or -EPROTONOSUPPORT */
    uint32_t version;           /* the mediator's */
};

struct wire_msg_add_memory {
    struct wire_msg_header hdr;
    uint64_t gpa;               /* guest-physical start, page aligned */
    uint64_t size;              /* bytes, page aligned, > 0, gpa + size <= WIRE_GPA_LIMIT */
    uint64_t fd_offset;         /* where gpa lies in the memfd, page aligned */
};

/* ADD_MEMORY for a Xen HVM guest: RAM is the domain's, mapped by domain id. */
struct wire_msg_add_memory_xen {
    struct wire_msg_header hdr;
    uint32_t domid;             /* WIRE_XEN_DOMID_FIRST .. WIRE_XEN_DOMID_END - 1 */
    uint32_t reserved;
    uint64_t gpa;               /* as ADD_MEMORY: page aligned, size > 0, below the limit */
    uint64_t size;
};

/* At most one of the two: a new vGPU of a type (none: the mediator's
 * default type), or the reserved vGPU of that name (gpumedctl create)
 * attached to this VM. */
struct wire_msg_create_vgpu {
    struct wire_msg_header hdr;
    char type[WIRE_TYPE_NAME_LEN];  /* a vGPU type name, printable, NUL-terminated */
    char vgpu_name[WIRE_VGPU_NAME_LEN];  /* wire_vgpu_name_valid() */
};

struct wire_msg_create_reply {
    struct wire_msg_header hdr;
    int32_t status;             /* 0, -ENOENT (unknown type), -ENOSPC, -ENOMEM, ... */
    uint32_t vgpu_id;           /* the mediator's name for the vGPU in its log */
    uint64_t aperture_base;     /* host-view GGTT addresses of the partition */
    uint64_t aperture_size;
    uint64_t hidden_base;
    uint64_t hidden_size;
    uint32_t fence_base;
    uint32_t fence_count;
    uint64_t host_aperture_size;    /* the physical aperture: the vGPU's BAR2 size */
    char type[WIRE_TYPE_NAME_LEN];  /* on success, the vGPU's type */
    uint32_t monitor_width;     /* on success, its virtual monitor's native mode */
    uint32_t monitor_height;
    char detail[WIRE_DETAIL_LEN];   /* on failure, why (printable, NUL-terminated) */
};

struct wire_msg_ppgtt_notify {
    struct wire_msg_header hdr;
    uint32_t op;                /* enum wire_ppgtt_op */
    uint32_t reserved;
    uint64_t root_gpa;          /* PML4 page, page aligned, < WIRE_GPA_LIMIT */
};

/*
 * Reset generations: every engine starts in generation 0; RESET_ENGINES
 * moves the engines it names to its (non-zero) generation.  A SUBMIT
 * carries its engine's generation as the client last reset it, and a
 * COMPLETE the generation of the work it answers, so that the client,
 * which does not wait for a reset to be done, recognises completions of
 * work from before the reset and drops them.
 */
/*
 * A SUBMIT carries each element's RING_TAIL as the context image held it
 * at the ELSP write, as the engine samples it there (WIRE_NO_TAIL: the
 * image was not mapped guest RAM then): the tail the client read before it
 * looked at the watched tables (docs/protocol.md), so that every request
 * up to it was written before that look.
 */
#define WIRE_NO_TAIL            UINT32_MAX

struct wire_msg_submit {
    struct wire_msg_header hdr;
    uint32_t engine;            /* enum gen9_engine */
    uint32_t generation;        /* the engine's reset generation */
    uint64_t desc[2];           /* ELSP elements; desc[1] may be 0 */
    uint32_t tail[2];           /* each element's RING_TAIL, or WIRE_NO_TAIL */
};

struct wire_msg_complete {
    struct wire_msg_header hdr;
    uint32_t engine;
    uint32_t event;             /* enum wire_complete_event */
    uint64_t desc;
    uint32_t ring_head;
    uint32_t generation;        /* the reset generation of the element's SUBMIT */
    uint32_t flags;             /* WIRE_COMPLETE_*: only with WIRE_EVENT_DONE */
    uint32_t engine_error;      /* the GPU's RING_EIR when it stopped the element (a hang, a
                                   fault: WIRE_EVENT_REJECTED), else 0 */
};

struct wire_msg_reset_engines {
    struct wire_msg_header hdr;
    uint32_t engine_mask;       /* non-zero, within WIRE_ENGINE_MASK_ALL */
    uint32_t generation;        /* non-zero: the engines' generation from now on */
};

struct wire_msg_status {
    struct wire_msg_header hdr;
    int32_t status;             /* 0 or a negative errno */
    uint32_t reserved;
};

/* The mediator put completions in the ring, or took submissions from a
 * ring the client waits for room in: a header only. */
struct wire_msg_doorbell {
    struct wire_msg_header hdr;
};

/* Any message; big and aligned enough to receive any of them into. */
union wire_msg {
    struct wire_msg_header hdr;
    struct wire_msg_hello hello;
    struct wire_msg_hello_reply hello_reply;
    struct wire_msg_add_memory add_memory;
    struct wire_msg_add_memory_xen add_memory_xen;
    struct wire_msg_create_vgpu create_vgpu;
    struct wire_msg_create_reply create_reply;
    struct wire_msg_ppgtt_notify ppgtt_notify;
    struct wire_msg_submit submit;
    struct wire_msg_complete complete;
    struct wire_msg_reset_engines reset_engines;
    struct wire_msg_status status;
    struct wire_msg_doorbell doorbell;
};

/* One row of the message table. */
struct wire_msg_info {
    const char *name;           /* as in docs/protocol.md */
    enum wire_peer receiver;
    uint32_t size;              /* exact size of the message */
    uint8_t fd_count;           /* descriptors it carries */
    bool fd_only_on_success;    /* ... only when its status is 0 */
    enum wire_msg_type reply;   /* 0 when there is no reply */
    bool ring;                  /* goes through a shared ring, never the socket */
};

/* The table row of @type, or NULL for a type that does not exist. */
const struct wire_msg_info *wire_msg_info(uint32_t type);

/* A printable name for any type number (for log lines). */
const char *wire_msg_name(uint32_t type);

/*
 * THE validation of a received message, used by both sides before anything
 * else looks at it: @len bytes received with @fd_count descriptors by
 * @receiver.  Checks the header against the table (known type, right
 * direction, exact size, descriptor count) and every field a receiver could
 * be hurt by (strings, reserved fields, ranges, alignment).  State-dependent
 * checks (message order, overlapping memory) are the receiver's.  On false,
 * *why (if @why is not NULL) says what is wrong, as a static string.
 */
bool wire_msg_valid(const void *msg, size_t len, unsigned fd_count,
                    enum wire_peer receiver, const char **why);

/* Fill in a message's header from the table: size from @type. */
void wire_msg_init(void *msg, enum wire_msg_type type, uint64_t seq);

/*
 * Send one message (its header's size bytes) with @fd_count descriptors
 * (<= WIRE_MSG_MAX_FDS).  Blocks if the socket does; retries EINTR.  The
 * descriptors stay open (they are the caller's).  On failure errno is the
 * sendmsg() error (EPIPE when the peer is gone; SIGPIPE is never raised).
 */
int wire_msg_send(int sock, const void *msg, const int *fds, unsigned fd_count);

/*
 * Receive and validate one message for @receiver into @msg; @fds (room for
 * WIRE_MSG_MAX_FDS) receives its descriptors, close-on-exec, and *fd_count
 * their number.  A descriptor the message did not call for is never left
 * open: on any failure every received descriptor is closed.
 * Returns the message size, 0 on end of file, or -1 with errno:
 *   EAGAIN/EWOULDBLOCK  nothing to read on a non-blocking socket;
 *   EMSGSIZE   the message or its descriptors were truncated (too big);
 *   EPROTO     the message is invalid (*why says why, as with wire_msg_valid);
 *   others     from recvmsg() (ECONNRESET: the peer went away).
 * *why is set on every failure that has a reason to log.
 */
ssize_t wire_msg_receive(int sock, enum wire_peer receiver, union wire_msg *msg,
                         int fds[WIRE_MSG_MAX_FDS], unsigned *fd_count,
                         const char **why);

/*
 * One side's end of one ring: the slots and indices in the shared memory,
 * and this side's own index (the producer's next slot to fill, the
 * consumer's next to take), which is never read back from shared memory.
 */
struct wire_ring {
    uint8_t (*slots)[WIRE_RING_SLOT_SIZE];
    uint32_t slot_count;        /* a power of two */
    uint32_t *produced, *consumed, *event;  /* in the shared memory */
    uint32_t next;
};

/* This side's end of the submission or the completion ring of @rings. */
void wire_ring_init_submit(struct wire_ring *ring, struct wire_rings *rings);
void wire_ring_init_complete(struct wire_ring *ring, struct wire_rings *rings);

/* Producer: put @msg (a message of a ring type) into the next slot, not yet
 * visible; false when the ring is full (or the consumer's index is not
 * one it can hold: as full). */
bool wire_ring_put(struct wire_ring *ring, const void *msg);
/* Producer: make what was put visible; true when the consumer asked for a
 * doorbell for one of the slots from @first (the value of ring->next
 * before the puts) on. */
bool wire_ring_publish(struct wire_ring *ring, uint32_t first);

/*
 * Consumer: take the next message into @msg (copied out of the slot, then
 * validated with wire_msg_valid() for @receiver, and of a ring type).
 * Returns 1 with a message, 0 when the ring is empty, -1 when the producer
 * broke the protocol (*why says how: a bad index or message).
 */
int wire_ring_get(struct wire_ring *ring, enum wire_peer receiver, union wire_msg *msg,
                  const char **why);
/* Consumer: hand the slots taken back to the producer. */
void wire_ring_release(struct wire_ring *ring);
/* Consumer, before it sleeps: ask for a doorbell for the next message;
 * true if one arrived meanwhile (take it instead of sleeping). */
bool wire_ring_arm(struct wire_ring *ring);

/* A blocking SOCK_SEQPACKET connection to the UNIX socket @path, or -1
 * with errno (EINVAL: the path does not fit a socket address). */
int wire_socket_connect(const char *path);

/* Does @s, an array of @n bytes, hold a printable NUL-terminated string? */
bool wire_string_valid(const char *s, size_t n, bool may_be_empty);
/* Does @s, an array of @n bytes, hold a reserved vGPU's name: 1 or more of
 * [A-Za-z0-9._-], NUL-terminated (or, if @may_be_empty, nothing)? */
bool wire_vgpu_name_valid(const char *s, size_t n, bool may_be_empty);

#endif /* GPUMED_MEDIATOR_PROTOCOL_H */
