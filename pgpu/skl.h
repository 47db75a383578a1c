/*
 * skl.h - internals of the Skylake GT2 model shared by its source files.
 *
 * Locking (docs/gpu-model.md): gpu->lock protects registers with side
 * effects, interrupt state and every engine's execlist state.  gpu->dma_lock
 * is held for reading by an engine for a slice of execution, and for writing
 * by dma_map/dma_unmap.  A writer announces itself in gpu->dma_writers; an
 * engine that sees it at a command (or blit chunk) boundary drops the lock
 * and takes it again (skl_exec_dma_point), so a map waits for about one
 * command, not a slice.  Host pointers obtained from a translation are
 * valid only until the engine's next such boundary (its caches are dropped
 * there).  Order: dma_lock before lock.  The interrupt handler is called
 * with neither held.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_PGPU_SKL_H
#define GPUMED_PGPU_SKL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "gen9/display.h"
#include "pgpu/pgpu.h"
#include "pgpu/skl-regs.h"

#define SKL_NAME_MAX 64

enum skl_space { SKL_GGTT, SKL_PPGTT };

/* Why an engine stopped its context; reported through RING_EIR/ESR. */
enum skl_exec_result {
    SKL_EXEC_CONTINUE,      /* next command */
    SKL_EXEC_SLICE_END,     /* slice used up: let others in */
    SKL_EXEC_ARB_POINT,     /* MI_ARB_CHECK with arbitration enabled */
    SKL_EXEC_WAIT,          /* semaphore not yet satisfied */
    SKL_EXEC_CONTEXT_DONE,  /* ring HEAD reached TAIL */
    SKL_EXEC_FAULT,         /* GPU page fault */
    SKL_EXEC_BAD_COMMAND,   /* unknown, unimplemented or malformed command */
    SKL_EXEC_HANG,          /* no progress within the hang timeout */
};

/* One ELSP element. */
struct skl_elem {
    uint64_t desc;          /* 0: port empty */
};

/* Where commands are fetched from. */
enum skl_level { SKL_LEVEL_RING, SKL_LEVEL_BATCH, SKL_LEVEL_SECOND_BATCH };

/* Per-slice translation caches; dropped when the slice ends. */
struct skl_tlb {
    uint64_t dma_bus;               /* last DMA mapping hit */
    uint64_t dma_size;
    uint8_t *dma_host;
    bool dma_writable;              /* the owner's translation was for a write */
    uint64_t pt_tag;                /* PPGTT address >> 21, ~0 when empty */
    uint8_t *pt_host;               /* that 2 MiB region's page table */
};

struct skl_gpu;


struct skl_engine {
    struct skl_gpu *gpu;
    enum gen9_engine id;
    const struct gen9_engine_info *info;
    uint32_t base;              /* == info->base, used on every access */
    pthread_t thread;
    bool thread_started;
    pthread_cond_t wake;        /* work arrived, or reset/quit requested */
    pthread_cond_t settled;     /* the thread left a slice */

    /* Execlist state, under gpu->lock; has_pending and reset_requested are
     * also read without it (atomically) by the executing thread. */
    uint32_t elsp_dw[4];
    unsigned elsp_count;
    struct skl_elem pending[2];
    bool has_pending;
    struct skl_elem active[2];  /* active[0] executes; [1] is next */
    bool hung;                  /* stopped by a fault, bad command or hang */
    bool executing;             /* the thread is in a slice, lock dropped */
    bool reset_requested;
    bool poll_wait;             /* last slice ended on an unsatisfied semaphore */
    uint64_t poll_ns;           /* how long to wait before polling it again */
    /* active[0]'s engine time since it was switched in (CTX_TIMESTAMP
     * counts it): the thread's CPU time in its slices, and the wall time of
     * its semaphore waits, the one in progress since ctx_wait_since (0:
     * none).  Not the time the host kept the thread off a CPU. */
    uint64_t ctx_run_ns;
    uint64_t ctx_wait_since;

