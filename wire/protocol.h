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

#define MED_PROTOCOL_VERSION    6
#define MED_DEFAULT_SOCKET      "/run/gpumed/gpumed.sock"
/* PATH.control, next to the VM socket PATH, is the control socket (control.h). */
#define MED_CTL_SUFFIX          ".control"

#define MED_VM_NAME_LEN         64      /* HELLO.vm_name, NUL included */
#define MED_TYPE_NAME_LEN       32      /* CREATE_VGPU.type, NUL included */
#define MED_VGPU_NAME_LEN       64      /* a reserved vGPU's name, NUL included */
#define MED_DETAIL_LEN          256     /* CREATE_REPLY.detail, NUL included */
#define MED_MSG_MAX_FDS         2       /* no message carries more */

#define MED_PAGE_SIZE           4096u
#define MED_GPA_LIMIT           (1ull << 40)    /* guest-physical addresses below this */
#define MED_GGTT_ENTRIES        (1u << 20)      /* 4 GiB of 4 KiB pages */
#define MED_GGTT_SPACE          (4ull << 30)
#define MED_FENCE_COUNT         32              /* Gen9 fence registers */
/* Xen domain ids a device model can serve: not dom0, below DOMID_FIRST_RESERVED. */
#define MED_XEN_DOMID_FIRST     1u
#define MED_XEN_DOMID_END       0x7ff0u

/*
 * The shared GGTT table (CREATE_REPLY's fd): the guest's PTEs for the whole
 * GGTT, then one dirty bit per PTE (bit i % 64 of u64 word i / 64).
 */
#define MED_GGTT_TABLE_PTES_SIZE    ((size_t)MED_GGTT_ENTRIES * 8)
#define MED_GGTT_TABLE_DIRTY_SIZE   ((size_t)MED_GGTT_ENTRIES / 8)
#define MED_GGTT_TABLE_SIZE         (MED_GGTT_TABLE_PTES_SIZE + MED_GGTT_TABLE_DIRTY_SIZE)

/*
 * The shared rings, after the GGTT table in the same memory: the
 * submission ring carries PPGTT_NOTIFY, SUBMIT and RESET_ENGINES from the
 * client, the completion ring COMPLETE from the mediator, each message in
 * a slot exactly as it would be on the socket.  The receiver copies a slot
 * out and runs med_msg_valid() on the copy (med_ring_get()).  Indices are
 * free-running u32 counts of slots; each side keeps its own index in its
 * own memory and only ever reads the other's.  A doorbell is rung only
 * when the receiver asked for one (its event index: virtio's event
 * suppression): the client writes the eventfd CREATE_REPLY passed, the
 * mediator sends DOORBELL on the socket (docs/protocol.md, "The rings").
 */
#define MED_RING_SLOT_SIZE          64u
#define MED_SUBMIT_RING_SLOTS       256u
#define MED_COMPLETE_RING_SLOTS     4096u

/* One index or flag per cache line: each is written by one side only. */
struct med_ring_word {
    uint32_t value;
    uint32_t pad[15];
};

struct med_rings {
    /* written by the client */
    struct med_ring_word submit_produced;
    struct med_ring_word complete_consumed;
    struct med_ring_word complete_event;    /* DOORBELL when this completion is produced */
    struct med_ring_word room_wanted;       /* non-zero: DOORBELL when submissions are taken */
    /* written by the mediator */
    struct med_ring_word submit_consumed;
    struct med_ring_word submit_event;      /* the eventfd when this submission is produced */
    struct med_ring_word complete_produced;
    uint8_t reserved[MED_PAGE_SIZE - 7 * sizeof(struct med_ring_word)];
    uint8_t submit[MED_SUBMIT_RING_SLOTS][MED_RING_SLOT_SIZE];
    uint8_t complete[MED_COMPLETE_RING_SLOTS][MED_RING_SLOT_SIZE];
};

#define MED_SHARED_RINGS_OFFSET     MED_GGTT_TABLE_SIZE
#define MED_SHARED_SIZE             (MED_GGTT_TABLE_SIZE + sizeof(struct med_rings))

