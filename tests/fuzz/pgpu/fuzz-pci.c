/*
 * Fuzz pgpu-pci's guest interface, the code hw/pgpu-pci.c runs in QEMU
 * (pgpu/bus.c, over the model): config space with its writable masks and
 * BAR sizing, accesses of every width and alignment that the BARs the
 * input placed decode (memory decode, I/O decode and bus mastering as the
 * command register says), and the same BAR paths called with offsets and
 * widths no bus gives; the device's reset, the display's vblank and what
 * the console reads of it (no seed lights a pipe); the model's DMA through the owner's translation (struct
 * pgpu_host, as pgpu-pci's), which reaches the VM's RAM only while bus
 * mastering is on.  Input: struct pci_record (pci-input.h); the build
 * generates the seeds (pci-seeds.c).
 *
 * The VM's RAM is one region between PROT_NONE guard pages, and everything
 * is built with ASan in the fuzzing tree: an access outside it, or any
 * crash, stops the fuzzer.  A bus the harness models the way QEMU's PCI
 * core does (pci_default_write_config, pci_register_bar, the memory core's
 * splitting at a region's end); what each access does is the device's.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gen9/regs.h"
#include "pgpu/bus.h"
#include "tests/fuzz/pgpu/model-harness.h"
#include "tests/fuzz/pgpu/pci-input.h"
#include "tests/fuzz/reach.h"
#include "vgpu/vgpu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CFG_SIZE            VGPU_PCI_CONFIG_SIZE
#define APERTURE_SIZE       (64ull << 20)
#define HANG_TIMEOUT_MS     2

/* One VM around the device. */
static struct {
    uint8_t config[CFG_SIZE], wmask[CFG_SIZE], w1cmask[CFG_SIZE];
    uint8_t *ram;
    struct pgpu_bus bus;
    struct pgpu_host host;
    unsigned irqs;
} vm;

/* What the inputs reached, from the device's and the model's own counts (reach.h). */
static struct {
    struct pgpu_bus_stats bus;
    uint64_t commands, context_switches, gpu_faults;
    uint64_t registers_written, intx_raised, irqs, resets;
} reached;

static uint64_t get_le(const uint8_t *p, unsigned size)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

