/*
 * private.h - the vGPU's internal state, shared by the library's files.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_VGPU_PRIVATE_H
#define GPUMED_VGPU_PRIVATE_H

#include "gen9/display.h"
#include "vgpu/vgpu.h"

#define VGPU_NAME_MAX           64
#define VGPU_MMIO_DWORDS        (VGPU_MMIO_SIZE / 4)
/* Live guest PPGTTs we keep track of: the mediator's MED_PPGTT_SET_MAX, far
 * above what i915 can create (about 8,700 contexts per GiB of guest RAM);
 * the list grows with use. */
#define VGPU_PPGTT_ROOTS_MAX    65536

/* Dirty 4 KiB pages of a storage array, so that reset only clears those. */
struct dirty_pages {
    uint64_t *bits;
    size_t npages;
};

/* Elements sent to the mediator and not yet completed, per engine. */
#define VGPU_INFLIGHT_MAX       16

struct vgpu_inflight {
    uint64_t desc;
    bool visible;               /* false once the guest saw it preempted */
};

/*
 * One engine's execlist state as the guest sees it (contract 6.2-6.4):
 * the ELSP pair it promoted to active, and what the mediator still runs.
 */
struct vgpu_execlist {
    uint32_t elsp_dwords[4];    /* in submission order: desc1 hi, lo, desc0 hi, lo */
    unsigned elsp_count;
    uint64_t ports[2];          /* the active pair; ports[0] runs (0: empty) */
    uint64_t queued[2];         /* an ELSP pair waiting for room in flight */
    uint32_t queued_tail[2];    /* ... and the tails sampled at its ELSP write */
    bool has_queued;
    bool hung;                  /* ports[0] was rejected or stopped: never completes */
    struct vgpu_inflight inflight[VGPU_INFLIGHT_MAX];
    unsigned inflight_count;
};

/* What the mediator had no room for (vgpu_mediator_behind()). */
enum vgpu_behind { VGPU_BEHIND_ELSP, VGPU_BEHIND_PPGTT, VGPU_BEHIND_COUNT };

struct vgpu {
    char name[VGPU_NAME_MAX];
    struct wire_vgpu_type type;
    uint64_t host_aperture_size;
    uint64_t aperture_base, hidden_base;
    uint64_t ram_below_4g, ram_above_4g;
    const struct vgpu_ops *ops;
    void *opaque;
    const struct vgpu_mediator_ops *mediator;
    void *mediator_opaque;
    bool mediator_lost;

    uint32_t *vreg;             /* VGPU_MMIO_SIZE bytes of register storage */
    const uint64_t *ggtt;       /* the guest's GGTT PTEs, in the shared table */
    struct dirty_pages vreg_dirty, ggtt_dirty;
    uint64_t ggtt_epoch;        /* + 1 at every GGTT entry written (the display's cache) */
    uint64_t gpu_work_epoch;    /* + 1 at every submission, completion and engine reset */
    bool reset_unconfirmed;     /* engines reset; no completion of later work yet */
    uint64_t *untracked;        /* bitmap of untracked dwords touched */

    bool irq_asserted;          /* an MSI was sent and not yet acknowledged */
    /* The Gen9 display (gen9/display.h) on this register file, with the
     * virtual monitor of the vGPU type. */
    struct gen9_display display;
    struct vgpu_execlist execlists[GEN9_NUM_ENGINES];
    uint64_t *ppgtt_roots;      /* ppgtt_root_room entries, ppgtt_root_count live */
    unsigned ppgtt_root_count, ppgtt_root_room;

    struct vgpu_stats stats;
    unsigned guest_errors_logged;
    unsigned mediator_behind_logged[VGPU_BEHIND_COUNT];
};

/*
 * One row of the tracked-register table: a register, or @count instances
 * of it @stride bytes apart (e.g. per plane), that whole set repeated
 * @sets times @set_stride apart (e.g. per pipe), or (VGPU_REG_ENGINE) one
 * at each engine base.  Without handlers a register is storage with the
 * row's write semantics.
 */
struct vgpu_reg {
    const char *name;
    uint32_t offset;            /* absolute, or relative to the engine base */
    uint32_t size;              /* bytes, a multiple of 4 */
    uint32_t count;             /* instances; 0 means 1 */
    uint32_t stride;
    uint32_t sets;              /* repetitions of those; 0 means 1 */
    uint32_t set_stride;
    uint32_t flags;
#define VGPU_REG_MASKED         (1u << 0)   /* bits 31:16 select bits 15:0 */
#define VGPU_REG_ENGINE         (1u << 1)   /* one instance per engine */
    uint32_t reset;             /* power-on value of every dword */
    uint32_t ro_mask;           /* bits guest writes do not change */
    uint32_t w1c_mask;          /* bits a guest write of 1 clears */
    /* Computed value, instead of the stored one. */
    uint32_t (*read)(struct vgpu *vgpu, uint32_t offset);
    /* Side effects, after the stored value was updated from @old. */
    void (*write)(struct vgpu *vgpu, uint32_t offset, uint32_t old,
                  uint32_t written);
};

