/*
 * pgpu-pci: the Skylake GT2 model (pgpu/) as a VM's own GPU at 00:02.0,
 * the way a passed-through or bare-metal Skylake GT2 looks to its driver:
 * the guest's i915 drives the model natively, no mediator, no PVINFO.
 *
 * This file is only the QEMU binding: BAR0 (registers, GGTT), BAR2 (the
 * aperture), the IO BAR, MSI, config space and OpRegion (the same as
 * vgpu-pci's: vgpu/firmware.c), the display's 60 Hz refresh in the VM's
 * virtual time and its scan-out on the VM's console (hw/vgpu-display.c, as
 * for the vGPU), and the model's DMA, which goes through
 * this device's bus-master address space, so bus mastering and an emulated
 * IOMMU are honoured.  Whatever the guest programs is input to the model,
 * which never crashes on it and counts what it refused; this file counts
 * the accesses it refused before the model (struct pgpu_pci_stats).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/error-report.h"
#include "qemu/main-loop.h"
#include "qemu/rcu.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "exec/memory.h"
#include "hw/pci/pci.h"
#include "hw/pci/msi.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "qom/object.h"
#include "sysemu/sysemu.h"

#include "gen9/display.h"
#include "pgpu/pgpu.h"
#include "pgpu/skl-regs.h"
#include "vgpu/vgpu.h"
#include "igd-opregion.h"
#include "vgpu-display.h"

#define TYPE_PGPU_PCI "pgpu-pci"
OBJECT_DECLARE_SIMPLE_TYPE(PgpuPciState, PGPU_PCI)

#define PGPU_PCI_BAR0_SIZE      (PGPU_GGTT_BAR_OFFSET + PGPU_GGTT_ENTRIES * 8ull)
/* The IO BAR (BAR4) of Gen9: a 64-byte window, an index register and a data
 * register through which firmware reaches BAR0's registers and GGTT. */
#define PGPU_PCI_IO_SIZE        64
#define PGPU_PCI_IO_INDEX       0x0
#define PGPU_PCI_IO_DATA        0x4
#define PGPU_PCI_HANG_TIMEOUT_MS 1000u
#define PGPU_PCI_VBLANK_HZ      60

/* What the guest did that the device itself refused (the model counts the rest). */
struct pgpu_pci_stats {
    uint64_t bad_bar0;          /* odd sizes, unaligned, the hole between registers and GGTT */
    uint64_t bad_io;            /* IO BAR: not an aligned dword, or an index outside BAR0 */
    uint64_t aperture_faults;   /* aperture accesses the GGTT maps to no memory */
    uint64_t dma_refused;       /* GPU accesses to bus addresses that reach no RAM */
    uint64_t msi;               /* interrupts delivered */
};

struct PgpuPciState {
    PCIDevice parent_obj;

    /* device config */
    uint64_t aperture_size;
    uint32_t xres, yres;        /* the monitor's native mode; 0: the model's default */

    /* device elements */
    MemoryRegion bar0;
    MemoryRegion aperture;
    MemoryRegion io;
    QEMUBH *irq_bh;             /* the model's interrupt, taken to the main loop */
    QEMUTimer *vblank_timer;    /* the display's refresh, in the VM's virtual time */
    VgpuDisplay *display;       /* what the model's pipes scan out, on the console */
    Notifier exit_notifier;

    /* device state */
    struct pgpu *gpu;
    struct pgpu_host host;
    bool gpu_touched;           /* written since the model was created (reset) */
    uint32_t io_index;
    uint8_t *opregion;
    struct pgpu_pci_stats stats;    /* dma_refused: atomic (engine threads) */
};

static const VMStateDescription vmstate_pgpu_pci = {
    .name = TYPE_PGPU_PCI,
    .unmigratable = 1,          /* the model's state is not in the stream */
};

static const struct pgpu_ops *pgpu_pci_ops(PgpuPciState *s)
{
    return s->gpu->ops;
}