enum med_msg_type {
    MED_MSG_HELLO = 1,
    MED_MSG_HELLO_REPLY,
    MED_MSG_ADD_MEMORY,
    MED_MSG_CREATE_VGPU,
    MED_MSG_CREATE_REPLY,
    MED_MSG_PPGTT_NOTIFY,
    MED_MSG_SUBMIT,
    MED_MSG_COMPLETE,
    MED_MSG_RESET_ENGINES,
    MED_MSG_STATUS,
    MED_MSG_ADD_MEMORY_XEN,
    MED_MSG_DOORBELL,
    MED_MSG_TYPE_END            /* one past the last type */
};

/* Who receives a message. */
enum med_peer {
    MED_PEER_MEDIATOR,          /* sent by the client (QEMU) */
    MED_PEER_CLIENT,            /* sent by the mediator */
};

/* Engines are numbered as gen9/engine.h numbers them. */
#define MED_ENGINE_MASK_ALL     ((1u << GEN9_NUM_ENGINES) - 1)

enum med_ppgtt_op { MED_PPGTT_CREATE = 1, MED_PPGTT_DESTROY = 2 };

enum med_complete_event {
    MED_EVENT_DONE = 1,         /* the element completed */
    MED_EVENT_PREEMPTED = 2,
    MED_EVENT_REJECTED = 3,     /* hang, or refused by the mediator */
};

/* COMPLETE.flags */
#define MED_COMPLETE_USER_INTERRUPT 1u  /* the work ran an MI_USER_INTERRUPT */
#define MED_COMPLETE_FLAGS_ALL      MED_COMPLETE_USER_INTERRUPT

/* Layouts: little-endian, naturally aligned, explicit reserved fields (zero). */
struct med_msg_header {
    uint32_t type;              /* enum med_msg_type */
    uint32_t size;              /* whole message, header included */
    uint64_t seq;               /* chosen by a request's sender, copied into its reply */
};

struct med_msg_hello {
    struct med_msg_header hdr;
    uint32_t version;           /* MED_PROTOCOL_VERSION */
    char vm_name[MED_VM_NAME_LEN];  /* printable ASCII, NUL-terminated, not empty */
    uint32_t reserved;
};

struct med_msg_hello_reply {
    struct med_msg_header hdr;
    int32_t status;             /* 0 or -EPROTONOSUPPORT */
    uint32_t version;           /* the mediator's */
};

struct med_msg_add_memory {
    struct med_msg_header hdr;
    uint64_t gpa;               /* guest-physical start, page aligned */
    uint64_t size;              /* bytes, page aligned, > 0, gpa + size <= MED_GPA_LIMIT */
    uint64_t fd_offset;         /* where gpa lies in the memfd, page aligned */
};

/* ADD_MEMORY for a Xen HVM guest: RAM is the domain's, mapped by domain id. */
struct med_msg_add_memory_xen {
    struct med_msg_header hdr;
    uint32_t domid;             /* MED_XEN_DOMID_FIRST .. MED_XEN_DOMID_END - 1 */
    uint32_t reserved;
    uint64_t gpa;               /* as ADD_MEMORY: page aligned, size > 0, below the limit */
    uint64_t size;
};

/* At most one of the two: a new vGPU of a type (none: the mediator's
 * default type), or the reserved vGPU of that name (gpumedctl create)
 * attached to this VM. */
struct med_msg_create_vgpu {
    struct med_msg_header hdr;
    char type[MED_TYPE_NAME_LEN];   /* a vGPU type name, printable, NUL-terminated */
    char vgpu_name[MED_VGPU_NAME_LEN];  /* med_vgpu_name_valid() */
};

struct med_msg_create_reply {
    struct med_msg_header hdr;
    int32_t status;             /* 0, -ENOENT (unknown type), -ENOSPC, -ENOMEM, ... */
    uint32_t vgpu_id;           /* the mediator's name for the vGPU in its log */
    uint64_t aperture_base;     /* host-view GGTT addresses of the partition */
    uint64_t aperture_size;
    uint64_t hidden_base;
    uint64_t hidden_size;
    uint32_t fence_base;
    uint32_t fence_count;
    uint64_t host_aperture_size;    /* the physical aperture: the vGPU's BAR2 size */
    char type[MED_TYPE_NAME_LEN];   /* on success, the vGPU's type */
    uint32_t monitor_width;     /* on success, its virtual monitor's native mode */
    uint32_t monitor_height;
    char detail[MED_DETAIL_LEN];    /* on failure, why (printable, NUL-terminated) */
};

