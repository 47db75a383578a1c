/*
 * display.h - the Gen9 display engine's behaviour, described once and run
 * by both of its users: the vGPU (vgpu/, QEMU's side) and the GPU model
 * as a VM's own GPU (pgpu/, behind hw/pgpu-pci.c).
 *
 * What a native i915 probes and drives (docs/reference/i915-vgpu-guest-
 * contract.md, sections 4.4 and 8): power wells, fuse status, DBUF, the
 * display PLLs and CDCLK, the PCODE mailbox the display core asks for
 * CDCLK changes and memory latencies, one DP monitor on port D behind AUX
 * channel D (DPCD, I2C-over-AUX EDID, link training), its hotplug state,
 * transcoders, pipes and planes that take a modeset, and vblanks.  Every
 * register is a row of one table (display-regs.c); rows without handlers
 * are storage with the row's write semantics.
 *
 * The library owns no register storage and no interrupt tree: it reads
 * and writes registers through its owner's ops, so that each owner keeps
 * its own register file (the vGPU's is dirty-tracked, the model's atomic)
 * and sees nothing of the other.  It is passive and single-threaded:
 * every entry point is called under the owner's lock and never blocks.
 * Register values are the guest's: any value is accepted without harm.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_GEN9_DISPLAY_H
#define GPUMED_GEN9_DISPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The display's interrupt sets, in the order of the master register's bits. */
enum gen9_display_irq {
    GEN9_DISPLAY_IRQ_PIPE_A,
    GEN9_DISPLAY_IRQ_PIPE_B,
    GEN9_DISPLAY_IRQ_PIPE_C,
    GEN9_DISPLAY_IRQ_PORT,
    GEN9_DISPLAY_IRQ_MISC,
    GEN9_DISPLAY_IRQ_PCU,
    GEN9_DISPLAY_IRQ_PCH,
    GEN9_DISPLAY_IRQ_COUNT,
};

/* What the display counts for its owner's statistics. */
enum gen9_display_event {
    GEN9_DISPLAY_VBLANK,            /* one pipe's vblank */
    GEN9_DISPLAY_PCODE_UNKNOWN,     /* a PCODE command answered "illegal" */
    GEN9_DISPLAY_PLANE_REJECTED,    /* a distinct refused primary-plane programming */
    GEN9_DISPLAY_CURSOR_REJECTED,   /* ... and cursor one (gen9/plane.h) */
};

#define GEN9_DISPLAY_PIPES          3
#define GEN9_DISPLAY_PLANES         3       /* universal planes per pipe */
#define GEN9_DPCD_SIZE              0x700   /* DPCD bytes the monitor stores */
#define GEN9_EDID_SIZE              128

/* The monitor's native modes: the EDID's detailed timing must hold them. */
#define GEN9_MONITOR_MIN_WIDTH      640u
#define GEN9_MONITOR_MIN_HEIGHT     480u
#define GEN9_MONITOR_MAX_WIDTH      4096u
#define GEN9_MONITOR_MAX_HEIGHT     2304u

/* How the display reaches its owner; all callbacks but translation_epoch
 * are required. */
struct gen9_display_ops {
    /* The owner's register file: the current value, and a store that
     * bypasses write semantics (the hardware changing its own state). */
    uint32_t (*load)(void *opaque, uint32_t offset);
    void (*store)(void *opaque, uint32_t offset, uint32_t value);
    /* An event sets @bits in the set's IIR where its IMR lets them through. */
    void (*irq_raise)(void *opaque, enum gen9_display_irq set, uint32_t bits);
    void (*count)(void *opaque, enum gen9_display_event event);
    /* Guest misbehaviour worth a (rate-limited) log line of the owner's. */
    void (*guest_error)(void *opaque, const char *message);
    /* The address the owner's GGTT maps graphics address @gma's page to, for
     * the scan-out (gen9/plane.h): false when the entry is not present or
     * names memory the owner will not show. */
    bool (*translate)(void *opaque, uint64_t gma, uint64_t *addr);
    /* Optional: a count that changes whenever an answer of translate may
     * have changed (a GGTT write, a reset).  With it, a decode of the same
     * surface and span keeps the page list it made before instead of
     * translating every page again; without it, every decode translates. */
    uint64_t (*translation_epoch)(void *opaque);
};

