/*
 * igd-opregion.h - the IGD OpRegion handed to firmware, shared by vgpu-pci
 * and pgpu-pci: firmware copies one such region into reserved RAM and
 * points the GPU's ASLS at it, so a VM has at most one.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_HW_IGD_OPREGION_H
#define GPUMED_HW_IGD_OPREGION_H

#include "hw/qdev-core.h"

/* Whether @dev may still hand an OpRegion to firmware (fw_cfg keeps a file
 * for good and aborts QEMU on a second one of the same name); false with
 * @errp naming the device that has it. */
bool igd_opregion_available(DeviceState *dev, Error **errp);

/* Hand @opregion (VGPU_OPREGION_SIZE bytes, kept for QEMU's lifetime) to
 * firmware through fw_cfg, if there is one; false (a warning said) if not. */
bool igd_opregion_hand_to_firmware(DeviceState *dev, uint8_t *opregion);

#endif /* GPUMED_HW_IGD_OPREGION_H */
