/*
 * gpumed-xen-screen: does the Xen guest's screen show the agent's picture?
 * The Xen test's dom0 (tests/xen/dom0-init) answers the agent's
 * kms-pattern with it, as tests/guest/display-check answers it outside Xen:
 * the picture is pattern_pixel() of every position (tests/guest/pattern.h)
 * at the size the guest set, pixel for pixel.  Two captures:
 *
 *   gpumed-xen-screen ppm FILE SEED WIDTH HEIGHT
 *       a screendump (PPM, as QEMU's `screendump` writes it)
 *   gpumed-xen-screen vnc HOST:PORT SEED WIDTH HEIGHT
 *       the VNC server's framebuffer, read as a VNC client does (RFB 3.8,
 *       no authentication, raw encoding, 32-bit true colour): what the xl
 *       config's vnc = 1 shows its users
 *
 * Prints one line of key=value results (prefixed vnc_ for a VNC capture);
 * exit status 0 when the picture is the pattern, 1 when it is not or could
 * not be read (error=...), 2 for a usage error.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "pattern.h"

/* A VNC server that says nothing for this long has failed the capture. */
#define VNC_TIMEOUT_SECONDS     120
/* Larger than any mode the vGPU's EDID offers (docs/vgpu.md). */
#define MAX_DIMENSION           8192

struct picture {
    uint32_t width, height;
    uint32_t *pixels;           /* XRGB8888, rows top to bottom */
};

/* Compares @pic with the pattern of @seed at @width x @height; prints the verdict. */
static bool check_picture(const struct picture *pic, const char *prefix, uint32_t seed,
                          uint32_t width, uint32_t height)
{
    uint64_t bad = 0;
    uint32_t first_x = 0, first_y = 0;

    if (pic->width != width || pic->height != height) {
        printf("%ssize=%ux%u %swant=%ux%u\n", prefix, pic->width, pic->height, prefix,
               width, height);
        return false;
    }
    for (uint32_t y = 0; y < height; y++) {
        for (uint32_t x = 0; x < width; x++) {
            if ((pic->pixels[(size_t)y * width + x] & 0xffffff) !=
                (pattern_pixel(x, y, seed) & 0xffffff) && !bad++) {
                first_x = x;
                first_y = y;
            }
        }
    }
    printf("%ssize=%ux%u %smismatches=%llu", prefix, width, height, prefix,
           (unsigned long long)bad);
    if (bad) {
        printf(" %sfirst=%u,%u", prefix, first_x, first_y);
    }
    printf("\n");
    return bad == 0;
}

