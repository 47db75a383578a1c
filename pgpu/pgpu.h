/*
 * pgpu.h - the physical GPU as the mediator drives it: a small backend
 * interface (an ops table) over one Gen9 GPU.
 *
 * The built-in backend is a register-level software model of a Skylake GT2
 * (pgpu_skl_model, docs/gpu-model.md); a real-hardware backend will
 * implement the same table.  The owner programs the GPU only as hardware is
 * programmed: registers, GGTT entries, and memory reached through the DMA
 * map.  Commands, page tables and register values are untrusted input: the
 * backend never crashes on them and never touches host memory outside the
 * DMA map; what it cannot honour is counted in struct pgpu_stats.
 *
 * Threads: every op may be called from any thread.  Engines execute
 * asynchronously; completion is signalled by the interrupt handler.
 *
 * Translation caches (what real Gen9 silicon imposes): an engine may cache
 * any GGTT or PPGTT translation, page-table page included, from the moment
 * it switches a context in until it switches that context out (the
 * context-switch event in the CSB that completes or preempts it), an
 * engine reset, or a TLB invalidation the command stream asks for
 * (MI_FLUSH_DW or PIPE_CONTROL with TLB invalidate).  So the owner must
 * not change or free a page table, nor rewrite a GGTT entry to a page it
 * then gives to another user, while a context that can reach it may still
 * be on an engine; after that context's switch-out event, nothing of it
 * is cached.  The model caches for a slice of up to a thousand commands
 * and drops its caches at each of those points (docs/gpu-model.md).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_PGPU_H
#define GPUMED_PGPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gen9/engine.h"
#include "gen9/plane.h"

/* BAR0: registers in [0, 2 MiB), the GGTT's 64-bit PTEs in the upper half. */
#define PGPU_MMIO_SIZE          (2u << 20)
#define PGPU_GGTT_BAR_OFFSET    (8u << 20)
#define PGPU_GGTT_ENTRIES       (1u << 20)      /* 4 GiB of 4 KiB pages */
#define PGPU_GGTT_SIZE          (4ull << 30)

#define PGPU_PAGE_SIZE          4096u
#define PGPU_APERTURE_DEFAULT   (256ull << 20)
/* No ring progress for this long of an engine's own time stops its
 * context.  Gen9 has no such detector: the driver finds a stuck engine
 * itself, i915 by its heartbeat, which resets it well before this (its
 * timing: docs/gpu-model.md, "Hang detection").  So the model's detection
 * is a backstop past that, for a driver that never resets (hangcheck off,
 * a hostile guest), the same for the mediator's GPU and a VM's own
 * (pgpu-pci).  The isolation bound between vGPUs is the mediator's part
 * limit, not this. */
#define PGPU_HANG_TIMEOUT_DEFAULT_MS 30000u

/*
 * What an owner that embeds the GPU in a VM provides (hw/pgpu-pci.c: the
 * model as a VM's own GPU), where a DMA map fixed in advance cannot say
 * what the bus reaches: the VM's memory map and IOMMU change under it.
 */
struct pgpu_host {
    /*
     * A bus address the DMA map does not hold: the host pointer it reaches
     * now for a read, or for a write when @write (an IOMMU mapping may
     * allow reads only), and how many bytes from there are contiguous
     * (*len >= 1), or false for an address that reaches no memory for
     * that access (a GPU fault).  Called
     * from any of the GPU's threads with its DMA read lock held: it must
     * not call dma_map or dma_unmap.  The pointer stays valid for as long
     * as the owner's memory exists; the GPU keeps it at most until the
     * engine's next translation-cache drop (pgpu.h's header comment).
     */
    bool (*dma_translate)(void *opaque, uint64_t bus, bool write, uint8_t **host,
                          uint64_t *len);
    /* Each thread the GPU starts calls this first and thread_exit last
     * (e.g. to register with the owner's RCU); either may be NULL. */
    void (*thread_enter)(void *opaque);
    void (*thread_exit)(void *opaque);
    void *opaque;
};

struct pgpu_config {
    const char *name;           /* used in log lines */
    uint64_t aperture_size;     /* power of two, 64 MiB .. 4 GiB */
    unsigned hang_timeout_ms;   /* no progress for this long is a hang; 1..60000 */
    const struct pgpu_host *host;   /* NULL: the DMA map is all the bus reaches */
    /* The DP monitor on port D: its native mode (0 x 0: PGPU_MONITOR_DEFAULT_*),
     * within gen9/display.h's GEN9_MONITOR_* bounds. */
    unsigned monitor_width, monitor_height;
};

#define PGPU_MONITOR_DEFAULT_WIDTH  1024u
#define PGPU_MONITOR_DEFAULT_HEIGHT 768u

