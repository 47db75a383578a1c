/*
 * control-input.h - the input of the mediator-control fuzzer (fuzz-control.c),
 * shared with its seed generator (control-seeds.c).
 *
 * An input is a control client's session beside VMs: records (harness.h)
 * of {u16 length, u8 flags, length bytes} (length modulo
 * CONTROL_PAYLOAD_MAX), each one of:
 *   CONTROL_VM_ATTACH  a VM starts (harness.h: HELLO, ADD_MEMORY,
 *                      CREATE_VGPU) with the reserved vGPU the payload
 *                      names, or with a new vGPU of the default type when
 *                      the payload is empty; at most CONTROL_VMS at once
 *                      (the oldest hangs up first);
 *   CONTROL_VM_DETACH  the oldest VM hangs up;
 *   otherwise          the payload is sent as one packet on the control
 *                      connection (opened again if the mediator closed
 *                      it), with its vgpu_id replaced by the last vGPU id
 *                      a reply named when CONTROL_LAST_ID is set (ids grow
 *                      over the process's life), and every reply is read.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_TESTS_FUZZ_MEDIATOR_CONTROL_INPUT_H
#define GPUMED_TESTS_FUZZ_MEDIATOR_CONTROL_INPUT_H

#define CONTROL_PAYLOAD_MAX     256u
#define CONTROL_VMS             2

enum control_flag {
    CONTROL_VM_ATTACH = 1,
    CONTROL_VM_DETACH = 2,
    CONTROL_LAST_ID = 4,
};

#endif /* GPUMED_TESTS_FUZZ_MEDIATOR_CONTROL_INPUT_H */
