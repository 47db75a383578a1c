/*
 * vgpu.h - one VM's virtual GPU: the guest-facing emulation behind vgpu-pci.
 *
 * The QEMU device forwards every config-space layout question, BAR access
 * and timer tick here.  The library has no QEMU or GLib dependency so that
 * it is unit-tested and fuzzed on its own.  It is passive and
 * single-threaded: every entry point is called under the caller's lock
 * (QEMU's BQL) and never blocks.
 *
 * Guest-controlled values are never trusted: any offset, size or value is
 * accepted without crashing; what cannot be honoured is counted in the
 * vGPU's statistics.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_VGPU_H
#define GPUMED_VGPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gen9/display.h"
#include "gen9/engine.h"
#include "wire/vgpu-type.h"

/* BAR0 ("GTTMMADR"): registers in the first 2 MiB, the GGTT in the upper half. */
#define VGPU_BAR0_SIZE          (16u << 20)
#define VGPU_MMIO_SIZE          (2u << 20)
#define VGPU_GGTT_OFFSET        (8u << 20)
#define VGPU_GGTT_SIZE          (8u << 20)      /* 1 Mi 64-bit PTEs: a 4 GiB GGTT */
#define VGPU_GGTT_PAGE_SIZE     4096u
#define VGPU_GGTT_SPACE         (4ull << 30)    /* graphics addresses the GGTT maps */

/* BAR2 ("GMADR"): the host aperture, a CPU window onto the low GGTT addresses. */
#define VGPU_APERTURE_MIN       (64ull << 20)
#define VGPU_APERTURE_MAX       (1ull << 30)
#define VGPU_APERTURE_DEFAULT   (256ull << 20)

/* PCI identity of a Skylake GT2 desktop part (contract 3.1). */
#define VGPU_PCI_VENDOR_ID      0x8086
#define VGPU_PCI_DEVICE_ID      0x1912
#define VGPU_PCI_REVISION       0x07            /* H0 stepping */
#define VGPU_PCI_MSI_CAP        0xac
#define VGPU_PCI_CONFIG_SIZE    256

/* The virtual OpRegion (contract 3.5): firmware places it in reserved RAM. */
#define VGPU_OPREGION_SIZE      8192u

/* The virtual monitor's native modes: the EDID's detailed timing must hold them. */
#define VGPU_MONITOR_MIN_WIDTH  GEN9_MONITOR_MIN_WIDTH
#define VGPU_MONITOR_MIN_HEIGHT GEN9_MONITOR_MIN_HEIGHT
#define VGPU_MONITOR_MAX_WIDTH  GEN9_MONITOR_MAX_WIDTH
#define VGPU_MONITOR_MAX_HEIGHT GEN9_MONITOR_MAX_HEIGHT

struct vgpu;

/* How the library reaches the outside world; all callbacks are required. */
struct vgpu_ops {
    /* Deliver the vGPU's single MSI vector. */
    void (*raise_msi)(void *opaque);
    /* Write @len bytes into guest RAM at @gpa (a page the library checked is
     * guest RAM; the write never crosses that page). */
    void (*write_guest)(void *opaque, uint64_t gpa, const void *buf, size_t len);
    /* Read @len bytes of guest RAM at @gpa (the same kind of page). */
    void (*read_guest)(void *opaque, uint64_t gpa, void *buf, size_t len);
};

/*
 * What only the mediator can do (docs/protocol.md); all callbacks are
 * required and none may wait for the mediator.  The two that return bool
 * return false when the mediator is too far behind to take the message
 * now (it was not sent); a lost mediator is reported with
 * vgpu_mediator_lost() instead.
 */
struct vgpu_mediator_ops {
    /* Store GGTT entry @index in the shared table (config.ggtt) and mark it
     * dirty for the mediator. */
    void (*ggtt_write)(void *opaque, uint32_t index, uint64_t pte);
    /* The guest created (@create) or destroyed the PPGTT rooted at @root_gpa. */
    bool (*ppgtt_notify)(void *opaque, bool create, uint64_t root_gpa);
    /* Run the ELSP pair; @desc1 may be 0.  @tail0, @tail1: each element's
     * RING_TAIL as its image held it at the ELSP write (WIRE_NO_TAIL: not
     * mapped).  Each element is answered with vgpu_execlist_complete(). */
    bool (*submit)(void *opaque, enum gen9_engine engine, uint64_t desc0, uint32_t tail0,
                   uint64_t desc1, uint32_t tail1);
    /* Drop the in-flight work of the engines in @engine_mask (bit per
     * engine): returns at once, the mediator drops it when it gets there,
     * and no completion of that work is delivered from now on. */
    void (*reset_engines)(void *opaque, uint32_t engine_mask);
};

