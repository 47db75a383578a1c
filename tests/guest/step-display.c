/*
 * step-display.c - what the guest shows is what the host sees: a known
 * picture through /dev/fb0, the fbcon text console, a mode change through
 * KMS and an X-tiled framebuffer, each checked by the host (run-guest --host-hook, with
 * tests/guest/display-check) while the guest waits.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "agent.h"
#include "pattern.h"

#include <errno.h>
#include <fcntl.h>
#include <libdrm/drm.h>
#include <libdrm/drm_fourcc.h>
#include <libdrm/drm_mode.h>
#include <libdrm/i915_drm.h>
#include <linux/fb.h>
#include <linux/kd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_MODES       64
#define MAX_CONNECTORS  8
#define MAX_ENCODERS    8
#define X_TILE_WIDTH    512     /* bytes */
#define X_TILE_ROWS     8
#define X_TILE_SIZE     4096

static void draw_pattern(volatile uint8_t *base, uint32_t pitch, uint32_t width,
                         uint32_t height, uint32_t seed)
{
    for (uint32_t y = 0; y < height; y++) {
        volatile uint32_t *row = (volatile uint32_t *)(base + (size_t)y * pitch);

        for (uint32_t x = 0; x < width; x++) {
            row[x] = pattern_pixel(x, y, seed);
        }
    }
}

/* fbcon stops drawing (text, cursor) on a console in graphics mode. */
static bool set_console_mode(struct result *r, int mode)
{
    int tty = open("/dev/tty1", O_RDWR | O_CLOEXEC);
    bool ok = tty >= 0 && ioctl(tty, KDSETMODE, mode) == 0;

    if (!ok) {
        result_add(r, "error", "KDSETMODE:%s", strerror(errno));
    }
    if (tty >= 0) {
        close(tty);
    }
    return ok;
}

