/*
 * The guest agent's main: PID 1 of the test guest (see agent.h).
 *
 * Kernel command line parameters (read from /proc/cmdline, because the kernel
 * keeps dotted parameters from init):
 *   gpumed.steps=a,b,c        the steps to run, in order
 *   gpumed.load_timeout=<s>   give up on a module load after this (default 60)
 *   gpumed.host=<name>        add host=<name> to every result (tests/xen: xen)
 *   gpumed.cost_iterations=<n> accesses per kind in mmio-cost (default 20000;
 *                             fewer where a trip costs milliseconds: Xen under TCG)
 *   gpumed.host_timeout=<s>   wait this long for the host's answer to a
 *                             GUEST-SYNC (default 60; run-guest --hook-timeout)
 *   gpumed.igt=<test>,...     the IGT tests the igt step runs (run-guest --igt)
 *   gpumed.igt_timeout=<s>    the time limit of one IGT subtest (default 60)
 *   gpumed.igt_not_run=<test>@<subtest>,...  IGT subtests the igt step leaves out
 *   gpumed.igt_bench=<benchmark>[:<arg>...],...  the IGT benchmarks the igt-bench
 *                             step runs, one entry per run of the step
 *   gpumed.bench_scale=<percent> the bench steps' counts in percent of their full
 *                             size (default 100; step-bench.c)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

#define MODULE_LIST "/lib/modules/load-order"

struct boot_record boot_record;
static const char *host_name;
unsigned cost_iterations = 20000;

double boottime_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_BOOTTIME, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

bool read_text(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0) {
        return false;
    }
    n = read(fd, buf, size - 1);
    close(fd);
    if (n < 0) {
        return false;
    }
    while (n > 0 && buf[n - 1] == '\n') {
        n--;
    }
    buf[n] = '\0';
    return true;
}

/* One write per line, so that kernel messages do not split our lines. */
void print_record(const char *line)
{
    char buf[4096];
    int n = snprintf(buf, sizeof(buf) - 1, "%s", line);

    /* One buffer: the tty may take two iovecs apart, and printk between them. */
    n = n < (int)sizeof(buf) - 1 ? n : (int)sizeof(buf) - 2;
    buf[n++] = '\n';
    if (write(STDOUT_FILENO, buf, n) < 0) {
        /* Nothing to report to: the console is the only channel. */
    }
}

/* Control characters would break the one-line-per-record protocol. */
static void sanitize(char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f) {
            *s = ' ';
        }
    }
}

void result_add(struct result *r, const char *key, const char *fmt, ...)
{
    char value[512];
    bool quote;
    va_list ap;
    size_t room = sizeof(r->fields) - r->len;
    int n;

    va_start(ap, fmt);
    vsnprintf(value, sizeof(value), fmt, ap);
    va_end(ap);
    sanitize(value);
    quote = !value[0] || strpbrk(value, " \"=") != NULL;
    if (quote) {
        /* Quotes inside a quoted value become apostrophes: no escaping rules. */
        for (char *q = value; (q = strchr(q, '"')); q++) {
            *q = '\'';
        }
        n = snprintf(r->fields + r->len, room, " %s=\"%s\"", key, value);
    } else {
        n = snprintf(r->fields + r->len, room, " %s=%s", key, value);
    }
    if (n > 0) {
        r->len += (size_t)n < room ? (size_t)n : room - 1;
    }
}

void result_log(const struct result *r, const char *fmt, ...)
{
    char text[1024];
    char line[1100];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    sanitize(text);
    snprintf(line, sizeof(line), "GUEST-LOG step=%s %s", r->step, text);
    print_record(line);
}

static void run_step(const char *name, int load_timeout)
{
    static bool driver_loaded;
    struct result r = { .step = name };
    char line[sizeof(r.fields) + 128];
    bool passed = false;
    size_t i;

    for (i = 0; i < n_steps && strcmp(steps[i].name, name) != 0; i++) {
    }
    if (i < n_steps) {
        if (steps[i].needs_driver && !driver_loaded) {
            load_modules(MODULE_LIST, load_timeout);
            driver_loaded = true;
        }
        passed = steps[i].run(&r);
    } else {
        result_add(&r, "error", "unknown-step");
    }
    if (host_name) {
        result_add(&r, "host", "%s", host_name);
    }
    snprintf(line, sizeof(line), "GUEST-RESULT step=%s status=%s%s",
             name, passed ? "pass" : "fail", r.fields);
    print_record(line);
}

