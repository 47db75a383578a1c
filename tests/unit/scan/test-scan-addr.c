/*
 * Every graphics address a command the scanner allows can carry, aimed
 * where the vGPU has no memory.  Which dwords of which command hold an
 * address is written out below as data (facts only, our layout), not taken
 * from gen9/cmd.c or the scanner's table:
 *  - GVT-g's command table for Skylake (drivers/gpu/drm/i915/gvt/
 *    cmd_parser.c, cmd_info[]: the ADDR_FIX_n() bitmaps) and the handlers
 *    that audit an address (cmd_handler_mi_store_data_imm, _srm, _lrm,
 *    _mi_semaphore_wait, _mi_conditional_batch_buffer_end, _mi_flush_dw,
 *    _pipe_control, _mi_batch_buffer_start);
 *  - where GVT-g is silent (a zero bitmap) or keeps a pre-Gen8 layout,
 *    Mesa 22.3's src/intel/genxml/gen9.xml (fields of type "address"),
 *    and for the blits, which Mesa does not describe, IGT 1.27.1's
 *    lib/intel_batchbuffer.c (intel_bb_emit_blt_copy,
 *    igt_blitter_fast_copy__raw: Gen8+ destination in dwords 4-5, source
 *    in 8-9).
 *
 * Three kinds of address, as the hardware selects the address space:
 *  - a command with a GGTT selector (MI memory commands dword 0 bit 22,
 *    PIPE_CONTROL dword 1 bit 24, MI_FLUSH_DW address bit 2,
 *    MI_BATCH_BUFFER_START dword 0 bit 8 for the PPGTT) and the extent it
 *    accesses: GVT-g audits exactly these (cmd_address_audit() on the GGTT
 *    form).  Each is refused pointing at another vGPU's part of the GGTT,
 *    below the partition, beyond the GGTT, at a partition page whose entry
 *    maps the vGPU's scratch page, at an absent and at a foreign PPGTT page,
 *    and in a non-canonical form;
 *  - the blits' surfaces (PPGTT, the extent their rectangle says): refused
 *    on an absent and on a foreign PPGTT page and non-canonical;
 *  - state addresses (heap bases, depth/stencil/index/vertex/stream-out
 *    buffers, constant buffers, scratch spaces): PPGTT addresses whose
 *    extent the command does not bound, translated by the shadow PPGTT, which
 *    maps only the VM's memory (GVT-g relies on its shadow PPGTT for them
 *    alike); the scanner checks their form: refused non-canonical.
 * Each command is first accepted with its addresses inside the vGPU's
 * memory, so a scanner refusing everything fails.  Commands with an address
 * the scanner must refuse whatever it holds (no audit exists for them) are
 * listed too, and must stay refused.
 *
 * Not covered (docs/scanner.md): 32-bit address dwords, which have no form
 * to check (STATE_PREFETCH dword 1, MEDIA_OBJECT dword 3), and the video
 * engines' commands (MFX, HCP, HuC, VEBOX), passed by opcode family, but
 * for MFX_IND_OBJ_BASE_ADDR_STATE, MFX_BSP_BUF_BASE_ADDR_STATE, VEBOX_STATE
 * and VEB_DI_IECP (above).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "gen9/engine.h"
#include "mediator/scan/cmd-table.h"
#include "tests/unit/scan/emit.h"
#include "tests/unit/scan/fake-vm.h"

#define RING_GMA        FAKE_GGTT_BASE
#define GGTT_BATCH      (FAKE_GGTT_BASE + 0x10000)
#define GGTT_DATA       (FAKE_GGTT_BASE + 0x20000)
#define GGTT_SCRATCH    (FAKE_GGTT_BASE + 0x30000)      /* entry not present */
#define GGTT_OTHER_VGPU (FAKE_GGTT_BASE + FAKE_GGTT_PARTITION + 0x1000)
#define GGTT_BELOW      (FAKE_GGTT_BASE - 0x1000)
#define GGTT_BEYOND     (4ull << 30)
#define PPGTT_DATA      (FAKE_PPGTT_BASE + 0x40000)
#define ABSENT_PAGE     90u
#define FOREIGN_PAGE    100u                            /* present, not the VM's */
#define PAGE_GMA(n)     (FAKE_PPGTT_BASE + (uint64_t)(n) * FAKE_PAGE)
#define NON_CANONICAL   0x0001000000000000ull           /* bit 48 set, bit 47 clear */
#define CS_GPR0         0x600u                          /* engine-relative, user */

#define MI(op, len)         ((uint32_t)(op) << 23 | ((len) - 2))
#define GFX(sub, op, subop, len) (EMIT_GFX(sub, op, subop) | ((len) - 2))
#define BLT(op, len)        (EMIT_BLT(op) | ((len) - 2))

enum kind {
    MI_SPACE,       /* dword 0 bit 22: GGTT, else PPGTT */
    PC_SPACE,       /* PIPE_CONTROL dword 1 bit 24: GGTT */
    FLUSH_SPACE,    /* MI_FLUSH_DW address bit 2: GGTT */
    BB_SPACE,       /* MI_BATCH_BUFFER_START dword 0 bit 8: PPGTT, else GGTT */
    SURFACE,        /* a blit's surface: PPGTT */
    STATE,          /* PPGTT, extent unbounded: form checked */
};