/* Counters of input the GPU did not honour; reset only by destroying it. */
struct pgpu_stats {
    uint64_t commands;          /* commands executed, all engines */
    uint64_t context_switches;  /* contexts switched in */
    uint64_t bad_mmio;          /* register access outside the space or of a bad size */
    uint64_t bad_dma_map;       /* dma_map/dma_unmap requests refused */
    uint64_t refused_reg_accesses; /* command-stream register accesses refused */
    uint64_t bad_submissions;   /* ELSP writes that could not be accepted */
    uint64_t gpu_faults;        /* accesses to unmapped graphics or bus addresses */
    uint64_t bad_commands;      /* unknown, unimplemented or malformed commands */
    uint64_t hangs;             /* engines stopped by the hang detector */
    uint64_t engine_resets;
    uint64_t lost_status_writes;/* CSB/HWSP writes to an unmapped status page */
    uint64_t untracked_reads;   /* owner accesses to registers the GPU does not */
    uint64_t untracked_writes;  /* describe (plain storage) */
    uint64_t untracked_offsets; /* distinct such registers (dwords) */
    uint64_t vblanks;           /* pipe refreshes (display_vblank) */
    uint64_t pcode_unknown;     /* PCODE commands answered "illegal" */
    uint64_t display_refused;   /* display requests refused (an AUX message's size, a
                                   plane's programming: logged nowhere, the model keeps no log) */
    uint64_t plane_rejected;    /* distinct refused primary-plane programmings */
    uint64_t cursor_rejected;   /* ... and cursor ones */
    /* Context-status events written.  With commands, what tells an owner
     * the engines may have written memory: each count grows (release) after
     * the writes it covers (a slice of commands; a context save and its
     * CSB entry). */
    uint64_t status_events;
};

/*
 * Called when the GPU asserts its interrupt (an event reached an enabled
 * IIR bit while the master enable is set, or the master enable was set with
 * events pending); events close together may share one call, as MSIs do.
 * Runs on an engine thread or the thread whose register write re-armed it,
 * with no backend lock held: it may call any op but destroy.
 */
typedef void pgpu_irq_handler(void *opaque);

struct pgpu;

struct pgpu_ops {
    const char *name;

    /* NULL with errno: EINVAL for a bad configuration, ENOMEM, or the
     * pthread error that stopped an engine thread from starting. */
    struct pgpu *(*create)(const struct pgpu_config *config);
    void (*destroy)(struct pgpu *gpu);          /* NULL is ignored */

    /* Register space, @size 4 or 8 (two registers, low first). */
    uint64_t (*mmio_read)(struct pgpu *gpu, uint32_t offset, unsigned size);
    void (*mmio_write)(struct pgpu *gpu, uint32_t offset, uint64_t value,
                       unsigned size);

    /* GGTT entry @index < PGPU_GGTT_ENTRIES: address | bit 0 present. */
    uint64_t (*ggtt_read)(struct pgpu *gpu, uint32_t index);
    void (*ggtt_write)(struct pgpu *gpu, uint32_t index, uint64_t pte);

    /* CPU access through the aperture (GGTT addresses [0, aperture_size)).
     * Returns 0, or -EFAULT when a page is outside, not present or not in
     * the DMA map (nothing is copied past that page). */
    int (*aperture_access)(struct pgpu *gpu, uint64_t offset, void *buf,
                           size_t len, bool write);

    /* Map bus addresses [bus, bus + size) to host memory @host (all three
     * page aligned, no overlap with an existing mapping).  Unmap takes
     * exactly a range that was mapped and returns once no engine can still
     * touch it.  0 or -EINVAL/-EEXIST/-ENOENT/-ENOMEM. */
    int (*dma_map)(struct pgpu *gpu, uint64_t bus, void *host, uint64_t size);
    int (*dma_unmap)(struct pgpu *gpu, uint64_t bus, uint64_t size);

    void (*set_irq_handler)(struct pgpu *gpu, pgpu_irq_handler *handler,
                            void *opaque);

    /* Reset one engine: its current and queued contexts are dropped (no
     * CSB event), errors cleared; other engines are untouched.  Returns
     * once the engine is idle. */
    void (*reset_engine)(struct pgpu *gpu, enum gen9_engine engine);

    void (*get_stats)(struct pgpu *gpu, struct pgpu_stats *stats);

    /* The first register (dword offset >= @from) the owner touched that the
     * GPU does not describe, or UINT32_MAX; NULL where every register is
     * real (hardware). */
    uint32_t (*untracked_next)(struct pgpu *gpu, uint32_t from);

    /* One 60 Hz refresh of the display, timed by the owner's clock (a VM's
     * virtual time for a VM's own GPU): frame counters, vblank and
     * flip-done events.  NULL where the display keeps its own time
     * (hardware). */
    void (*display_vblank)(struct pgpu *gpu);

    /* What the display scans out, for an owner that shows it (a VM's
     * console): the primary plane of the first active pipe, that pipe's
     * cursor (gen9/plane.h), decoded through the GPU's own GGTT, so each
     * page address is a bus address the owner reads through its DMA path;
     * and a page the owner found no memory at, counted and refused like a
     * bad programming.  NULL where a real monitor shows it (hardware). */
    enum gen9_plane_status (*display_plane)(struct pgpu *gpu, struct gen9_fb *fb);
    enum gen9_plane_status (*display_cursor)(struct pgpu *gpu, unsigned pipe,
                                             struct gen9_cursor *cursor);
    void (*display_refuse_page)(struct pgpu *gpu, struct gen9_fb *fb, size_t page);
};

/* Every backend's handle starts with this. */
struct pgpu {
    const struct pgpu_ops *ops;
};

/* The software model of a Skylake GT2: the default backend. */
extern const struct pgpu_ops pgpu_skl_model;

#endif /* GPUMED_PGPU_H */