/*
 * The value of a "key=value" word of the kernel command line, or NULL.
 * The last one counts, so that a later word overrides the harness's default.
 */
static char *cmdline_param(char *cmdline, const char *key)
{
    size_t key_len = strlen(key);
    char *value = NULL;

    for (char *word = strtok(cmdline, " "); word; word = strtok(NULL, " ")) {
        if (strncmp(word, key, key_len) == 0 && word[key_len] == '=') {
            value = word + key_len + 1;
        }
    }
    return value;
}

static void mount_filesystems(void)
{
    mkdir("/proc", 0555);
    mkdir("/sys", 0555);
    mkdir("/dev", 0755);
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, NULL);
    /* Where i915 reports its state (i915_wedged, drop_caches), mounted as
     * Debian's systemd mounts it. */
    mount("debugfs", "/sys/kernel/debug", "debugfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

/* Without a /dev/console in the initramfs the kernel gives init no stdio. */
static void open_console(void)
{
    int fd;

    if (fcntl(STDOUT_FILENO, F_GETFD) >= 0) {
        return;
    }
    fd = open("/dev/console", O_RDWR);
    if (fd >= 0) {
        dup2(fd, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        if (fd > STDERR_FILENO) {
            close(fd);
        }
    }
}

int main(void)
{
    static char host_param[4096], igt_param[4096], igt_not_run_param[4096];
    static char igt_bench_param[4096];
    char cmdline[4096], steps_param[4096], cost_param[4096], cmdline_copy[4096];
    char *value;
    int load_timeout = 60;

    boot_record.init_uptime_ms = boottime_ms();
    mount_filesystems();
    open_console();

    if (!read_text("/proc/cmdline", cmdline, sizeof(cmdline))) {
        cmdline[0] = '\0';
    }
    memcpy(steps_param, cmdline, sizeof(cmdline));
    memcpy(cmdline_copy, cmdline, sizeof(cmdline));
    memcpy(host_param, cmdline, sizeof(cmdline));
    host_name = cmdline_param(host_param, "gpumed.host");
    value = cmdline_param(cmdline, "gpumed.load_timeout");
    if (value && atoi(value) > 0) {
        load_timeout = atoi(value);
    }

    memcpy(cost_param, cmdline_copy, sizeof(cmdline));
    value = cmdline_param(cost_param, "gpumed.cost_iterations");
    if (value && atoi(value) > 0) {
        cost_iterations = (unsigned)atoi(value);
    }
    memcpy(cost_param, cmdline_copy, sizeof(cmdline));
    value = cmdline_param(cost_param, "gpumed.bench_scale");
    if (value && atoi(value) > 0) {
        bench_scale = (unsigned)atoi(value);
    }
    memcpy(cost_param, cmdline_copy, sizeof(cmdline));
    value = cmdline_param(cost_param, "gpumed.host_timeout");
    if (value && atoi(value) > 0) {
        host_timeout_ms = atoi(value) * 1000;
    }

    memcpy(cost_param, cmdline_copy, sizeof(cmdline));
    value = cmdline_param(cost_param, "gpumed.igt_timeout");
    if (value && atoi(value) > 0) {
        igt_timeout_s = atoi(value);
    }
    memcpy(igt_param, cmdline_copy, sizeof(cmdline));
    igt_tests = cmdline_param(igt_param, "gpumed.igt");
    memcpy(igt_not_run_param, cmdline_copy, sizeof(cmdline));
    igt_not_run = cmdline_param(igt_not_run_param, "gpumed.igt_not_run");
    memcpy(igt_bench_param, cmdline_copy, sizeof(cmdline));
    igt_bench = cmdline_param(igt_bench_param, "gpumed.igt_bench");

    value = cmdline_param(steps_param, "gpumed.steps");
    if (value) {
        char *saveptr = NULL;

        for (char *name = strtok_r(value, ",", &saveptr); name;
             name = strtok_r(NULL, ",", &saveptr)) {
            run_step(name, load_timeout);
        }
    }

    sync();
    reboot(RB_POWER_OFF);
    /* PID 1 must not exit: that panics the kernel. */
    for (;;) {
        pause();
    }
}