struct vgpu_config {
    const char *name;           /* used in every log line about this vGPU */
    /* The partition the mediator carved for the vGPU (its sizes and fence
     * count) and its virtual monitor. */
    const struct wire_vgpu_type *type;
    uint64_t host_aperture_size;    /* BAR2 size: a power of two in [MIN, MAX] */
    uint64_t aperture_base;     /* GGTT offset of the vGPU's aperture block */
    uint64_t hidden_base;       /* GGTT offset of its hidden block (>= aperture) */
    /* The guest's GGTT, 1 Mi entries shared with the mediator: the library
     * reads it and writes it only through mediator->ggtt_write. */
    const uint64_t *ggtt;
    /* Guest RAM: [0, ram_below_4g) and [4 GiB, 4 GiB + ram_above_4g). */
    uint64_t ram_below_4g;
    uint64_t ram_above_4g;
    const struct vgpu_ops *ops;
    void *opaque;               /* passed to every callback of ops */
    const struct vgpu_mediator_ops *mediator;
    void *mediator_opaque;      /* passed to every callback of mediator */
};

/* Counters of guest behaviour; never reset by the guest. */
struct vgpu_stats {
    uint64_t bad_mmio_access;       /* odd size, or outside a decoded range */
    uint64_t untracked_reads;       /* register offsets the model does not know */
    uint64_t untracked_writes;
    uint64_t untracked_offsets;     /* distinct such offsets (dwords) */
    uint64_t ggtt_pte_writes;
    uint64_t ggtt_out_of_partition; /* PTE writes outside the vGPU's blocks, dropped */
    uint64_t ggtt_bad_address;      /* present PTEs naming no guest RAM */
    uint64_t aperture_accesses;     /* CPU accesses through BAR2 */
    uint64_t aperture_unmapped;     /* ... that found no guest page (zeros/dropped) */
    uint64_t ppgtt_create;          /* PVINFO notifications */
    uint64_t ppgtt_destroy;
    uint64_t bad_g2v_notify;
    uint64_t elsp_submissions;      /* complete 4-dword ELSP sequences */
    uint64_t bad_elsp;              /* ... whose element 0 was not valid, ignored */
    uint64_t lite_restores;         /* ... that extended the running context */
    uint64_t preemptions;           /* ... that replaced a different running context */
    uint64_t csb_events;            /* context status entries written */
    uint64_t hwsp_unmapped;         /* CSB mirror writes to no guest page (MMIO only) */
    uint64_t contexts_hung;         /* elements the mediator rejected or stopped */
    uint64_t engine_errors;         /* ... the GPU stopped: its error shown, CS error raised */
    uint64_t elsp_while_hung;       /* submissions a hung engine did not take */
    uint64_t engine_resets;         /* engines reset by the guest */
    uint64_t elsp_mediator_behind;  /* ELSPs the mediator had no room for (not sent:
                                       the engine hangs until the guest resets it) */
    uint64_t ppgtt_mediator_behind; /* PPGTT notifications it had no room for (lost) */
    uint64_t pcode_unknown;         /* PCODE commands answered "illegal" */
    uint64_t msi_sent;
    uint64_t vblanks;
    uint64_t plane_rejected;        /* distinct refused primary-plane programmings */
    uint64_t cursor_rejected;       /* ... and cursor ones (vgpu/plane.h) */
};

/*
 * Create a vGPU in its reset state.  Returns NULL with errno set:
 * EINVAL for an invalid configuration (the caller reports it and stops),
 * ENOMEM when memory runs out.
 */
struct vgpu *vgpu_create(const struct vgpu_config *config);

/* Free a vGPU; NULL is accepted and ignored. */
void vgpu_destroy(struct vgpu *vgpu);

/* Device reset: every register and GGTT entry back to its power-on value. */
void vgpu_reset(struct vgpu *vgpu);

