/*
 * The Gen9 command rows (gen9/cmd.c), which the scanner and the GPU model
 * both decode by, against what Linux knows of the same commands, written
 * out below as data (facts only, our layout):
 *  - GVT-g's command table for Skylake (drivers/gpu/drm/i915/gvt/
 *    cmd_parser.c, cmd_info[]: name, opcode, F_LEN_CONST / F_LEN_VAR /
 *    F_LEN_VAR_FIXED with its length or field width, rings; every row there
 *    is D_ALL, D_BDW_PLUS or D_SKL_PLUS, so all hold for Skylake);
 *  - i915's command parser (drivers/gpu/drm/i915/i915_cmd_parser.c): its
 *    Gen9 blitter table gen9_blt_cmds, MFX_WAIT, and the length field of
 *    the video engines' commands (gen7_bsd_get_cmd_length_mask);
 *  - for the few commands neither lists, Mesa's Gen9 command descriptions
 *    (src/intel/genxml/gen9.xml) and i915's opcodes
 *    (drivers/gpu/drm/i915/gt/intel_gpu_commands.h).
 *
 * For every engine and every opcode a dword 0 can carry (all command
 * types, every value of the opcode bits, generated here), a command GVT-g
 * or i915 lists must decode in gen9/cmd.c with the same length rule, and
 * a command gen9/cmd.c knows must be listed by one of the sources on that
 * engine, with the same length rule.  Where gen9/cmd.c departs from GVT-g
 * on purpose, the GVT-g row says on which engines, why and by which
 * source, and the test checks the departure is still there (a stale note
 * fails).  A scanner that decodes a length differently from the GPU
 * desynchronizes from the command stream the GPU executes, which is how a
 * command hides from the scanner.
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

#define MAX_REPORTED    64      /* differences named; all are counted */

/* Engine sets, short. */
#define RCS     GEN9_ENG_RCS
#define BCS     GEN9_ENG_BCS
#define VCS     GEN9_ENG_VCS
#define VECS    GEN9_ENG_VECS
#define XCS     GEN9_ENG_XCS
#define ALL     GEN9_ENG_ALL

/* How a source gives a command's length. */
enum rule {
    CONST,      /* a fixed length, whatever dword 0 holds (GVT-g F_LEN_CONST, i915 F) */
    FIELD,      /* DWord Length field + 2 (GVT-g F_LEN_VAR, i915's length mask) */
    EXACT,      /* FIELD, and only one length is valid (GVT-g F_LEN_VAR_FIXED) */
};

struct ref_cmd {
    const char *name;
    uint32_t dw0;           /* command type and opcode bits */
    enum rule rule;
    unsigned len;           /* CONST: dwords; FIELD, EXACT: the field's width in bits */
    unsigned exact;         /* EXACT: the valid length in dwords */
    unsigned engines;
    uint32_t mask;          /* opcode bits of dw0; 0: the type's (below) */
    unsigned departs;       /* engines where gen9/cmd.c departs from the row on purpose */
    const char *why;        /* the departure's reason and source */
};

#define MI(op)              ((uint32_t)(op) << 23)
#define BLT(op)             (2u << 29 | (uint32_t)(op) << 22)
#define GFX(sub, op, subop) (3u << 29 | (uint32_t)(sub) << 27 | (uint32_t)(op) << 24 | \
                             (uint32_t)(subop) << 16)
/* GVT-g's (and the VA-API driver's) MFX/VEBOX opcode: sub-opcode A 23:21, B 20:16. */
#define MFX(sub, op, a, b)  GFX(sub, op, (a) << 5 | (b))
#define C(n)                .rule = CONST, .len = (n)
#define F(bits)             .rule = FIELD, .len = (bits)
#define X(bits, n)          .rule = EXACT, .len = (bits), .exact = (n)
#define ON(engs)            .engines = (engs)
#define DEPARTS(engs, reason) .departs = (engs), .why = (reason)

/*
 * GVT-g's cmd_info[], in its order.  R_ALL is every engine; GVT-g decodes
 * blits (type 2) on the blitter only and type 3 everywhere but the
 * blitter (ring_decode_info[]), which gvt_find() applies.
 */
