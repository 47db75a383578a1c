/*
 * cmd.c - the Gen9 command rows (cmd.h).  Encodings and lengths are
 * Skylake's: GVT-g's command table (gvt/cmd_parser.c), i915's command
 * parser (i915_cmd_parser.c) and, for a few commands neither lists, Mesa's
 * gen9.xml; tests/unit/gen9/test-cmd.c checks every opcode against them
 * and names the seven places where these rows depart from GVT-g, and why.
 * Adding a command is adding a row.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "gen9/cmd.h"

#include <assert.h>
#include <stdbool.h>

#define MI(op)              .type = GEN9_CMD_MI, .key = (op)
#define BLT(op)             .type = GEN9_CMD_2D, .key = (op)
#define GFX(sub, op, subop) .type = GEN9_CMD_GFX, .key = ((sub) << 11 | (op) << 8 | (subop))
#define VIDEO(sub, op, subop) .type = GEN9_CMD_VIDEO, .key = ((sub) << 11 | (op) << 8 | (subop))
/* Every sub-opcode of a video subtype and opcode. */
#define VIDEO_FAMILY(sub, op) VIDEO(sub, op, 0), .any_subop = true
#define FIXED(n)            .min_len = (n), .max_len = (n)
/* A DWord Length field of @bits bits, total length within [@lo, @hi]. */
#define VAR(bits, lo, hi)   .len_bits = (bits), .min_len = (lo), .max_len = (hi)
#define ANY(bits)           VAR(bits, 2, (1u << (bits)) + 1)
/* Dwords @i and @i + 1 hold a state pointer. */
#define PTR(i)              (1u << (i))
/* Dwords @i and @i + 1 hold the address the command reads or writes. */
#define ADDR(i)             (1u << (i))

/* 3DSTATE_CONSTANT_*: four constant buffer pointers after two read lengths. */
#define CONSTANT_STATE(subop, cmd_name) \
    { .name = cmd_name, GFX(3, 0, subop), VAR(8, 11, 11), .engines = GEN9_ENG_RCS, \
      .state_ptrs = PTR(3) | PTR(5) | PTR(7) | PTR(9) }

/* 3DSTATE_VS, _GS, _HS, _DS, _PS: @len dwords, the shader's scratch space
 * pointer in dwords @scratch and @scratch + 1 (Mesa's gen9.xml). */
#define SHADER_STATE(subop, cmd_name, len, scratch) \
    { .name = cmd_name, GFX(3, 0, subop), VAR(8, len, len), .engines = GEN9_ENG_RCS, \
      .state_ptrs = PTR(scratch) }

/* A blit whose addresses and lengths no handler reads: any length its
 * 8-bit field can say. */
#define BLIT(op, cmd_name) \
    { .name = cmd_name, BLT(op), ANY(8), .engines = GEN9_ENG_BCS }

/* A 3D, media or GPGPU state command of the render engine, any length its
 * field can say. */
#define RENDER_STATE(sub, op, subop, cmd_name, bits) \
    { .name = cmd_name, GFX(sub, op, subop), ANY(bits), .engines = GEN9_ENG_RCS }

