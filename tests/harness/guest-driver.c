/*
 * guest-driver.c - a host-side stand-in for QEMU plus the guest's i915
 * (see guest-driver.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tests/harness/guest-driver.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "pgpu/native.h"
#include "pgpu/skl-regs.h"

#define FIRST_GPA       (1ull << 20)    /* guest pages below stay unused */
#define SEQNO_OFFSET    0x100           /* seqno slot in the context's PPHWSP */
/* ELSP elements without COMPLETE yet, per VM: i915 keeps a bounded number
 * in flight, and the mediator closes a client whose unread COMPLETEs fill
 * its socket. */
#define MAX_IN_FLIGHT   64

struct guest_ppgtt {
    struct guest_vm *vm;
    struct guest_bo *pml4;
};

struct guest_ctx {
    struct guest_vm *vm;
    enum gen9_engine engine;
    struct guest_bo *image, *ring;
    uint64_t desc;
    uint32_t head, tail;            /* bytes: HEAD as COMPLETE reported it */
    uint32_t next_seqno;
    uint64_t submitted, completed, rejected;
};

struct guest_vm {
    struct wire_client *client;
    struct wire_client_vgpu vgpu;
    int ram_fd;
    uint8_t *ram;
    uint64_t ram_size;
    uint64_t next_gpa, next_gma;
    uint32_t next_ctx_id;
    uint64_t submitted, completed;  /* elements, all contexts */
    void **owned;                   /* bos, PPGTTs and contexts, freed at the end */
    size_t owned_count;
    struct guest_ctx **ctxs;
    size_t ctx_count;
    struct guest_events events;
    /* The stand-in for QEMU's dirty log (wire_client_watch_tables): a bit
     * per page of RAM, set by every write of the harness's own helpers to
     * guest memory; and the pages the client has looked at. */
    uint64_t *written, *seen;
    /* Runs once in the next look (guest_vm_during_next_look()). */
    void (*during_look)(void *opaque);
    void *during_look_opaque;
};

static bool own(void ***array, size_t *count, void *p)
{
    void **grown = realloc(*array, (*count + 1) * sizeof(*grown));

    if (!grown) {
        return false;
    }
    grown[(*count)++] = p;
    *array = grown;
    return true;
}

static void on_complete(void *opaque, const struct wire_completion *done)
{
    struct guest_vm *vm = opaque;

    vm->completed++;
    vm->events.user_interrupts += done->user_interrupt;
    if (done->event == WIRE_EVENT_DONE) {
        vm->events.done++;
    } else if (done->event == WIRE_EVENT_REJECTED) {
        vm->events.rejected++;
        if (done->engine_error) {
            vm->events.engine_errors++;
            vm->events.last_engine_error = done->engine_error;
        }
    } else {
        vm->events.other++;
    }
    for (size_t i = 0; i < vm->ctx_count; i++) {
        struct guest_ctx *ctx = vm->ctxs[i];

        if (ctx->desc == done->desc && (enum gen9_engine)ctx->engine == done->engine) {
            ctx->completed++;
            if (done->event == WIRE_EVENT_DONE) {
                ctx->head = done->ring_head;
            } else {
                ctx->rejected++;
            }
            return;
        }
    }
}

static bool page_bit(uint64_t *bits, uint64_t page, bool clear)
{
    bool set = bits[page / 64] >> (page % 64) & 1;

    if (clear) {
        bits[page / 64] &= ~(1ull << (page % 64));
    }
    return set;
}

/* The guest's CPU wrote [@gpa, @gpa + @len). */
static void log_write(struct guest_vm *vm, uint64_t gpa, uint64_t len)
{
    for (uint64_t page = gpa / PGPU_PAGE_SIZE; page <= (gpa + len - 1) / PGPU_PAGE_SIZE; page++) {
        vm->written[page / 64] |= 1ull << (page % 64);
    }
}

/* As QEMU's dirty log answers the client: a page not looked at before
 * counts as written. */
static bool pages_written(void *opaque, const uint64_t *gpas, unsigned count)
{
    struct guest_vm *vm = opaque;
    bool any = false;

    for (unsigned i = 0; i < count; i++) {
        uint64_t page = gpas[i] / PGPU_PAGE_SIZE;

        if (gpas[i] < vm->ram_size) {
            any |= !page_bit(vm->seen, page, false) | page_bit(vm->written, page, true);
            vm->seen[page / 64] |= 1ull << (page % 64);
        }
    }
    if (vm->during_look) {
        void (*fn)(void *opaque) = vm->during_look;

        vm->during_look = NULL;
        fn(vm->during_look_opaque);
    }
    return any;
}