static const struct ref_cmd gvt[] = {
    { "MI_NOOP", MI(0x00), C(1), ON(ALL) },
    { "MI_SET_PREDICATE", MI(0x01), C(1), ON(ALL) },
    { "MI_USER_INTERRUPT", MI(0x02), C(1), ON(ALL) },
    { "MI_WAIT_FOR_EVENT", MI(0x03), C(1), ON(RCS | BCS) },
    { "MI_FLUSH", MI(0x04), C(1), ON(ALL) },
    { "MI_ARB_CHECK", MI(0x05), C(1), ON(ALL) },
    { "MI_RS_CONTROL", MI(0x06), C(1), ON(RCS) },
    { "MI_REPORT_HEAD", MI(0x07), C(1), ON(ALL) },
    { "MI_ARB_ON_OFF", MI(0x08), C(1), ON(ALL) },
    { "MI_URB_ATOMIC_ALLOC", MI(0x09), C(1), ON(RCS) },
    { "MI_BATCH_BUFFER_END", MI(0x0a), C(1), ON(ALL) },
    { "MI_SUSPEND_FLUSH", MI(0x0b), C(1), ON(ALL) },
    { "MI_PREDICATE", MI(0x0c), C(1), ON(RCS) },
    { "MI_TOPOLOGY_FILTER", MI(0x0d), C(1), ON(ALL),
      DEPARTS(XCS, "a 3D pipeline command: i915's parser knows it on the render engine only "
              "(i915_cmd_parser.c render_cmds; gen9_blt_cmds has no row for it)") },
    { "MI_SET_APPID", MI(0x0e), C(1), ON(ALL) },
    { "MI_RS_CONTEXT", MI(0x0f), C(1), ON(RCS) },
    { "MI_DISPLAY_FLIP", MI(0x14), F(8), ON(RCS | BCS) },
    { "MI_SEMAPHORE_MBOX", MI(0x16), X(8, 3), ON(ALL),
      DEPARTS(ALL, "Gen6 and Gen7 only: intel_gpu_commands.h marks MI_SEMAPHORE_MBOX "
              "'gen6, gen7'; Gen8 and later have MI_SEMAPHORE_SIGNAL/WAIT") },
    { "MI_MATH", MI(0x1a), F(8), ON(ALL) },
    { "MI_URB_CLEAR", MI(0x19), X(8, 2), ON(RCS) },
    { "MI_SEMAPHORE_SIGNAL", MI(0x1b), X(8, 2), ON(ALL) },
    { "MI_SEMAPHORE_WAIT", MI(0x1c), X(8, 4), ON(ALL) },
    { "MI_STORE_DATA_IMM", MI(0x20), F(10), ON(ALL) },
    { "MI_STORE_DATA_INDEX", MI(0x21), F(8), ON(ALL) },
    { "MI_LOAD_REGISTER_IMM", MI(0x22), F(8), ON(ALL) },
    { "MI_UPDATE_GTT", MI(0x23), F(10), ON(ALL) },
    { "MI_STORE_REGISTER_MEM", MI(0x24), X(8, 4), ON(ALL) },
    { "MI_FLUSH_DW", MI(0x26), F(6), ON(ALL),
      DEPARTS(RCS, "not a render engine command: i915's parser lists it for the video, "
              "video enhancement and blitter engines only (video_cmds, vecs_cmds, blt_cmds, "
              "gen9_blt_cmds), the render engine flushes with PIPE_CONTROL") },
    { "MI_CLFLUSH", MI(0x27), F(10), ON(ALL) },
    { "MI_REPORT_PERF_COUNT", MI(0x28), X(6, 4), ON(ALL),
      DEPARTS(XCS, "the render engine's performance counters: i915's parser knows it on the "
              "render engine only (render_cmds; gen9_blt_cmds has no row for it)") },
    { "MI_LOAD_REGISTER_MEM", MI(0x29), X(8, 4), ON(ALL) },
    { "MI_LOAD_REGISTER_REG", MI(0x2a), X(8, 3), ON(ALL) },
    { "MI_RS_STORE_DATA_IMM", MI(0x2b), X(8, 4), ON(RCS) },
    { "MI_LOAD_URB_MEM", MI(0x2c), X(8, 4), ON(RCS) },
    { "MI_STORE_URM_MEM", MI(0x2d), F(8), ON(RCS) },
    { "MI_OP_2E", MI(0x2e), X(8, 5), ON(ALL) },
    { "MI_OP_2F", MI(0x2f), F(8), ON(ALL) },
    { "MI_BATCH_BUFFER_START", MI(0x31), F(8), ON(ALL) },
    { "MI_CONDITIONAL_BATCH_BUFFER_END", MI(0x36), X(8, 4), ON(ALL) },
    { "MI_LOAD_SCAN_LINES_INCL", MI(0x12), C(2), ON(RCS | BCS) },

    { "XY_SETUP_BLT", BLT(0x01), F(8), ON(BCS) },
    { "XY_SETUP_CLIP_BLT", BLT(0x03), F(8), ON(BCS) },
    { "XY_SETUP_MONO_PATTERN_SL_BLT", BLT(0x11), F(8), ON(BCS) },
    { "XY_PIXEL_BLT", BLT(0x24), F(8), ON(BCS) },
    { "XY_SCANLINES_BLT", BLT(0x25), F(8), ON(BCS) },
    { "XY_TEXT_BLT", BLT(0x26), F(8), ON(BCS) },
    { "XY_TEXT_IMMEDIATE_BLT", BLT(0x31), F(8), ON(BCS) },
    { "XY_COLOR_BLT", BLT(0x50), F(8), ON(BCS) },
    { "XY_PAT_BLT", BLT(0x51), F(8), ON(BCS) },
    { "XY_MONO_PAT_BLT", BLT(0x52), F(8), ON(BCS) },
    { "XY_SRC_COPY_BLT", BLT(0x53), F(8), ON(BCS) },
    { "XY_MONO_SRC_COPY_BLT", BLT(0x54), F(8), ON(BCS) },
    { "XY_FULL_BLT", BLT(0x55), F(8), ON(BCS) },
    { "XY_FULL_MONO_SRC_BLT", BLT(0x56), F(8), ON(BCS) },
    { "XY_FULL_MONO_PATTERN_BLT", BLT(0x57), F(8), ON(BCS) },
    { "XY_FULL_MONO_PATTERN_MONO_SRC_BLT", BLT(0x58), F(8), ON(BCS) },
    { "XY_MONO_PAT_FIXED_BLT", BLT(0x59), F(8), ON(BCS) },
    { "XY_MONO_SRC_COPY_IMMEDIATE_BLT", BLT(0x71), F(8), ON(BCS) },
    { "XY_PAT_BLT_IMMEDIATE", BLT(0x72), F(8), ON(BCS) },
    { "XY_SRC_COPY_CHROMA_BLT", BLT(0x73), F(8), ON(BCS) },
    { "XY_FULL_IMMEDIATE_PATTERN_BLT", BLT(0x74), F(8), ON(BCS) },
    { "XY_FULL_MONO_SRC_IMMEDIATE_PATTERN_BLT", BLT(0x75), F(8), ON(BCS) },
    { "XY_PAT_CHROMA_BLT", BLT(0x76), F(8), ON(BCS) },
    { "XY_PAT_CHROMA_BLT_IMMEDIATE", BLT(0x77), F(8), ON(BCS) },

    { "3DSTATE_VIEWPORT_STATE_POINTERS_SF_CLIP", GFX(3, 0, 0x21), F(8), ON(RCS) },
    { "3DSTATE_VIEWPORT_STATE_POINTERS_CC", GFX(3, 0, 0x23), F(8), ON(RCS) },
    { "3DSTATE_BLEND_STATE_POINTERS", GFX(3, 0, 0x24), F(8), ON(RCS) },
    { "3DSTATE_DEPTH_STENCIL_STATE_POINTERS", GFX(3, 0, 0x25), F(8), ON(RCS) },
    { "3DSTATE_BINDING_TABLE_POINTERS_VS", GFX(3, 0, 0x26), F(8), ON(RCS) },
    { "3DSTATE_BINDING_TABLE_POINTERS_HS", GFX(3, 0, 0x27), F(8), ON(RCS) },
    { "3DSTATE_BINDING_TABLE_POINTERS_DS", GFX(3, 0, 0x28), F(8), ON(RCS) },
    { "3DSTATE_BINDING_TABLE_POINTERS_GS", GFX(3, 0, 0x29), F(8), ON(RCS) },
    { "3DSTATE_BINDING_TABLE_POINTERS_PS", GFX(3, 0, 0x2a), F(8), ON(RCS) },
    { "3DSTATE_SAMPLER_STATE_POINTERS_VS", GFX(3, 0, 0x2b), F(8), ON(RCS) },
    { "3DSTATE_SAMPLER_STATE_POINTERS_HS", GFX(3, 0, 0x2c), F(8), ON(RCS) },
    { "3DSTATE_SAMPLER_STATE_POINTERS_DS", GFX(3, 0, 0x2d), F(8), ON(RCS) },
    { "3DSTATE_SAMPLER_STATE_POINTERS_GS", GFX(3, 0, 0x2e), F(8), ON(RCS) },
    { "3DSTATE_SAMPLER_STATE_POINTERS_PS", GFX(3, 0, 0x2f), F(8), ON(RCS) },
    { "3DSTATE_URB_VS", GFX(3, 0, 0x30), F(8), ON(RCS) },
    { "3DSTATE_URB_HS", GFX(3, 0, 0x31), F(8), ON(RCS) },
    { "3DSTATE_URB_DS", GFX(3, 0, 0x32), F(8), ON(RCS) },
    { "3DSTATE_URB_GS", GFX(3, 0, 0x33), F(8), ON(RCS) },
    { "3DSTATE_GATHER_CONSTANT_VS", GFX(3, 0, 0x34), F(8), ON(RCS) },
    { "3DSTATE_GATHER_CONSTANT_GS", GFX(3, 0, 0x35), F(8), ON(RCS) },
    { "3DSTATE_GATHER_CONSTANT_HS", GFX(3, 0, 0x36), F(8), ON(RCS) },
    { "3DSTATE_GATHER_CONSTANT_DS", GFX(3, 0, 0x37), F(8), ON(RCS) },
    { "3DSTATE_GATHER_CONSTANT_PS", GFX(3, 0, 0x38), F(8), ON(RCS) },
    { "3DSTATE_DX9_CONSTANTF_VS", GFX(3, 0, 0x39), F(11), ON(RCS) },
    { "3DSTATE_DX9_CONSTANTF_PS", GFX(3, 0, 0x3a), F(11), ON(RCS) },
    { "3DSTATE_DX9_CONSTANTI_VS", GFX(3, 0, 0x3b), F(8), ON(RCS) },
    { "3DSTATE_DX9_CONSTANTI_PS", GFX(3, 0, 0x3c), F(8), ON(RCS) },
    { "3DSTATE_DX9_CONSTANTB_VS", GFX(3, 0, 0x3d), F(8), ON(RCS) },
    { "3DSTATE_DX9_CONSTANTB_PS", GFX(3, 0, 0x3e), F(8), ON(RCS) },
    { "3DSTATE_DX9_LOCAL_VALID_VS", GFX(3, 0, 0x3f), F(8), ON(RCS) },
    { "3DSTATE_DX9_LOCAL_VALID_PS", GFX(3, 0, 0x40), F(8), ON(RCS) },
    { "3DSTATE_DX9_GENERATE_ACTIVE_VS", GFX(3, 0, 0x41), F(8), ON(RCS) },
    { "3DSTATE_DX9_GENERATE_ACTIVE_PS", GFX(3, 0, 0x42), F(8), ON(RCS) },
    { "3DSTATE_BINDING_TABLE_EDIT_VS", GFX(3, 0, 0x43), F(9), ON(RCS) },
    { "3DSTATE_BINDING_TABLE_EDIT_GS", GFX(3, 0, 0x44), F(9), ON(RCS) },
    { "3DSTATE_BINDING_TABLE_EDIT_HS", GFX(3, 0, 0x45), F(9), ON(RCS) },
    { "3DSTATE_BINDING_TABLE_EDIT_DS", GFX(3, 0, 0x46), F(9), ON(RCS) },
    { "3DSTATE_BINDING_TABLE_EDIT_PS", GFX(3, 0, 0x47), F(9), ON(RCS) },
    { "3DSTATE_VF_INSTANCING", GFX(3, 0, 0x49), F(8), ON(RCS) },
    { "3DSTATE_VF_SGVS", GFX(3, 0, 0x4a), F(8), ON(RCS) },
    { "3DSTATE_VF_TOPOLOGY", GFX(3, 0, 0x4b), F(8), ON(RCS) },
    { "3DSTATE_WM_CHROMAKEY", GFX(3, 0, 0x4c), F(8), ON(RCS) },
    { "3DSTATE_PS_BLEND", GFX(3, 0, 0x4d), F(8), ON(RCS) },
    { "3DSTATE_WM_DEPTH_STENCIL", GFX(3, 0, 0x4e), F(8), ON(RCS) },
    { "3DSTATE_PS_EXTRA", GFX(3, 0, 0x4f), F(8), ON(RCS) },
    { "3DSTATE_RASTER", GFX(3, 0, 0x50), F(8), ON(RCS) },
    { "3DSTATE_SBE_SWIZ", GFX(3, 0, 0x51), F(8), ON(RCS) },
    { "3DSTATE_WM_HZ_OP", GFX(3, 0, 0x52), F(8), ON(RCS) },
    { "3DSTATE_VERTEX_BUFFERS", GFX(3, 0, 0x08), F(8), ON(RCS) },
    { "3DSTATE_VERTEX_ELEMENTS", GFX(3, 0, 0x09), F(8), ON(RCS) },
    { "3DSTATE_INDEX_BUFFER", GFX(3, 0, 0x0a), F(8), ON(RCS) },
    { "3DSTATE_VF_STATISTICS", GFX(3, 0, 0x0b), C(1), ON(RCS),
      DEPARTS(RCS, "3DSTATE_VF_STATISTICS is subtype 1 (i915's GFX_OP_3DSTATE_VF_STATISTICS, "
              "intel_gpu_commands.h; Mesa's gen9.xml), GVT-g's 3DSTATE_VF_STATISTICS_GM45 "
              "row; subtype 3 sub-opcode 0x0b is no Gen9 command") },
    { "3DSTATE_VF", GFX(3, 0, 0x0c), F(8), ON(RCS) },
    { "3DSTATE_CC_STATE_POINTERS", GFX(3, 0, 0x0e), F(8), ON(RCS) },
    { "3DSTATE_SCISSOR_STATE_POINTERS", GFX(3, 0, 0x0f), F(8), ON(RCS) },
    { "3DSTATE_GS", GFX(3, 0, 0x11), F(8), ON(RCS) },
    { "3DSTATE_CLIP", GFX(3, 0, 0x12), F(8), ON(RCS) },
    { "3DSTATE_WM", GFX(3, 0, 0x14), F(8), ON(RCS) },
    { "3DSTATE_CONSTANT_GS", GFX(3, 0, 0x16), F(8), ON(RCS) },
    { "3DSTATE_CONSTANT_PS", GFX(3, 0, 0x17), F(8), ON(RCS) },
    { "3DSTATE_SAMPLE_MASK", GFX(3, 0, 0x18), F(8), ON(RCS) },
    { "3DSTATE_CONSTANT_HS", GFX(3, 0, 0x19), F(8), ON(RCS) },
    { "3DSTATE_CONSTANT_DS", GFX(3, 0, 0x1a), F(8), ON(RCS) },
    { "3DSTATE_HS", GFX(3, 0, 0x1b), F(8), ON(RCS) },
    { "3DSTATE_TE", GFX(3, 0, 0x1c), F(8), ON(RCS) },
    { "3DSTATE_DS", GFX(3, 0, 0x1d), F(8), ON(RCS) },
    { "3DSTATE_STREAMOUT", GFX(3, 0, 0x1e), F(8), ON(RCS) },
    { "3DSTATE_SBE", GFX(3, 0, 0x1f), F(8), ON(RCS) },
    { "3DSTATE_PS", GFX(3, 0, 0x20), F(8), ON(RCS) },
    { "3DSTATE_DRAWING_RECTANGLE", GFX(3, 1, 0x00), F(8), ON(RCS) },
    { "3DSTATE_SAMPLER_PALETTE_LOAD0", GFX(3, 1, 0x02), F(8), ON(RCS) },
    { "3DSTATE_CHROMA_KEY", GFX(3, 1, 0x04), F(8), ON(RCS) },
    { "3DSTATE_DEPTH_BUFFER", GFX(3, 0, 0x05), F(8), ON(RCS) },
    { "3DSTATE_POLY_STIPPLE_OFFSET", GFX(3, 1, 0x06), F(8), ON(RCS) },
    { "3DSTATE_POLY_STIPPLE_PATTERN", GFX(3, 1, 0x07), F(8), ON(RCS) },
    { "3DSTATE_LINE_STIPPLE", GFX(3, 1, 0x08), F(8), ON(RCS) },
    { "3DSTATE_AA_LINE_PARAMS", GFX(3, 1, 0x0a), F(8), ON(RCS) },
    { "3DSTATE_GS_SVB_INDEX", GFX(3, 1, 0x0b), F(8), ON(RCS) },
    { "3DSTATE_SAMPLER_PALETTE_LOAD1", GFX(3, 1, 0x0c), F(8), ON(RCS) },
    { "3DSTATE_MULTISAMPLE", GFX(3, 0, 0x0d), F(8), ON(RCS) },
    { "3DSTATE_STENCIL_BUFFER", GFX(3, 0, 0x06), F(8), ON(RCS) },
    { "3DSTATE_HIER_DEPTH_BUFFER", GFX(3, 0, 0x07), F(8), ON(RCS) },
    { "3DSTATE_CLEAR_PARAMS", GFX(3, 0, 0x04), F(8), ON(RCS) },
    { "3DSTATE_PUSH_CONSTANT_ALLOC_VS", GFX(3, 1, 0x12), F(8), ON(RCS) },
    { "3DSTATE_PUSH_CONSTANT_ALLOC_HS", GFX(3, 1, 0x13), F(8), ON(RCS) },
    { "3DSTATE_PUSH_CONSTANT_ALLOC_DS", GFX(3, 1, 0x14), F(8), ON(RCS) },
    { "3DSTATE_PUSH_CONSTANT_ALLOC_GS", GFX(3, 1, 0x15), F(8), ON(RCS) },
    { "3DSTATE_PUSH_CONSTANT_ALLOC_PS", GFX(3, 1, 0x16), F(8), ON(RCS) },
    { "3DSTATE_MONOFILTER_SIZE", GFX(3, 1, 0x11), F(8), ON(RCS) },
    { "3DSTATE_SO_DECL_LIST", GFX(3, 1, 0x17), F(9), ON(RCS) },
    { "3DSTATE_SO_BUFFER", GFX(3, 1, 0x18), F(8), ON(RCS) },
    { "3DSTATE_BINDING_TABLE_POOL_ALLOC", GFX(3, 1, 0x19), F(8), ON(RCS) },
    { "3DSTATE_GATHER_POOL_ALLOC", GFX(3, 1, 0x1a), F(8), ON(RCS) },
    { "3DSTATE_DX9_CONSTANT_BUFFER_POOL_ALLOC", GFX(3, 1, 0x1b), F(8), ON(RCS) },
    { "3DSTATE_SAMPLE_PATTERN", GFX(3, 1, 0x1c), F(8), ON(RCS) },
    { "PIPE_CONTROL", GFX(3, 2, 0x00), F(8), ON(RCS) },
    { "3DPRIMITIVE", GFX(3, 3, 0x00), F(8), ON(RCS) },
    { "PIPELINE_SELECT", GFX(1, 1, 0x04), C(1), ON(RCS) },
    { "STATE_PREFETCH", GFX(0, 0, 0x03), F(8), ON(RCS) },
    { "STATE_SIP", GFX(0, 1, 0x02), F(8), ON(RCS) },
    { "STATE_BASE_ADDRESS", GFX(0, 1, 0x01), F(8), ON(RCS) },
    { "OP_3D_MEDIA_0_1_4", GFX(0, 1, 0x04), F(8), ON(RCS) },
    { "3DSTATE_VS", GFX(3, 0, 0x10), F(8), ON(RCS) },
    { "3DSTATE_SF", GFX(3, 0, 0x13), F(8), ON(RCS) },
    { "3DSTATE_CONSTANT_VS", GFX(3, 0, 0x15), F(8), ON(RCS) },
    { "3DSTATE_COMPONENT_PACKING", GFX(3, 0, 0x55), F(8), ON(RCS) },
    { "MEDIA_INTERFACE_DESCRIPTOR_LOAD", GFX(2, 0, 0x02), F(16), ON(RCS) },
    { "MEDIA_GATEWAY_STATE", GFX(2, 0, 0x03), F(16), ON(RCS) },
    { "MEDIA_STATE_FLUSH", GFX(2, 0, 0x04), F(16), ON(RCS) },
    { "MEDIA_POOL_STATE", GFX(2, 0, 0x05), F(16), ON(RCS) },
    { "MEDIA_OBJECT", GFX(2, 1, 0x00), F(16), ON(RCS) },
    { "MEDIA_CURBE_LOAD", GFX(2, 0, 0x01), F(16), ON(RCS) },
    { "MEDIA_OBJECT_PRT", GFX(2, 1, 0x02), F(16), ON(RCS) },
    { "MEDIA_OBJECT_WALKER", GFX(2, 1, 0x03), F(16), ON(RCS) },
    { "GPGPU_WALKER", GFX(2, 1, 0x05), F(8), ON(RCS) },
    { "MEDIA_VFE_STATE", GFX(2, 0, 0x00), F(16), ON(RCS) },
    { "3DSTATE_VF_STATISTICS_GM45", GFX(1, 0, 0x0b), C(1), ON(ALL),
      DEPARTS(VCS | VECS, "a render command (i915: render_cmds only); on the video engines "
              "GVT-g's R_ALL makes it a pipeline 1 command that no video source names") },

    { "MFX_PIPE_MODE_SELECT", MFX(2, 0, 0, 0), F(12), ON(VCS) },
    { "MFX_SURFACE_STATE", MFX(2, 0, 0, 1), F(12), ON(VCS) },
    { "MFX_PIPE_BUF_ADDR_STATE", MFX(2, 0, 0, 2), F(12), ON(VCS) },
    { "MFX_IND_OBJ_BASE_ADDR_STATE", MFX(2, 0, 0, 3), F(12), ON(VCS) },
    { "MFX_BSP_BUF_BASE_ADDR_STATE", MFX(2, 0, 0, 4), F(12), ON(VCS) },
    { "OP_2_0_0_5", MFX(2, 0, 0, 5), F(12), ON(VCS) },
    { "MFX_STATE_POINTER", MFX(2, 0, 0, 6), F(12), ON(VCS) },
    { "MFX_QM_STATE", MFX(2, 0, 0, 7), F(12), ON(VCS) },
    { "MFX_FQM_STATE", MFX(2, 0, 0, 8), F(12), ON(VCS) },
    { "MFX_PAK_INSERT_OBJECT", MFX(2, 0, 2, 8), F(12), ON(VCS) },
    { "MFX_STITCH_OBJECT", MFX(2, 0, 2, 0xa), F(12), ON(VCS) },
    { "MFD_IT_OBJECT", MFX(2, 0, 1, 9), F(12), ON(VCS) },
    { "MFX_WAIT", MFX(1, 0, 0, 0), F(6), ON(VCS),
      DEPARTS(VCS, "always 1 dword: its length field has a non-standard bias "
              "(i915_cmd_parser.c, MFX_WAIT fixed at 1); GVT-g's 6-bit field reads 2") },
    { "MFX_AVC_IMG_STATE", MFX(2, 1, 0, 0), F(12), ON(VCS) },
    { "MFX_AVC_QM_STATE", MFX(2, 1, 0, 1), F(12), ON(VCS) },
    { "MFX_AVC_DIRECTMODE_STATE", MFX(2, 1, 0, 2), F(12), ON(VCS) },
    { "MFX_AVC_SLICE_STATE", MFX(2, 1, 0, 3), F(12), ON(VCS) },
    { "MFX_AVC_REF_IDX_STATE", MFX(2, 1, 0, 4), F(12), ON(VCS) },
    { "MFX_AVC_WEIGHTOFFSET_STATE", MFX(2, 1, 0, 5), F(12), ON(VCS) },
    { "MFD_AVC_PICID_STATE", MFX(2, 1, 1, 5), F(12), ON(VCS) },
    { "MFD_AVC_DPB_STATE", MFX(2, 1, 1, 6), F(12), ON(VCS) },
    { "MFD_AVC_BSD_OBJECT", MFX(2, 1, 1, 8), F(12), ON(VCS) },
    { "MFD_AVC_SLICEADDR", MFX(2, 1, 1, 7), F(12), ON(VCS) },
    { "MFC_AVC_PAK_OBJECT", MFX(2, 1, 2, 9), F(12), ON(VCS) },
    { "MFX_VC1_PRED_PIPE_STATE", MFX(2, 2, 0, 1), F(12), ON(VCS) },
    { "MFX_VC1_DIRECTMODE_STATE", MFX(2, 2, 0, 2), F(12), ON(VCS) },
    { "MFD_VC1_SHORT_PIC_STATE", MFX(2, 2, 1, 0), F(12), ON(VCS) },
    { "MFD_VC1_LONG_PIC_STATE", MFX(2, 2, 1, 1), F(12), ON(VCS) },
    { "MFD_VC1_BSD_OBJECT", MFX(2, 2, 1, 8), F(12), ON(VCS) },
    { "MFC_MPEG2_SLICEGROUP_STATE", MFX(2, 3, 2, 3), F(12), ON(VCS) },
    { "MFC_MPEG2_PAK_OBJECT", MFX(2, 3, 2, 9), F(12), ON(VCS) },
    { "MFX_MPEG2_PIC_STATE", MFX(2, 3, 0, 0), F(12), ON(VCS) },
    { "MFX_MPEG2_QM_STATE", MFX(2, 3, 0, 1), F(12), ON(VCS) },
    { "MFD_MPEG2_BSD_OBJECT", MFX(2, 3, 1, 8), F(12), ON(VCS) },
    { "MFX_2_6_0_0", MFX(2, 6, 0, 0), F(16), ON(VCS) },
    { "MFX_2_6_0_9", MFX(2, 6, 0, 9), F(16), ON(VCS) },
    { "MFX_2_6_0_8", MFX(2, 6, 0, 8), F(16), ON(VCS) },
    { "MFX_JPEG_PIC_STATE", MFX(2, 7, 0, 0), F(12), ON(VCS) },
    { "MFX_JPEG_HUFF_TABLE_STATE", MFX(2, 7, 0, 2), F(12), ON(VCS) },
    { "MFD_JPEG_BSD_OBJECT", MFX(2, 7, 1, 8), F(12), ON(VCS) },
    { "VEBOX_STATE", MFX(2, 4, 0, 2), F(12), ON(VECS) },
    { "VEBOX_SURFACE_STATE", MFX(2, 4, 0, 0), F(12), ON(VECS) },
    { "VEB_DI_IECP", MFX(2, 4, 0, 3), F(12), ON(VECS) },
};