struct addr_ref {
    const char *name;
    unsigned engines;
    unsigned len;
    uint32_t dw[26];        /* the command, addresses left zero */
    uint32_t addrs;         /* bit i: dwords i, i + 1 hold an address */
    enum kind kind;
    bool reg_dw1;           /* dword 1 names a register: CS_GPR0 of the engine */
    const char *source;
};

#define ALL     GEN9_ENG_ALL
#define RCS     GEN9_ENG_RCS
#define BCS     GEN9_ENG_BCS
#define XCS     GEN9_ENG_XCS
#define A(i)    (1u << (i))

/* Blit dword 1: 32 bpp, raster op, a 4096-byte pitch; dword 3: a 16 x 1
 * rectangle from (0, 0). */
#define BLT_BR13(rop)   (3u << 24 | (rop) << 16 | 4096u)
#define BLT_RECT        (1u << 16 | 16u)

static const struct addr_ref refs[] = {
    /* GVT-g: MI rows with ADDR_FIX_1(n) and a handler auditing the GGTT form. */
    { "MI_STORE_DATA_IMM", ALL, 4, { MI(0x20, 4), 0, 0, 0x1234 }, A(1), MI_SPACE, false,
      "GVT-g ADDR_FIX_1(1), cmd_handler_mi_store_data_imm; gen9.xml Address 1-2" },
    { "MI_STORE_REGISTER_MEM", ALL, 4, { MI(0x24, 4) }, A(2), MI_SPACE, true,
      "GVT-g ADDR_FIX_1(2), cmd_handler_srm; gen9.xml Memory Address 2-3" },
    { "MI_LOAD_REGISTER_MEM", ALL, 4, { MI(0x29, 4) }, A(2), MI_SPACE, true,
      "GVT-g ADDR_FIX_1(2), cmd_handler_lrm; gen9.xml Memory Address 2-3" },
    /* Polling (bit 15), compare "SAD_GREATER_THAN_OR_EQUAL_SDD" (bits 14:12 = 1). */
    { "MI_SEMAPHORE_WAIT", ALL, 4, { MI(0x1c, 4) | 1u << 15 | 1u << 12, 1 }, A(2), MI_SPACE,
      false, "GVT-g ADDR_FIX_1(2), cmd_handler_mi_semaphore_wait; gen9.xml Semaphore Address 2-3" },
    { "MI_CONDITIONAL_BATCH_BUFFER_END", ALL, 4, { MI(0x36, 4), 0 }, A(2), MI_SPACE, false,
      "GVT-g ADDR_FIX_1(2), cmd_handler_mi_conditional_batch_buffer_end; gen9.xml Compare "
      "Address 2-3" },
    /* Post-sync op 1 (bits 15:14), a dword write. */
    { "MI_FLUSH_DW", XCS, 4, { MI(0x26, 4) | 1u << 14 }, A(1), FLUSH_SPACE, false,
      "GVT-g cmd_handler_mi_flush_dw (post-sync address, dword 1); gen9.xml Address 1-2" },
    /* Post-sync op 1 (dword 1 bits 15:14), CS stall (bit 20). */
    { "PIPE_CONTROL", RCS, 6, { GFX(3, 2, 0, 6), 1u << 14 | 1u << 20 }, A(2), PC_SPACE, false,
      "GVT-g ADDR_FIX_1(2), cmd_handler_pipe_control; gen9.xml Address 2-3" },
    { "MI_BATCH_BUFFER_START", ALL, 3, { MI(0x31, 3) }, A(1), BB_SPACE, false,
      "GVT-g cmd_handler_mi_batch_buffer_start; gen9.xml Batch Buffer Start Address 1-2" },

    /* Blits: GVT-g ADDR_FIX_1(4) / ADDR_FIX_2(4, 7), the Gen7 layout; Gen8+
     * has 64-bit addresses, the source at 8-9 (IGT). */
    { "XY_COLOR_BLT", BCS, 7, { BLT(0x50, 7) | 3u << 20, BLT_BR13(0xf0), 0, BLT_RECT },
      A(4), SURFACE, false, "GVT-g ADDR_FIX_1(4); IGT intel_batchbuffer.c" },
    { "XY_SRC_COPY_BLT", BCS, 10,
      { BLT(0x53, 10) | 3u << 20, BLT_BR13(0xcc), 0, BLT_RECT, 0, 0, 0, 4096 },
      A(4) | A(8), SURFACE, false,
      "GVT-g ADDR_FIX_2(4, 7) (Gen7: 32-bit addresses); IGT intel_bb_emit_blt_copy: 4-5, 8-9" },
    { "XY_FAST_COPY_BLT", BCS, 10,
      { BLT(0x42, 10), 3u << 24 | 4096u, 0, BLT_RECT, 0, 0, 0, 4096 },
      A(4) | A(8), SURFACE, false,
      "not in GVT-g; IGT igt_blitter_fast_copy__raw: destination 4-5, source 8-9" },

    /* State addresses: GVT-g's bitmap where it has one, else gen9.xml. */
    { "STATE_BASE_ADDRESS", RCS, 19, { GFX(0, 1, 0x01, 19) },
      A(1) | A(4) | A(6) | A(8) | A(10) | A(16), STATE, false,
      "GVT-g ADDR_FIX_5(1, 3, 4, 5, 6) (Gen7 layout); gen9.xml: General 1-2, Surface 4-5, "
      "Dynamic 6-7, Indirect Object 8-9, Instruction 10-11, Bindless Surface 16-17" },
    { "3DSTATE_DEPTH_BUFFER", RCS, 8, { GFX(3, 0, 0x05, 8) }, A(2), STATE, false,
      "GVT-g ADDR_FIX_1(2); gen9.xml Surface Base Address 2-3" },
    { "3DSTATE_STENCIL_BUFFER", RCS, 5, { GFX(3, 0, 0x06, 5) }, A(2), STATE, false,
      "GVT-g ADDR_FIX_1(2); gen9.xml Surface Base Address 2-3" },
    { "3DSTATE_HIER_DEPTH_BUFFER", RCS, 5, { GFX(3, 0, 0x07, 5) }, A(2), STATE, false,
      "GVT-g ADDR_FIX_1(2); gen9.xml Surface Base Address 2-3" },
    { "3DSTATE_INDEX_BUFFER", RCS, 5, { GFX(3, 0, 0x0a, 5) }, A(2), STATE, false,
      "GVT-g ADDR_FIX_1(2); gen9.xml Buffer Starting Address 2-3" },
    { "3DSTATE_SO_BUFFER", RCS, 8, { GFX(3, 1, 0x18, 8) }, A(2) | A(5), STATE, false,
      "GVT-g ADDR_FIX_2(2, 4) (Gen7 layout); gen9.xml Surface Base Address 2-3, Stream Output "
      "Buffer Offset Address 5-6" },
    { "3DSTATE_BINDING_TABLE_POOL_ALLOC", RCS, 4, { GFX(3, 1, 0x19, 4) }, A(1), STATE, false,
      "GVT-g ADDR_FIX_1(1); gen9.xml Binding Table Pool Base Address 1-2" },
    { "3DSTATE_GATHER_POOL_ALLOC", RCS, 4, { GFX(3, 1, 0x1a, 4) }, A(1), STATE, false,
      "GVT-g ADDR_FIX_1(1); gen9.xml Gather Pool Base Address 1-2" },
    { "3DSTATE_DX9_CONSTANT_BUFFER_POOL_ALLOC", RCS, 4, { GFX(3, 1, 0x1b, 4) }, A(1), STATE,
      false, "GVT-g ADDR_FIX_1(1)" },
    { "GPGPU_CSR_BASE_ADDRESS", RCS, 3, { GFX(0, 1, 0x04, 3) }, A(1), STATE, false,
      "GVT-g OP_3D_MEDIA_0_1_4 ADDR_FIX_1(1); gen9.xml GPGPU CSR Base Address 1-2" },
    { "MEDIA_VFE_STATE", RCS, 9, { GFX(2, 0, 0x00, 9) }, A(1), STATE, false,
      "GVT-g: none; gen9.xml Scratch Space Base Pointer 1-2" },
    { "3DSTATE_CONSTANT_VS", RCS, 11, { GFX(3, 0, 0x15, 11) }, A(3) | A(5) | A(7) | A(9),
      STATE, false, "GVT-g: none; gen9.xml 3DSTATE_CONSTANT_BODY Buffer[4] at 3, 5, 7, 9" },
    { "3DSTATE_CONSTANT_GS", RCS, 11, { GFX(3, 0, 0x16, 11) }, A(3) | A(5) | A(7) | A(9),
      STATE, false, "GVT-g: none; gen9.xml 3DSTATE_CONSTANT_BODY Buffer[4] at 3, 5, 7, 9" },
    { "3DSTATE_CONSTANT_PS", RCS, 11, { GFX(3, 0, 0x17, 11) }, A(3) | A(5) | A(7) | A(9),
      STATE, false, "GVT-g: none; gen9.xml 3DSTATE_CONSTANT_BODY Buffer[4] at 3, 5, 7, 9" },
    { "3DSTATE_CONSTANT_HS", RCS, 11, { GFX(3, 0, 0x19, 11) }, A(3) | A(5) | A(7) | A(9),
      STATE, false, "GVT-g: none; gen9.xml 3DSTATE_CONSTANT_BODY Buffer[4] at 3, 5, 7, 9" },
    { "3DSTATE_CONSTANT_DS", RCS, 11, { GFX(3, 0, 0x1a, 11) }, A(3) | A(5) | A(7) | A(9),
      STATE, false, "GVT-g: none; gen9.xml 3DSTATE_CONSTANT_BODY Buffer[4] at 3, 5, 7, 9" },
    { "3DSTATE_VS", RCS, 9, { GFX(3, 0, 0x10, 9) }, A(4), STATE, false,
      "GVT-g: none; gen9.xml Scratch Space Base Pointer 4-5" },
    { "3DSTATE_GS", RCS, 10, { GFX(3, 0, 0x11, 10) }, A(4), STATE, false,
      "GVT-g: none; gen9.xml Scratch Space Base Pointer 4-5" },
    { "3DSTATE_HS", RCS, 9, { GFX(3, 0, 0x1b, 9) }, A(5), STATE, false,
      "GVT-g: none; gen9.xml Scratch Space Base Pointer 5-6" },
    { "3DSTATE_DS", RCS, 11, { GFX(3, 0, 0x1d, 11) }, A(4), STATE, false,
      "GVT-g: none; gen9.xml Scratch Space Base Pointer 4-5" },
    { "3DSTATE_PS", RCS, 12, { GFX(3, 0, 0x20, 12) }, A(4), STATE, false,
      "GVT-g: none; gen9.xml Scratch Space Base Pointer 4-5" },
    { "3DSTATE_RS_CONSTANT_POINTER", RCS, 4, { GFX(3, 0, 0x54, 4) }, A(2), STATE, false,
      "not in GVT-g; gen9.xml Global Constant Buffer Address 2, ... High 3" },
    /* Two VERTEX_BUFFER_STATEs of 4 dwords, each with its address in its
     * dwords 1-2. */
    { "3DSTATE_VERTEX_BUFFERS", RCS, 9, { GFX(3, 0, 0x08, 9) }, A(2) | A(6), STATE, false,
      "GVT-g: none; gen9.xml VERTEX_BUFFER_STATE Buffer Starting Address 1-2, elements of 4 "
      "dwords from dword 1" },

    /* The video engine's (pipeline 2, opcode 0): PPGTT surfaces with no
     * GGTT selector, in the Gen9 layout of Intel's media driver
     * (media_driver/agnostic/gen9_skl/hw/vdbox/mhw_vdbox_mfx_hwcmd_g9_skl.h:
     * address bits 31:12 or 31:6 in one dword, 47:32 in the next). */
    { "MFX_IND_OBJ_BASE_ADDR_STATE", GEN9_ENG_VCS, 26, { GFX(2, 0, 0x03, 26) },
      A(1) | A(4) | A(6) | A(9) | A(11) | A(14) | A(16) | A(19) | A(21) | A(24), STATE, false,
      "GVT-g: none; media driver Gen9: bitstream base 1-2 and upper bound 4-5, MV 6-7/9-10, "
      "IT-COEFF 11-12/14-15, IT-DBLK 16-17/19-20, PAK-BSE 21-22/24-25" },
    { "MFX_BSP_BUF_BASE_ADDR_STATE", GEN9_ENG_VCS, 10, { GFX(2, 0, 0x04, 10) },
      A(1) | A(4) | A(7), STATE, false,
      "GVT-g ADDR_FIX_3(1, 3, 5) (Gen7 layout); media driver Gen9: BSD/MPC row store 1-2, MPR "
      "row store 4-5, bitplane read buffer 7-8" },
    /* The video enhancement engine's (pipeline 2, opcode 4), the media
     * driver's mhw_vebox_hwcmd_g9_X.h. */
    { "VEBOX_STATE", GEN9_ENG_VECS, 16, { GFX(2, 4, 0x02, 16) },
      A(2) | A(4) | A(6) | A(8) | A(10) | A(12) | A(14), STATE, false,
      "GVT-g: none; media driver Gen9: DN/DI 2-3, IECP 4-5, gamut 6-7, vertex table 8-9, "
      "capture pipe 10-11, LACE LUT 12-13 state pointers, gamma correction values 14-15" },
    { "VEB_DI_IECP", GEN9_ENG_VECS, 24, { GFX(2, 4, 0x03, 24) },
      A(2) | A(4) | A(6) | A(8) | A(10) | A(12) | A(14) | A(16) | A(18) | A(20) | A(22), STATE,
      false, "GVT-g: none; media driver Gen9: current and previous input 2-3, 4-5, STMM in "
      "and out 6-7, 8-9, denoised, current and previous output 10-15, statistics 16-17, alpha/"
      "vignette 18-19, LACE/ACE/RGB histogram 20-21, skin score 22-23" },
};