void guest_vm_during_next_look(struct guest_vm *vm, void (*fn)(void *opaque), void *opaque)
{
    vm->during_look = fn;
    vm->during_look_opaque = opaque;
}

/* A VM whose vGPU is of @type, or the reserved vGPU @vgpu_name. */
static struct guest_vm *vm_open(const char *socket_path, const char *name, uint64_t ram_size,
                                const char *type, const char *vgpu_name)
{
    struct guest_vm *vm = calloc(1, sizeof(*vm));

    if (!vm) {
        return NULL;
    }
    vm->ram_size = ram_size;
    vm->next_gpa = FIRST_GPA;
    vm->ram_fd = memfd_create("guest-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (vm->ram_fd < 0 || ftruncate(vm->ram_fd, (off_t)ram_size) ||
        fcntl(vm->ram_fd, F_ADD_SEALS, F_SEAL_SHRINK)) {
        goto fail;
    }
    vm->ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->ram_fd, 0);
    if (vm->ram == MAP_FAILED) {
        vm->ram = NULL;
        goto fail;
    }
    vm->written = calloc(ram_size / PGPU_PAGE_SIZE / 64 + 1, sizeof(*vm->written));
    vm->seen = calloc(ram_size / PGPU_PAGE_SIZE / 64 + 1, sizeof(*vm->seen));
    if (!vm->written || !vm->seen) {
        goto fail;
    }
    vm->client = wire_client_connect(socket_path, name, on_complete, vm);
    if (vm->client) {
        wire_client_watch_tables(vm->client, pages_written, vm);
    }
    if (!vm->client || wire_client_add_memory(vm->client, 0, ram_size, vm->ram_fd, 0) ||
        (vgpu_name ? wire_client_attach_vgpu(vm->client, vgpu_name, &vm->vgpu) :
                     wire_client_create_vgpu(vm->client, type, &vm->vgpu))) {
        goto fail;
    }
    vm->next_gma = vm->vgpu.hidden_base;
    return vm;

fail:
    guest_vm_destroy(vm);
    return NULL;
}

struct guest_vm *guest_vm_create(const char *socket_path, const char *name,
                                 uint64_t ram_size, const char *type)
{
    return vm_open(socket_path, name, ram_size, type, NULL);
}

struct guest_vm *guest_vm_attach(const char *socket_path, const char *name,
                                 uint64_t ram_size, const char *vgpu_name)
{
    return vm_open(socket_path, name, ram_size, NULL, vgpu_name);
}

void guest_vm_destroy(struct guest_vm *vm)
{
    if (!vm) {
        return;
    }
    wire_client_close(vm->client);
    if (vm->ram) {
        munmap(vm->ram, vm->ram_size);
    }
    if (vm->ram_fd >= 0) {
        close(vm->ram_fd);
    }
    for (size_t i = 0; i < vm->owned_count; i++) {
        free(vm->owned[i]);
    }
    free(vm->owned);
    free(vm->ctxs);
    free(vm->written);
    free(vm->seen);
    free(vm);
}

const struct wire_client_vgpu *guest_vm_vgpu(const struct guest_vm *vm)
{
    return &vm->vgpu;
}

struct wire_client *guest_vm_client(const struct guest_vm *vm)
{
    return vm->client;
}

const struct guest_events *guest_vm_events(const struct guest_vm *vm)
{
    return &vm->events;
}

static void *guest_ptr(const struct guest_vm *vm, uint64_t gpa)
{
    return vm->ram + gpa;
}

void guest_ggtt_set(struct guest_vm *vm, uint64_t gma, uint64_t pte)
{
    wire_client_ggtt_write(vm->client, (uint32_t)(gma / PGPU_PAGE_SIZE), pte);
}

struct guest_bo *guest_bo_new(struct guest_vm *vm, uint64_t size, bool ggtt)
{
    uint64_t pages = (size + PGPU_PAGE_SIZE - 1) / PGPU_PAGE_SIZE;
    uint64_t bytes = (pages ? pages : 1) * PGPU_PAGE_SIZE;
    struct guest_bo *bo;

