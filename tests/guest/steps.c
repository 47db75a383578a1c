/*
 * The steps the kernel command line can name (gpumed.steps=...), in no
 * particular order.  A new step is one row here and one step_fn.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "agent.h"

const struct step steps[] = {
    /* name         function        needs_driver */
    { "pci",        step_pci,       false },  /* the vGPU is enumerated, with its class */
    { "lspci",      step_lspci,     false },  /* lspci -n (pciutils) shows 8086:1912 */
    { "i915-bind",  step_i915_bind, true },   /* i915 loaded and bound to the vGPU */
    { "iommu",      step_iommu,     false },  /* the GPU behind an IOMMU that translates */
    { "dmesg",      step_dmesg,     false },  /* no warnings or errors in the kernel log so far */
    { "timing",     step_timing,    true },   /* boot and driver load durations */
    { "panic",      step_panic,     false },  /* crashes the kernel: tests the harness */
    { "gvt",        step_gvt,       true },   /* i915 runs in vGPU (GVT-g) mode */
    { "native",     step_native,    true },   /* i915 bound and not in vGPU mode (pgpu-pci) */
    { "drm-nodes",  step_drm_nodes, true },   /* /dev/dri/card0 and /dev/fb0 exist */
    { "connector",  step_connector, true },   /* one connector connected, EDID's mode */
    { "mmio-cost",  step_mmio_cost, false },  /* one emulated access, trap to return */
    { "fb-aperture", step_fb_aperture, true }, /* fbdev writes reach RAM through BAR2 */
    { "fb-pattern", step_fb_pattern, true },  /* the host's screendump is /dev/fb0's picture */
    { "fbcon-vnc",  step_fbcon_vnc, true },   /* a VNC client sees fbcon as the screendump does */
    { "fbcon-spice", step_fbcon_spice, true }, /* a SPICE client sees fbcon as the screendump does */
    { "fbcon-gtk",  step_fbcon_gtk, true },   /* QEMU's GTK window shows what the screendump does */
    { "mode-switch", step_mode_switch, true }, /* KMS to another mode and back; the host follows */
    { "fb-x-tiled", step_fb_x_tiled, true },  /* an X-tiled KMS framebuffer, detiled by the host */
    { "kms-pattern", step_kms_pattern, true }, /* the pattern via a dumb buffer, not the aperture */
    { "gem-store",  step_gem_store, true },   /* stores from one render batch */
    { "gem-blit",   step_gem_blit,  true },   /* 1920x1080x4 blitter fill and copy */
    { "gem-loop",   step_gem_loop,  true },   /* 1,000 render batches */
    { "gem-contexts", step_gem_contexts, true }, /* two contexts interleaved */
    { "gem-relay",  step_gem_relay, true },   /* values relayed across engines and contexts, addresses reused */
    { "gem-busy",   step_gem_busy,  true },   /* the blitter busy for 60 s, rounds checked */
    { "mediator-loss", step_mediator_loss, true }, /* the host kills the mediator: no hang */
    /* Attacks: rejected or contained, canary intact, the next batch works. */
    { "hostile-ggtt-store", step_hostile_ggtt_store, true },   /* store outside the partition */
    { "hostile-lri", step_hostile_lri, true },          /* load of a non-whitelisted register */
    { "hostile-jump", step_hostile_jump, true },        /* batch start outside any buffer */
    { "hostile-unterminated", step_hostile_unterminated, true }, /* no MI_BATCH_BUFFER_END */
    { "hostile-loop", step_hostile_loop, true },        /* a batch starting itself forever */
    { "hostile-ppgtt", step_hostile_ppgtt, true },      /* a PPGTT entry beyond the guest's RAM */
    { "hostile-iommu", step_hostile_iommu, true },      /* the GPU's ring at an IOVA the IOMMU
                                                           does not map (pgpu-pci) */
    /* verified GPU work and canaries while the host runs every attack beside it */
    { "gem-victim", step_gem_victim, true },
    /* IGT's tests (gpumed.igt=), one process per subtest, each result a GUEST-IGT line */
    { "igt",        step_igt,       true },
    /* One of IGT's benchmarks unchanged (the next gpumed.igt_bench= entry), its output logged */
    { "igt-bench",  step_igt_bench, true },
    /* Benchmarks (tools/gpumed-bench-guest): one untimed and one timed run,
     * results checked; the figure is value= on the result line */
    { "bench-blit-1080p", step_bench_blit_1080p, true }, /* 1080p copies queued on BCS */
    { "bench-sdi-single", step_bench_sdi_single, true }, /* one-store batches, each waited for */
    { "bench-sdi-queued", step_bench_sdi_queued, true }, /* one-store batches, all queued */
    { "bench-ctx-switch", step_bench_ctx_switch, true }, /* two contexts' batches alternated */
    { "bench-latency", step_bench_latency, true },       /* execbuffer2's return to the wait's */
};

const size_t n_steps = sizeof(steps) / sizeof(steps[0]);
