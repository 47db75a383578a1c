/*
 * skl-irq.c - GT interrupts: per-engine events into the GT IIR banks, the
 * master interrupt register, and delivery to the owner's handler.
 *
 * An event sets its IIR bit only if the IMR bit is clear; the master
 * register's summary bits are (IIR & IER) of each source half; the line is
 * asserted (handler called) per event while the master enable is set.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pgpu/skl.h"

/* Master bits 0..6 summarise these GT bank halves (contract 7.2). */
static const struct {
    unsigned bank;
    uint32_t mask;
} master_sources[] = {
    [0] = { 0, 0x0000ffff },    /* RCS */
    [1] = { 0, 0xffff0000 },    /* BCS */
    [2] = { 1, 0x0000ffff },    /* VCS0 */
    [3] = { 1, 0xffff0000 },    /* VCS1 */
    [4] = { 2, 0x0000ffff },    /* PM */
    [5] = { 2, 0xffff0000 },    /* GuC */
    [6] = { 3, 0x0000ffff },    /* VECS */
};

static uint32_t bank_active(const struct skl_gpu *gpu, unsigned bank)
{
    return skl_reg_load(gpu, GEN8_GT_IIR(bank)) & skl_reg_load(gpu, GEN8_GT_IER(bank));
}

uint32_t skl_master_irq_read_locked(const struct skl_gpu *gpu)
{
    uint32_t value = skl_reg_load(gpu, GEN8_MASTER_IRQ) & GEN8_MASTER_IRQ_CONTROL;

    for (unsigned i = 0; i < sizeof(master_sources) / sizeof(master_sources[0]); i++) {
        if (bank_active(gpu, master_sources[i].bank) & master_sources[i].mask) {
            value |= 1u << i;
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