static void put_le(uint8_t *p, uint64_t v, unsigned size)
{
    for (unsigned i = 0; i < size; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static uint16_t command(void)
{
    return __atomic_load_n((uint16_t *)&vm.config[PCI_CFG_COMMAND], __ATOMIC_RELAXED);
}

/* The device's bus-master address space: the VM's RAM, while bus mastering is on. */
static bool dma_translate(void *opaque, uint64_t bus, bool write, uint8_t **host,
                          uint64_t *len)
{
    if (!(command() & PCI_CMD_MASTER) || bus < PCI_RAM_BASE ||
        bus - PCI_RAM_BASE >= PCI_RAM_BYTES) {
        __atomic_fetch_add(&vm.bus.stats.dma_refused, 1, __ATOMIC_RELAXED);
        return false;
    }
    *host = vm.ram + (bus - PCI_RAM_BASE);
    *len = PCI_RAM_BYTES - (bus - PCI_RAM_BASE);
    return true;
}

static void count_irq(void *opaque)
{
    __atomic_fetch_add(&vm.irqs, 1, __ATOMIC_RELAXED);
}

static struct pgpu_config model_config(void)
{
    return (struct pgpu_config) {
        .name = "fuzz-pci", .aperture_size = APERTURE_SIZE,
        .hang_timeout_ms = HANG_TIMEOUT_MS, .host = &vm.host,
    };
}

static uint64_t bar_size(enum pgpu_bus_bar_id id)
{
    return pgpu_bus_bars[id].size ? pgpu_bus_bars[id].size : APERTURE_SIZE;
}

/* Power-on config space: the device's registers, and the BARs as
 * pci_register_bar() sets them (type bits read-only, size-aligned base). */
static void cfg_reset(void)
{
    memset(vm.config, 0, sizeof(vm.config));
    memset(vm.wmask, 0, sizeof(vm.wmask));
    memset(vm.w1cmask, 0, sizeof(vm.w1cmask));
    vgpu_cfg_init(vm.config, vm.wmask, vm.w1cmask);
    pgpu_bus_cfg_add(vm.wmask);
    for (unsigned i = 0; i < PGPU_BUS_BARS; i++) {
        const struct pgpu_bus_bar *bar = &pgpu_bus_bars[i];
        unsigned reg = PCI_CFG_BAR(bar->index);

        put_le(&vm.config[reg], bar->type, 4);
        put_le(&vm.wmask[reg], ~(bar_size(i) - 1), bar->type & PGPU_BUS_BAR_MEM64 ? 8 : 4);
    }
}

/* Where the BAR decodes now, or false (pci_bar_address()'s rules). */
static bool bar_base(enum pgpu_bus_bar_id id, uint64_t *base)
{
    const struct pgpu_bus_bar *bar = &pgpu_bus_bars[id];
    bool io = bar->type & PGPU_BUS_BAR_IO_SPACE;
    unsigned reg = PCI_CFG_BAR(bar->index);
    uint64_t size = bar_size(id), last;

    if (!(command() & (io ? PCI_CMD_IO : PCI_CMD_MEMORY))) {
        return false;
    }
    *base = get_le(&vm.config[reg], bar->type & PGPU_BUS_BAR_MEM64 ? 8 : 4) & ~(size - 1);
    last = *base + size - 1;
    return *base && last > *base && (!io || last <= 0xffff);
}

static void cfg_write(unsigned addr, uint64_t val, unsigned size)
{
    for (unsigned i = 0; i < size && addr + i < CFG_SIZE; i++) {
        uint8_t b = (uint8_t)(val >> (8 * i)), w = vm.wmask[addr + i];

        vm.config[addr + i] = (vm.config[addr + i] & ~w) | (b & w);
        vm.config[addr + i] &= ~(b & vm.w1cmask[addr + i]);
    }
}

static unsigned bus_size(uint8_t size)
{
    return size == 1 || size == 2 || size == 8 ? size : 4;
}

static void note_write(bool register_written)
{
    if (register_written) {
        reached.registers_written++;
        reached.intx_raised += pgpu_bus_intx_level(&vm.bus);
    }
}

static uint64_t bar_access(enum pgpu_bus_bar_id id, uint64_t offset, uint64_t value,
                           unsigned size, bool write)
{
    if (write) {
        note_write(pgpu_bus_write(&vm.bus, id, offset, value, size));
        return 0;
    }
    return pgpu_bus_read(&vm.bus, id, offset, size);
}

/* A CPU access on the bus: the first BAR of that space that decodes it
 * gets it, cut at the BAR's end as QEMU's memory core cuts it; nothing
 * there reads ones. */
static uint64_t bus_access(bool io, uint64_t addr, uint64_t value, unsigned size, bool write)
{
    for (unsigned i = 0; i < PGPU_BUS_BARS; i++) {
        uint64_t base, left;

        if (!(pgpu_bus_bars[i].type & PGPU_BUS_BAR_IO_SPACE) == io || !bar_base(i, &base) ||
            addr - base >= bar_size(i)) {
            continue;
        }
        left = bar_size(i) - (addr - base);
        while (size > left) {
            size /= 2;
        }
        return bar_access(i, addr - base, value, size, write);
    }
    return UINT64_MAX;
}

/* The console's refresh (hw/vgpu-display.c): a page of the plane that is
 * no RAM the device reaches is refused back. */
static void display(void)
{
    static struct gen9_fb fb;
    const struct pgpu_ops *ops = vm.bus.gpu->ops;

    ops->display_vblank(vm.bus.gpu);
    if (ops->display_plane(vm.bus.gpu, &fb) != GEN9_PLANE_OK) {
        return;
    }
    for (size_t i = 0; i < fb.page_count; i++) {
        if (!(command() & PCI_CMD_MASTER) || fb.page_addr[i] < PCI_RAM_BASE ||
            fb.page_addr[i] - PCI_RAM_BASE >= PCI_RAM_BYTES) {
            ops->display_refuse_page(vm.bus.gpu, &fb, i);
            return;
        }
    }
}

static void add_stats(void)
{
    struct pgpu_stats st;

    vm.bus.gpu->ops->get_stats(vm.bus.gpu, &st);
    reached.commands += st.commands;
    reached.context_switches += st.context_switches;
    reached.gpu_faults += st.gpu_faults;
}

static void apply(const struct pci_record *r)
{
    unsigned size = bus_size(r->size);

    switch (r->kind % PCI_RECORD_KINDS) {
    case PCI_CFG_WRITE:
        cfg_write((unsigned)(r->addr % CFG_SIZE), r->value, size);
        break;
    case PCI_MEM_READ:
    case PCI_MEM_WRITE:
        bus_access(false, r->addr, r->value, size, r->kind % PCI_RECORD_KINDS == PCI_MEM_WRITE);
        break;
    case PCI_IO_READ:
    case PCI_IO_WRITE:
        bus_access(true, r->addr % 0x10000, r->value, size > 4 ? 4 : size,
                   r->kind % PCI_RECORD_KINDS == PCI_IO_WRITE);
        break;
    case PCI_RAM_WRITE:
        __atomic_store_n((uint32_t *)(vm.ram + r->addr % PCI_RAM_BYTES / 4 * 4),
                         (uint32_t)r->value, __ATOMIC_RELAXED);
        break;
    case PCI_RESET: {
        const struct pgpu_config config = model_config();

        add_stats();
        cfg_reset();
        reached.resets += vm.bus.touched;
        if (pgpu_bus_reset(&vm.bus, &config, count_irq, NULL)) {
            __builtin_trap();
        }
        break;
    }
    case PCI_WAIT:
        if (r->size & 1) {
            display();
        }
        fuzz_settle(vm.bus.gpu);
        break;
    case PCI_RAW_READ:
    case PCI_RAW_WRITE:
        bar_access((r->addr >> 60) % PGPU_BUS_BARS, r->addr & ((1ull << 60) - 1), r->value,
                   r->size, r->kind % PCI_RECORD_KINDS == PCI_RAW_WRITE);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pgpu_config config;
    struct pci_record r;

    if (!vm.ram) {
        vm.ram = fuzz_guarded_alloc(PCI_RAM_BYTES);
        if (!vm.ram) {
            __builtin_trap();
        }
        vm.host = (struct pgpu_host){ .dma_translate = dma_translate };
    }
    memset(vm.ram, 0, PCI_RAM_BYTES);
    memset(&vm.bus, 0, sizeof(vm.bus));
    vm.irqs = 0;
    cfg_reset();
    config = model_config();
    if (pgpu_bus_create(&vm.bus, &config, count_irq, NULL)) {
        __builtin_trap();
    }
    for (; size >= sizeof(r); data += sizeof(r), size -= sizeof(r)) {
        memcpy(&r, data, sizeof(r));
        apply(&r);
    }
    fuzz_settle(vm.bus.gpu);
    add_stats();
    reached.bus.bad_bar0 += vm.bus.stats.bad_bar0;
    reached.bus.bad_io += vm.bus.stats.bad_io;
    reached.bus.aperture_faults += vm.bus.stats.aperture_faults;
    reached.bus.dma_refused += vm.bus.stats.dma_refused;
    reached.irqs += vm.irqs;
    /* destroying with engines possibly still running is part of the test */
    pgpu_bus_destroy(&vm.bus);
    return 0;
}

void fuzz_reach(fuzz_reach_fn *report)
{
    report("BAR0: accesses refused (odd sizes, unaligned, the hole, past the end)",
           reached.bus.bad_bar0);
    report("BAR0 and the IO BAR: registers written", reached.registers_written);
    report("IO BAR: accesses refused", reached.bus.bad_io);
    report("aperture: accesses to nothing the GGTT maps", reached.bus.aperture_faults);
    report("DMA: bus addresses that reach no RAM (bus mastering off, outside RAM)",
           reached.bus.dma_refused);
    report("DMA: commands executed from the VM's RAM", reached.commands);
    report("DMA: contexts switched in", reached.context_switches);
    report("DMA: GPU faults", reached.gpu_faults);
    report("interrupts raised", reached.irqs);
    report("INTx: level raised by a register write", reached.intx_raised);
    report("device resets of a programmed model", reached.resets);
}
