/*
 * client.h - the vgpu-pci side of the gpumed protocol (docs/protocol.md):
 * one connection to the mediator per vGPU.
 *
 * Built into QEMU: no GLib, no QEMU headers, no logging (failures are
 * returned, explained by wire_client_error()).  One handle is used by one
 * thread at a time (QEMU's main loop under the BQL).
 *
 * Lifecycle: wire_client_connect() (HELLO) -> wire_client_add_memory() per
 * guest RAM range -> wire_client_create_vgpu() -> then any of
 * wire_client_ggtt_write(), wire_client_ppgtt_notify(), wire_client_submit(),
 * wire_client_reset_engines(), wire_client_dispatch() whenever
 * wire_client_fd() is readable -> wire_client_close().
 *
 * Blocking: only the set-up waits.  connect, add_memory and create_vgpu
 * wait for the mediator's reply, at most WIRE_CLIENT_TIMEOUT_MS each (QEMU
 * is still starting: a mediator that does not answer fails the device's
 * realize).  Once the vGPU exists nothing waits for the mediator:
 * notices go into the shared submission ring (an eventfd write tells the
 * mediator when it asked to be told), completions come out of the
 * completion ring, and the mediator's DOORBELL on the socket says when to
 * look (docs/protocol.md, "The rings").  A notice the ring has no room for
 * waits in a queue of at most WIRE_CLIENT_QUEUE_MAX SUBMITs,
 * WIRE_CLIENT_PPGTT_QUEUE_MAX PPGTT notices and one reset per engine, in
 * the order sent, which wire_client_dispatch() moves on when the mediator
 * has taken some; a slow mediator only delays, it is never declared lost.
 * Functions returning int return 0 on success and -1 with
 * errno set on failure.  After a transport failure (ECONNRESET, EPIPE,
 * EPROTO; ETIMEDOUT during the set-up) the handle is failed: every later
 * call fails with ENOTCONN and the caller should mark the device broken
 * (the mediator has freed the vGPU, or will when the handle is closed).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_MEDIATOR_CLIENT_H
#define GPUMED_MEDIATOR_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "wire/protocol.h"

#define WIRE_CLIENT_TIMEOUT_MS  10000   /* each set-up reply */
#define WIRE_CLIENT_QUEUE_MAX   256     /* messages waiting for room in the ring */
/* PPGTT notices waiting, beside those: a create and a destroy for each of
 * the 65536 live PPGTTs the mediator tracks (MED_PPGTT_SET_MAX). */
#define WIRE_CLIENT_PPGTT_QUEUE_MAX  (2u * 65536)

struct wire_client;

/* A COMPLETE message from the mediator. */
struct wire_completion {
    enum gen9_engine engine;
    enum wire_complete_event event;
    uint64_t desc;              /* the ELSP element it is about */
    uint32_t ring_head;
    bool user_interrupt;        /* the work ran an MI_USER_INTERRUPT */
    uint32_t engine_error;      /* the GPU's RING_EIR when it stopped the work, else 0 */
};

/*
 * Called for each completion, from wire_client_dispatch(): never for work
 * submitted before the last wire_client_reset_engines() of its engine.
 */
typedef void wire_client_complete_fn(void *opaque, const struct wire_completion *done);

/* The vGPU the mediator created (CREATE_REPLY). */
struct wire_client_vgpu {
    uint32_t id;                /* the mediator logs the vGPU as "vgpu <id> (<vm_name>)" */
    uint64_t aperture_base, aperture_size;  /* host-view GGTT addresses */
    uint64_t hidden_base, hidden_size;
    unsigned fence_base, fence_count;
    uint64_t host_aperture_size;    /* the vGPU's BAR2 size */
    char type[WIRE_TYPE_NAME_LEN];  /* its type (gpumedctl types) */
    unsigned monitor_width, monitor_height;     /* the type's monitor mode */
    uint64_t *ggtt;             /* the shared table's WIRE_GGTT_ENTRIES guest PTEs */
};

