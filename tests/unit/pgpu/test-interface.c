/*
 * The backend interface of the model without the native driver: creation
 * checks, the DMA map and an owner's translation beyond it, GGTT entries,
 * the aperture, register semantics from the register table, untracked
 * registers, and hostile accesses.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pgpu/pgpu.h"
#include "pgpu/skl-regs.h"

#define OPS pgpu_skl_model
#define RCS(rel) (RENDER_RING_BASE + (rel))

static const struct pgpu_config good_config = {
    .name = "iface", .aperture_size = PGPU_APERTURE_DEFAULT, .hang_timeout_ms = 100,
};

static int setup(void **state)
{
    *state = OPS.create(&good_config);
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    OPS.destroy(*state);
    return 0;
}

static struct pgpu_stats stats_of(struct pgpu *gpu)
{
    struct pgpu_stats stats;

    OPS.get_stats(gpu, &stats);
    return stats;
}

static void test_create_rejects_bad_config(void **state)
{
    struct pgpu_config bad[] = { good_config, good_config, good_config, good_config,
                                 good_config };

    bad[0].name = "";
    bad[1].aperture_size = PGPU_APERTURE_DEFAULT + PGPU_PAGE_SIZE;
    bad[2].aperture_size = 8ull << 30;
    bad[3].hang_timeout_ms = 0;
    bad[4].hang_timeout_ms = 60001;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        errno = 0;
        assert_null(OPS.create(&bad[i]));
        assert_int_equal(errno, EINVAL);
    }
    OPS.destroy(NULL);
    (void)state;
}

/*
 * The default detection is a backstop behind the driver's own (pgpu.h): it
 * must outlast i915's heartbeat reset of a stuck engine where i915 has no
 * preemption (any vGPU).  i915 (Linux 6.1, gt/intel_engine_heartbeat.c):
 * a beat every CONFIG_DRM_I915_HEARTBEAT_INTERVAL, 2500 ms, its expiry
 * rounded up to a whole second (round_jiffies_up_relative); the pulse is
 * made at the first beat, raised to NORMAL, HEARTBEAT and BARRIER at the
 * next three, and the engine reset at the fifth.
 */
static void test_default_hang_timeout_outlasts_i915s_heartbeat(void **state)
{
    enum { I915_BEAT_MS = 2500, JIFFIES_ROUNDING_MS = 1000, I915_BEATS_TO_RESET = 5 };
    struct pgpu_config config = good_config;
    struct pgpu *gpu;

    assert_true(PGPU_HANG_TIMEOUT_DEFAULT_MS >
                I915_BEATS_TO_RESET * (I915_BEAT_MS + JIFFIES_ROUNDING_MS));
    config.hang_timeout_ms = PGPU_HANG_TIMEOUT_DEFAULT_MS;
    gpu = OPS.create(&config);
    assert_non_null(gpu);
    OPS.destroy(gpu);
    (void)state;
}

static void test_dma_map_rules(void **state)
{
    struct pgpu *gpu = *state;
    uint8_t *mem = aligned_alloc(PGPU_PAGE_SIZE, 4 * PGPU_PAGE_SIZE);

    assert_int_equal(OPS.dma_map(gpu, 0x10000, mem, 2 * PGPU_PAGE_SIZE), 0);
    assert_int_equal(OPS.dma_map(gpu, 0x11000, mem, PGPU_PAGE_SIZE), -EEXIST);
    assert_int_equal(OPS.dma_map(gpu, 0x20001, mem, PGPU_PAGE_SIZE), -EINVAL);
    assert_int_equal(OPS.dma_map(gpu, 0x20000, mem + 1, PGPU_PAGE_SIZE), -EINVAL);
    assert_int_equal(OPS.dma_map(gpu, 0x20000, mem, 0), -EINVAL);
    assert_int_equal(OPS.dma_map(gpu, ~0xfffull, mem, 2 * PGPU_PAGE_SIZE), -EINVAL);
    assert_int_equal(OPS.dma_map(gpu, 0xf000, mem + 2 * PGPU_PAGE_SIZE, PGPU_PAGE_SIZE), 0);
    assert_int_equal(OPS.dma_unmap(gpu, 0x10000, PGPU_PAGE_SIZE), -ENOENT);
    assert_int_equal(OPS.dma_unmap(gpu, 0x10000, 2 * PGPU_PAGE_SIZE), 0);
    assert_int_equal(OPS.dma_unmap(gpu, 0x10000, 2 * PGPU_PAGE_SIZE), -ENOENT);
    assert_int_equal(stats_of(gpu).bad_dma_map, 7);
    assert_int_equal(OPS.dma_unmap(gpu, 0xf000, PGPU_PAGE_SIZE), 0);
    free(mem);
}

