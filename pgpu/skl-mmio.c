/*
 * skl-mmio.c - the model's register file and its ops table.
 *
 * The 2 MiB register space is plain storage ("RAM") except for the rows of
 * skl_regs[]: one row per register (or per engine register, expanded for
 * each engine) giving its power-on value, access flags and, only where the
 * register has side effects, read/write handlers; and the rows of the Gen9
 * display (gen9/display.h), which runs on this register file under
 * gpu->lock, its events raised in the display's interrupt sets.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pgpu/skl.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
    REG_MASKED = 1 << 0,    /* upper 16 bits select which lower bits change */
    REG_RO     = 1 << 1,    /* writes are ignored */
    REG_W1C    = 1 << 2,    /* writing 1 clears */
    REG_NO_CMD = 1 << 3,    /* command streams may not write it */
    REG_IRQ    = 1 << 4,    /* a write may assert the interrupt */
};

typedef uint32_t skl_reg_read_fn(struct skl_gpu *gpu, struct skl_engine *e,
                                 uint32_t offset);
typedef void skl_reg_write_fn(struct skl_gpu *gpu, struct skl_engine *e,
                              uint32_t offset, uint32_t value);

struct skl_reg {
    const char *name;
    uint32_t offset;            /* relative to the engine base if per_engine */
    unsigned count;             /* consecutive dwords (0 means 1) */
    bool per_engine;
    unsigned flags;
    uint32_t reset;             /* power-on value */
    skl_reg_read_fn *read;      /* called under gpu->lock */
    skl_reg_write_fn *write;    /* gets the value after flag semantics */
};

static uint32_t reg_elsp_read(struct skl_gpu *gpu, struct skl_engine *e, uint32_t offset)
{
    return 0;   /* write-only port */
}

static void reg_elsp_write(struct skl_gpu *gpu, struct skl_engine *e, uint32_t offset,
                           uint32_t value)
{
    skl_elsp_write_locked(e, value);
}

static uint32_t reg_execlist_status_read(struct skl_gpu *gpu, struct skl_engine *e,
                                         uint32_t offset)
{
    return skl_execlist_status_locked(e, offset == e->base + RING_EXECLIST_STATUS_HI);
}

/* MODE_IDLE is live state, never stored. */
static uint32_t reg_mi_mode_read(struct skl_gpu *gpu, struct skl_engine *e,
                                 uint32_t offset)
{
    uint32_t value = skl_reg_load(gpu, offset) & ~MODE_IDLE;

    return value | (skl_engine_idle_locked(e) ? MODE_IDLE : 0);
}

static void reg_kick_write(struct skl_gpu *gpu, struct skl_engine *e, uint32_t offset,
                           uint32_t value)
{
    skl_reg_store(gpu, offset, value);
    skl_engine_kick_locked(e);
}

/* The engine is always between commands as seen from the CPU. */
static uint32_t reg_reset_ctl_read(struct skl_gpu *gpu, struct skl_engine *e,
                                   uint32_t offset)
{
    uint32_t value = skl_reg_load(gpu, offset) & ~RESET_CTL_READY_TO_RESET;

    return value | (value & RESET_CTL_REQUEST_RESET ? RESET_CTL_READY_TO_RESET : 0);
}

static uint32_t reg_timestamp_read(struct skl_gpu *gpu, struct skl_engine *e,
                                   uint32_t offset)
{
    uint64_t ticks = gen9_cs_timestamp();

    return offset == e->base + RING_TIMESTAMP_UDW ? (uint32_t)(ticks >> 32) : (uint32_t)ticks;
}

static uint32_t reg_ctx_timestamp_read(struct skl_gpu *gpu, struct skl_engine *e,
                                       uint32_t offset)
{
    return skl_ctx_timestamp_locked(e);
}

static uint32_t reg_master_irq_read(struct skl_gpu *gpu, struct skl_engine *e,
                                    uint32_t offset)
{
    return skl_master_irq_read_locked(gpu);
}

static void reg_master_irq_write(struct skl_gpu *gpu, struct skl_engine *e,
                                 uint32_t offset, uint32_t value)
{
    skl_reg_store(gpu, offset, value & GEN8_MASTER_IRQ_CONTROL);
}

