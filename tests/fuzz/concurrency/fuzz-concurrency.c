/*
 * Fuzz the interleavings of issue 12's escapes: two VMs on one real
 * mediator (served by a thread, the isolation invariants checked at every
 * dispatch), a hostile one that interleaves page-table changes under
 * running and waiting workloads, submissions on several engines of one
 * PPGTT, semaphore releases, PPGTT notifications and engine resets, and a
 * victim that keeps running a verified store and watches a canary in its
 * RAM.  Each input is the hostile VM's life; after it, the victim's
 * results must be exact and its canary intact.  A broken invariant aborts
 * inside the mediator.  fuzz_reach() counts, from the mediator's counters,
 * what the inputs got to (reach.h).
 *
 * The hostile VM's memory: a batch buffer, a data buffer, a semaphore
 * page and SPARES spare buffers; its PPGTT maps batch, data and semaphore
 * at fixed addresses and SLOTS store targets (one per 2 MiB, so that
 * table changes at every level apply).  Records are RECORD bytes,
 * {u8 op, arguments}:
 *   0 map:       u8 slot, u8 spare          a target now names a spare buffer
 *   1 PTE:       u8 slot, u16 page, u8 bits a target's leaf entry, any page (out of RAM too)
 *   2 table:     u8 slot, u8 level          a new empty directory on the way (2..4)
 *   3 submit:    u8 engine, u8 slot, u8 sem, u32 value
 *                                           a batch storing value at a target,
 *                                           after waiting for sem (if sem < SEMS)
 *   4 release:   u8 sem                     the semaphore is signalled
 *   5 notify:    u8 op                      PPGTT destroy / create of its root
 *   6 reset:     u8 engine                  i915's recovery on that engine
 *   7 victim:                               one verified store of the victim
 *   8 GGTT:      u16 page, u16 guest page, u8 bits   a GGTT entry of its own
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mediator/log.h"
#include "tests/harness/guest-driver.h"
#include "tests/harness/server-thread.h"
#include "pgpu/skl-regs.h"
#include "mediator/submission/submission.h"
#include "tests/fuzz/reach.h"
#include "tests/unit/scan/emit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MiB             (1ull << 20)
#define HOSTILE_RAM     (8 * MiB)
#define VICTIM_RAM      (8 * MiB)
#define HANG_TIMEOUT_MS 20
#define WAIT_MS         10000   /* a liveness bound, not a timing */
#define RECORD          8
#define SLOTS           8
#define SPARES          4
#define SEMS            4
#define BATCH_ADDR      0x0000100000000ull
#define DATA_ADDR       0x0000200000000ull
#define SEM_ADDR        0x0000200200000ull
#define TARGET_ADDR     0x0000300000000ull     /* slot n at + n * 2 MiB */
#define CANARY          0x5afec0deu
#define BATCH_SLOT      256                     /* bytes of batch per submission */

static const enum gen9_engine engines[] = { GEN9_RCS, GEN9_BCS, GEN9_VCS };
#define ENGINES (sizeof(engines) / sizeof(engines[0]))

struct victim {
    struct guest_vm *vm;
    struct guest_ppgtt *ppgtt;
    struct guest_ctx *ctx;
    struct guest_bo *batch, *data, *canary;
    uint32_t runs;
};

struct hostile {
    struct guest_vm *vm;
    struct guest_ppgtt *ppgtt;
    struct guest_ctx *ctx[ENGINES];
    struct guest_bo *batch, *data, *sem, *spare[SPARES];
    unsigned next_batch;
};

static struct server_thread *server(void)
{
    static struct server_thread *st;

    if (!st) {
        med_log_init(getenv("FUZZ_LOG") ? MED_LOG_INFO : MED_LOG_OFF, false);
        st = server_thread_start(HANG_TIMEOUT_MS);
        if (!st) {
            abort();
        }
    }
    return st;
}

static void check(bool ok)
{
    if (!ok) {
        abort();
    }
}