static void pgpu_pci_update_intx(PgpuPciState *s);

/*
 * Registers take aligned dwords and qwords, as i915 reads and writes them;
 * a narrower read inside one dword reads that dword.  GGTT entries take
 * aligned qwords and dwords.  The rest reads 0, drops writes, and counts.
 */
static uint64_t pgpu_pci_bar0_read(void *opaque, hwaddr addr, unsigned size)
{
    PgpuPciState *s = opaque;
    const struct pgpu_ops *ops = pgpu_pci_ops(s);

    if (addr < PGPU_MMIO_SIZE) {
        if ((size == 4 || size == 8) && addr % 4 == 0 && addr + size <= PGPU_MMIO_SIZE) {
            return ops->mmio_read(s->gpu, addr, size);
        }
        if (size < 4 && addr % 4 + size <= 4) {
            uint32_t dword = ops->mmio_read(s->gpu, addr & ~3u, 4);

            return extract32(dword, addr % 4 * 8, size * 8);
        }
    } else if (addr >= PGPU_GGTT_BAR_OFFSET && addr % size == 0 && size >= 4) {
        uint64_t pte = ops->ggtt_read(s->gpu, (addr - PGPU_GGTT_BAR_OFFSET) / 8);

        return size == 8 ? pte : extract64(pte, addr % 8 * 8, 32);
    }
    s->stats.bad_bar0++;
    return 0;
}

static void pgpu_pci_bar0_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PgpuPciState *s = opaque;
    const struct pgpu_ops *ops = pgpu_pci_ops(s);

    s->gpu_touched = true;
    if (addr < PGPU_MMIO_SIZE) {
        if ((size == 4 || size == 8) && addr % 4 == 0 && addr + size <= PGPU_MMIO_SIZE) {
            ops->mmio_write(s->gpu, addr, val, size);
            /* An IIR, IER or master write may lower (or raise) the level. */
            if (!msi_enabled(PCI_DEVICE(s))) {
                pgpu_pci_update_intx(s);
            }
            return;
        }
    } else if (addr >= PGPU_GGTT_BAR_OFFSET && addr % size == 0 && size >= 4) {
        uint32_t index = (addr - PGPU_GGTT_BAR_OFFSET) / 8;

        if (size == 4) {
            val = deposit64(ops->ggtt_read(s->gpu, index), addr % 8 * 8, 32, val);
        }
        ops->ggtt_write(s->gpu, index, val);
        return;
    }
    s->stats.bad_bar0++;
}

/* Any width and alignment reaches the handlers above, which own the policy. */
static const MemoryRegionOps pgpu_pci_bar0_ops = {
    .read = pgpu_pci_bar0_read,
    .write = pgpu_pci_bar0_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
};

/* The aperture reaches the memory the model's GGTT maps there; an entry
 * that maps nothing reads as ones (as a master abort does) and drops writes. */
static uint64_t pgpu_pci_aperture_read(void *opaque, hwaddr addr, unsigned size)
{
    PgpuPciState *s = opaque;
    uint64_t le = 0;

    if (pgpu_pci_ops(s)->aperture_access(s->gpu, addr, &le, size, false)) {
        s->stats.aperture_faults++;
        return MAKE_64BIT_MASK(0, size * 8);
    }
    return le64_to_cpu(le);
}

static void pgpu_pci_aperture_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PgpuPciState *s = opaque;
    uint64_t le = cpu_to_le64(val);

    s->gpu_touched = true;
    if (pgpu_pci_ops(s)->aperture_access(s->gpu, addr, &le, size, true)) {
        s->stats.aperture_faults++;
    }
}

static const MemoryRegionOps pgpu_pci_aperture_ops = {
    .read = pgpu_pci_aperture_read,
    .write = pgpu_pci_aperture_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
};

