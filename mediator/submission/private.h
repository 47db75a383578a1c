/*
 * private.h - the submission path's own state and the stages it passes a
 * workload through, one file each (docs/architecture.md, "The workload
 * path"):
 *
 *   queue.c    the per-engine queue of elements: merge, shadow ahead,
 *              retire in order, the scheduler's callbacks, the interface
 *   shadow.c   one element turned into a queued workload (the stages below
 *              in order) or rejected
 *   context.c  the guest's logical ring context: read, shadowed, written back
 *   gtt.c      the vGPU's GGTT and PPGTT shadows brought up to date
 *   fetch.c    copies of the guest's ring and batches the scanner reads
 *   layout.c   where the copies go in the workload's host memory, the batch
 *              starts relocated to them, the parts the scheduler runs
 *   bind.c     the workload's memory bound at a GGTT window for the ELSP
 *   loop.c     a loop's way back through a trampoline the mediator
 *              retargets at a fresh copy and scan of the guest's loop
 *   writes.c   what a workload may write, and whether a later one reads
 *              it: then that one is copied and scanned after it ran
 *
 * Not thread-safe: the mediator's event loop owns a submission.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_MEDIATOR_SUBMISSION_PRIVATE_H
#define GPUMED_MEDIATOR_SUBMISSION_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "gtt/ppgtt-set.h"
#include "gtt/ppgtt-shadow.h"
#include "mediator/submission/submission.h"
#include "wire/protocol.h"

/* Layout of a workload's host memory, bound at a GGTT window of its engine
 * when dispatched (the window of the ELSP port it goes to). */
/* The context image of @engine as the hardware saves it (i915's
 * intel_engine_context_size(): 22 pages for render, the PPHWSP and the
 * register state for the others); the ring follows it.  The model saves
 * only the register state, but render's engine would write its state
 * over whatever followed page 1 (until 2026-12-07 the ring, and past the
 * workload's memory what its window still mapped of another's). */
#define SHADOW_RING_OFFSET(engine) \
    ((uint64_t)gen9_engines[engine].context_pages * PGPU_PAGE_SIZE)
#define SHADOW_BATCH_ALIGN      64

/* Every element outstanding on every engine (waiting, or in a slot with
 * those merged into it), and the one a SUBMIT rejects at once. */
#define OUTBOX_MAX  (GEN9_NUM_ENGINES * (MED_WL_PENDING_MAX + MED_WL_SLOTS * (1 + MED_WL_MERGE_MAX)) + 1)

/* What one call can notice: a shadowed element's GGTT and PPGTT entries
 * naming no guest RAM, its rejection, its big build; a hang; a SUBMIT
 * beyond the queue.  The session takes them after every call. */
#define NOTICES_MAX             4

#define NO_TAIL                 WIRE_NO_TAIL    /* the image was unmapped at the ELSP write */

/* Command type 7 is reserved on Gen9: the command streamer stops there (a
 * hang), as at any command it may not run.  Where a refused command's
 * stream is cut (layout.c) and where a loop's refused rescan leads (loop.c). */
#define SHADOW_STOP_DW          0xffffffffu

/* Loops (loop.c): a first-level chain back into its own activation goes
 * through a trampoline of the workload's, which the mediator points at a
 * fresh copy and scan of the guest's loop, in one of two halves per loop,
 * while the GPU goes round; the rest runs as the first scan copied it. */
#define LOOP_TRAPS_MAX          4           /* loops so followed per workload */
#define LOOP_COPY_SIZE          (32u * 1024)    /* each half: a rescan's copies */
#define LOOP_TRAMPOLINE_SIZE    64

#define PPGTT_SPACE     (1ull << 48)

/* An element waiting for its workload. */
struct pending_element {
    uint64_t desc;
    uint64_t seq;           /* the vGPU's count of elements before it, all engines */
    uint32_t tail;          /* the image's RING_TAIL at the ELSP write, or NO_TAIL */
};

/* Guest pages, by the host address of each page mapped here: [lo, hi). */
struct page_run {
    uint64_t lo, hi;
};