/* The table and its lookup (regs.c). */
extern const struct vgpu_reg vgpu_regs[];
extern const size_t vgpu_reg_count;
/* Build the offset index once; false if the table overlaps itself or the
 * display's (gen9_display_regs, the rest of the register file). */
bool vgpu_regs_index_init(void);
const struct vgpu_reg *vgpu_reg_lookup(uint32_t offset);

uint32_t vgpu_reg_read(struct vgpu *vgpu, uint32_t offset);
void vgpu_reg_write(struct vgpu *vgpu, uint32_t offset, uint32_t value);
void vgpu_regs_reset(struct vgpu *vgpu);

/* Raw storage, for handlers and for the model's own state changes. */
static inline uint32_t vreg(const struct vgpu *vgpu, uint32_t offset)
{
    return vgpu->vreg[offset / 4];
}
void vgpu_reg_set(struct vgpu *vgpu, uint32_t offset, uint32_t value);

/* Handlers, grouped by file. */
uint32_t vgpu_pvinfo_read(struct vgpu *vgpu, uint32_t offset);
void vgpu_pvinfo_g2v_write(struct vgpu *vgpu, uint32_t offset, uint32_t old,
                           uint32_t written);
void vgpu_pvinfo_reset(struct vgpu *vgpu);

uint32_t vgpu_irq_master_read(struct vgpu *vgpu, uint32_t offset);
void vgpu_irq_reg_write(struct vgpu *vgpu, uint32_t offset, uint32_t old,
                        uint32_t written);
enum vgpu_irq_bank {
    IRQ_GT0, IRQ_GT1, IRQ_GT2, IRQ_GT3,
    IRQ_DE_PIPE_A, IRQ_DE_PIPE_B, IRQ_DE_PIPE_C,
    IRQ_DE_PORT, IRQ_DE_MISC, IRQ_PCU, IRQ_PCH,
    IRQ_BANK_COUNT,
};
/* An event sets @bits in the bank's IIR where IMR lets them through. */
void vgpu_irq_raise(struct vgpu *vgpu, enum vgpu_irq_bank bank, uint32_t bits);

/* The display on the vGPU's register file (display.c). */
void vgpu_display_init(struct vgpu *vgpu);
void vgpu_display_reset(struct vgpu *vgpu);

/* Execlists (execlist.c). */
void vgpu_elsp_write(struct vgpu *vgpu, uint32_t offset, uint32_t old, uint32_t written);
uint32_t vgpu_execlist_status_read(struct vgpu *vgpu, uint32_t offset);
uint32_t vgpu_mi_mode_read(struct vgpu *vgpu, uint32_t offset);
/* The guest reset the engines in @mask: drop their work, here and in the mediator. */
void vgpu_execlist_reset(struct vgpu *vgpu, uint32_t mask);

/* Whether the 4 KiB page at @gpa is guest RAM. */
bool vgpu_gpa_page_in_ram(const struct vgpu *vgpu, uint64_t gpa);
void vgpu_ggtt_write(struct vgpu *vgpu, uint64_t offset, uint64_t value,
                     unsigned size);
uint64_t vgpu_ggtt_read(const struct vgpu *vgpu, uint64_t offset,
                        unsigned size);
/* The guest-physical page GGTT address @gma maps, if it is in the partition,
 * present and guest RAM. */
bool vgpu_ggtt_translate(const struct vgpu *vgpu, uint64_t gma, uint64_t *gpa);
void vgpu_ggtt_reset(struct vgpu *vgpu);

void vgpu_dirty_mark(struct dirty_pages *d, size_t byte_offset);
void vgpu_dirty_clear(struct dirty_pages *d, void *storage);

/* Rate-limited log line about guest misbehaviour, prefixed with the name. */
void vgpu_guest_error(struct vgpu *vgpu, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The same for a message the mediator had no room for, counted; each kind
 * has its own burst, so that lost notifications never hide a hung engine. */
void vgpu_mediator_behind(struct vgpu *vgpu, enum vgpu_behind what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* GPUMED_VGPU_PRIVATE_H */
