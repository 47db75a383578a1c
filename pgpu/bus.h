/*
 * bus.h - the GPU model as a PCI GPU (what hw/pgpu-pci.c puts into a VM),
 * without QEMU: its BARs, what each access of any width, alignment and
 * offset does to the model, its config-space registers and interrupt
 * level, and the counters of what it refused.  hw/pgpu-pci.c maps these
 * into QEMU; the pgpu-pci fuzzer (tests/fuzz/pgpu/fuzz-pci.c) runs the
 * same code without QEMU.
 *
 * Threads: as the model's ops, except that the accesses below are made by
 * one thread at a time (QEMU's: under its big lock).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_PGPU_BUS_H
#define GPUMED_PGPU_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgpu/pgpu.h"

/* The BARs of a Gen9 GPU, as the PCI specification's type bits say. */
#define PGPU_BUS_BAR_IO_SPACE   0x1
#define PGPU_BUS_BAR_MEM64      0x4
#define PGPU_BUS_BAR_PREFETCH   0x8

enum pgpu_bus_bar_id {
    PGPU_BUS_MMIO,              /* BAR0 (GTTMMADR): registers, a hole, the GGTT */
    PGPU_BUS_APERTURE,          /* BAR2 (GMADR) */
    PGPU_BUS_IO,                /* BAR4: an index and a data register onto BAR0 */
    PGPU_BUS_BARS
};

struct pgpu_bus_bar {
    const char *name;
    unsigned index;             /* the BAR register: 0x10 + 4 * index */
    uint8_t type;               /* PGPU_BUS_BAR_* */
    uint64_t size;              /* 0: the aperture's (pgpu_config.aperture_size) */
};

extern const struct pgpu_bus_bar pgpu_bus_bars[PGPU_BUS_BARS];

#define PGPU_BUS_MMIO_SIZE      (PGPU_GGTT_BAR_OFFSET + PGPU_GGTT_ENTRIES * 8ull)
#define PGPU_BUS_IO_SIZE        64u

/* What the guest did that the device refused before the model (the model
 * counts the rest, struct pgpu_stats). */
struct pgpu_bus_stats {
    uint64_t bad_bar0;          /* odd sizes, unaligned, the hole between registers and GGTT */
    uint64_t bad_io;            /* IO BAR: not an aligned dword, or an index outside BAR0 */
    uint64_t aperture_faults;   /* aperture accesses the GGTT maps to no memory */
    uint64_t dma_refused;       /* GPU accesses to bus addresses that reach no RAM (the
                                   owner's DMA translation counts them, atomically) */
    uint64_t dma_iommu;         /* bus addresses an IOMMU translated to RAM for the GPU
                                   (likewise; 0 where no IOMMU is in the path) */
    uint64_t msi;               /* interrupts delivered (the owner's MSI) */
};

struct pgpu_bus {
    struct pgpu *gpu;
    bool touched;               /* written since the model was created */
    uint32_t io_index;
    struct pgpu_bus_stats stats;
    uint64_t writes_before;     /* pgpu_bus_memory_writes() of the models replaced */
    uint64_t aperture_writes;   /* of this model */
};

/*
 * The model behind the BARs: created with @config and its interrupt
 * handler (pgpu_ops.set_irq_handler), 0 or -1 with errno (pgpu_ops.create's).
 * A device reset replaces a model the guest has programmed with a new one
 * in its power-on state (its engines stopped first); the reset before the
 * guest starts keeps the first one.  After a failed reset bus->gpu is NULL.
 */
int pgpu_bus_create(struct pgpu_bus *bus, const struct pgpu_config *config,
                    pgpu_irq_handler *irq, void *opaque);
int pgpu_bus_reset(struct pgpu_bus *bus, const struct pgpu_config *config,
                   pgpu_irq_handler *irq, void *opaque);
void pgpu_bus_destroy(struct pgpu_bus *bus);

/*
 * Accesses of @size bytes at @addr of BAR @bar, as the guest's CPU makes
 * them: any @size, any @addr (an owner's bus gives 1, 2, 4 or 8 bytes
 * inside the BAR; the rest is refused and counted too).  Reads of what is
 * refused return 0, the aperture's return ones (a master abort); writes
 * return true when they reached a register (BAR0, or BAR4's data onto
 * it), whose write may have changed the interrupt level
 * (pgpu_bus_intx_level).
 */
uint64_t pgpu_bus_read(struct pgpu_bus *bus, enum pgpu_bus_bar_id bar, uint64_t addr,
                       unsigned size);
bool pgpu_bus_write(struct pgpu_bus *bus, enum pgpu_bus_bar_id bar, uint64_t addr, uint64_t val,
                    unsigned size);

/* The INTx level without MSI: the master register's enable and summary. */
bool pgpu_bus_intx_level(struct pgpu_bus *bus);

/* What this GPU's config space has beyond the identity vgpu_cfg_init()
 * gives it (which the caller applies first, the vGPU's and this GPU's
 * being one description), in its writable bits @wmask: the IO BAR's decode bit. */
void pgpu_bus_cfg_add(uint8_t *wmask);

/*
 * The model writes memory through host pointers, where an owner's own
 * dirty tracking (QEMU's dirty log) does not see it: a count that grows
 * after each such write (the engines' commands and context-status events,
 * pgpu_stats; the CPU's aperture writes the model makes), never going back
 * across a reset that replaces the model.
 */
uint64_t pgpu_bus_memory_writes(struct pgpu_bus *bus);

/* The device's and the model's counters, one "name=value" line. */
void pgpu_bus_format_stats(struct pgpu_bus *bus, char *buf, size_t size);

#endif /* GPUMED_PGPU_BUS_H */
