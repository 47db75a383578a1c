/*
 * vgpu.c - vGPU lifecycle and BAR0 dispatch.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "vgpu/private.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "register and PTE storage is kept in host order = guest order");

/* A guest that keeps misbehaving must not flood the host log. */
#define GUEST_ERROR_LOG_BURST 16


/* One log line of a @kind whose lines *@logged counts, up to a burst. */
static void log_limited(const struct vgpu *vgpu, unsigned *logged, const char *kind,
                        const char *fmt, va_list ap)
{
    if (*logged >= GUEST_ERROR_LOG_BURST) {
        return;
    }
    fprintf(stderr, "gpumed: vgpu %s: %s: ", vgpu->name, kind);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    if (++*logged == GUEST_ERROR_LOG_BURST) {
        fprintf(stderr, "gpumed: vgpu %s: further lines of '%s' are only counted\n",
                vgpu->name, kind);
    }
}

void vgpu_guest_error(struct vgpu *vgpu, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_limited(vgpu, &vgpu->guest_errors_logged, "guest error", fmt, ap);
    va_end(ap);
}

void vgpu_mediator_behind(struct vgpu *vgpu, enum vgpu_behind what, const char *fmt, ...)
{
    static const char *const kinds[VGPU_BEHIND_COUNT] = {
        [VGPU_BEHIND_ELSP] = "the mediator is behind, ELSP",
        [VGPU_BEHIND_PPGTT] = "the mediator is behind, PPGTT",
    };
    va_list ap;

    if (what == VGPU_BEHIND_ELSP) {
        vgpu->stats.elsp_mediator_behind++;
    } else {
        vgpu->stats.ppgtt_mediator_behind++;
    }
    va_start(ap, fmt);
    log_limited(vgpu, &vgpu->mediator_behind_logged[what], kinds[what], fmt, ap);
    va_end(ap);
}

#define DIRTY_PAGE_SHIFT 12

static bool dirty_init(struct dirty_pages *d, size_t bytes)
{
    d->npages = bytes >> DIRTY_PAGE_SHIFT;
    d->bits = calloc((d->npages + 63) / 64, sizeof(uint64_t));
    return d->bits;
}

void vgpu_dirty_mark(struct dirty_pages *d, size_t byte_offset)
{
    size_t page = byte_offset >> DIRTY_PAGE_SHIFT;

    d->bits[page / 64] |= 1ull << (page % 64);
}

/* Zero the pages written since the last clear: reset costs what was used. */
void vgpu_dirty_clear(struct dirty_pages *d, void *storage)
{
    for (size_t w = 0; w < (d->npages + 63) / 64; w++) {
        while (d->bits[w]) {
            size_t page = w * 64 + __builtin_ctzll(d->bits[w]);

            memset((uint8_t *)storage + (page << DIRTY_PAGE_SHIFT), 0,
                   1u << DIRTY_PAGE_SHIFT);
            d->bits[w] &= d->bits[w] - 1;
        }
    }
}

static bool is_power_of_2(uint64_t x)
{
    return x && !(x & (x - 1));
}

static bool partition_valid(const struct vgpu_config *c)
{
    const struct wire_vgpu_type *t = c->type;
    uint64_t page_mask = VGPU_GGTT_PAGE_SIZE - 1;

    return !((c->aperture_base | c->hidden_base | t->aperture_size |
              t->hidden_size) & page_mask) &&
           t->aperture_size && c->aperture_base + t->aperture_size <= c->host_aperture_size &&
           c->hidden_base >= c->host_aperture_size &&
           c->hidden_base + t->hidden_size <= VGPU_GGTT_SPACE;
}

static bool monitor_valid(const struct wire_vgpu_type *t)
{
    return t->width >= VGPU_MONITOR_MIN_WIDTH && t->width <= VGPU_MONITOR_MAX_WIDTH &&
           t->height >= VGPU_MONITOR_MIN_HEIGHT && t->height <= VGPU_MONITOR_MAX_HEIGHT;
}