/* Commands with an address that no handler audits: refused whatever they
 * hold.  GVT-g ADDR_FIX_n() or a handler, gen9.xml type "address". */
static const struct {
    const char *name;
    unsigned engine;
    uint32_t dw0;
} refused[] = {
    { "MI_DISPLAY_FLIP", GEN9_RCS, MI(0x14, 3) },
    { "MI_SET_CONTEXT", GEN9_RCS, MI(0x18, 2) },
    { "MI_UPDATE_GTT", GEN9_RCS, MI(0x23, 3) },
    { "MI_CLFLUSH", GEN9_RCS, MI(0x27, 3) },
    { "MI_REPORT_PERF_COUNT", GEN9_RCS, MI(0x28, 4) },
    { "MI_RS_STORE_DATA_IMM", GEN9_RCS, MI(0x2b, 4) },
    { "MI_LOAD_URB_MEM", GEN9_RCS, MI(0x2c, 4) },
    { "MI_STORE_URB_MEM", GEN9_RCS, MI(0x2d, 4) },
    { "MI_COPY_MEM_MEM", GEN9_BCS, MI(0x2e, 5) },
    { "MI_ATOMIC", GEN9_VCS, MI(0x2f, 3) },
    { "XY_SETUP_BLT", GEN9_BCS, BLT(0x01, 10) },
    { "XY_SETUP_MONO_PATTERN_SL_BLT", GEN9_BCS, BLT(0x11, 10) },
    { "XY_TEXT_BLT", GEN9_BCS, BLT(0x26, 5) },
    { "XY_PAT_BLT", GEN9_BCS, BLT(0x51, 7) },
    { "XY_MONO_PAT_BLT", GEN9_BCS, BLT(0x52, 10) },
    { "XY_MONO_SRC_COPY_BLT", GEN9_BCS, BLT(0x54, 10) },
    { "XY_FULL_MONO_SRC_BLT", GEN9_BCS, BLT(0x56, 14) },
    { "XY_FULL_MONO_PATTERN_BLT", GEN9_BCS, BLT(0x57, 14) },
    { "XY_FULL_MONO_PATTERN_MONO_SRC_BLT", GEN9_BCS, BLT(0x58, 14) },
    { "XY_MONO_PAT_FIXED_BLT", GEN9_BCS, BLT(0x59, 9) },
    { "XY_MONO_SRC_COPY_IMMEDIATE_BLT", GEN9_BCS, BLT(0x71, 9) },
    { "XY_PAT_BLT_IMMEDIATE", GEN9_BCS, BLT(0x72, 9) },
    { "XY_SRC_COPY_CHROMA_BLT", GEN9_BCS, BLT(0x73, 10) },
    { "XY_FULL_IMMEDIATE_PATTERN_BLT", GEN9_BCS, BLT(0x74, 14) },
    { "XY_FULL_MONO_SRC_IMMEDIATE_PATTERN_BLT", GEN9_BCS, BLT(0x75, 14) },
    { "XY_PAT_CHROMA_BLT", GEN9_BCS, BLT(0x76, 9) },
    { "XY_PAT_CHROMA_BLT_IMMEDIATE", GEN9_BCS, BLT(0x77, 9) },
    { "MEDIA_OBJECT_GRPID", GEN9_RCS, GFX(2, 1, 0x06, 8) },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The other commands the scanner allows: no graphics address.  Mesa's
 * gen9.xml has no field of type "address" in them (their pointers are
 * offsets from a STATE_BASE_ADDRESS base, a register or the URB), and
 * GVT-g's rows have no ADDR_FIX bitmap and no handler auditing one. */
static const char *const no_address[] = {
    "MI_NOOP", "MI_SET_PREDICATE", "MI_USER_INTERRUPT", "MI_ARB_CHECK", "MI_ARB_ON_OFF",
    "MI_URB_ATOMIC_ALLOC", "MI_BATCH_BUFFER_END", "MI_SUSPEND_FLUSH", "MI_PREDICATE",
    "MI_TOPOLOGY_FILTER", "MI_MATH", "MI_LOAD_REGISTER_IMM", "MI_LOAD_REGISTER_REG",
    "PIPELINE_SELECT", "3DSTATE_VF_STATISTICS", "STATE_SIP", "MEDIA_CURBE_LOAD",
    "MEDIA_INTERFACE_DESCRIPTOR_LOAD", "MEDIA_STATE_FLUSH", "MEDIA_OBJECT_PRT",
    "MEDIA_OBJECT_WALKER", "GPGPU_WALKER", "3DSTATE_CLEAR_PARAMS", "3DSTATE_VERTEX_ELEMENTS",
    "3DSTATE_VF", "3DSTATE_MULTISAMPLE", "3DSTATE_CC_STATE_POINTERS",
    "3DSTATE_SCISSOR_STATE_POINTERS", "3DSTATE_CLIP", "3DSTATE_SF", "3DSTATE_WM",
    "3DSTATE_SAMPLE_MASK", "3DSTATE_TE", "3DSTATE_STREAMOUT", "3DSTATE_SBE",
    "3DSTATE_VIEWPORT_STATE_POINTERS_SF_CLIP", "3DSTATE_VIEWPORT_STATE_POINTERS_CC",
    "3DSTATE_BLEND_STATE_POINTERS", "3DSTATE_BINDING_TABLE_POINTERS_VS",
    "3DSTATE_BINDING_TABLE_POINTERS_HS", "3DSTATE_BINDING_TABLE_POINTERS_DS",
    "3DSTATE_BINDING_TABLE_POINTERS_GS", "3DSTATE_BINDING_TABLE_POINTERS_PS",
    "3DSTATE_SAMPLER_STATE_POINTERS_VS", "3DSTATE_SAMPLER_STATE_POINTERS_HS",
    "3DSTATE_SAMPLER_STATE_POINTERS_DS", "3DSTATE_SAMPLER_STATE_POINTERS_GS",
    "3DSTATE_SAMPLER_STATE_POINTERS_PS", "3DSTATE_URB_VS", "3DSTATE_URB_HS", "3DSTATE_URB_DS",
    "3DSTATE_URB_GS", "3DSTATE_GATHER_CONSTANT_VS", "3DSTATE_GATHER_CONSTANT_GS",
    "3DSTATE_GATHER_CONSTANT_HS", "3DSTATE_GATHER_CONSTANT_DS", "3DSTATE_GATHER_CONSTANT_PS",
    "3DSTATE_BINDING_TABLE_EDIT_VS", "3DSTATE_BINDING_TABLE_EDIT_GS",
    "3DSTATE_BINDING_TABLE_EDIT_HS", "3DSTATE_BINDING_TABLE_EDIT_DS",
    "3DSTATE_BINDING_TABLE_EDIT_PS", "3DSTATE_VF_INSTANCING", "3DSTATE_VF_SGVS",
    "3DSTATE_VF_TOPOLOGY", "3DSTATE_WM_CHROMAKEY", "3DSTATE_PS_BLEND", "3DSTATE_WM_DEPTH_STENCIL",
    "3DSTATE_PS_EXTRA", "3DSTATE_RASTER", "3DSTATE_SBE_SWIZ", "3DSTATE_WM_HZ_OP",
    "3DSTATE_VF_COMPONENT_PACKING", "3DSTATE_DRAWING_RECTANGLE", "3DSTATE_SAMPLER_PALETTE_LOAD0",
    "3DSTATE_CHROMA_KEY", "3DSTATE_POLY_STIPPLE_OFFSET", "3DSTATE_POLY_STIPPLE_PATTERN",
    "3DSTATE_LINE_STIPPLE", "3DSTATE_AA_LINE_PARAMETERS", "3DSTATE_SAMPLER_PALETTE_LOAD1",
    "3DSTATE_MONOFILTER_SIZE", "3DSTATE_PUSH_CONSTANT_ALLOC_VS", "3DSTATE_PUSH_CONSTANT_ALLOC_HS",
    "3DSTATE_PUSH_CONSTANT_ALLOC_DS", "3DSTATE_PUSH_CONSTANT_ALLOC_GS",
    "3DSTATE_PUSH_CONSTANT_ALLOC_PS", "3DSTATE_SO_DECL_LIST", "3DSTATE_SAMPLE_PATTERN",
    "3DSTATE_URB_CLEAR", "3DPRIMITIVE", "MFX_WAIT",
    /* an offset into the context's own status page, not a graphics
     * address (its range: scan-audit) */
    "MI_STORE_DATA_INDEX",
    /* not in gen9.xml: GVT-g's rows only */
    "MI_FLUSH", "MI_URB_CLEAR", "MEDIA_GATEWAY_STATE", "MEDIA_POOL_STATE",
    "3DSTATE_DEPTH_STENCIL_STATE_POINTERS", "3DSTATE_DX9_CONSTANTF_VS", "3DSTATE_DX9_CONSTANTF_PS",
    "3DSTATE_DX9_CONSTANTI_VS", "3DSTATE_DX9_CONSTANTI_PS", "3DSTATE_DX9_CONSTANTB_VS",
    "3DSTATE_DX9_CONSTANTB_PS", "3DSTATE_DX9_LOCAL_VALID_VS", "3DSTATE_DX9_LOCAL_VALID_PS",
    "3DSTATE_DX9_GENERATE_ACTIVE_VS", "3DSTATE_DX9_GENERATE_ACTIVE_PS", "3DSTATE_GS_SVB_INDEX",
};

/* Allowed with an address the scanner cannot check (docs/scanner.md):
 * 32-bit address dwords, which have no form to check, and the video
 * engines' opcode families, decoded by length only but for the members
 * above. */
static const char *const not_covered[] = {
    "STATE_PREFETCH",           /* gen9.xml Prefetch Pointer, dword 1 bits 31:6 */
    "MEDIA_OBJECT",             /* gen9.xml Indirect Data Start Address, dword 3 */
    "MFX pipeline 2 opcode 0 (MFX common, VDENC)", "MFX pipeline 2 opcode 1 (AVC)",
    "MFX pipeline 2 opcode 2 (VC1)", "MFX pipeline 2 opcode 3 (MPEG2, HCP)",
    "VEBOX pipeline 2 opcode 4", "MFX pipeline 2 opcode 5", "MFX pipeline 2 opcode 6",
    "MFX pipeline 2 opcode 7 (JPEG)",
};


/* One VM and scanner for the whole group: each scan starts afresh. */
static struct fixture {
    struct fake_vm *vm;
    struct med_scan *scan;
    struct med_scan_result result;
    unsigned commands, addresses, refusals, failures;   /* failures: all reported */
} fx;

static int open_vm(void **state)
{
    fx.vm = fake_vm_create();
    fx.scan = fx.vm ? fake_vm_scanner(fx.vm, NULL) : NULL;
    if (!fx.scan) {
        return -1;
    }
    fx.vm->page_flags[ABSENT_PAGE] = 0;
    fx.vm->page_flags[FOREIGN_PAGE] = FAKE_PRESENT;
    fx.vm->ggtt_scratch[(GGTT_SCRATCH - FAKE_GGTT_BASE) / FAKE_PAGE] = 1;
    /* batch starts aimed at the data find a batch end there */
    *fake_ggtt(fx.vm, GGTT_DATA) = MI_BB_END_DW;
    *fake_ppgtt(fx.vm, PPGTT_DATA) = MI_BB_END_DW;
    return 0;
}

static int close_vm(void **state)
{
    med_scan_destroy(fx.scan);
    fake_vm_destroy(fx.vm);
    return 0;
}

/* Where a row's command names @gma in the GGTT (@ggtt) or the PPGTT: its
 * space selector, and the address in every address dword but @which,
 * whose address is @gma; the others are good in the same space. */
static void build(const struct addr_ref *r, enum gen9_engine e, uint32_t *cmd, unsigned which,
                  uint64_t gma, bool ggtt)
{
    uint64_t good = ggtt ? GGTT_DATA : PPGTT_DATA;

    memcpy(cmd, r->dw, r->len * sizeof(*cmd));
    if (r->reg_dw1) {
        cmd[1] = gen9_engines[e].base + CS_GPR0;
    }
    for (unsigned i = 0; i < r->len; i++) {
        if (r->addrs & A(i)) {
            uint64_t a = i == which ? gma : good;

            cmd[i] = (uint32_t)a;
            cmd[i + 1] = (uint32_t)(a >> 32);
            if (r->kind == FLUSH_SPACE && ggtt) {
                cmd[i] |= EMIT_FLUSH_USE_GTT;
            }
        }
    }
    switch (r->kind) {
    case MI_SPACE:
        cmd[0] |= ggtt ? EMIT_GGTT : 0;
        break;
    case PC_SPACE:
        cmd[1] |= ggtt ? EMIT_PC_GLOBAL_GTT : 0;
        break;
    case BB_SPACE:
        cmd[0] |= ggtt ? 0 : EMIT_BB_PPGTT;
        break;
    default:
        break;
    }
}

/* The command in a GGTT batch the ring starts (privileged: it may use the
 * GGTT), followed by the batch's end. */
static enum med_scan_verdict scan_cmd(struct fixture *f, enum gen9_engine e,
                                      const struct addr_ref *r, unsigned which, uint64_t gma,
                                      bool ggtt)
{
    uint32_t *ring = fake_ggtt(f->vm, RING_GMA), *p = ring;
    uint32_t *batch = fake_ggtt(f->vm, GGTT_BATCH);
    struct med_scan_request req = { .engine = e, .commands = ring, .gma = RING_GMA };

    emit_bb_start(&p, GGTT_BATCH, 0);
    req.len = 4 * (uint64_t)(p - ring);
    build(r, e, batch, which, gma, ggtt);
    batch[r->len] = MI_BB_END_DW;
    return med_scan(f->scan, &req, &f->result);
}

static void expect(struct fixture *f, const struct addr_ref *r, enum gen9_engine e,
                   unsigned which, uint64_t gma, bool ggtt, enum med_scan_verdict want,
                   const char *what)
{
    enum med_scan_verdict got = scan_cmd(f, e, r, which, gma, ggtt);

    if (got != want) {
        print_error("%s on %s, address dwords %u-%u (%s) %s (0x%llx in the %s): %s, not %s "
                    "(%s)\n", r->name, gen9_engines[e].name, which, which + 1, r->source, what,
                    (unsigned long long)gma, ggtt ? "GGTT" : "PPGTT",
                    med_scan_verdict_name(got), med_scan_verdict_name(want), f->result.reason);
        f->failures++;
    }
    f->refusals += want != MED_SCAN_OK;
}

static bool has_ggtt(enum kind kind)
{
    return kind == MI_SPACE || kind == PC_SPACE || kind == FLUSH_SPACE || kind == BB_SPACE;
}

static void check_address(struct fixture *f, const struct addr_ref *r, enum gen9_engine e,
                          unsigned which)
{
    static const struct {
        uint64_t gma;
        const char *what;
    } ggtt_bad[] = {
        { GGTT_OTHER_VGPU, "in another vGPU's part of the GGTT" },
        { GGTT_BELOW, "below the partition" },
        { GGTT_SCRATCH, "on a partition page mapping the scratch page" },
        { GGTT_BEYOND, "beyond the GGTT" },
    }, ppgtt_bad[] = {
        { PAGE_GMA(ABSENT_PAGE), "on a page absent from the PPGTT" },
        { PAGE_GMA(FOREIGN_PAGE), "on a PPGTT page of memory the VM does not own" },
    };
    bool ggtt = has_ggtt(r->kind);

    expect(f, r, e, which, PPGTT_DATA, false, MED_SCAN_OK, "inside the vGPU's memory");
    expect(f, r, e, which, PPGTT_DATA | NON_CANONICAL, false, MED_SCAN_BAD_ADDRESS,
           "non-canonical");
    if (r->kind == STATE) {
        return;
    }
    for (size_t i = 0; i < N(ppgtt_bad); i++) {
        expect(f, r, e, which, ppgtt_bad[i].gma, false, MED_SCAN_BAD_ADDRESS, ppgtt_bad[i].what);
    }
    if (!ggtt) {
        return;
    }
    expect(f, r, e, which, GGTT_DATA, true, MED_SCAN_OK, "inside the vGPU's partition");
    for (size_t i = 0; i < N(ggtt_bad); i++) {
        expect(f, r, e, which, ggtt_bad[i].gma, true, MED_SCAN_BAD_ADDRESS, ggtt_bad[i].what);
    }
}

/* Every address dword of every row, on every engine the row names. */
static void test_every_address_is_audited(void **state)
{
    struct fixture *f = &fx;

    for (size_t i = 0; i < N(refs); i++) {
        const struct addr_ref *r = &refs[i];

        for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
            if (!(r->engines & (1u << e))) {
                continue;
            }
            f->commands++;
            for (unsigned which = 0; which < r->len; which++) {
                if (r->addrs & A(which)) {
                    f->addresses++;
                    check_address(f, r, (enum gen9_engine)e, which);
                }
            }
        }
    }
    print_message("%u commands x engines, %u address dwords, %u hostile forms refused\n",
                  f->commands, f->addresses, f->refusals);
    assert_int_equal(f->failures, 0);
}

