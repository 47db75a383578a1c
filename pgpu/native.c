/*
 * native.c - the native driver (see native.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pgpu/native.h"

#include <assert.h>
#include <pthread.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pgpu/skl-regs.h"

#define BUS_BASE            (1ull << 32)    /* where bus addresses are handed out */
#define GGTT_BASE           0x10000u        /* GGTT addresses below stay unused */
#define GUARD_GAP           PGPU_PAGE_SIZE  /* unmapped gap after each bo */
#define MAX_OUTSTANDING     1024
#define SUBMIT_TIMEOUT_MS   10000
#define MS                  1000000ull

struct native_engine {
    enum gen9_engine id;
    uint32_t base;
    struct native_bo *hwsp;
    unsigned csb_head;
    struct native_ctx *active[2];
    struct native_ctx *pending[2];
    bool pending_valid;
    uint64_t csb_events;
};

struct native_vm {
    struct native *n;
    struct native_bo *pml4;
    struct native_bo **tables;      /* every directory and table below the PML4 */
    size_t table_count;
};

struct outstanding {
    uint32_t seqno;
    uint32_t tail;                  /* ring offset after its breadcrumb */
};

struct native_ctx {
    struct native *n;
    struct native_engine *engine;
    struct native_bo *image;
    struct native_bo *ring;
    uint64_t desc;
    uint32_t head, tail;            /* bytes: consumed up to head, written up to tail */
    uint32_t next_seqno;
    uint32_t submitted_seqno;       /* the last seqno before the tail handed to the engine */
    struct outstanding outstanding[MAX_OUTSTANDING];
    unsigned out_first, out_count;
};

struct native {
    const struct pgpu_ops *ops;
    struct pgpu *gpu;
    pthread_mutex_t lock;
    pthread_cond_t irq;             /* broadcast by the interrupt handler */
    uint64_t next_bus;
    uint64_t next_ggtt;
    uint32_t next_ctx_id;
    struct native_engine engines[GEN9_NUM_ENGINES];
    struct native_bo **bos;
    size_t bo_count;
    struct native_vm **vms;
    size_t vm_count;
    struct native_ctx **ctxs;
    size_t ctx_count;
};

static bool push_ptr(void ***array, size_t *count, void *p)
{
    void **grown = realloc(*array, (*count + 1) * sizeof(*grown));

    if (!grown) {
        return false;
    }
    grown[(*count)++] = p;
    *array = grown;
    return true;
}

static void mmio_write(struct native *n, uint32_t offset, uint32_t value)
{
    n->ops->mmio_write(n->gpu, offset, value, 4);
}

static uint32_t mmio_read(struct native *n, uint32_t offset)
{
    return (uint32_t)n->ops->mmio_read(n->gpu, offset, 4);
}

static uint64_t round_up_pages(uint64_t size)
{
    return (size + PGPU_PAGE_SIZE - 1) & ~(uint64_t)(PGPU_PAGE_SIZE - 1);
}

struct native_bo *native_bo_new(struct native *n, uint64_t size, bool ggtt)
{
    struct native_bo *bo = calloc(1, sizeof(*bo));

    if (!bo) {
        return NULL;
    }
    bo->size = round_up_pages(size ? size : 1);
    bo->map = aligned_alloc(PGPU_PAGE_SIZE, bo->size);
    if (!bo->map) {
        free(bo);
        return NULL;
    }
    memset(bo->map, 0, bo->size);
    bo->bus = n->next_bus;
    if (n->ops->dma_map(n->gpu, bo->bus, bo->map, bo->size) ||
        !push_ptr((void ***)&n->bos, &n->bo_count, bo)) {
        n->ops->dma_unmap(n->gpu, bo->bus, bo->size);
        free(bo->map);
        free(bo);
        return NULL;
    }
    n->next_bus += bo->size + GUARD_GAP;
    if (ggtt) {
        bo->ggtt = n->next_ggtt;
        n->next_ggtt += bo->size + GUARD_GAP;
        for (uint64_t off = 0; off < bo->size; off += PGPU_PAGE_SIZE) {
            n->ops->ggtt_write(n->gpu, (uint32_t)((bo->ggtt + off) >> 12),
                               (bo->bus + off) | GTT_PTE_PRESENT);
        }
    }
    return bo;
}

