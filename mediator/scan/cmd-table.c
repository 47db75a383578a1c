/*
 * cmd-table.c - the scanner's policy on the Gen9 commands (an overlay on
 * gen9/cmd.c's rows) and its register whitelist (cmd-table.h); sources
 * are named in docs/scanner.md.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mediator/scan/cmd-table.h"
#include "gen9/regs.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/*
 * The scanner's policy, by command name (gen9/cmd.c has every row): a
 * command not listed is allowed and passed after its length check and
 * state pointers: the 3D, media, GPGPU and video state commands, whose
 * pointers are PPGTT addresses the shadow PPGTT confines.  A blit not
 * listed is refused: a blit writes memory, which the scanner audits
 * through the blit's handler (only the three below have one).
 */
static const struct {
    const char *name;
    enum med_cmd_policy policy;
    med_cmd_handler *handler;
    enum med_cmd_writes writes;
} policy_rows[] = {
    { "MI_USER_INTERRUPT", MED_CMD_ALLOW, med_cmd_user_interrupt, MED_CMD_WRITES_NONE },
    { "MI_WAIT_FOR_EVENT", MED_CMD_DISPLAY, NULL, MED_CMD_WRITES_NONE },
    { "MI_RS_CONTROL", MED_CMD_UNSUPPORTED, NULL, MED_CMD_WRITES_NONE },
    /* Writes the ring head into the engine's status page, a host page every
     * vGPU's work shares; i915 and IGT never emit it. */
    { "MI_REPORT_HEAD", MED_CMD_PRIVILEGED, NULL, MED_CMD_WRITES_NONE },
    { "MI_BATCH_BUFFER_END", MED_CMD_ALLOW, med_cmd_bb_end, MED_CMD_WRITES_NONE },
    { "MI_SET_APPID", MED_CMD_PRIVILEGED, NULL, MED_CMD_WRITES_NONE },
    { "MI_RS_CONTEXT", MED_CMD_UNSUPPORTED, NULL, MED_CMD_WRITES_NONE },
    { "MI_LOAD_SCAN_LINES_INCL", MED_CMD_DISPLAY, NULL, MED_CMD_WRITES_NONE },
    { "MI_LOAD_SCAN_LINES_EXCL", MED_CMD_DISPLAY, NULL, MED_CMD_WRITES_NONE },
    { "MI_DISPLAY_FLIP", MED_CMD_DISPLAY, NULL, MED_CMD_WRITES_NONE },
    { "MI_SET_CONTEXT", MED_CMD_PRIVILEGED, NULL, MED_CMD_WRITES_NONE },
    { "MI_MATH", MED_CMD_ALLOW, med_cmd_math, MED_CMD_WRITES_NONE },
    { "MI_SEMAPHORE_SIGNAL", MED_CMD_UNSUPPORTED, NULL, MED_CMD_WRITES_NONE },
    { "MI_SEMAPHORE_WAIT", MED_CMD_ALLOW, med_cmd_semaphore_wait, MED_CMD_WRITES_NONE },
    { "MI_FORCE_WAKEUP", MED_CMD_PRIVILEGED, NULL, MED_CMD_WRITES_NONE },
    { "MI_STORE_DATA_IMM", MED_CMD_ALLOW, med_cmd_store_data_imm, MED_CMD_WRITES_ACCESS },
    { "MI_STORE_DATA_INDEX", MED_CMD_ALLOW, med_cmd_store_data_index, MED_CMD_WRITES_NONE },
    { "MI_LOAD_REGISTER_IMM", MED_CMD_ALLOW, med_cmd_lri, MED_CMD_WRITES_NONE },
    { "MI_UPDATE_GTT", MED_CMD_PRIVILEGED, NULL, MED_CMD_WRITES_NONE },
    { "MI_STORE_REGISTER_MEM", MED_CMD_ALLOW, med_cmd_srm, MED_CMD_WRITES_ACCESS },
    { "MI_FLUSH_DW", MED_CMD_ALLOW, med_cmd_flush_dw, MED_CMD_WRITES_ACCESS },
    { "MI_CLFLUSH", MED_CMD_UNSUPPORTED, NULL, MED_CMD_WRITES_NONE },
    { "MI_REPORT_PERF_COUNT", MED_CMD_UNSUPPORTED, NULL, MED_CMD_WRITES_NONE },
    { "MI_LOAD_REGISTER_MEM", MED_CMD_ALLOW, med_cmd_lrm, MED_CMD_WRITES_NONE },
    { "MI_LOAD_REGISTER_REG", MED_CMD_ALLOW, med_cmd_lrr, MED_CMD_WRITES_NONE },
    { "MI_RS_STORE_DATA_IMM", MED_CMD_UNSUPPORTED, NULL, MED_CMD_WRITES_NONE },
    { "MI_LOAD_URB_MEM", MED_CMD_UNSUPPORTED, NULL, MED_CMD_WRITES_NONE },
    { "MI_STORE_URB_MEM", MED_CMD_UNSUPPORTED, NULL, MED_CMD_WRITES_NONE },
    { "MI_COPY_MEM_MEM", MED_CMD_UNSUPPORTED, NULL, MED_CMD_WRITES_NONE },
    { "MI_ATOMIC", MED_CMD_UNSUPPORTED, NULL, MED_CMD_WRITES_NONE },
    { "MI_BATCH_BUFFER_START", MED_CMD_ALLOW, med_cmd_bb_start, MED_CMD_WRITES_NONE },
    { "MI_CONDITIONAL_BATCH_BUFFER_END", MED_CMD_ALLOW, med_cmd_cond_bb_end, MED_CMD_WRITES_NONE },
    { "XY_FAST_COPY_BLT", MED_CMD_ALLOW, med_cmd_fast_copy_blt, MED_CMD_WRITES_ACCESS },
    { "XY_COLOR_BLT", MED_CMD_ALLOW, med_cmd_color_blt, MED_CMD_WRITES_ACCESS },
    { "XY_SRC_COPY_BLT", MED_CMD_ALLOW, med_cmd_src_copy_blt, MED_CMD_WRITES_ACCESS },
    { "PIPE_CONTROL", MED_CMD_ALLOW, med_cmd_pipe_control, MED_CMD_WRITES_ACCESS },
    { "3DSTATE_VERTEX_BUFFERS", MED_CMD_ALLOW, med_cmd_vertex_buffers, MED_CMD_WRITES_NONE },
    /* They run the pipeline, which writes what their state points at
     * (render targets, stream output, depth and HiZ buffers, a kernel's
     * surfaces): for the write set, anything the vGPU reaches.  So do the
     * video engines' commands (below, by type). */
    { "3DPRIMITIVE", MED_CMD_ALLOW, NULL, MED_CMD_WRITES_ANY },
    { "3DSTATE_WM_HZ_OP", MED_CMD_ALLOW, NULL, MED_CMD_WRITES_ANY },
    { "GPGPU_WALKER", MED_CMD_ALLOW, NULL, MED_CMD_WRITES_ANY },
    { "MEDIA_OBJECT", MED_CMD_ALLOW, NULL, MED_CMD_WRITES_ANY },
    { "MEDIA_OBJECT_PRT", MED_CMD_ALLOW, NULL, MED_CMD_WRITES_ANY },
    { "MEDIA_OBJECT_WALKER", MED_CMD_ALLOW, NULL, MED_CMD_WRITES_ANY },
    /* GVT-g's command parser has no row for it (i915's gvt/cmd_parser.c):
     * a guest cannot use it under either mediator. */
    { "MEDIA_OBJECT_GRPID", MED_CMD_UNSUPPORTED, NULL, MED_CMD_WRITES_NONE },
};

