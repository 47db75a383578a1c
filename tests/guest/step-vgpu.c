/*
 * Steps about what the guest driver made of the vGPU: vGPU mode, the DRM
 * and fbdev nodes, and the virtual monitor on a connector.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"

#define DRM_CLASS "/sys/class/drm"
#define GVT_DETECTED "Virtual GPU for Intel GVT-g detected"
/* The default vGPU type's monitor (vgpu/vgpu.c: gpumed-8). */
#define EXPECTED_MODE "1024x768"

/* i915 announces vGPU mode once, when it finds the PVINFO page. */
bool step_gvt(struct result *r)
{
    int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    char record[8192];
    bool found = false;
    ssize_t n;

    if (fd < 0) {
        result_add(r, "error", "/dev/kmsg:%s", strerror(errno));
        return false;
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

/* Exactly one connector sees a monitor, and its preferred mode is the EDID's. */
bool step_connector(struct result *r)
{
    DIR *dir = opendir(DRM_CLASS);
    struct dirent *e;
    unsigned connected = 0;
    char mode[64] = "";

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
    return connected == 1 && !strcmp(mode, EXPECTED_MODE);
}
