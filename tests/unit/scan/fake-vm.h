/*
 * fake-vm.h - a VM for the command scanner's tests, fuzzer and benchmark:
 * a GGTT window whose first half is the vGPU's partition (the second half
 * is someone else's, so a careless fetch can reach it and the scanner must
 * notice), pages of the partition whose entry the guest left not present
 * (the vGPU's scratch page, not its memory), and a PPGTT of pages each
 * present or not, owned by the VM or not, reached through the guest's
 * scratch fill or not.  Batches are written straight into the backing
 * stores; fetch hands out pointers into them (the "copy" never changes
 * during a scan).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_TESTS_SCAN_FAKE_VM_H
#define GPUMED_TESTS_SCAN_FAKE_VM_H

#include <stdint.h>

#include "mediator/scan/cmd-scan.h"

#define FAKE_PAGE               4096u
#define FAKE_GGTT_BASE          0x00100000ull   /* the partition's first byte */
#define FAKE_GGTT_PARTITION     (1ull << 20)
#define FAKE_GGTT_WINDOW        (2ull << 20)    /* partition + a foreign MiB */
#define FAKE_PPGTT_BASE         0x100000000ull
#define FAKE_PPGTT_PAGES        512u

enum fake_page_flags {
    FAKE_PRESENT = 1,
    FAKE_OWNED = 2,             /* maps memory the VM owns */
    FAKE_MAPPED = FAKE_PRESENT | FAKE_OWNED,
    FAKE_FILL = 4,              /* under the guest's scratch fill: data, not batches */
};

struct fake_vm {
    uint8_t ggtt[FAKE_GGTT_WINDOW];
    uint8_t ppgtt[FAKE_PPGTT_PAGES * FAKE_PAGE];
    uint8_t page_flags[FAKE_PPGTT_PAGES];
    /* GGTT partition pages whose entry is not present: they map the
     * vGPU's scratch page (none when created) */
    uint8_t ggtt_scratch[FAKE_GGTT_PARTITION / FAKE_PAGE];
    unsigned fetches;
    unsigned range_checks;      /* ggtt_range_ok and ppgtt_range_ok calls */
    uint64_t fetched;           /* bytes handed out by fetch */
    unsigned logs;
    char last_log[MED_SCAN_REASON_MAX];
};

extern const struct med_scan_ops fake_vm_ops;

/* Every PPGTT page mapped and owned, the memory zeroed. */
struct fake_vm *fake_vm_create(void);
void fake_vm_destroy(struct fake_vm *vm);

/* Host pointer for @gma in the GGTT window / the PPGTT (callers stay inside). */
uint32_t *fake_ggtt(struct fake_vm *vm, uint64_t gma);
uint32_t *fake_ppgtt(struct fake_vm *vm, uint64_t gma);

/* A scanner on @vm with @limits (NULL: the defaults). */
struct med_scan *fake_vm_scanner(struct fake_vm *vm, const struct med_scan_limits *limits);

#endif /* GPUMED_TESTS_SCAN_FAKE_VM_H */