static void reg_gdrst_write(struct skl_gpu *gpu, struct skl_engine *e, uint32_t offset,
                            uint32_t value)
{
    for (unsigned i = 0; i < GEN9_NUM_ENGINES; i++) {
        if (value & (GRDOM_FULL | gen9_engines[i].reset_bit)) {
            skl_engine_reset_locked(&gpu->engines[i]);
        }
    }
    /* the reset is complete when the bits read back as 0 */
}

/* Each forcewake domain's request and ack: the model's domains are always
 * awake, so the ack follows the request at once (what i915 waits for). */
static const struct { uint32_t request, ack; } forcewake_domains[] = {
    { FORCEWAKE_RENDER_GEN9, FORCEWAKE_ACK_RENDER_GEN9 },
    { FORCEWAKE_MEDIA_GEN9, FORCEWAKE_ACK_MEDIA_GEN9 },
    { FORCEWAKE_GT_GEN9, FORCEWAKE_ACK_GT_GEN9 },
};

static void reg_forcewake_write(struct skl_gpu *gpu, struct skl_engine *e, uint32_t offset,
                                uint32_t value)
{
    skl_reg_store(gpu, offset, value);
    for (size_t i = 0; i < sizeof(forcewake_domains) / sizeof(forcewake_domains[0]); i++) {
        if (forcewake_domains[i].request == offset) {
            skl_reg_store(gpu, forcewake_domains[i].ack, value);
        }
    }
}