    if (bytes > vm->ram_size - vm->next_gpa ||
        (ggtt && bytes > vm->vgpu.hidden_base + vm->vgpu.hidden_size - vm->next_gma)) {
        errno = ENOSPC;
        return NULL;
    }
    bo = calloc(1, sizeof(*bo));
    if (!bo || !own(&vm->owned, &vm->owned_count, bo)) {
        free(bo);
        return NULL;
    }
    bo->gpa = vm->next_gpa;
    bo->size = bytes;
    bo->map = guest_ptr(vm, bo->gpa);
    memset(bo->map, 0, bytes);
    log_write(vm, bo->gpa, bytes);
    vm->next_gpa += bytes;
    if (ggtt) {
        bo->gma = vm->next_gma;
        vm->next_gma += bytes;
        for (uint64_t off = 0; off < bytes; off += PGPU_PAGE_SIZE) {
            guest_ggtt_set(vm, bo->gma + off, (bo->gpa + off) | GTT_PTE_PRESENT);
        }
    }
    return bo;
}

/* ---- PPGTT, as i915 lays it out: 4 levels, 4 KiB pages ---- */

struct guest_ppgtt *guest_ppgtt_new(struct guest_vm *vm)
{
    struct guest_ppgtt *ppgtt = calloc(1, sizeof(*ppgtt));

    if (!ppgtt || !own(&vm->owned, &vm->owned_count, ppgtt)) {
        free(ppgtt);
        return NULL;
    }
    ppgtt->vm = vm;
    ppgtt->pml4 = guest_bo_new(vm, PGPU_PAGE_SIZE, false);
    if (!ppgtt->pml4 ||
        wire_client_ppgtt_notify(vm->client, WIRE_PPGTT_CREATE, ppgtt->pml4->gpa)) {
        return NULL;
    }
    return ppgtt;
}

uint64_t guest_ppgtt_root(const struct guest_ppgtt *ppgtt)
{
    return ppgtt->pml4->gpa;
}

int guest_ppgtt_announce(struct guest_ppgtt *ppgtt, enum wire_ppgtt_op op)
{
    return wire_client_ppgtt_notify(ppgtt->vm->client, op, ppgtt->pml4->gpa);
}

/* The entry of @addr in the table of @level (1: the leaf), with the
 * directories on the way created. */
static uint64_t *table_entry(struct guest_ppgtt *ppgtt, uint64_t addr, unsigned level)
{
    uint64_t *table = ppgtt->pml4->map;

    for (unsigned shift = 39; shift > 12 + 9 * (level - 1); shift -= 9) {
        uint64_t *entry = &table[(addr >> shift) & 511];

        if (!(*entry & GTT_PTE_PRESENT)) {
            struct guest_bo *next = guest_bo_new(ppgtt->vm, PGPU_PAGE_SIZE, false);

            if (!next) {
                return NULL;
            }
            *entry = next->gpa | GTT_PTE_PRESENT | SKL_BIT(1);
            log_write(ppgtt->vm, (uint64_t)((uint8_t *)entry - ppgtt->vm->ram), sizeof(*entry));
        }
        table = guest_ptr(ppgtt->vm, *entry & GTT_PTE_ADDR_MASK);
    }
    return &table[(addr >> (12 + 9 * (level - 1))) & 511];
}

int guest_ppgtt_replace_table(struct guest_ppgtt *ppgtt, uint64_t addr, unsigned level)
{
    uint64_t *entry = table_entry(ppgtt, addr, level);
    struct guest_bo *table = entry ? guest_bo_new(ppgtt->vm, PGPU_PAGE_SIZE, false) : NULL;

    if (!table || level < 2) {
        return -ENOSPC;
    }
    __atomic_store_n(entry, table->gpa | GTT_PTE_PRESENT | SKL_BIT(1), __ATOMIC_RELEASE);
    log_write(ppgtt->vm, (uint64_t)((uint8_t *)entry - ppgtt->vm->ram), sizeof(*entry));
    return 0;
}

uint64_t guest_ppgtt_table_gpa(struct guest_ppgtt *ppgtt, uint64_t addr, unsigned level)
{
    uint64_t *entry = table_entry(ppgtt, addr, level);

    return entry ? (uint64_t)((uint8_t *)entry - ppgtt->vm->ram) & ~(uint64_t)(PGPU_PAGE_SIZE - 1)
                 : 0;
}

int guest_ppgtt_set_entry(struct guest_ppgtt *ppgtt, uint64_t addr, unsigned level,
                          uint64_t value)
{
    uint64_t *entry = table_entry(ppgtt, addr, level);

    if (!entry) {
        return -ENOSPC;
    }
    __atomic_store_n(entry, value, __ATOMIC_RELEASE);
    log_write(ppgtt->vm, (uint64_t)((uint8_t *)entry - ppgtt->vm->ram), sizeof(*entry));
    return 0;
}

int guest_ppgtt_set_pte(struct guest_ppgtt *ppgtt, uint64_t addr, uint64_t pte)
{
    return guest_ppgtt_set_entry(ppgtt, addr, 1, pte);
}