/* Each workload slot of a vGPU as a bit: the writers an engine waits for. */
#define WL_SLOT_BIT(engine, slot)   (1u << ((engine) * MED_WL_SLOTS + (slot)))
_Static_assert(GEN9_NUM_ENGINES * MED_WL_SLOTS <= 32, "a slot bit per workload");

/* Address dwords in a workload's memory the GPU reads: bind writes the
 * window's address of @target there. */
struct bb_site {
    uint32_t addr_lo, addr_hi;
    uint32_t target;
};

struct loop_trap {
    uint64_t gma;               /* the loop's target: each rescan starts there */
    enum med_scan_space space;
    uint32_t trampoline;        /* its offset in the workload's memory */
    uint32_t halves;            /* offset of its two halves */
    unsigned jump_site;         /* the trampoline's MI_BATCH_BUFFER_START in sites */
    unsigned current;           /* the half it points at; 2: the first scan's copy */
    uint32_t generation;        /* the trampoline stores it as the GPU passes */
    bool stopped;               /* no more rescans: refused, or too big for a half */
    /* Why the scanner refused its last rescan ("": it did not): the
     * guest's error once the GPU reaches the stop it leads to. */
    char refusal[MED_SCAN_REASON_MAX];
    struct bb_site *sites;      /* the batch starts in the current half */
    unsigned site_count, site_cap;
};

enum workload_state {
    WL_FREE,
    WL_QUEUED,                  /* with the scheduler */
    WL_FINISHED,                /* result known, waiting for earlier elements */
};

struct vgpu_workload {
    struct med_sched_workload sched;    /* first: the scheduler's view */
    struct med_vgpu_submission *sub;
    enum gen9_engine engine;
    enum workload_state state;
    uint32_t event;             /* MED_EVENT_* once finished; 0: dropped */
    uint32_t engine_error;      /* RING_EIR when the GPU stopped it (a hang), else 0 */
    /* The elements it took from its engine's queue, in order, each
     * reported with it: its own (taken[0], whose descriptor names it),
     * then later ones of the same context that were waiting behind it and
     * run as part of it (their tails are covered).  A split's first part
     * (writes.c) keeps those whose tails it covers and puts the others
     * back for the rest, which runs as the next workload. */
    struct pending_element taken[1 + MED_WL_MERGE_MAX];
    unsigned taken_count;
    /* The workloads fold() joined to it, each a group of taken elements
     * scanned as one: where each group's elements (in taken) and batch
     * copies (in mem) begin; the first group, its own, is before them. */
    struct wl_join {
        unsigned taken;
        uint64_t copies;
    } joins[MED_WL_MERGE_MAX];
    unsigned join_count;
    /* A hang's (finished()): the elements before the group the GPU stopped
     * in, which it ran through (reported done), and the end of that group
     * (reported as the hang; those after it never ran). */
    unsigned ran_count, hung_end;
    /* A split's first part that covers no tail: it put taken[0] back too
     * and keeps it only as its name, reported only if it fails. */
    bool unreported;
    uint64_t lrca;              /* the guest context image, GGTT */
    uint32_t head, tail;        /* ring offsets, guest = shadow */
    /* The RING_TAIL it runs to: tail, but for a split's first part, cut
     * at a dword, the next qword (RING_TAIL is 8-byte aligned): an
     * MI_NOOP of the shadow ring's lies between. */
    uint32_t ring_tail;
    uint32_t ring_size;
    uint64_t shadow_ns, scan_ns;
    struct med_host_buf mem;    /* context, ring, batches (kept across workloads) */
    uint64_t used;              /* bytes of mem this workload uses */
    uint64_t window_gma;        /* where it was last bound: its GGTT window's address */
    bool user_interrupt;        /* the scan found an MI_USER_INTERRUPT */
    /* What its commands may write while it is in flight (writes.c):
     * sorted runs of pages, or anything the vGPU reaches. */
    struct page_run *writes;
    unsigned write_count, write_cap;
    bool writes_any;
    /* Set when its scan read pages that these workloads in flight
     * (WL_SLOT_BIT) may write: it was not queued, its elements wait. */
    uint32_t blockers;
    bool refused;               /* runs up to a refused command and stops there */
    /* The PPGTT version the scan checked, pinned while the GPU may walk it. */
    struct med_vgpu_ppgtt *ppgtt;
    uint64_t ppgtt_pin;
    /* Every MI_BATCH_BUFFER_START: where its address dwords are in mem and
     * the offset of its target's copy; filled in by bind for the window. */
    struct bb_site *sites;
    unsigned site_count, site_cap;
    /* The loops it follows, their trampolines, and where the GPU stores
     * the generation of each trampoline it passed (a dword per loop). */
    struct loop_trap traps[LOOP_TRAPS_MAX];
    unsigned trap_count;
    uint32_t loop_area;
    /* Ring offsets where its parts end (all but the last, which ends at
     * tail): the scheduler dispatches a long workload a slice at a time. */
    uint32_t *part_ends;
};

