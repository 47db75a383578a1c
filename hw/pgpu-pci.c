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
 * the accesses it refused before the model (struct pgpu_bus_stats): what
 * each access of a BAR does is pgpu/bus.c's, which the fuzzer runs too.
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
#include "exec/address-spaces.h"
#include "exec/memory.h"
#include "hw/pci/pci.h"
#include "hw/pci/msi.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "qom/object.h"
#include "sysemu/sysemu.h"

#include "gen9/display.h"
#include "pgpu/bus.h"
#include "pgpu/pgpu.h"
#include "vgpu/vgpu.h"
#include "bar-ops.h"
#include "igd-opregion.h"
#include "vgpu-display.h"

#define TYPE_PGPU_PCI "pgpu-pci"
OBJECT_DECLARE_SIMPLE_TYPE(PgpuPciState, PGPU_PCI)

/* pgpu_bus_bars[]' type bits are the PCI specification's, as QEMU's. */
QEMU_BUILD_BUG_ON(PGPU_BUS_BAR_IO_SPACE != PCI_BASE_ADDRESS_SPACE_IO ||
                  PGPU_BUS_BAR_MEM64 != PCI_BASE_ADDRESS_MEM_TYPE_64 ||
                  PGPU_BUS_BAR_PREFETCH != PCI_BASE_ADDRESS_MEM_PREFETCH);

#define PGPU_PCI_VBLANK_HZ      60

struct PgpuPciState {
    PCIDevice parent_obj;

    /* device config */
    uint64_t aperture_size;
    uint32_t xres, yres;        /* the monitor's native mode; 0: the model's default */

    /* device elements */
    MemoryRegion bars[PGPU_BUS_BARS];   /* pgpu_bus_bars[] */
    QEMUBH *irq_bh;             /* the model's interrupt, taken to the main loop */
    QEMUTimer *vblank_timer;    /* the display's refresh, in the VM's virtual time */
    VgpuDisplay *display;       /* what the model's pipes scan out, on the console */
    Notifier exit_notifier;

    /* device state: the model, what reaches it, and what was refused
     * (bus.stats.dma_refused and dma_iommu: atomic, engine threads);
     * whether the bus-master address space is an IOMMU's (set at each
     * reset: QEMU gives a device its bus-master address space once the
     * machine is complete, an IOMMU created after it included) */
    struct pgpu_bus bus;
    bool behind_iommu;
    struct pgpu_host host;
    uint8_t *opregion;
};

static const VMStateDescription vmstate_pgpu_pci = {
    .name = TYPE_PGPU_PCI,
    .unmigratable = 1,          /* the model's state is not in the stream */
};

static const struct pgpu_ops *pgpu_pci_ops(PgpuPciState *s)
{
    return s->bus.gpu->ops;
}

/* Without MSI, INTx is a level, which a register write may change. */
static void pgpu_pci_update_intx(PgpuPciState *s)
{
    if (!msi_enabled(PCI_DEVICE(s))) {
        pci_set_irq(PCI_DEVICE(s), pgpu_bus_intx_level(&s->bus));
    }
}

/*
 * The BARs' accesses, whatever their width and alignment: pgpu/bus.c owns
 * the policy.  @opaque is the BAR's region, one of s->bars[] (in
 * pgpu_bus_bars[]'s order).
 */
static uint64_t pgpu_pci_bar_read(void *opaque, hwaddr addr, unsigned size)
{
    MemoryRegion *bar = opaque;
    PgpuPciState *s = PGPU_PCI(bar->owner);

    return pgpu_bus_read(&s->bus, bar - s->bars, addr, size);
}

static void pgpu_pci_bar_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    MemoryRegion *bar = opaque;
    PgpuPciState *s = PGPU_PCI(bar->owner);

    if (pgpu_bus_write(&s->bus, bar - s->bars, addr, val, size)) {
        pgpu_pci_update_intx(s);
    }
}

/* pgpu_bus_bars[]'s order; the IO BAR's accesses are at most dwords. */
static const MemoryRegionOps pgpu_pci_bar_ops[PGPU_BUS_BARS] = {
    [PGPU_BUS_MMIO] = GPUMED_BAR_OPS_ANY_ACCESS(pgpu_pci_bar_read, pgpu_pci_bar_write, 8),
    [PGPU_BUS_APERTURE] = GPUMED_BAR_OPS_ANY_ACCESS(pgpu_pci_bar_read, pgpu_pci_bar_write, 8),
    [PGPU_BUS_IO] = GPUMED_BAR_OPS_ANY_ACCESS(pgpu_pci_bar_read, pgpu_pci_bar_write, 4),
};

