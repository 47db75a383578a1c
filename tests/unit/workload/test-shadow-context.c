/*
 * The shadow context's register state page (mediator/submission/context.c)
 * from a hostile guest image.  The hardware restores a context by running
 * that page as a batch of MI_LOAD_REGISTER_IMM commands (i915's
 * intel_lrc.c: "a context is actually a big batch buffer"), so whatever
 * the guest's page holds besides values would be commands run with the
 * host's privileges.  Expected: the page i915 writes for the render engine
 * (set_offsets() of gen9_rcs_offsets in Linux 6.1's gt/intel_lrc.c, the
 * guest contract section 6.5), written out here dword by dword; the
 * guest's values where i915 puts values; MI_NOOP everywhere else.  The
 * GPU model restores by position and never runs the headers, so only the
 * page itself shows the difference.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "gtt/ppgtt-shadow.h"
#include "mediator/submission/private.h"

#define PAGE            4096u
#define DWORDS          (PAGE / 4)
#define ROOT_BUS        0x7000000ull

/* i915's Gen9 render register state: each MI_LOAD_REGISTER_IMM header
 * (dword, value) and the registers it loads (absolute: RCS base 0x2000). */
static const struct {
    unsigned dw;
    uint32_t header;
    unsigned count;
    uint32_t regs[44];
} rcs_blocks[] = {
    { 1, 0x1100101b, 14, { 0x2244, 0x2034, 0x2030, 0x2038, 0x203c, 0x2168, 0x2140, 0x2110,
                           0x211c, 0x2114, 0x2118, 0x21c0, 0x21c4, 0x21c8 } },
    { 33, 0x11001011, 9, { 0x23a8, 0x228c, 0x2288, 0x2284, 0x2280, 0x227c, 0x2278, 0x2274,
                           0x2270 } },
    { 65, 0x11000001, 1, { 0x20c8 } },
    { 81, 0x11001057, 44, { 0x2028, 0x209c, 0x20c0, 0x2178, 0x217c, 0x2358, 0x2170, 0x2150,
                            0x2154, 0x2158, 0x241c, 0x2600, 0x2604, 0x2608, 0x260c, 0x2610,
                            0x2614, 0x2618, 0x261c, 0x2620, 0x2624, 0x2628, 0x262c, 0x2630,
                            0x2634, 0x2638, 0x263c, 0x2640, 0x2644, 0x2648, 0x264c, 0x2650,
                            0x2654, 0x2658, 0x265c, 0x2660, 0x2664, 0x2668, 0x266c, 0x2670,
                            0x2674, 0x2678, 0x267c, 0x2068 } },
};

/* Dwords i915 puts values at (dword + 1 of each register's). */
#define CONTEXT_CONTROL_DW  3
#define RING_CTL_DW         11
#define MI_MODE_DW          85
#define GPR0_DW             105

static uint8_t zero_page[PAGE] __attribute__((aligned(PAGE)));

static const void *guest_page(void *opaque, uint64_t gpa)
{
    return gpa == 0 ? zero_page : NULL;
}

static void *table_alloc(void *opaque, uint64_t *bus)
{
    *bus = ROOT_BUS;
    return calloc(1, PAGE);
}

static void table_free(void *opaque, void *page, uint64_t bus)
{
    free(page);
}

static const struct vgpu_ppgtt_mem_ops mem_ops = {
    .guest_page = guest_page, .table_alloc = table_alloc, .table_free = table_free,
};

static bool is_value_dw(unsigned dw)
{
    for (size_t b = 0; b < sizeof(rcs_blocks) / sizeof(rcs_blocks[0]); b++) {
        if (dw > rcs_blocks[b].dw && dw <= rcs_blocks[b].dw + 2 * rcs_blocks[b].count &&
            (dw - rcs_blocks[b].dw) % 2 == 0) {
            return true;
        }
    }
    return false;
}

/* Build the shadow of @guest's render register state page. */
static void build(const uint32_t *guest, uint32_t *shadow_state)
{
    struct med_vgpu_ppgtt *ppgtt = med_vgpu_ppgtt_create(&(struct med_vgpu_ppgtt_config){
        .ops = &mem_ops, .root_gpa = 0, .bus_base = 1ull << 40,
        .ram = { { .gpa = 0, .size = PAGE } }, .ram_count = 1, .scratch_bus = PAGE,
    });
    uint8_t *mem = aligned_alloc(PAGE, 2 * PAGE);
    struct vgpu_workload w = { .engine = GEN9_RCS, .mem = { .map = mem }, .head = 0x40,
                               .tail = 0x80 };
    struct guest_context ctx = { .ring_ctl = guest[RING_CTL_DW], .ppgtt = ppgtt };

    assert_non_null(ppgtt);
    assert_non_null(mem);
    assert_int_equal(med_vgpu_ppgtt_sync(ppgtt, NULL), 0);
    memcpy(ctx.state, guest, PAGE);
    memset(mem, 0xa5, 2 * PAGE);
    med_wl_context_build(&w, &ctx);
    memcpy(shadow_state, mem + PAGE, PAGE);
    free(mem);
    med_vgpu_ppgtt_destroy(ppgtt);
}