static bool config_valid(const struct vgpu_config *c)
{
    return c->name && c->name[0] && strlen(c->name) < VGPU_NAME_MAX &&
           c->type && c->ops && c->ops->raise_msi && c->ops->write_guest && c->ggtt &&
           c->mediator && c->mediator->ggtt_write && c->mediator->ppgtt_notify &&
           c->mediator->submit && c->mediator->reset_engines &&
           is_power_of_2(c->host_aperture_size) &&
           c->host_aperture_size >= VGPU_APERTURE_MIN &&
           c->host_aperture_size <= VGPU_APERTURE_MAX &&
           partition_valid(c) && monitor_valid(c->type) &&
           c->ram_below_4g <= (4ull << 30) && c->ram_above_4g <= (1ull << 46);
}

struct vgpu *vgpu_create(const struct vgpu_config *config)
{
    struct vgpu *vgpu;

    if (!config_valid(config) || !vgpu_regs_index_init()) {
        errno = EINVAL;
        return NULL;
    }
    vgpu = calloc(1, sizeof(*vgpu));
    if (!vgpu) {
        return NULL;
    }
    strcpy(vgpu->name, config->name);
    vgpu->type = *config->type;
    vgpu->host_aperture_size = config->host_aperture_size;
    vgpu->aperture_base = config->aperture_base;
    vgpu->hidden_base = config->hidden_base;
    vgpu->ram_below_4g = config->ram_below_4g;
    vgpu->ram_above_4g = config->ram_above_4g;
    vgpu->ops = config->ops;
    vgpu->opaque = config->opaque;
    vgpu->mediator = config->mediator;
    vgpu->mediator_opaque = config->mediator_opaque;
    vgpu->ggtt = config->ggtt;
    vgpu_display_init(vgpu);
    vgpu->vreg = calloc(1, VGPU_MMIO_SIZE);
    vgpu->untracked = calloc(VGPU_MMIO_DWORDS / 64, sizeof(uint64_t));
    if (!vgpu->vreg || !vgpu->untracked ||
        !dirty_init(&vgpu->vreg_dirty, VGPU_MMIO_SIZE) ||
        !dirty_init(&vgpu->ggtt_dirty, VGPU_GGTT_SIZE)) {
        vgpu_destroy(vgpu);
        errno = ENOMEM;
        return NULL;
    }
    vgpu_reset(vgpu);
    return vgpu;
}

void vgpu_destroy(struct vgpu *vgpu)
{
    if (!vgpu) {
        return;
    }
    free(vgpu->vreg);
    free(vgpu->ppgtt_roots);
    free(vgpu->untracked);
    free(vgpu->vreg_dirty.bits);
    free(vgpu->ggtt_dirty.bits);
    free(vgpu);
}

void vgpu_reset(struct vgpu *vgpu)
{
    vgpu_execlist_reset(vgpu, (1u << GEN9_NUM_ENGINES) - 1);
    vgpu_regs_reset(vgpu);
    vgpu_ggtt_reset(vgpu);
    vgpu->irq_asserted = false;
    vgpu_pvinfo_reset(vgpu);
    vgpu_display_reset(vgpu);
}