bool step_fb_pattern(struct result *r)
{
    struct fb_var_screeninfo var;
    struct fb_fix_screeninfo fix;
    int fd = open("/dev/fb0", O_RDWR | O_CLOEXEC);
    uint8_t *fb;
    bool passed;

    if (fd < 0 || ioctl(fd, FBIOGET_VSCREENINFO, &var) || ioctl(fd, FBIOGET_FSCREENINFO, &fix)) {
        result_add(r, "error", "fb0:%s", strerror(errno));
        return false;
    }
    result_add(r, "mode", "%ux%u", var.xres, var.yres);
    if (var.bits_per_pixel != 32 || !set_console_mode(r, KD_GRAPHICS)) {
        result_add(r, "bpp", "%u", var.bits_per_pixel);
        close(fd);
        return false;
    }
    fb = mmap(NULL, fix.smem_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (fb == MAP_FAILED) {
        result_add(r, "error", "mmap:%s", strerror(errno));
        close(fd);
        return false;
    }
    draw_pattern(fb + (size_t)var.yoffset * fix.line_length + var.xoffset * 4,
                 fix.line_length, var.xres, var.yres, 1);
    passed = host_sync(r, "check=pattern seed=1 width=%u height=%u", var.xres, var.yres);
    munmap(fb, fix.smem_len);
    close(fd);
    return set_console_mode(r, KD_TEXT) && passed;
}

/* Text on fbcon's console, a steady picture for a display's client
 * (@client: a VNC or SPICE client, or QEMU's GTK window) to capture; the
 * host compares it with the screendump (display-check @check). */
static bool fbcon_text_for(struct result *r, const char *client, const char *check)
{
    char text[256];
    int len = snprintf(text, sizeof(text),
                       "\033[2J\033[H\033[?25l"     /* clear, home, hide the cursor */
                       "gpumed vGPU display test: fbcon through QEMU's %s display\r\n"
                       "The quick brown fox jumps over the lazy dog 0123456789\r\n"
                       "\033[1;32mgreen\033[0m \033[1;31mred\033[0m \033[1;34mblue\033[0m\r\n",
                       client);
    int tty = open("/dev/tty1", O_WRONLY | O_CLOEXEC);
    int blink = open("/sys/class/graphics/fbcon/cursor_blink", O_WRONLY | O_CLOEXEC);
    bool written;

    /* A blinking cursor would differ between the two captures. */
    if (blink < 0 || write(blink, "0", 1) != 1) {
        result_log(r, "cursor blink stays on: %s", strerror(errno));
    }
    if (blink >= 0) {
        close(blink);
    }
    written = tty >= 0 && write(tty, text, (size_t)len) == (ssize_t)len;
    if (tty >= 0) {
        close(tty);
    }
    if (!written) {
        result_add(r, "error", "tty1:%s", strerror(errno));
        return false;
    }
    usleep(100 * 1000);                     /* fbcon draws from a work item */
    return host_sync(r, "check=%s", check);
}

bool step_fbcon_vnc(struct result *r)
{
    return fbcon_text_for(r, "VNC", "vnc");
}

bool step_fbcon_spice(struct result *r)
{
    return fbcon_text_for(r, "SPICE", "spice");
}

bool step_fbcon_gtk(struct result *r)
{
    return fbcon_text_for(r, "GTK", "gtk");
}

static int drm_ioctl(int fd, unsigned long request, void *arg)
{
    int ret;

    do {
        ret = ioctl(fd, request, arg);
    } while (ret && (errno == EINTR || errno == EAGAIN));
    return ret;
}

/* The connected connector, its modes, and a CRTC its encoder can drive. */
struct kms_output {
    uint32_t connector, crtc;
    struct drm_mode_modeinfo modes[MAX_MODES];
    uint32_t count_modes;
};

static bool find_output(int fd, struct result *r, struct kms_output *out)
{
    uint32_t connectors[MAX_CONNECTORS], crtcs[MAX_CONNECTORS];
    struct drm_mode_card_res res = { 0 };

    if (drm_ioctl(fd, DRM_IOCTL_MODE_GETRESOURCES, &res) ||
        res.count_connectors > MAX_CONNECTORS || res.count_crtcs > MAX_CONNECTORS) {
        result_add(r, "error", "GETRESOURCES:%s", strerror(errno));
        return false;
    }
    res.connector_id_ptr = (uintptr_t)connectors;
    res.crtc_id_ptr = (uintptr_t)crtcs;
    res.count_fbs = res.count_encoders = 0;
    if (drm_ioctl(fd, DRM_IOCTL_MODE_GETRESOURCES, &res)) {
        result_add(r, "error", "GETRESOURCES:%s", strerror(errno));
        return false;
    }
    for (uint32_t i = 0; i < res.count_connectors; i++) {
        struct drm_mode_get_connector conn = { .connector_id = connectors[i] };
        struct drm_mode_get_encoder enc = { 0 };
        uint32_t encoders[MAX_ENCODERS];

        if (drm_ioctl(fd, DRM_IOCTL_MODE_GETCONNECTOR, &conn) ||
            conn.connection != 1 || !conn.count_modes || !conn.count_encoders) {
            result_log(r, "connector %u: connection %u, %u modes, %u encoders: not usable",
                       connectors[i], conn.connection, conn.count_modes, conn.count_encoders);
            continue;
        }
        conn.count_modes = conn.count_modes < MAX_MODES ? conn.count_modes : MAX_MODES;
        conn.modes_ptr = (uintptr_t)out->modes;
        conn.count_encoders = conn.count_encoders < MAX_ENCODERS ? conn.count_encoders
                                                                 : MAX_ENCODERS;
        conn.encoders_ptr = (uintptr_t)encoders;
        conn.count_props = 0;
        if (drm_ioctl(fd, DRM_IOCTL_MODE_GETCONNECTOR, &conn)) {
            continue;
        }
        /* No current encoder while nothing lit the output: one it may use. */
        enc.encoder_id = conn.encoder_id ? conn.encoder_id : encoders[0];
        if (drm_ioctl(fd, DRM_IOCTL_MODE_GETENCODER, &enc)) {
            continue;
        }
        /* No CRTC yet when nothing lit the output (no fbcon on fb0): one it may use. */
        for (uint32_t c = 0; !enc.crtc_id && c < res.count_crtcs; c++) {
            if (enc.possible_crtcs & (1u << c)) {
                enc.crtc_id = crtcs[c];
            }
        }
        if (!enc.crtc_id) {
            continue;
        }
        out->connector = connectors[i];
        out->crtc = enc.crtc_id;
        out->count_modes = conn.count_modes < MAX_MODES ? conn.count_modes : MAX_MODES;
        return true;
    }
    result_add(r, "error", "no-connected-output");
    return false;
}

/* Scan @fb_id out in @mode; the host checks it shows pattern @seed. */
static bool scan_out(int fd, struct result *r, const struct kms_output *out,
                     const struct drm_mode_modeinfo *mode, uint32_t fb_id, uint32_t seed)
{
    struct drm_mode_crtc crtc = {
        .crtc_id = out->crtc, .fb_id = fb_id,
        .set_connectors_ptr = (uintptr_t)&out->connector, .count_connectors = 1,
        .mode = *mode, .mode_valid = 1,
    };
    bool passed;

    if (drm_ioctl(fd, DRM_IOCTL_MODE_SETCRTC, &crtc)) {
        result_add(r, "error", "SETCRTC:%s", strerror(errno));
        return false;
    }
    result_add(r, "mode", "%ux%u", mode->hdisplay, mode->vdisplay);
    passed = host_sync(r, "check=pattern seed=%u width=%u height=%u", seed, mode->hdisplay,
                       mode->vdisplay);
    drm_ioctl(fd, DRM_IOCTL_MODE_RMFB, &fb_id);
    return passed;
}

/* Show the pattern in @mode through a dumb buffer; the host checks it. */
static bool show_mode(int fd, struct result *r, const struct kms_output *out,
                      const struct drm_mode_modeinfo *mode)
{
    struct drm_mode_create_dumb dumb = {
        .width = mode->hdisplay, .height = mode->vdisplay, .bpp = 32,
    };
    struct drm_mode_fb_cmd fb = {
        .width = mode->hdisplay, .height = mode->vdisplay, .bpp = 32, .depth = 24,
    };
    struct drm_mode_map_dumb map = { 0 };
    uint8_t *pixels;

    if (drm_ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &dumb)) {
        result_add(r, "error", "CREATE_DUMB:%s", strerror(errno));
        return false;
    }
    fb.pitch = dumb.pitch;
    fb.handle = map.handle = dumb.handle;
    if (drm_ioctl(fd, DRM_IOCTL_MODE_ADDFB, &fb) ||
        drm_ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map)) {
        result_add(r, "error", "ADDFB/MAP_DUMB:%s", strerror(errno));
        return false;
    }
    pixels = mmap(NULL, dumb.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, map.offset);
    if (pixels == MAP_FAILED) {
        result_add(r, "error", "mmap:%s", strerror(errno));
        return false;
    }
    draw_pattern(pixels, dumb.pitch, mode->hdisplay, mode->vdisplay, 2);
    munmap(pixels, dumb.size);
    return scan_out(fd, r, out, mode, fb.fb_id, 2);
}

