/*
 * skl-irq.c - interrupts: per-engine events into the GT IIR banks, the
 * display's events into its sets, the master interrupt register, and
 * delivery to the owner's handler.
 *
 * An event sets its IIR bit only if the IMR bit is clear; the master
 * register's summary bits are (IIR & IER) of each source half; the line is
 * asserted (handler called) per event while the master enable is set.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pgpu/skl.h"

/* The master register's summary bits: each stands for the enabled events
 * (IIR & IER) of part of one interrupt set (contract 7.2; GEN8_DE_*_IRQ,
 * GEN8_DE_PCH_IRQ and GEN8_PCU_IRQ in i915). */
static const struct {
    uint32_t isr;
    uint32_t mask;
    unsigned master_bit;
} master_sources[] = {
    { GEN8_GT_ISR(0), 0x0000ffff, 0 },      /* RCS */
    { GEN8_GT_ISR(0), 0xffff0000, 1 },      /* BCS */
    { GEN8_GT_ISR(1), 0x0000ffff, 2 },      /* VCS0 */
    { GEN8_GT_ISR(1), 0xffff0000, 3 },      /* VCS1 */
    { GEN8_GT_ISR(2), 0x0000ffff, 4 },      /* PM */
    { GEN8_GT_ISR(2), 0xffff0000, 5 },      /* GuC */
    { GEN8_GT_ISR(3), 0x0000ffff, 6 },      /* VECS */
    { GEN8_DE_PIPE_ISR_A, ~0u, 16 },
    { GEN8_DE_PIPE_ISR_A + 0x10, ~0u, 17 },
    { GEN8_DE_PIPE_ISR_A + 0x20, ~0u, 18 },
    { GEN8_DE_PORT_ISR, ~0u, 20 },
    { GEN8_DE_MISC_ISR, ~0u, 22 },
    { SDEISR, ~0u, 23 },
    { GEN8_PCU_ISR, ~0u, 30 },
};

/* Where each display set's ISR is (the display library's order). */
static const uint32_t display_sets[GEN9_DISPLAY_IRQ_COUNT] = {
    [GEN9_DISPLAY_IRQ_PIPE_A] = GEN8_DE_PIPE_ISR_A,
    [GEN9_DISPLAY_IRQ_PIPE_B] = GEN8_DE_PIPE_ISR_A + 0x10,
    [GEN9_DISPLAY_IRQ_PIPE_C] = GEN8_DE_PIPE_ISR_A + 0x20,
    [GEN9_DISPLAY_IRQ_PORT] = GEN8_DE_PORT_ISR,
    [GEN9_DISPLAY_IRQ_MISC] = GEN8_DE_MISC_ISR,
    [GEN9_DISPLAY_IRQ_PCU] = GEN8_PCU_ISR,
    [GEN9_DISPLAY_IRQ_PCH] = SDEISR,
};

static uint32_t set_active(const struct skl_gpu *gpu, uint32_t isr)
{
    return skl_reg_load(gpu, isr + IRQ_IIR) & skl_reg_load(gpu, isr + IRQ_IER);
}

uint32_t skl_master_irq_read_locked(const struct skl_gpu *gpu)
{
    uint32_t value = skl_reg_load(gpu, GEN8_MASTER_IRQ) & GEN8_MASTER_IRQ_CONTROL;

    for (unsigned i = 0; i < sizeof(master_sources) / sizeof(master_sources[0]); i++) {
        if (set_active(gpu, master_sources[i].isr) & master_sources[i].mask) {
            value |= 1u << master_sources[i].master_bit;
        }
    }
    return value;
}

bool skl_irq_pending_locked(const struct skl_gpu *gpu)
{
    return (skl_reg_load(gpu, GEN8_MASTER_IRQ) & GEN8_MASTER_IRQ_CONTROL) &&
           (skl_master_irq_read_locked(gpu) & ~GEN8_MASTER_IRQ_CONTROL);
}

void skl_irq_raise_locked(struct skl_engine *e, uint32_t bits)
{
    struct skl_gpu *gpu = e->gpu;
    uint32_t shifted = bits << e->info->irq_shift;
    uint32_t iir = GEN8_GT_IIR(e->info->irq_bank);

    shifted &= ~skl_reg_load(gpu, GEN8_GT_IMR(e->info->irq_bank));
    if (!shifted) {
        return;
    }
    skl_reg_store(gpu, iir, skl_reg_load(gpu, iir) | shifted);
    if ((skl_reg_load(gpu, GEN8_MASTER_IRQ) & GEN8_MASTER_IRQ_CONTROL) &&
        (shifted & skl_reg_load(gpu, GEN8_GT_IER(e->info->irq_bank)))) {
        e->irq_to_deliver = true;
    }
}

void skl_display_irq_raise_locked(struct skl_gpu *gpu, enum gen9_display_irq set,
                                  uint32_t bits)
{
    uint32_t isr = display_sets[set];
    uint32_t iir = skl_reg_load(gpu, isr + IRQ_IIR);

    bits &= ~skl_reg_load(gpu, isr + IRQ_IMR);
    if (!(bits & ~iir)) {
        return;
    }
    skl_reg_store(gpu, isr + IRQ_IIR, iir | bits);
    if ((skl_reg_load(gpu, GEN8_MASTER_IRQ) & GEN8_MASTER_IRQ_CONTROL) &&
        (bits & skl_reg_load(gpu, isr + IRQ_IER))) {
        gpu->display_irq = true;
    }
}

void skl_irq_deliver(struct skl_gpu *gpu)
{
    pgpu_irq_handler *handler;
    void *opaque;

    pthread_mutex_lock(&gpu->lock);
    handler = gpu->irq_handler;
    opaque = gpu->irq_opaque;
    pthread_mutex_unlock(&gpu->lock);
    if (handler) {
        handler(opaque);
    }
}