struct med_msg_ppgtt_notify {
    struct med_msg_header hdr;
    uint32_t op;                /* enum med_ppgtt_op */
    uint32_t reserved;
    uint64_t root_gpa;          /* PML4 page, page aligned, < MED_GPA_LIMIT */
};

/*
 * Reset generations: every engine starts in generation 0; RESET_ENGINES
 * moves the engines it names to its (non-zero) generation.  A SUBMIT
 * carries its engine's generation as the client last reset it, and a
 * COMPLETE the generation of the work it answers, so that the client,
 * which does not wait for a reset to be done, recognises completions of
 * work from before the reset and drops them.
 */
struct med_msg_submit {
    struct med_msg_header hdr;
    uint32_t engine;            /* enum gen9_engine */
    uint32_t generation;        /* the engine's reset generation */
    uint64_t desc[2];           /* ELSP elements; desc[1] may be 0 */
};

struct med_msg_complete {
    struct med_msg_header hdr;
    uint32_t engine;
    uint32_t event;             /* enum med_complete_event */
    uint64_t desc;
    uint32_t ring_head;
    uint32_t generation;        /* the reset generation of the element's SUBMIT */
    uint32_t flags;             /* MED_COMPLETE_*: only with MED_EVENT_DONE */
    uint32_t reserved;
};

struct med_msg_reset_engines {
    struct med_msg_header hdr;
    uint32_t engine_mask;       /* non-zero, within MED_ENGINE_MASK_ALL */
    uint32_t generation;        /* non-zero: the engines' generation from now on */
};

struct med_msg_status {
    struct med_msg_header hdr;
    int32_t status;             /* 0 or a negative errno */
    uint32_t reserved;
};

/* The mediator put completions in the ring, or took submissions from a
 * ring the client waits for room in: a header only. */
struct med_msg_doorbell {
    struct med_msg_header hdr;
};

/* Any message; big and aligned enough to receive any of them into. */
union med_msg {
    struct med_msg_header hdr;
    struct med_msg_hello hello;
    struct med_msg_hello_reply hello_reply;
    struct med_msg_add_memory add_memory;
    struct med_msg_add_memory_xen add_memory_xen;
    struct med_msg_create_vgpu create_vgpu;
    struct med_msg_create_reply create_reply;
    struct med_msg_ppgtt_notify ppgtt_notify;
    struct med_msg_submit submit;
    struct med_msg_complete complete;
    struct med_msg_reset_engines reset_engines;
    struct med_msg_status status;
    struct med_msg_doorbell doorbell;
};

/* One row of the message table. */
struct med_msg_info {
    const char *name;           /* as in docs/protocol.md */
    enum med_peer receiver;
    uint32_t size;              /* exact size of the message */
    uint8_t fd_count;           /* descriptors it carries */
    bool fd_only_on_success;    /* ... only when its status is 0 */
    enum med_msg_type reply;    /* 0 when there is no reply */
    bool ring;                  /* goes through a shared ring, never the socket */
};

/* The table row of @type, or NULL for a type that does not exist. */
const struct med_msg_info *med_msg_info(uint32_t type);

/* A printable name for any type number (for log lines). */
const char *med_msg_name(uint32_t type);

/*
 * THE validation of a received message, used by both sides before anything
 * else looks at it: @len bytes received with @fd_count descriptors by
 * @receiver.  Checks the header against the table (known type, right
 * direction, exact size, descriptor count) and every field a receiver could
 * be hurt by (strings, reserved fields, ranges, alignment).  State-dependent
 * checks (message order, overlapping memory) are the receiver's.  On false,
 * *why (if @why is not NULL) says what is wrong, as a static string.
 */