/*
 * Guest access to BAR0 at @offset of @size bytes (1, 2, 4 or 8; any
 * alignment).  Reads of anything not decoded return 0.  Never fails.
 */
uint64_t vgpu_bar0_read(struct vgpu *vgpu, uint64_t offset, unsigned size);
void vgpu_bar0_write(struct vgpu *vgpu, uint64_t offset, uint64_t value,
                     unsigned size);

/*
 * Translate an aperture (BAR2) offset to the guest-physical address the
 * vGPU's GGTT maps there, detiled when one of its fences covers it.
 * Returns false when the entry is outside the vGPU's aperture block, not
 * present or names no guest RAM (the caller then reads zeros and drops
 * writes, as with a scratch page).  The bytes of an access that stays
 * within 16 aligned bytes (VGPU_APERTURE_CHUNK) follow each other in guest
 * memory; the caller splits longer or unaligned ones.
 */
#define VGPU_APERTURE_CHUNK     16u     /* a Y tile's column; divides X rows and pages */
bool vgpu_aperture_translate(struct vgpu *vgpu, uint64_t offset, uint64_t *gpa);

/*
 * The mediator finished with ELSP element @desc of @engine (protocol
 * COMPLETE; @event is a MED_EVENT_* number): the guest sees the context
 * switch in its CSB and an interrupt, with the engine's user interrupt if
 * the work ran an MI_USER_INTERRUPT (@user_interrupt: the hardware raises
 * it only then), or, for a rejected or hung element, an engine that stays
 * busy until its i915 resets it, with the GPU's error @engine_error (its
 * RING_EIR, when the GPU stopped the element; else 0) in RING_EIR/ESR and
 * the CS error interrupt.  Unexpected completions are logged and ignored.
 */
void vgpu_execlist_complete(struct vgpu *vgpu, enum gen9_engine engine, uint32_t event,
                            uint64_t desc, uint32_t ring_head, bool user_interrupt,
                            uint32_t engine_error);

/*
 * The mediator is gone: nothing will complete any more.  Running contexts
 * stay busy and new submissions are never started, so the guest's i915
 * sees hung engines (and eventually wedges the GPU) instead of QEMU hanging.
 */
void vgpu_mediator_lost(struct vgpu *vgpu);

/* One 60 Hz display refresh: frame counters, vblank and flip-done events. */
void vgpu_display_vblank(struct vgpu *vgpu);

/*
 * Plug or unplug the virtual monitor (connected after reset): updates the
 * port's live state and raises a long-pulse hotplug event, as a real
 * monitor's cable would.  Nothing happens if the state does not change.
 */
void vgpu_display_hotplug(struct vgpu *vgpu, bool connected);

/*
 * What firmware shows of a Skylake GT2 with no stolen memory, the same for
 * every vGPU and for the GPU model as a VM's own GPU (hw/pgpu-pci.c): one
 * description of the device's identity.
 *
 * PCI configuration space: fill @config with the power-on values and
 * @wmask / @w1cmask with the guest-writable and write-1-to-clear bits of
 * every register the library owns (VGPU_PCI_CONFIG_SIZE bytes each).
 * BARs and the MSI capability are left to the caller's PCI core, which maps
 * them; their sizes are VGPU_BAR0_SIZE and the host aperture size.
 */
void vgpu_cfg_init(uint8_t *config, uint8_t *wmask, uint8_t *w1cmask);

/* Build the OpRegion (header + a VBT with one DP port) into @buf. */
void vgpu_opregion_build(uint8_t buf[VGPU_OPREGION_SIZE]);

/*
 * Register offsets the guest touched that the model does not track, in
 * increasing order: returns the first such dword offset >= @from, or
 * UINT32_MAX when there is none.
 */
uint32_t vgpu_untracked_next(const struct vgpu *vgpu, uint32_t from);

const struct vgpu_stats *vgpu_get_stats(const struct vgpu *vgpu);

/*
 * Format every statistic as "name=value" pairs separated by spaces into
 * @buf (always NUL-terminated); returns the length snprintf would have.
 */
int vgpu_format_stats(const struct vgpu *vgpu, char *buf, size_t size);
const char *vgpu_name(const struct vgpu *vgpu);

#endif /* GPUMED_VGPU_H */