/*
 * Connect to the mediator at @socket_path (NULL: WIRE_DEFAULT_SOCKET) and
 * introduce the VM as @vm_name (printable ASCII, 1..63 characters).
 * @complete (with @opaque) receives completions; it is required.
 * Returns NULL with errno:
 *   EINVAL           bad vm_name or socket path, no callback;
 *   ENOENT, ECONNREFUSED, EACCES  no mediator listening there / no permission;
 *   EPROTONOSUPPORT  the mediator speaks another protocol version;
 *   EPROTO           what listens there answers HELLO with no HELLO_REPLY:
 *                    not a mediator's VM socket (e.g. its control socket);
 *   ETIMEDOUT, ECONNRESET  the mediator did not answer;
 *   ENOMEM.
 */
struct wire_client *wire_client_connect(const char *socket_path, const char *vm_name,
                                        wire_client_complete_fn *complete, void *opaque);

/* Close the connection (the mediator frees the vGPU) and unmap the shared
 * table; NULL is ignored. */
void wire_client_close(struct wire_client *client);

/*
 * Hand guest RAM [gpa, gpa + size) over: @fd is the memfd backing it (the
 * caller keeps its descriptor), @gpa at @fd_offset.  All page aligned,
 * size > 0, gpa + size <= WIRE_GPA_LIMIT, no overlap with earlier ranges, at
 * most 8 ranges; the memfd must be sealed against shrinking (QEMU's
 * memory-backend-memfd does so by default).  errno EINVAL (refused: see
 * wire_client_error()), ENOSPC (too many ranges), or a transport error.
 * Only before wire_client_create_vgpu().
 */
int wire_client_add_memory(struct wire_client *client, uint64_t gpa, uint64_t size,
                           int fd, uint64_t fd_offset);

/*
 * The same for a Xen HVM guest: guest RAM [gpa, gpa + size) of domain
 * @domid, which the mediator (in dom0) maps with libxenforeignmemory.  One
 * call per RAM range of the guest's memory map (holes such as the VGA
 * window left out); every range of one client names the same domain.
 * errno EINVAL (a domain id of dom0 or reserved, an unaligned range), the
 * mediator's refusal (Xen's errno for no such domain or not RAM; ENOENT: the
 * mediator is not in dom0; ENOSYS: built without Xen support; see
 * wire_client_error() and the mediator's log), or a transport error.
 */
int wire_client_add_memory_xen(struct wire_client *client, uint32_t domid, uint64_t gpa,
                               uint64_t size);

/*
 * Create the vGPU from the type named @type (gpumedctl types; NULL: the
 * mediator's default) and map the
 * shared GGTT table; fills *@vgpu.  errno ENOENT (unknown type), ENOSPC (a
 * resource of the physical GPU is exhausted: wire_client_error() says which
 * and by how much), EALREADY (already created), EINVAL (no guest RAM was
 * handed over yet), or a transport error.
 */
int wire_client_create_vgpu(struct wire_client *client, const char *type,
                            struct wire_client_vgpu *vgpu);
/*
 * As wire_client_create_vgpu(), with the vGPU reserved as @vgpu_name
 * (gpumedctl create) instead of a new one: errno ENOENT (no such vGPU),
 * EBUSY (another VM has it), or as above.
 */
int wire_client_attach_vgpu(struct wire_client *client, const char *vgpu_name,
                            struct wire_client_vgpu *vgpu);

/*
 * The guest wrote GGTT entry @index (< WIRE_GGTT_ENTRIES): store it in the
 * shared table and mark it dirty for the mediator.  A store and an atomic
 * OR; never fails (ignored before the vGPU exists or for a bad index).
 */
void wire_client_ggtt_write(struct wire_client *client, uint32_t index, uint64_t pte);

/*
 * Whether any of the @count guest pages at @gpas was written by the
 * guest's CPU since this function last looked at it (a page never looked
 * at counts as written), forgetting those writes: the embedder's dirty log
 * (QEMU's) of guest RAM.  Pages that are not guest RAM are ignored.
 */
