/*
 * skl-execlist.c - engines: one thread each, execlist submission (ELSP),
 * context status buffer events, logical ring context restore/save, hang
 * detection and engine reset.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pgpu/skl.h"

#include <assert.h>
#include <errno.h>
#include <string.h>
#include <time.h>

/* An unsatisfied semaphore is polled again after 20 µs, backing off to 1 ms
 * while it stays unsatisfied. */
#define SEMAPHORE_POLL_MIN_NS 20000
#define SEMAPHORE_POLL_MAX_NS 1000000

/* The model loads and saves the register state page by position
 * (gen9_lrc_layouts), whatever the image's headers say. */
static const struct gen9_lrc_block *lrc_layout(const struct skl_engine *e)
{
    return gen9_lrc_layouts[e->id].block;
}

static uint32_t desc_lrca(uint64_t desc)
{
    return (uint32_t)desc & CTX_DESC_LRCA_MASK;
}

static uint32_t desc_ctx_id(uint64_t desc)
{
    return (uint32_t)(desc >> 32);
}

/* The register state page of active[0], to read or (@write) to write, or
 * NULL (a fault is recorded). */
static uint32_t *context_state_page(struct skl_engine *e, bool write)
{
    uint64_t addr = (uint64_t)desc_lrca(e->active[0].desc) + LRC_STATE_OFFSET;
    uint32_t *page = (uint32_t *)skl_ggtt_translate(e->gpu, &e->tlb, addr, write);

    if (!page) {
        e->fault_addr = addr;
        e->fault_space = SKL_GGTT;
    }
    return page;
}

/*
 * CTX_TIMESTAMP counts the context's time on the engine.  A real engine is
 * never taken off by its host; the model's is a host thread, and the wall
 * time since switch-in charged the context with the time the host ran
 * other threads instead (docs/gpu-model.md, "Timestamps").  So it counts
 * what the thread executed for the context (its CPU time in the context's
 * slices) and the time the context waited on a semaphore.
 */
uint32_t skl_ctx_timestamp_locked(const struct skl_engine *e)
{
    uint32_t saved = skl_ereg(e, RING_CTX_TIMESTAMP);
    uint64_t ns = e->ctx_run_ns;

    if (!e->active[0].desc || e->hung) {
        return saved;
    }
    if (e->ctx_wait_since) {
        uint64_t now = skl_now_ns();

        ns += now > e->ctx_wait_since ? now - e->ctx_wait_since : 0;
    }
    return saved + (uint32_t)gen9_cs_ticks(ns);
}

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void stop_context_locked(struct skl_engine *e, enum skl_exec_result why);

/* Load active[0]'s state from its context image. */
static void context_restore_locked(struct skl_engine *e)
{
    const struct gen9_lrc_block *layout = lrc_layout(e);
    uint32_t *image = context_state_page(e, false);
    bool inhibit;

    if (!image) {
        stop_context_locked(e, SKL_EXEC_FAULT);
        return;
    }
    inhibit = __atomic_load_n(&image[CTX_CONTEXT_CONTROL_DW], __ATOMIC_RELAXED) &
              CTX_CTRL_ENGINE_CTX_RESTORE_INHIBIT;
    for (unsigned b = 0; b < GEN9_LRC_BLOCKS; b++) {
        for (unsigned i = 0; i < layout[b].count; i++) {
            const struct gen9_lrc_reg *r = &layout[b].regs[i];
            /* acquire: a driver publishes TAIL after writing the ring */
            uint32_t v = __atomic_load_n(&image[gen9_lrc_value_dw(&layout[b], i)],
                                         __ATOMIC_ACQUIRE);

            if (r->flags & GEN9_LRC_SAVE_ONLY) {
                continue;
            }
            if (inhibit && layout[b].engine_state) {
                v = 0;
            } else if (r->flags & GEN9_LRC_MASKED) {
                uint32_t select = v >> 16;

                v = (skl_ereg(e, r->reg) & ~select) | (v & select & 0xffff);
            }
            skl_set_ereg(e, r->reg, v);
        }
    }
    skl_set_ereg(e, RING_HEAD, skl_ereg(e, RING_HEAD) & HEAD_ADDR);
    e->addressing = ((uint32_t)e->active[0].desc >> CTX_DESC_ADDRESSING_SHIFT) & 3;
    e->level = skl_ereg(e, RING_SBBSTATE) & BB_STATE_ACTIVE ? SKL_LEVEL_SECOND_BATCH :
               skl_ereg(e, RING_BBSTATE) & BB_STATE_ACTIVE ? SKL_LEVEL_BATCH :
               SKL_LEVEL_RING;
    e->arb_enabled = true;
    e->ctx_run_ns = 0;
    e->ctx_wait_since = 0;
    e->progress_run_ns = 0;
    skl_tlb_flush(&e->tlb);
    SKL_STAT_INC(e->gpu, context_switches);
}