#define ENGINE_REG(reg, ...) \
    { .name = #reg, .offset = reg, .per_engine = true, __VA_ARGS__ }
#define GT_BANK_REGS(n) \
    { .name = "GT_ISR" #n, .offset = GEN8_GT_ISR(n), .flags = REG_RO }, \
    { .name = "GT_IMR" #n, .offset = GEN8_GT_IMR(n), .reset = 0xffffffff, \
      .flags = REG_NO_CMD | REG_IRQ }, \
    { .name = "GT_IIR" #n, .offset = GEN8_GT_IIR(n), .flags = REG_W1C | REG_NO_CMD }, \
    { .name = "GT_IER" #n, .offset = GEN8_GT_IER(n), .flags = REG_NO_CMD | REG_IRQ }
/* A display interrupt set: the display raises its events in IIR
 * (skl_display_irq_raise_locked); the summary reaches the master register. */
#define DISPLAY_IRQ_REGS(label, isr) \
    { .name = label "_ISR", .offset = (isr), .flags = REG_RO }, \
    { .name = label "_IMR", .offset = (isr) + IRQ_IMR, .reset = 0xffffffff, \
      .flags = REG_IRQ }, \
    { .name = label "_IIR", .offset = (isr) + IRQ_IIR, .flags = REG_W1C }, \
    { .name = label "_IER", .offset = (isr) + IRQ_IER, .flags = REG_IRQ }

static const struct skl_reg skl_regs[] = {
    /* Live execution state: the engine owns it while a context runs. */
    ENGINE_REG(RING_TAIL, .flags = REG_NO_CMD),
    ENGINE_REG(RING_HEAD, .flags = REG_NO_CMD),
    ENGINE_REG(RING_START, .flags = REG_NO_CMD),
    ENGINE_REG(RING_CTL, .flags = REG_NO_CMD),
    ENGINE_REG(RING_BBSTATE, .flags = REG_NO_CMD),
    ENGINE_REG(RING_SBBADDR, .flags = REG_NO_CMD),
    ENGINE_REG(RING_SBBSTATE, .flags = REG_NO_CMD),
    ENGINE_REG(RING_SBBADDR_UDW, .flags = REG_NO_CMD),
    ENGINE_REG(RING_BBADDR, .flags = REG_NO_CMD),
    ENGINE_REG(RING_BBADDR_UDW, .flags = REG_NO_CMD),
    ENGINE_REG(RING_MI_MODE, .flags = REG_MASKED, .read = reg_mi_mode_read,
               .write = reg_kick_write),
    ENGINE_REG(RING_EIR, .flags = REG_W1C),
    ENGINE_REG(RING_RESET_CTL, .flags = REG_MASKED | REG_NO_CMD,
               .read = reg_reset_ctl_read),
    ENGINE_REG(RING_ELSP, .flags = REG_NO_CMD, .read = reg_elsp_read,
               .write = reg_elsp_write),
    ENGINE_REG(RING_EXECLIST_STATUS_LO, .flags = REG_RO,
               .read = reg_execlist_status_read),
    ENGINE_REG(RING_EXECLIST_STATUS_HI, .flags = REG_RO,
               .read = reg_execlist_status_read),
    ENGINE_REG(RING_CONTEXT_CONTROL, .flags = REG_MASKED),
    ENGINE_REG(RING_MODE_GEN7, .flags = REG_MASKED | REG_NO_CMD),
    ENGINE_REG(RING_TIMESTAMP, .flags = REG_RO, .read = reg_timestamp_read),
    ENGINE_REG(RING_TIMESTAMP_UDW, .flags = REG_RO, .read = reg_timestamp_read),
    ENGINE_REG(RING_CONTEXT_STATUS_BUF_LO(0), .count = 2 * GEN8_CSB_ENTRIES, .flags = REG_RO),
    ENGINE_REG(RING_CONTEXT_STATUS_PTR, .flags = REG_MASKED | REG_NO_CMD,
               .reset = 0x0707),
    ENGINE_REG(RING_CTX_TIMESTAMP, .flags = REG_NO_CMD, .read = reg_ctx_timestamp_read),
    /* Storage the driver programs: the status page address (the CSB mirror
     * reads it), interrupt and error masks, the whitelist slots. */
    ENGINE_REG(RING_PSMI_CTL, .flags = REG_MASKED),
    ENGINE_REG(RING_HWS_PGA),
    ENGINE_REG(RING_HWSTAM),
    ENGINE_REG(RING_IMR, .reset = 0xffffffff),
    ENGINE_REG(RING_EMR),
    ENGINE_REG(RING_ESR, .flags = REG_RO),
    ENGINE_REG(RING_FORCE_TO_NONPRIV, .count = 12),

    { .name = "MASTER_IRQ", .offset = GEN8_MASTER_IRQ, .flags = REG_NO_CMD | REG_IRQ,
      .read = reg_master_irq_read, .write = reg_master_irq_write },
    GT_BANK_REGS(0), GT_BANK_REGS(1), GT_BANK_REGS(2), GT_BANK_REGS(3),
    { .name = "GDRST", .offset = GEN6_GDRST, .flags = REG_NO_CMD, .write = reg_gdrst_write },
    { .name = "FUSE2", .offset = GEN8_FUSE2, .flags = REG_RO, .reset = 0x02800000 },
    { .name = "CTC_MODE", .offset = CTC_MODE, .flags = REG_RO,
      .reset = SKL_CTC_MODE_VALUE },
    { .name = "FORCEWAKE_RENDER", .offset = FORCEWAKE_RENDER_GEN9, .flags = REG_MASKED,
      .write = reg_forcewake_write },
    { .name = "FORCEWAKE_MEDIA", .offset = FORCEWAKE_MEDIA_GEN9, .flags = REG_MASKED,
      .write = reg_forcewake_write },
    { .name = "FORCEWAKE_GT", .offset = FORCEWAKE_GT_GEN9, .flags = REG_MASKED,
      .write = reg_forcewake_write },
    { .name = "FORCEWAKE_ACK_RENDER", .offset = FORCEWAKE_ACK_RENDER_GEN9, .flags = REG_RO },
    { .name = "FORCEWAKE_ACK_MEDIA", .offset = FORCEWAKE_ACK_MEDIA_GEN9, .flags = REG_RO },
    { .name = "FORCEWAKE_ACK_GT", .offset = FORCEWAKE_ACK_GT_GEN9, .flags = REG_RO },
    /* TLB invalidations complete at once: an engine keeps translations for
     * one slice at most (docs/gpu-model.md), so they read 0 (done). */
    { .name = "GEN8_TLB_INV", .offset = GEN8_RTCR, .count = GEN8_TLB_INV_SIZE / 4,
      .flags = REG_RO },
    /* The GuC is never loaded: its microcontroller stays in reset. */
    { .name = "GUC_STATUS", .offset = GUC_STATUS, .flags = REG_RO, .reset = GS_MIA_IN_RESET },
    /* Cache-control tables the driver programs: storage. */
    { .name = "GEN9_LNCFCMOCS", .offset = GEN9_LNCFCMOCS, .count = 32 },
    { .name = "GEN9_RCS_MOCS", .offset = GEN9_RCS_MOCS_BASE, .count = GEN9_MOCS_SIZE / 4 },
    { .name = "GEN9_VCS_MOCS", .offset = GEN9_VCS_MOCS_BASE, .count = GEN9_MOCS_SIZE / 4 },
    { .name = "GEN9_VECS_MOCS", .offset = GEN9_VECS_MOCS_BASE, .count = GEN9_MOCS_SIZE / 4 },
    { .name = "GEN9_BCS_MOCS", .offset = GEN9_BCS_MOCS_BASE, .count = GEN9_MOCS_SIZE / 4 },
    DISPLAY_IRQ_REGS("DE_PIPE_A", GEN8_DE_PIPE_ISR_A),
    DISPLAY_IRQ_REGS("DE_PIPE_B", GEN8_DE_PIPE_ISR_A + 0x10),
    DISPLAY_IRQ_REGS("DE_PIPE_C", GEN8_DE_PIPE_ISR_A + 0x20),
    DISPLAY_IRQ_REGS("DE_PORT", GEN8_DE_PORT_ISR),
    DISPLAY_IRQ_REGS("DE_MISC", GEN8_DE_MISC_ISR),
    DISPLAY_IRQ_REGS("PCU", GEN8_PCU_ISR),
    DISPLAY_IRQ_REGS("SDE", SDEISR),
    { .name = "EDP_PSR_IMR", .offset = EDP_PSR_IMR, .reset = 0xffffffff },
    { .name = "EDP_PSR_IIR", .offset = EDP_PSR_IIR, .flags = REG_W1C },
    { .name = "BCS_SWCTRL", .offset = BCS_SWCTRL, .flags = REG_MASKED },
};

#define NUM_REGS (sizeof(skl_regs) / sizeof(skl_regs[0]))
#define MAX_SLOTS 255

/* A register row bound to its engine (NULL for global rows). */
struct reg_slot {
    const struct skl_reg *reg;
    enum gen9_engine engine;
    bool has_engine;
};

static struct reg_slot reg_slots[MAX_SLOTS];
static unsigned reg_slot_count;
static uint8_t reg_slot_of[PGPU_MMIO_SIZE / 4];     /* slot + 1, 0 = RAM */
static pthread_once_t reg_slots_once = PTHREAD_ONCE_INIT;

static void add_slot(const struct skl_reg *reg, uint32_t offset, int engine)
{
    unsigned count = reg->count ? reg->count : 1;

    assert(reg_slot_count < MAX_SLOTS);
    reg_slots[reg_slot_count] = (struct reg_slot){
        .reg = reg, .engine = engine < 0 ? 0 : engine, .has_engine = engine >= 0,
    };
    reg_slot_count++;
    for (unsigned i = 0; i < count; i++) {
        assert(offset % 4 == 0 && offset / 4 + i < PGPU_MMIO_SIZE / 4);
        /* rows must not overlap, nor claim the display's */
        assert(!reg_slot_of[offset / 4 + i] && !gen9_display_reg_lookup(offset + 4 * i));
        reg_slot_of[offset / 4 + i] = reg_slot_count;
    }
}

static void build_reg_slots(void)
{
    bool display_index_valid = gen9_display_regs_index_init();

    assert(display_index_valid);
    (void)display_index_valid;
    for (unsigned r = 0; r < NUM_REGS; r++) {
        if (!skl_regs[r].per_engine) {
            add_slot(&skl_regs[r], skl_regs[r].offset, -1);
            continue;
        }
        for (int e = 0; e < GEN9_NUM_ENGINES; e++) {
            add_slot(&skl_regs[r], gen9_engines[e].base + skl_regs[r].offset, e);
        }
    }
}

static const struct reg_slot *slot_at(uint32_t offset)
{
    unsigned slot = reg_slot_of[offset / 4];

    return slot ? &reg_slots[slot - 1] : NULL;
}

static struct skl_engine *slot_engine(struct skl_gpu *gpu, const struct reg_slot *slot)
{
    return slot->has_engine ? &gpu->engines[slot->engine] : NULL;
}

static int skl_regs_init(struct skl_gpu *gpu)
{
    pthread_once(&reg_slots_once, build_reg_slots);
    gpu->regs = calloc(1, PGPU_MMIO_SIZE);
    return gpu->regs ? 0 : -ENOMEM;
}

static void skl_regs_reset(struct skl_gpu *gpu)
{
    memset(gpu->regs, 0, PGPU_MMIO_SIZE);
    for (unsigned s = 0; s < reg_slot_count; s++) {
        const struct skl_reg *reg = reg_slots[s].reg;
        uint32_t offset = reg->offset +
            (reg_slots[s].has_engine ? gen9_engines[reg_slots[s].engine].base : 0);

        skl_reg_store(gpu, offset, reg->reset);
    }
    /* after the interrupt sets: the monitor is live in SDEISR */
    gen9_display_reset(&gpu->display);
}

uint32_t skl_mmio_read32(struct skl_gpu *gpu, uint32_t offset)
{
    const struct reg_slot *slot = slot_at(offset);
    const struct gen9_display_reg *display;
    uint32_t value;

    if (!slot && (display = gen9_display_reg_lookup(offset)) && display->read) {
        pthread_mutex_lock(&gpu->lock);
        value = gen9_display_read(&gpu->display, display, offset);
        pthread_mutex_unlock(&gpu->lock);
        return value;
    }
    if (!slot || !slot->reg->read) {
        return skl_reg_load(gpu, offset);
    }
    pthread_mutex_lock(&gpu->lock);
    value = slot->reg->read(gpu, slot_engine(gpu, slot), offset);
    pthread_mutex_unlock(&gpu->lock);
    return value;
}

/* A display register: its semantics and handlers are the display's. */
static void display_write32(struct skl_gpu *gpu, const struct gen9_display_reg *display,
                            uint32_t offset, uint32_t value)
{
    bool deliver;

    pthread_mutex_lock(&gpu->lock);
    gen9_display_write(&gpu->display, display, offset, value);
    deliver = gpu->display_irq;
    gpu->display_irq = false;
    pthread_mutex_unlock(&gpu->lock);
    if (deliver) {
        skl_irq_deliver(gpu);
    }
}

static void skl_mmio_write32(struct skl_gpu *gpu, uint32_t offset, uint32_t value)
{
    const struct reg_slot *slot = slot_at(offset);
    const struct gen9_display_reg *display;
    const struct skl_reg *reg;
    bool deliver = false;

    if (!slot && (display = gen9_display_reg_lookup(offset))) {
        display_write32(gpu, display, offset, value);
        return;
    }
    if (!slot) {
        skl_reg_store(gpu, offset, value);
        return;
    }
    reg = slot->reg;
    if (reg->flags & REG_RO) {
        return;
    }
    pthread_mutex_lock(&gpu->lock);
    if (reg->flags & REG_MASKED) {
        uint32_t select = value >> 16;

        value = (skl_reg_load(gpu, offset) & ~select) | (value & select & 0xffff);
    } else if (reg->flags & REG_W1C) {
        value = skl_reg_load(gpu, offset) & ~value;
    }
    if (reg->write) {
        reg->write(gpu, slot_engine(gpu, slot), offset, value);
    } else {
        skl_reg_store(gpu, offset, value);
    }
    if (reg->flags & REG_IRQ) {
        deliver = skl_irq_pending_locked(gpu);
    }
    pthread_mutex_unlock(&gpu->lock);
    if (deliver) {
        skl_irq_deliver(gpu);
    }
}

bool skl_cmd_reg_write(struct skl_engine *e, uint32_t offset, uint32_t value)
{
    const struct reg_slot *slot;

    if (offset >= PGPU_MMIO_SIZE || offset % 4) {
        SKL_STAT_INC(e->gpu, refused_reg_accesses);
        return false;
    }
    slot = slot_at(offset);
    if (slot && (slot->reg->flags & REG_NO_CMD)) {
        SKL_STAT_INC(e->gpu, refused_reg_accesses);
        return false;
    }
    skl_mmio_write32(e->gpu, offset, value);
    return true;
}

/* An owner access to a register no row describes: counted, so that what a
 * driver needs and the model lacks shows (pgpu-pci prints it at exit). */
static void untracked_access(struct skl_gpu *gpu, uint32_t offset, unsigned size, bool write)
{
    for (uint32_t dw = offset / 4; dw < (offset + size) / 4; dw++) {
        uint64_t bit = 1ull << (dw % 64);

        if (slot_at(dw * 4) || gen9_display_reg_lookup(dw * 4)) {
            continue;
        }
        if (write) {
            SKL_STAT_INC(gpu, untracked_writes);
        } else {
            SKL_STAT_INC(gpu, untracked_reads);
        }
        if (!(__atomic_fetch_or(&gpu->untracked[dw / 64], bit, __ATOMIC_RELAXED) & bit)) {
            SKL_STAT_INC(gpu, untracked_offsets);
        }
    }
}

static uint32_t skl_untracked_next(struct pgpu *pgpu, uint32_t from)
{
    struct skl_gpu *gpu = (struct skl_gpu *)pgpu;

    for (uint32_t dw = from / 4 + (from % 4 != 0); dw < PGPU_MMIO_SIZE / 4; dw++) {
        uint64_t word = __atomic_load_n(&gpu->untracked[dw / 64], __ATOMIC_RELAXED) >> (dw % 64);

        if (!word) {
            dw |= 63;           /* the rest of this word is clear */
            continue;
        }
        return (dw + __builtin_ctzll(word)) * 4;
    }
    return UINT32_MAX;
}

static bool mmio_access_valid(uint32_t offset, unsigned size)
{
    return (size == 4 || size == 8) && offset % 4 == 0 &&
           offset <= PGPU_MMIO_SIZE - size;
}

static uint64_t skl_mmio_read(struct pgpu *pgpu, uint32_t offset, unsigned size)
{
    struct skl_gpu *gpu = (struct skl_gpu *)pgpu;
    uint64_t value;

    if (!mmio_access_valid(offset, size)) {
        SKL_STAT_INC(gpu, bad_mmio);
        return 0;
    }
    untracked_access(gpu, offset, size, false);
    value = skl_mmio_read32(gpu, offset);
    if (size == 8) {
        value |= (uint64_t)skl_mmio_read32(gpu, offset + 4) << 32;
    }
    return value;
}

static void skl_mmio_write(struct pgpu *pgpu, uint32_t offset, uint64_t value,
                           unsigned size)
{
    struct skl_gpu *gpu = (struct skl_gpu *)pgpu;

    if (!mmio_access_valid(offset, size)) {
        SKL_STAT_INC(gpu, bad_mmio);
        return;
    }
    untracked_access(gpu, offset, size, true);
    skl_mmio_write32(gpu, offset, (uint32_t)value);
    if (size == 8) {
        skl_mmio_write32(gpu, offset + 4, (uint32_t)(value >> 32));
    }
}

static uint64_t skl_ggtt_read(struct pgpu *pgpu, uint32_t index)
{
    struct skl_gpu *gpu = (struct skl_gpu *)pgpu;

    if (index >= PGPU_GGTT_ENTRIES) {
        SKL_STAT_INC(gpu, bad_mmio);
        return 0;
    }
    return __atomic_load_n(&gpu->ggtt[index], __ATOMIC_RELAXED);
}

static void skl_ggtt_write(struct pgpu *pgpu, uint32_t index, uint64_t pte)
{
    struct skl_gpu *gpu = (struct skl_gpu *)pgpu;

    if (index >= PGPU_GGTT_ENTRIES) {
        SKL_STAT_INC(gpu, bad_mmio);
        return;
    }
    __atomic_store_n(&gpu->ggtt[index], pte, __ATOMIC_RELAXED);
    __atomic_fetch_add(&gpu->ggtt_writes, 1, __ATOMIC_RELEASE);
}

static void skl_display_vblank(struct pgpu *pgpu)
{
    struct skl_gpu *gpu = (struct skl_gpu *)pgpu;
    bool deliver;

    pthread_mutex_lock(&gpu->lock);
    gen9_display_vblank(&gpu->display);
    deliver = gpu->display_irq;
    gpu->display_irq = false;
    pthread_mutex_unlock(&gpu->lock);
    if (deliver) {
        skl_irq_deliver(gpu);
    }
}

/* The display's ops: the register file, interrupt sets and counters are
 * this model's, reached under gpu->lock (the display's callers hold it). */
static uint32_t display_load(void *opaque, uint32_t offset)
{
    return skl_reg_load(opaque, offset);
}

static void display_store(void *opaque, uint32_t offset, uint32_t value)
{
    skl_reg_store(opaque, offset, value);
}

static void display_irq_raise(void *opaque, enum gen9_display_irq set, uint32_t bits)
{
    skl_display_irq_raise_locked(opaque, set, bits);
}

static void display_count(void *opaque, enum gen9_display_event event)
{
    struct skl_gpu *gpu = opaque;

    switch (event) {
    case GEN9_DISPLAY_VBLANK:
        SKL_STAT_INC(gpu, vblanks);
        break;
    case GEN9_DISPLAY_PCODE_UNKNOWN:
        SKL_STAT_INC(gpu, pcode_unknown);
        break;
    case GEN9_DISPLAY_PLANE_REJECTED:
        SKL_STAT_INC(gpu, plane_rejected);
        break;
    case GEN9_DISPLAY_CURSOR_REJECTED:
        SKL_STAT_INC(gpu, cursor_rejected);
        break;
    }
}

/* The model keeps no log: what the driver got wrong is counted. */
static void display_guest_error(void *opaque, const char *message)
{
    SKL_STAT_INC((struct skl_gpu *)opaque, display_refused);
}

/* The display reads its planes through this GPU's GGTT: a present entry
 * names a bus address, which reaches memory (or not) through the DMA path. */
static bool display_translate(void *opaque, uint64_t gma, uint64_t *addr)
{
    struct skl_gpu *gpu = opaque;
    uint64_t pte;

    if (gma >= PGPU_GGTT_SIZE) {
        return false;
    }
    pte = __atomic_load_n(&gpu->ggtt[gma / PGPU_PAGE_SIZE], __ATOMIC_RELAXED);
    *addr = pte & GTT_PTE_ADDR_MASK;
    return pte & GTT_PTE_PRESENT;
}

/* A decode that read the count before translating sees every entry stored
 * before the count it read (gen9_display_ops.translation_epoch). */
static uint64_t display_translation_epoch(void *opaque)
{
    struct skl_gpu *gpu = opaque;

    return __atomic_load_n(&gpu->ggtt_writes, __ATOMIC_ACQUIRE);
}

static enum gen9_plane_status skl_display_plane(struct pgpu *pgpu, struct gen9_fb *fb)
{
    struct skl_gpu *gpu = (struct skl_gpu *)pgpu;
    enum gen9_plane_status status;

    pthread_mutex_lock(&gpu->lock);
    status = gen9_plane_decode(&gpu->display, fb);
    pthread_mutex_unlock(&gpu->lock);
    return status;
}

static enum gen9_plane_status skl_display_cursor(struct pgpu *pgpu, unsigned pipe,
                                                 struct gen9_cursor *cursor)
{
    struct skl_gpu *gpu = (struct skl_gpu *)pgpu;
    enum gen9_plane_status status;

    pthread_mutex_lock(&gpu->lock);
    status = gen9_cursor_decode(&gpu->display, pipe, cursor);
    pthread_mutex_unlock(&gpu->lock);
    return status;
}

static void skl_display_refuse_page(struct pgpu *pgpu, struct gen9_fb *fb, size_t page)
{
    struct skl_gpu *gpu = (struct skl_gpu *)pgpu;

    pthread_mutex_lock(&gpu->lock);
    gen9_fb_refuse_page(&gpu->display, fb, page);
    pthread_mutex_unlock(&gpu->lock);
}

static const struct gen9_display_ops skl_display_ops = {
    .load = display_load,
    .store = display_store,
    .irq_raise = display_irq_raise,
    .count = display_count,
    .guest_error = display_guest_error,
    .translate = display_translate,
    .translation_epoch = display_translation_epoch,
};

uint64_t skl_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool config_valid(const struct pgpu_config *config)
{
    uint64_t ap = config->aperture_size;

    bool default_monitor = !config->monitor_width && !config->monitor_height;
    bool monitor_valid = config->monitor_width >= GEN9_MONITOR_MIN_WIDTH &&
                         config->monitor_width <= GEN9_MONITOR_MAX_WIDTH &&
                         config->monitor_height >= GEN9_MONITOR_MIN_HEIGHT &&
                         config->monitor_height <= GEN9_MONITOR_MAX_HEIGHT;

    return config->name && config->name[0] && strlen(config->name) < SKL_NAME_MAX &&
           (default_monitor || monitor_valid) &&
           ap >= (64ull << 20) && ap <= PGPU_GGTT_SIZE && !(ap & (ap - 1)) &&
           config->hang_timeout_ms >= 1 && config->hang_timeout_ms <= 60000;
}

static void skl_destroy(struct pgpu *pgpu)
{
    struct skl_gpu *gpu = (struct skl_gpu *)pgpu;

    if (!gpu) {
        return;
    }
    skl_engines_stop(gpu);
    pthread_rwlock_destroy(&gpu->dma_lock);
    pthread_mutex_destroy(&gpu->lock);
    free(gpu->dma);
    free(gpu->untracked);
    free(gpu->ggtt);
    free(gpu->regs);
    free(gpu);
}

static struct pgpu *skl_create(const struct pgpu_config *config)
{
    pthread_rwlockattr_t rwattr;
    struct skl_gpu *gpu;
    int err;

    if (!config_valid(config)) {
        errno = EINVAL;
        return NULL;
    }
    gpu = calloc(1, sizeof(*gpu));
    if (!gpu) {
        return NULL;
    }
    gpu->base.ops = &pgpu_skl_model;
    strcpy(gpu->name, config->name);
    gpu->aperture_size = config->aperture_size;
    gpu->hang_timeout_ns = config->hang_timeout_ms * 1000000ull;
    if (config->host) {
        gpu->host = *config->host;
    }
    gen9_display_init(&gpu->display, &skl_display_ops, gpu,
                      config->monitor_width ? config->monitor_width : PGPU_MONITOR_DEFAULT_WIDTH,
                      config->monitor_height ? config->monitor_height
                                             : PGPU_MONITOR_DEFAULT_HEIGHT);
    pthread_mutex_init(&gpu->lock, NULL);
    /* writers (dma_unmap) must not starve behind busy engines */
    pthread_rwlockattr_init(&rwattr);
    pthread_rwlockattr_setkind_np(&rwattr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&gpu->dma_lock, &rwattr);
    pthread_rwlockattr_destroy(&rwattr);
    gpu->ggtt = calloc(PGPU_GGTT_ENTRIES, sizeof(uint64_t));
    gpu->untracked = calloc(PGPU_MMIO_SIZE / 4 / 64, sizeof(uint64_t));
    if (!gpu->ggtt || !gpu->untracked || skl_regs_init(gpu)) {
        skl_destroy(&gpu->base);
        errno = ENOMEM;
        return NULL;
    }
    skl_regs_reset(gpu);
    err = skl_engines_start(gpu);
    if (err) {
        skl_destroy(&gpu->base);
        errno = err;
        return NULL;
    }
    return &gpu->base;
}

static void skl_set_irq_handler(struct pgpu *pgpu, pgpu_irq_handler *handler,
                                void *opaque)
{
    struct skl_gpu *gpu = (struct skl_gpu *)pgpu;

    pthread_mutex_lock(&gpu->lock);
    gpu->irq_handler = handler;
    gpu->irq_opaque = opaque;
    pthread_mutex_unlock(&gpu->lock);
}

static void skl_reset_engine(struct pgpu *pgpu, enum gen9_engine engine)
{
    struct skl_gpu *gpu = (struct skl_gpu *)pgpu;

    assert(engine < GEN9_NUM_ENGINES);
    pthread_mutex_lock(&gpu->lock);
    skl_engine_reset_locked(&gpu->engines[engine]);
    pthread_mutex_unlock(&gpu->lock);
}

static void skl_get_stats(struct pgpu *pgpu, struct pgpu_stats *stats)
{
    struct skl_gpu *gpu = (struct skl_gpu *)pgpu;
    const uint64_t *src = (const uint64_t *)&gpu->stats;
    uint64_t *dst = (uint64_t *)stats;

    /* Acquire: the counts that tell of memory writes (pgpu.h) come with them. */
    for (size_t i = 0; i < sizeof(*stats) / sizeof(uint64_t); i++) {
        dst[i] = __atomic_load_n(&src[i], __ATOMIC_ACQUIRE);
    }
}

const struct pgpu_ops pgpu_skl_model = {
    .name = "skl-model",
    .create = skl_create,
    .destroy = skl_destroy,
    .mmio_read = skl_mmio_read,
    .mmio_write = skl_mmio_write,
    .ggtt_read = skl_ggtt_read,
    .ggtt_write = skl_ggtt_write,
    .aperture_access = skl_aperture_access,
    .dma_map = skl_dma_map,
    .dma_unmap = skl_dma_unmap,
    .set_irq_handler = skl_set_irq_handler,
    .reset_engine = skl_reset_engine,
    .get_stats = skl_get_stats,
    .untracked_next = skl_untracked_next,
    .display_vblank = skl_display_vblank,
    .display_plane = skl_display_plane,
    .display_cursor = skl_display_cursor,
    .display_refuse_page = skl_display_refuse_page,
};