static void bo_release(struct native *n, struct native_bo *bo)
{
    if (bo->ggtt) {
        for (uint64_t off = 0; off < bo->size; off += PGPU_PAGE_SIZE) {
            n->ops->ggtt_write(n->gpu, (uint32_t)((bo->ggtt + off) >> 12), 0);
        }
    }
    n->ops->dma_unmap(n->gpu, bo->bus, bo->size);
    free(bo->map);
    free(bo);
}

void native_bo_free(struct native *n, struct native_bo *bo)
{
    for (size_t i = 0; i < n->bo_count; i++) {
        if (n->bos[i] == bo) {
            n->bos[i] = n->bos[--n->bo_count];
            bo_release(n, bo);
            return;
        }
    }
    assert(!"bo not owned by this driver");
}

struct native_vm *native_vm_new(struct native *n)
{
    struct native_vm *vm = calloc(1, sizeof(*vm));

    if (!vm) {
        return NULL;
    }
    vm->n = n;
    vm->pml4 = native_bo_new(n, PGPU_PAGE_SIZE, false);
    if (!vm->pml4 || !push_ptr((void ***)&n->vms, &n->vm_count, vm)) {
        free(vm);
        return NULL;
    }
    return vm;
}

static uint64_t *table_at(struct native_vm *vm, uint64_t bus)
{
    if (bus == vm->pml4->bus) {
        return vm->pml4->map;
    }
    for (size_t i = 0; i < vm->table_count; i++) {
        if (vm->tables[i]->bus == bus) {
            return vm->tables[i]->map;
        }
    }
    return NULL;
}

/* The page table covering @addr, created on the way if @create. */
static uint64_t *page_table(struct native_vm *vm, uint64_t addr, bool create)
{
    uint64_t *table = vm->pml4->map;

    for (unsigned shift = 39; shift >= 21; shift -= 9) {
        uint64_t *entry = &table[(addr >> shift) & 511];

        if (!(*entry & GTT_PTE_PRESENT)) {
            struct native_bo *next;

            if (!create) {
                return NULL;
            }
            next = native_bo_new(vm->n, PGPU_PAGE_SIZE, false);
            if (!next || !push_ptr((void ***)&vm->tables, &vm->table_count, next)) {
                return NULL;
            }
            *entry = next->bus | GTT_PTE_PRESENT | SKL_BIT(1);
        }
        table = table_at(vm, *entry & GTT_PTE_ADDR_MASK);
        assert(table);
    }
    return table;
}

int native_vm_bind(struct native_vm *vm, const struct native_bo *bo, uint64_t addr)
{
    if (addr & (PGPU_PAGE_SIZE - 1)) {
        return -EINVAL;
    }
    for (uint64_t off = 0; off < bo->size; off += PGPU_PAGE_SIZE) {
        uint64_t *pt = page_table(vm, addr + off, true);

        if (!pt) {
            return -ENOMEM;
        }
        pt[((addr + off) >> 12) & 511] = (bo->bus + off) | GTT_PTE_PRESENT | SKL_BIT(1);
    }
    return 0;
}

int native_vm_unbind_page(struct native_vm *vm, uint64_t addr)
{
    uint64_t *pt = page_table(vm, addr, false);

    if (!pt) {
        return -ENOENT;
    }
    pt[(addr >> 12) & 511] &= ~(uint64_t)GTT_PTE_PRESENT;
    return 0;
}

/* The register state of a Gen9 context image (contract 6.5): the
 * MI_LOAD_REGISTER_IMM blocks of gen9_lrc_layouts; the driver's values are
 * zero but for the ring, the PPGTT root and the masked controls, the
 * engine's are left as the engine saved them. */