static uint64_t pgpu_pci_io_read(void *opaque, hwaddr addr, unsigned size)
{
    PgpuPciState *s = opaque;

    if (size != 4 || addr % 4) {
        s->stats.bad_io++;
        return 0;
    }
    if (addr == PGPU_PCI_IO_INDEX) {
        return s->io_index;
    }
    if (addr == PGPU_PCI_IO_DATA && s->io_index < PGPU_PCI_BAR0_SIZE) {
        return pgpu_pci_bar0_read(s, s->io_index, 4);
    }
    if (addr == PGPU_PCI_IO_DATA) {
        s->stats.bad_io++;
    }
    return 0;
}

static void pgpu_pci_io_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PgpuPciState *s = opaque;

    if (size != 4 || addr % 4) {
        s->stats.bad_io++;
        return;
    }
    if (addr == PGPU_PCI_IO_INDEX) {
        s->io_index = val;
    } else if (addr == PGPU_PCI_IO_DATA && s->io_index < PGPU_PCI_BAR0_SIZE) {
        pgpu_pci_bar0_write(s, s->io_index, val, 4);
    } else if (addr == PGPU_PCI_IO_DATA) {
        s->stats.bad_io++;
    }
}

static const MemoryRegionOps pgpu_pci_io_ops = {
    .read = pgpu_pci_io_read,
    .write = pgpu_pci_io_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
};

/*
 * The model's DMA: a bus address is what this device's bus-master address
 * space makes of it (nothing while bus mastering is off; through the
 * IOMMU's translation when there is one).  Only writable RAM is handed out:
 * ROM, other devices' memory and holes are a GPU fault.  Called from the
 * model's threads, registered with RCU (pgpu_pci_thread_enter).
 */
static bool pgpu_pci_dma_translate(void *opaque, uint64_t bus, uint8_t **host,
                                   uint64_t *len)
{
    PgpuPciState *s = opaque;
    hwaddr xlat, l = MIN(1 * GiB, -(hwaddr)bus ? -(hwaddr)bus : 1 * GiB);
    MemoryRegion *mr;

    RCU_READ_LOCK_GUARD();
    mr = address_space_translate(pci_get_address_space(PCI_DEVICE(s)), bus, &xlat, &l,
                                 true, MEMTXATTRS_UNSPECIFIED);
    if (!memory_region_is_ram(mr) || mr->readonly || memory_region_is_ram_device(mr) ||
        !l) {
        qatomic_inc(&s->stats.dma_refused);
        return false;
    }
    *host = (uint8_t *)memory_region_get_ram_ptr(mr) + xlat;
    *len = l;
    return true;
}

static void pgpu_pci_thread_enter(void *opaque)
{
    rcu_register_thread();
}

static void pgpu_pci_thread_exit(void *opaque)
{
    rcu_unregister_thread();
}

/* The model asserts its interrupt from any thread; MSI goes out from the main loop. */
static void pgpu_pci_irq(void *opaque)
{
    PgpuPciState *s = opaque;

    qemu_bh_schedule(s->irq_bh);
}

/* Without MSI, INTx is a level: the master register's enable and summary. */
static void pgpu_pci_update_intx(PgpuPciState *s)
{
    uint32_t master = pgpu_pci_ops(s)->mmio_read(s->gpu, GEN8_MASTER_IRQ, 4);

    pci_set_irq(PCI_DEVICE(s), (master & GEN8_MASTER_IRQ_CONTROL) &&
                (master & ~GEN8_MASTER_IRQ_CONTROL));
}

static void pgpu_pci_irq_bh(void *opaque)
{
    PgpuPciState *s = opaque;
    PCIDevice *pdev = PCI_DEVICE(s);

    if (msi_enabled(pdev)) {
        s->stats.msi++;
        msi_notify(pdev, 0);
    } else {
        pgpu_pci_update_intx(s);
    }
}

/*
 * The console shows what the model's display scans out: its planes are
 * read through its own GGTT, whose entries are bus addresses, reached here
 * through this device's bus-master address space as the model's DMA is
 * (pgpu_pci_dma_translate): RAM only, nothing while bus mastering is off.
 */