struct engine_queue {
    struct med_sched_entity entity;
    struct vgpu_workload slots[MED_WL_SLOTS];
    unsigned order[MED_WL_SLOTS];       /* slot indices, oldest first */
    unsigned in_flight;
    struct pending_element pending[MED_WL_PENDING_MAX];
    unsigned pending_first, pending_count;
    /* The next element reads what these workloads (WL_SLOT_BIT) may
     * write: it waits until they completed (writes.c). */
    uint32_t waiting_for;
    /* The ring whose every page fetch.c has read (size 0: none yet). */
    uint64_t ring_read_start;
    uint32_t ring_read_size;
    bool dropping;              /* a reset is under way: nothing is reported */
    bool failing;               /* the guard stops the vGPU: cancelled ones end as hangs */
    bool stuck;                 /* the GPU stopped in an element: nothing runs until a reset */
};

struct med_vgpu_submission {
    struct med_vgpu_submission_config config;
    struct med_scan *scan;
    struct med_page_pool *pool;
    struct med_ppgtt_set *ppgtts;
    bool ggtt_unchecked;        /* host GGTT written since the invariant check read it */
    struct engine_queue engines[GEN9_NUM_ENGINES];
    /* Batch copies of the scan in progress, bump-allocated from chunks;
     * the first (2 MiB) is kept across scans: no malloc and free per
     * batch (docs/benchmarks.md, "mediator-client", measures them). */
    struct fetch_chunk {
        uint8_t *base;
        uint64_t size, used;
        uint64_t last;          /* where its last copy begins (extended in place) */
    } *chunks;
    unsigned chunk_count, chunk_cap;
    uint64_t next_seq;          /* pending_element.seq of the next SUBMIT */
    uint8_t *ring_copy;         /* the ring [head, tail), unwrapped */
    uint32_t ring_copy_cap;
    struct med_vgpu_exec_stats stats;
    struct med_sched_share share;       /* the scheduler reads it at each pick */
    /* COMPLETEs not yet taken by the session (med_vgpu_submission_take_completions()). */
    struct med_vgpu_completion *outbox;
    unsigned outbox_count;
    /* What the call at hand noticed (med_vgpu_submission_take_notices()). */
    struct med_vgpu_notice notices[NOTICES_MAX];
    unsigned notice_count;
};

/* What the workload needs from the guest's context image. */
struct guest_context {
    uint32_t state[PGPU_PAGE_SIZE / 4];     /* the register state page, copied */
    uint64_t ring_start;
    uint32_t ring_size, ring_ctl;
    struct med_vgpu_ppgtt *ppgtt;
};

static inline uint64_t med_wl_align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

/* queue.c */
/* Tell the session, once the call returns, of @fmt's text (printf-style;
 * NULL: no line) and, if @guard, of the guard's @event. */