/* The aperture reaches memory through GGTT entries and the DMA map only. */
static void test_aperture_through_ggtt(void **state)
{
    struct pgpu *gpu = *state;
    uint8_t *mem = aligned_alloc(PGPU_PAGE_SIZE, 2 * PGPU_PAGE_SIZE);
    uint8_t buf[16];

    memset(mem, 0x5a, 2 * PGPU_PAGE_SIZE);
    assert_int_equal(OPS.dma_map(gpu, 0x100000, mem, 2 * PGPU_PAGE_SIZE), 0);
    /* GGTT page 3 -> the second bus page, page 4 -> the first */
    OPS.ggtt_write(gpu, 3, 0x101000 | GTT_PTE_PRESENT);
    OPS.ggtt_write(gpu, 4, 0x100000 | GTT_PTE_PRESENT);
    assert_int_equal(OPS.ggtt_read(gpu, 3), 0x101000 | GTT_PTE_PRESENT);
    memcpy(buf, "across-two-pages", 16);
    assert_int_equal(OPS.aperture_access(gpu, 4 * PGPU_PAGE_SIZE - 8, buf, 16, true), 0);
    assert_memory_equal(mem + 2 * PGPU_PAGE_SIZE - 8, "across-t", 8);
    assert_memory_equal(mem, "wo-pages", 8);
    memset(buf, 0, sizeof(buf));
    assert_int_equal(OPS.aperture_access(gpu, 4 * PGPU_PAGE_SIZE - 8, buf, 16, false), 0);
    assert_memory_equal(buf, "across-two-pages", 16);
    /* not present, not in the DMA map, outside the aperture */
    assert_int_equal(OPS.aperture_access(gpu, 5 * PGPU_PAGE_SIZE, buf, 4, false), -EFAULT);
    OPS.ggtt_write(gpu, 6, 0x900000 | GTT_PTE_PRESENT);
    assert_int_equal(OPS.aperture_access(gpu, 6 * PGPU_PAGE_SIZE, buf, 4, true), -EFAULT);
    assert_int_equal(OPS.aperture_access(gpu, PGPU_APERTURE_DEFAULT - 2, buf, 4, false),
                     -EFAULT);
    /* GGTT index out of range */
    OPS.ggtt_write(gpu, PGPU_GGTT_ENTRIES, 1);
    assert_int_equal(OPS.ggtt_read(gpu, PGPU_GGTT_ENTRIES), 0);
    assert_int_equal(stats_of(gpu).bad_mmio, 2);
    OPS.dma_unmap(gpu, 0x100000, 2 * PGPU_PAGE_SIZE);
    free(mem);
}

