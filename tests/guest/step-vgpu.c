/*
 * Steps about what the guest driver made of the vGPU: vGPU mode, the DRM
 * and fbdev nodes, and the virtual monitor on a connector.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

#define DRM_CLASS "/sys/class/drm"
#define GVT_DETECTED "Virtual GPU for Intel GVT-g detected"
/* The default vGPU type's monitor (vgpu/vgpu.c: gpumed-8); gpumed.mode= overrides. */
#define DEFAULT_MODE "1024x768"
#define MODE_PARAM "gpumed.mode="

#define BAR0_SIZE (16u << 20)
#define GGTT_OFFSET (8u << 20)
#define FUSE2_REG 0x9120                /* tracked, read-only */
#define UNTRACKED_REG 0x8000            /* plain storage in the model */
#define PARTITION_PTES 8192             /* gpumed-8's aperture block */

/* i915 announces vGPU mode once, when it finds the PVINFO page: 1 if it
 * did, 0 if not, -1 when the kernel log cannot be read. */
static int gvt_announced(struct result *r)
{
    int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    char record[8192];
    bool found = false;
    ssize_t n;

    if (fd < 0) {
        result_add(r, "error", "/dev/kmsg:%s", strerror(errno));
        return -1;
    }
    while (!found && ((n = read(fd, record, sizeof(record) - 1)) > 0 ||
                      (n < 0 && errno == EPIPE))) {
        if (n > 0) {
            record[n] = '\0';
            found = strstr(record, GVT_DETECTED);
        }
    }
    close(fd);
    result_add(r, "detected", "%s", found ? "yes" : "no");
    return found;
}

bool step_gvt(struct result *r)
{
    return gvt_announced(r) == 1;
}

/* On pgpu-pci (no PVINFO) i915 drives the GPU natively: bound (the step
 * needs the driver) and never saying vGPU. */
bool step_native(struct result *r)
{
    return gvt_announced(r) == 0;
}

bool step_drm_nodes(struct result *r)
{
    static const char *const nodes[] = { "/dev/dri/card0", "/dev/fb0" };
    bool all = true;
    struct stat st;

    for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
        bool present = stat(nodes[i], &st) == 0 && S_ISCHR(st.st_mode);

        result_add(r, nodes[i] + 5, "%s", present ? "present" : "missing");
        all = all && present;
    }
    return all;
}

static bool connector_attr(const char *connector, const char *attr, char *buf,
                           size_t size)
{
    char path[512];

    snprintf(path, sizeof(path), DRM_CLASS "/%s/%s", connector, attr);
    return read_text(path, buf, size);
}

/* The mode the vGPU type's EDID announces, from the kernel command line. */
static void expected_mode(char *buf, size_t size)
{
    char cmdline[4096];
    const char *param;

    snprintf(buf, size, "%s", DEFAULT_MODE);
    if (read_text("/proc/cmdline", cmdline, sizeof(cmdline)) &&
        (param = strstr(cmdline, MODE_PARAM))) {
        param += strlen(MODE_PARAM);
        snprintf(buf, size, "%.*s", (int)strcspn(param, " \n"), param);
    }
}

/* Exactly one connector sees a monitor, and its preferred mode is the EDID's. */
bool step_connector(struct result *r)
{
    DIR *dir = opendir(DRM_CLASS);
    struct dirent *e;
    unsigned connected = 0;
    char mode[64] = "", expected[64];

    if (!dir) {
        result_add(r, "error", DRM_CLASS ":%s", strerror(errno));
        return false;
    }
    while ((e = readdir(dir))) {
        char status[64], modes[1024];

        if (strncmp(e->d_name, "card0-", 6) ||
            !connector_attr(e->d_name, "status", status, sizeof(status))) {
            continue;
        }
        result_log(r, "%s %s", e->d_name, status);
        if (strcmp(status, "connected")) {
            continue;
        }
        connected++;
        result_add(r, "connector", "%s", e->d_name);
        if (connector_attr(e->d_name, "modes", modes, sizeof(modes))) {
            snprintf(mode, sizeof(mode), "%.*s", (int)strcspn(modes, "\n"), modes);
        }
    }
    closedir(dir);
    result_add(r, "connected", "%u", connected);
    result_add(r, "mode", "%s", mode[0] ? mode : "none");
    expected_mode(expected, sizeof(expected));
    result_add(r, "expected", "%s", expected);
    return connected == 1 && !strcmp(mode, expected);
}

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/*
 * What one emulated access costs as the guest sees it (trap to return),
 * next to the same access to guest RAM, which does not trap.  Runs before
 * the driver binds, through the sysfs mapping of BAR0.
 */