void med_wl_notice(struct med_vgpu_submission *sub, bool guard, enum med_guard_event event,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* An element of @engine refused before the GPU: counted, logged, told to
 * the guard. */
void med_wl_count_rejection(struct med_vgpu_submission *sub, enum gen9_engine engine, uint64_t desc,
                            const char *why);
/* @w runs only up to the command the scanner refused (@reason), where the
 * GPU stops: counted and logged as a rejection, its engine stops. */
void med_wl_refuse(struct vgpu_workload *w, const char *reason);
/* @w ends rejected, for the reason @fmt says. */
void med_wl_reject(struct vgpu_workload *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The newest unretired workload of the same context on @w's engine, if any. */
const struct vgpu_workload *med_wl_previous_of_context(const struct vgpu_workload *w);
/* The newest workload of @w's context before it in flight on its engine
 * that the GPU ran (its shadow holds the state the engine saved), if any. */
const struct vgpu_workload *med_wl_ran_before_in_context(const struct vgpu_workload *w);

/* Put @count elements back, in order, at the front of @w's engine's queue
 * (it has room: @w took them in this call). */
void med_wl_requeue(struct vgpu_workload *w, const struct pending_element *els, unsigned count);

/* shadow.c */
/* Turn @w's element into a workload ready for the scheduler (WL_QUEUED),
 * or reject it. */
void med_wl_shadow(struct vgpu_workload *w);

/* context.c */
/* The guest's context image of @w: false when @w was rejected. */
bool med_wl_context_read(struct vgpu_workload *w, struct guest_context *ctx);
/* The shadow context in @w's memory: the guest's register state with host addresses. */
void med_wl_context_build(struct vgpu_workload *w, const struct guest_context *ctx);
/* Whether @w's and @x's shadow contexts are the same but for their ring's
 * head and tail (the same guest registers, the same PPGTT version). */
bool med_wl_context_same(const struct vgpu_workload *w, const struct vgpu_workload *x);
/* Whether @w's and @x's shadow contexts name the same PPGTT version (the
 * same shadow root: a sync that changed a table a pinned version reaches
 * gave the later one a new root, gtt/ppgtt-shadow.h).  A running @w's
 * image still holds the root it was bound with (the engine saves back
 * what it loaded). */
bool med_wl_context_same_ppgtt(const struct vgpu_workload *w, const struct vgpu_workload *x);
/* What the guest reads back from its context image once @w ran up to
 * ring offset @head: that head, and, when @saved (@w is done), the
 * engine's state as it saved it. */
void med_wl_context_write_back(struct vgpu_workload *w, uint32_t head, bool saved);
/* The engine state @prev, run before @w in @w's context, left in its
 * shadow, into @w's shadow, before @w's first run. */
void med_wl_context_carry(struct vgpu_workload *w, const struct vgpu_workload *prev);
/* The stop bit of the register state page @state cleared: the mediator's. */
void med_wl_context_clear_stop(uint32_t *state);

/* gtt.c */
extern const struct vgpu_ppgtt_mem_ops med_wl_ppgtt_mem_ops;
/* The vGPU's host GGTT and @ppgtt brought up to date for @w, what they
 * found wrong counted and logged: false when @w was rejected. */
bool med_wl_gtt_sync(struct vgpu_workload *w, struct med_vgpu_ppgtt *ppgtt);

/* fetch.c */
/* @sub's scanner, reading the guest through the callbacks here. */
struct med_scan *med_wl_scan_create(struct med_vgpu_submission *sub);
/* The ring's [head, tail) of @w, @len bytes, into sub->ring_copy: false
 * when @w was rejected. */
bool med_wl_fetch_ring(struct vgpu_workload *w, const struct guest_context *ctx, uint32_t len);
/* Forget the scan's batch copies (the first chunk is kept). */
void med_wl_fetched_free(struct med_vgpu_submission *sub);
/* Free everything fetch kept. */
void med_wl_fetch_destroy(struct med_vgpu_submission *sub);

/* layout.c */
/* Lay out the ring's @len bytes and the scanned batches of @res in @w's
 * memory, relocate every batch start and split @w into parts: false when
 * @w was rejected.  A refused scan's prefix longer than the window is cut
 * where the window ends (@res and its reason say so). */
bool med_wl_layout(struct vgpu_workload *w, const struct guest_context *ctx,
                   struct med_scan_result *res, uint32_t len);

/* @x, laid out and not yet queued, starting at @w's tail in the same ring,
 * appended to @w (not yet dispatched, or @running on the GPU): its ring
 * bytes at their offsets, its batch copies after @w's, its batch starts
 * and parts after @w's, a part boundary at @w's tail.  False, @w
 * unchanged, when the ring cannot hold both (@x would wrap onto @w's
 * bytes), or the window or host memory has no room for both (a running
 * @w's memory is not moved: only the room it has). */
bool med_wl_layout_append(struct vgpu_workload *w, const struct vgpu_workload *x, bool running);

/* The scheduler's part_at: the part of @sw the engine is in with its
 * ring's HEAD at @ring_head. */
unsigned med_wl_part_at(const struct med_sched_workload *sw, uint32_t ring_head);

/* loop.c */
/* Plan the traps of @res's first-level loops at @*end (growing it) if
 * they fit @w's window; each loop's trampoline offset is then known. */
void med_wl_loops_plan(struct vgpu_workload *w, const struct med_scan_result *res,
                       uint64_t *end);
/* The trampoline offset a batch start @site of @res goes to, or 0: not a
 * trapped loop. */
uint32_t med_wl_loop_trampoline(const struct vgpu_workload *w, const struct med_scan_result *res,
                                const struct med_scan_bb_start *site);
/* Write the trampolines, pointed at the first scan's copy of each loop
 * (@offsets: of each buffer of @res), and add their address dwords to the
 * sites; @w->sites has room for 2 * LOOP_TRAPS_MAX more. */
void med_wl_loops_build(struct vgpu_workload *w, const struct med_scan_result *res,
                        const uint64_t *offsets);
/* Write @count sites' addresses for @w's window. */
void med_wl_patch_sites(struct vgpu_workload *w, const struct bb_site *sites, unsigned count);
/* The GPU stopped @w at GGTT @address: if that is the stop of a loop
 * whose rescan was refused, the refusal is counted and logged as @w's
 * rejection (true). */
bool med_wl_loop_stop(struct vgpu_workload *w, uint64_t address);
/* Free what @w's traps hold. */
void med_wl_loops_free(struct vgpu_workload *w);

/* writes.c */
/* The workloads of @w's vGPU in flight whose writes meet a page @w's scan
 * (@res, of @len ring bytes) read: their WL_SLOT_BITs, 0 if none. */
uint32_t med_wl_writers_of(const struct vgpu_workload *w, const struct guest_context *ctx,
                           const struct med_scan_result *res, uint32_t len);
/* Record the pages @res's commands may write, through @ppgtt and the
 * GGTT as of now, as @w's write set. */
void med_wl_writes_record(struct vgpu_workload *w, const struct med_scan_result *res,
                          const struct med_vgpu_ppgtt *ppgtt);
/* @x's write set joins @w's (anything, without memory for it). */
void med_wl_writes_add(struct vgpu_workload *w, const struct vgpu_workload *x);
/* @w's scan stopped before a batch its ring writes first (its result's split):
 * @w runs its ring's first @len bytes, completes the elements whose
 * tails it covers, and puts the others back for the rest. */
void med_wl_split(struct vgpu_workload *w, uint32_t len);

/* bind.c */
/* The scheduler's bind: map @sw's memory at its engine's window @window_index. */
uint64_t med_wl_bind(struct med_sched_workload *sw, unsigned window_index);
void med_wl_extend(struct med_sched_workload *sw);
/* Running @w's memory appended to since it was bound (its sites from
 * @first_site on): mapped at its window, those batch starts patched. */
void med_wl_bind_appended(struct vgpu_workload *w, unsigned first_site);
/* The group of @w's elements (0: its own, else the join's index + 1) the
 * GPU stopped in at GGTT @address (0 where @address says nothing). */
unsigned med_wl_stopped_group(const struct vgpu_workload *w, uint64_t address);
/* Where in @w's bound shadow the GPU stopped at @address, and the two dwords there. */
void med_wl_describe_stop(const struct vgpu_workload *w, uint64_t address, char *text, size_t size);

#endif /* GPUMED_MEDIATOR_SUBMISSION_PRIVATE_H */