/* The EDID's preferred mode of @out, or NULL. */
static const struct drm_mode_modeinfo *preferred_mode(const struct kms_output *out,
                                                      struct result *r)
{
    const struct drm_mode_modeinfo *native = NULL;

    for (uint32_t i = 0; i < out->count_modes; i++) {
        const struct drm_mode_modeinfo *m = &out->modes[i];

        result_log(r, "mode %ux%u@%u%s", m->hdisplay, m->vdisplay, m->vrefresh,
                   m->type & DRM_MODE_TYPE_PREFERRED ? " preferred" : "");
        if (!native && (m->type & DRM_MODE_TYPE_PREFERRED)) {
            native = m;
        }
    }
    return native;
}

/*
 * The pattern in the preferred mode through a KMS dumb buffer: i915 maps a
 * dumb buffer's pages to the CPU directly (write-combined), never through
 * the aperture BAR, so this shows the screen where each aperture access is
 * a trip to the device model (Xen, docs/xen.md).
 */
bool step_kms_pattern(struct result *r)
{
    int fd = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
    struct kms_output out = { 0 };
    const struct drm_mode_modeinfo *native;
    bool passed;

    if (fd < 0 || !find_output(fd, r, &out)) {
        result_add(r, "error", "card0:%s", strerror(errno));
        return false;
    }
    native = preferred_mode(&out, r);
    if (!native) {
        result_add(r, "error", "no-preferred-mode");
        close(fd);
        return false;
    }
    passed = show_mode(fd, r, &out, native);
    close(fd);
    return passed;
}

/*
 * Switch the monitor to another of the EDID's modes with KMS, then give it
 * back to fbcon (closing the device restores its mode): the host's console
 * follows both.
 */