/* Write active[0]'s state back into its context image. */
static void context_save_locked(struct skl_engine *e)
{
    const struct gen9_lrc_block *layout = lrc_layout(e);
    uint32_t *image;

    skl_set_ereg(e, RING_CTX_TIMESTAMP, skl_ctx_timestamp_locked(e));
    if (skl_ereg(e, RING_CONTEXT_CONTROL) & CTX_CTRL_ENGINE_CTX_SAVE_INHIBIT) {
        return;
    }
    image = context_state_page(e, true);
    if (!image) {
        SKL_STAT_INC(e->gpu, lost_status_writes);
        return;
    }
    for (unsigned b = 0; b < GEN9_LRC_BLOCKS; b++) {
        for (unsigned i = 0; i < layout[b].count; i++) {
            const struct gen9_lrc_reg *r = &layout[b].regs[i];
            uint32_t v = r->reg == RING_TIMESTAMP ? (uint32_t)gen9_cs_timestamp() :
                                                    skl_ereg(e, r->reg);

            if (r->flags & GEN9_LRC_RESTORE_ONLY) {
                continue;
            }
            if (r->flags & GEN9_LRC_MASKED) {
                v |= 0xffff0000;
            }
            __atomic_store_n(&image[gen9_lrc_value_dw(&layout[b], i)], v, __ATOMIC_RELAXED);
        }
    }
}

/*
 * Append a CSB event: entry first (MMIO copy and status page), then the
 * write pointer, then the context-switch interrupt.
 */
static void csb_write_locked(struct skl_engine *e, uint32_t status, uint32_t ctx_id)
{
    uint32_t ptr = skl_ereg(e, RING_CONTEXT_STATUS_PTR);
    unsigned wp = ptr & CSB_WRITE_PTR_MASK;
    uint32_t *hwsp;

    wp = wp >= GEN8_CSB_ENTRIES - 1 ? 0 : wp + 1;    /* 7 means "none written yet" */
    skl_set_ereg(e, RING_CONTEXT_STATUS_BUF_LO(wp), status);
    skl_set_ereg(e, RING_CONTEXT_STATUS_BUF_HI(wp), ctx_id);
    hwsp = (uint32_t *)skl_ggtt_translate(e->gpu, &e->tlb,
                                          skl_ereg(e, RING_HWS_PGA) & ~0xfffu, true);
    if (hwsp) {
        __atomic_store_n(&hwsp[HWSP_CSB_DW + 2 * wp], status, __ATOMIC_RELAXED);
        __atomic_store_n(&hwsp[HWSP_CSB_DW + 2 * wp + 1], ctx_id, __ATOMIC_RELAXED);
        __atomic_store_n(&hwsp[HWSP_CSB_WRITE_PTR_DW], wp, __ATOMIC_RELEASE);
    } else {
        SKL_STAT_INC(e->gpu, lost_status_writes);
    }
    skl_set_ereg(e, RING_CONTEXT_STATUS_PTR, (ptr & ~CSB_WRITE_PTR_MASK) | wp);
    __atomic_fetch_add(&e->gpu->stats.status_events, 1, __ATOMIC_RELEASE);
    skl_irq_raise_locked(e, GT_CONTEXT_SWITCH_INTERRUPT);
}