const struct gen9_cmd gen9_cmds[] = {
    /* MI commands: every engine has the memory interface. */
    { .name = "MI_NOOP", MI(0x00), FIXED(1), .engines = GEN9_ENG_ALL },
    { .name = "MI_SET_PREDICATE", MI(0x01), FIXED(1), .engines = GEN9_ENG_ALL },
    { .name = "MI_USER_INTERRUPT", MI(0x02), FIXED(1), .engines = GEN9_ENG_ALL },
    { .name = "MI_WAIT_FOR_EVENT", MI(0x03), FIXED(1), .engines = GEN9_ENG_RCS | GEN9_ENG_BCS },
    { .name = "MI_FLUSH", MI(0x04), FIXED(1), .engines = GEN9_ENG_ALL },
    { .name = "MI_ARB_CHECK", MI(0x05), FIXED(1), .engines = GEN9_ENG_ALL },
    { .name = "MI_RS_CONTROL", MI(0x06), FIXED(1), .engines = GEN9_ENG_RCS },
    { .name = "MI_REPORT_HEAD", MI(0x07), FIXED(1), .engines = GEN9_ENG_ALL },
    { .name = "MI_ARB_ON_OFF", MI(0x08), FIXED(1), .engines = GEN9_ENG_ALL },
    { .name = "MI_URB_ATOMIC_ALLOC", MI(0x09), FIXED(1), .engines = GEN9_ENG_RCS },
    { .name = "MI_BATCH_BUFFER_END", MI(0x0a), FIXED(1), .engines = GEN9_ENG_ALL },
    { .name = "MI_SUSPEND_FLUSH", MI(0x0b), FIXED(1), .engines = GEN9_ENG_ALL },
    { .name = "MI_PREDICATE", MI(0x0c), FIXED(1), .engines = GEN9_ENG_RCS },
    { .name = "MI_TOPOLOGY_FILTER", MI(0x0d), FIXED(1), .engines = GEN9_ENG_RCS },
    { .name = "MI_SET_APPID", MI(0x0e), FIXED(1), .engines = GEN9_ENG_ALL },
    { .name = "MI_RS_CONTEXT", MI(0x0f), FIXED(1), .engines = GEN9_ENG_RCS },
    { .name = "MI_LOAD_SCAN_LINES_INCL", MI(0x12), VAR(6, 2, 2),
      .engines = GEN9_ENG_RCS | GEN9_ENG_BCS },
    { .name = "MI_LOAD_SCAN_LINES_EXCL", MI(0x13), VAR(6, 2, 2),
      .engines = GEN9_ENG_RCS | GEN9_ENG_BCS },
    { .name = "MI_DISPLAY_FLIP", MI(0x14), VAR(8, 3, 4), .engines = GEN9_ENG_RCS | GEN9_ENG_BCS },
    { .name = "MI_SET_CONTEXT", MI(0x18), VAR(8, 2, 2), .engines = GEN9_ENG_RCS },
    { .name = "MI_URB_CLEAR", MI(0x19), VAR(8, 2, 2), .engines = GEN9_ENG_RCS },
    { .name = "MI_MATH", MI(0x1a), ANY(8), .engines = GEN9_ENG_ALL },
    { .name = "MI_SEMAPHORE_SIGNAL", MI(0x1b), VAR(8, 2, 2), .engines = GEN9_ENG_ALL },
    { .name = "MI_SEMAPHORE_WAIT", MI(0x1c), VAR(8, 4, 4), .engines = GEN9_ENG_ALL,
      .addresses = ADDR(2) },
    { .name = "MI_FORCE_WAKEUP", MI(0x1d), VAR(8, 2, 2), .engines = GEN9_ENG_ALL },
    { .name = "MI_STORE_DATA_IMM", MI(0x20), VAR(10, 4, 5), .engines = GEN9_ENG_ALL,
      .addresses = ADDR(1) },
    { .name = "MI_STORE_DATA_INDEX", MI(0x21), VAR(8, 3, 4), .engines = GEN9_ENG_ALL },
    { .name = "MI_LOAD_REGISTER_IMM", MI(0x22), VAR(8, 3, 257), .engines = GEN9_ENG_ALL },
    { .name = "MI_UPDATE_GTT", MI(0x23), VAR(10, 3, 1025), .engines = GEN9_ENG_ALL },
    { .name = "MI_STORE_REGISTER_MEM", MI(0x24), VAR(8, 4, 4), .engines = GEN9_ENG_ALL,
      .addresses = ADDR(2) },
    { .name = "MI_FLUSH_DW", MI(0x26), VAR(6, 4, 5), .engines = GEN9_ENG_XCS,
      .addresses = ADDR(1) },
    { .name = "MI_CLFLUSH", MI(0x27), VAR(10, 3, 1025), .engines = GEN9_ENG_ALL },
    { .name = "MI_REPORT_PERF_COUNT", MI(0x28), VAR(6, 4, 4), .engines = GEN9_ENG_RCS },
    { .name = "MI_LOAD_REGISTER_MEM", MI(0x29), VAR(8, 4, 4), .engines = GEN9_ENG_ALL,
      .addresses = ADDR(2) },
    { .name = "MI_LOAD_REGISTER_REG", MI(0x2a), VAR(8, 3, 3), .engines = GEN9_ENG_ALL },
    { .name = "MI_RS_STORE_DATA_IMM", MI(0x2b), VAR(8, 4, 4), .engines = GEN9_ENG_RCS },
    { .name = "MI_LOAD_URB_MEM", MI(0x2c), VAR(8, 4, 4), .engines = GEN9_ENG_RCS },
    { .name = "MI_STORE_URB_MEM", MI(0x2d), VAR(8, 4, 4), .engines = GEN9_ENG_RCS },
    { .name = "MI_COPY_MEM_MEM", MI(0x2e), VAR(8, 5, 5), .engines = GEN9_ENG_ALL },
    { .name = "MI_ATOMIC", MI(0x2f), VAR(8, 3, 11), .engines = GEN9_ENG_ALL },
    { .name = "MI_BATCH_BUFFER_START", MI(0x31), VAR(8, 3, 3), .engines = GEN9_ENG_ALL,
      .addresses = ADDR(1) },
    { .name = "MI_CONDITIONAL_BATCH_BUFFER_END", MI(0x36), VAR(8, 4, 4),
      .engines = GEN9_ENG_ALL, .addresses = ADDR(2) },

    /* Blitter: GVT-g's list, plus XY_FAST_COPY_BLT (Gen9's, which i915 and
     * IGT emit with XY_COLOR_BLT and XY_SRC_COPY_BLT). */
    BLIT(0x01, "XY_SETUP_BLT"),
    BLIT(0x03, "XY_SETUP_CLIP_BLT"),
    BLIT(0x11, "XY_SETUP_MONO_PATTERN_SL_BLT"),
    BLIT(0x24, "XY_PIXEL_BLT"),
    BLIT(0x25, "XY_SCANLINES_BLT"),
    BLIT(0x26, "XY_TEXT_BLT"),
    BLIT(0x31, "XY_TEXT_IMMEDIATE_BLT"),
    { .name = "XY_FAST_COPY_BLT", BLT(0x42), VAR(8, 10, 10), .engines = GEN9_ENG_BCS,
      .addresses = ADDR(4) | ADDR(8) },
    { .name = "XY_COLOR_BLT", BLT(0x50), VAR(8, 7, 7), .engines = GEN9_ENG_BCS,
      .addresses = ADDR(4) },
    BLIT(0x51, "XY_PAT_BLT"),
    BLIT(0x52, "XY_MONO_PAT_BLT"),
    { .name = "XY_SRC_COPY_BLT", BLT(0x53), VAR(8, 10, 10), .engines = GEN9_ENG_BCS,
      .addresses = ADDR(4) | ADDR(8) },
    BLIT(0x54, "XY_MONO_SRC_COPY_BLT"),
    BLIT(0x55, "XY_FULL_BLT"),
    BLIT(0x56, "XY_FULL_MONO_SRC_BLT"),
    BLIT(0x57, "XY_FULL_MONO_PATTERN_BLT"),
    BLIT(0x58, "XY_FULL_MONO_PATTERN_MONO_SRC_BLT"),
    BLIT(0x59, "XY_MONO_PAT_FIXED_BLT"),
    BLIT(0x71, "XY_MONO_SRC_COPY_IMMEDIATE_BLT"),
    BLIT(0x72, "XY_PAT_BLT_IMMEDIATE"),
    BLIT(0x73, "XY_SRC_COPY_CHROMA_BLT"),
    BLIT(0x74, "XY_FULL_IMMEDIATE_PATTERN_BLT"),
    BLIT(0x75, "XY_FULL_MONO_SRC_IMMEDIATE_PATTERN_BLT"),
    BLIT(0x76, "XY_PAT_CHROMA_BLT"),
    BLIT(0x77, "XY_PAT_CHROMA_BLT_IMMEDIATE"),

    /* Render engine: pipeline control, state base addresses, 3D/media state. */
    { .name = "PIPE_CONTROL", GFX(3, 2, 0x00), VAR(8, 6, 6), .engines = GEN9_ENG_RCS,
      .addresses = ADDR(2) },
    { .name = "PIPELINE_SELECT", GFX(1, 1, 0x04), FIXED(1), .engines = GEN9_ENG_RCS },
    { .name = "3DSTATE_VF_STATISTICS", GFX(1, 0, 0x0b), FIXED(1), .engines = GEN9_ENG_RCS },
    { .name = "STATE_BASE_ADDRESS", GFX(0, 1, 0x01), VAR(8, 19, 19), .engines = GEN9_ENG_RCS,
      .state_ptrs = PTR(1) | PTR(4) | PTR(6) | PTR(8) | PTR(10) | PTR(16) },
    { .name = "3DSTATE_DEPTH_BUFFER", GFX(3, 0, 0x05), VAR(8, 8, 8), .engines = GEN9_ENG_RCS,
      .state_ptrs = PTR(2) },
    { .name = "3DSTATE_STENCIL_BUFFER", GFX(3, 0, 0x06), VAR(8, 5, 5),
      .engines = GEN9_ENG_RCS, .state_ptrs = PTR(2) },
    { .name = "3DSTATE_HIER_DEPTH_BUFFER", GFX(3, 0, 0x07), VAR(8, 5, 5),
      .engines = GEN9_ENG_RCS, .state_ptrs = PTR(2) },
    { .name = "3DSTATE_INDEX_BUFFER", GFX(3, 0, 0x0a), VAR(8, 5, 5), .engines = GEN9_ENG_RCS,
      .state_ptrs = PTR(2) },
    CONSTANT_STATE(0x15, "3DSTATE_CONSTANT_VS"),
    CONSTANT_STATE(0x16, "3DSTATE_CONSTANT_GS"),
    CONSTANT_STATE(0x17, "3DSTATE_CONSTANT_PS"),
    CONSTANT_STATE(0x19, "3DSTATE_CONSTANT_HS"),
    CONSTANT_STATE(0x1a, "3DSTATE_CONSTANT_DS"),
    { .name = "3DSTATE_SO_BUFFER", GFX(3, 1, 0x18), VAR(8, 8, 8), .engines = GEN9_ENG_RCS,
      .state_ptrs = PTR(2) | PTR(5) },
    { .name = "3DSTATE_BINDING_TABLE_POOL_ALLOC", GFX(3, 1, 0x19), VAR(8, 4, 4),
      .engines = GEN9_ENG_RCS, .state_ptrs = PTR(1) },
    { .name = "3DSTATE_GATHER_POOL_ALLOC", GFX(3, 1, 0x1a), VAR(8, 4, 4),
      .engines = GEN9_ENG_RCS, .state_ptrs = PTR(1) },
    { .name = "3DSTATE_DX9_CONSTANT_BUFFER_POOL_ALLOC", GFX(3, 1, 0x1b), VAR(8, 4, 4),
      .engines = GEN9_ENG_RCS, .state_ptrs = PTR(1) },
    { .name = "MEDIA_VFE_STATE", GFX(2, 0, 0x00), VAR(16, 9, 9), .engines = GEN9_ENG_RCS,
      .state_ptrs = PTR(1) },
    RENDER_STATE(0, 0, 0x03, "STATE_PREFETCH", 8),
    RENDER_STATE(0, 1, 0x02, "STATE_SIP", 8),
    { .name = "GPGPU_CSR_BASE_ADDRESS", GFX(0, 1, 0x04), VAR(8, 3, 3), .engines = GEN9_ENG_RCS,
      .state_ptrs = PTR(1) },
    RENDER_STATE(2, 0, 0x01, "MEDIA_CURBE_LOAD", 16),
    RENDER_STATE(2, 0, 0x02, "MEDIA_INTERFACE_DESCRIPTOR_LOAD", 16),
    RENDER_STATE(2, 0, 0x03, "MEDIA_GATEWAY_STATE", 16),
    RENDER_STATE(2, 0, 0x04, "MEDIA_STATE_FLUSH", 16),
    RENDER_STATE(2, 0, 0x05, "MEDIA_POOL_STATE", 16),
    RENDER_STATE(2, 1, 0x00, "MEDIA_OBJECT", 16),
    RENDER_STATE(2, 1, 0x02, "MEDIA_OBJECT_PRT", 16),
    RENDER_STATE(2, 1, 0x03, "MEDIA_OBJECT_WALKER", 16),
    RENDER_STATE(2, 1, 0x05, "GPGPU_WALKER", 8),
    RENDER_STATE(2, 1, 0x06, "MEDIA_OBJECT_GRPID", 16),
    RENDER_STATE(3, 0, 0x04, "3DSTATE_CLEAR_PARAMS", 8),
    RENDER_STATE(3, 0, 0x08, "3DSTATE_VERTEX_BUFFERS", 8),
    RENDER_STATE(3, 0, 0x09, "3DSTATE_VERTEX_ELEMENTS", 8),
    RENDER_STATE(3, 0, 0x0c, "3DSTATE_VF", 8),
    RENDER_STATE(3, 0, 0x0d, "3DSTATE_MULTISAMPLE", 8),
    RENDER_STATE(3, 0, 0x0e, "3DSTATE_CC_STATE_POINTERS", 8),
    RENDER_STATE(3, 0, 0x0f, "3DSTATE_SCISSOR_STATE_POINTERS", 8),
    SHADER_STATE(0x10, "3DSTATE_VS", 9, 4),
    SHADER_STATE(0x11, "3DSTATE_GS", 10, 4),
    RENDER_STATE(3, 0, 0x12, "3DSTATE_CLIP", 8),
    RENDER_STATE(3, 0, 0x13, "3DSTATE_SF", 8),
    RENDER_STATE(3, 0, 0x14, "3DSTATE_WM", 8),
    RENDER_STATE(3, 0, 0x18, "3DSTATE_SAMPLE_MASK", 8),
    SHADER_STATE(0x1b, "3DSTATE_HS", 9, 5),
    RENDER_STATE(3, 0, 0x1c, "3DSTATE_TE", 8),
    SHADER_STATE(0x1d, "3DSTATE_DS", 11, 4),
    RENDER_STATE(3, 0, 0x1e, "3DSTATE_STREAMOUT", 8),
    RENDER_STATE(3, 0, 0x1f, "3DSTATE_SBE", 8),
    SHADER_STATE(0x20, "3DSTATE_PS", 12, 4),
    RENDER_STATE(3, 0, 0x21, "3DSTATE_VIEWPORT_STATE_POINTERS_SF_CLIP", 8),
    RENDER_STATE(3, 0, 0x23, "3DSTATE_VIEWPORT_STATE_POINTERS_CC", 8),
    RENDER_STATE(3, 0, 0x24, "3DSTATE_BLEND_STATE_POINTERS", 8),
    RENDER_STATE(3, 0, 0x25, "3DSTATE_DEPTH_STENCIL_STATE_POINTERS", 8),
    RENDER_STATE(3, 0, 0x26, "3DSTATE_BINDING_TABLE_POINTERS_VS", 8),
    RENDER_STATE(3, 0, 0x27, "3DSTATE_BINDING_TABLE_POINTERS_HS", 8),
    RENDER_STATE(3, 0, 0x28, "3DSTATE_BINDING_TABLE_POINTERS_DS", 8),
    RENDER_STATE(3, 0, 0x29, "3DSTATE_BINDING_TABLE_POINTERS_GS", 8),
    RENDER_STATE(3, 0, 0x2a, "3DSTATE_BINDING_TABLE_POINTERS_PS", 8),
    RENDER_STATE(3, 0, 0x2b, "3DSTATE_SAMPLER_STATE_POINTERS_VS", 8),
    RENDER_STATE(3, 0, 0x2c, "3DSTATE_SAMPLER_STATE_POINTERS_HS", 8),
    RENDER_STATE(3, 0, 0x2d, "3DSTATE_SAMPLER_STATE_POINTERS_DS", 8),
    RENDER_STATE(3, 0, 0x2e, "3DSTATE_SAMPLER_STATE_POINTERS_GS", 8),
    RENDER_STATE(3, 0, 0x2f, "3DSTATE_SAMPLER_STATE_POINTERS_PS", 8),
    RENDER_STATE(3, 0, 0x30, "3DSTATE_URB_VS", 8),
    RENDER_STATE(3, 0, 0x31, "3DSTATE_URB_HS", 8),
    RENDER_STATE(3, 0, 0x32, "3DSTATE_URB_DS", 8),
    RENDER_STATE(3, 0, 0x33, "3DSTATE_URB_GS", 8),
    RENDER_STATE(3, 0, 0x34, "3DSTATE_GATHER_CONSTANT_VS", 8),
    RENDER_STATE(3, 0, 0x35, "3DSTATE_GATHER_CONSTANT_GS", 8),
    RENDER_STATE(3, 0, 0x36, "3DSTATE_GATHER_CONSTANT_HS", 8),
    RENDER_STATE(3, 0, 0x37, "3DSTATE_GATHER_CONSTANT_DS", 8),
    RENDER_STATE(3, 0, 0x38, "3DSTATE_GATHER_CONSTANT_PS", 8),
    RENDER_STATE(3, 0, 0x39, "3DSTATE_DX9_CONSTANTF_VS", 11),
    RENDER_STATE(3, 0, 0x3a, "3DSTATE_DX9_CONSTANTF_PS", 11),
    RENDER_STATE(3, 0, 0x3b, "3DSTATE_DX9_CONSTANTI_VS", 8),
    RENDER_STATE(3, 0, 0x3c, "3DSTATE_DX9_CONSTANTI_PS", 8),
    RENDER_STATE(3, 0, 0x3d, "3DSTATE_DX9_CONSTANTB_VS", 8),
    RENDER_STATE(3, 0, 0x3e, "3DSTATE_DX9_CONSTANTB_PS", 8),
    RENDER_STATE(3, 0, 0x3f, "3DSTATE_DX9_LOCAL_VALID_VS", 8),
    RENDER_STATE(3, 0, 0x40, "3DSTATE_DX9_LOCAL_VALID_PS", 8),
    RENDER_STATE(3, 0, 0x41, "3DSTATE_DX9_GENERATE_ACTIVE_VS", 8),
    RENDER_STATE(3, 0, 0x42, "3DSTATE_DX9_GENERATE_ACTIVE_PS", 8),
    RENDER_STATE(3, 0, 0x43, "3DSTATE_BINDING_TABLE_EDIT_VS", 9),
    RENDER_STATE(3, 0, 0x44, "3DSTATE_BINDING_TABLE_EDIT_GS", 9),
    RENDER_STATE(3, 0, 0x45, "3DSTATE_BINDING_TABLE_EDIT_HS", 9),
    RENDER_STATE(3, 0, 0x46, "3DSTATE_BINDING_TABLE_EDIT_DS", 9),
    RENDER_STATE(3, 0, 0x47, "3DSTATE_BINDING_TABLE_EDIT_PS", 9),
    RENDER_STATE(3, 0, 0x49, "3DSTATE_VF_INSTANCING", 8),
    RENDER_STATE(3, 0, 0x4a, "3DSTATE_VF_SGVS", 8),
    RENDER_STATE(3, 0, 0x4b, "3DSTATE_VF_TOPOLOGY", 8),
    RENDER_STATE(3, 0, 0x4c, "3DSTATE_WM_CHROMAKEY", 8),
    RENDER_STATE(3, 0, 0x4d, "3DSTATE_PS_BLEND", 8),
    RENDER_STATE(3, 0, 0x4e, "3DSTATE_WM_DEPTH_STENCIL", 8),
    RENDER_STATE(3, 0, 0x4f, "3DSTATE_PS_EXTRA", 8),
    RENDER_STATE(3, 0, 0x50, "3DSTATE_RASTER", 8),
    RENDER_STATE(3, 0, 0x51, "3DSTATE_SBE_SWIZ", 8),
    RENDER_STATE(3, 0, 0x52, "3DSTATE_WM_HZ_OP", 8),
    { .name = "3DSTATE_RS_CONSTANT_POINTER", GFX(3, 0, 0x54), VAR(8, 4, 4),
      .engines = GEN9_ENG_RCS, .state_ptrs = PTR(2) },
    RENDER_STATE(3, 0, 0x55, "3DSTATE_VF_COMPONENT_PACKING", 8),
    RENDER_STATE(3, 1, 0x00, "3DSTATE_DRAWING_RECTANGLE", 8),
    RENDER_STATE(3, 1, 0x02, "3DSTATE_SAMPLER_PALETTE_LOAD0", 8),
    RENDER_STATE(3, 1, 0x04, "3DSTATE_CHROMA_KEY", 8),
    RENDER_STATE(3, 1, 0x06, "3DSTATE_POLY_STIPPLE_OFFSET", 8),
    RENDER_STATE(3, 1, 0x07, "3DSTATE_POLY_STIPPLE_PATTERN", 8),
    RENDER_STATE(3, 1, 0x08, "3DSTATE_LINE_STIPPLE", 8),
    RENDER_STATE(3, 1, 0x0a, "3DSTATE_AA_LINE_PARAMETERS", 8),
    RENDER_STATE(3, 1, 0x0b, "3DSTATE_GS_SVB_INDEX", 8),
    RENDER_STATE(3, 1, 0x0c, "3DSTATE_SAMPLER_PALETTE_LOAD1", 8),
    RENDER_STATE(3, 1, 0x11, "3DSTATE_MONOFILTER_SIZE", 8),
    RENDER_STATE(3, 1, 0x12, "3DSTATE_PUSH_CONSTANT_ALLOC_VS", 8),
    RENDER_STATE(3, 1, 0x13, "3DSTATE_PUSH_CONSTANT_ALLOC_HS", 8),
    RENDER_STATE(3, 1, 0x14, "3DSTATE_PUSH_CONSTANT_ALLOC_DS", 8),
    RENDER_STATE(3, 1, 0x15, "3DSTATE_PUSH_CONSTANT_ALLOC_GS", 8),
    RENDER_STATE(3, 1, 0x16, "3DSTATE_PUSH_CONSTANT_ALLOC_PS", 8),
    RENDER_STATE(3, 1, 0x17, "3DSTATE_SO_DECL_LIST", 9),
    RENDER_STATE(3, 1, 0x1c, "3DSTATE_SAMPLE_PATTERN", 8),
    RENDER_STATE(3, 1, 0x1d, "3DSTATE_URB_CLEAR", 8),
    RENDER_STATE(3, 3, 0x00, "3DPRIMITIVE", 8),

    /* Video engines: MFX_WAIT, and pipeline 2 by opcode (bits 26:24) as
     * families, every sub-opcode of one opcode sharing its length field:
     * 16 bits for opcode 6, 12 for the others.  VEBOX (opcode 4) is the
     * video enhancement engine's, the others (MFX, HCP, VDENC, HuC) the
     * video engine's; pipelines 0 and 3 have no commands there. */
    { .name = "MFX_WAIT", VIDEO(1, 0, 0x00), FIXED(1), .engines = GEN9_ENG_VCS },
    { .name = "MFX pipeline 2 opcode 0 (MFX common, VDENC)", VIDEO_FAMILY(2, 0), ANY(12),
      .engines = GEN9_ENG_VCS },
    { .name = "MFX pipeline 2 opcode 1 (AVC)", VIDEO_FAMILY(2, 1), ANY(12),
      .engines = GEN9_ENG_VCS },
    { .name = "MFX pipeline 2 opcode 2 (VC1)", VIDEO_FAMILY(2, 2), ANY(12),
      .engines = GEN9_ENG_VCS },
    { .name = "MFX pipeline 2 opcode 3 (MPEG2, HCP)", VIDEO_FAMILY(2, 3), ANY(12),
      .engines = GEN9_ENG_VCS },
    { .name = "VEBOX pipeline 2 opcode 4", VIDEO_FAMILY(2, 4), ANY(12),
      .engines = GEN9_ENG_VECS },
    { .name = "MFX pipeline 2 opcode 5", VIDEO_FAMILY(2, 5), ANY(12), .engines = GEN9_ENG_VCS },
    { .name = "MFX pipeline 2 opcode 6", VIDEO_FAMILY(2, 6), ANY(16), .engines = GEN9_ENG_VCS },
    { .name = "MFX pipeline 2 opcode 7 (JPEG)", VIDEO_FAMILY(2, 7), ANY(12),
      .engines = GEN9_ENG_VCS },
    /* Members of a family with graphics addresses (48-bit, PPGTT: the video
     * engine's surfaces have no GGTT selector), taken out of it: GVT-g's
     * ADDR_FIX rows for the video engine (MFX_BSP_BUF_BASE_ADDR_STATE;
     * MFD_AVC_SLICEADDR's is an offset from the indirect object base) and
     * that base's command, in the Gen9 layout of Intel's media driver
     * (gen9_skl mhw_vdbox_mfx_hwcmd_g9_skl.h): each base and its access
     * upper bound. */
    { .name = "MFX_IND_OBJ_BASE_ADDR_STATE", VIDEO(2, 0, 0x03), VAR(12, 26, 26),
      .engines = GEN9_ENG_VCS, .state_ptrs = PTR(1) | PTR(4) | PTR(6) | PTR(9) | PTR(11) |
      PTR(14) | PTR(16) | PTR(19) | PTR(21) | PTR(24) },
    { .name = "MFX_BSP_BUF_BASE_ADDR_STATE", VIDEO(2, 0, 0x04), VAR(12, 10, 10),
      .engines = GEN9_ENG_VCS, .state_ptrs = PTR(1) | PTR(4) | PTR(7) },
    /* The video enhancement engine's two with addresses (GVT-g: no bitmap),
     * in the Gen9 layout of the media driver's mhw_vebox_hwcmd_g9_X.h: the
     * state tables (DN/DI, IECP, gamut, vertex, capture pipe, LACE LUT,
     * gamma values) and the frames and outputs it reads and writes. */
    { .name = "VEBOX_STATE", VIDEO(2, 4, 0x02), VAR(12, 16, 16), .engines = GEN9_ENG_VECS,
      .state_ptrs = PTR(2) | PTR(4) | PTR(6) | PTR(8) | PTR(10) | PTR(12) | PTR(14) },
    { .name = "VEB_DI_IECP", VIDEO(2, 4, 0x03), VAR(12, 24, 24), .engines = GEN9_ENG_VECS,
      .state_ptrs = PTR(2) | PTR(4) | PTR(6) | PTR(8) | PTR(10) | PTR(12) | PTR(14) | PTR(16) |
      PTR(18) | PTR(20) | PTR(22) },
};