/* The DP monitor on port D, as its AUX channel sees it. */
struct gen9_dp_sink {
    bool connected;
    uint8_t dpcd[GEN9_DPCD_SIZE];
    uint8_t edid[GEN9_EDID_SIZE];
    uint8_t edid_offset;
};

struct gen9_display {
    const struct gen9_display_ops *ops;
    void *opaque;
    unsigned width, height;     /* the monitor's native mode */
    struct gen9_dp_sink sink;
    uint32_t pending_flips;     /* bit (pipe * 4 + plane): flip done at next vblank */
};

/*
 * One row of the display's register table: a register, or @count
 * instances of it @stride bytes apart (e.g. per plane), that whole set
 * repeated @sets times @set_stride apart (e.g. per pipe).
 */
struct gen9_display_reg {
    const char *name;           /* i915's */
    uint32_t offset;
    uint32_t size;              /* bytes, a multiple of 4 */
    uint32_t count;             /* instances; 0 means 1 */
    uint32_t stride;
    uint32_t sets;              /* repetitions of those; 0 means 1 */
    uint32_t set_stride;
    uint32_t reset;             /* power-on value of every dword */
    uint32_t ro_mask;           /* bits guest writes do not change */
    uint32_t w1c_mask;          /* bits a guest write of 1 clears */
    /* Computed value, instead of the stored one. */
    uint32_t (*read)(struct gen9_display *d, uint32_t offset);
    /* Side effects, after the stored value was updated from @old. */
    void (*write)(struct gen9_display *d, uint32_t offset, uint32_t old, uint32_t written);
};

extern const struct gen9_display_reg gen9_display_regs[];
extern const size_t gen9_display_reg_count;

/* Build the offset index once; false if the table overlaps itself. */
bool gen9_display_regs_index_init(void);
/* The row holding @offset (any dword of any instance), or NULL. */
const struct gen9_display_reg *gen9_display_reg_lookup(uint32_t offset);
/* Instances of a row, and where instance @i starts. */
unsigned gen9_display_reg_instances(const struct gen9_display_reg *r);
uint32_t gen9_display_reg_instance_offset(const struct gen9_display_reg *r, unsigned i);

/* Bind @d to its owner, with a monitor of @width x @height (within the
 * GEN9_MONITOR_* bounds: the caller checked them). */
void gen9_display_init(struct gen9_display *d, const struct gen9_display_ops *ops,
                       void *opaque, unsigned width, unsigned height);

/* Power-on: every row's reset value stored, the monitor connected. */
void gen9_display_reset(struct gen9_display *d);

/* A guest access to @offset, a row's dword (gen9_display_reg_lookup). */
uint32_t gen9_display_read(struct gen9_display *d, const struct gen9_display_reg *r,
                           uint32_t offset);
void gen9_display_write(struct gen9_display *d, const struct gen9_display_reg *r,
                        uint32_t offset, uint32_t value);

/* One 60 Hz refresh: frame counters, vblank and flip-done events. */
void gen9_display_vblank(struct gen9_display *d);

/*
 * Plug or unplug the monitor: the port's live state and a long-pulse
 * hotplug event, as a real cable would.  Nothing if the state is unchanged.
 */
void gen9_display_hotplug(struct gen9_display *d, bool connected);

/* The monitor's EDID 1.4 base block for @width x @height at 60 Hz. */
void gen9_edid_build(uint8_t edid[GEN9_EDID_SIZE], unsigned width, unsigned height);

#endif /* GPUMED_GEN9_DISPLAY_H */