/*
 * A guest page of commands: every dword an MI_STORE_DATA_IMM header to
 * the GGTT (0x10400002), but the values i915 keeps, which are the guest's
 * own.  The shadow holds i915's headers and registers, the guest's
 * values, and MI_NOOP in every other dword (no header, offset or command
 * of the guest's).
 */
static void test_only_the_layout_and_the_values_are_kept(void **state)
{
    uint32_t guest[DWORDS], shadow[DWORDS];

    for (unsigned dw = 0; dw < DWORDS; dw++) {
        guest[dw] = is_value_dw(dw) ? 0x1000 + dw : 0x10400002;
    }
    guest[CONTEXT_CONTROL_DW] = 0x000d0008;    /* i915's: no inhibit */
    guest[RING_CTL_DW] = (3u << 12) | 1;
    build(guest, shadow);
    for (size_t b = 0; b < sizeof(rcs_blocks) / sizeof(rcs_blocks[0]); b++) {
        assert_int_equal(shadow[rcs_blocks[b].dw], rcs_blocks[b].header);
        for (unsigned i = 0; i < rcs_blocks[b].count; i++) {
            assert_int_equal(shadow[rcs_blocks[b].dw + 1 + 2 * i], rcs_blocks[b].regs[i]);
        }
    }
    for (unsigned dw = 0; dw < DWORDS; dw++) {
        bool layout = is_value_dw(dw);

        for (size_t b = 0; b < sizeof(rcs_blocks) / sizeof(rcs_blocks[0]); b++) {
            unsigned first = rcs_blocks[b].dw;

            layout |= dw >= first && dw < first + 2 * rcs_blocks[b].count && (dw - first) % 2;
            layout |= dw == first;
        }
        if (!layout && shadow[dw]) {
            fail_msg("dword %u is 0x%08x, not MI_NOOP", dw, shadow[dw]);
        }
    }
    /* a value the mediator does not set is the guest's */
    assert_int_equal(shadow[GPR0_DW], 0x1000 + GPR0_DW);
}

/*
 * RING_CTL as i915 writes it, (size - 4096) | RING_VALID: the guest's
 * automatic head reports (bits 2:1, into the engine's status page, a host
 * page) and its RBWait and semaphore-wait status bits (11, 10) are not
 * the shadow's.
 */
static void test_ring_control_is_size_and_valid(void **state)
{
    uint32_t guest[DWORDS] = { 0 }, shadow[DWORDS];

    guest[RING_CTL_DW] = (15u << 12) | 1 | (3u << 1) | (1u << 10) | (1u << 11);
    build(guest, shadow);
    assert_int_equal(shadow[RING_CTL_DW], (15u << 12) | 1);
}

/*
 * An image that asks the engine not to restore its state (a new context):
 * the hardware would keep the previous context's registers, another VM's,
 * and save them into this context, whose image the guest reads back.  The
 * shadow inhibits nothing and loads zeros into the engine's state: every
 * value of the power and engine blocks 0, each masked register with all
 * its bits selected (0xffff0000; RING_MI_MODE also with STOP_RING's), the
 * control as i915 writes it for a context it restores (no inhibit, no
 * resource streamer context, whose commands the scanner refuses).
 */
static void test_restore_inhibit_loads_zeros(void **state)
{
    uint32_t guest[DWORDS], shadow[DWORDS];

    for (unsigned dw = 0; dw < DWORDS; dw++) {
        guest[dw] = 0xdead0000 | dw;
    }
    guest[CONTEXT_CONTROL_DW] = 0x000b0003;     /* restore inhibit, resource streamer */
    guest[RING_CTL_DW] = 1;
    build(guest, shadow);
    /* i915's restoring context: sync switch inhibited, inhibits and
     * resource streamer disabled */
    assert_int_equal(shadow[CONTEXT_CONTROL_DW], 0x000f0008);
    assert_int_equal(shadow[67], 0);                    /* R_PWR_CLK_STATE */
    assert_int_equal(shadow[MI_MODE_DW], 0xffff0000);   /* masked: RING_MI_MODE */
    assert_int_equal(shadow[87], 0xffff0000);           /* masked: INSTPM */
    for (unsigned i = 0; i < 44; i++) {
        unsigned dw = 83 + 2 * i;

        if (dw != MI_MODE_DW && dw != 87) {
            assert_int_equal(shadow[dw], 0);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_only_the_layout_and_the_values_are_kept),
        cmocka_unit_test(test_ring_control_is_size_and_valid),
        cmocka_unit_test(test_restore_inhibit_loads_zeros),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