static void test_register_semantics(void **state)
{
    struct pgpu *gpu = *state;

    /* power-on values */
    assert_int_equal(OPS.mmio_read(gpu, GEN8_FUSE2, 4), 0x02800000);
    assert_int_equal(OPS.mmio_read(gpu, CTC_MODE, 4), SKL_CTC_MODE_VALUE);
    assert_int_equal(OPS.mmio_read(gpu, GEN8_GT_IMR(2), 4), 0xffffffff);
    assert_int_equal(OPS.mmio_read(gpu, GEN8_GT_IIR(0), 4), 0);
    /* plain storage, 8-byte accesses */
    OPS.mmio_write(gpu, 0x4000, 0x1122334455667788ull, 8);
    assert_int_equal(OPS.mmio_read(gpu, 0x4004, 4), 0x11223344);
    /* read-only */
    OPS.mmio_write(gpu, GEN8_FUSE2, 0, 4);
    assert_int_equal(OPS.mmio_read(gpu, GEN8_FUSE2, 4), 0x02800000);
    /* masked: upper half selects the bits */
    OPS.mmio_write(gpu, RCS(RING_MODE_GEN7), MASKED_BIT_ENABLE(GFX_RUN_LIST_ENABLE | 1), 4);
    OPS.mmio_write(gpu, RCS(RING_MODE_GEN7), MASKED_BIT_DISABLE(1) | GFX_RUN_LIST_ENABLE, 4);
    assert_int_equal(OPS.mmio_read(gpu, RCS(RING_MODE_GEN7), 4), GFX_RUN_LIST_ENABLE);
    /* MODE_IDLE is live, STOP_RING stored */
    OPS.mmio_write(gpu, RCS(RING_MI_MODE), MASKED_BIT_ENABLE(STOP_RING), 4);
    assert_int_equal(OPS.mmio_read(gpu, RCS(RING_MI_MODE), 4), STOP_RING | MODE_IDLE);
    /* reset handshake */
    OPS.mmio_write(gpu, RCS(RING_RESET_CTL), MASKED_BIT_ENABLE(RESET_CTL_REQUEST_RESET), 4);
    assert_int_equal(OPS.mmio_read(gpu, RCS(RING_RESET_CTL), 4),
                     RESET_CTL_REQUEST_RESET | RESET_CTL_READY_TO_RESET);
    /* GDRST performs the reset and reads back 0 */
    OPS.mmio_write(gpu, GEN6_GDRST, GRDOM_FULL, 4);
    assert_int_equal(OPS.mmio_read(gpu, GEN6_GDRST, 4), 0);
    assert_int_equal(stats_of(gpu).engine_resets, GEN9_NUM_ENGINES);
    assert_int_equal(OPS.mmio_read(gpu, RCS(RING_CONTEXT_STATUS_PTR), 4), 0x0707);
    /* the master register keeps only its enable bit */
    OPS.mmio_write(gpu, GEN8_MASTER_IRQ, 0xffffffff, 4);
    assert_int_equal(OPS.mmio_read(gpu, GEN8_MASTER_IRQ, 4), GEN8_MASTER_IRQ_CONTROL);
    /* the ELSP is write-only */
    assert_int_equal(OPS.mmio_read(gpu, RCS(RING_ELSP), 4), 0);
}

static void test_bad_submissions_are_refused(void **state)
{
    struct pgpu *gpu = *state;
    const uint32_t elsp = RCS(RING_ELSP);

    /* not in execlist mode */
    for (unsigned i = 0; i < 4; i++) {
        OPS.mmio_write(gpu, elsp, i == 3 ? 0x1119 : 0, 4);
    }
    OPS.mmio_write(gpu, RCS(RING_MODE_GEN7), MASKED_BIT_ENABLE(GFX_RUN_LIST_ENABLE), 4);
    /* invalid port 0, then an advanced (SVM) addressing mode */
    for (unsigned i = 0; i < 4; i++) {
        OPS.mmio_write(gpu, elsp, 0, 4);
    }
    for (unsigned i = 0; i < 4; i++) {
        OPS.mmio_write(gpu, elsp, i == 3 ? 0x1101 : 0, 4);
    }
    assert_int_equal(stats_of(gpu).bad_submissions, 3);
    assert_int_equal(OPS.mmio_read(gpu, RCS(RING_EXECLIST_STATUS_LO), 4), 0);
}

static void test_hostile_mmio_is_counted(void **state)
{
    struct pgpu *gpu = *state;
    static const struct { uint32_t offset; unsigned size; } bad[] = {
        { 0x1000, 2 }, { 0x1000, 16 }, { 0x1002, 4 }, { PGPU_MMIO_SIZE - 4, 8 },
        { PGPU_MMIO_SIZE, 4 }, { UINT32_MAX - 3, 4 },
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        OPS.mmio_write(gpu, bad[i].offset, ~0ull, bad[i].size);
        assert_int_equal(OPS.mmio_read(gpu, bad[i].offset, bad[i].size), 0);
    }
    assert_int_equal(stats_of(gpu).bad_mmio, 2 * sizeof(bad) / sizeof(bad[0]));
}

