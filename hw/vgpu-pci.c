/*
 * vgpu-pci: a Skylake GT2 virtual GPU, mediated by gpumed.
 *
 * This file is only the QEMU binding: PCI config space layout, BARs, MSI,
 * the aperture window, the OpRegion handed to firmware, the vblank clock
 * and reset.  Every guest access is forwarded to the vGPU emulation
 * library (vgpu/), which is built and tested without QEMU; what needs the
 * physical GPU goes to the gpumed mediator through vgpu-link.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/range.h"
#include "qemu/error-report.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "exec/address-spaces.h"
#include "hw/i386/x86.h"
#include "hw/pci/pci.h"
#include "hw/pci/msi.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "qom/object.h"
#include "sysemu/sysemu.h"
#include "sysemu/xen.h"

#include "wire/protocol.h"
#include "vgpu/vgpu.h"
#include "trace.h"
#include "bar-ops.h"
#include "igd-opregion.h"
#include "vgpu-display.h"
#include "vgpu-link.h"

#define TYPE_VGPU_PCI "vgpu-pci"
OBJECT_DECLARE_SIMPLE_TYPE(VgpuPciState, VGPU_PCI)

/*
 * Under Xen, hvmloader reserves pages for an Intel display device's
 * OpRegion and writes their address into ASLS, leaving the contents to the
 * device model: we serve the OpRegion there.
 */
#define VGPU_PCI_ASLS           0xfc
#define VBLANK_HZ               60

struct VgpuPciState {
    PCIDevice parent_obj;

    /* device config */
    char *type_name;            /* a new vGPU of this type (default: the mediator's) */
    char *vgpu_name;            /* or the vGPU reserved under this name */
    char *socket_path;          /* the mediator's socket */
    uint32_t xres, yres;        /* the monitor's native mode; 0: the type's */

    /* device elements */
    MemoryRegion bar0;          /* registers + GGTT */
    MemoryRegion aperture;      /* BAR2 */
    QEMUTimer *vblank_timer;
    Notifier exit_notifier;
    VgpuDisplay *display;

    /* device state */
    VgpuLink *link;
    uint64_t host_aperture_size;    /* BAR2, as the mediator says */
    struct vgpu *vgpu;
    uint8_t *opregion;
    MemoryRegion opregion_mmio;     /* under Xen: at ASLS */
    hwaddr opregion_addr;           /* where opregion_mmio is mapped; 0: not */
    bool monitor_connected;     /* "monitor-connected", settable at run time */
};

/* Guest GPU state lives outside QEMU's migration stream (for now). */
static const VMStateDescription vmstate_vgpu_pci = {
    .name = TYPE_VGPU_PCI,
    .unmigratable = 1,
};

static uint64_t vgpu_pci_bar0_read(void *opaque, hwaddr addr, unsigned size)
{
    VgpuPciState *s = opaque;
    uint64_t value = vgpu_bar0_read(s->vgpu, addr, size);

    trace_vgpu_mmio_read(addr, size, value);
    return value;
}

static void vgpu_pci_bar0_write(void *opaque, hwaddr addr, uint64_t val,
                                unsigned size)
{
    VgpuPciState *s = opaque;

    trace_vgpu_mmio_write(addr, size, val);
    vgpu_bar0_write(s->vgpu, addr, val, size);
}

static const MemoryRegionOps vgpu_pci_bar0_ops =
    GPUMED_BAR_OPS_ANY_ACCESS(vgpu_pci_bar0_read, vgpu_pci_bar0_write, 8);

/*
 * The aperture reaches the guest page the vGPU's GGTT maps there (through
 * a fence's detiling), in this process; entries that map nothing read as
 * zeros and drop writes.  An access that crosses 16 aligned bytes is done
 * in pieces that do not: each piece may lie elsewhere in guest memory.
 */
static void vgpu_pci_aperture_access(VgpuPciState *s, hwaddr addr, uint8_t *buf,
                                     unsigned size, bool is_write)
{
    while (size) {
        unsigned n = MIN(size, VGPU_APERTURE_CHUNK - addr % VGPU_APERTURE_CHUNK);
        uint64_t gpa;

        if (vgpu_aperture_translate(s->vgpu, addr, &gpa)) {
            address_space_rw(&address_space_memory, gpa, MEMTXATTRS_UNSPECIFIED, buf, n,
                             is_write);
        }
        addr += n;
        buf += n;
        size -= n;
    }
}

static uint64_t vgpu_pci_aperture_read(void *opaque, hwaddr addr, unsigned size)
{
    uint64_t val = 0;

    vgpu_pci_aperture_access(opaque, addr, (uint8_t *)&val, size, false);
    return le64_to_cpu(val);
}