static enum gen9_plane_status pgpu_pci_source_plane(void *opaque, struct gen9_fb *fb)
{
    PgpuPciState *s = opaque;

    return pgpu_pci_ops(s)->display_plane(s->gpu, fb);
}

static enum gen9_plane_status pgpu_pci_source_cursor(void *opaque, unsigned pipe,
                                                     struct gen9_cursor *cursor)
{
    PgpuPciState *s = opaque;

    return pgpu_pci_ops(s)->display_cursor(s->gpu, pipe, cursor);
}

static void pgpu_pci_source_refuse_page(void *opaque, struct gen9_fb *fb, size_t page)
{
    PgpuPciState *s = opaque;

    pgpu_pci_ops(s)->display_refuse_page(s->gpu, fb, page);
}

/* The model reaches memory as the device's bus master. */
static AddressSpace *pgpu_pci_source_address_space(void *opaque)
{
    return pci_get_address_space(PCI_DEVICE(opaque));
}

static const VgpuDisplaySource pgpu_pci_display_source = {
    .plane = pgpu_pci_source_plane,
    .cursor = pgpu_pci_source_cursor,
    .refuse_page = pgpu_pci_source_refuse_page,
    .address_space = pgpu_pci_source_address_space,
};

static void pgpu_pci_vblank(void *opaque)
{
    PgpuPciState *s = opaque;

    pgpu_pci_ops(s)->display_vblank(s->gpu);
    timer_mod(s->vblank_timer, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) +
              NANOSECONDS_PER_SECOND / PGPU_PCI_VBLANK_HZ);
}

static bool pgpu_pci_create_gpu(PgpuPciState *s, Error **errp)
{
    const char *name = DEVICE(s)->id ? DEVICE(s)->id : TYPE_PGPU_PCI;
    struct pgpu_config config = {
        .name = name,
        .aperture_size = s->aperture_size,
        .hang_timeout_ms = PGPU_PCI_HANG_TIMEOUT_MS,
        .host = &s->host,
        .monitor_width = s->xres,
        .monitor_height = s->yres,
    };

    s->gpu = pgpu_skl_model.create(&config);
    if (!s->gpu) {
        error_setg_errno(errp, errno, "cannot create the GPU model (aperture-size must be a "
                         "power of two from 64 MiB to 4 GiB; the name at most 63 bytes; "
                         "xres and yres both 0 or within [%u, %u] x [%u, %u])",
                         GEN9_MONITOR_MIN_WIDTH, GEN9_MONITOR_MAX_WIDTH,
                         GEN9_MONITOR_MIN_HEIGHT, GEN9_MONITOR_MAX_HEIGHT);
        return false;
    }
    s->gpu->ops->set_irq_handler(s->gpu, pgpu_pci_irq, s);
    s->gpu_touched = false;
    return true;
}

static void pgpu_pci_format_stats(PgpuPciState *s, char *buf, size_t size)
{
    struct pgpu_stats m;

    s->gpu->ops->get_stats(s->gpu, &m);
    snprintf(buf, size,
             "bad_bar0=%" PRIu64 " bad_io=%" PRIu64 " aperture_faults=%" PRIu64
             " dma_refused=%" PRIu64 " msi=%" PRIu64 " commands=%" PRIu64
             " context_switches=%" PRIu64 " bad_mmio=%" PRIu64
             " refused_reg_accesses=%" PRIu64 " bad_submissions=%" PRIu64
             " gpu_faults=%" PRIu64 " bad_commands=%" PRIu64 " hangs=%" PRIu64
             " engine_resets=%" PRIu64 " lost_status_writes=%" PRIu64
             " vblanks=%" PRIu64 " pcode_unknown=%" PRIu64 " display_refused=%" PRIu64
             " plane_rejected=%" PRIu64 " cursor_rejected=%" PRIu64
             " untracked_reads=%" PRIu64 " untracked_writes=%" PRIu64
             " untracked_offsets=%" PRIu64,
             s->stats.bad_bar0, s->stats.bad_io, s->stats.aperture_faults,
             qatomic_read(&s->stats.dma_refused), s->stats.msi, m.commands,
             m.context_switches, m.bad_mmio, m.refused_reg_accesses, m.bad_submissions,
             m.gpu_faults, m.bad_commands, m.hangs, m.engine_resets, m.lost_status_writes,
             m.vblanks, m.pcode_unknown, m.display_refused, m.plane_rejected,
             m.cursor_rejected,
             m.untracked_reads, m.untracked_writes, m.untracked_offsets);
}