typedef bool wire_client_pages_written_fn(void *opaque, const uint64_t *gpas, unsigned count);

/*
 * Watch the guest page-table pages the mediator lists (docs/protocol.md,
 * "Watched tables") with @written: before each SUBMIT the client asks it
 * about the listed pages and tells the mediator whether one was written,
 * so the mediator may skip comparing PPGTT tables none of whose pages
 * was.  Without it (the default) the mediator compares them at every
 * submission.  Only a dirty log that sees every CPU write of the guest to
 * its RAM may be given here.
 */
void wire_client_watch_tables(struct wire_client *client, wire_client_pages_written_fn *written,
                              void *opaque);

/* The guest created (WIRE_PPGTT_CREATE) or destroyed a PPGTT rooted at
 * @root_gpa.  No reply.  errno EINVAL, or a transport error. */
int wire_client_ppgtt_notify(struct wire_client *client, enum wire_ppgtt_op op,
                             uint64_t root_gpa);

/* Submit the ELSP pair @desc0, @desc1 (may be 0) on @engine, with the
 * RING_TAIL each element's image held at the ELSP write, read before this
 * call (@tail0, @tail1; WIRE_NO_TAIL where the image was not mapped): the
 * look at the watched tables is made here, after it (docs/protocol.md).
 * Completions arrive through the callback.  errno EINVAL, ENOBUFS (the
 * queue is full: not sent, the connection goes on), or a transport error.
 * The same for wire_client_ppgtt_notify(). */
int wire_client_submit(struct wire_client *client, enum gen9_engine engine,
                       uint64_t desc0, uint32_t tail0, uint64_t desc1, uint32_t tail1);

/*
 * Reset the engines in @engine_mask: returns at once, without waiting for
 * the mediator, which drops their queued and running work when it gets
 * there.  From now on no completion of work submitted before is
 * delivered (the engines' reset generation moves on), and SUBMITs of
 * theirs still queued here are dropped.  Never refused for room.  errno
 * EINVAL, or a transport error.
 */
int wire_client_reset_engines(struct wire_client *client, uint32_t engine_mask);

/* Does the queue hold messages (wire_client_dispatch() moves them on when
 * the mediator's DOORBELL says it took some)? */
bool wire_client_send_pending(const struct wire_client *client);

/* What the connection did about a slow mediator and resets. */
struct wire_client_stats {
    uint64_t queued;            /* messages that waited for room in the ring */
    uint64_t queue_full;        /* messages refused with ENOBUFS */
    uint64_t submits_superseded;    /* queued SUBMITs a reset of their engine dropped */
    uint64_t stale_completions; /* COMPLETEs of work from before a reset, dropped */
    unsigned queue_peak;        /* most messages queued at once */
};

const struct wire_client_stats *wire_client_stats(const struct wire_client *client);

/* The descriptor to watch for readability (QEMU: qemu_set_fd_handler). */
int wire_client_fd(const struct wire_client *client);

/*
 * Handle everything that has arrived, without blocking: the socket's
 * messages, the completion ring's completions (to the callback), and
 * queued notices moved into the submission ring.  Returns 0, or -1 with
 * errno when the connection failed (ECONNRESET: the mediator is gone;
 * EPROTO: it sent garbage).
 */
int wire_client_dispatch(struct wire_client *client);

/*
 * The same without the socket: the completion ring's completions and the
 * queued notices, a few loads when there is nothing, no system call (a
 * DOORBELL already sent waits on the socket for the next dispatch).  For
 * a caller that has completions to take between two submissions of its
 * own thread, where QEMU's vCPU touches no socket either.
 */
int wire_client_take_completions(struct wire_client *client);

/* Why the last call failed, in words ("" if it did not say). */
const char *wire_client_error(const struct wire_client *client);

#endif /* GPUMED_MEDIATOR_CLIENT_H */