/* The victim's store of its next run number, verified, and its canary. */
static void victim_run(struct victim *v)
{
    uint32_t *p = v->batch->map, seqno;

    v->runs++;
    emit_sdi(&p, DATA_ADDR, false, false);
    p[-1] = v->runs;
    emit(&p, MI_BB_END_DW);
    check(!guest_ctx_emit_batch(v->ctx, BATCH_ADDR, true) &&
          !guest_ctx_emit_breadcrumb(v->ctx, &seqno) && !guest_ctx_submit(v->ctx) &&
          !guest_ctx_wait(v->ctx, WAIT_MS));
    check(((uint32_t *)v->data->map)[0] == v->runs);
    for (unsigned i = 0; i < 1024; i++) {
        check(((uint32_t *)v->canary->map)[i] == CANARY);
    }
}

static void victim_start(struct victim *v)
{
    const char *socket = server_thread_socket(server());

    v->vm = guest_vm_create(socket, "victim", VICTIM_RAM, "gpumed-8");
    check(v->vm != NULL);
    v->ppgtt = guest_ppgtt_new(v->vm);
    v->batch = guest_bo_new(v->vm, 4096, false);
    v->data = guest_bo_new(v->vm, 4096, false);
    v->canary = guest_bo_new(v->vm, 4096, true);
    check(v->ppgtt && v->batch && v->data && v->canary);
    check(!guest_ppgtt_map(v->ppgtt, v->batch, BATCH_ADDR) &&
          !guest_ppgtt_map(v->ppgtt, v->data, DATA_ADDR));
    for (unsigned i = 0; i < 1024; i++) {
        ((uint32_t *)v->canary->map)[i] = CANARY;
    }
    v->ctx = guest_ctx_new(v->vm, GEN9_RCS, v->ppgtt);
    check(v->ctx != NULL);
}

static void hostile_start(struct hostile *h)
{
    h->vm = guest_vm_create(server_thread_socket(server()), "hostile", HOSTILE_RAM,
                            "gpumed-8");
    check(h->vm != NULL);
    h->ppgtt = guest_ppgtt_new(h->vm);
    h->batch = guest_bo_new(h->vm, 64 * 1024, false);
    h->data = guest_bo_new(h->vm, 4096, false);
    h->sem = guest_bo_new(h->vm, 4096, false);
    check(h->ppgtt && h->batch && h->data && h->sem);
    check(!guest_ppgtt_map(h->ppgtt, h->batch, BATCH_ADDR) &&
          !guest_ppgtt_map(h->ppgtt, h->data, DATA_ADDR) &&
          !guest_ppgtt_map(h->ppgtt, h->sem, SEM_ADDR));
    for (unsigned i = 0; i < SPARES; i++) {
        h->spare[i] = guest_bo_new(h->vm, 4096, false);
        check(h->spare[i] != NULL);
    }
    for (unsigned i = 0; i < SLOTS; i++) {
        check(!guest_ppgtt_map(h->ppgtt, h->spare[i % SPARES], TARGET_ADDR + i * 2 * MiB));
    }
    for (unsigned e = 0; e < ENGINES; e++) {
        h->ctx[e] = guest_ctx_new(h->vm, engines[e], h->ppgtt);
        check(h->ctx[e] != NULL);
    }
}

