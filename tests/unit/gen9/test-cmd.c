/*
 * The Gen9 command rows (gen9/cmd.c), which the scanner and the GPU model
 * both decode by, against the command lengths of the PRM (vol 2a), written
 * out below separately from the rows (until the model decoded by gen9/cmd.c
 * they were its own table, and this test compared the two tables): for every
 * engine and every opcode a dword 0 can carry (all command types, every
 * value of the opcode bits, generated here, not taken from either table),
 * both know the command or both do not, where both know it they compute
 * the same length from the same dword 0 for every length field value, and
 * no row allows a length shorter than the PRM's.  A scanner that decodes a
 * length differently from the GPU desynchronizes from the command stream
 * the GPU executes, which is how a command hides from the scanner; one
 * table read by both removes that, this test keeps the table true.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "gen9/cmd.h"
#include "gen9/engine.h"

#define MAX_REPORTED    64      /* opcode differences named; all are counted */

/* Engine sets, short. */
#define RCS     GEN9_ENG_RCS
#define BCS     GEN9_ENG_BCS
#define XCS     GEN9_ENG_XCS
#define ALL     GEN9_ENG_ALL
#define VIDEO   (GEN9_ENG_VCS | GEN9_ENG_VECS)

/* A command as the PRM gives it: opcode bits, DWord Length field width (0:
 * a fixed length), the shortest well-formed length, engines. */
struct prm_cmd {
    const char *name;
    uint32_t key;
    unsigned len_bits, min_len, engines;
};

#define MI_KEY(op)                  (0u << 29 | (uint32_t)(op) << 23)
#define BLT_KEY(op)                 (2u << 29 | (uint32_t)(op) << 22)
#define GFX_KEY(sub, op, subop)     (3u << 29 | (uint32_t)(sub) << 27 | (uint32_t)(op) << 24 | \
                                     (uint32_t)(subop) << 16)

static const struct prm_cmd prm_mi[] = {
    { "MI_NOOP", MI_KEY(0x00), 0, 1, ALL },
    { "MI_SET_PREDICATE", MI_KEY(0x01), 0, 1, ALL },
    { "MI_USER_INTERRUPT", MI_KEY(0x02), 0, 1, ALL },
    { "MI_WAIT_FOR_EVENT", MI_KEY(0x03), 0, 1, RCS|BCS },
    { "MI_ARB_CHECK", MI_KEY(0x05), 0, 1, ALL },
    { "MI_RS_CONTROL", MI_KEY(0x06), 0, 1, RCS },
    { "MI_REPORT_HEAD", MI_KEY(0x07), 0, 1, ALL },
    { "MI_ARB_ON_OFF", MI_KEY(0x08), 0, 1, ALL },
    { "MI_URB_ATOMIC_ALLOC", MI_KEY(0x09), 0, 1, RCS },
    { "MI_BATCH_BUFFER_END", MI_KEY(0x0a), 0, 1, ALL },
    { "MI_SUSPEND_FLUSH", MI_KEY(0x0b), 0, 1, ALL },
    { "MI_PREDICATE", MI_KEY(0x0c), 0, 1, RCS },
    { "MI_TOPOLOGY_FILTER", MI_KEY(0x0d), 0, 1, RCS },
    { "MI_SET_APPID", MI_KEY(0x0e), 0, 1, ALL },
    { "MI_RS_CONTEXT", MI_KEY(0x0f), 0, 1, RCS },
    { "MI_LOAD_SCAN_LINES_INCL", MI_KEY(0x12), 6, 2, RCS|BCS },
    { "MI_LOAD_SCAN_LINES_EXCL", MI_KEY(0x13), 6, 2, RCS|BCS },
    { "MI_DISPLAY_FLIP", MI_KEY(0x14), 8, 3, RCS|BCS },
    { "MI_SET_CONTEXT", MI_KEY(0x18), 8, 2, RCS },
    { "MI_MATH", MI_KEY(0x1a), 8, 2, ALL },
    { "MI_SEMAPHORE_SIGNAL", MI_KEY(0x1b), 8, 2, ALL },
    { "MI_SEMAPHORE_WAIT", MI_KEY(0x1c), 8, 4, ALL },
    { "MI_FORCE_WAKEUP", MI_KEY(0x1d), 8, 2, ALL },
    { "MI_STORE_DATA_IMM", MI_KEY(0x20), 10, 4, ALL },
    { "MI_STORE_DATA_INDEX", MI_KEY(0x21), 8, 3, ALL },
    { "MI_LOAD_REGISTER_IMM", MI_KEY(0x22), 8, 3, ALL },
    { "MI_UPDATE_GTT", MI_KEY(0x23), 10, 3, ALL },
    { "MI_STORE_REGISTER_MEM", MI_KEY(0x24), 8, 4, ALL },
    { "MI_FLUSH_DW", MI_KEY(0x26), 6, 4, XCS },
    { "MI_CLFLUSH", MI_KEY(0x27), 10, 3, ALL },
    { "MI_REPORT_PERF_COUNT", MI_KEY(0x28), 6, 4, RCS },
    { "MI_LOAD_REGISTER_MEM", MI_KEY(0x29), 8, 4, ALL },
    { "MI_LOAD_REGISTER_REG", MI_KEY(0x2a), 8, 3, ALL },
    { "MI_RS_STORE_DATA_IMM", MI_KEY(0x2b), 8, 4, RCS },
    { "MI_LOAD_URB_MEM", MI_KEY(0x2c), 8, 4, RCS },
    { "MI_STORE_URB_MEM", MI_KEY(0x2d), 8, 4, RCS },
    { "MI_COPY_MEM_MEM", MI_KEY(0x2e), 8, 5, ALL },
    { "MI_ATOMIC", MI_KEY(0x2f), 8, 3, ALL },
    { "MI_BATCH_BUFFER_START", MI_KEY(0x31), 8, 3, ALL },
    { "MI_CONDITIONAL_BATCH_BUFFER_END", MI_KEY(0x36), 8, 4, ALL },
};

