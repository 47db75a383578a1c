/*
 * submission.h - a vGPU's execlist submissions turned into workloads the
 * physical GPU runs (docs/architecture.md, "The workload path").
 *
 * For each ELSP element the client relays (SUBMIT), the mediator
 *   1. reads the guest's logical ring context through the vGPU's GGTT
 *      (partition-checked, guest RAM only): ring start/head/tail/control
 *      and the PPGTT root;
 *   2. re-validates the context's shadow PPGTT (built from PPGTT_NOTIFY);
 *   3. copies the ring bytes [head, tail) and scans them with med_scan(),
 *      whose fetch callback copies each batch (first and second level,
 *      chained) out of guest memory;
 *   4. lays the copies out in host memory: a shadow context image (the
 *      guest's register state page with the ring start, PPGTT root and
 *      batch state replaced by host values), a shadow ring holding the
 *      scanned bytes at the guest's offsets, and the shadow batches, every
 *      MI_BATCH_BUFFER_START patched to its copy;
 *   5. queues the workload on the scheduler (sched/), which binds the
 *      host memory at a window of the host GGTT block (one per engine and
 *      ELSP port) and writes the ELSP;
 *   6. on completion (the event loop takes it from the scheduler's done
 *      list after the scheduler returned, med_vgpu_submission_done()) writes
 *      back what the guest reads in its context image (ring HEAD, context
 *      timestamp, the engine state the GPU saved) and reports COMPLETE in
 *      the list the session takes after each call
 *      (med_vgpu_submission_take_completions()).
 *
 * Control flows one way: the submission never calls up into the session.
 * A SUBMIT only queues its element; the session then shadows waiting
 * elements one call at a time (med_vgpu_submission_shadow_next()) for as long
 * as the vGPU may work (its budget, the guard), and after every call takes
 * what the call noticed (guest errors, the guard's events:
 * med_vgpu_submission_take_notices()) and its COMPLETEs.
 *
 * A workload that fails any check is not submitted: COMPLETE "rejected"
 * (WIRE_EVENT_REJECTED), the reason logged with the vGPU's name.  A
 * workload the GPU stops (hang detector, fault) is reported the same way
 * after its engine is reset; other vGPUs' work is untouched.  Either way
 * the vGPU's engine then stays stuck in it, as hardware would until the guest resets
 * the engine: its later elements, queued or arriving before the guest's
 * RESET_ENGINES, are dropped without COMPLETE (a later element of the same
 * context would land its breadcrumb past the hung request's).
 *
 * An element runs the ring up to the tail the guest published before its
 * ELSP write: the tail is read from the context image when SUBMIT
 * arrives (later elements of the same context start where it ends).
 * When the GPU is behind, elements of one context waiting one after the
 * other run as one workload (up to MED_WL_MERGE_MAX), as a lite restore
 * extends a running context; each still gets its COMPLETE, in order.
 *
 * Ordering per engine: elements complete in the order submitted.  Each
 * vGPU engine shadows at most MED_WL_SLOTS workloads ahead (so the next
 * one is ready when the GPU finishes the current one) and queues at most
 * MED_WL_PENDING_MAX further elements; beyond that an element is rejected.
 *
 * Not thread-safe: the mediator's event loop owns a submission.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_MEDIATOR_SUBMISSION_H
#define GPUMED_MEDIATOR_SUBMISSION_H

#include <stdbool.h>
#include <stdint.h>

#include "gtt/ppgtt-set.h"
#include "mediator/clock.h"
#include "mediator/guard.h"
#include "mediator/guest-mem.h"
#include "mediator/host-mem.h"
#include "mediator/invariants.h"
#include "mediator/log.h"
#include "mediator/scan/cmd-scan.h"
#include "pgpu/pgpu.h"
#include "sched/sched.h"

#define MED_WL_SLOTS            4       /* workloads shadowed ahead per vGPU engine: two ELSP pairs */
#define MED_WL_PENDING_MAX      1024    /* elements waiting for a slot per vGPU engine */
#define MED_WL_MERGE_MAX        16      /* waiting elements of one context run as one */
#define MED_WL_PPGTT_TABLES_MAX 16384   /* shadow tables of all its PPGTTs: 64 MiB of pages */

