/*
 * Steps about the vGPU as a PCI device: enumeration, driver binding, and
 * the IOMMU in front of it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"

#define PCI_DEVICES "/sys/bus/pci/devices"

static unsigned long read_hex_attr(const char *addr, const char *attr)
{
    char path[512], text[64];

    snprintf(path, sizeof(path), PCI_DEVICES "/%s/%s", addr, attr);
    return read_text(path, text, sizeof(text)) ? strtoul(text, NULL, 16) : 0;
}

bool find_vgpu(char *addr, size_t size)
{
    DIR *dir = opendir(PCI_DEVICES);
    struct dirent *e;
    bool found = false;

    if (!dir) {
        return false;
    }
    while (!found && (e = readdir(dir))) {
        if (e->d_name[0] != '.' &&
            read_hex_attr(e->d_name, "vendor") == VGPU_VENDOR &&
            read_hex_attr(e->d_name, "device") == VGPU_DEVICE) {
            snprintf(addr, size, "%s", e->d_name);
            found = true;
        }
    }
    closedir(dir);
    return found;
}

bool step_pci(struct result *r)
{
    char addr[64];

    if (!find_vgpu(addr, sizeof(addr))) {
        result_add(r, "error", "no-%04x:%04x-in-" PCI_DEVICES,
                   VGPU_VENDOR, VGPU_DEVICE);
        return false;
    }
    result_add(r, "addr", "%s", addr);
    result_add(r, "id", "%04lx:%04lx", read_hex_attr(addr, "vendor"),
               read_hex_attr(addr, "device"));
    result_add(r, "class", "0x%06lx", read_hex_attr(addr, "class"));
    result_add(r, "subsystem", "%04lx:%04lx",
               read_hex_attr(addr, "subsystem_vendor"),
               read_hex_attr(addr, "subsystem_device"));
    return true;
}

/*
 * The GPU sits behind an IOMMU that translates its DMA: the kernel put it
 * in an IOMMU group whose default domain is a translating one ("DMA", or
 * "DMA-FQ" with a flush queue), not "identity" (pass-through), so every
 * bus address i915 gives the GPU is an I/O virtual address.
 */
bool step_iommu(struct result *r)
{
    char addr[64], path[512], link[512], type[64];
    ssize_t n;

    if (!find_vgpu(addr, sizeof(addr))) {
        result_add(r, "error", "no-gpu");
        return false;
    }
    snprintf(path, sizeof(path), PCI_DEVICES "/%s/iommu_group", addr);
    n = readlink(path, link, sizeof(link) - 1);
    if (n < 0) {
        result_add(r, "error", "no-iommu-group");
        return false;
    }
    link[n] = '\0';
    result_add(r, "group", "%s", basename(link));
    snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/type", basename(link));
    if (!read_text(path, type, sizeof(type))) {
        result_add(r, "error", "no-group-type");
        return false;
    }
    type[strcspn(type, "\n")] = '\0';
    result_add(r, "type", "%s", type);
    return !strcmp(type, "DMA") || !strcmp(type, "DMA-FQ");
}

bool step_lspci(struct result *r)
{
    char needle[16], line[256];
    bool found = false;
    int out[2], status;
    FILE *lspci;
    pid_t pid;

    if (pipe(out) != 0 || (pid = fork()) < 0) {
        result_add(r, "error", "%s", strerror(errno));
        return false;
    }
    if (pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        close(out[0]);
        close(out[1]);
        execl("/usr/bin/lspci", "lspci", "-n", (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    snprintf(needle, sizeof(needle), "%04x:%04x", VGPU_VENDOR, VGPU_DEVICE);
    lspci = fdopen(out[0], "r");
    while (fgets(line, sizeof(line), lspci)) {
        line[strcspn(line, "\n")] = '\0';
        if (!found && strstr(line, needle)) {
            result_add(r, "line", "%s", line);
            found = true;
        } else {
            result_log(r, "%s", line);
        }
    }
    fclose(lspci);
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        result_add(r, "error", "lspci-status-%d", status);
        return false;
    }
    if (!found) {
        result_add(r, "error", "no-%s-line", needle);
    }
    return found;
}

/*
 * i915 may bind and still have declared its GT wedged while it initialised
 * it (intel_gt_init: "CI tainted", then every request fails with -EIO), and
 * every later step would fail or skip for a reason far from the cause.
 * i915's debugfs says so: i915_wedged reads 1 when the GT is terminally
 * wedged (intel_gt_debugfs_reset_show), 0 otherwise.
 */
static bool gt_usable(struct result *r, const char *addr)
{
    char path[512], text[16];
    struct dirent *e;
    DIR *dir;
    int minor = -1;

    snprintf(path, sizeof(path), PCI_DEVICES "/%s/drm", addr);
    dir = opendir(path);
    while (dir && minor < 0 && (e = readdir(dir))) {
        if (strncmp(e->d_name, "card", 4) == 0) {
            minor = atoi(e->d_name + 4);
        }
    }
    if (dir) {
        closedir(dir);
    }
    if (minor < 0) {
        result_add(r, "error", "no-drm-card");
        return false;
    }
    snprintf(path, sizeof(path), "/sys/kernel/debug/dri/%d/i915_wedged", minor);
    if (!read_text(path, text, sizeof(text))) {
        result_add(r, "error", "unreadable-i915_wedged");
        return false;
    }
    result_add(r, "wedged", "%s", text);
    return strcmp(text, "0") == 0;
}

bool step_i915_bind(struct result *r)
{
    const struct module_load *i915 = find_module_load("i915");
    char addr[64], path[512], target[512];
    const char *driver = "none";
    ssize_t n;

    result_add(r, "load", "%s", !i915 ? "not-attempted" :
               i915->error ? strerrorname_np(i915->error) : "ok");
    if (!find_vgpu(addr, sizeof(addr))) {
        result_add(r, "error", "no-vgpu");
        return false;
    }
    snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver", addr);
    n = readlink(path, target, sizeof(target) - 1);
    if (n > 0) {
        target[n] = '\0';
        driver = basename(target);
    }
    result_add(r, "driver", "%s", driver);
    return strcmp(driver, "i915") == 0 && gt_usable(r, addr);
}