bool med_msg_valid(const void *msg, size_t len, unsigned fd_count,
                   enum med_peer receiver, const char **why);

/* Fill in a message's header from the table: size from @type. */
void med_msg_init(void *msg, enum med_msg_type type, uint64_t seq);

/*
 * Send one message (its header's size bytes) with @fd_count descriptors
 * (<= MED_MSG_MAX_FDS).  Blocks if the socket does; retries EINTR.  The
 * descriptors stay open (they are the caller's).  On failure errno is the
 * sendmsg() error (EPIPE when the peer is gone; SIGPIPE is never raised).
 */
int med_msg_send(int sock, const void *msg, const int *fds, unsigned fd_count);

/*
 * Receive and validate one message for @receiver into @msg; @fds (room for
 * MED_MSG_MAX_FDS) receives its descriptors, close-on-exec, and *fd_count
 * their number.  A descriptor the message did not call for is never left
 * open: on any failure every received descriptor is closed.
 * Returns the message size, 0 on end of file, or -1 with errno:
 *   EAGAIN/EWOULDBLOCK  nothing to read on a non-blocking socket;
 *   EMSGSIZE   the message or its descriptors were truncated (too big);
 *   EPROTO     the message is invalid (*why says why, as with med_msg_valid);
 *   others     from recvmsg() (ECONNRESET: the peer went away).
 * *why is set on every failure that has a reason to log.
 */
ssize_t med_msg_receive(int sock, enum med_peer receiver, union med_msg *msg,
                        int fds[MED_MSG_MAX_FDS], unsigned *fd_count,
                        const char **why);

/*
 * One side's end of one ring: the slots and indices in the shared memory,
 * and this side's own index (the producer's next slot to fill, the
 * consumer's next to take), which is never read back from shared memory.
 */
struct med_ring {
    uint8_t (*slots)[MED_RING_SLOT_SIZE];
    uint32_t slot_count;        /* a power of two */
    uint32_t *produced, *consumed, *event;  /* in the shared memory */
    uint32_t next;
};

/* This side's end of the submission or the completion ring of @rings. */
void med_ring_init_submit(struct med_ring *ring, struct med_rings *rings);
void med_ring_init_complete(struct med_ring *ring, struct med_rings *rings);

/* Producer: put @msg (a message of a ring type) into the next slot, not yet
 * visible; false when the ring is full (or the consumer's index is not
 * one it can hold: as full). */
bool med_ring_put(struct med_ring *ring, const void *msg);
/* Producer: make what was put visible; true when the consumer asked for a
 * doorbell for one of the slots from @first (the value of ring->next
 * before the puts) on. */
bool med_ring_publish(struct med_ring *ring, uint32_t first);

/*
 * Consumer: take the next message into @msg (copied out of the slot, then
 * validated with med_msg_valid() for @receiver, and of a ring type).
 * Returns 1 with a message, 0 when the ring is empty, -1 when the producer
 * broke the protocol (*why says how: a bad index or message).
 */
int med_ring_get(struct med_ring *ring, enum med_peer receiver, union med_msg *msg,
                 const char **why);
/* Consumer: hand the slots taken back to the producer. */
void med_ring_release(struct med_ring *ring);
/* Consumer, before it sleeps: ask for a doorbell for the next message;
 * true if one arrived meanwhile (take it instead of sleeping). */
bool med_ring_arm(struct med_ring *ring);

/* A blocking SOCK_SEQPACKET connection to the UNIX socket @path, or -1
 * with errno (EINVAL: the path does not fit a socket address). */
int med_socket_connect(const char *path);

/* Does @s, an array of @n bytes, hold a printable NUL-terminated string? */
bool med_string_valid(const char *s, size_t n, bool may_be_empty);
/* Does @s, an array of @n bytes, hold a reserved vGPU's name: 1 or more of
 * [A-Za-z0-9._-], NUL-terminated (or, if @may_be_empty, nothing)? */
bool med_vgpu_name_valid(const char *s, size_t n, bool may_be_empty);

#endif /* GPUMED_MEDIATOR_PROTOCOL_H */
