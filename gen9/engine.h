/*
 * engine.h - the engines of a Skylake GT2 and their fixed facts: one table
 * that the vGPU, the mediator, the scanner, the scheduler, the GPU model
 * and its native driver all read (register offsets: gen9/regs.h).
 *
 * The engine numbers are also the protocol's (wire/protocol.h): QEMU
 * and the mediator name an engine by its index here.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_GEN9_ENGINE_H
#define GPUMED_GEN9_ENGINE_H

#include <stdint.h>

/* Engines, in GT interrupt order. */
enum gen9_engine {
    GEN9_RCS,           /* render */
    GEN9_BCS,           /* blitter */
    GEN9_VCS,           /* video */
    GEN9_VECS,          /* video enhancement */
    GEN9_NUM_ENGINES
};

/* Engine sets (1 << enum gen9_engine), e.g. where a command exists. */
enum {
    GEN9_ENG_RCS = 1 << GEN9_RCS,
    GEN9_ENG_BCS = 1 << GEN9_BCS,
    GEN9_ENG_VCS = 1 << GEN9_VCS,
    GEN9_ENG_VECS = 1 << GEN9_VECS,
    GEN9_ENG_XCS = GEN9_ENG_BCS | GEN9_ENG_VCS | GEN9_ENG_VECS,
    GEN9_ENG_ALL = GEN9_ENG_RCS | GEN9_ENG_XCS,
};

struct gen9_engine_info {
    const char *name;           /* i915's engine class name */
    uint32_t base;              /* MMIO base of its register block */
    unsigned hw_id;             /* index of its RING_FAULT_REG */
    unsigned irq_bank;          /* GEN8_GT_ISR(bank) */
    unsigned irq_shift;         /* its bits' position in that bank */
    uint32_t reset_bit;         /* its GRDOM_* bit in GEN6_GDRST */
    unsigned context_pages;     /* logical ring context image, PPHWSP included */
};

extern const struct gen9_engine_info gen9_engines[GEN9_NUM_ENGINES];

/*
 * The CS timestamp clock (SKL_CS_CLOCK_HZ) that every engine's
 * RING_TIMESTAMP counts: one free-running counter of the GPU.  The model
 * counts it from the host's CLOCK_MONOTONIC, so that whoever reads it on
 * this host reads the same counter: the GPU model executing a command that
 * stores it, and the vGPU answering a guest's MMIO read of it (GVT-g reads
 * the hardware's for a vGPU too, mmio_read_from_hw()).
 */
uint64_t gen9_cs_ticks(uint64_t ns);    /* CLOCK_MONOTONIC ns to CS clock ticks */
uint64_t gen9_cs_timestamp(void);       /* the counter now */

#endif /* GPUMED_GEN9_ENGINE_H */
