/*
 * The steps the kernel command line can name (gpumed.steps=...), in no
 * particular order.  A new step is one row here and one step_fn.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "agent.h"

const struct step steps[] = {
    { "pci",        step_pci },        /* the vGPU is enumerated, with its class */
    { "lspci",      step_lspci },      /* lspci -n (pciutils) shows 8086:1912 */
    { "i915-bind",  step_i915_bind },  /* i915 loaded and bound to the vGPU */
    { "dmesg",      step_dmesg },      /* no warnings or errors in the kernel log */
    { "timing",     step_timing },     /* boot and probe durations */
    { "panic",      step_panic },      /* crashes the kernel: tests the harness */
};

const size_t n_steps = sizeof(steps) / sizeof(steps[0]);