/*
 * i915's command parser: the Gen9 blitter table (gen9_blt_cmds: F n is a
 * fixed length, a length mask of 0x3F/0xFF/0x3FF a 6/8/10-bit field), and
 * MFX_WAIT of its video table, fixed at 1.
 */
static const struct ref_cmd i915[] = {
    { "MI_NOOP", MI(0x00), C(1), ON(BCS) },
    { "MI_USER_INTERRUPT", MI(0x02), C(1), ON(BCS) },
    { "MI_WAIT_FOR_EVENT", MI(0x03), C(1), ON(BCS) },
    { "MI_FLUSH", MI(0x04), C(1), ON(BCS) },
    { "MI_ARB_CHECK", MI(0x05), C(1), ON(BCS) },
    { "MI_REPORT_HEAD", MI(0x07), C(1), ON(BCS) },
    { "MI_ARB_ON_OFF", MI(0x08), C(1), ON(BCS) },
    { "MI_SUSPEND_FLUSH", MI(0x0b), C(1), ON(BCS) },
    { "MI_LOAD_SCAN_LINES_INCL", MI(0x12), F(6), ON(BCS) },
    { "MI_LOAD_SCAN_LINES_EXCL", MI(0x13), F(6), ON(BCS) },
    { "MI_STORE_DWORD_IMM", MI(0x20), F(10), ON(BCS) },
    { "MI_LOAD_REGISTER_IMM", MI(0x22), F(8), ON(BCS) },
    { "MI_UPDATE_GTT", MI(0x23), F(10), ON(BCS) },
    { "MI_STORE_REGISTER_MEM_GEN8", MI(0x24), C(4), ON(BCS) },
    { "MI_FLUSH_DW", MI(0x26), F(6), ON(BCS) },
    { "MI_LOAD_REGISTER_MEM_GEN8", MI(0x29), C(4), ON(BCS) },
    { "MI_LOAD_REGISTER_REG", MI(0x2a), F(8), ON(BCS) },
    { "MI_BATCH_BUFFER_START_GEN8", MI(0x31), F(8), ON(BCS) },
    { "MFX_WAIT", GFX(1, 0, 0x00), C(1), ON(VCS) },
};

