/*
 * Steps about the boot itself: how long it took, and a deliberate crash
 * that proves the harness turns a dead kernel into a failed test.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"

bool step_timing(struct result *r)
{
    const struct module_load *i915 = find_module_load("i915");

    result_add(r, "init_ms", "%.0f", boot_record.init_uptime_ms);
    result_add(r, "modules_ms", "%.0f", boot_record.modules_ms);
    for (size_t i = 0; i < boot_record.n_modules; i++) {
        const struct module_load *m = &boot_record.modules[i];

        result_log(r, "module=%s ms=%.1f result=%s", m->name, m->ms,
                   m->error ? strerrorname_np(m->error) : "ok");
    }
    result_add(r, "now_ms", "%.0f", boottime_ms());
    if (!i915) {
        result_add(r, "error", "i915-not-loaded");
        return false;
    }
    result_add(r, "i915_load_ms", "%.0f", i915->ms);
    /* A load that failed or hung measured no probe. */
    if (i915->error) {
        result_add(r, "error", "i915-load-%s", strerrorname_np(i915->error));
        return false;
    }
    return true;
}

bool step_panic(struct result *r)
{
    int fd = open("/proc/sysrq-trigger", O_WRONLY);

    if (fd < 0 || write(fd, "c", 1) != 1) {
        result_add(r, "error", "sysrq-trigger:%s", strerror(errno));
    }
    /* Still alive: the crash did not happen. */
    return false;
}