/* What no handler audits stays refused, whatever its address. */
static void test_unaudited_commands_are_refused(void **state)
{
    struct fixture *f = &fx;

    for (size_t i = 0; i < N(refused); i++) {
        uint32_t *ring = fake_ggtt(f->vm, RING_GMA);
        struct med_scan_request req = {
            .engine = refused[i].engine, .commands = ring, .gma = RING_GMA, .len = 4 * 16,
        };

        memset(ring, 0, 4 * 16);
        ring[0] = refused[i].dw0;
        if (med_scan(f->scan, &req, &f->result) != MED_SCAN_FORBIDDEN_COMMAND) {
            fail_msg("%s (0x%08x) on %s: %s (%s), not forbidden-command", refused[i].name,
                     refused[i].dw0, gen9_engines[refused[i].engine].name,
                     med_scan_verdict_name(f->result.verdict), f->result.reason);
        }
    }
}

static bool listed(const char *const *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(list[i], name)) {
            return true;
        }
    }
    return false;
}

static bool in_refs(const char *name)
{
    for (size_t i = 0; i < N(refs); i++) {
        if (!strcmp(refs[i].name, name)) {
            return true;
        }
    }
    return false;
}

/* Every command the scanner allows is classified above, once, and every
 * command classified as allowed is: a command allowed later with an
 * address no row here names fails until it gets its rows. */
