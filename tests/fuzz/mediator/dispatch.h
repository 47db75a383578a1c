/*
 * dispatch.h - the input of the mediator-dispatch fuzzer (fuzz-dispatch.c),
 * shared with its seed generator (dispatch-seeds.c).
 *
 * An input is one client session: records (harness.h) of {u16 length,
 * u8 flags, length bytes} (length modulo DISPATCH_PAYLOAD_MAX), each one of:
 *   DISPATCH_START_VGPU  the harness speaks QEMU's prologue itself
 *                        (harness.h): HELLO, ADD_MEMORY, CREATE_VGPU of
 *                        the type named by the payload ("": the default);
 *   DISPATCH_RAM_WRITE   u32 guest-physical address, then bytes written
 *                        there (cut at the end of guest RAM), as the guest
 *                        writes its contexts, rings, batches, page tables;
 *   DISPATCH_GGTT_WRITE  u64 PTE, u32 index counted from the vGPU's hidden
 *                        block (wrapping over the GGTT): written into the
 *                        shared table and marked dirty, as vgpu-pci does;
 *   DISPATCH_RING        the payload (up to a slot) into the next slot of
 *                        the vGPU's submission ring, its header's size set
 *                        with DISPATCH_FIX_SIZE; with DISPATCH_ATTACH_TWO
 *                        instead its first u32 stored as the producer
 *                        index; then the doorbell;
 *   otherwise            the payload is sent as one packet, with the
 *                        guest-RAM memfd attached (DISPATCH_ATTACH_MEMFD,
 *                        twice with DISPATCH_ATTACH_TWO) and its header's
 *                        size set to its length (DISPATCH_FIX_SIZE).
 * After a record with DISPATCH_WAIT the harness waits until every SUBMIT
 * element has its COMPLETE.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_TESTS_FUZZ_MEDIATOR_DISPATCH_H
#define GPUMED_TESTS_FUZZ_MEDIATOR_DISPATCH_H

#define DISPATCH_PAYLOAD_MAX    4096u

enum dispatch_flag {
    DISPATCH_ATTACH_MEMFD = 1,
    DISPATCH_ATTACH_TWO = 2,
    DISPATCH_FIX_SIZE = 4,
    DISPATCH_GGTT_WRITE = 8,
    DISPATCH_RAM_WRITE = 16,
    DISPATCH_START_VGPU = 32,
    DISPATCH_WAIT = 64,
    DISPATCH_RING = 128,
};

#endif /* GPUMED_TESTS_FUZZ_MEDIATOR_DISPATCH_H */
