/*
 * vgpu.h - one VM's virtual GPU: the guest-facing emulation behind vgpu-pci.
 *
 * The QEMU device forwards every BAR access here.  The library has no QEMU
 * or GLib dependency so that it is unit-tested and fuzzed on its own.
 *
 * Guest-controlled values are never trusted: any offset, size or value is
 * accepted without crashing; what cannot be honoured is counted in the
 * vGPU's statistics.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_VGPU_H
#define GPUMED_VGPU_H

#include <stdbool.h>
#include <stdint.h>

/* BAR0 ("GTTMMADR"): registers in the first 2 MiB, the GGTT in the upper half. */
#define VGPU_BAR0_SIZE          (16u << 20)
#define VGPU_MMIO_SIZE          (2u << 20)
#define VGPU_GGTT_OFFSET        (8u << 20)
#define VGPU_GGTT_SIZE          (8u << 20)      /* 1 Mi 64-bit PTEs: a 4 GiB GGTT */

/* BAR2 ("GMADR"): the aperture, a CPU window onto the low GGTT addresses. */
#define VGPU_APERTURE_MIN       (64ull << 20)
#define VGPU_APERTURE_MAX       (1ull << 30)
#define VGPU_APERTURE_DEFAULT   (256ull << 20)

/* PCI identity of a Skylake GT2 desktop part (contract 3.1). */
#define VGPU_PCI_VENDOR_ID      0x8086
#define VGPU_PCI_DEVICE_ID      0x1912
#define VGPU_PCI_REVISION       0x07            /* H0 stepping */
#define VGPU_PCI_MSI_CAP        0xac

struct vgpu;

struct vgpu_config {
    const char *name;           /* used in every log line about this vGPU */
    uint64_t aperture_size;     /* BAR2 size: a power of two in [MIN, MAX] */
};

/* Counters of guest behaviour we did not honour; never reset by the guest. */
struct vgpu_stats {
    uint64_t bad_mmio_access;   /* odd size, or outside a decoded range */
};

/*
 * Create a vGPU in its reset state.  Returns NULL with errno set:
 * EINVAL for an invalid configuration (the caller reports it and stops),
 * ENOMEM when memory runs out.
 */
struct vgpu *vgpu_create(const struct vgpu_config *config);

/* Free a vGPU; NULL is accepted and ignored. */
void vgpu_destroy(struct vgpu *vgpu);

/* Device reset: every register and GGTT entry back to its power-on value. */
void vgpu_reset(struct vgpu *vgpu);

/*
 * Guest access to BAR0 at @offset of @size bytes (1, 2, 4 or 8; any
 * alignment).  Reads of anything not decoded return 0.  Never fails.
 */
uint64_t vgpu_bar0_read(struct vgpu *vgpu, uint64_t offset, unsigned size);
void vgpu_bar0_write(struct vgpu *vgpu, uint64_t offset, uint64_t value,
                     unsigned size);

const struct vgpu_stats *vgpu_get_stats(const struct vgpu *vgpu);
const char *vgpu_name(const struct vgpu *vgpu);

#endif /* GPUMED_VGPU_H */
