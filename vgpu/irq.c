/*
 * irq.c - the vGPU's interrupt tree (contract 7): second-level ISR/IMR/
 * IIR/IER sets summarised into the master register, delivered as MSI.
 *
 * MSI is an edge: one is sent when "master enabled and something pending"
 * becomes true.  The guest's handler disables the master bit, services the
 * IIRs and re-enables it, which re-arms the edge for what is still pending.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "vgpu/private.h"
#include "vgpu/regs.h"

/* Where each set lives and which master bits summarise its halves. */
static const struct {
    uint32_t isr;
    uint32_t master_lo;     /* summary of IIR & IER bits 15:0 */
    uint32_t master_hi;     /* summary of bits 31:16 */
} irq_banks[IRQ_BANK_COUNT] = {
    [IRQ_GT0] = { GEN8_GT_ISR(0), 1u << 0, 1u << 1 },         /* RCS, BCS */
    [IRQ_GT1] = { GEN8_GT_ISR(1), 1u << 2, 1u << 3 },  /* VCS0, VCS1 */
    [IRQ_GT2] = { GEN8_GT_ISR(2), 1u << 4, 1u << 5 },  /* PM, GuC */
    [IRQ_GT3] = { GEN8_GT_ISR(3), 1u << 6, 0 },        /* VECS */
    [IRQ_DE_PIPE_A] = { GEN8_DE_PIPE_ISR_A, 1u << 16, 1u << 16 },
    [IRQ_DE_PIPE_B] = { GEN8_DE_PIPE_ISR_A + 0x10, 1u << 17, 1u << 17 },
    [IRQ_DE_PIPE_C] = { GEN8_DE_PIPE_ISR_A + 0x20, 1u << 18, 1u << 18 },
    [IRQ_DE_PORT] = { GEN8_DE_PORT_ISR, 1u << 20, 1u << 20 },
    [IRQ_DE_MISC] = { GEN8_DE_MISC_ISR, 1u << 22, 1u << 22 },
    [IRQ_PCU] = { GEN8_PCU_ISR, 1u << 30, 1u << 30 },
    [IRQ_PCH] = { SDEISR, 1u << 23, 1u << 23 },
};

/* Bits 30:0 of the master register: which sets have enabled events. */
static uint32_t irq_summary(const struct vgpu *vgpu)
{
    uint32_t summary = 0;

    for (unsigned b = 0; b < IRQ_BANK_COUNT; b++) {
        uint32_t isr = irq_banks[b].isr;
        uint32_t pending = vreg(vgpu, isr + IRQ_IIR) & vreg(vgpu, isr + IRQ_IER);

        if (pending & 0xffff) {
            summary |= irq_banks[b].master_lo;
        }
        if (pending & 0xffff0000) {
            summary |= irq_banks[b].master_hi;
        }
    }
    return summary;
}

uint32_t vgpu_irq_master_read(struct vgpu *vgpu, uint32_t offset)
{
    return (vreg(vgpu, offset) & GEN8_MASTER_IRQ_CONTROL) | irq_summary(vgpu);
}

static void irq_update(struct vgpu *vgpu)
{
    bool asserted = (vreg(vgpu, GEN8_MASTER_IRQ) & GEN8_MASTER_IRQ_CONTROL) &&
                    irq_summary(vgpu);

    if (asserted && !vgpu->irq_asserted) {
        vgpu->stats.msi_sent++;
        vgpu->ops->raise_msi(vgpu->opaque);
    }
    vgpu->irq_asserted = asserted;
}

/* IMR, IIR, IER and master writes all may change what is pending. */
void vgpu_irq_reg_write(struct vgpu *vgpu, uint32_t offset, uint32_t old,
                        uint32_t written)
{
    irq_update(vgpu);
}

void vgpu_irq_raise(struct vgpu *vgpu, enum vgpu_irq_bank bank, uint32_t bits)
{
    uint32_t isr = irq_banks[bank].isr;
    uint32_t iir = vreg(vgpu, isr + IRQ_IIR);

    bits &= ~vreg(vgpu, isr + IRQ_IMR);
    if (bits & ~iir) {
        vgpu_reg_set(vgpu, isr + IRQ_IIR, iir | bits);
        irq_update(vgpu);
    }
}