static void stop_context_locked(struct skl_engine *e, enum skl_exec_result why)
{
    struct skl_gpu *gpu = e->gpu;
    uint32_t error = why == SKL_EXEC_FAULT ? I915_ERROR_PAGE_TABLE :
                     why == SKL_EXEC_HANG ? RING_ERR_HANG : I915_ERROR_INSTRUCTION;

    e->hung = true;
    skl_set_ereg(e, RING_EIR, skl_ereg(e, RING_EIR) | error);
    skl_set_ereg(e, RING_ESR, skl_ereg(e, RING_ESR) | error);
    if (why == SKL_EXEC_FAULT) {
        SKL_STAT_INC(gpu, gpu_faults);
        skl_set_ereg(e, RING_RESET_CTL, skl_ereg(e, RING_RESET_CTL) | RESET_CTL_CAT_ERROR);
        skl_reg_store(gpu, RING_FAULT_REG(e->info->hw_id), RING_FAULT_VALID);
        skl_reg_store(gpu, GEN8_FAULT_TLB_DATA0, (uint32_t)(e->fault_addr >> 12));
        skl_reg_store(gpu, GEN8_FAULT_TLB_DATA1, ((uint32_t)(e->fault_addr >> 44) & 0xf) |
                      (e->fault_space == SKL_GGTT ? FAULT_GTT_SEL : 0));
    } else if (why == SKL_EXEC_HANG) {
        SKL_STAT_INC(gpu, hangs);
    } else {
        SKL_STAT_INC(gpu, bad_commands);
    }
    skl_irq_raise_locked(e, GT_CS_MASTER_ERROR_INTERRUPT);
}

/*
 * Take the pending ELSP pair: at once when idle or when port 0 is the
 * running context (lite restore: new tail); replacing a different running
 * context (preemption) only at an arbitration point.
 */
static void accept_submission_locked(struct skl_engine *e, bool at_arb_point)
{
    struct skl_elem *active = e->active;

    if (!e->has_pending || e->hung) {
        return;
    }
    if (!active[0].desc) {
        memcpy(active, e->pending, sizeof(e->pending));
        __atomic_store_n(&e->has_pending, false, __ATOMIC_RELAXED);
        csb_write_locked(e, GEN8_CTX_STATUS_IDLE_ACTIVE, 0);
        context_restore_locked(e);
    } else if (desc_lrca(e->pending[0].desc) == desc_lrca(active[0].desc)) {
        uint32_t *image = context_state_page(e, false);

        csb_write_locked(e, GEN8_CTX_STATUS_PREEMPTED | GEN8_CTX_STATUS_LITE_RESTORE,
                         desc_ctx_id(active[0].desc));
        memcpy(active, e->pending, sizeof(e->pending));
        __atomic_store_n(&e->has_pending, false, __ATOMIC_RELAXED);
        if (!image) {
            stop_context_locked(e, SKL_EXEC_FAULT);
            return;
        }
        skl_set_ereg(e, RING_TAIL, __atomic_load_n(&image[CTX_RING_TAIL_DW],
                                                   __ATOMIC_ACQUIRE));
    } else if (at_arb_point) {
        context_save_locked(e);
        csb_write_locked(e, GEN8_CTX_STATUS_PREEMPTED, desc_ctx_id(active[0].desc));
        memcpy(active, e->pending, sizeof(e->pending));
        __atomic_store_n(&e->has_pending, false, __ATOMIC_RELAXED);
        context_restore_locked(e);
    }
}

