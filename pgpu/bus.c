/*
 * bus.c - the GPU model as a PCI GPU without QEMU: which access of a BAR
 * reaches which op of the model, and what is refused and counted (bus.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pgpu/bus.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>

#include "gen9/regs.h"

#define IO_INDEX                0x0
#define IO_DATA                 0x4
#define PCI_COMMAND             0x04
#define PCI_COMMAND_IO          0x1

const struct pgpu_bus_bar pgpu_bus_bars[PGPU_BUS_BARS] = {
    [PGPU_BUS_MMIO] = { "pgpu-bar0", 0, PGPU_BUS_BAR_MEM64, PGPU_BUS_MMIO_SIZE },
    [PGPU_BUS_APERTURE] = { "pgpu-aperture", 2, PGPU_BUS_BAR_MEM64 | PGPU_BUS_BAR_PREFETCH, 0 },
    [PGPU_BUS_IO] = { "pgpu-io", 4, PGPU_BUS_BAR_IO_SPACE, PGPU_BUS_IO_SIZE },
};

int pgpu_bus_create(struct pgpu_bus *bus, const struct pgpu_config *config,
                    pgpu_irq_handler *irq, void *opaque)
{
    bus->gpu = pgpu_skl_model.create(config);
    if (!bus->gpu) {
        return -1;
    }
    bus->gpu->ops->set_irq_handler(bus->gpu, irq, opaque);
    bus->touched = false;
    bus->aperture_writes = 0;
    return 0;
}

uint64_t pgpu_bus_memory_writes(struct pgpu_bus *bus)
{
    struct pgpu_stats m;

    if (!bus->gpu) {
        return bus->writes_before;
    }
    bus->gpu->ops->get_stats(bus->gpu, &m);
    return bus->writes_before + m.commands + m.status_events + bus->aperture_writes;
}

int pgpu_bus_reset(struct pgpu_bus *bus, const struct pgpu_config *config,
                   pgpu_irq_handler *irq, void *opaque)
{
    bus->io_index = 0;
    if (!bus->touched) {
        return 0;
    }
    /* + 1: the new model's first write must not meet an old count. */
    bus->writes_before = pgpu_bus_memory_writes(bus) + 1;
    pgpu_bus_destroy(bus);
    return pgpu_bus_create(bus, config, irq, opaque);
}

void pgpu_bus_destroy(struct pgpu_bus *bus)
{
    pgpu_skl_model.destroy(bus->gpu);
    bus->gpu = NULL;
}