    /* Execution state of active[0]: owned by the thread while executing. */
    enum skl_level level;
    bool arb_enabled;
    unsigned addressing;        /* CTX_ADDRESSING_* */
    /* Hang detection counts the engine's own time, as CTX_TIMESTAMP does:
     * ctx_run_ns when the ring HEAD last moved (or the context came in),
     * and the thread's CPU clock when the slice in progress began. */
    uint64_t progress_run_ns;
    bool progressed;            /* the HEAD moved in the slice in progress */
    uint64_t slice_cpu_start;
    struct skl_tlb tlb;
    uint64_t fault_addr;        /* last fault, for the fault registers */
    enum skl_space fault_space;
    /* An enabled interrupt was raised: the engine thread calls the
     * handler, with no lock held, before its next slice (an accepted
     * ELSP's before the context runs a command).  Set and read by the
     * engine's own thread only. */
    bool irq_to_deliver;
};

struct skl_dma_range {
    uint64_t bus, size;
    uint8_t *host;
};

struct skl_gpu {
    struct pgpu base;
    char name[SKL_NAME_MAX];
    uint64_t aperture_size;
    uint64_t hang_timeout_ns;

    pthread_mutex_t lock;
    bool quit;
    uint32_t *regs;                 /* PGPU_MMIO_SIZE bytes */
    uint64_t *ggtt;                 /* PGPU_GGTT_ENTRIES, atomic access */
    uint64_t ggtt_writes;           /* + 1 after each entry stored (release): the
                                       display keeps its page list while unchanged */
    uint64_t *untracked;            /* bitmap of RAM dwords the owner touched; atomic */
    struct pgpu_host host;          /* all NULL when the owner gave none */
    pgpu_irq_handler *irq_handler;
    void *irq_opaque;
    struct pgpu_stats stats;        /* atomic increments */
    struct skl_engine engines[GEN9_NUM_ENGINES];
    /* The Gen9 display on this register file, under lock; display_irq:
     * one of its events reached an enabled IIR bit with the master on. */
    struct gen9_display display;
    bool display_irq;

    pthread_rwlock_t dma_lock;
    unsigned dma_writers;           /* waiting for dma_lock to write; atomic */
    struct skl_dma_range *dma;      /* sorted by bus address */
    size_t dma_count, dma_capacity;
};

#define SKL_STAT_INC(gpu, field) \
    __atomic_fetch_add(&(gpu)->stats.field, 1, __ATOMIC_RELAXED)

static inline uint32_t skl_reg_load(const struct skl_gpu *gpu, uint32_t offset)
{
    return __atomic_load_n(&gpu->regs[offset / 4], __ATOMIC_RELAXED);
}

static inline void skl_reg_store(struct skl_gpu *gpu, uint32_t offset, uint32_t v)
{
    __atomic_store_n(&gpu->regs[offset / 4], v, __ATOMIC_RELAXED);
}

static inline uint32_t skl_ereg(const struct skl_engine *e, uint32_t rel)
{
    return skl_reg_load(e->gpu, e->base + rel);
}

static inline void skl_set_ereg(struct skl_engine *e, uint32_t rel, uint32_t v)
{
    skl_reg_store(e->gpu, e->base + rel, v);
}

static inline uint64_t skl_ereg64(const struct skl_engine *e, uint32_t lo, uint32_t hi)
{
    return skl_ereg(e, lo) | (uint64_t)skl_ereg(e, hi) << 32;
}

static inline void skl_set_ereg64(struct skl_engine *e, uint32_t lo, uint32_t hi,
                                  uint64_t v)
{
    skl_set_ereg(e, lo, (uint32_t)v);
    skl_set_ereg(e, hi, (uint32_t)(v >> 32));
}

uint64_t skl_now_ns(void);

/* skl-mmio.c: register access by the owner or by a command stream. */
uint32_t skl_mmio_read32(struct skl_gpu *gpu, uint32_t offset);
/* A register write from @e's command stream; false if refused. */
bool skl_cmd_reg_write(struct skl_engine *e, uint32_t offset, uint32_t value);