static const struct prm_cmd prm_blt[] = {
    { "XY_FAST_COPY_BLT", BLT_KEY(0x42), 8, 10, BCS },
    { "XY_COLOR_BLT", BLT_KEY(0x50), 8, 7, BCS },
    { "XY_SRC_COPY_BLT", BLT_KEY(0x53), 8, 10, BCS },
};

/* Render engine GFX commands (Gen9 opcodes and length field widths). */
static const struct prm_cmd prm_gfx[] = {
    { "PIPE_CONTROL", GFX_KEY(3, 2, 0x00), 8, 6, RCS },
    { "STATE_PREFETCH", GFX_KEY(0, 0, 0x03), 8, 2, RCS },
    { "STATE_BASE_ADDRESS", GFX_KEY(0, 1, 0x01), 8, 2, RCS },
    { "STATE_SIP", GFX_KEY(0, 1, 0x02), 8, 2, RCS },
    { "GPGPU_CSR_BASE_ADDRESS", GFX_KEY(0, 1, 0x04), 8, 2, RCS },
    { "MEDIA_VFE_STATE", GFX_KEY(2, 0, 0x00), 16, 2, RCS },
    { "MEDIA_CURBE_LOAD", GFX_KEY(2, 0, 0x01), 16, 2, RCS },
    { "MEDIA_INTERFACE_DESCRIPTOR_LOAD", GFX_KEY(2, 0, 0x02), 16, 2, RCS },
    { "MEDIA_GATEWAY_STATE", GFX_KEY(2, 0, 0x03), 16, 2, RCS },
    { "MEDIA_STATE_FLUSH", GFX_KEY(2, 0, 0x04), 16, 2, RCS },
    { "MEDIA_OBJECT", GFX_KEY(2, 1, 0x00), 16, 2, RCS },
    { "MEDIA_OBJECT_PRT", GFX_KEY(2, 1, 0x02), 16, 2, RCS },
    { "MEDIA_OBJECT_WALKER", GFX_KEY(2, 1, 0x03), 16, 2, RCS },
    { "GPGPU_WALKER", GFX_KEY(2, 1, 0x05), 8, 2, RCS },
    { "MEDIA_OBJECT_GRPID", GFX_KEY(2, 1, 0x06), 16, 2, RCS },
    { "3DSTATE_CLEAR_PARAMS", GFX_KEY(3, 0, 0x04), 8, 2, RCS },
    { "3DSTATE_DEPTH_BUFFER", GFX_KEY(3, 0, 0x05), 8, 2, RCS },
    { "3DSTATE_STENCIL_BUFFER", GFX_KEY(3, 0, 0x06), 8, 2, RCS },
    { "3DSTATE_HIER_DEPTH_BUFFER", GFX_KEY(3, 0, 0x07), 8, 2, RCS },
    { "3DSTATE_VERTEX_BUFFERS", GFX_KEY(3, 0, 0x08), 8, 2, RCS },
    { "3DSTATE_VERTEX_ELEMENTS", GFX_KEY(3, 0, 0x09), 8, 2, RCS },
    { "3DSTATE_INDEX_BUFFER", GFX_KEY(3, 0, 0x0a), 8, 2, RCS },
    { "3DSTATE_VF", GFX_KEY(3, 0, 0x0c), 8, 2, RCS },
    { "3DSTATE_MULTISAMPLE", GFX_KEY(3, 0, 0x0d), 8, 2, RCS },
    { "3DSTATE_CC_STATE_POINTERS", GFX_KEY(3, 0, 0x0e), 8, 2, RCS },
    { "3DSTATE_SCISSOR_STATE_POINTERS", GFX_KEY(3, 0, 0x0f), 8, 2, RCS },
    { "3DSTATE_VS", GFX_KEY(3, 0, 0x10), 8, 2, RCS },
    { "3DSTATE_GS", GFX_KEY(3, 0, 0x11), 8, 2, RCS },
    { "3DSTATE_CLIP", GFX_KEY(3, 0, 0x12), 8, 2, RCS },
    { "3DSTATE_SF", GFX_KEY(3, 0, 0x13), 8, 2, RCS },
    { "3DSTATE_WM", GFX_KEY(3, 0, 0x14), 8, 2, RCS },
    { "3DSTATE_CONSTANT_VS", GFX_KEY(3, 0, 0x15), 8, 2, RCS },
    { "3DSTATE_CONSTANT_GS", GFX_KEY(3, 0, 0x16), 8, 2, RCS },
    { "3DSTATE_CONSTANT_PS", GFX_KEY(3, 0, 0x17), 8, 2, RCS },
    { "3DSTATE_SAMPLE_MASK", GFX_KEY(3, 0, 0x18), 8, 2, RCS },
    { "3DSTATE_CONSTANT_HS", GFX_KEY(3, 0, 0x19), 8, 2, RCS },
    { "3DSTATE_CONSTANT_DS", GFX_KEY(3, 0, 0x1a), 8, 2, RCS },
    { "3DSTATE_HS", GFX_KEY(3, 0, 0x1b), 8, 2, RCS },
    { "3DSTATE_TE", GFX_KEY(3, 0, 0x1c), 8, 2, RCS },
    { "3DSTATE_DS", GFX_KEY(3, 0, 0x1d), 8, 2, RCS },
    { "3DSTATE_STREAMOUT", GFX_KEY(3, 0, 0x1e), 8, 2, RCS },
    { "3DSTATE_SBE", GFX_KEY(3, 0, 0x1f), 8, 2, RCS },
    { "3DSTATE_PS", GFX_KEY(3, 0, 0x20), 8, 2, RCS },
    { "3DSTATE_VIEWPORT_STATE_POINTERS_SF_CLIP", GFX_KEY(3, 0, 0x21), 8, 2, RCS },
    { "3DSTATE_VIEWPORT_STATE_POINTERS_CC", GFX_KEY(3, 0, 0x23), 8, 2, RCS },
    { "3DSTATE_BLEND_STATE_POINTERS", GFX_KEY(3, 0, 0x24), 8, 2, RCS },
    { "3DSTATE_BINDING_TABLE_POINTERS_VS", GFX_KEY(3, 0, 0x26), 8, 2, RCS },
    { "3DSTATE_BINDING_TABLE_POINTERS_HS", GFX_KEY(3, 0, 0x27), 8, 2, RCS },
    { "3DSTATE_BINDING_TABLE_POINTERS_DS", GFX_KEY(3, 0, 0x28), 8, 2, RCS },
    { "3DSTATE_BINDING_TABLE_POINTERS_GS", GFX_KEY(3, 0, 0x29), 8, 2, RCS },
    { "3DSTATE_BINDING_TABLE_POINTERS_PS", GFX_KEY(3, 0, 0x2a), 8, 2, RCS },
    { "3DSTATE_SAMPLER_STATE_POINTERS_VS", GFX_KEY(3, 0, 0x2b), 8, 2, RCS },
    { "3DSTATE_SAMPLER_STATE_POINTERS_HS", GFX_KEY(3, 0, 0x2c), 8, 2, RCS },
    { "3DSTATE_SAMPLER_STATE_POINTERS_DS", GFX_KEY(3, 0, 0x2d), 8, 2, RCS },
    { "3DSTATE_SAMPLER_STATE_POINTERS_GS", GFX_KEY(3, 0, 0x2e), 8, 2, RCS },
    { "3DSTATE_SAMPLER_STATE_POINTERS_PS", GFX_KEY(3, 0, 0x2f), 8, 2, RCS },
    { "3DSTATE_URB_VS", GFX_KEY(3, 0, 0x30), 8, 2, RCS },
    { "3DSTATE_URB_HS", GFX_KEY(3, 0, 0x31), 8, 2, RCS },
    { "3DSTATE_URB_DS", GFX_KEY(3, 0, 0x32), 8, 2, RCS },
    { "3DSTATE_URB_GS", GFX_KEY(3, 0, 0x33), 8, 2, RCS },
    { "3DSTATE_GATHER_CONSTANT_VS", GFX_KEY(3, 0, 0x34), 8, 2, RCS },
    { "3DSTATE_GATHER_CONSTANT_GS", GFX_KEY(3, 0, 0x35), 8, 2, RCS },
    { "3DSTATE_GATHER_CONSTANT_HS", GFX_KEY(3, 0, 0x36), 8, 2, RCS },
    { "3DSTATE_GATHER_CONSTANT_DS", GFX_KEY(3, 0, 0x37), 8, 2, RCS },
    { "3DSTATE_GATHER_CONSTANT_PS", GFX_KEY(3, 0, 0x38), 8, 2, RCS },
    { "3DSTATE_BINDING_TABLE_EDIT_VS", GFX_KEY(3, 0, 0x43), 9, 2, RCS },
    { "3DSTATE_BINDING_TABLE_EDIT_GS", GFX_KEY(3, 0, 0x44), 9, 2, RCS },
    { "3DSTATE_BINDING_TABLE_EDIT_HS", GFX_KEY(3, 0, 0x45), 9, 2, RCS },
    { "3DSTATE_BINDING_TABLE_EDIT_DS", GFX_KEY(3, 0, 0x46), 9, 2, RCS },
    { "3DSTATE_BINDING_TABLE_EDIT_PS", GFX_KEY(3, 0, 0x47), 9, 2, RCS },
    { "3DSTATE_VF_INSTANCING", GFX_KEY(3, 0, 0x49), 8, 2, RCS },
    { "3DSTATE_VF_SGVS", GFX_KEY(3, 0, 0x4a), 8, 2, RCS },
    { "3DSTATE_VF_TOPOLOGY", GFX_KEY(3, 0, 0x4b), 8, 2, RCS },
    { "3DSTATE_WM_CHROMAKEY", GFX_KEY(3, 0, 0x4c), 8, 2, RCS },
    { "3DSTATE_PS_BLEND", GFX_KEY(3, 0, 0x4d), 8, 2, RCS },
    { "3DSTATE_WM_DEPTH_STENCIL", GFX_KEY(3, 0, 0x4e), 8, 2, RCS },
    { "3DSTATE_PS_EXTRA", GFX_KEY(3, 0, 0x4f), 8, 2, RCS },
    { "3DSTATE_RASTER", GFX_KEY(3, 0, 0x50), 8, 2, RCS },
    { "3DSTATE_SBE_SWIZ", GFX_KEY(3, 0, 0x51), 8, 2, RCS },
    { "3DSTATE_WM_HZ_OP", GFX_KEY(3, 0, 0x52), 8, 2, RCS },
    { "3DSTATE_RS_CONSTANT_POINTER", GFX_KEY(3, 0, 0x54), 8, 2, RCS },
    { "3DSTATE_VF_COMPONENT_PACKING", GFX_KEY(3, 0, 0x55), 8, 2, RCS },
    { "3DSTATE_DRAWING_RECTANGLE", GFX_KEY(3, 1, 0x00), 8, 2, RCS },
    { "3DSTATE_SAMPLER_PALETTE_LOAD0", GFX_KEY(3, 1, 0x02), 8, 2, RCS },
    { "3DSTATE_CHROMA_KEY", GFX_KEY(3, 1, 0x04), 8, 2, RCS },
    { "3DSTATE_POLY_STIPPLE_OFFSET", GFX_KEY(3, 1, 0x06), 8, 2, RCS },
    { "3DSTATE_POLY_STIPPLE_PATTERN", GFX_KEY(3, 1, 0x07), 8, 2, RCS },
    { "3DSTATE_LINE_STIPPLE", GFX_KEY(3, 1, 0x08), 8, 2, RCS },
    { "3DSTATE_AA_LINE_PARAMETERS", GFX_KEY(3, 1, 0x0a), 8, 2, RCS },
    { "3DSTATE_SAMPLER_PALETTE_LOAD1", GFX_KEY(3, 1, 0x0c), 8, 2, RCS },
    { "3DSTATE_MONOFILTER_SIZE", GFX_KEY(3, 1, 0x11), 8, 2, RCS },
    { "3DSTATE_PUSH_CONSTANT_ALLOC_VS", GFX_KEY(3, 1, 0x12), 8, 2, RCS },
    { "3DSTATE_PUSH_CONSTANT_ALLOC_HS", GFX_KEY(3, 1, 0x13), 8, 2, RCS },
    { "3DSTATE_PUSH_CONSTANT_ALLOC_DS", GFX_KEY(3, 1, 0x14), 8, 2, RCS },
    { "3DSTATE_PUSH_CONSTANT_ALLOC_GS", GFX_KEY(3, 1, 0x15), 8, 2, RCS },
    { "3DSTATE_PUSH_CONSTANT_ALLOC_PS", GFX_KEY(3, 1, 0x16), 8, 2, RCS },
    { "3DSTATE_SO_DECL_LIST", GFX_KEY(3, 1, 0x17), 9, 2, RCS },
    { "3DSTATE_SO_BUFFER", GFX_KEY(3, 1, 0x18), 8, 2, RCS },
    { "3DSTATE_BINDING_TABLE_POOL_ALLOC", GFX_KEY(3, 1, 0x19), 8, 2, RCS },
    { "3DSTATE_GATHER_POOL_ALLOC", GFX_KEY(3, 1, 0x1a), 8, 2, RCS },
    { "3DSTATE_DX9_CONSTANT_BUFFER_POOL_ALLOC", GFX_KEY(3, 1, 0x1b), 8, 2, RCS },
    { "3DSTATE_SAMPLE_PATTERN", GFX_KEY(3, 1, 0x1c), 8, 2, RCS },
    { "3DSTATE_URB_CLEAR", GFX_KEY(3, 1, 0x1d), 8, 2, RCS },
    { "3DPRIMITIVE", GFX_KEY(3, 3, 0x00), 8, 2, RCS },
    { "3DSTATE_VF_STATISTICS", GFX_KEY(1, 0, 0x0b), 0, 1, RCS },
    { "PIPELINE_SELECT", GFX_KEY(1, 1, 0x04), 0, 1, RCS },
};

