/*
 * bar-ops: the access policy both devices give their BARs (vgpu-pci's BAR0
 * and aperture, pgpu-pci's three): every width up to the BAR's widest and
 * any alignment reach the device's callbacks whole, because the library
 * behind them (vgpu/, pgpu/bus.c) owns the policy for each access.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_HW_BAR_OPS_H
#define GPUMED_HW_BAR_OPS_H

#include "exec/memory.h"

/* A MemoryRegionOps for @rd and @wr taking 1 to @max bytes at any address. */
#define GPUMED_BAR_OPS_ANY_ACCESS(rd, wr, max) {                                  \
    .read = rd, .write = wr, .endianness = DEVICE_LITTLE_ENDIAN,                  \
    .valid = { .min_access_size = 1, .max_access_size = max, .unaligned = true }, \
    .impl = { .min_access_size = 1, .max_access_size = max, .unaligned = true },  \
}

#endif