bool step_mode_switch(struct result *r)
{
    int fd = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
    struct kms_output out = { 0 };
    const struct drm_mode_modeinfo *native, *other = NULL;
    struct fb_var_screeninfo var;
    bool passed;
    int fb_fd;

    if (fd < 0 || !find_output(fd, r, &out)) {
        result_add(r, "error", "card0:%s", strerror(errno));
        return false;
    }
    native = preferred_mode(&out, r);
    for (uint32_t i = 0; native && i < out.count_modes && !other; i++) {
        if (out.modes[i].hdisplay != native->hdisplay ||
            out.modes[i].vdisplay != native->vdisplay) {
            other = &out.modes[i];
        }
    }
    if (!native || !other) {
        result_add(r, "error", "no-second-mode");
        close(fd);
        return false;
    }
    result_add(r, "modes", "%u", out.count_modes);
    passed = show_mode(fd, r, &out, other);
    close(fd);

    fb_fd = open("/dev/fb0", O_RDONLY | O_CLOEXEC);
    if (fb_fd < 0 || ioctl(fb_fd, FBIOGET_VSCREENINFO, &var)) {
        result_add(r, "error", "fb0:%s", strerror(errno));
        return false;
    }
    close(fb_fd);
    usleep(100 * 1000);                     /* fbcon redraws from a work item */
    return host_sync(r, "check=size width=%u height=%u", var.xres, var.yres) && passed;
}

/*
 * The pattern laid out in X tiles by the agent itself (512 bytes x 8 rows
 * per 4 KiB tile, no swizzling on gen9), written raw into a GEM object, and
 * scanned out with the X-tiled modifier: the host must detile it.
 */
bool step_fb_x_tiled(struct result *r)
{
    int fd = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
    struct kms_output out = { 0 };
    const struct drm_mode_modeinfo *mode = NULL;
    uint32_t pitch, rows, tiles_per_row;
    struct drm_i915_gem_create create = { 0 };
    struct drm_i915_gem_pwrite pwrite = { 0 };
    struct drm_mode_fb_cmd2 fb = { .pixel_format = DRM_FORMAT_XRGB8888,
                                   .flags = DRM_MODE_FB_MODIFIERS };
    uint32_t *tiled;
    bool passed;

    if (fd < 0 || !find_output(fd, r, &out)) {
        result_add(r, "error", "card0:%s", strerror(errno));
        return false;
    }
    for (uint32_t i = 0; i < out.count_modes && !mode; i++) {
        if (out.modes[i].type & DRM_MODE_TYPE_PREFERRED) {
            mode = &out.modes[i];
        }
    }
    if (!mode) {
        result_add(r, "error", "no-preferred-mode");
        close(fd);
        return false;
    }
    pitch = (mode->hdisplay * 4 + X_TILE_WIDTH - 1) / X_TILE_WIDTH * X_TILE_WIDTH;
    rows = (mode->vdisplay + X_TILE_ROWS - 1) / X_TILE_ROWS * X_TILE_ROWS;
    tiles_per_row = pitch / X_TILE_WIDTH;
    create.size = (uint64_t)pitch * rows;
    tiled = calloc(1, create.size);
    if (!tiled || drm_ioctl(fd, DRM_IOCTL_I915_GEM_CREATE, &create)) {
        result_add(r, "error", "GEM_CREATE:%s", strerror(errno));
        free(tiled);
        close(fd);
        return false;
    }
    for (uint32_t y = 0; y < mode->vdisplay; y++) {
        for (uint32_t x = 0; x < mode->hdisplay; x++) {
            size_t tile = (size_t)y / X_TILE_ROWS * tiles_per_row + x * 4 / X_TILE_WIDTH;
            size_t byte = tile * X_TILE_SIZE + y % X_TILE_ROWS * X_TILE_WIDTH +
                          x * 4 % X_TILE_WIDTH;

            tiled[byte / 4] = pattern_pixel(x, y, 3);
        }
    }
    pwrite.handle = create.handle;
    pwrite.size = create.size;
    pwrite.data_ptr = (uintptr_t)tiled;
    fb.width = mode->hdisplay;
    fb.height = mode->vdisplay;
    fb.handles[0] = create.handle;
    fb.pitches[0] = pitch;
    fb.modifier[0] = I915_FORMAT_MOD_X_TILED;
    if (drm_ioctl(fd, DRM_IOCTL_I915_GEM_PWRITE, &pwrite) ||
        drm_ioctl(fd, DRM_IOCTL_MODE_ADDFB2, &fb)) {
        result_add(r, "error", "PWRITE/ADDFB2:%s", strerror(errno));
        free(tiled);
        close(fd);
        return false;
    }
    free(tiled);
    result_add(r, "pitch", "%u", pitch);
    passed = scan_out(fd, r, &out, mode, fb.fb_id, 3);
    close(fd);
    return passed;
}