/* active[0] ran out of commands: save it, then switch to active[1] or idle. */
static void context_done_locked(struct skl_engine *e)
{
    uint32_t ctx_id = desc_ctx_id(e->active[0].desc);

    context_save_locked(e);
    if (e->active[1].desc) {
        csb_write_locked(e, GEN8_CTX_STATUS_ELEMENT_SWITCH | GEN8_CTX_STATUS_COMPLETE, ctx_id);
        e->active[0] = e->active[1];
        e->active[1].desc = 0;
        context_restore_locked(e);
    } else {
        csb_write_locked(e, GEN8_CTX_STATUS_ACTIVE_IDLE | GEN8_CTX_STATUS_COMPLETE, ctx_id);
        e->active[0].desc = 0;
    }
}

/*
 * No progress for the hang timeout of the engine's own time: what the
 * thread executed for the context since its ring HEAD last moved, and its
 * semaphore waits (@in_slice: from the engine thread inside a slice, whose
 * CPU time is not added yet).  Wall time would count the time the host
 * kept the thread off a CPU: a loop the guest ends from its CPU (IGT's
 * spinner), as slow as the host makes the guest, was stopped as a hang on
 * a loaded host (docs/gpu-model.md, "Hang detection").
 */
static bool skl_engine_hang_expired(const struct skl_engine *e, bool in_slice)
{
    uint64_t ns = e->ctx_run_ns;

    if (e->ctx_wait_since) {
        uint64_t now = skl_now_ns();

        ns += now > e->ctx_wait_since ? now - e->ctx_wait_since : 0;
    }
    if (in_slice) {
        ns += thread_cpu_ns() - e->slice_cpu_start;
    }
    return ns - e->progress_run_ns > e->gpu->hang_timeout_ns;
}

bool skl_engine_must_stop(struct skl_engine *e, bool *hang)
{
    *hang = skl_engine_hang_expired(e, true);
    return *hang || __atomic_load_n(&e->reset_requested, __ATOMIC_RELAXED) ||
           __atomic_load_n(&e->gpu->quit, __ATOMIC_RELAXED);
}

/* One slice of work, with dma_lock held for reading and lock not held. */
static void run_slice(struct skl_engine *e)
{
    struct skl_gpu *gpu = e->gpu;
    enum skl_exec_result result;
    uint64_t cpu_ns;
    bool runnable;

    skl_tlb_flush(&e->tlb);
    pthread_mutex_lock(&gpu->lock);
    accept_submission_locked(e, false);
    /* An accepted ELSP's interrupt is raised before the engine runs on
     * (engine_thread() delivers it): the owner may write the next one. */
    runnable = e->active[0].desc && !e->hung && !e->reset_requested && !e->irq_to_deliver;
    pthread_mutex_unlock(&gpu->lock);
    if (!runnable) {
        return;
    }
    cpu_ns = e->slice_cpu_start = thread_cpu_ns();
    e->progressed = false;
    result = skl_execute_slice(e);
    cpu_ns = thread_cpu_ns() - cpu_ns;
    pthread_mutex_lock(&gpu->lock);
    e->ctx_run_ns += cpu_ns;
    if (e->progressed) {
        e->progress_run_ns = e->ctx_run_ns;
    }
    if (result != SKL_EXEC_WAIT) {
        e->poll_ns = 0;
    }
    switch (result) {
    case SKL_EXEC_CONTEXT_DONE:
        context_done_locked(e);
        break;
    case SKL_EXEC_FAULT:
    case SKL_EXEC_BAD_COMMAND:
    case SKL_EXEC_HANG:
        stop_context_locked(e, result);
        break;
    case SKL_EXEC_ARB_POINT:
        accept_submission_locked(e, true);
        break;
    case SKL_EXEC_WAIT:
        /* an unsatisfied semaphore is an arbitration point */
        e->poll_wait = true;
        e->poll_ns = e->poll_ns ? e->poll_ns * 2 : SEMAPHORE_POLL_MIN_NS;
        if (e->poll_ns > SEMAPHORE_POLL_MAX_NS) {
            e->poll_ns = SEMAPHORE_POLL_MAX_NS;
        }
        if (e->arb_enabled) {
            accept_submission_locked(e, true);
        }
        break;
    case SKL_EXEC_CONTINUE:
    case SKL_EXEC_SLICE_END:
        break;
    }
    if (!e->hung && e->active[0].desc && !e->reset_requested &&
        skl_engine_hang_expired(e, false)) {
        stop_context_locked(e, SKL_EXEC_HANG);
    }
    pthread_mutex_unlock(&gpu->lock);
}