/*
 * The video engines' type 3 commands of pipeline 2 by opcode (bits 26:24),
 * whatever the sub-opcode: i915's length rule for them
 * (gen7_bsd_get_cmd_length_mask: a 16-bit field for opcode 6, 12 bits for
 * the others), on the engine GVT-g lists them for (VEBOX, opcode 4, on the
 * video enhancement engine; MFX on the video engine).  It explains the
 * commands of a family GVT-g does not list (HCP, VDENC, ...).
 */
#define VIDEO_FAMILY(op, bits, engs) \
    { "video pipeline 2 opcode " #op, GFX(2, op, 0), F(bits), ON(engs), .mask = 0xff000000 }

static const struct ref_cmd i915_video[] = {
    VIDEO_FAMILY(0, 12, VCS), VIDEO_FAMILY(1, 12, VCS), VIDEO_FAMILY(2, 12, VCS),
    VIDEO_FAMILY(3, 12, VCS), VIDEO_FAMILY(4, 12, VECS), VIDEO_FAMILY(5, 12, VCS),
    VIDEO_FAMILY(6, 16, VCS), VIDEO_FAMILY(7, 12, VCS),
};

/* Commands neither GVT-g nor i915's parser lists, from their public source. */
static const struct ref_cmd other[] = {
    /* Mesa's gen9.xml: 6-bit field, 2 dwords (i915's Haswell render table too). */
    { "MI_LOAD_SCAN_LINES_EXCL", MI(0x13), X(6, 2), ON(RCS) },
    /* Mesa's gen9.xml: 8-bit field, 2 dwords (i915's render_cmds: mask 0xFF). */
    { "MI_SET_CONTEXT", MI(0x18), X(8, 2), ON(RCS) },
    /* Mesa's gen9.xml: opcode 29, 8-bit field, 2 dwords. */
    { "MI_FORCE_WAKEUP", MI(0x1d), X(8, 2), ON(ALL) },
    /* intel_gpu_commands.h GEN9_XY_FAST_COPY_BLT_CMD; a blit's field is 8
     * bits (i915_cmd_parser.c gen9_blt_get_cmd_length_mask). */
    { "XY_FAST_COPY_BLT", BLT(0x42), F(8), ON(BCS) },
    /* Mesa's gen9.xml, each with a 16- or 8-bit field. */
    { "MEDIA_OBJECT_GRPID", GFX(2, 1, 0x06), F(16), ON(RCS) },
    { "3DSTATE_RS_CONSTANT_POINTER", GFX(3, 0, 0x54), F(8), ON(RCS) },
    { "3DSTATE_URB_CLEAR", GFX(3, 1, 0x1d), F(8), ON(RCS) },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static uint32_t opcode_mask(const struct ref_cmd *r)
{
    static const uint32_t by_type[8] = { [0] = 0xff800000, [2] = 0xffc00000, [3] = 0xffff0000 };

    return r->mask ? r->mask : by_type[r->dw0 >> 29];
}

/* @list's row for @dw0 on @engine, or NULL. */
static const struct ref_cmd *ref_find(const struct ref_cmd *list, size_t n,
                                      enum gen9_engine engine, uint32_t dw0)
{
    for (size_t i = 0; i < n; i++) {
        if ((dw0 & opcode_mask(&list[i])) == list[i].dw0 && (list[i].engines & (1u << engine))) {
            return &list[i];
        }
    }
    return NULL;
}

/* GVT-g's row for @dw0 on @engine: blits only on the blitter, type 3 only
 * off it (its ring_decode_info[]). */
static const struct ref_cmd *gvt_find(enum gen9_engine engine, uint32_t dw0)
{
    unsigned type = dw0 >> 29;

    if ((type == 2) != (engine == GEN9_BCS) && type != 0) {
        return NULL;
    }
    return ref_find(gvt, N(gvt), engine, dw0);
}

static unsigned ref_length(const struct ref_cmd *r, uint32_t dw0)
{
    return r->rule == CONST ? r->len : (dw0 & ((1u << r->len) - 1)) + 2;
}

/* Whether @row decodes the command @dw0 as @ref does: the same length from
 * every length field pattern tried (zero, each bit alone and all ones in the
 * low 16 bits), and the same valid lengths where @ref has only one. */
static bool same_rule(const struct gen9_cmd *row, const struct ref_cmd *ref, const char *source,
                      uint32_t dw0, uint32_t free_bits, bool report)
{
    const char *diff = NULL;
    unsigned got = 0, want = 0;

    if (ref->rule == CONST) {
        /* A length field gen9/cmd.c reads, holding the only valid value, is
         * the same command stream as a fixed length. */
        if (row->min_len != ref->len || row->max_len != ref->len) {
            diff = "fixed length", got = row->min_len, want = ref->len;
        }
    } else if (row->len_bits != ref->len) {
        diff = "length field width", got = row->len_bits, want = ref->len;
    } else if (ref->rule == EXACT && (row->min_len != ref->exact || row->max_len != ref->exact)) {
        diff = "only valid length", got = row->min_len, want = ref->exact;
    } else {
        for (int bit = -1; bit <= 16 && !diff; bit++) {
            uint32_t pattern = bit < 0 ? 0 : bit == 16 ? 0xffff : 1u << bit;
            uint32_t dw = dw0 | (pattern & free_bits);

            if (gen9_cmd_length(row, dw) != ref_length(ref, dw)) {
                diff = "length", got = gen9_cmd_length(row, dw), want = ref_length(ref, dw);
            }
        }
    }
    if (diff && report) {
        print_error("%s (dword 0 0x%08x): gen9/cmd.c's %s is %u, %s's (%s) %u\n", row->name, dw0,
                    diff, got, source, ref->name, want);
    }
    return !diff;
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

struct tally {
    unsigned checked, listed, known, failures;
    bool departed[N(gvt)];      /* the departure of gvt[i] was seen */
};

static void report_failure(struct tally *t, uint32_t dw0, enum gen9_engine e, const char *name,
                           const char *what)
{
    if (t->failures++ < MAX_REPORTED) {
        print_error("dword 0 0x%08x on %s: %s %s\n", dw0, gen9_engines[e].name, name, what);
    }
}

/* One opcode on one engine against every source. */
static void check_opcode(struct tally *t, enum gen9_engine e, uint32_t dw0, uint32_t free_bits)
{
    int i = gen9_cmd_find(e, dw0);
    const struct gen9_cmd *row = i >= 0 ? &gen9_cmds[i] : NULL;
    const struct ref_cmd *g = gvt_find(e, dw0);
    const struct ref_cmd *k = ref_find(i915, N(i915), e, dw0);
    const struct ref_cmd *o = ref_find(other, N(other), e, dw0);
    const struct ref_cmd *v = ref_find(i915_video, N(i915_video), e, dw0);

    t->checked++;
    if (g && (g->departs & (1u << e))) {
        if (!row || !same_rule(row, g, "GVT-g", dw0, free_bits, false)) {
            t->departed[g - gvt] = true;
        }
        g = NULL;
    }
    if (g || k) {
        t->listed++;
        if (!row) {
            report_failure(t, dw0, e, g ? g->name : k->name, "is unknown to gen9/cmd.c");
            return;
        }
    }
    if (!row) {
        return;
    }
    t->known++;
    if (!g && !k && !o && !v) {
        report_failure(t, dw0, e, row->name, "is known to gen9/cmd.c only");
        return;
    }
    /* Each source that knows it must agree; the video family rule only
     * where no source names the command. */
    bool report = t->failures < MAX_REPORTED;

    if ((g && !same_rule(row, g, "GVT-g", dw0, free_bits, report)) ||
        (k && !same_rule(row, k, "i915", dw0, free_bits, report)) ||
        (o && !same_rule(row, o, "Mesa or i915", dw0, free_bits, report)) ||
        (!g && !k && !o && !same_rule(row, v, "i915", dw0, free_bits, report))) {
        t->failures++;
    }
}

static void test_every_opcode_against_linux(void **state)
{
    static struct tally t;
    unsigned departures = 0;

    (void)state;
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        for (uint32_t type = 0; type < 8; type++) {
            unsigned shift = opcode_field[type].shift, bits = opcode_field[type].bits;

            for (uint32_t op = 0; op < (1u << bits); op++) {
                check_opcode(&t, e, type << 29 | op << shift, (1u << shift) - 1);
            }
        }
    }
    for (size_t i = 0; i < N(gvt); i++) {
        if (gvt[i].departs && !t.departed[i]) {
            t.failures++;
            print_error("%s: gen9/cmd.c no longer departs from GVT-g (%s): drop the note\n",
                        gvt[i].name, gvt[i].why);
        }
        departures += gvt[i].departs != 0;
    }
    printf("# %u opcodes by engine checked: %u listed by GVT-g or i915, %u known to "
           "gen9/cmd.c; %zu GVT-g rows (%u departed from on purpose), %zu i915, %zu video "
           "families, %zu other sources; %u failures\n", t.checked, t.listed, t.known, N(gvt),
           departures, N(i915), N(i915_video), N(other), t.failures);
    assert_int_equal(t.failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_opcode_against_linux),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
