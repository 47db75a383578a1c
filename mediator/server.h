/*
 * server.h - the gpumed mediator: one event loop serving every vgpu-pci
 * client on the control socket (docs/mediator.md, docs/protocol.md).
 *
 * One thread runs the loop (med_server_run() or med_server_dispatch());
 * every other function is called from that thread or before it starts.
 * Clients are untrusted: a malformed or out-of-order message ends that
 * client's connection, and disconnecting frees everything it held.
 * Functions returning int return 0 on success, -1 with errno on failure.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_MEDIATOR_SERVER_H
#define GPUMED_MEDIATOR_SERVER_H

#include <stdint.h>

#include "gtt/partition.h"

/* Connections served at once; more are closed at accept (and counted). */
#define MED_MAX_CLIENTS     256
/* What a batch and the ring commands around it may hold an engine from
 * the other vGPUs (docs/security.md, invariant 3): twice the GPU's hang
 * detection of 1 s it was derived from until the detection grew. */
#define MED_PART_LIMIT_DEFAULT_MS 2000u

struct med_server_config {
    /* The control socket; its directory is created (0750) if missing.
     * NULL: no socket, clients come only from med_server_add_client()
     * (tests and fuzzing). */
    const char *socket_path;
    struct med_gm_config gm;    /* the physical GPU's graphics memory */
    /* No progress for this long stops a workload (engine reset); 0: the
     * backend's default (PGPU_HANG_TIMEOUT_DEFAULT_MS). */
    unsigned hang_timeout_ms;
    /* How long a run may stay in one part of its own time while another
     * vGPU waits for its engine before it is stopped as a hang (the
     * isolation bound of a run with no arbitration point, sched.h); 0:
     * MED_PART_LIMIT_DEFAULT_MS. */
    unsigned part_limit_ms;
    /* How long a vGPU keeps an engine while it has work (GPU time);
     * 0: MED_TIME_SLICE_DEFAULT_US. */
    unsigned time_slice_us;
    /* Check the isolation invariants at every dispatch (mediator/invariants.h):
     * slow, for tests. */
    bool check_invariants;
    /* What one vGPU may cost the event thread, and how hostile it may be
     * before it is stopped (mediator/guard.h); NULL: the defaults,
     * med_budget_default_params and med_guard_default_limits. */
    const struct med_budget_params *budget;
    const struct med_guard_limits *guard;
};

#define MED_TIME_SLICE_DEFAULT_US       1000
#define MED_TIME_SLICE_MAX_US           1000000

/* Counters over the server's life. */
struct med_server_stats {
    uint64_t clients_accepted;
    uint64_t clients_closed;
    uint64_t clients_refused;   /* closed at accept: MED_MAX_CLIENTS were connected */
    uint64_t protocol_errors;   /* malformed or out-of-order messages: client closed */
    uint64_t requests_refused;  /* well-formed requests answered with an error */
    uint64_t vgpus_created;
    uint64_t vgpus_destroyed;
    uint64_t vgpus_reserved;    /* created ahead of their VM (control CREATE) */
    uint64_t ppgtts_created;    /* guest PPGTTs shadowed (PPGTT_NOTIFY create accepted) */
    uint64_t ppgtt_bad_notifies;
    uint64_t submissions_rejected;
    uint64_t engine_resets;     /* RESET_ENGINES served */
    uint64_t control_errors;    /* bad control requests: connection closed */
    uint64_t vgpus_stopped;     /* by the guard */
    uint64_t ring_notices;      /* notices taken from submission rings */
    uint64_t doorbells_sent;    /* DOORBELLs: completion rings' or room in submission rings */
};

struct med_server;
struct med_vgpu_exec_stats;     /* mediator/submission/submission.h */
struct med_sched_stats;     /* sched/sched.h */
struct med_budget_params;   /* mediator/guard.h */
struct med_guard_limits;

/*
 * Set the mediator up: graphics memory, host GGTT, event loop, and (with a
 * socket path) the lock file PATH.lock, the directory and the listening
 * socket.  Configuration errors are logged in one clear line and fail:
 * returns NULL with errno, e.g. EADDRINUSE (another gpumed holds the
 * socket), EINVAL (bad graphics memory configuration), ENAMETOOLONG, or
 * what mkdir/bind/listen said.
 */
struct med_server *med_server_create(const struct med_server_config *config);

/* Close every client (freeing its vGPU), the socket, and the server.
 * Unwinds from whatever stage setup reached; NULL is ignored. */
void med_server_destroy(struct med_server *server);

/* Serve until @stop_fd becomes readable (e.g. a signalfd).  Returns 0, or
 * -1 with errno when the event loop itself fails. */
int med_server_run(struct med_server *server, int stop_fd);

/* One round of the loop: wait up to @timeout_ms (-1: forever) and handle
 * what arrived.  Returns the number of events handled, or -1 with errno. */
int med_server_dispatch(struct med_server *server, int timeout_ms);

/* Serve a client on an already connected SOCK_SEQPACKET socket, which the
 * server now owns (closed on failure too). */
int med_server_add_client(struct med_server *server, int fd);

/* Serve a control client (wire/control.h) on an already connected
 * SOCK_SEQPACKET socket, which the server now owns (closed on failure too,
 * EBUSY: MED_MAX_CONTROLS are connected).  The control socket's clients
 * come through accept; tests and fuzzing hand one in. */
int med_server_add_control(struct med_server *server, int fd);

unsigned med_server_client_count(const struct med_server *server);
const struct med_server_stats *med_server_stats(const struct med_server *server);
const struct med_gm *med_server_gm(const struct med_server *server);
struct pgpu *med_server_gpu(const struct med_server *server);
/* Workloads of every vGPU: counts and where their time went. */
const struct med_vgpu_exec_stats *med_server_exec_stats(const struct med_server *server);
/* The scheduler's counters (dispatches, resets, cancels). */
const struct med_sched_stats *med_server_sched_stats(const struct med_server *server);

/* The GGTT address of @engine's window for ELSP port @port, where the
 * workload it runs is bound: its context image first (for tests). */
uint64_t med_server_window_ggtt(const struct med_server *server, unsigned engine, unsigned port);

/*
 * Host pages a guest must never be able to write, for tests to check
 * after an attack, while the event loop does not run: the global scratch
 * page (where GGTT entries owned by no vGPU point), the status page of
 * @engine (the GPU writes its context status buffer there), and the
 * scratch page of vGPU @vgpu_id, where that vGPU's invalid entries point
 * (NULL when no VM uses vGPU @vgpu_id).  Each is one page.
 */
const void *med_server_scratch_page(const struct med_server *server);
const void *med_server_status_page(const struct med_server *server, unsigned engine);
const void *med_server_vgpu_scratch_page(const struct med_server *server, uint32_t vgpu_id);

#endif /* GPUMED_MEDIATOR_SERVER_H */
