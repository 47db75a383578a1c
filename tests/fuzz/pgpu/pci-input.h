/*
 * pci-input.h - the pgpu-pci fuzzer's input (fuzz-pci.c), which its seed
 * generator (pci-seeds.c) writes: records of what a guest does to the GPU
 * of its VM, and the machine around it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_TESTS_FUZZ_PGPU_PCI_INPUT_H
#define GPUMED_TESTS_FUZZ_PGPU_PCI_INPUT_H

#include <stdint.h>

enum pci_record_kind {
    PCI_CFG_WRITE,      /* config space: @size bytes at @addr % 256 = @value, through the
                           writable and write-1-to-clear masks (reads change nothing) */
    PCI_MEM_READ,       /* memory space: @size bytes at bus address @addr, decoded by the BARs */
    PCI_MEM_WRITE,
    PCI_IO_READ,        /* I/O space: @size bytes at port @addr % 65536 */
    PCI_IO_WRITE,
    PCI_RAM_WRITE,      /* the VM's RAM: the dword at byte @addr % PCI_RAM_BYTES = @value */
    PCI_RESET,          /* the device's reset (QEMU's system_reset) */
    PCI_WAIT,           /* the engines settle; if @size is odd, first a vblank and the
                           plane shown on the console */
    PCI_RAW_READ,       /* BAR (@addr >> 60) % PGPU_BUS_BARS at any offset (@addr's low
                           60 bits) and any width @size, as no bus gives them */
    PCI_RAW_WRITE,
    PCI_RECORD_KINDS
};

struct pci_record {
    uint8_t kind;       /* enum pci_record_kind, modulo PCI_RECORD_KINDS */
    uint8_t size;       /* access width: 1, 2, 4 or 8 (others: 4), but for PCI_RAW_* */
    uint64_t addr;
    uint64_t value;
} __attribute__((packed));

/* The VM's RAM: guest-physical (= bus) addresses [PCI_RAM_BASE, + PCI_RAM_BYTES). */
#define PCI_RAM_BASE        0x100000ull
#define PCI_RAM_PAGES       64u
#define PCI_RAM_BYTES       (PCI_RAM_PAGES * 4096u)

/* PCI configuration registers and bits the records name (PCI Local Bus 3.0). */
#define PCI_CFG_COMMAND     0x04
#define PCI_CFG_BAR(n)      (0x10 + 4 * (n))
#define PCI_CMD_IO          0x1
#define PCI_CMD_MEMORY      0x2
#define PCI_CMD_MASTER      0x4

#endif /* GPUMED_TESTS_FUZZ_PGPU_PCI_INPUT_H */