const size_t gen9_cmd_count = sizeof(gen9_cmds) / sizeof(gen9_cmds[0]);

/* Per type, key -> row index + 1 (0: no row).  Built before main() (a
 * command stream looks a header up per command: no per-call
 * initialisation check on that path). */
static uint8_t mi_index[64];
static uint8_t blt_index[128];
static uint8_t gfx_index[0x2000];
static uint8_t video_index[0x2000];

static uint8_t *index_slot(enum gen9_cmd_type type, unsigned key)
{
    switch (type) {
    case GEN9_CMD_MI:
        return key < 64 ? &mi_index[key] : NULL;
    case GEN9_CMD_2D:
        return key < 128 ? &blt_index[key] : NULL;
    case GEN9_CMD_GFX:
        return key < sizeof(gfx_index) ? &gfx_index[key] : NULL;
    default:
        return key < sizeof(video_index) ? &video_index[key] : NULL;
    }
}

/* Single rows first, then families over the keys they left: a member
 * of a family with a row of its own is decoded by that row. */
static void __attribute__((constructor)) build_cmd_index(void)
{
    static_assert(sizeof(gen9_cmds) / sizeof(gen9_cmds[0]) < 255, "row indexes are bytes");
    for (unsigned families = 0; families < 2; families++) {
        for (size_t i = 0; i < gen9_cmd_count; i++) {
            unsigned keys = gen9_cmds[i].any_subop ? 256 : 1;

            for (unsigned k = 0; gen9_cmds[i].any_subop == families && k < keys; k++) {
                uint8_t *slot = index_slot(gen9_cmds[i].type, gen9_cmds[i].key + k);

                /* one single row per key: tests/unit/scan checks it */
                assert(slot && (families || !*slot));
                *slot = *slot ? *slot : (uint8_t)(i + 1);
            }
        }
    }
}