/* An owner's bus (struct pgpu_host): 3 pages at bus 0x40000000, nothing else. */
struct fake_bus {
    uint8_t *mem;
    unsigned asked, entered, exited;
};

/* Its last page is mapped for reads only, as an IOMMU may map a page. */
static bool fake_translate(void *opaque, uint64_t bus, bool write, uint8_t **host,
                           uint64_t *len)
{
    struct fake_bus *b = opaque;

    __atomic_fetch_add(&b->asked, 1, __ATOMIC_RELAXED);
    if (bus - 0x40000000 >= (write ? 2 : 3) * PGPU_PAGE_SIZE) {
        return false;
    }
    *host = b->mem + (bus - 0x40000000);
    *len = 3 * PGPU_PAGE_SIZE - (bus - 0x40000000);
    return true;
}

static void fake_enter(void *opaque)
{
    __atomic_fetch_add(&((struct fake_bus *)opaque)->entered, 1, __ATOMIC_RELAXED);
}

static void fake_exit(void *opaque)
{
    __atomic_fetch_add(&((struct fake_bus *)opaque)->exited, 1, __ATOMIC_RELAXED);
}

static void test_owner_translates_what_the_map_lacks(void **state)
{
    struct fake_bus bus = { .mem = aligned_alloc(PGPU_PAGE_SIZE, 3 * PGPU_PAGE_SIZE) };
    const struct pgpu_host host = {
        .dma_translate = fake_translate, .thread_enter = fake_enter,
        .thread_exit = fake_exit, .opaque = &bus,
    };
    struct pgpu_config config = good_config;
    uint8_t *mapped = aligned_alloc(PGPU_PAGE_SIZE, PGPU_PAGE_SIZE);
    struct pgpu *gpu;
    uint32_t v = 0x12345678;

    config.host = &host;
    gpu = OPS.create(&config);
    assert_non_null(gpu);
    /* the DMA map first, the owner only for what it lacks */
    assert_int_equal(OPS.dma_map(gpu, 0x40001000, mapped, PGPU_PAGE_SIZE), 0);
    OPS.ggtt_write(gpu, 0, 0x40001000 | GTT_PTE_PRESENT);
    OPS.ggtt_write(gpu, 1, 0x40000000 | GTT_PTE_PRESENT);
    OPS.ggtt_write(gpu, 2, 0x50000000 | GTT_PTE_PRESENT);
    OPS.ggtt_write(gpu, 3, 0x40002000 | GTT_PTE_PRESENT);
    assert_int_equal(OPS.aperture_access(gpu, 0, &v, 4, true), 0);
    assert_memory_equal(mapped, &v, 4);
    assert_int_equal(bus.asked, 0);
    assert_int_equal(OPS.aperture_access(gpu, PGPU_PAGE_SIZE + 8, &v, 4, true), 0);
    assert_memory_equal(bus.mem + 8, &v, 4);
    assert_int_equal(bus.asked, 1);
    /* an address the owner refuses is a fault */
    assert_int_equal(OPS.aperture_access(gpu, 2 * PGPU_PAGE_SIZE, &v, 4, false), -EFAULT);
    assert_int_equal(bus.asked, 2);
    /* a page mapped for reads: read, and a write refused */
    memcpy(bus.mem + 2 * PGPU_PAGE_SIZE + 16, "ro!", 4);
    assert_int_equal(OPS.aperture_access(gpu, 3 * PGPU_PAGE_SIZE + 16, &v, 4, false), 0);
    assert_memory_equal(&v, "ro!", 4);
    assert_int_equal(OPS.aperture_access(gpu, 3 * PGPU_PAGE_SIZE + 16, &v, 4, true), -EFAULT);
    assert_memory_equal(bus.mem + 2 * PGPU_PAGE_SIZE + 16, "ro!", 4);
    assert_int_equal(bus.asked, 4);
    OPS.destroy(gpu);
    /* every engine thread entered and left */
    assert_int_equal(bus.entered, GEN9_NUM_ENGINES);
    assert_int_equal(bus.exited, GEN9_NUM_ENGINES);
    free(mapped);
    free(bus.mem);
    (void)state;
}