int guest_ppgtt_map(struct guest_ppgtt *ppgtt, const struct guest_bo *bo, uint64_t addr)
{
    for (uint64_t off = 0; off < bo->size; off += PGPU_PAGE_SIZE) {
        int ret = guest_ppgtt_set_pte(ppgtt, addr + off,
                                      (bo->gpa + off) | GTT_PTE_PRESENT | SKL_BIT(1));

        if (ret) {
            return ret;
        }
    }
    return 0;
}

int guest_ppgtt_grow(struct guest_ppgtt *ppgtt, uint64_t addr, unsigned count,
                     const struct guest_bo *page)
{
    for (uint64_t i = 0; i < count; i++) {
        int ret = guest_ppgtt_set_pte(ppgtt, addr + (i << 21),
                                      page->gpa | GTT_PTE_PRESENT | SKL_BIT(1));

        if (ret) {
            return ret;
        }
    }
    return 0;
}

/* ---- contexts ---- */

static uint32_t *image_state(const struct guest_ctx *ctx)
{
    return (uint32_t *)((uint8_t *)ctx->image->map + LRC_STATE_OFFSET);
}

struct guest_ctx *guest_ctx_new(struct guest_vm *vm, enum gen9_engine engine,
                                struct guest_ppgtt *ppgtt)
{
    unsigned pages = gen9_engines[engine].context_pages;
    struct guest_ctx *ctx = calloc(1, sizeof(*ctx));

    if (!ctx || !own(&vm->owned, &vm->owned_count, ctx)) {
        free(ctx);
        return NULL;
    }
    if (!own((void ***)&vm->ctxs, &vm->ctx_count, ctx)) {
        return NULL;
    }
    ctx->vm = vm;
    ctx->engine = engine;
    ctx->image = guest_bo_new(vm, (uint64_t)pages * PGPU_PAGE_SIZE, true);
    ctx->ring = guest_bo_new(vm, GUEST_RING_SIZE, true);
    if (!ctx->image || !ctx->ring) {
        return NULL;
    }
    native_lrc_init(image_state(ctx), engine, (uint32_t)ctx->ring->gma, GUEST_RING_SIZE,
                    guest_ppgtt_root(ppgtt));
    ctx->desc = native_ctx_desc(ctx->image->gma, ++vm->next_ctx_id);
    return ctx;
}

uint32_t *guest_ctx_image(const struct guest_ctx *ctx)
{
    return image_state(ctx);
}

static uint32_t ring_space(const struct guest_ctx *ctx)
{
    return (ctx->head - ctx->tail - 8 + GUEST_RING_SIZE) % GUEST_RING_SIZE;
}

/* Handle what the mediator sent and move on what waits for room in the
 * submission ring (as QEMU's main loop does), waiting at most @timeout_ms
 * for the socket (its DOORBELLs). */
static int pump(struct guest_vm *vm, int timeout_ms)
{
    struct pollfd p = { .fd = wire_client_fd(vm->client), .events = POLLIN };
    int n = poll(&p, 1, timeout_ms);

    if (n < 0) {
        return errno == EINTR ? 0 : -errno;
    }
    if (n == 0) {
        return -ETIMEDOUT;
    }
    return wire_client_dispatch(vm->client) ? -errno : 0;
}

int guest_ctx_emit_over(struct guest_ctx *ctx, const uint32_t *dw, unsigned count)
{
    uint32_t *ring = ctx->ring->map;

    for (unsigned i = 0; i < count; i++) {
        ring[ctx->tail / 4] = dw[i];
        ctx->tail = (ctx->tail + 4) % GUEST_RING_SIZE;
    }
    return 0;
}

int guest_ctx_emit(struct guest_ctx *ctx, const uint32_t *dw, unsigned count)
{
    while (ring_space(ctx) < 4 * count + 64) {
        int ret;

        if (ctx->completed == ctx->submitted) {
            return -ENOSPC;     /* nothing in flight will free space */
        }
        ret = pump(ctx->vm, WIRE_CLIENT_TIMEOUT_MS);
        if (ret) {
            return ret;
        }
    }
    return guest_ctx_emit_over(ctx, dw, count);
}

/* As i915 on a vGPU starts a batch (no preemption there:
 * gen8_emit_bb_start_noarb()): arbitration off, then the start. */
int guest_ctx_emit_batch(struct guest_ctx *ctx, uint64_t addr, bool ppgtt)
{
    uint32_t cmd[] = {
        MI_ARB_ON_OFF,
        MI_BATCH_BUFFER_START | (ppgtt ? MI_BB_PPGTT : 0),
        (uint32_t)addr, (uint32_t)(addr >> 32),
    };

    return guest_ctx_emit(ctx, cmd, 4);
}