/* What the guest touched that the model does not describe, for the test logs
 * (the same two lines as vgpu-pci's). */
static void pgpu_pci_report(Notifier *n, void *data)
{
    PgpuPciState *s = container_of(n, PgpuPciState, exit_notifier);
    const char *name = DEVICE(s)->id ? DEVICE(s)->id : TYPE_PGPU_PCI;
    char stats[1024];

    pgpu_pci_format_stats(s, stats, sizeof(stats));
    fprintf(stderr, "gpumed: pgpu %s: stats: %s\n", name, stats);
    fprintf(stderr, "gpumed: pgpu %s: untracked offsets:", name);
    for (uint32_t off = s->gpu->ops->untracked_next(s->gpu, 0); off != UINT32_MAX;
         off = s->gpu->ops->untracked_next(s->gpu, off + 4)) {
        fprintf(stderr, " 0x%x", off);
    }
    fputc('\n', stderr);
}

static void pgpu_pci_realize(PCIDevice *pdev, Error **errp)
{
    PgpuPciState *s = PGPU_PCI(pdev);

    if (!igd_opregion_available(DEVICE(s), errp)) {
        return;
    }
    s->host = (struct pgpu_host) {
        .dma_translate = pgpu_pci_dma_translate,
        .thread_enter = pgpu_pci_thread_enter,
        .thread_exit = pgpu_pci_thread_exit,
        .opaque = s,
    };
    s->irq_bh = qemu_bh_new(pgpu_pci_irq_bh, s);
    if (!pgpu_pci_create_gpu(s, errp)) {
        qemu_bh_delete(s->irq_bh);
        return;
    }
    if (msi_init(pdev, VGPU_PCI_MSI_CAP, 1, false, false, errp)) {
        pgpu_skl_model.destroy(s->gpu);
        s->gpu = NULL;
        qemu_bh_delete(s->irq_bh);
        return;
    }
    memory_region_init_io(&s->bar0, OBJECT(s), &pgpu_pci_bar0_ops, s, "pgpu-bar0",
                          PGPU_PCI_BAR0_SIZE);
    pci_register_bar(pdev, 0, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &s->bar0);
    memory_region_init_io(&s->aperture, OBJECT(s), &pgpu_pci_aperture_ops, s,
                          "pgpu-aperture", s->aperture_size);
    pci_register_bar(pdev, 2, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH,
                     &s->aperture);
    memory_region_init_io(&s->io, OBJECT(s), &pgpu_pci_io_ops, s, "pgpu-io",
                          PGPU_PCI_IO_SIZE);
    pci_register_bar(pdev, 4, PCI_BASE_ADDRESS_SPACE_IO, &s->io);
    vgpu_cfg_init(pdev->config, pdev->wmask, pdev->w1cmask);
    /* Unlike the vGPU, this GPU decodes its IO BAR. */
    pci_word_test_and_set_mask(pdev->wmask + PCI_COMMAND, PCI_COMMAND_IO);

    s->opregion = g_malloc(VGPU_OPREGION_SIZE);
    vgpu_opregion_build(s->opregion);
    igd_opregion_hand_to_firmware(DEVICE(s), s->opregion);

    s->exit_notifier.notify = pgpu_pci_report;
    qemu_add_exit_notifier(&s->exit_notifier);
    s->display = vgpu_display_new_source(DEVICE(s), &pgpu_pci_display_source, s);
    s->vblank_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, pgpu_pci_vblank, s);
    timer_mod(s->vblank_timer, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) +
              NANOSECONDS_PER_SECOND / PGPU_PCI_VBLANK_HZ);
}