static void test_untracked_registers_are_counted(void **state)
{
    struct pgpu *gpu = *state;
    struct pgpu_stats st;

    /* rows of the register table are not counted, plain storage is (0x1f000:
     * reserved space between engine blocks, which no driver touches) */
    OPS.mmio_read(gpu, GEN8_FUSE2, 4);
    OPS.mmio_write(gpu, GEN6_GDRST, 0, 4);
    assert_int_equal(OPS.untracked_next(gpu, 0), UINT32_MAX);
    OPS.mmio_write(gpu, 0x1f000, 0x10001, 4);
    OPS.mmio_read(gpu, 0x1f000, 4);
    OPS.mmio_read(gpu, 0x1f100, 8);
    st = stats_of(gpu);
    assert_int_equal(st.untracked_reads, 3);
    assert_int_equal(st.untracked_writes, 1);
    assert_int_equal(st.untracked_offsets, 3);
    assert_int_equal(OPS.untracked_next(gpu, 0), 0x1f000);
    assert_int_equal(OPS.untracked_next(gpu, 0x1f001), 0x1f100);
    assert_int_equal(OPS.untracked_next(gpu, 0x1f101), 0x1f104);
    assert_int_equal(OPS.untracked_next(gpu, 0x1f105), UINT32_MAX);
}

/*
 * What i915's native probe waits for (intel_uncore.c, gen9): a forcewake
 * request (masked, FORCEWAKE_KERNEL) is acked in its domain's ack register
 * and a release clears the ack; a TLB invalidation reads back 0 (done); the
 * GuC is in reset; a display IIR written with ones reads back 0.
 */
static void test_native_probe_handshakes(void **state)
{
    struct pgpu *gpu = *state;
    static const uint32_t domains[][2] = {
        { 0xa278, 0x0d84 }, { 0xa270, 0x0d88 }, { 0xa188, 0x130044 },
    };

    for (size_t i = 0; i < sizeof(domains) / sizeof(domains[0]); i++) {
        OPS.mmio_write(gpu, domains[i][0], 0xffff0000, 4);     /* i915's reset */
        assert_int_equal(OPS.mmio_read(gpu, domains[i][1], 4), 0);
        OPS.mmio_write(gpu, domains[i][0], 0x00010001, 4);     /* get */
        assert_int_equal(OPS.mmio_read(gpu, domains[i][1], 4) & 1, 1);
        OPS.mmio_write(gpu, domains[i][1], 0, 4);              /* the ack is read-only */
        assert_int_equal(OPS.mmio_read(gpu, domains[i][1], 4) & 1, 1);
        OPS.mmio_write(gpu, domains[i][0], 0x00010000, 4);     /* put */
        assert_int_equal(OPS.mmio_read(gpu, domains[i][1], 4) & 1, 0);
    }
    for (uint32_t tlb = 0x4260; tlb <= 0x4270; tlb += 4) {
        OPS.mmio_write(gpu, tlb, 1, 4);
        assert_int_equal(OPS.mmio_read(gpu, tlb, 4), 0);
    }
    assert_int_equal(OPS.mmio_read(gpu, 0xc000, 4) & 1, 1);
    for (uint32_t iir = 0x44408; iir <= 0x44428; iir += 0x10) {
        OPS.mmio_write(gpu, iir, 0xffffffff, 4);
        assert_int_equal(OPS.mmio_read(gpu, iir, 4), 0);
    }
    assert_int_equal(stats_of(gpu).untracked_offsets, 0);
}

static void count_irq(void *opaque)
{
    (*(unsigned *)opaque)++;
}

