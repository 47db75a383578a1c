/*
 * trace-vm - a guest-like VM whose work passes every trace point of the
 * mediator once (test-trace-points.py watches them): on the render engine
 * a batch that stores a value (done), then in a second context a batch
 * storing through the GGTT just past the vGPU's partition (the scanner
 * must refuse it: rejected), then the engine reset a guest does after a
 * rejection.  Prints what it sent, for the test to find in the trace:
 *   vgpu ID
 *   good DESC
 *   bad DESC
 *   reset MASK
 * Exit status 0 when the good element was done and the bad one rejected.
 * Usage: trace-vm SOCKET
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "tests/harness/guest-driver.h"
#include "tests/unit/scan/emit.h"

#define RAM_SIZE    (16ull << 20)
#define BATCH_VA    0x0000100000000ull
#define DATA_VA     0x0000200000000ull
#define VALUE       0x7ace
#define WAIT_MS     10000

static int fail(const char *what)
{
    fprintf(stderr, "trace-vm: %s\n", what);
    return 1;
}

int main(int argc, char **argv)
{
    struct guest_vm *vm;
    struct guest_ppgtt *ppgtt;
    struct guest_bo *batch, *data;
    struct guest_ctx *good, *bad;
    const struct wire_client_vgpu *v;
    const uint32_t noop = MI_NOOP_DW;     /* RING_TAIL is qword aligned */
    uint32_t *p, seqno;
    int status;

    if (argc != 2) {
        fprintf(stderr, "usage: trace-vm SOCKET\n");
        return 2;
    }
    vm = guest_vm_create(argv[1], "trace-vm", RAM_SIZE, "gpumed-8");
    ppgtt = vm ? guest_ppgtt_new(vm) : NULL;
    batch = ppgtt ? guest_bo_new(vm, 2 * 4096, false) : NULL;
    data = batch ? guest_bo_new(vm, 4096, false) : NULL;
    good = data ? guest_ctx_new(vm, GEN9_RCS, ppgtt) : NULL;
    bad = good ? guest_ctx_new(vm, GEN9_RCS, ppgtt) : NULL;
    if (!bad || guest_ppgtt_map(ppgtt, batch, BATCH_VA) || guest_ppgtt_map(ppgtt, data, DATA_VA)) {
        return fail("cannot set up the VM");
    }
    v = guest_vm_vgpu(vm);
    printf("vgpu %" PRIu32 "\ngood 0x%" PRIx64 "\nbad 0x%" PRIx64 "\n", v->id,
           guest_ctx_desc(good), guest_ctx_desc(bad));

    p = batch->map;
    emit_sdi(&p, DATA_VA, false, false);
    p[-1] = VALUE;
    emit(&p, MI_BB_END_DW);
    if (guest_ctx_emit_batch(good, BATCH_VA, true) || guest_ctx_emit_breadcrumb(good, &seqno) ||
        guest_ctx_submit(good) || guest_ctx_wait(good, WAIT_MS) ||
        ((uint32_t *)data->map)[0] != VALUE) {
        return fail("the good batch did not store its value");
    }

    p = (uint32_t *)((uint8_t *)batch->map + 4096);
    emit_sdi(&p, v->hidden_base + v->hidden_size, true, false);
    emit(&p, MI_BB_END_DW);
    if (guest_ctx_emit_batch(bad, BATCH_VA + 4096, true) || guest_ctx_emit(bad, &noop, 1) ||
        guest_ctx_submit(bad)) {
        return fail("cannot submit the bad batch");
    }
    status = guest_ctx_wait(bad, WAIT_MS);
    if (status != -EIO) {
        return fail(status ? "no answer to the bad batch" : "the bad batch was run");
    }

    printf("reset 0x%x\n", 1u << GEN9_RCS);
    fflush(stdout);
    if (guest_ctx_recover(bad) || guest_ctx_barrier(good, WAIT_MS)) {
        return fail("no answer after the engine reset");
    }
    guest_vm_destroy(vm);
    return 0;
}