struct med_cmd_desc med_cmd_rows[256];

/* Built before main() (the scanner looks a header up per command: no
 * per-call initialisation check on that path). */
static void __attribute__((constructor)) build_cmd_rows(void)
{
    assert(gen9_cmd_count <= sizeof(med_cmd_rows) / sizeof(med_cmd_rows[0]));
    static bool listed[sizeof(med_cmd_rows) / sizeof(med_cmd_rows[0])];

    for (size_t i = 0; i < gen9_cmd_count; i++) {
        bool blit = gen9_cmds[i].type == GEN9_CMD_2D;

        med_cmd_rows[i] = (struct med_cmd_desc){
            .cmd = &gen9_cmds[i], .policy = blit ? MED_CMD_UNSUPPORTED : MED_CMD_ALLOW,
            .state_ptrs = gen9_cmds[i].state_ptrs,
            .writes = gen9_cmds[i].type == GEN9_CMD_VIDEO ? MED_CMD_WRITES_ANY
                                                          : MED_CMD_WRITES_NONE,
        };
    }
    for (size_t p = 0; p < sizeof(policy_rows) / sizeof(policy_rows[0]); p++) {
        size_t i = 0;

        while (i < gen9_cmd_count && strcmp(gen9_cmds[i].name, policy_rows[p].name)) {
            i++;
        }
        /* every policy row names a command, once: tests/unit/scan checks it */
        assert(i < gen9_cmd_count && !listed[i]);
        listed[i] = true;
        med_cmd_rows[i].policy = policy_rows[p].policy;
        med_cmd_rows[i].handler = policy_rows[p].handler;
        med_cmd_rows[i].writes = policy_rows[p].writes;
    }
}