/*
 * What i915's native display probe and modeset wait for, offsets and bits
 * written out from i915 6.1 (intel_display_power_well.c, intel_dpll_mgr.c,
 * intel_cdclk.c, skl_watermark.c, intel_dp_aux.c, i915_irq.c; i915_reg.h):
 * the driver's power-well request (HSW_PWR_WELL_CTL2, PW1 bit 29, misc IO
 * bit 1) shows its state bit (request - 1); the fuses report PG0-2
 * distributed and the download done; DBUF power follows its request; DPLL0
 * (LCPLL1_CTL) runs from power-on and DPLL_STATUS says it is locked; the
 * PCODE answers a memory-latency read (command 6) and a CDCLK change
 * request (command 7) at once; a native AUX read of DPCD 0 on channel D
 * is done with the monitor's DPCD revision and raises AUX D's done
 * interrupt (DE port bit 27); a vblank on an enabled transcoder raises
 * pipe A's vblank (bit 0) and the master's pipe A bit (16).
 */
static void test_native_display_probe(void **state)
{
    struct pgpu *gpu = *state;
    unsigned irqs = 0;

    OPS.set_irq_handler(gpu, count_irq, &irqs);
    OPS.mmio_write(gpu, 0x45404, 1u << 29 | 1u << 1, 4);
    assert_int_equal(OPS.mmio_read(gpu, 0x45404, 4), 3u << 28 | 3u << 0);
    assert_int_equal(OPS.mmio_read(gpu, 0x42000, 4), 1u << 31 | 7u << 25);
    OPS.mmio_write(gpu, 0x45008, 1u << 31, 4);
    assert_int_equal(OPS.mmio_read(gpu, 0x45008, 4), 3u << 30);
    assert_int_equal(OPS.mmio_read(gpu, 0x46010, 4) >> 30, 3);
    assert_int_equal(OPS.mmio_read(gpu, 0x6c060, 4) & 1, 1);

    OPS.mmio_write(gpu, 0x138128, 0, 4);
    OPS.mmio_write(gpu, 0x138124, 1u << 31 | 0x6, 4);
    assert_int_equal(OPS.mmio_read(gpu, 0x138124, 4), 0);
    assert_int_not_equal(OPS.mmio_read(gpu, 0x138128, 4), 0);
    OPS.mmio_write(gpu, 0x138124, 1u << 31 | 0x7, 4);
    assert_int_equal(OPS.mmio_read(gpu, 0x138124, 4), 0);
    assert_int_equal(OPS.mmio_read(gpu, 0x138128, 4) & 1, 1);

    OPS.mmio_write(gpu, 0x44444, 0, 4);                 /* DE port IMR */
    OPS.mmio_write(gpu, 0x4444c, 1u << 27, 4);          /* DE port IER */
    OPS.mmio_write(gpu, 0x44200, 1u << 31, 4);          /* master enable */
    OPS.mmio_write(gpu, 0x64314, 0x90000000, 4);        /* native read, DPCD 0, 1 byte */
    OPS.mmio_write(gpu, 0x64310, 1u << 31 | 1u << 29 | 4u << 20, 4);
    assert_int_equal(OPS.mmio_read(gpu, 0x64310, 4) & (1u << 31 | 1u << 30 | 0x1fu << 20),
                     1u << 30 | 2u << 20);
    assert_int_equal(OPS.mmio_read(gpu, 0x64314, 4) >> 16, 0x0012);
    assert_int_equal(OPS.mmio_read(gpu, 0x44448, 4), 1u << 27);
    assert_int_equal(OPS.mmio_read(gpu, 0x44200, 4), 1u << 31 | 1u << 20);
    assert_int_equal(irqs, 1);
    OPS.mmio_write(gpu, 0x44448, 1u << 27, 4);

    OPS.mmio_write(gpu, 0x44404, ~1u, 4);               /* pipe A: vblank only */
    OPS.mmio_write(gpu, 0x4440c, 1, 4);
    OPS.display_vblank(gpu);                            /* transcoder off: nothing */
    assert_int_equal(OPS.mmio_read(gpu, 0x44408, 4), 0);
    OPS.mmio_write(gpu, 0x70008, 1u << 31, 4);
    assert_int_equal(OPS.mmio_read(gpu, 0x70008, 4), 3u << 30);
    OPS.display_vblank(gpu);
    assert_int_equal(OPS.mmio_read(gpu, 0x44408, 4), 1);
    assert_int_equal(OPS.mmio_read(gpu, 0x44200, 4), 1u << 31 | 1u << 16);
    assert_int_equal(OPS.mmio_read(gpu, 0x70040, 4), 1);
    assert_int_equal(irqs, 2);
    assert_int_equal(stats_of(gpu).vblanks, 1);
    assert_int_equal(stats_of(gpu).untracked_offsets, 0);
}