static bool bus_width(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

static uint64_t ones(unsigned size)
{
    return size >= 8 ? UINT64_MAX : (1ull << (size * 8)) - 1;
}

/* The GGTT's PTE a dword or qword access at @addr reaches, or false. */
static bool ggtt_access(uint64_t addr, unsigned size, uint32_t *index)
{
    if (addr < PGPU_GGTT_BAR_OFFSET || addr >= PGPU_BUS_MMIO_SIZE || (size != 4 && size != 8) ||
        addr % size) {
        return false;
    }
    *index = (uint32_t)((addr - PGPU_GGTT_BAR_OFFSET) / 8);
    return true;
}

static bool register_access(uint64_t addr, unsigned size)
{
    return (size == 4 || size == 8) && addr % 4 == 0 && addr < PGPU_MMIO_SIZE &&
           addr + size <= PGPU_MMIO_SIZE;
}

/*
 * Registers take aligned dwords and qwords, as i915 reads and writes them;
 * a narrower read inside one dword reads that dword.  GGTT entries take
 * aligned qwords and dwords.  The rest reads 0, drops writes, and counts.
 */
static uint64_t bar_mmio_read(struct pgpu_bus *bus, uint64_t addr, unsigned size)
{
    const struct pgpu_ops *ops = bus->gpu->ops;
    uint32_t index;

    if (register_access(addr, size)) {
        return ops->mmio_read(bus->gpu, (uint32_t)addr, size);
    }
    if (bus_width(size) && size < 4 && addr < PGPU_MMIO_SIZE && addr % 4 + size <= 4) {
        uint32_t dword = (uint32_t)ops->mmio_read(bus->gpu, (uint32_t)addr & ~3u, 4);

        return (dword >> (addr % 4 * 8)) & ones(size);
    }
    if (ggtt_access(addr, size, &index)) {
        uint64_t pte = ops->ggtt_read(bus->gpu, index);

        return size == 8 ? pte : (pte >> (addr % 8 * 8)) & ones(4);
    }
    bus->stats.bad_bar0++;
    return 0;
}

static bool bar_mmio_write(struct pgpu_bus *bus, uint64_t addr, uint64_t val, unsigned size)
{
    const struct pgpu_ops *ops = bus->gpu->ops;
    uint32_t index;

    bus->touched = true;
    if (register_access(addr, size)) {
        ops->mmio_write(bus->gpu, (uint32_t)addr, val, size);
        return true;
    }
    if (ggtt_access(addr, size, &index)) {
        if (size == 4) {
            unsigned shift = addr % 8 * 8;

            val = (ops->ggtt_read(bus->gpu, index) & ~(ones(4) << shift)) |
                  (val & ones(4)) << shift;
        }
        ops->ggtt_write(bus->gpu, index, val);
        return false;
    }
    bus->stats.bad_bar0++;
    return false;
}

static uint64_t bar_io_read(struct pgpu_bus *bus, uint64_t addr, unsigned size)
{
    if (size != 4 || addr % 4 || addr >= PGPU_BUS_IO_SIZE) {
        bus->stats.bad_io++;
        return 0;
    }
    if (addr == IO_INDEX) {
        return bus->io_index;
    }
    if (addr == IO_DATA && bus->io_index < PGPU_BUS_MMIO_SIZE) {
        return bar_mmio_read(bus, bus->io_index, 4);
    }
    if (addr == IO_DATA) {
        bus->stats.bad_io++;
    }
    return 0;
}

static bool bar_io_write(struct pgpu_bus *bus, uint64_t addr, uint64_t val, unsigned size)
{
    if (size != 4 || addr % 4 || addr >= PGPU_BUS_IO_SIZE) {
        bus->stats.bad_io++;
        return false;
    }
    if (addr == IO_INDEX) {
        bus->io_index = (uint32_t)val;
    } else if (addr == IO_DATA && bus->io_index < PGPU_BUS_MMIO_SIZE) {
        return bar_mmio_write(bus, bus->io_index, val, 4);
    } else if (addr == IO_DATA) {
        bus->stats.bad_io++;
    }
    return false;
}

/* The aperture reaches the memory the model's GGTT maps there; an entry
 * that maps nothing reads as ones (as a master abort does) and drops writes. */
static uint64_t bar_aperture_read(struct pgpu_bus *bus, uint64_t addr, unsigned size)
{
    uint8_t bytes[8] = { 0 };
    uint64_t val = 0;

    if (!bus_width(size) ||
        bus->gpu->ops->aperture_access(bus->gpu, addr, bytes, size, false)) {
        bus->stats.aperture_faults++;
        return ones(size);
    }
    for (unsigned i = 0; i < size; i++) {
        val |= (uint64_t)bytes[i] << (8 * i);
    }
    return val;
}

static void bar_aperture_write(struct pgpu_bus *bus, uint64_t addr, uint64_t val, unsigned size)
{
    uint8_t bytes[8];

    bus->touched = true;
    bus->aperture_writes++;
    for (unsigned i = 0; i < sizeof(bytes); i++) {
        bytes[i] = (uint8_t)(val >> (8 * i));
    }
    if (!bus_width(size) ||
        bus->gpu->ops->aperture_access(bus->gpu, addr, bytes, size, true)) {
        bus->stats.aperture_faults++;
    }
}

uint64_t pgpu_bus_read(struct pgpu_bus *bus, enum pgpu_bus_bar_id bar, uint64_t addr,
                       unsigned size)
{
    switch (bar) {
    case PGPU_BUS_MMIO:
        return bar_mmio_read(bus, addr, size);
    case PGPU_BUS_APERTURE:
        return bar_aperture_read(bus, addr, size);
    case PGPU_BUS_IO:
        return bar_io_read(bus, addr, size);
    case PGPU_BUS_BARS:
        break;
    }
    assert(!"not a BAR");
    return 0;
}

bool pgpu_bus_write(struct pgpu_bus *bus, enum pgpu_bus_bar_id bar, uint64_t addr, uint64_t val,
                    unsigned size)
{
    switch (bar) {
    case PGPU_BUS_MMIO:
        return bar_mmio_write(bus, addr, val, size);
    case PGPU_BUS_APERTURE:
        bar_aperture_write(bus, addr, val, size);
        return false;
    case PGPU_BUS_IO:
        return bar_io_write(bus, addr, val, size);
    case PGPU_BUS_BARS:
        break;
    }
    assert(!"not a BAR");
    return false;
}

bool pgpu_bus_intx_level(struct pgpu_bus *bus)
{
    uint32_t master = (uint32_t)bus->gpu->ops->mmio_read(bus->gpu, GEN8_MASTER_IRQ, 4);

    return (master & GEN8_MASTER_IRQ_CONTROL) && (master & ~GEN8_MASTER_IRQ_CONTROL);
}

void pgpu_bus_cfg_add(uint8_t *wmask)
{
    /* Unlike the vGPU, this GPU decodes its IO BAR. */
    wmask[PCI_COMMAND] |= PCI_COMMAND_IO;
}

void pgpu_bus_format_stats(struct pgpu_bus *bus, char *buf, size_t size)
{
    struct pgpu_stats m;

    bus->gpu->ops->get_stats(bus->gpu, &m);
    snprintf(buf, size,
             "bad_bar0=%" PRIu64 " bad_io=%" PRIu64 " aperture_faults=%" PRIu64
             " dma_refused=%" PRIu64 " dma_iommu=%" PRIu64 " msi=%" PRIu64
             " commands=%" PRIu64
             " context_switches=%" PRIu64 " bad_mmio=%" PRIu64
             " refused_reg_accesses=%" PRIu64 " bad_submissions=%" PRIu64
             " gpu_faults=%" PRIu64 " bad_commands=%" PRIu64 " hangs=%" PRIu64
             " engine_resets=%" PRIu64 " lost_status_writes=%" PRIu64
             " vblanks=%" PRIu64 " pcode_unknown=%" PRIu64 " display_refused=%" PRIu64
             " plane_rejected=%" PRIu64 " cursor_rejected=%" PRIu64
             " status_events=%" PRIu64
             " untracked_reads=%" PRIu64 " untracked_writes=%" PRIu64
             " untracked_offsets=%" PRIu64,
             bus->stats.bad_bar0, bus->stats.bad_io, bus->stats.aperture_faults,
             __atomic_load_n(&bus->stats.dma_refused, __ATOMIC_RELAXED),
             __atomic_load_n(&bus->stats.dma_iommu, __ATOMIC_RELAXED), bus->stats.msi,
             m.commands, m.context_switches, m.bad_mmio, m.refused_reg_accesses,
             m.bad_submissions, m.gpu_faults, m.bad_commands, m.hangs, m.engine_resets,
             m.lost_status_writes, m.vblanks, m.pcode_unknown, m.display_refused,
             m.plane_rejected, m.cursor_rejected, m.status_events,
             m.untracked_reads, m.untracked_writes, m.untracked_offsets);
}