static void pgpu_pci_exit(PCIDevice *pdev)
{
    PgpuPciState *s = PGPU_PCI(pdev);

    qemu_remove_exit_notifier(&s->exit_notifier);
    timer_free(s->vblank_timer);
    vgpu_display_free(s->display);
    s->display = NULL;
    msi_uninit(pdev);
    pgpu_skl_model.destroy(s->gpu);
    s->gpu = NULL;
    qemu_bh_delete(s->irq_bh);
    /* fw_cfg keeps pointing at the OpRegion: it lives as long as QEMU. */
}

/*
 * Device reset: a model the guest has programmed is replaced by a new one
 * in its power-on state (its engines stopped first), with its counters;
 * the reset before the guest starts keeps the first one.
 */
static void pgpu_pci_reset(DeviceState *dev)
{
    PgpuPciState *s = PGPU_PCI(dev);

    s->io_index = 0;
    if (!s->gpu_touched) {
        return;
    }
    pgpu_skl_model.destroy(s->gpu);
    s->gpu = NULL;
    if (!pgpu_pci_create_gpu(s, &error_fatal)) {
        return;
    }
}

static Property pgpu_pci_properties[] = {
    DEFINE_PROP_SIZE("aperture-size", PgpuPciState, aperture_size, PGPU_APERTURE_DEFAULT),
    DEFINE_PROP_UINT32("xres", PgpuPciState, xres, 0),
    DEFINE_PROP_UINT32("yres", PgpuPciState, yres, 0),
    DEFINE_PROP_END_OF_LIST(),
};

/* "stats", read-only: the counters the exit report prints, while running. */
static char *pgpu_pci_get_stats(Object *obj, Error **errp)
{
    PgpuPciState *s = PGPU_PCI(obj);
    char stats[1024];

    if (!s->gpu) {
        return g_strdup("");
    }
    pgpu_pci_format_stats(s, stats, sizeof(stats));
    return g_strdup(stats);
}

static void pgpu_pci_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->realize = pgpu_pci_realize;
    k->exit = pgpu_pci_exit;
    k->vendor_id = VGPU_PCI_VENDOR_ID;
    k->device_id = VGPU_PCI_DEVICE_ID;
    k->revision = VGPU_PCI_REVISION;
    k->class_id = PCI_CLASS_DISPLAY_VGA;
    dc->desc = "Skylake GT2 GPU model as the VM's own GPU (gpumed)";
    dc->reset = pgpu_pci_reset;
    dc->vmsd = &vmstate_pgpu_pci;
    device_class_set_props(dc, pgpu_pci_properties);
    object_class_property_set_description(klass, "aperture-size",
        "the aperture (BAR2): a power of two from 64 MiB to 4 GiB");
    object_class_property_set_description(klass, "xres",
        "the DP monitor's native width in pixels (0: 1024)");
    object_class_property_set_description(klass, "yres",
        "the DP monitor's native height in pixels (0: 768)");
    object_class_property_add_str(klass, "stats", pgpu_pci_get_stats, NULL);
    object_class_property_set_description(klass, "stats",
        "read-only: the device's and the model's counters (qom-get), what QEMU prints "
        "at exit");
    set_bit(DEVICE_CATEGORY_DISPLAY, dc->categories);
}

static const TypeInfo pgpu_pci_info = {
    .name = TYPE_PGPU_PCI,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(PgpuPciState),
    .class_init = pgpu_pci_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_CONVENTIONAL_PCI_DEVICE },
        { },
    },
};

static void pgpu_pci_register_types(void)
{
    type_register_static(&pgpu_pci_info);
}

type_init(pgpu_pci_register_types)