/* Where each phase's time goes, summed over workloads (nanoseconds). */
struct med_vgpu_exec_times {
    uint64_t workloads;         /* workloads that reached the GPU and completed */
    uint64_t shadow_ns;         /* context read, PPGTT re-validation, copies, layout */
    uint64_t scan_ns;           /* med_scan() */
    uint64_t schedule_ns;       /* queued -> ELSP written */
    uint64_t gpu_ns;            /* ELSP written -> completion seen by the event loop */
    uint64_t engine_ns;         /* the engine's own time for it (CTX_TIMESTAMP, all parts) */
    uint64_t completion_ns;     /* completion seen -> write-back done and COMPLETE listed */
};

struct med_vgpu_exec_stats {
    uint64_t elements;          /* SUBMIT elements received */
    uint64_t completed;         /* COMPLETE done */
    uint64_t rejected;          /* not submitted: descriptor, context, ring, scan, limits */
    uint64_t hangs;             /* stopped by the GPU, engine reset */
    uint64_t empty;             /* head == tail: completed without the GPU */
    uint64_t cancelled;         /* dropped by an engine reset or teardown */
    uint64_t deferred;          /* copies and scans put off until earlier work that
                                 * may write what they read completed */
    uint64_t folded;            /* workloads joined to the one before, waiting for its turn
                                 * or running (decision 13) */
    uint64_t overlapped;        /* of them, joined to the one before while it ran */
    uint64_t ppgtt_bad_entries; /* shadow PPGTT entries naming no VM memory */
    uint64_t ppgtt_unchanged;   /* PPGTT compares the client's watch proved needless */
    /* Of the totals only (the vGPU's own are its GGTT shadow's statistics). */
    uint64_t ggtt_entries_synced;   /* guest GGTT entries shadowed */
    uint64_t ggtt_bad_entries;      /* present GGTT entries naming no guest RAM */
    struct med_vgpu_exec_times times;
};

/* What a window's GGTT entries map: host bus [bus, bus + size), one page
 * per page from the window's start (size 0: nothing yet). */
struct med_window_map {
    uint64_t bus, size;
};

/* What the mediator shares between vGPUs: the GPU, host memory, the
 * scheduler and the windows of the host GGTT block (per engine and port). */
struct med_vgpu_exec_host {
    struct pgpu *gpu;
    struct med_host_mem *host_mem;
    struct med_sched *sched;
    uint64_t window_ggtt[GEN9_NUM_ENGINES][2];
    uint64_t window_size;
    /* [engine][port]: what binding left in each window (the server's;
     * only med_wl_bind writes the windows' entries) */
    struct med_window_map (*window_map)[2];
    struct med_vgpu_exec_stats *totals;     /* every vGPU adds to these too */
    bool check_invariants;              /* at each dispatch (mediator/invariants.h) */
    struct med_shared_host_pages shared_pages;  /* what the check reads */
};

struct med_vgpu_submission_config {
    struct med_vgpu_mem mem;
    const struct med_vgpu_exec_host *host;
    uint32_t vgpu_id;           /* names it in trace points */
    /* The vGPU's GGTT shadow, handed over: the submission syncs it once
     * per workload, after its elements' SUBMITs, before it is checked; a
     * GGTT access passes the scan only where the host GGTT, as synced for
     * the workload, maps guest RAM. */
    struct med_vgpu_ggtt *ggtt;
    /* The pages its GGTT shadow marks, marked by its PPGTT shadows too. */
    struct med_gpu_reach *reach;
    /* The client's watch of its table pages (max 0: none). */
    struct med_ppgtt_watch table_watch;
    uint64_t scratch_bus;       /* the vGPU's own scratch page: its invalid PPGTT leaves */
    void *opaque;               /* the owner's: med_vgpu_submission_owner() returns it */
    struct med_sched_share share;       /* on every engine; valid */
};

struct med_vgpu_submission;

/* A COMPLETE the submission reports: of element @desc of @engine. */
struct med_vgpu_completion {
    uint64_t desc;
    uint32_t engine, event;     /* enum gen9_engine, MED_EVENT_* */
    uint32_t ring_head, flags;  /* WIRE_COMPLETE_* */
    uint32_t engine_error;      /* RING_EIR when the GPU stopped it, else 0 */
};

/* What a call noticed, for the session to act on once it returned: a
 * guest-caused problem (one line without the vGPU's name: the session
 * prefixes it, counts and rate-limits) and one of the guard's events
 * (mediator/guard.h: a rejection, a hang, an element whose shadowing built
 * more than MED_GUARD_BIG_BUILD_TABLES page tables), either or both. */
struct med_vgpu_notice {
    bool guard;                 /* @event is the guard's */
    enum med_guard_event event;
    char text[MED_SCAN_REASON_MAX + 160];   /* "" when none */
};

/* NULL with errno ENOMEM. */
struct med_vgpu_submission *med_vgpu_submission_create(
    const struct med_vgpu_submission_config *config);