/* skl-dma.c: DMA map and GTT translation. */
int skl_dma_map(struct pgpu *pgpu, uint64_t bus, void *host, uint64_t size);
int skl_dma_unmap(struct pgpu *pgpu, uint64_t bus, uint64_t size);
/* Host pointer for graphics address @addr, to read or (@write) to write;
 * valid to the end of its page.  NULL on a fault, recorded in e->fault_*. */
uint8_t *skl_translate(struct skl_engine *e, enum skl_space space, uint64_t addr, bool write);
uint8_t *skl_translate_run(struct skl_engine *e, uint64_t addr, uint64_t want, bool write,
                           uint64_t *run);
uint8_t *skl_ggtt_translate(struct skl_gpu *gpu, struct skl_tlb *tlb, uint64_t addr,
                            bool write);
void skl_tlb_flush(struct skl_tlb *tlb);
bool skl_gpu_read32(struct skl_engine *e, enum skl_space space, uint64_t addr,
                    uint32_t *value);
bool skl_gpu_write(struct skl_engine *e, enum skl_space space, uint64_t addr,
                   const uint32_t *data, unsigned len);
int skl_aperture_access(struct pgpu *pgpu, uint64_t offset, void *buf,
                        size_t len, bool write);

/* skl-irq.c */
void skl_irq_raise_locked(struct skl_engine *e, uint32_t bits);
void skl_display_irq_raise_locked(struct skl_gpu *gpu, enum gen9_display_irq set,
                                  uint32_t bits);
bool skl_irq_pending_locked(const struct skl_gpu *gpu);
uint32_t skl_master_irq_read_locked(const struct skl_gpu *gpu);
void skl_irq_deliver(struct skl_gpu *gpu);

/* skl-execlist.c */
int skl_engines_start(struct skl_gpu *gpu);
void skl_engines_stop(struct skl_gpu *gpu);
void skl_elsp_write_locked(struct skl_engine *e, uint32_t value);
void skl_engine_reset_locked(struct skl_engine *e);
uint32_t skl_execlist_status_locked(const struct skl_engine *e, bool high);
bool skl_engine_idle_locked(const struct skl_engine *e);
uint32_t skl_ctx_timestamp_locked(const struct skl_engine *e);
void skl_engine_kick_locked(struct skl_engine *e);
/* For long commands: true when the engine must give up the command now
 * (reset, shutdown) or has exceeded the hang timeout (*hang set). */
bool skl_engine_must_stop(struct skl_engine *e, bool *hang);

/* Command fetch state of a slice (skl-cmd.c), handed to command handlers. */
struct skl_exec {
    struct skl_engine *e;
    enum skl_level level;
    uint32_t ring_start, ring_size, head, tail;
    uint64_t bb_addr, sbb_addr;     /* next dword of each batch level */
    enum skl_space bb_space, sbb_space;
    uint64_t fetch_page;            /* cached page of the command stream */
    enum skl_space fetch_space;
    const uint8_t *fetch_host;
    uint64_t addr[2];               /* the command's graphics addresses */
};

typedef enum skl_exec_result skl_cmd_fn(struct skl_exec *x, const uint32_t *dw,
                                        unsigned len);

/* skl-dma.c: let a waiting dma_map/dma_unmap in (dma_lock dropped and
 * taken again); every host pointer @x and its engine cached is dropped. */
void skl_exec_dma_yield(struct skl_exec *x);

/* A command or blit chunk boundary of @x on @gpu (its engine's, passed so
 * the pointer stays in a register): the only places an engine lets a DMA
 * map writer in, since no host pointer is live there.  One relaxed load. */
static inline void skl_exec_dma_point(struct skl_exec *x, const struct skl_gpu *gpu)
{
    if (__atomic_load_n(&gpu->dma_writers, __ATOMIC_RELAXED)) {
        skl_exec_dma_yield(x);
    }
}

/* skl-cmd.c: execute commands of active[0] until something stops them. */
enum skl_exec_result skl_execute_slice(struct skl_engine *e);

/* skl-blit.c: blitter command handlers (rows of skl-cmd.c's overlay). */
skl_cmd_fn skl_blt_src_copy, skl_blt_color, skl_blt_fast_copy;

#endif /* GPUMED_PGPU_SKL_H */