static bool access_size_valid(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

enum bar0_range { BAR0_NONE, BAR0_MMIO, BAR0_GGTT };

/* Which decoded range holds all of [offset, offset + size), if any. */
static enum bar0_range bar0_decode(uint64_t offset, unsigned size)
{
    if (!access_size_valid(size) || offset > VGPU_BAR0_SIZE - size) {
        return BAR0_NONE;
    }
    if (offset + size <= VGPU_MMIO_SIZE) {
        return BAR0_MMIO;
    }
    if (offset >= VGPU_GGTT_OFFSET &&
        offset + size <= (uint64_t)VGPU_GGTT_OFFSET + VGPU_GGTT_SIZE) {
        return BAR0_GGTT;
    }
    return BAR0_NONE;
}

/*
 * Registers are dwords: wider accesses are split (low dword first, as the
 * hardware does for 64-bit reads), narrower ones read or merge into the
 * containing dword.
 */
static uint64_t mmio_read(struct vgpu *vgpu, uint32_t offset, unsigned size)
{
    uint32_t first = offset & ~3u;
    unsigned shift = 8 * (offset & 3);
    uint64_t value = vgpu_reg_read(vgpu, first);

    if (shift + 8 * size > 32) {
        value |= (uint64_t)vgpu_reg_read(vgpu, first + 4) << 32;
        if (shift + 8 * size > 64) {
            uint64_t third = vgpu_reg_read(vgpu, first + 8);

            return value >> shift | third << (64 - shift);
        }
    }
    return size == 8 ? value >> shift : (value >> shift) & ((1ull << (8 * size)) - 1);
}

static void mmio_write(struct vgpu *vgpu, uint32_t offset, uint64_t value,
                       unsigned size)
{
    while (size) {
        uint32_t dword = offset & ~3u;
        unsigned first = offset & 3;
        unsigned n = size < 4 - first ? size : 4 - first;
        uint32_t mask = (n == 4 ? ~0u : (1u << (8 * n)) - 1) << (8 * first);
        uint32_t merged = (vreg(vgpu, dword) & ~mask) | ((uint32_t)(value << (8 * first)) & mask);

        vgpu_reg_write(vgpu, dword, merged);
        value >>= 8 * n;
        offset += n;
        size -= n;
    }
}

static void bad_access(struct vgpu *vgpu, const char *what, uint64_t offset,
                       unsigned size)
{
    vgpu->stats.bad_mmio_access++;
    vgpu_guest_error(vgpu, "BAR0 %s of %u bytes at 0x%llx ignored",
                     what, size, (unsigned long long)offset);
}

uint64_t vgpu_bar0_read(struct vgpu *vgpu, uint64_t offset, unsigned size)
{
    switch (bar0_decode(offset, size)) {
    case BAR0_MMIO:
        return mmio_read(vgpu, offset, size);
    case BAR0_GGTT:
        return vgpu_ggtt_read(vgpu, offset - VGPU_GGTT_OFFSET, size);
    case BAR0_NONE:
        break;
    }
    bad_access(vgpu, "read", offset, size);
    return 0;
}

void vgpu_bar0_write(struct vgpu *vgpu, uint64_t offset, uint64_t value,
                     unsigned size)
{
    switch (bar0_decode(offset, size)) {
    case BAR0_MMIO:
        mmio_write(vgpu, offset, value, size);
        return;
    case BAR0_GGTT:
        vgpu_ggtt_write(vgpu, offset - VGPU_GGTT_OFFSET, value, size);
        return;
    case BAR0_NONE:
        break;
    }
    bad_access(vgpu, "write", offset, size);
}

const struct vgpu_stats *vgpu_get_stats(const struct vgpu *vgpu)
{
    return &vgpu->stats;
}

#define STAT(field) { #field, offsetof(struct vgpu_stats, field) }

static const struct {
    const char *name;
    size_t offset;
} stat_fields[] = {
    STAT(untracked_reads), STAT(untracked_writes), STAT(untracked_offsets),
    STAT(bad_mmio_access), STAT(ggtt_pte_writes), STAT(ggtt_out_of_partition),
    STAT(ggtt_bad_address), STAT(aperture_accesses), STAT(aperture_unmapped),
    STAT(ppgtt_create), STAT(ppgtt_destroy), STAT(bad_g2v_notify),
    STAT(elsp_submissions), STAT(bad_elsp), STAT(lite_restores), STAT(preemptions),
    STAT(csb_events), STAT(hwsp_unmapped), STAT(contexts_hung), STAT(engine_errors),
    STAT(elsp_while_hung), STAT(engine_resets), STAT(elsp_mediator_behind), STAT(ppgtt_mediator_behind),
    STAT(pcode_unknown), STAT(msi_sent), STAT(vblanks),
    STAT(plane_rejected), STAT(cursor_rejected),
};

int vgpu_format_stats(const struct vgpu *vgpu, char *buf, size_t size)
{
    size_t len = 0;

    _Static_assert(sizeof(stat_fields) / sizeof(stat_fields[0]) ==
                   sizeof(struct vgpu_stats) / sizeof(uint64_t),
                   "every statistic has a name");
    if (size) {
        buf[0] = '\0';
    }
    for (size_t i = 0; i < sizeof(stat_fields) / sizeof(stat_fields[0]); i++) {
        size_t used = len < size ? len : size;
        uint64_t value;

        memcpy(&value, (const char *)&vgpu->stats + stat_fields[i].offset, sizeof(value));
        len += snprintf(size ? buf + used : NULL, size - used, "%s%s=%llu", i ? " " : "",
                        stat_fields[i].name, (unsigned long long)value);
    }
    return len;
}

const char *vgpu_name(const struct vgpu *vgpu)
{
    return vgpu->name;
}