int gen9_cmd_find(enum gen9_engine engine, uint32_t dw0)
{
    bool video = engine == GEN9_VCS || engine == GEN9_VECS;
    uint8_t row;

    switch (dw0 >> 29) {
    case GEN9_CMD_MI:
        row = mi_index[(dw0 >> 23) & 0x3f];
        break;
    case GEN9_CMD_2D:
        row = blt_index[(dw0 >> 22) & 0x7f];
        break;
    case GEN9_CMD_GFX:
        row = (video ? video_index : gfx_index)[(dw0 >> 16) & 0x1fff];
        break;
    default:
        return -1;
    }
    if (!row || !(gen9_cmds[row - 1].engines & (1u << engine))) {
        return -1;
    }
    return row - 1;
}

/* What an ALU operand may name: the source registers SRCA and SRCB, a
 * GPR, or a value (a GPR, or what an operation left: ACCU, ZF, CF), as
 * Mesa's mi_builder and IGT use them. */
enum alu_operand { ALU_UNUSED, ALU_SOURCE_REG, ALU_GPR, ALU_VALUE };

static const struct {
    uint16_t opcode;
    uint8_t operand1, operand2;
} alu_forms[] = {
    { GEN9_ALU_NOOP, ALU_UNUSED, ALU_UNUSED },
    { GEN9_ALU_LOAD, ALU_SOURCE_REG, ALU_VALUE },
    { GEN9_ALU_LOADINV, ALU_SOURCE_REG, ALU_VALUE },
    { GEN9_ALU_LOAD0, ALU_SOURCE_REG, ALU_UNUSED },
    { GEN9_ALU_LOAD1, ALU_SOURCE_REG, ALU_UNUSED },
    { GEN9_ALU_ADD, ALU_UNUSED, ALU_UNUSED },
    { GEN9_ALU_SUB, ALU_UNUSED, ALU_UNUSED },
    { GEN9_ALU_AND, ALU_UNUSED, ALU_UNUSED },
    { GEN9_ALU_OR, ALU_UNUSED, ALU_UNUSED },
    { GEN9_ALU_XOR, ALU_UNUSED, ALU_UNUSED },
    { GEN9_ALU_STORE, ALU_GPR, ALU_VALUE },
    { GEN9_ALU_STOREINV, ALU_GPR, ALU_VALUE },
};

static bool alu_operand_ok(unsigned kind, unsigned reg)
{
    switch (kind) {
    case ALU_SOURCE_REG:
        return reg == GEN9_ALU_SRCA || reg == GEN9_ALU_SRCB;
    case ALU_GPR:
        return reg < GEN9_ALU_GPRS;
    case ALU_VALUE:
        return reg < GEN9_ALU_GPRS || reg == GEN9_ALU_ACCU || reg == GEN9_ALU_ZF ||
               reg == GEN9_ALU_CF;
    default:
        return true;
    }
}

bool gen9_alu_valid(uint32_t instr)
{
    for (size_t i = 0; i < sizeof(alu_forms) / sizeof(alu_forms[0]); i++) {
        if (alu_forms[i].opcode == GEN9_ALU_OPCODE(instr)) {
            return alu_operand_ok(alu_forms[i].operand1, GEN9_ALU_OPERAND1(instr)) &&
                   alu_operand_ok(alu_forms[i].operand2, GEN9_ALU_OPERAND2(instr));
        }
    }
    return false;
}