bool step_mmio_cost(struct result *r)
{
    static volatile uint32_t ram[1024];
    char addr[64], path[256];
    volatile uint8_t *bar0;
    double t0, read_ns, write_ns, pte_ns, ram_ns;
    uint32_t sink = 0;
    int fd;

    if (!find_vgpu(addr, sizeof(addr))) {
        result_add(r, "error", "no-vgpu");
        return false;
    }
    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", addr);
    fd = open(path, O_RDWR | O_SYNC);
    bar0 = fd < 0 ? MAP_FAILED : mmap(NULL, BAR0_SIZE, PROT_READ | PROT_WRITE,
                                     MAP_SHARED, fd, 0);
    if (bar0 == MAP_FAILED) {
        result_add(r, "error", "%s:%s", path, strerror(errno));
        return false;
    }
    t0 = now_ns();
    for (unsigned i = 0; i < cost_iterations; i++) {
        sink += *(volatile uint32_t *)(bar0 + FUSE2_REG);
    }
    read_ns = (now_ns() - t0) / cost_iterations;
    t0 = now_ns();
    for (unsigned i = 0; i < cost_iterations; i++) {
        *(volatile uint32_t *)(bar0 + UNTRACKED_REG) = i;
    }
    write_ns = (now_ns() - t0) / cost_iterations;
    t0 = now_ns();
    for (unsigned i = 0; i < cost_iterations; i++) {
        *(volatile uint64_t *)(bar0 + GGTT_OFFSET + 8ull * (i % PARTITION_PTES)) = 0;
    }
    pte_ns = (now_ns() - t0) / cost_iterations;
    t0 = now_ns();
    for (unsigned i = 0; i < cost_iterations; i++) {
        sink += ram[i & 1023];
    }
    ram_ns = (now_ns() - t0) / cost_iterations;
    munmap((void *)bar0, BAR0_SIZE);
    close(fd);
    result_add(r, "mmio_read_ns", "%.0f", read_ns);
    result_add(r, "mmio_write_ns", "%.0f", write_ns);
    result_add(r, "ggtt_pte_write_ns", "%.0f", pte_ns);
    result_add(r, "ram_read_ns", "%.1f", ram_ns);
    result_add(r, "read_vs_ram", "%.0f", read_ns / ram_ns);
    (void)sink;
    return true;
}

/*
 * The fbdev framebuffer is reached through the aperture (BAR2): a pattern
 * written through its mapping must read back, at both ends of the buffer.
 */
bool step_fb_aperture(struct result *r)
{
    int fd = open("/dev/fb0", O_RDWR | O_CLOEXEC);
    char size_text[64], bpp_text[16];
    unsigned width = 0, height = 0, bpp = 32;
    size_t size, words, bad = 0;
    volatile uint32_t *fb;

    if (fd < 0 || !read_text("/sys/class/graphics/fb0/virtual_size", size_text,
                             sizeof(size_text))) {
        result_add(r, "error", "fb0:%s", strerror(errno));
        return false;
    }
    sscanf(size_text, "%u,%u", &width, &height);
    if (read_text("/sys/class/graphics/fb0/bits_per_pixel", bpp_text, sizeof(bpp_text))) {
        bpp = atoi(bpp_text);
    }
    size = (size_t)width * height * bpp / 8;
    fb = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (fb == MAP_FAILED) {
        result_add(r, "error", "mmap:%s", strerror(errno));
        close(fd);
        return false;
    }
    words = size / 4;
    for (size_t i = 0; i < 1024; i++) {
        fb[i] = 0x5a000000u | i;
        fb[words - 1 - i] = 0xa5000000u | i;
    }
    for (size_t i = 0; i < 1024; i++) {
        bad += fb[i] != (0x5a000000u | i);
        bad += fb[words - 1 - i] != (0xa5000000u | i);
    }
    munmap((void *)fb, size);
    close(fd);
    result_add(r, "fb_bytes", "%zu", size);
    result_add(r, "mismatches", "%zu", bad);
    return bad == 0;
}
