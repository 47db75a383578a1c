/*
 * vgpu.c - vGPU lifecycle and BAR0 dispatch.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "vgpu/vgpu.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VGPU_NAME_MAX 64

/* A guest that keeps misbehaving must not flood the host log. */
#define GUEST_ERROR_LOG_BURST 16

struct vgpu {
    char name[VGPU_NAME_MAX];
    uint64_t aperture_size;
    uint8_t *mmio;              /* VGPU_MMIO_SIZE bytes of register storage */
    uint8_t *ggtt;              /* VGPU_GGTT_SIZE bytes: the guest's GGTT PTEs */
    struct vgpu_stats stats;
    unsigned guest_errors_logged;
};

static void vgpu_guest_error(struct vgpu *vgpu, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void vgpu_guest_error(struct vgpu *vgpu, const char *fmt, ...)
{
    va_list ap;

    if (vgpu->guest_errors_logged >= GUEST_ERROR_LOG_BURST) {
        return;
    }
    if (++vgpu->guest_errors_logged == GUEST_ERROR_LOG_BURST) {
        fprintf(stderr, "gpumed: vgpu %s: further guest errors are only counted\n",
                vgpu->name);
    }
    fprintf(stderr, "gpumed: vgpu %s: guest error: ", vgpu->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static bool is_power_of_2(uint64_t x)
{
    return x && !(x & (x - 1));
}

struct vgpu *vgpu_create(const struct vgpu_config *config)
{
    struct vgpu *vgpu;

    if (!config->name || !config->name[0] ||
        strlen(config->name) >= VGPU_NAME_MAX ||
        !is_power_of_2(config->aperture_size) ||
        config->aperture_size < VGPU_APERTURE_MIN ||
        config->aperture_size > VGPU_APERTURE_MAX) {
        errno = EINVAL;
        return NULL;
    }
    vgpu = calloc(1, sizeof(*vgpu));
    if (!vgpu) {
        return NULL;
    }
    strcpy(vgpu->name, config->name);
    vgpu->aperture_size = config->aperture_size;
    vgpu->mmio = calloc(1, VGPU_MMIO_SIZE);
    vgpu->ggtt = calloc(1, VGPU_GGTT_SIZE);
    if (!vgpu->mmio || !vgpu->ggtt) {
        vgpu_destroy(vgpu);
        errno = ENOMEM;
        return NULL;
    }
    return vgpu;
}

void vgpu_destroy(struct vgpu *vgpu)
{
    if (!vgpu) {
        return;
    }
    free(vgpu->mmio);
    free(vgpu->ggtt);
    free(vgpu);
}

void vgpu_reset(struct vgpu *vgpu)
{
    memset(vgpu->mmio, 0, VGPU_MMIO_SIZE);
    memset(vgpu->ggtt, 0, VGPU_GGTT_SIZE);
}

static bool access_size_valid(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

/*
 * Return the storage backing [offset, offset + size) of BAR0, or NULL when
 * the access is malformed or straddles a decoded range.
 */
static uint8_t *bar0_storage(struct vgpu *vgpu, uint64_t offset, unsigned size)
{
    if (!access_size_valid(size) || offset > VGPU_BAR0_SIZE - size) {
        return NULL;
    }
    if (offset + size <= VGPU_MMIO_SIZE) {
        return vgpu->mmio + offset;
    }
    if (offset >= VGPU_GGTT_OFFSET &&
        offset + size <= (uint64_t)VGPU_GGTT_OFFSET + VGPU_GGTT_SIZE) {
        return vgpu->ggtt + (offset - VGPU_GGTT_OFFSET);
    }
    return NULL;
}

/* Registers and PTEs are little-endian, as on the hardware. */
static uint64_t load_le(const uint8_t *p, unsigned size)
{
    uint64_t value = 0;

    for (unsigned i = 0; i < size; i++) {
        value |= (uint64_t)p[i] << (8 * i);
    }
    return value;
}

static void store_le(uint8_t *p, uint64_t value, unsigned size)
{
    for (unsigned i = 0; i < size; i++) {
        p[i] = value >> (8 * i);
    }
}

uint64_t vgpu_bar0_read(struct vgpu *vgpu, uint64_t offset, unsigned size)
{
    const uint8_t *p = bar0_storage(vgpu, offset, size);

    if (!p) {
        vgpu->stats.bad_mmio_access++;
        vgpu_guest_error(vgpu, "BAR0 read of %u bytes at 0x%llx ignored",
                         size, (unsigned long long)offset);
        return 0;
    }
    return load_le(p, size);
}

void vgpu_bar0_write(struct vgpu *vgpu, uint64_t offset, uint64_t value,
                     unsigned size)
{
    uint8_t *p = bar0_storage(vgpu, offset, size);

    if (!p) {
        vgpu->stats.bad_mmio_access++;
        vgpu_guest_error(vgpu, "BAR0 write of %u bytes at 0x%llx ignored",
                         size, (unsigned long long)offset);
        return;
    }
    store_le(p, value, size);
}

const struct vgpu_stats *vgpu_get_stats(const struct vgpu *vgpu)
{
    return &vgpu->stats;
}

const char *vgpu_name(const struct vgpu *vgpu)
{
    return vgpu->name;
}