/* Drops queued and running work (the GPU is stopped where it runs this
 * vGPU's work) without COMPLETE messages; frees every shadow.  NULL is
 * ignored. */
void med_vgpu_submission_destroy(struct med_vgpu_submission *sub);

/* PPGTT_NOTIFY: 0, or -1 with *@problem saying what the guest did wrong. */
int med_vgpu_submission_ppgtt_create(struct med_vgpu_submission *sub, uint64_t root_gpa,
                                     const char **problem);
int med_vgpu_submission_ppgtt_destroy(struct med_vgpu_submission *sub, uint64_t root_gpa,
                                      const char **problem);

/* One ELSP element (desc != 0) of @engine, its RING_TAIL as the client
 * read it at the ELSP write (@tail, WIRE_NO_TAIL: the image was not
 * mapped).  It waits for med_vgpu_submission_shadow_next(). */
void med_vgpu_submission_submit(struct med_vgpu_submission *sub, enum gen9_engine engine,
                                uint64_t desc, uint32_t tail);
/* Whether an element waits where a slot is free: med_vgpu_submission_shadow_next()
 * has work to do. */
bool med_vgpu_submission_can_shadow(const struct med_vgpu_submission *sub);
/* Shadow the next such element (the lowest engine's first) and hand it to
 * the scheduler, or report it rejected.  The caller asks first whether the
 * vGPU may work now, one element at a time. */
void med_vgpu_submission_shadow_next(struct med_vgpu_submission *sub);

/* Whether a workload of @sub on the GPU has a loop the mediator follows:
 * then call med_vgpu_submission_tick_loops() every MED_WL_LOOP_TICK_NS. */
#define MED_WL_LOOP_TICK_NS     1000000ull
bool med_vgpu_submission_loops_running(const struct med_vgpu_submission *sub);
/* Copy and scan again each loop the GPU went round since the last call,
 * and point its way back at the new copy (loop.c). */
void med_vgpu_submission_tick_loops(struct med_vgpu_submission *sub);

/* RESET_ENGINES: drop queued and running work of the engines in @mask
 * (bit per engine) without COMPLETE messages. */
void med_vgpu_submission_reset(struct med_vgpu_submission *sub, uint32_t mask);
/* The guard stopped the vGPU: every element queued or on the GPU ends as
 * a hang would (COMPLETE rejected, in order per engine), and nothing of
 * the vGPU's is left with the scheduler. */
void med_vgpu_submission_fail(struct med_vgpu_submission *sub);

const struct med_vgpu_exec_stats *med_vgpu_submission_stats(const struct med_vgpu_submission *sub);
/* The scheduler's account of @engine: GPU time and workloads charged. */
const struct med_sched_entity *med_vgpu_submission_entity(const struct med_vgpu_submission *sub,
                                                          enum gen9_engine engine);
const struct med_sched_share *med_vgpu_submission_share(const struct med_vgpu_submission *sub);
unsigned med_vgpu_submission_ppgtt_count(const struct med_vgpu_submission *sub);
/* A valid share (med_sched_share_valid()), taking effect at the next pick. */
void med_vgpu_submission_set_share(struct med_vgpu_submission *sub,
                                   const struct med_sched_share *share);

/* The COMPLETEs the calls since the last take produced, oldest first
 * (*@count of them), and forget them: the caller sends them before it
 * calls into @sub again (valid until then). */
const struct med_vgpu_completion *med_vgpu_submission_take_completions(
    struct med_vgpu_submission *sub, unsigned *count);

/* What the calls since the last take noticed, oldest first (*@count of
 * them), and forget them: the caller takes them after every call into
 * @sub (valid until the next call). */
const struct med_vgpu_notice *med_vgpu_submission_take_notices(struct med_vgpu_submission *sub,
                                                               unsigned *count);

/* The scheduler's callbacks for workloads of every vGPU: bind only. */
extern const struct med_sched_ops med_vgpu_sched_ops;
/* A workload med_sched_next_done() returned: the opaque of its
 * submission's config (whose vGPU's work it is), ... */
void *med_vgpu_submission_owner(const struct med_sched_workload *w);
/* ... and what its end means: retire it and what it finished, in order
 * (its slot is free for med_vgpu_submission_shadow_next(), which may queue
 * with the scheduler: call both after the scheduler's call returned, never
 * from inside the scheduler). */
void med_vgpu_submission_done(struct med_sched_workload *w);

#endif /* GPUMED_MEDIATOR_SUBMISSION_H */
