/*
 * vgpu-pci: a Skylake GT2 virtual GPU, mediated by gpumed.
 *
 * This file is only the QEMU binding: PCI identity, BARs, MSI and reset.
 * Every guest access is forwarded to the vGPU emulation library (vgpu/),
 * which is built and tested without QEMU.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qapi/error.h"
#include "hw/pci/pci.h"
#include "hw/pci/msi.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "qom/object.h"

#include "vgpu/vgpu.h"

#define TYPE_VGPU_PCI "vgpu-pci"
OBJECT_DECLARE_SIMPLE_TYPE(VgpuPciState, VGPU_PCI)

struct VgpuPciState {
    PCIDevice parent_obj;

    /* device config */
    uint64_t aperture_size;

    /* device elements */
    MemoryRegion bar0;          /* registers + GGTT */
    MemoryRegion aperture;      /* BAR2 */

    /* device state */
    struct vgpu *vgpu;
};

/* Guest GPU state lives outside QEMU's migration stream (for now). */
static const VMStateDescription vmstate_vgpu_pci = {
    .name = TYPE_VGPU_PCI,
    .unmigratable = 1,
};

static uint64_t vgpu_pci_bar0_read(void *opaque, hwaddr addr, unsigned size)
{
    VgpuPciState *s = opaque;

    return vgpu_bar0_read(s->vgpu, addr, size);
}

static void vgpu_pci_bar0_write(void *opaque, hwaddr addr, uint64_t val,
                                unsigned size)
{
    VgpuPciState *s = opaque;

    vgpu_bar0_write(s->vgpu, addr, val, size);
}

/* Any width and alignment reaches the library, which owns the policy. */
static const MemoryRegionOps vgpu_pci_bar0_ops = {
    .read = vgpu_pci_bar0_read,
    .write = vgpu_pci_bar0_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 1,
        .max_access_size = 8,
        .unaligned = true,
    },
    .impl = {
        .min_access_size = 1,
        .max_access_size = 8,
        .unaligned = true,
    },
};

static void vgpu_pci_realize(PCIDevice *pdev, Error **errp)
{
    VgpuPciState *s = VGPU_PCI(pdev);
    struct vgpu_config config = {
        .name = DEVICE(pdev)->id ? DEVICE(pdev)->id : TYPE_VGPU_PCI,
        .aperture_size = s->aperture_size,
    };

    s->vgpu = vgpu_create(&config);
    if (!s->vgpu) {
        if (errno == EINVAL) {
            error_setg(errp, "vgpu-pci: aperture-size must be a power of two "
                       "between %llu MiB and %llu MiB",
                       VGPU_APERTURE_MIN / MiB, VGPU_APERTURE_MAX / MiB);
        } else {
            error_setg_errno(errp, errno, "vgpu-pci: cannot create the vGPU");
        }
        return;
    }

    pdev->config[PCI_INTERRUPT_PIN] = 1;
    if (msi_init(pdev, VGPU_PCI_MSI_CAP, 1, false, false, errp)) {
        vgpu_destroy(s->vgpu);
        s->vgpu = NULL;
        return;
    }

    memory_region_init_io(&s->bar0, OBJECT(s), &vgpu_pci_bar0_ops, s,
                          "vgpu-bar0", VGPU_BAR0_SIZE);
    pci_register_bar(pdev, 0, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &s->bar0);

    /* The aperture gets its GGTT-translated backing with the GGTT shadow. */
    memory_region_init(&s->aperture, OBJECT(s), "vgpu-aperture",
                       s->aperture_size);
    pci_register_bar(pdev, 2, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64 |
                     PCI_BASE_ADDRESS_MEM_PREFETCH, &s->aperture);
}

static void vgpu_pci_exit(PCIDevice *pdev)
{
    VgpuPciState *s = VGPU_PCI(pdev);

    msi_uninit(pdev);
    vgpu_destroy(s->vgpu);
    s->vgpu = NULL;
}

static void vgpu_pci_reset(DeviceState *dev)
{
    VgpuPciState *s = VGPU_PCI(dev);

    vgpu_reset(s->vgpu);
}

static Property vgpu_pci_properties[] = {
    DEFINE_PROP_SIZE("aperture-size", VgpuPciState, aperture_size,
                     VGPU_APERTURE_DEFAULT),
    DEFINE_PROP_END_OF_LIST(),
};

static void vgpu_pci_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->realize = vgpu_pci_realize;
    k->exit = vgpu_pci_exit;
    k->vendor_id = VGPU_PCI_VENDOR_ID;
    k->device_id = VGPU_PCI_DEVICE_ID;
    k->revision = VGPU_PCI_REVISION;
    k->class_id = PCI_CLASS_DISPLAY_VGA;
    dc->desc = "Mediated Skylake GT2 virtual GPU (gpumed)";
    dc->reset = vgpu_pci_reset;
    dc->vmsd = &vmstate_vgpu_pci;
    device_class_set_props(dc, vgpu_pci_properties);
    set_bit(DEVICE_CATEGORY_DISPLAY, dc->categories);
}

static const TypeInfo vgpu_pci_info = {
    .name = TYPE_VGPU_PCI,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(VgpuPciState),
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