void native_lrc_init(uint32_t *state, enum gen9_engine engine, uint32_t ring_ggtt,
                     uint32_t ring_size, uint64_t pml4)
{
    const struct gen9_lrc_block *layout = gen9_lrc_layouts[engine].block;

    gen9_lrc_write_layout(state, engine);
    for (unsigned b = 0; b < GEN9_LRC_BLOCKS; b++) {
        for (unsigned i = 0; !layout[b].engine_state && i < layout[b].count; i++) {
            state[gen9_lrc_value_dw(&layout[b], i)] = 0;
        }
    }
    state[CTX_CONTEXT_CONTROL_DW] = MASKED_BIT_ENABLE(CTX_CTRL_INHIBIT_SYN_CTX_SWITCH) |
                                    MASKED_BIT_DISABLE(CTX_CTRL_ENGINE_CTX_RESTORE_INHIBIT |
                                                       CTX_CTRL_ENGINE_CTX_SAVE_INHIBIT);
    state[CTX_RING_START_DW] = ring_ggtt;
    state[CTX_RING_CTL_DW] = (ring_size - PGPU_PAGE_SIZE) | RING_VALID;
    state[CTX_PDP_UDW_DW(0)] = (uint32_t)(pml4 >> 32);
    state[CTX_PDP_LDW_DW(0)] = (uint32_t)pml4;
    state[CTX_RING_MI_MODE_DW] = MASKED_BIT_DISABLE(STOP_RING);
}

uint64_t native_ctx_desc(uint64_t lrca, uint32_t ctx_id)
{
    return lrca | CTX_DESC_VALID | CTX_DESC_PRIVILEGE |
           CTX_ADDRESSING_LEGACY_64B << CTX_DESC_ADDRESSING_SHIFT | (uint64_t)(ctx_id << 5) << 32;
}

struct native_ctx *native_ctx_new(struct native *n, enum gen9_engine engine,
                                  struct native_vm *vm)
{
    unsigned pages = gen9_engines[engine].context_pages;
    struct native_ctx *ctx = calloc(1, sizeof(*ctx));

    if (!ctx) {
        return NULL;
    }
    ctx->n = n;
    ctx->engine = &n->engines[engine];
    ctx->image = native_bo_new(n, (uint64_t)pages * PGPU_PAGE_SIZE, true);
    ctx->ring = native_bo_new(n, NATIVE_RING_SIZE, true);
    if (!ctx->image || !ctx->ring || !push_ptr((void ***)&n->ctxs, &n->ctx_count, ctx)) {
        free(ctx);
        return NULL;
    }
    native_lrc_init((uint32_t *)((uint8_t *)ctx->image->map + LRC_STATE_OFFSET), engine,
                    (uint32_t)ctx->ring->ggtt, (uint32_t)ctx->ring->size, vm->pml4->bus);
    ctx->desc = native_ctx_desc(ctx->image->ggtt, ++n->next_ctx_id);
    return ctx;
}

const struct native_bo *native_ctx_image(const struct native_ctx *ctx)
{
    return ctx->image;
}

static volatile uint32_t *seqno_slot(const struct native_ctx *ctx)
{
    return (volatile uint32_t *)((uint8_t *)ctx->image->map + NATIVE_SEQNO_OFFSET);
}

uint32_t native_ctx_seqno(const struct native_ctx *ctx)
{
    return __atomic_load_n(seqno_slot(ctx), __ATOMIC_ACQUIRE);
}