/* The next number of a PPM header (whitespace and comments before it). */
static bool ppm_number(FILE *f, uint32_t *value)
{
    int c = fgetc(f);

    while (c == '#' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        if (c == '#') {
            while (c != '\n' && c != EOF) {
                c = fgetc(f);
            }
        }
        c = fgetc(f);
    }
    *value = 0;
    if (c < '0' || c > '9') {
        return false;
    }
    while (c >= '0' && c <= '9') {
        *value = *value * 10 + (uint32_t)(c - '0');
        if (*value > 1000000) {
            return false;
        }
        c = fgetc(f);
    }
    /* The one whitespace character that ends the number. */
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool read_ppm(const char *path, struct picture *pic)
{
    FILE *f = fopen(path, "rb");
    uint32_t maxval;
    bool ok;

    if (!f) {
        printf("error=no-screendump file=%s errno=%s\n", path, strerror(errno));
        return false;
    }
    ok = fgetc(f) == 'P' && fgetc(f) == '6' && ppm_number(f, &pic->width) &&
         ppm_number(f, &pic->height) && ppm_number(f, &maxval) && maxval == 255 &&
         pic->width && pic->height && pic->width <= MAX_DIMENSION &&
         pic->height <= MAX_DIMENSION;
    if (!ok) {
        printf("error=not-a-screendump file=%s (no 8-bit P6 header)\n", path);
        fclose(f);
        return false;
    }
    pic->pixels = calloc((size_t)pic->width * pic->height, sizeof(uint32_t));
    for (size_t i = 0; ok && i < (size_t)pic->width * pic->height; i++) {
        uint8_t rgb[3];

        ok = fread(rgb, 3, 1, f) == 1;
        pic->pixels[i] = (uint32_t)rgb[0] << 16 | (uint32_t)rgb[1] << 8 | rgb[2];
    }
    fclose(f);
    if (!ok) {
        printf("error=truncated-screendump file=%s size=%ux%u\n", path, pic->width,
               pic->height);
    }
    return ok;
}

/* ---- the VNC capture ---- */

static bool recv_all(int fd, void *buf, size_t len)
{
    uint8_t *p = buf;

    while (len) {
        ssize_t n = recv(fd, p, len, 0);

        if (n <= 0) {
            if (n == 0) {
                errno = ECONNRESET;
            }
            return false;
        }
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static bool send_all(int fd, const void *buf, size_t len)
{
    return send(fd, buf, len, MSG_NOSIGNAL) == (ssize_t)len;
}

static bool skip(int fd, size_t len)
{
    uint8_t buf[256];

    while (len) {
        size_t n = len < sizeof(buf) ? len : sizeof(buf);

        if (!recv_all(fd, buf, n)) {
            return false;
        }
        len -= n;
    }
    return true;
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int vnc_connect(const char *target)
{
    char host[256];
    const char *colon = strrchr(target, ':');
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai;
    struct timeval tv = { .tv_sec = VNC_TIMEOUT_SECONDS };
    int fd, err;

    if (!colon || (size_t)(colon - target) >= sizeof(host)) {
        errno = EINVAL;
        return -1;
    }
    memcpy(host, target, (size_t)(colon - target));
    host[colon - target] = '\0';
    err = getaddrinfo(host, colon + 1, &hints, &ai);
    if (err) {
        errno = err == EAI_SYSTEM ? errno : EHOSTUNREACH;
        return -1;
    }
    fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd >= 0 && (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
                    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
                    connect(fd, ai->ai_addr, ai->ai_addrlen))) {
        err = errno;
        close(fd);
        errno = err;
        fd = -1;
    }
    freeaddrinfo(ai);
    return fd;
}

/* RFB 3.8's handshake without authentication, up to the server's size. */
static const char *vnc_handshake(int fd, struct picture *pic)
{
    static const char version[12] = "RFB 003.008\n";
    uint8_t buf[24], count, types[255], none = 1, shared = 1;
    bool has_none = false;

    if (!recv_all(fd, buf, 12) || memcmp(buf, "RFB 003.", 8) ||
        !send_all(fd, version, sizeof(version)) || !recv_all(fd, &count, 1)) {
        return "no-rfb-server";
    }
    if (!count || !recv_all(fd, types, count)) {
        return "security-refused";
    }
    for (unsigned i = 0; i < count; i++) {
        has_none |= types[i] == none;
    }
    if (!has_none) {
        return "authentication-required";
    }
    if (!send_all(fd, &none, 1) || !recv_all(fd, buf, 4) || be32(buf) != 0) {
        return "security-failed";
    }
    /* ServerInit: width, height, pixel format (16 bytes), name. */
    if (!send_all(fd, &shared, 1) || !recv_all(fd, buf, 24) || !skip(fd, be32(buf + 20))) {
        return "no-server-init";
    }
    pic->width = be16(buf);
    pic->height = be16(buf + 2);
    return NULL;
}

/* Asks for the whole framebuffer as 32-bit XRGB, raw. */
static bool vnc_request(int fd, const struct picture *pic, bool set_format)
{
    static const uint8_t format[20] = {
        0, 0, 0, 0,                                 /* SetPixelFormat, padding */
        32, 24, 0, 1,                               /* bpp, depth, little endian, true colour */
        0, 255, 0, 255, 0, 255,                     /* red, green, blue maximum */
        16, 8, 0, 0, 0, 0,                          /* red, green, blue shift, padding */
    };
    static const uint8_t raw_only[8] = { 2, 0, 0, 1, 0, 0, 0, 0 };   /* SetEncodings: raw */
    uint8_t update[10] = { 3, 0, 0, 0, 0, 0,        /* not incremental, from 0,0 */
                           (uint8_t)(pic->width >> 8), (uint8_t)pic->width,
                           (uint8_t)(pic->height >> 8), (uint8_t)pic->height };

    return (!set_format || (send_all(fd, format, sizeof(format)) &&
                            send_all(fd, raw_only, sizeof(raw_only)))) &&
           send_all(fd, update, sizeof(update));
}

/* One FramebufferUpdate's rectangles into @pic; counts newly covered pixels. */
static const char *vnc_rectangles(int fd, struct picture *pic, uint8_t *covered,
                                  uint64_t *covered_count)
{
    uint8_t head[12];
    uint16_t rects;

    if (!recv_all(fd, head, 3)) {
        return "connection-lost";
    }
    rects = be16(head + 1);
    for (uint16_t r = 0; r < rects; r++) {
        uint16_t x, y, w, h;

        if (!recv_all(fd, head, 12)) {
            return "connection-lost";
        }
        x = be16(head);
        y = be16(head + 2);
        w = be16(head + 4);
        h = be16(head + 6);
        if (be32(head + 8) != 0) {
            return "not-raw-encoding";
        }
        if ((uint32_t)x + w > pic->width || (uint32_t)y + h > pic->height) {
            return "rectangle-outside-framebuffer";
        }
        for (uint32_t row = y; row < (uint32_t)y + h; row++) {
            uint8_t line[4 * MAX_DIMENSION];

            if (!recv_all(fd, line, (size_t)w * 4)) {
                return "connection-lost";
            }
            for (uint32_t i = 0; i < w; i++) {
                size_t at = (size_t)row * pic->width + x + i;

                pic->pixels[at] = (uint32_t)line[4 * i] | (uint32_t)line[4 * i + 1] << 8 |
                                  (uint32_t)line[4 * i + 2] << 16;
                *covered_count += !covered[at];
                covered[at] = 1;
            }
        }
    }
    return NULL;
}

/* The server's framebuffer, once every pixel of it arrived. */
static const char *vnc_capture(int fd, struct picture *pic)
{
    uint64_t covered_count = 0, total;
    uint8_t *covered;
    const char *error;

    error = vnc_handshake(fd, pic);
    if (error) {
        return error;
    }
    if (!pic->width || !pic->height || pic->width > MAX_DIMENSION ||
        pic->height > MAX_DIMENSION) {
        return "bad-size";
    }
    total = (uint64_t)pic->width * pic->height;
    pic->pixels = calloc(total, sizeof(uint32_t));
    covered = calloc(total, 1);
    error = vnc_request(fd, pic, true) ? NULL : "request-failed";
    while (!error && covered_count < total) {
        uint8_t type, buf[8];

        if (!recv_all(fd, &type, 1)) {
            error = "connection-lost";
        } else if (type == 0) {             /* FramebufferUpdate */
            error = vnc_rectangles(fd, pic, covered, &covered_count);
            if (!error && covered_count < total && !vnc_request(fd, pic, false)) {
                error = "request-failed";
            }
        } else if (type == 1) {             /* SetColourMapEntries: not for true colour */
            error = recv_all(fd, buf, 5) && skip(fd, (size_t)be16(buf + 3) * 6) ? NULL
                                                                                : "connection-lost";
        } else if (type == 2) {             /* Bell */
        } else if (type == 3) {             /* ServerCutText */
            error = recv_all(fd, buf, 7) && skip(fd, be32(buf + 3)) ? NULL : "connection-lost";
        } else {
            error = "unknown-server-message";
        }
    }
    free(covered);
    return error;
}

static bool check_vnc(const char *target, uint32_t seed, uint32_t width, uint32_t height)
{
    struct picture pic = { 0 };
    const char *error;
    int fd = vnc_connect(target);
    bool ok;

    if (fd < 0) {
        printf("vnc_error=no-connection vnc=%s errno=%s\n", target, strerror(errno));
        return false;
    }
    errno = 0;
    error = vnc_capture(fd, &pic);
    if (error) {
        printf("vnc_error=%s vnc=%s%s%s\n", error, target, errno ? " errno=" : "",
               errno ? strerror(errno) : "");
        ok = false;
    } else {
        ok = check_picture(&pic, "vnc_", seed, width, height);
    }
    close(fd);
    free(pic.pixels);
    return ok;
}

int main(int argc, char **argv)
{
    unsigned long seed, width, height;
    struct picture pic = { 0 };
    bool ok;

    if (argc != 6 || sscanf(argv[3], "%lu", &seed) != 1 ||
        sscanf(argv[4], "%lu", &width) != 1 || sscanf(argv[5], "%lu", &height) != 1 ||
        seed > UINT32_MAX || !width || !height || width > MAX_DIMENSION ||
        height > MAX_DIMENSION || (strcmp(argv[1], "ppm") && strcmp(argv[1], "vnc"))) {
        fprintf(stderr, "usage: gpumed-xen-screen ppm FILE SEED WIDTH HEIGHT\n"
                        "       gpumed-xen-screen vnc HOST:PORT SEED WIDTH HEIGHT\n");
        return 2;
    }
    if (!strcmp(argv[1], "vnc")) {
        return check_vnc(argv[2], (uint32_t)seed, (uint32_t)width, (uint32_t)height) ? 0 : 1;
    }
    ok = read_ppm(argv[2], &pic) &&
         check_picture(&pic, "", (uint32_t)seed, (uint32_t)width, (uint32_t)height);
    free(pic.pixels);
    return ok ? 0 : 1;
}