/* A batch storing @value at target @slot, after semaphore @sem if any. */
static void hostile_submit(struct hostile *h, const uint8_t *a)
{
    unsigned e = a[0] % ENGINES, slot = a[1] % SLOTS, sem = a[2];
    uint64_t at = BATCH_ADDR + h->next_batch * BATCH_SLOT;
    uint32_t *p = (uint32_t *)((uint8_t *)h->batch->map + h->next_batch * BATCH_SLOT);
    uint32_t seqno;

    h->next_batch = (h->next_batch + 1) % (64 * 1024 / BATCH_SLOT);
    if (sem < SEMS) {
        emit(&p, MI_SEMAPHORE_WAIT | MI_SEMAPHORE_POLL |
                 MI_SEMAPHORE_OP(MI_SEMAPHORE_SAD_EQ_SDD));
        emit(&p, 1);
        emit_addr(&p, SEM_ADDR + 4 * sem);
    }
    emit_sdi(&p, TARGET_ADDR + slot * 2 * MiB + 8 * (a[3] % 512), false, false);
    memcpy(&p[-1], a + 3, 4);
    emit(&p, MI_BB_END_DW);
    /* A full ring waits for completions; a refusal is the mediator's answer. */
    if (!guest_ctx_emit_batch(h->ctx[e], at, true)) {
        guest_ctx_emit_breadcrumb(h->ctx[e], &seqno);
        guest_ctx_submit(h->ctx[e]);
    }
}

static uint16_t u16_at(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static void hostile_record(struct hostile *h, struct victim *v, const uint8_t *r)
{
    const uint8_t *a = r + 1;
    uint64_t slot_addr = TARGET_ADDR + (a[0] % SLOTS) * 2 * MiB;

    switch (r[0] % 9) {
    case 0:
        guest_ppgtt_map(h->ppgtt, h->spare[a[1] % SPARES], slot_addr);
        break;
    case 1:
        guest_ppgtt_set_pte(h->ppgtt, slot_addr,
                            (uint64_t)u16_at(a + 1) * 4096 | (a[3] & 3));
        break;
    case 2:
        guest_ppgtt_replace_table(h->ppgtt, slot_addr, 2 + a[1] % 3);
        break;
    case 3:
        hostile_submit(h, a);
        break;
    case 4:
        __atomic_store_n(&((uint32_t *)h->sem->map)[a[0] % SEMS], 1, __ATOMIC_RELEASE);
        break;
    case 5:
        guest_ppgtt_announce(h->ppgtt, a[0] & 1 ? WIRE_PPGTT_DESTROY : WIRE_PPGTT_CREATE);
        break;
    case 6:
        guest_ctx_recover(h->ctx[a[0] % ENGINES]);
        break;
    case 7:
        victim_run(v);
        break;
    default:
        guest_ggtt_set(h->vm, guest_vm_vgpu(h->vm)->hidden_base + u16_at(a) % 256 * 4096ull,
                       (uint64_t)u16_at(a + 2) * 4096 | (a[4] & 1));
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct victim v = { 0 };
    struct hostile h = { 0 };

    victim_start(&v);
    hostile_start(&h);
    for (; size >= RECORD; data += RECORD, size -= RECORD) {
        hostile_record(&h, &v, data);
    }
    /* Every semaphore signalled: whatever still waits ends (or is reset). */
    for (unsigned i = 0; i < SEMS; i++) {
        __atomic_store_n(&((uint32_t *)h.sem->map)[i], 1, __ATOMIC_RELEASE);
    }
    for (unsigned e = 0; e < ENGINES; e++) {
        guest_ctx_wait(h.ctx[e], WAIT_MS);
    }
    victim_run(&v);
    guest_vm_destroy(h.vm);
    victim_run(&v);
    guest_vm_destroy(v.vm);
    return 0;
}

void fuzz_reach(fuzz_reach_fn *report)
{
    const struct med_server *server_state;
    const struct med_server_stats *s;
    const struct med_vgpu_exec_stats *ex;

    server_thread_stop(server());       /* its counters are read here now */
    server_state = server_thread_server(server());
    s = med_server_stats(server_state);
    ex = med_server_exec_stats(server_state);
    report("workloads completed on the GPU", ex->times.workloads);
    report("elements rejected by the checks or the scanner", ex->rejected);
    report("PPGTTs shadowed (notifications)", s->ppgtts_created);
    report("PPGTT entries naming no VM memory", ex->ppgtt_bad_entries);
    report("GGTT entries shadowed", ex->ggtt_entries_synced);
    report("engine resets (RESET_ENGINES)", s->engine_resets);
    report("vGPUs destroyed", s->vgpus_destroyed);
}