/*
 * The register whitelist.  Privileged rows are what the 6.1 guest kernel
 * programs from its rings and GGTT batches on Skylake: the render context
 * workarounds (gen9_ctx_workarounds_init, skl_tune_iz_hashing) and the
 * indirect-context batch (gen9_init_indirectctx_bb).  User rows are what
 * i915 lets unprivileged batches touch: its RING_FORCE_TO_NONPRIV slots for
 * SKL render (gen9_whitelist_build, skl_whitelist_build) and the
 * registers its command parser grants user batches (gen7_render_regs,
 * hsw_render_regs, gen9_blt_regs), with GEN8_L3CNTLREG for the Gen7 L3
 * configuration registers of that list.
 */
#define REG(reg, n, eng, is_user) \
    { .name = #reg, .offset = (reg), .dwords = (n), .engines = (eng), .user = (is_user) }
#define CTX_WA(reg) \
    { .name = #reg, .offset = (reg), .dwords = 1, .engines = GEN9_ENG_RCS, .user_read = true }

const struct med_reg_desc med_reg_table[] = {
    /* Every command streamer.  The clocks are read, never loaded: the
     * scheduler charges each vGPU the GPU time CTX_TIMESTAMP counts (and
     * bounds a run by it), which a context that loads it would set as it
     * likes (the model drops command writes to it; hardware may not).
     * IGT reads them (gem_exec_fair, gem_exec_balancer, gem_watchdog). */
    { .name = "RING_TIMESTAMP", .offset = RING_TIMESTAMP, .dwords = 2,
      .engines = GEN9_ENG_ALL, .relative = true, .user = true, .read_only = true },
    { .name = "RING_CTX_TIMESTAMP", .offset = RING_CTX_TIMESTAMP, .dwords = 1,
      .engines = GEN9_ENG_ALL, .relative = true, .user = true, .read_only = true },
    { .name = "CS_GPR", .offset = RING_GPR(0), .dwords = 32, .engines = GEN9_ENG_ALL,
      .relative = true, .user = true },
    /* Render: kernel context workarounds and indirect-context batch.
     * Loaded by the kernel only; read by user batches too: IGT's
     * gem_workarounds stores each register of i915_wa_registers from a
     * PPGTT batch (GVT-g grants command access to them, F_CMD_ACCESS in
     * gvt/handlers.c).  They are context state, so a read shows the
     * reading context's own values. */
    CTX_WA(FF_SLICE_CHICKEN),
    CTX_WA(_3D_CHICKEN3),
    CTX_WA(CACHE_MODE_1),
    CTX_WA(GEN7_GT_MODE),
    CTX_WA(HDC_CHICKEN0),
    CTX_WA(HALF_SLICE_CHICKEN2),
    CTX_WA(GEN8_HALF_SLICE_CHICKEN3),
    CTX_WA(GEN9_HALF_SLICE_CHICKEN5),
    CTX_WA(GEN9_HALF_SLICE_CHICKEN7),
    CTX_WA(GEN8_ROW_CHICKEN),
    /* Render: FORCE_TO_NONPRIV slots (also kernel workarounds). */
    REG(GEN9_CTX_PREEMPT_REG, 1, GEN9_ENG_RCS, true),
    REG(GEN8_CS_CHICKEN1, 1, GEN9_ENG_RCS, true),
    REG(COMMON_SLICE_CHICKEN2, 1, GEN9_ENG_RCS, true),
    REG(GEN8_HDC_CHICKEN1, 1, GEN9_ENG_RCS, true),
    REG(GEN8_L3SQCREG4, 1, GEN9_ENG_RCS, true),
    /* Render: command parser grants to user batches. */
    REG(GPGPU_THREADS_DISPATCHED, 2, GEN9_ENG_RCS, true),
    REG(HS_INVOCATION_COUNT, 2, GEN9_ENG_RCS, true),
    REG(DS_INVOCATION_COUNT, 2, GEN9_ENG_RCS, true),
    REG(IA_VERTICES_COUNT, 2, GEN9_ENG_RCS, true),
    REG(IA_PRIMITIVES_COUNT, 2, GEN9_ENG_RCS, true),
    REG(VS_INVOCATION_COUNT, 2, GEN9_ENG_RCS, true),
    REG(GS_INVOCATION_COUNT, 2, GEN9_ENG_RCS, true),
    REG(GS_PRIMITIVES_COUNT, 2, GEN9_ENG_RCS, true),
    REG(CL_INVOCATION_COUNT, 2, GEN9_ENG_RCS, true),
    REG(CL_PRIMITIVES_COUNT, 2, GEN9_ENG_RCS, true),
    REG(PS_INVOCATION_COUNT, 2, GEN9_ENG_RCS, true),
    REG(PS_DEPTH_COUNT, 2, GEN9_ENG_RCS, true),
    REG(MI_PREDICATE_SRC0, 2, GEN9_ENG_RCS, true),
    REG(MI_PREDICATE_SRC1, 2, GEN9_ENG_RCS, true),
    REG(GEN7_3DPRIM_END_OFFSET, 1, GEN9_ENG_RCS, true),
    REG(GEN7_3DPRIM_START_VERTEX, 1, GEN9_ENG_RCS, true),
    REG(GEN7_3DPRIM_VERTEX_COUNT, 1, GEN9_ENG_RCS, true),
    REG(GEN7_3DPRIM_INSTANCE_COUNT, 1, GEN9_ENG_RCS, true),
    REG(GEN7_3DPRIM_START_INSTANCE, 1, GEN9_ENG_RCS, true),
    REG(GEN7_3DPRIM_BASE_VERTEX, 1, GEN9_ENG_RCS, true),
    REG(GEN7_GPGPU_DISPATCHDIM, 3, GEN9_ENG_RCS, true),
    REG(GEN7_SO_NUM_PRIMS_WRITTEN, 8, GEN9_ENG_RCS, true),
    REG(GEN7_SO_PRIM_STORAGE_NEEDED, 8, GEN9_ENG_RCS, true),
    REG(GEN7_SO_WRITE_OFFSET, 4, GEN9_ENG_RCS, true),
    REG(GEN8_L3CNTLREG, 1, GEN9_ENG_RCS, true),
    /* Blitter: command parser grants to user batches. */
    REG(BCS_SWCTRL, 1, GEN9_ENG_BCS, true),
};

const size_t med_reg_table_size = sizeof(med_reg_table) / sizeof(med_reg_table[0]);

/* Per engine, every whitelisted register dword (cmd-table.h), built before
 * main().  RCS has 103 dwords in 256 slots.  Rows never overlap on one
 * engine (tests/unit/scan checks it). */
struct med_reg_slot med_reg_slots[GEN9_NUM_ENGINES][MED_REG_SLOTS];

static_assert(sizeof(med_reg_table) / sizeof(med_reg_table[0]) < UINT8_MAX,
              "a med_reg_slot's row is a byte");

static void __attribute__((constructor)) build_reg_slots(void)
{
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        unsigned used = 0;

        for (size_t i = 0; i < med_reg_table_size; i++) {
            const struct med_reg_desc *reg = &med_reg_table[i];
            uint32_t start = reg->offset + (reg->relative ? gen9_engines[e].base : 0);

            for (unsigned d = 0; (reg->engines & (1u << e)) && d < reg->dwords; d++) {
                unsigned slot = med_reg_hash(start + 4 * d);

                /* half full at most, so that a miss finds an empty slot soon */
                assert(++used <= MED_REG_SLOTS / 2);
                while (med_reg_slots[e][slot].row) {
                    slot = (slot + 1) % MED_REG_SLOTS;
                }
                med_reg_slots[e][slot] = (struct med_reg_slot){ .offset = start + 4 * d,
                                                                .row = (uint8_t)(i + 1) };
            }
        }
    }
}