static void vgpu_pci_aperture_write(void *opaque, hwaddr addr, uint64_t val,
                                    unsigned size)
{
    uint64_t le = cpu_to_le64(val);

    vgpu_pci_aperture_access(opaque, addr, (uint8_t *)&le, size, true);
}

static uint64_t vgpu_pci_opregion_read(void *opaque, hwaddr addr, unsigned size)
{
    VgpuPciState *s = opaque;

    return ldn_le_p(s->opregion + addr, size);
}

/* The guest's own copy, as the OpRegion in its RAM would be. */
static void vgpu_pci_opregion_write(void *opaque, hwaddr addr, uint64_t val,
                                    unsigned size)
{
    VgpuPciState *s = opaque;

    stn_le_p(s->opregion + addr, size, val);
}

static const MemoryRegionOps vgpu_pci_opregion_ops = {
    .read = vgpu_pci_opregion_read,
    .write = vgpu_pci_opregion_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

/* Under Xen, (re)map the OpRegion where firmware (or the guest) points ASLS. */
static void vgpu_pci_write_config(PCIDevice *pdev, uint32_t addr, uint32_t val,
                                  int len)
{
    VgpuPciState *s = VGPU_PCI(pdev);
    hwaddr asls;

    pci_default_write_config(pdev, addr, val, len);
    if (!memory_region_size(&s->opregion_mmio) ||
        !ranges_overlap(addr, len, VGPU_PCI_ASLS, 4)) {
        return;
    }
    asls = pci_get_long(pdev->config + VGPU_PCI_ASLS) & ~(hwaddr)0xfff;
    if (asls == s->opregion_addr) {
        return;
    }
    memory_region_transaction_begin();
    if (s->opregion_addr) {
        memory_region_del_subregion(get_system_memory(), &s->opregion_mmio);
    }
    /* A guest's RAM at that address stays RAM: Xen forwards only holes. */
    if (asls && asls + VGPU_OPREGION_SIZE <= 4 * GiB) {
        memory_region_add_subregion_overlap(get_system_memory(), asls,
                                            &s->opregion_mmio, 1);
        s->opregion_addr = asls;
    } else {
        s->opregion_addr = 0;
    }
    memory_region_transaction_commit();
}

static const MemoryRegionOps vgpu_pci_aperture_ops =
    GPUMED_BAR_OPS_ANY_ACCESS(vgpu_pci_aperture_read, vgpu_pci_aperture_write, 8);

static void vgpu_pci_raise_msi(void *opaque)
{
    PCIDevice *pdev = opaque;

    trace_vgpu_msi(msi_enabled(pdev));
    if (msi_enabled(pdev)) {
        msi_notify(pdev, 0);
    }
}

/* The guest's status pages (CSB mirror): pages the library checked are RAM. */
static void vgpu_pci_write_guest(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
    address_space_write(&address_space_memory, gpa, MEMTXATTRS_UNSPECIFIED, buf, len);
}

/* Context images (their RING_TAIL at an ELSP write): pages the library checked are RAM. */
static void vgpu_pci_read_guest(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    address_space_read(&address_space_memory, gpa, MEMTXATTRS_UNSPECIFIED, buf, len);
}

static const struct vgpu_ops vgpu_pci_ops = {
    .raise_msi = vgpu_pci_raise_msi,
    .write_guest = vgpu_pci_write_guest,
    .read_guest = vgpu_pci_read_guest,
};

static void vgpu_pci_vblank(void *opaque)
{
    VgpuPciState *s = opaque;

    vgpu_display_vblank(s->vgpu);
    timer_mod(s->vblank_timer, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) +
              NANOSECONDS_PER_SECOND / VBLANK_HZ);
}

/* What the guest touched that we do not model, for the test logs. */
static void vgpu_pci_report(Notifier *n, void *data)
{
    VgpuPciState *s = container_of(n, VgpuPciState, exit_notifier);
    char stats[1024];
    uint32_t off;

    vgpu_format_stats(s->vgpu, stats, sizeof(stats));
    fprintf(stderr, "gpumed: vgpu %s: stats: %s\n", vgpu_name(s->vgpu), stats);
    fprintf(stderr, "gpumed: vgpu %s: untracked offsets:", vgpu_name(s->vgpu));
    for (off = vgpu_untracked_next(s->vgpu, 0); off != UINT32_MAX;
         off = vgpu_untracked_next(s->vgpu, off + 4)) {
        fprintf(stderr, " 0x%x", off);
    }
    fputc('\n', stderr);
}