static void test_every_allowed_command_is_classified(void **state)
{
    unsigned allowed = 0, classified = 0;

    for (size_t i = 0; i < gen9_cmd_count; i++) {
        const char *name = gen9_cmds[i].name;
        unsigned in = in_refs(name) + listed(no_address, N(no_address), name) +
                      listed(not_covered, N(not_covered), name);

        if (med_cmd_of(i)->policy != MED_CMD_ALLOW) {
            if (in) {
                fail_msg("%s is classified here as allowed but the scanner refuses it", name);
            }
            continue;
        }
        allowed++;
        if (in != 1) {
            fail_msg("%s is allowed and classified %u times here (address rows, no address, "
                     "not covered)", name, in);
        }
    }
    for (size_t i = 0; i < N(refs); i++) {
        classified += !i || strcmp(refs[i].name, refs[i - 1].name);
    }
    classified += N(no_address) + N(not_covered);
    print_message("%u allowed commands: %zu with address rows, %zu without an address, %zu "
                  "not covered\n", allowed, classified - N(no_address) - N(not_covered),
                  N(no_address), N(not_covered));
    assert_int_equal(allowed, classified);
}

/* A vertex buffer list must be whole elements: a partial one would put
 * an address dword past the command's end. */
static void test_vertex_buffer_elements(void **state)
{
    struct fixture *f = &fx;
    uint32_t *ring = fake_ggtt(f->vm, RING_GMA);
    struct med_scan_request req = {
        .engine = GEN9_RCS, .commands = ring, .gma = RING_GMA, .len = 4 * 7,
    };

    memset(ring, 0, 4 * 7);
    ring[0] = GFX(3, 0, 0x08, 7);
    assert_int_equal(med_scan(f->scan, &req, &f->result), MED_SCAN_BAD_LENGTH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_allowed_command_is_classified),
        cmocka_unit_test(test_every_address_is_audited),
        cmocka_unit_test(test_unaudited_commands_are_refused),
        cmocka_unit_test(test_vertex_buffer_elements),
    };

    return cmocka_run_group_tests(tests, open_vm, close_vm);
}
