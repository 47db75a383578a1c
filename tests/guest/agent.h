/*
 * The guest agent: /init of the test guest's initramfs.
 *
 * It loads the GPU driver, runs the test steps named on the kernel command
 * line and prints one line per step on the console, which run-guest turns
 * into TAP:
 *
 *   GUEST-RESULT step=<name> status=pass|fail <key>=<value> ...
 *   GUEST-LOG step=<name> <free text>      (details, any number per step)
 *
 * Adding a step: write a step_fn in a step-*.c file, declare it below and add
 * one row to the table in steps.c.  Steps that do not need the driver run
 * without loading it, which keeps the boots that do not test it short.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_GUEST_AGENT_H
#define GPUMED_GUEST_AGENT_H

#include <stdbool.h>
#include <stddef.h>

#define VGPU_VENDOR 0x8086
#define VGPU_DEVICE 0x1912

/* The key=value pairs of one GUEST-RESULT line, and where its logs go. */
struct result {
    const char *step;
    char fields[2048];
    size_t len;
};

/* Appends " key=value"; the value is quoted when it holds spaces or quotes. */
void result_add(struct result *r, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prints "GUEST-LOG step=<step> <text>" at once (one write, one line). */
void result_log(const struct result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A step returns true when it passed; its details go into r. */
typedef bool step_fn(struct result *r);

struct step {
    const char *name;
    step_fn *run;
    bool needs_driver;  /* load i915 (once) before running this step */
};

extern const struct step steps[];
extern const size_t n_steps;

/* What happened before the steps ran, for the steps that report on it. */
struct module_load {
    char name[64];
    int error;          /* 0, an errno, or ETIMEDOUT when the load hung */
    double ms;
};

#define MAX_MODULES 32

struct boot_record {
    double init_uptime_ms;      /* CLOCK_BOOTTIME when /init started */
    double modules_ms;          /* loading all modules */
    struct module_load modules[MAX_MODULES];
    size_t n_modules;
};

extern struct boot_record boot_record;

/* Accesses per kind the mmio-cost step times (gpumed.cost_iterations=). */
extern unsigned cost_iterations;

/* Every bench step's count in percent of its full size (gpumed.bench_scale=). */
extern unsigned bench_scale;

/* The load record of a module by name ("i915"), or NULL if not attempted. */
const struct module_load *find_module_load(const char *name);

/* Loads the modules listed in list_path, in order; fills boot_record. */
void load_modules(const char *list_path, int timeout_s);

double boottime_ms(void);

/* The PCI address ("0000:00:02.0") of the vGPU, or false if absent. */
bool find_vgpu(char *addr, size_t size);

/* Prints one line on the console in one write (a GUEST-* record). */
void print_record(const char *line);

/* The IGT tests the igt step runs (gpumed.igt=) and a subtest's limit,
 * which is also an IGT benchmark's (gpumed.igt_bench=, step igt-bench). */
extern const char *igt_tests, *igt_not_run, *igt_bench;
extern int igt_timeout_s;

/* Reads a small file into buf without its trailing newline; false on error. */
bool read_text(const char *path, char *buf, size_t size);

/*
 * Ask the host to check the machine now (run-guest --host-hook, host.c):
 * prints "GUEST-SYNC step=<step> id=<n> <fields>" and waits for the host's
 * verdict, which is logged; true when the host says pass.
 */
bool host_sync(struct result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* How long host_sync() waits for the answer (gpumed.host_timeout). */
extern int host_timeout_ms;

/* The steps, one function each (step-*.c). */
step_fn step_pci, step_lspci, step_i915_bind, step_iommu;
step_fn step_dmesg;
step_fn step_timing, step_panic;
step_fn step_gvt, step_native, step_drm_nodes, step_connector, step_mmio_cost, step_fb_aperture;
step_fn step_fb_pattern, step_fbcon_vnc, step_fbcon_spice, step_fbcon_gtk, step_mode_switch,
    step_fb_x_tiled, step_kms_pattern;
step_fn step_gem_store, step_gem_blit, step_gem_loop, step_gem_contexts, step_gem_busy;
step_fn step_gem_relay;
step_fn step_mediator_loss;
step_fn step_hostile_ggtt_store, step_hostile_lri, step_hostile_jump;
step_fn step_hostile_unterminated, step_hostile_loop, step_hostile_ppgtt, step_hostile_iommu;
step_fn step_gem_victim;
step_fn step_igt, step_igt_bench;
step_fn step_bench_blit_1080p, step_bench_sdi_single, step_bench_sdi_queued;
step_fn step_bench_ctx_switch, step_bench_latency;

#endif