static bool has_work_locked(const struct skl_engine *e)
{
    if (e->hung || (skl_ereg(e, RING_MI_MODE) & STOP_RING)) {
        return false;
    }
    return e->has_pending || e->active[0].desc;
}

bool skl_engine_idle_locked(const struct skl_engine *e)
{
    return !has_work_locked(e) && !e->executing;
}

static void reset_now_locked(struct skl_engine *e)
{
    static const uint32_t cleared[] = {
        RING_HEAD, RING_TAIL, RING_START, RING_CTL, RING_BBSTATE, RING_BBADDR,
        RING_BBADDR_UDW, RING_SBBSTATE, RING_SBBADDR, RING_SBBADDR_UDW,
        RING_EIR, RING_ESR, RING_RESET_CTL, RING_MI_MODE, RING_CTX_TIMESTAMP,
    };

    memset(e->active, 0, sizeof(e->active));
    memset(e->pending, 0, sizeof(e->pending));
    __atomic_store_n(&e->has_pending, false, __ATOMIC_RELAXED);
    e->elsp_count = 0;
    e->hung = false;
    e->poll_wait = false;
    e->poll_ns = 0;
    e->ctx_wait_since = 0;
    __atomic_store_n(&e->reset_requested, false, __ATOMIC_RELAXED);
    for (unsigned i = 0; i < sizeof(cleared) / sizeof(cleared[0]); i++) {
        skl_set_ereg(e, cleared[i], 0);
    }
    for (unsigned i = 0; i < GEN8_CSB_ENTRIES; i++) {
        skl_set_ereg64(e, RING_CONTEXT_STATUS_BUF_LO(i), RING_CONTEXT_STATUS_BUF_HI(i), 0);
    }
    skl_set_ereg(e, RING_CONTEXT_STATUS_PTR, 0x0707);
    skl_reg_store(e->gpu, RING_FAULT_REG(e->info->hw_id), 0);
    SKL_STAT_INC(e->gpu, engine_resets);
    pthread_cond_broadcast(&e->settled);
}

void skl_engine_reset_locked(struct skl_engine *e)
{
    if (e->executing && !pthread_equal(pthread_self(), e->thread)) {
        __atomic_store_n(&e->reset_requested, true, __ATOMIC_RELAXED);
        while (e->reset_requested) {
            pthread_cond_wait(&e->settled, &e->gpu->lock);
        }
        return;
    }
    reset_now_locked(e);
}

void skl_engine_kick_locked(struct skl_engine *e)
{
    pthread_cond_signal(&e->wake);
}

void skl_elsp_write_locked(struct skl_engine *e, uint32_t value)
{
    uint64_t desc0, desc1;
    unsigned mode;

    e->elsp_dw[e->elsp_count++] = value;
    if (e->elsp_count < 4) {
        return;
    }
    e->elsp_count = 0;
    /* written as desc1 high, desc1 low, desc0 high, desc0 low */
    desc1 = e->elsp_dw[1] | (uint64_t)e->elsp_dw[0] << 32;
    desc0 = e->elsp_dw[3] | (uint64_t)e->elsp_dw[2] << 32;
    mode = ((uint32_t)desc0 >> CTX_DESC_ADDRESSING_SHIFT) & 3;
    if (!(skl_ereg(e, RING_MODE_GEN7) & GFX_RUN_LIST_ENABLE) ||
        !(desc0 & CTX_DESC_VALID) || e->has_pending ||
        (mode != CTX_ADDRESSING_LEGACY_64B && mode != CTX_ADDRESSING_LEGACY_32B)) {
        SKL_STAT_INC(e->gpu, bad_submissions);
        return;
    }
    e->pending[0].desc = desc0;
    e->pending[1].desc = desc1 & CTX_DESC_VALID ? desc1 : 0;
    __atomic_store_n(&e->has_pending, true, __ATOMIC_RELAXED);
    pthread_cond_signal(&e->wake);
}