/* Follow the engine's CSB in its status page (like i915's process_csb). */
static void process_csb_locked(struct native_engine *engine)
{
    uint32_t *hwsp = engine->hwsp->map;
    unsigned tail = __atomic_load_n(&hwsp[HWSP_CSB_WRITE_PTR_DW], __ATOMIC_ACQUIRE) & 7;

    if (tail >= GEN8_CSB_ENTRIES) {
        return;
    }
    while (engine->csb_head != tail) {
        uint32_t status;

        engine->csb_head = (engine->csb_head + 1) % GEN8_CSB_ENTRIES;
        status = __atomic_load_n(&hwsp[HWSP_CSB_DW + 2 * engine->csb_head],
                                 __ATOMIC_RELAXED);
        engine->csb_events++;
        if (status & (GEN8_CTX_STATUS_IDLE_ACTIVE | GEN8_CTX_STATUS_PREEMPTED)) {
            memcpy(engine->active, engine->pending, sizeof(engine->active));
            engine->pending_valid = false;
        } else {
            engine->active[0] = engine->active[1];
            engine->active[1] = NULL;
        }
    }
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Sleep until the next interrupt or 1 ms, whichever comes first. */
static void wait_irq_locked(struct native *n)
{
    struct timespec until;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 1000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    pthread_cond_timedwait(&n->irq, &n->lock, &until);
}

static bool engine_failed(struct native *n, const struct native_engine *engine)
{
    return mmio_read(n, engine->base + RING_EIR) != 0;
}

static void write_elsp_locked(struct native_engine *engine, struct native_ctx *first,
                              struct native_ctx *second)
{
    struct native *n = first->n;
    uint64_t desc1 = second ? second->desc : 0;
    uint32_t elsp = engine->base + RING_ELSP;

    engine->pending[0] = first;
    engine->pending[1] = second;
    engine->pending_valid = true;
    mmio_write(n, elsp, (uint32_t)(desc1 >> 32));
    mmio_write(n, elsp, (uint32_t)desc1);
    mmio_write(n, elsp, (uint32_t)(first->desc >> 32));
    mmio_write(n, elsp, (uint32_t)first->desc);
}

static void publish_tail(struct native_ctx *ctx)
{
    uint32_t *state = (uint32_t *)((uint8_t *)ctx->image->map + LRC_STATE_OFFSET);

    __atomic_store_n(&state[CTX_RING_TAIL_DW], ctx->tail, __ATOMIC_RELEASE);
}

/* 1 when the wait is over, 0 to keep waiting, or a -errno that ends it. */
typedef int native_done_fn(struct native_engine *engine, const void *arg);

/*
 * With n->lock held, follow @engine's CSB until @done says so: 0, its
 * -errno, -EIO when @fail_on_error and the engine stopped a context, or
 * -ETIMEDOUT.
 */
static int wait_locked(struct native *n, struct native_engine *engine, native_done_fn *done,
                       const void *arg, unsigned timeout_ms, bool fail_on_error)
{
    uint64_t deadline = now_ns() + timeout_ms * MS;

    for (;;) {
        int state;

        process_csb_locked(engine);
        state = done(engine, arg);
        if (state) {
            return state > 0 ? 0 : state;
        }
        if (fail_on_error && engine_failed(n, engine)) {
            return -EIO;
        }
        if (now_ns() > deadline) {
            return -ETIMEDOUT;
        }
        wait_irq_locked(n);
    }
}

struct elsp_pair {
    struct native_ctx *first, *second;
};

/*
 * ELSP rules of a driver without preemption: write only when the previous
 * submission was acknowledged, and only to extend the running context
 * (lite restore) or to start an idle engine.
 */
static int may_submit(struct native_engine *engine, const void *arg)
{
    const struct elsp_pair *pair = arg;

    return !engine->pending_valid && !engine->active[1] &&
           (!engine->active[0] || (engine->active[0] == pair->first && !pair->second));
}

static int submit(struct native_ctx *first, struct native_ctx *second)
{
    struct native *n = first->n;
    const struct elsp_pair pair = { first, second };
    int ret;

    publish_tail(first);
    if (second) {
        publish_tail(second);
    }
    pthread_mutex_lock(&n->lock);
    ret = wait_locked(n, first->engine, may_submit, &pair, SUBMIT_TIMEOUT_MS, true);
    if (!ret) {
        write_elsp_locked(first->engine, first, second);
        first->submitted_seqno = first->next_seqno;
        if (second) {
            second->submitted_seqno = second->next_seqno;
        }
    }
    pthread_mutex_unlock(&n->lock);
    return ret;
}

int native_submit(struct native_ctx *ctx)
{
    return submit(ctx, NULL);
}

int native_submit_pair(struct native_ctx *first, struct native_ctx *second)
{
    assert(first->engine == second->engine && first != second);
    return submit(first, second);
}

struct seqno_wait {
    const struct native_ctx *ctx;
    uint32_t seqno;
};

static bool engine_idle(struct native_engine *engine)
{
    return !engine->active[0] && !engine->pending_valid;
}

/*
 * Reached, or lost: the engine reported every submission done (its last
 * CSB event said idle, after the seqno writes of what it ran) while a
 * submitted seqno is still behind.
 */
static int seqno_reached(struct native_engine *engine, const void *arg)
{
    const struct seqno_wait *w = arg;

    if ((int32_t)(native_ctx_seqno(w->ctx) - w->seqno) >= 0) {
        return 1;
    }
    return engine_idle(engine) && (int32_t)(w->ctx->submitted_seqno - w->seqno) >= 0 ?
           -EPIPE : 0;
}

int native_wait(struct native_ctx *ctx, uint32_t seqno, unsigned timeout_ms)
{
    const struct seqno_wait w = { ctx, seqno };
    int ret;

    pthread_mutex_lock(&ctx->n->lock);
    ret = wait_locked(ctx->n, ctx->engine, seqno_reached, &w, timeout_ms, true);
    pthread_mutex_unlock(&ctx->n->lock);
    return ret;
}

static int engine_idle_done(struct native_engine *engine, const void *arg)
{
    return engine_idle(engine);
}

int native_wait_idle(struct native *n, enum gen9_engine id, unsigned timeout_ms)
{
    int ret;

    pthread_mutex_lock(&n->lock);
    ret = wait_locked(n, &n->engines[id], engine_idle_done, NULL, timeout_ms, false);
    pthread_mutex_unlock(&n->lock);
    return ret;
}

/* Drop outstanding breadcrumbs that completed, freeing their ring space. */
static void retire(struct native_ctx *ctx)
{
    uint32_t done = native_ctx_seqno(ctx);

    while (ctx->out_count &&
           (int32_t)(ctx->outstanding[ctx->out_first].seqno - done) <= 0) {
        ctx->head = ctx->outstanding[ctx->out_first].tail;
        ctx->out_first = (ctx->out_first + 1) % MAX_OUTSTANDING;
        ctx->out_count--;
    }
}

static uint32_t ring_space(const struct native_ctx *ctx)
{
    return (ctx->head - ctx->tail - 8 + NATIVE_RING_SIZE) % NATIVE_RING_SIZE;
}

/* Wait for the oldest breadcrumb (submitting what is written first). */
static void wait_oldest(struct native_ctx *ctx)
{
    assert(ctx->out_count);
    native_submit(ctx);
    native_wait(ctx, ctx->outstanding[ctx->out_first].seqno, SUBMIT_TIMEOUT_MS);
    retire(ctx);
}

/* Room for @bytes plus a breadcrumb. */
static void reserve(struct native_ctx *ctx, uint32_t bytes)
{
    assert(bytes < NATIVE_RING_SIZE / 2);
    retire(ctx);
    while (ring_space(ctx) < bytes + 64 && ctx->out_count) {
        wait_oldest(ctx);
    }
}

static void ring_write(struct native_ctx *ctx, const uint32_t *dw, unsigned count)
{
    uint32_t *ring = ctx->ring->map;

    for (unsigned i = 0; i < count; i++) {
        ring[ctx->tail / 4] = dw[i];
        ctx->tail = (ctx->tail + 4) % NATIVE_RING_SIZE;
    }
}

void native_emit(struct native_ctx *ctx, const uint32_t *dw, unsigned count)
{
    reserve(ctx, 4 * count);
    ring_write(ctx, dw, count);
}

void native_emit_batch(struct native_ctx *ctx, uint64_t addr, bool ppgtt)
{
    uint32_t cmd[] = {
        MI_BATCH_BUFFER_START | (ppgtt ? MI_BB_PPGTT : 0),
        (uint32_t)addr, (uint32_t)(addr >> 32),
    };

    native_emit(ctx, cmd, 3);
}

unsigned native_breadcrumb(enum gen9_engine engine, uint64_t slot, uint32_t seqno,
                           uint32_t cmd[NATIVE_BREADCRUMB_MAX])
{
    unsigned count = 0;

    if (engine == GEN9_RCS) {
        cmd[count++] = PIPE_CONTROL;
        cmd[count++] = PC_POST_SYNC_IMMEDIATE | PC_GLOBAL_GTT | PC_CS_STALL;
        cmd[count++] = (uint32_t)slot;
        cmd[count++] = (uint32_t)(slot >> 32);
        cmd[count++] = seqno;
        cmd[count++] = 0;
    } else {
        cmd[count++] = MI_FLUSH_DW | MI_POST_SYNC_IMMEDIATE;
        cmd[count++] = (uint32_t)slot | MI_FLUSH_DW_USE_GTT;
        cmd[count++] = (uint32_t)(slot >> 32);
        cmd[count++] = seqno;
    }
    cmd[count++] = MI_USER_INTERRUPT;
    return count;
}

uint32_t native_emit_breadcrumb(struct native_ctx *ctx)
{
    uint64_t slot = ctx->image->ggtt + NATIVE_SEQNO_OFFSET;
    uint32_t seqno = ++ctx->next_seqno;
    uint32_t cmd[NATIVE_BREADCRUMB_MAX + 1];
    unsigned count;

    if (ctx->out_count == MAX_OUTSTANDING) {
        wait_oldest(ctx);
    }
    reserve(ctx, sizeof(cmd));
    count = native_breadcrumb(ctx->engine->id, slot, seqno, cmd);
    if ((ctx->tail / 4 + count) % 2) {
        cmd[count++] = MI_NOOP;         /* RING_TAIL is qword aligned */
    }
    ring_write(ctx, cmd, count);
    ctx->outstanding[(ctx->out_first + ctx->out_count) % MAX_OUTSTANDING] =
        (struct outstanding){ .seqno = seqno, .tail = ctx->tail };
    ctx->out_count++;
    return seqno;
}

static void irq_handler(void *opaque)
{
    struct native *n = opaque;

    pthread_mutex_lock(&n->lock);
    pthread_cond_broadcast(&n->irq);
    pthread_mutex_unlock(&n->lock);
}

/* Execlist mode, a status page, and the CSB pointers reset (contract 6.3). */
static void engine_init(struct native *n, struct native_engine *engine)
{
    uint32_t *hwsp = engine->hwsp->map;

    for (unsigned i = 0; i < 2 * GEN8_CSB_ENTRIES; i++) {
        hwsp[HWSP_CSB_DW + i] = ~0u;
    }
    hwsp[HWSP_CSB_WRITE_PTR_DW] = GEN8_CSB_ENTRIES - 1;
    engine->csb_head = GEN8_CSB_ENTRIES - 1;
    memset(engine->active, 0, sizeof(engine->active));
    engine->pending_valid = false;
    mmio_write(n, engine->base + RING_HWS_PGA, (uint32_t)engine->hwsp->ggtt);
    mmio_write(n, engine->base + RING_MODE_GEN7, MASKED_BIT_ENABLE(GFX_RUN_LIST_ENABLE));
    mmio_write(n, engine->base + RING_CONTEXT_STATUS_PTR,
               0xffff0000 | (GEN8_CSB_ENTRIES - 1) << 8 | (GEN8_CSB_ENTRIES - 1));
}

static void irq_init(struct native *n)
{
    uint32_t enable[GEN8_GT_BANKS] = { 0 };

    for (unsigned i = 0; i < GEN9_NUM_ENGINES; i++) {
        enable[gen9_engines[i].irq_bank] |=
            (GT_RENDER_USER_INTERRUPT | GT_CONTEXT_SWITCH_INTERRUPT |
             GT_CS_MASTER_ERROR_INTERRUPT) << gen9_engines[i].irq_shift;
    }
    for (unsigned bank = 0; bank < GEN8_GT_BANKS; bank++) {
        mmio_write(n, GEN8_GT_IIR(bank), ~0u);
        mmio_write(n, GEN8_GT_IER(bank), enable[bank]);
        mmio_write(n, GEN8_GT_IMR(bank), ~enable[bank]);
    }
    n->ops->set_irq_handler(n->gpu, irq_handler, n);
    mmio_write(n, GEN8_MASTER_IRQ, GEN8_MASTER_IRQ_CONTROL);
}

struct native *native_open(const struct pgpu_ops *ops, const struct pgpu_config *config)
{
    struct native *n = calloc(1, sizeof(*n));

    if (!n) {
        return NULL;
    }
    n->ops = ops;
    n->next_bus = BUS_BASE;
    n->next_ggtt = GGTT_BASE;
    pthread_mutex_init(&n->lock, NULL);
    pthread_cond_init(&n->irq, NULL);
    n->gpu = ops->create(config);
    if (!n->gpu) {
        int err = errno;

        native_close(n);
        errno = err;
        return NULL;
    }
    for (unsigned i = 0; i < GEN9_NUM_ENGINES; i++) {
        struct native_engine *engine = &n->engines[i];

        engine->id = i;
        engine->base = gen9_engines[i].base;
        engine->hwsp = native_bo_new(n, PGPU_PAGE_SIZE, true);
        if (!engine->hwsp) {
            native_close(n);
            errno = ENOMEM;
            return NULL;
        }
        engine_init(n, engine);
    }
    irq_init(n);
    return n;
}

void native_close(struct native *n)
{
    if (!n) {
        return;
    }
    if (n->gpu) {
        n->ops->destroy(n->gpu);    /* engines stop before memory goes */
    }
    for (size_t i = 0; i < n->bo_count; i++) {
        free(n->bos[i]->map);
        free(n->bos[i]);
    }
    for (size_t i = 0; i < n->vm_count; i++) {
        free(n->vms[i]->tables);
        free(n->vms[i]);
    }
    for (size_t i = 0; i < n->ctx_count; i++) {
        free(n->ctxs[i]);
    }
    free(n->bos);
    free(n->vms);
    free(n->ctxs);
    pthread_cond_destroy(&n->irq);
    pthread_mutex_destroy(&n->lock);
    free(n);
}

struct pgpu *native_gpu(struct native *n)
{
    return n->gpu;
}

uint64_t native_csb_events(const struct native *n, enum gen9_engine engine)
{
    return n->engines[engine].csb_events;
}

void native_reset_engine(struct native *n, enum gen9_engine id)
{
    struct native_engine *engine = &n->engines[id];

    n->ops->reset_engine(n->gpu, id);
    pthread_mutex_lock(&n->lock);
    engine_init(n, engine);
    for (size_t i = 0; i < n->ctx_count; i++) {
        struct native_ctx *ctx = n->ctxs[i];
        uint32_t *state = (uint32_t *)((uint8_t *)ctx->image->map + LRC_STATE_OFFSET);

        if (ctx->engine != engine) {
            continue;
        }
        /* what was queued is lost: complete its seqnos, restart the ring */
        __atomic_store_n(seqno_slot(ctx), ctx->next_seqno, __ATOMIC_RELEASE);
        ctx->head = ctx->tail = 0;
        ctx->out_count = 0;
        state[CTX_RING_HEAD_DW] = 0;
        state[CTX_RING_TAIL_DW] = 0;
    }
    pthread_mutex_unlock(&n->lock);
}