static bool vgpu_pci_create_vgpu(VgpuPciState *s, Error **errp)
{
    X86MachineState *x86ms = X86_MACHINE(qdev_get_machine());
    const char *name = DEVICE(s)->id ? DEVICE(s)->id : TYPE_VGPU_PCI;
    struct wire_vgpu_type partitioned;
    VgpuLinkPartition p;
    struct vgpu_config config = {
        .name = name,
        .ops = &vgpu_pci_ops,
        .opaque = PCI_DEVICE(s),
        .mediator = &vgpu_link_mediator_ops,
    };

    if (s->type_name && s->vgpu_name) {
        error_setg(errp, "vgpu-type= creates a vGPU, vgpu= attaches to a reserved one: give "
                   "one of them");
        return false;
    }
    if (!vgpu_display_mode_valid(s->xres, s->yres, errp)) {
        return false;
    }
    s->link = vgpu_link_connect(s->socket_path, qemu_name ? qemu_name : name,
                                qemu_name ? "-name" : "the device's id=", s->type_name,
                                s->vgpu_name, &p, errp);
    if (!s->link) {
        return false;
    }
    /* The mediator decides the partition and the type's monitor mode. */
    partitioned = (struct wire_vgpu_type) {
        .name = p.type_name,
        .aperture_size = p.aperture_size, .hidden_size = p.hidden_size,
        .fence_count = p.fence_count,
        .width = s->xres ? s->xres : p.monitor_width,
        .height = s->yres ? s->yres : p.monitor_height,
    };
    config.type = &partitioned;
    config.host_aperture_size = s->host_aperture_size = p.host_aperture_size;
    config.aperture_base = p.aperture_base;
    config.hidden_base = p.hidden_base;
    config.ggtt = p.ggtt;
    config.mediator_opaque = s->link;
    config.ram_below_4g = x86ms->below_4g_mem_size;
    config.ram_above_4g = x86ms->above_4g_mem_size;
    s->vgpu = vgpu_create(&config);
    if (!s->vgpu) {
        error_setg_errno(errp, errno, "cannot create the vGPU from the mediator's "
                         "partition");
        vgpu_link_close(s->link);
        s->link = NULL;
        return false;
    }
    vgpu_link_start(s->link, s->vgpu);
    return true;
}

static void vgpu_pci_realize(PCIDevice *pdev, Error **errp)
{
    VgpuPciState *s = VGPU_PCI(pdev);

    if (!igd_opregion_available(DEVICE(s), errp)) {
        return;
    }
    if (!vgpu_pci_create_vgpu(s, errp)) {
        return;
    }
    if (msi_init(pdev, VGPU_PCI_MSI_CAP, 1, false, false, errp)) {
        vgpu_destroy(s->vgpu);
        s->vgpu = NULL;
        vgpu_link_close(s->link);
        s->link = NULL;
        return;
    }

    memory_region_init_io(&s->bar0, OBJECT(s), &vgpu_pci_bar0_ops, s,
                          "vgpu-bar0", VGPU_BAR0_SIZE);
    pci_register_bar(pdev, 0, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &s->bar0);
    memory_region_init_io(&s->aperture, OBJECT(s), &vgpu_pci_aperture_ops, s,
                          "vgpu-aperture", s->host_aperture_size);
    pci_register_bar(pdev, 2, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64 |
                     PCI_BASE_ADDRESS_MEM_PREFETCH, &s->aperture);
    vgpu_cfg_init(pdev->config, pdev->wmask, pdev->w1cmask);

    s->opregion = g_malloc(VGPU_OPREGION_SIZE);
    vgpu_opregion_build(s->opregion);
    if (xen_enabled()) {
        /*
         * SeaBIOS leaves PCI set-up to hvmloader under Xen, so it never
         * copies the fw_cfg file; hvmloader writes ASLS (vgpu_pci_write_config).
         */
        memory_region_init_io(&s->opregion_mmio, OBJECT(s), &vgpu_pci_opregion_ops,
                              s, "vgpu-opregion", VGPU_OPREGION_SIZE);
    } else {
        igd_opregion_hand_to_firmware(DEVICE(s), s->opregion);
    }

    s->vblank_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, vgpu_pci_vblank, s);
    timer_mod(s->vblank_timer, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) +
              NANOSECONDS_PER_SECOND / VBLANK_HZ);
    s->exit_notifier.notify = vgpu_pci_report;
    qemu_add_exit_notifier(&s->exit_notifier);
    s->display = vgpu_display_new(DEVICE(s), s->vgpu);
    vgpu_display_share_dirty_log(s->display, vgpu_link_dirty_taking, s->link);
    vgpu_link_share_dirty_log(s->link, vgpu_display_dirty_cleared, s->display);
}

static void vgpu_pci_exit(PCIDevice *pdev)
{
    VgpuPciState *s = VGPU_PCI(pdev);

    vgpu_link_share_dirty_log(s->link, NULL, NULL);
    vgpu_display_free(s->display);
    s->display = NULL;
    qemu_remove_exit_notifier(&s->exit_notifier);
    timer_free(s->vblank_timer);
    msi_uninit(pdev);
    vgpu_destroy(s->vgpu);
    s->vgpu = NULL;
    vgpu_link_close(s->link);
    s->link = NULL;
    if (s->opregion_addr) {
        memory_region_del_subregion(get_system_memory(), &s->opregion_mmio);
    }
    /* fw_cfg keeps pointing at the OpRegion: it lives as long as QEMU. */
}