/* As i915 closes a request (gen8_emit_fini_breadcrumb()): the seqno, the
 * interrupt, then arbitration on again and an arbitration point. */
int guest_ctx_emit_breadcrumb(struct guest_ctx *ctx, uint32_t *seqno)
{
    uint32_t cmd[NATIVE_BREADCRUMB_MAX + 3];
    unsigned count;

    *seqno = ++ctx->next_seqno;
    count = native_breadcrumb(ctx->engine, ctx->image->gma + SEQNO_OFFSET, *seqno, cmd);
    cmd[count++] = MI_ARB_ON_OFF | MI_ARB_ENABLE;
    cmd[count++] = MI_ARB_CHECK;
    if ((ctx->tail / 4 + count) % 2) {
        cmd[count++] = MI_NOOP;         /* RING_TAIL is qword aligned */
    }
    return guest_ctx_emit(ctx, cmd, count);
}

uint64_t guest_ctx_desc(const struct guest_ctx *ctx)
{
    return ctx->desc;
}

uint32_t guest_ctx_seqno(const struct guest_ctx *ctx)
{
    return __atomic_load_n((uint32_t *)((uint8_t *)ctx->image->map + SEQNO_OFFSET),
                           __ATOMIC_ACQUIRE);
}

void guest_ctx_publish_tail(struct guest_ctx *ctx)
{
    __atomic_store_n(&image_state(ctx)[CTX_RING_TAIL_DW], ctx->tail, __ATOMIC_RELEASE);
}

/* What the engine takes at the ELSP write, as vgpu-pci reads it there. */
static uint32_t sampled_tail(const struct guest_ctx *ctx)
{
    return ctx ? __atomic_load_n(&image_state(ctx)[CTX_RING_TAIL_DW], __ATOMIC_ACQUIRE) : 0;
}

/* An ELSP write, after taking the completions that arrived (QEMU's main
 * loop handles them between the guest's MMIO writes; its vCPU's ELSP
 * write itself reads no socket: neither does this, the DOORBELLs wait for
 * the next pump). */
static int submit(struct guest_ctx *first, struct guest_ctx *second)
{
    struct guest_vm *vm = first->vm;

    if (wire_client_take_completions(vm->client)) {
        return -errno;
    }
    while (vm->submitted - vm->completed >= MAX_IN_FLIGHT) {
        int ret = pump(vm, WIRE_CLIENT_TIMEOUT_MS);

        if (ret) {
            return ret;
        }
    }
    vm->submitted += second ? 2 : 1;
    guest_ctx_publish_tail(first);
    first->submitted++;
    if (second) {
        guest_ctx_publish_tail(second);
        second->submitted++;
    }
    return wire_client_submit(first->vm->client, (enum gen9_engine)first->engine, first->desc,
                              sampled_tail(first), second ? second->desc : 0,
                              sampled_tail(second)) ? -errno : 0;
}

int guest_ctx_submit(struct guest_ctx *ctx)
{
    return submit(ctx, NULL);
}

int guest_ctx_submit_pair(struct guest_ctx *first, struct guest_ctx *second)
{
    return submit(first, second);
}

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int guest_ctx_wait(struct guest_ctx *ctx, unsigned timeout_ms)
{
    uint64_t deadline = now_ms() + timeout_ms;

    while (ctx->completed < ctx->submitted) {
        uint64_t now = now_ms();
        int ret;

        if (now >= deadline) {
            return -ETIMEDOUT;
        }
        ret = pump(ctx->vm, (int)(deadline - now));
        if (ret && ret != -ETIMEDOUT) {
            return ret;
        }
    }
    return ctx->rejected ? -EIO : 0;
}

int guest_ctx_barrier(struct guest_ctx *ctx, unsigned timeout_ms)
{
    int ret = submit(ctx, NULL);

    return ret ? ret : guest_ctx_wait(ctx, timeout_ms);
}

int guest_ctx_recover(struct guest_ctx *ctx)
{
    if (wire_client_reset_engines(ctx->vm->client, 1u << ctx->engine)) {
        return -errno;
    }
    /* What was queued is gone: the ring restarts empty at its tail. */
    ctx->vm->completed += ctx->submitted - ctx->completed;
    ctx->completed = ctx->submitted;
    ctx->rejected = 0;
    ctx->head = ctx->tail;
    __atomic_store_n(&image_state(ctx)[CTX_RING_HEAD_DW], ctx->tail, __ATOMIC_RELEASE);
    return 0;
}