/*
 * The scan-out an owner shows: pipe A's primary plane, 64x64 XRGB8888
 * linear (i915's _PIPEASRC 0x6001c, PLANE_CTL/STRIDE/POS/SIZE/SURF of
 * plane 1 A at 0x70180/88/8c/90/9c), read through the model's own GGTT:
 * each page address is the bus address of the GGTT entry, the list kept
 * until a GGTT write; a page whose entry is not present refuses the
 * programming, counted once however often it is decoded.
 */
static void test_display_scan_out_through_own_ggtt(void **state)
{
    struct pgpu *gpu = *state;
    struct gen9_fb fb;

    gen9_fb_init(&fb);
    assert_int_equal(OPS.display_plane(gpu, &fb), GEN9_PLANE_OFF);
    for (uint32_t i = 0; i < 4; i++) {
        OPS.ggtt_write(gpu, 16 + i, (0x100000 + i * 0x1000) | 1);
    }
    OPS.mmio_write(gpu, 0x70008, 1u << 31, 4);
    OPS.mmio_write(gpu, 0x6001c, 63u << 16 | 63, 4);
    OPS.mmio_write(gpu, 0x70188, 256 / 64, 4);
    OPS.mmio_write(gpu, 0x70190, 63u << 16 | 63, 4);
    OPS.mmio_write(gpu, 0x70180, 1u << 31 | 4u << 24, 4);
    OPS.mmio_write(gpu, 0x7019c, 16 * 4096, 4);
    assert_int_equal(OPS.display_plane(gpu, &fb), GEN9_PLANE_OK);
    assert_int_equal(fb.width, 64);
    assert_int_equal(fb.stride, 256);
    assert_int_equal(fb.page_count, 4);
    for (uint32_t i = 0; i < 4; i++) {
        assert_int_equal(fb.page_addr[i], 0x100000 + i * 0x1000);
    }
    /* no GGTT write since: the list stands; one: the pages are translated again */
    assert_int_equal(OPS.display_plane(gpu, &fb), GEN9_PLANE_OK);
    assert_true(fb.list_kept);
    OPS.ggtt_write(gpu, 17, 0x200000 | 1);
    assert_int_equal(OPS.display_plane(gpu, &fb), GEN9_PLANE_OK);
    assert_false(fb.list_kept);
    assert_int_equal(fb.page_addr[1], 0x200000);
    OPS.ggtt_write(gpu, 18, 0x102000);
    assert_int_equal(OPS.display_plane(gpu, &fb), GEN9_PLANE_INVALID);
    assert_int_equal(OPS.display_plane(gpu, &fb), GEN9_PLANE_INVALID);
    assert_int_equal(stats_of(gpu).plane_rejected, 1);
    assert_int_equal(stats_of(gpu).untracked_offsets, 0);
    gen9_fb_fini(&fb);
}

#define IFACE_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_rejects_bad_config),
        cmocka_unit_test(test_default_hang_timeout_outlasts_i915s_heartbeat),
        IFACE_TEST(test_dma_map_rules),
        IFACE_TEST(test_aperture_through_ggtt),
        IFACE_TEST(test_register_semantics),
        IFACE_TEST(test_bad_submissions_are_refused),
        IFACE_TEST(test_hostile_mmio_is_counted),
        cmocka_unit_test(test_owner_translates_what_the_map_lacks),
        IFACE_TEST(test_untracked_registers_are_counted),
        IFACE_TEST(test_native_probe_handshakes),
        IFACE_TEST(test_native_display_probe),
        IFACE_TEST(test_display_scan_out_through_own_ggtt),
    };

    return cmocka_run_group_tests_name("pgpu-interface", tests, NULL, NULL);
}