static void vgpu_pci_reset(DeviceState *dev)
{
    VgpuPciState *s = VGPU_PCI(dev);

    vgpu_reset(s->vgpu);
    vgpu_display_hotplug(s->vgpu, s->monitor_connected);
}

static Property vgpu_pci_properties[] = {
    DEFINE_PROP_STRING("vgpu-type", VgpuPciState, type_name),
    DEFINE_PROP_STRING("vgpu", VgpuPciState, vgpu_name),
    DEFINE_PROP_STRING("socket", VgpuPciState, socket_path),
    DEFINE_PROP_UINT32("xres", VgpuPciState, xres, 0),
    DEFINE_PROP_UINT32("yres", VgpuPciState, yres, 0),
    DEFINE_PROP_END_OF_LIST(),
};

/* What -device vgpu-pci,help says of each property (docs/vgpu.md). */
static const struct {
    const char *name, *description;
} vgpu_pci_property_help[] = {
    { "socket", "the gpumed mediator's VM socket (default " WIRE_DEFAULT_SOCKET ")" },
    { "vgpu-type", "a new vGPU of this type (gpumedctl types lists them; default: the "
      "mediator's first)" },
    { "vgpu", "instead, the vGPU reserved under this name (gpumedctl create --name)" },
    { "xres", "the virtual monitor's native width in pixels (0: the type's)" },
    { "yres", "the virtual monitor's native height in pixels (0: the type's)" },
    { "monitor-connected", "whether the virtual monitor is plugged in; set at run time "
      "(qom-set) it raises a hotplug in the guest" },
    { "stats", "read-only: the device's counters (qom-get), what QEMU prints at exit" },
};

static bool vgpu_pci_get_monitor(Object *obj, Error **errp)
{
    return VGPU_PCI(obj)->monitor_connected;
}

/* Plugging the virtual monitor in or out raises a hotplug in the guest. */
static void vgpu_pci_set_monitor(Object *obj, bool connected, Error **errp)
{
    VgpuPciState *s = VGPU_PCI(obj);

    s->monitor_connected = connected;
    if (s->vgpu) {
        vgpu_display_hotplug(s->vgpu, connected);
    }
}

/* "stats", read-only: the counters the exit report prints, while running
 * (e.g. `xl qemu-monitor-command <domain> "qom-get <path> stats"` in dom0). */
static char *vgpu_pci_get_stats(Object *obj, Error **errp)
{
    VgpuPciState *s = VGPU_PCI(obj);
    char stats[1024];

    if (!s->vgpu) {
        return g_strdup("");
    }
    vgpu_format_stats(s->vgpu, stats, sizeof(stats));
    return g_strdup(stats);
}

static void vgpu_pci_instance_init(Object *obj)
{
    VgpuPciState *s = VGPU_PCI(obj);

    s->monitor_connected = true;
}

static void vgpu_pci_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->realize = vgpu_pci_realize;
    k->exit = vgpu_pci_exit;
    k->config_write = vgpu_pci_write_config;
    k->vendor_id = VGPU_PCI_VENDOR_ID;
    k->device_id = VGPU_PCI_DEVICE_ID;
    k->revision = VGPU_PCI_REVISION;
    k->class_id = PCI_CLASS_DISPLAY_VGA;
    dc->desc = "Mediated Skylake GT2 virtual GPU (gpumed)";
    dc->reset = vgpu_pci_reset;
    dc->vmsd = &vmstate_vgpu_pci;
    device_class_set_props(dc, vgpu_pci_properties);
    object_class_property_add_bool(klass, "monitor-connected", vgpu_pci_get_monitor,
                                   vgpu_pci_set_monitor);
    object_class_property_add_str(klass, "stats", vgpu_pci_get_stats, NULL);
    for (size_t i = 0; i < ARRAY_SIZE(vgpu_pci_property_help); i++) {
        object_class_property_set_description(klass, vgpu_pci_property_help[i].name,
                                              vgpu_pci_property_help[i].description);
    }
    set_bit(DEVICE_CATEGORY_DISPLAY, dc->categories);
}

static const TypeInfo vgpu_pci_info = {
    .name = TYPE_VGPU_PCI,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(VgpuPciState),
    .instance_init = vgpu_pci_instance_init,
    .class_init = vgpu_pci_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_CONVENTIONAL_PCI_DEVICE },
        { },
    },
};

static void vgpu_pci_register_types(void)
{
    type_register_static(&vgpu_pci_info);
}

type_init(vgpu_pci_register_types)