/* Video engines: the GFX-type commands are pipeline 2 (MFX, HCP, VDENC,
 * HuC, VEBOX), each of a 12-bit length, and MFX_WAIT (pipeline 1), a
 * single dword; pipelines 0 and 3 have no commands there. */
static const struct prm_cmd prm_video[] = {
    { "MFX_WAIT", 3u << 29 | 1u << 27, 0, 1, VIDEO },
    { "video engine command", 3u << 29 | 2u << 27, 12, 1, VIDEO },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The PRM's command for @dw0 on @engine, or NULL. */
static const struct prm_cmd *prm_find(enum gen9_engine engine, uint32_t dw0)
{
    const struct prm_cmd *list = NULL, *found = NULL;
    uint32_t mask = 0;
    size_t n = 0;

    switch (dw0 >> 29) {
    case 0:
        list = prm_mi, n = N(prm_mi), mask = 0xff800000;
        break;
    case 2:
        list = prm_blt, n = N(prm_blt), mask = 0xffc00000;
        break;
    case 3:
        if (engine == GEN9_VCS || engine == GEN9_VECS) {
            list = prm_video, n = N(prm_video), mask = 0xf8000000;
        } else {
            list = prm_gfx, n = N(prm_gfx), mask = 0xffff0000;
        }
        break;
    }
    for (size_t i = 0; i < n && !found; i++) {
        if ((dw0 & mask) == list[i].key) {
            found = &list[i];
        }
    }
    return found && (found->engines & (1u << engine)) ? found : NULL;
}

static unsigned prm_length(const struct prm_cmd *c, uint32_t dw0)
{
    return c->len_bits ? (dw0 & ((1u << c->len_bits) - 1)) + 2 : c->min_len;
}

/* Dword 0 bits that select the command, per command type (bits 31:29). */
static const struct {
    unsigned shift, bits;       /* the opcode field */
} opcode_field[8] = {
    [0] = { 23, 6 },            /* MI: bits 28:23 */
    [1] = { 16, 13 },           /* no commands: every bit pattern is tried */
    [2] = { 22, 7 },            /* 2D (blitter): bits 28:22 */
    [3] = { 16, 13 },           /* GFX: subtype 28:27, opcode 26:24, sub-opcode 23:16 */
    [4] = { 16, 13 }, [5] = { 16, 13 }, [6] = { 16, 13 }, [7] = { 16, 13 },
};

/* The length-field patterns tried on each command both know: zero, each
 * bit alone and all ones in the low 16 bits, so a field one bit wider or
 * narrower, or a different bias, gives a different length in one of
 * them. */
static unsigned compare_lengths(enum gen9_engine e, uint32_t dw0, uint32_t free_bits,
                                const struct gen9_cmd *row, const struct prm_cmd *prm)
{
    for (int bit = -1; bit <= 16; bit++) {
        uint32_t pattern = bit < 0 ? 0 : bit == 16 ? 0xffff : 1u << bit;
        uint32_t dw = dw0 | (pattern & free_bits);

        if (gen9_cmd_length(row, dw) != prm_length(prm, dw)) {
            print_error("%s on %s, dword 0 0x%08x: the row reads %u dwords, the PRM (%s) "
                        "%u\n", row->name, gen9_engines[e].name, dw,
                        gen9_cmd_length(row, dw), prm->name, prm_length(prm, dw));
            return 1;
        }
    }
    if (row->min_len < prm->min_len) {
        print_error("%s on %s: the row allows %u dwords, the PRM (%s) calls fewer than %u "
                    "malformed\n", row->name, gen9_engines[e].name, row->min_len, prm->name,
                    prm->min_len);
        return 1;
    }
    return 0;
}

static void test_every_opcode_both_ways(void **state)
{
    unsigned failures = 0, both = 0, neither = 0;

    (void)state;
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        for (uint32_t type = 0; type < 8; type++) {
            unsigned shift = opcode_field[type].shift, bits = opcode_field[type].bits;
            uint32_t free_bits = (1u << shift) - 1;

            for (uint32_t op = 0; op < (1u << bits); op++) {
                uint32_t dw0 = type << 29 | op << shift;
                int i = gen9_cmd_find(e, dw0);
                const struct prm_cmd *prm = prm_find(e, dw0);

                if (i >= 0 && prm) {
                    both++;
                    failures += compare_lengths(e, dw0, free_bits, &gen9_cmds[i], prm);
                } else if (i < 0 && !prm) {
                    neither++;
                } else if (failures++ < MAX_REPORTED) {
                    print_error("dword 0 0x%08x on %s: only the %s knows it (%s)\n", dw0,
                                gen9_engines[e].name, i >= 0 ? "row table" : "PRM list",
                                i >= 0 ? gen9_cmds[i].name : prm->name);
                }
            }
        }
    }
    printf("# %u opcodes (per engine) known to both with the same length rule, %u to "
           "neither, %u failures\n", both, neither, failures);
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_opcode_both_ways),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