/*
 * The model's DMA: a bus address is what this device's bus-master address
 * space makes of it for the access at hand (nothing while bus mastering is
 * off; through the IOMMU's translation and its permissions when there is
 * one: a read-only mapping serves reads).  Only RAM is handed out, and
 * writable RAM for a write: other devices' memory and holes are a GPU
 * fault.  Called from the model's threads, registered with RCU
 * (pgpu_pci_thread_enter).
 */
static bool pgpu_pci_dma_translate(void *opaque, uint64_t bus, bool write, uint8_t **host,
                                   uint64_t *len)
{
    PgpuPciState *s = opaque;
    hwaddr xlat, l = MIN(1 * GiB, -(hwaddr)bus ? -(hwaddr)bus : 1 * GiB);
    MemoryRegion *mr;

    RCU_READ_LOCK_GUARD();
    mr = address_space_translate(pci_get_address_space(PCI_DEVICE(s)), bus, &xlat, &l,
                                 write, MEMTXATTRS_UNSPECIFIED);
    if (!memory_region_is_ram(mr) || (write && mr->readonly) ||
        memory_region_is_ram_device(mr) || !l) {
        qatomic_inc(&s->bus.stats.dma_refused);
        return false;
    }
    if (s->behind_iommu) {
        qatomic_inc(&s->bus.stats.dma_iommu);
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

static void pgpu_pci_irq_bh(void *opaque)
{
    PgpuPciState *s = opaque;
    PCIDevice *pdev = PCI_DEVICE(s);

    if (msi_enabled(pdev)) {
        s->bus.stats.msi++;
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

    return pgpu_pci_ops(s)->display_plane(s->bus.gpu, fb);
}

static enum gen9_plane_status pgpu_pci_source_cursor(void *opaque, unsigned pipe,
                                                     struct gen9_cursor *cursor)
{
    PgpuPciState *s = opaque;

    return pgpu_pci_ops(s)->display_cursor(s->bus.gpu, pipe, cursor);
}

static void pgpu_pci_source_refuse_page(void *opaque, struct gen9_fb *fb, size_t page)
{
    PgpuPciState *s = opaque;

    pgpu_pci_ops(s)->display_refuse_page(s->bus.gpu, fb, page);
}

/* The model reaches memory as the device's bus master. */
static AddressSpace *pgpu_pci_source_address_space(void *opaque)
{
    return pci_get_address_space(PCI_DEVICE(opaque));
}

/* The model writes RAM through host pointers, which QEMU's dirty log does
 * not see; every write is followed by a count, at most a slice of commands
 * later (pgpu/bus.h), so nothing counts as still running. */
static uint64_t pgpu_pci_source_gpu_work_epoch(void *opaque, bool *running)
{
    PgpuPciState *s = opaque;

    *running = false;
    return pgpu_bus_memory_writes(&s->bus);
}

/* An IOMMU's mappings change under the bus-master address space without a
 * change of QEMU's memory map: the pages noted at one refresh may no longer
 * be the plane's at the next. */
static const char *pgpu_pci_source_dirty_log_unusable(void *opaque)
{
    if (((PgpuPciState *)opaque)->behind_iommu) {
        return "the GPU is behind an IOMMU, whose mappings change unseen by the memory map";
    }
    return NULL;
}

static const VgpuDisplaySource pgpu_pci_display_source = {
    .plane = pgpu_pci_source_plane,
    .cursor = pgpu_pci_source_cursor,
    .refuse_page = pgpu_pci_source_refuse_page,
    .address_space = pgpu_pci_source_address_space,
    .gpu_work_epoch = pgpu_pci_source_gpu_work_epoch,
    .dirty_log_unusable = pgpu_pci_source_dirty_log_unusable,
};

static void pgpu_pci_vblank(void *opaque)
{
    PgpuPciState *s = opaque;

    pgpu_pci_ops(s)->display_vblank(s->bus.gpu);
    timer_mod(s->vblank_timer, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) +
              NANOSECONDS_PER_SECOND / PGPU_PCI_VBLANK_HZ);
}

/* The model's configuration: this device's properties and its DMA. */
static struct pgpu_config pgpu_pci_config(PgpuPciState *s)
{
    return (struct pgpu_config) {
        .name = DEVICE(s)->id ? DEVICE(s)->id : TYPE_PGPU_PCI,
        .aperture_size = s->aperture_size,
        .hang_timeout_ms = PGPU_HANG_TIMEOUT_DEFAULT_MS,
        .host = &s->host,
        .monitor_width = s->xres,
        .monitor_height = s->yres,
    };
}

static void pgpu_pci_create_error(Error **errp)
{
    error_setg_errno(errp, errno, "cannot create the GPU model (aperture-size must be a "
                     "power of two from 64 MiB to 4 GiB; the name at most 63 bytes; "
                     "xres and yres both 0 or within [%u, %u] x [%u, %u])",
                     GEN9_MONITOR_MIN_WIDTH, GEN9_MONITOR_MAX_WIDTH,
                     GEN9_MONITOR_MIN_HEIGHT, GEN9_MONITOR_MAX_HEIGHT);
}

/* What the guest touched that the model does not describe, for the test logs
 * (the same two lines as vgpu-pci's). */
static void pgpu_pci_report(Notifier *n, void *data)
{
    PgpuPciState *s = container_of(n, PgpuPciState, exit_notifier);
    const char *name = DEVICE(s)->id ? DEVICE(s)->id : TYPE_PGPU_PCI;
    char stats[1024];

    pgpu_bus_format_stats(&s->bus, stats, sizeof(stats));
    fprintf(stderr, "gpumed: pgpu %s: stats: %s\n", name, stats);
    fprintf(stderr, "gpumed: pgpu %s: untracked offsets:", name);
    for (uint32_t off = pgpu_pci_ops(s)->untracked_next(s->bus.gpu, 0); off != UINT32_MAX;
         off = pgpu_pci_ops(s)->untracked_next(s->bus.gpu, off + 4)) {
        fprintf(stderr, " 0x%x", off);
    }
    fputc('\n', stderr);
}

static void pgpu_pci_realize(PCIDevice *pdev, Error **errp)
{
    PgpuPciState *s = PGPU_PCI(pdev);
    struct pgpu_config config;

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
    config = pgpu_pci_config(s);
    if (pgpu_bus_create(&s->bus, &config, pgpu_pci_irq, s)) {
        pgpu_pci_create_error(errp);
        qemu_bh_delete(s->irq_bh);
        return;
    }
    if (msi_init(pdev, VGPU_PCI_MSI_CAP, 1, false, false, errp)) {
        pgpu_bus_destroy(&s->bus);
        qemu_bh_delete(s->irq_bh);
        return;
    }
    for (unsigned i = 0; i < PGPU_BUS_BARS; i++) {
        const struct pgpu_bus_bar *bar = &pgpu_bus_bars[i];

        memory_region_init_io(&s->bars[i], OBJECT(s), &pgpu_pci_bar_ops[i], &s->bars[i],
                              bar->name, bar->size ? bar->size : s->aperture_size);
        pci_register_bar(pdev, bar->index, bar->type, &s->bars[i]);
    }
    vgpu_cfg_init(pdev->config, pdev->wmask, pdev->w1cmask);
    pgpu_bus_cfg_add(pdev->wmask);

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
    pgpu_bus_destroy(&s->bus);
    qemu_bh_delete(s->irq_bh);
    /* fw_cfg keeps pointing at the OpRegion: it lives as long as QEMU. */
}

/* Device reset: pgpu_bus_reset(), a new model if the guest programmed this one. */
static void pgpu_pci_reset(DeviceState *dev)
{
    PgpuPciState *s = PGPU_PCI(dev);
    struct pgpu_config config = pgpu_pci_config(s);

    s->behind_iommu = pci_device_iommu_address_space(PCI_DEVICE(s)) != &address_space_memory;
    if (pgpu_bus_reset(&s->bus, &config, pgpu_pci_irq, s)) {
        pgpu_pci_create_error(&error_fatal);
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

    if (!s->bus.gpu) {
        return g_strdup("");
    }
    pgpu_bus_format_stats(&s->bus, stats, sizeof(stats));
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