uint32_t skl_execlist_status_locked(const struct skl_engine *e, bool high)
{
    if (high) {
        return desc_ctx_id(e->active[0].desc);
    }
    return (e->active[1].desc ? EXECLIST_STATUS_1_VALID : 0) |
           (e->active[0].desc ? EXECLIST_STATUS_0_VALID | EXECLIST_STATUS_0_ACTIVE : 0);
}

static void poll_sleep_locked(struct skl_engine *e)
{
    struct timespec until;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += (long)e->poll_ns;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    pthread_cond_timedwait(&e->wake, &e->gpu->lock, &until);
}

static void *engine_thread(void *opaque)
{
    struct skl_engine *e = opaque;
    struct skl_gpu *gpu = e->gpu;

    if (gpu->host.thread_enter) {
        gpu->host.thread_enter(gpu->host.opaque);
    }
    pthread_mutex_lock(&gpu->lock);
    while (!gpu->quit) {
        bool deliver;

        if (e->reset_requested) {
            reset_now_locked(e);
            continue;
        }
        if (!has_work_locked(e)) {
            pthread_cond_wait(&e->wake, &gpu->lock);
            continue;
        }
        if (e->poll_wait) {
            e->poll_wait = false;
            e->ctx_wait_since = skl_now_ns();
            poll_sleep_locked(e);
            if (e->ctx_wait_since) {    /* not reset or switched meanwhile */
                e->ctx_run_ns += skl_now_ns() - e->ctx_wait_since;
                e->ctx_wait_since = 0;
            }
            continue;
        }
        e->executing = true;
        pthread_mutex_unlock(&gpu->lock);
        pthread_rwlock_rdlock(&gpu->dma_lock);
        run_slice(e);
        pthread_rwlock_unlock(&gpu->dma_lock);
        pthread_mutex_lock(&gpu->lock);
        e->executing = false;
        pthread_cond_broadcast(&e->settled);
        deliver = e->irq_to_deliver;
        e->irq_to_deliver = false;
        if (deliver) {
            pthread_mutex_unlock(&gpu->lock);
            skl_irq_deliver(gpu);
            pthread_mutex_lock(&gpu->lock);
        }
    }
    pthread_mutex_unlock(&gpu->lock);
    if (gpu->host.thread_exit) {
        gpu->host.thread_exit(gpu->host.opaque);
    }
    return NULL;
}

int skl_engines_start(struct skl_gpu *gpu)
{
    for (unsigned i = 0; i < GEN9_NUM_ENGINES; i++) {
        struct skl_engine *e = &gpu->engines[i];
        int err;

        e->gpu = gpu;
        e->id = i;
        e->info = &gen9_engines[i];
        e->base = e->info->base;
        skl_tlb_flush(&e->tlb);
        pthread_cond_init(&e->wake, NULL);
        pthread_cond_init(&e->settled, NULL);
        err = pthread_create(&e->thread, NULL, engine_thread, e);
        if (err) {
            return err;
        }
        e->thread_started = true;
    }
    return 0;
}

void skl_engines_stop(struct skl_gpu *gpu)
{
    pthread_mutex_lock(&gpu->lock);
    __atomic_store_n(&gpu->quit, true, __ATOMIC_RELAXED);
    for (unsigned i = 0; i < GEN9_NUM_ENGINES; i++) {
        pthread_cond_broadcast(&gpu->engines[i].wake);
    }
    pthread_mutex_unlock(&gpu->lock);
    for (unsigned i = 0; i < GEN9_NUM_ENGINES; i++) {
        struct skl_engine *e = &gpu->engines[i];

        if (e->thread_started) {
            pthread_join(e->thread, NULL);
            pthread_cond_destroy(&e->wake);
            pthread_cond_destroy(&e->settled);
        }
    }
}
