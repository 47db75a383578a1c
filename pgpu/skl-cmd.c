/*
 * skl-cmd.c - the command streamer: one generic decode loop over command
 * tables (one row per command: name, length rule, engines, which dwords
 * hold graphics addresses, and a handler only where the command has an
 * effect in the model), plus the MI and PIPE_CONTROL handlers.
 *
 * 3D, media and GPGPU commands are decoded with their exact Gen9 lengths
 * and skipped: the model has no rasterizer or EUs.  On the video engines
 * every pipeline-2 GFX-type command is skipped by the 12-bit length rule of
 * the MFX / HCP / VDENC / VEBOX commands.  An unknown or unimplemented command, or a
 * malformed one, stops the context (I915_ERROR_INSTRUCTION).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pgpu/skl.h"

#include <assert.h>
#include <pthread.h>
#include <string.h>

#define SLICE_COMMANDS      1024
#define MAX_FETCHED_DWORDS  (1024 + 2)      /* longest command with a handler */
#define REG_OFFSET_MASK     0x007ffffcu     /* register offsets in commands */

struct skl_cmd_desc {
    const char *name;
    uint32_t opcode;        /* GFX rows: GFX_OP() of the command (the table key) */
    uint8_t len_bits;       /* width of the DWord Length field; 0: fixed */
    uint16_t fixed_len;     /* total dwords when len_bits == 0 */
    uint8_t min_len;        /* a shorter command is malformed */
    uint8_t engines;        /* GEN9_ENG_* where the command is valid */
    uint16_t addr_dws;      /* bit i: dwords i and i + 1 hold an address */
    bool unimplemented;     /* decoded, but the model cannot execute it */
    skl_cmd_fn *exec;       /* NULL: no effect in the model */
};

static enum skl_space mi_space(uint32_t dw0)
{
    return dw0 & MI_USE_GGTT ? SKL_GGTT : SKL_PPGTT;
}

static enum skl_exec_result raise_irq(struct skl_engine *e, uint32_t bits)
{
    pthread_mutex_lock(&e->gpu->lock);
    skl_irq_raise_locked(e, bits);
    pthread_mutex_unlock(&e->gpu->lock);
    return SKL_EXEC_CONTINUE;
}

static void skl_exec_tlb_invalidate(struct skl_exec *x)
{
    skl_tlb_flush(&x->e->tlb);
    x->fetch_page = ~0ull;
}

/* Register read by a command; out-of-range offsets read 0 and are counted. */
static uint32_t cmd_reg_read(struct skl_engine *e, uint32_t offset)
{
    if (offset >= PGPU_MMIO_SIZE) {
        SKL_STAT_INC(e->gpu, refused_reg_accesses);
        return 0;
    }
    return skl_mmio_read32(e->gpu, offset);
}

static enum skl_exec_result write_or_fault(struct skl_engine *e, enum skl_space space,
                                           uint64_t addr, const void *data, unsigned len)
{
    return skl_gpu_write(e, space, addr, data, len) ? SKL_EXEC_CONTINUE : SKL_EXEC_FAULT;
}

/* "Store data index" addresses are offsets into the per-process HWSP (page
 * 0 of the context image). */
static uint64_t pphwsp_address(const struct skl_engine *e, uint64_t offset)
{
    return ((uint32_t)e->active[0].desc & CTX_DESC_LRCA_MASK) + (offset & 0xff8);
}

static enum skl_exec_result mi_user_interrupt(struct skl_exec *x, const uint32_t *dw,
                                              unsigned len)
{
    return raise_irq(x->e, GT_RENDER_USER_INTERRUPT);
}

static enum skl_exec_result mi_arb_check(struct skl_exec *x, const uint32_t *dw,
                                         unsigned len)
{
    bool pending = __atomic_load_n(&x->e->has_pending, __ATOMIC_RELAXED);

    return x->e->arb_enabled && pending ? SKL_EXEC_ARB_POINT : SKL_EXEC_CONTINUE;
}

static enum skl_exec_result mi_arb_on_off(struct skl_exec *x, const uint32_t *dw,
                                          unsigned len)
{
    x->e->arb_enabled = dw[0] & MI_ARB_ENABLE;
    return SKL_EXEC_CONTINUE;
}

static void end_batch(struct skl_exec *x)
{
    if (x->level == SKL_LEVEL_SECOND_BATCH) {
        x->level = SKL_LEVEL_BATCH;     /* resume after the first-level BBS */
    } else {
        x->level = SKL_LEVEL_RING;      /* in the ring itself it is a no-op */
    }
}

static enum skl_exec_result mi_batch_buffer_end(struct skl_exec *x, const uint32_t *dw,
                                                unsigned len)
{
    end_batch(x);
    return SKL_EXEC_CONTINUE;
}

static enum skl_exec_result mi_batch_buffer_start(struct skl_exec *x, const uint32_t *dw,
                                                  unsigned len)
{
    enum skl_space space = dw[0] & MI_BB_PPGTT ? SKL_PPGTT : SKL_GGTT;
    bool second = dw[0] & MI_BB_SECOND_LEVEL;

    switch (x->level) {
    case SKL_LEVEL_RING:
        x->level = SKL_LEVEL_BATCH;
        x->bb_addr = x->addr[0];
        x->bb_space = space;
        break;
    case SKL_LEVEL_BATCH:
        if (second) {
            x->level = SKL_LEVEL_SECOND_BATCH;
            x->sbb_addr = x->addr[0];
            x->sbb_space = space;
        } else {
            x->bb_addr = x->addr[0];    /* chained: no return */
            x->bb_space = space;
        }
        break;
    case SKL_LEVEL_SECOND_BATCH:
        if (second) {
            return SKL_EXEC_BAD_COMMAND;        /* only two levels exist */
        }
        x->sbb_addr = x->addr[0];
        x->sbb_space = space;
        break;
    }
    return SKL_EXEC_CONTINUE;
}

static enum skl_exec_result mi_store_data_imm(struct skl_exec *x, const uint32_t *dw,
                                              unsigned len)
{
    uint64_t addr = x->addr[0];

    if (dw[0] & MI_SDI_QWORD) {
        if (len != 5) {
            return SKL_EXEC_BAD_COMMAND;
        }
        addr &= ~7ull;
    }
    return write_or_fault(x->e, mi_space(dw[0]), addr, &dw[3], 4 * (len - 3));
}

static enum skl_exec_result mi_load_register_imm(struct skl_exec *x, const uint32_t *dw,
                                                 unsigned len)
{
    if (len % 2 == 0) {
        return SKL_EXEC_BAD_COMMAND;
    }
    for (unsigned i = 1; i < len; i += 2) {
        skl_cmd_reg_write(x->e, dw[i] & REG_OFFSET_MASK, dw[i + 1]);
    }
    return SKL_EXEC_CONTINUE;
}

static enum skl_exec_result mi_load_register_mem(struct skl_exec *x, const uint32_t *dw,
                                                 unsigned len)
{
    uint32_t value;

    if (!skl_gpu_read32(x->e, mi_space(dw[0]), x->addr[0], &value)) {
        return SKL_EXEC_FAULT;
    }
    skl_cmd_reg_write(x->e, dw[1] & REG_OFFSET_MASK, value);
    return SKL_EXEC_CONTINUE;
}

static enum skl_exec_result mi_store_register_mem(struct skl_exec *x, const uint32_t *dw,
                                                  unsigned len)
{
    uint32_t value = cmd_reg_read(x->e, dw[1] & REG_OFFSET_MASK);

    return write_or_fault(x->e, mi_space(dw[0]), x->addr[0], &value, 4);
}

static enum skl_exec_result mi_load_register_reg(struct skl_exec *x, const uint32_t *dw,
                                                 unsigned len)
{
    uint32_t value = cmd_reg_read(x->e, dw[1] & REG_OFFSET_MASK);

    skl_cmd_reg_write(x->e, dw[2] & REG_OFFSET_MASK, value);
    return SKL_EXEC_CONTINUE;
}

/* Post-sync write of MI_FLUSH_DW and PIPE_CONTROL: @op is bits 15:14. */
static enum skl_exec_result post_sync_write(struct skl_exec *x, unsigned op,
                                            enum skl_space space, uint64_t addr,
                                            const uint32_t *imm, unsigned imm_dwords)
{
    uint64_t qword;

    switch (op) {
    case 0:
        return SKL_EXEC_CONTINUE;
    case 1:
        return write_or_fault(x->e, space, addr, imm, 4 * imm_dwords);
    case 2:
        qword = 0;              /* PS depth count: no pixels are ever shaded */
        break;
    default:
        qword = skl_cs_ticks(x->e->gpu);
        break;
    }
    return write_or_fault(x->e, space, addr, &qword, 8);
}

static enum skl_exec_result mi_flush_dw(struct skl_exec *x, const uint32_t *dw,
                                        unsigned len)
{
    unsigned op = (dw[0] >> 14) & 3;
    enum skl_space space = dw[1] & MI_FLUSH_DW_USE_GTT ? SKL_GGTT : SKL_PPGTT;
    uint64_t addr = x->addr[0] & ~7ull;
    enum skl_exec_result result;

    if (op == 2 || (op == 3 && len != 5)) {
        return SKL_EXEC_BAD_COMMAND;
    }
    if (dw[0] & MI_FLUSH_DW_TLB_INVALIDATE) {
        skl_exec_tlb_invalidate(x);
    }
    if (dw[0] & MI_FLUSH_DW_STORE_INDEX) {
        addr = pphwsp_address(x->e, addr);
        space = SKL_GGTT;
    }
    result = post_sync_write(x, op, space, addr, &dw[3], len - 3);
    if (result == SKL_EXEC_CONTINUE && (dw[0] & MI_FLUSH_DW_NOTIFY)) {
        raise_irq(x->e, GT_RENDER_PIPECTL_NOTIFY_INTERRUPT);
    }
    return result;
}

static enum skl_exec_result pipe_control(struct skl_exec *x, const uint32_t *dw,
                                         unsigned len)
{
    enum skl_space space = dw[1] & PC_GLOBAL_GTT ? SKL_GGTT : SKL_PPGTT;
    uint64_t addr = x->addr[0] & ~7ull;
    enum skl_exec_result result;

    if (dw[1] & SKL_BIT(23)) {
        return SKL_EXEC_BAD_COMMAND;    /* LRI post-sync: not modelled */
    }
    if (dw[1] & PC_TLB_INVALIDATE) {
        skl_exec_tlb_invalidate(x);
    }
    if (dw[1] & PC_STORE_DATA_INDEX) {
        addr = pphwsp_address(x->e, addr);
        space = SKL_GGTT;
    }
    result = post_sync_write(x, (dw[1] >> 14) & 3, space, addr, &dw[4], 2);
    if (result == SKL_EXEC_CONTINUE && (dw[1] & PC_NOTIFY)) {
        raise_irq(x->e, GT_RENDER_PIPECTL_NOTIFY_INTERRUPT);
    }
    return result;
}

static bool semaphore_satisfied(unsigned op, uint32_t sad, uint32_t sdd)
{
    switch (op) {
    case MI_SEMAPHORE_SAD_GT_SDD: return sad > sdd;
    case MI_SEMAPHORE_SAD_GTE_SDD: return sad >= sdd;
    case MI_SEMAPHORE_SAD_LT_SDD: return sad < sdd;
    case MI_SEMAPHORE_SAD_LTE_SDD: return sad <= sdd;
    case MI_SEMAPHORE_SAD_EQ_SDD: return sad == sdd;
    default: return sad != sdd;
    }
}

/* Signal mode is polled like poll mode: same result, only later. */
static enum skl_exec_result mi_semaphore_wait(struct skl_exec *x, const uint32_t *dw,
                                              unsigned len)
{
    unsigned op = (dw[0] >> 12) & 7;
    uint32_t sad;

    if (op > MI_SEMAPHORE_SAD_NEQ_SDD || (dw[0] & MI_SEMAPHORE_REGISTER_POLL)) {
        return SKL_EXEC_BAD_COMMAND;
    }
    if (!skl_gpu_read32(x->e, mi_space(dw[0]), x->addr[0], &sad)) {
        return SKL_EXEC_FAULT;
    }
    return semaphore_satisfied(op, sad, dw[1]) ? SKL_EXEC_CONTINUE : SKL_EXEC_WAIT;
}

static enum skl_exec_result mi_report_head(struct skl_exec *x, const uint32_t *dw,
                                           unsigned len)
{
    uint64_t hwsp = skl_ereg(x->e, RING_HWS_PGA) & ~0xfffu;

    return write_or_fault(x->e, SKL_GGTT, hwsp + 4 * HWSP_REPORT_HEAD_DW, &x->head, 4);
}

static enum skl_exec_result mi_conditional_bb_end(struct skl_exec *x, const uint32_t *dw,
                                                  unsigned len)
{
    enum skl_space space = mi_space(dw[0]);
    uint64_t addr = x->addr[0] & ~7ull;
    uint32_t data, mask = ~0u;

    if (!(dw[0] & MI_COND_BBE_COMPARE_SEMAPHORE)) {
        return SKL_EXEC_CONTINUE;
    }
    if (!skl_gpu_read32(x->e, space, addr, &data) ||
        ((dw[0] & MI_COND_BBE_MASK_MODE) && !skl_gpu_read32(x->e, space, addr + 4, &mask))) {
        return SKL_EXEC_FAULT;
    }
    if ((data & mask) <= dw[1]) {
        end_batch(x);
    }
    return SKL_EXEC_CONTINUE;
}

#define MI_ROW(op, cmd_name, ...) [op] = { .name = #cmd_name, __VA_ARGS__ }
#define MI_FIXED1(op, cmd_name, ...) \
    MI_ROW(op, cmd_name, .fixed_len = 1, .min_len = 1, __VA_ARGS__)
#define MI_VAR(op, cmd_name, bits, min, ...) \
    MI_ROW(op, cmd_name, .len_bits = (bits), .min_len = (min), __VA_ARGS__)

/* MI commands, by opcode (dword 0 bits 28:23). */
static const struct skl_cmd_desc mi_cmds[64] = {
    MI_FIXED1(0x00, MI_NOOP, .engines = GEN9_ENG_ALL),
    MI_FIXED1(0x01, MI_SET_PREDICATE, .engines = GEN9_ENG_ALL, .unimplemented = true),
    MI_FIXED1(0x02, MI_USER_INTERRUPT, .engines = GEN9_ENG_ALL, .exec = mi_user_interrupt),
    MI_FIXED1(0x03, MI_WAIT_FOR_EVENT, .engines = GEN9_ENG_RCS | GEN9_ENG_BCS,
              .unimplemented = true),
    MI_FIXED1(0x05, MI_ARB_CHECK, .engines = GEN9_ENG_ALL, .exec = mi_arb_check),
    MI_FIXED1(0x06, MI_RS_CONTROL, .engines = GEN9_ENG_RCS, .unimplemented = true),
    MI_FIXED1(0x07, MI_REPORT_HEAD, .engines = GEN9_ENG_ALL, .exec = mi_report_head),
    MI_FIXED1(0x08, MI_ARB_ON_OFF, .engines = GEN9_ENG_ALL, .exec = mi_arb_on_off),
    MI_FIXED1(0x09, MI_URB_ATOMIC_ALLOC, .engines = GEN9_ENG_RCS, .unimplemented = true),
    MI_FIXED1(0x0a, MI_BATCH_BUFFER_END, .engines = GEN9_ENG_ALL, .exec = mi_batch_buffer_end),
    MI_FIXED1(0x0b, MI_SUSPEND_FLUSH, .engines = GEN9_ENG_ALL, .unimplemented = true),
    MI_FIXED1(0x0c, MI_PREDICATE, .engines = GEN9_ENG_RCS, .unimplemented = true),
    MI_FIXED1(0x0d, MI_TOPOLOGY_FILTER, .engines = GEN9_ENG_RCS, .unimplemented = true),
    MI_FIXED1(0x0e, MI_SET_APPID, .engines = GEN9_ENG_ALL, .unimplemented = true),
    MI_FIXED1(0x0f, MI_RS_CONTEXT, .engines = GEN9_ENG_RCS, .unimplemented = true),
    MI_VAR(0x12, MI_LOAD_SCAN_LINES_INCL, 6, 2, .engines = GEN9_ENG_RCS | GEN9_ENG_BCS,
           .unimplemented = true),
    MI_VAR(0x13, MI_LOAD_SCAN_LINES_EXCL, 6, 2, .engines = GEN9_ENG_RCS | GEN9_ENG_BCS,
           .unimplemented = true),
    MI_VAR(0x14, MI_DISPLAY_FLIP, 8, 3, .engines = GEN9_ENG_RCS | GEN9_ENG_BCS,
           .unimplemented = true),
    MI_VAR(0x18, MI_SET_CONTEXT, 8, 2, .engines = GEN9_ENG_RCS, .unimplemented = true),
    MI_VAR(0x1a, MI_MATH, 8, 2, .engines = GEN9_ENG_ALL, .unimplemented = true),
    MI_VAR(0x1b, MI_SEMAPHORE_SIGNAL, 8, 2, .engines = GEN9_ENG_ALL, .unimplemented = true),
    MI_VAR(0x1c, MI_SEMAPHORE_WAIT, 8, 4, .engines = GEN9_ENG_ALL, .addr_dws = 1 << 2,
           .exec = mi_semaphore_wait),
    MI_VAR(0x1d, MI_FORCE_WAKEUP, 8, 2, .engines = GEN9_ENG_ALL, .unimplemented = true),
    MI_VAR(0x20, MI_STORE_DATA_IMM, 10, 4, .engines = GEN9_ENG_ALL, .addr_dws = 1 << 1,
           .exec = mi_store_data_imm),
    MI_VAR(0x21, MI_STORE_DATA_INDEX, 8, 3, .engines = GEN9_ENG_ALL, .unimplemented = true),
    MI_VAR(0x22, MI_LOAD_REGISTER_IMM, 8, 3, .engines = GEN9_ENG_ALL,
           .exec = mi_load_register_imm),
    MI_VAR(0x23, MI_UPDATE_GTT, 10, 3, .engines = GEN9_ENG_ALL, .unimplemented = true),
    MI_VAR(0x24, MI_STORE_REGISTER_MEM, 8, 4, .engines = GEN9_ENG_ALL, .addr_dws = 1 << 2,
           .exec = mi_store_register_mem),
    MI_VAR(0x26, MI_FLUSH_DW, 6, 4, .engines = GEN9_ENG_XCS, .addr_dws = 1 << 1,
           .exec = mi_flush_dw),
    MI_VAR(0x27, MI_CLFLUSH, 10, 3, .engines = GEN9_ENG_ALL, .unimplemented = true),
    MI_VAR(0x28, MI_REPORT_PERF_COUNT, 6, 4, .engines = GEN9_ENG_RCS, .unimplemented = true),
    MI_VAR(0x29, MI_LOAD_REGISTER_MEM, 8, 4, .engines = GEN9_ENG_ALL, .addr_dws = 1 << 2,
           .exec = mi_load_register_mem),
    MI_VAR(0x2a, MI_LOAD_REGISTER_REG, 8, 3, .engines = GEN9_ENG_ALL,
           .exec = mi_load_register_reg),
    MI_VAR(0x2b, MI_RS_STORE_DATA_IMM, 8, 4, .engines = GEN9_ENG_RCS, .unimplemented = true),
    MI_VAR(0x2c, MI_LOAD_URB_MEM, 8, 4, .engines = GEN9_ENG_RCS, .unimplemented = true),
    MI_VAR(0x2d, MI_STORE_URB_MEM, 8, 4, .engines = GEN9_ENG_RCS, .unimplemented = true),
    MI_VAR(0x2e, MI_COPY_MEM_MEM, 8, 5, .engines = GEN9_ENG_ALL, .unimplemented = true),
    MI_VAR(0x2f, MI_ATOMIC, 8, 3, .engines = GEN9_ENG_ALL, .unimplemented = true),
    MI_VAR(0x31, MI_BATCH_BUFFER_START, 8, 3, .engines = GEN9_ENG_ALL, .addr_dws = 1 << 1,
           .exec = mi_batch_buffer_start),
    MI_VAR(0x36, MI_CONDITIONAL_BATCH_BUFFER_END, 8, 4, .engines = GEN9_ENG_ALL,
           .addr_dws = 1 << 2, .exec = mi_conditional_bb_end),
};

/* Blitter commands, by opcode (dword 0 bits 28:22). */
static const struct skl_cmd_desc blt_cmds[128] = {
    [0x42] = { .name = "XY_FAST_COPY_BLT", .len_bits = 8, .min_len = 10,
               .engines = GEN9_ENG_BCS, .addr_dws = 1 << 4 | 1 << 8,
               .exec = skl_blt_fast_copy },
    [0x50] = { .name = "XY_COLOR_BLT", .len_bits = 8, .min_len = 7,
               .engines = GEN9_ENG_BCS, .addr_dws = 1 << 4, .exec = skl_blt_color },
    [0x53] = { .name = "XY_SRC_COPY_BLT", .len_bits = 8, .min_len = 10,
               .engines = GEN9_ENG_BCS, .addr_dws = 1 << 4 | 1 << 8,
               .exec = skl_blt_src_copy },
};

#define GFX_KEY(dw0)        (((dw0) >> 16) & 0x1fff)    /* subtype, opcode, subop */
#define GFX_ROW(sub, op, subop, cmd_name, bits) \
    { .name = #cmd_name, .opcode = GFX_OP(sub, op, subop), .len_bits = (bits), \
      .min_len = 2, .engines = GEN9_ENG_RCS }
#define GFX_FIXED_ROW(sub, op, subop, cmd_name, dwords) \
    { .name = #cmd_name, .opcode = GFX_OP(sub, op, subop), .fixed_len = (dwords), \
      .min_len = (dwords), .engines = GEN9_ENG_RCS }

/* Render engine GFX commands (Gen9 opcodes and length field widths). */
static const struct skl_cmd_desc gfx_cmds[] = {
    { .name = "PIPE_CONTROL", .opcode = GFX_OP(3, 2, 0), .len_bits = 8, .min_len = 6,
      .engines = GEN9_ENG_RCS, .addr_dws = 1 << 2, .exec = pipe_control },
    GFX_ROW(0, 0, 0x03, STATE_PREFETCH, 8),
    GFX_ROW(0, 1, 0x01, STATE_BASE_ADDRESS, 8),
    GFX_ROW(0, 1, 0x02, STATE_SIP, 8),
    GFX_ROW(0, 1, 0x04, GPGPU_CSR_BASE_ADDRESS, 8),
    GFX_FIXED_ROW(1, 0, 0x0b, 3DSTATE_VF_STATISTICS, 1),
    GFX_FIXED_ROW(1, 1, 0x04, PIPELINE_SELECT, 1),
    GFX_ROW(2, 0, 0x00, MEDIA_VFE_STATE, 16),
    GFX_ROW(2, 0, 0x01, MEDIA_CURBE_LOAD, 16),
    GFX_ROW(2, 0, 0x02, MEDIA_INTERFACE_DESCRIPTOR_LOAD, 16),
    GFX_ROW(2, 0, 0x03, MEDIA_GATEWAY_STATE, 16),
    GFX_ROW(2, 0, 0x04, MEDIA_STATE_FLUSH, 16),
    GFX_ROW(2, 1, 0x00, MEDIA_OBJECT, 16),
    GFX_ROW(2, 1, 0x02, MEDIA_OBJECT_PRT, 16),
    GFX_ROW(2, 1, 0x03, MEDIA_OBJECT_WALKER, 16),
    GFX_ROW(2, 1, 0x05, GPGPU_WALKER, 8),
    GFX_ROW(2, 1, 0x06, MEDIA_OBJECT_GRPID, 16),
    GFX_ROW(3, 0, 0x04, 3DSTATE_CLEAR_PARAMS, 8),
    GFX_ROW(3, 0, 0x05, 3DSTATE_DEPTH_BUFFER, 8),
    GFX_ROW(3, 0, 0x06, 3DSTATE_STENCIL_BUFFER, 8),
    GFX_ROW(3, 0, 0x07, 3DSTATE_HIER_DEPTH_BUFFER, 8),
    GFX_ROW(3, 0, 0x08, 3DSTATE_VERTEX_BUFFERS, 8),
    GFX_ROW(3, 0, 0x09, 3DSTATE_VERTEX_ELEMENTS, 8),
    GFX_ROW(3, 0, 0x0a, 3DSTATE_INDEX_BUFFER, 8),
    GFX_ROW(3, 0, 0x0c, 3DSTATE_VF, 8),
    GFX_ROW(3, 0, 0x0d, 3DSTATE_MULTISAMPLE, 8),
    GFX_ROW(3, 0, 0x0e, 3DSTATE_CC_STATE_POINTERS, 8),
    GFX_ROW(3, 0, 0x0f, 3DSTATE_SCISSOR_STATE_POINTERS, 8),
    GFX_ROW(3, 0, 0x10, 3DSTATE_VS, 8),
    GFX_ROW(3, 0, 0x11, 3DSTATE_GS, 8),
    GFX_ROW(3, 0, 0x12, 3DSTATE_CLIP, 8),
    GFX_ROW(3, 0, 0x13, 3DSTATE_SF, 8),
    GFX_ROW(3, 0, 0x14, 3DSTATE_WM, 8),
    GFX_ROW(3, 0, 0x15, 3DSTATE_CONSTANT_VS, 8),
    GFX_ROW(3, 0, 0x16, 3DSTATE_CONSTANT_GS, 8),
    GFX_ROW(3, 0, 0x17, 3DSTATE_CONSTANT_PS, 8),
    GFX_ROW(3, 0, 0x18, 3DSTATE_SAMPLE_MASK, 8),
    GFX_ROW(3, 0, 0x19, 3DSTATE_CONSTANT_HS, 8),
    GFX_ROW(3, 0, 0x1a, 3DSTATE_CONSTANT_DS, 8),
    GFX_ROW(3, 0, 0x1b, 3DSTATE_HS, 8),
    GFX_ROW(3, 0, 0x1c, 3DSTATE_TE, 8),
    GFX_ROW(3, 0, 0x1d, 3DSTATE_DS, 8),
    GFX_ROW(3, 0, 0x1e, 3DSTATE_STREAMOUT, 8),
    GFX_ROW(3, 0, 0x1f, 3DSTATE_SBE, 8),
    GFX_ROW(3, 0, 0x20, 3DSTATE_PS, 8),
    GFX_ROW(3, 0, 0x21, 3DSTATE_VIEWPORT_STATE_POINTERS_SF_CLIP, 8),
    GFX_ROW(3, 0, 0x23, 3DSTATE_VIEWPORT_STATE_POINTERS_CC, 8),
    GFX_ROW(3, 0, 0x24, 3DSTATE_BLEND_STATE_POINTERS, 8),
    GFX_ROW(3, 0, 0x26, 3DSTATE_BINDING_TABLE_POINTERS_VS, 8),
    GFX_ROW(3, 0, 0x27, 3DSTATE_BINDING_TABLE_POINTERS_HS, 8),
    GFX_ROW(3, 0, 0x28, 3DSTATE_BINDING_TABLE_POINTERS_DS, 8),
    GFX_ROW(3, 0, 0x29, 3DSTATE_BINDING_TABLE_POINTERS_GS, 8),
    GFX_ROW(3, 0, 0x2a, 3DSTATE_BINDING_TABLE_POINTERS_PS, 8),
    GFX_ROW(3, 0, 0x2b, 3DSTATE_SAMPLER_STATE_POINTERS_VS, 8),
    GFX_ROW(3, 0, 0x2c, 3DSTATE_SAMPLER_STATE_POINTERS_HS, 8),
    GFX_ROW(3, 0, 0x2d, 3DSTATE_SAMPLER_STATE_POINTERS_DS, 8),
    GFX_ROW(3, 0, 0x2e, 3DSTATE_SAMPLER_STATE_POINTERS_GS, 8),
    GFX_ROW(3, 0, 0x2f, 3DSTATE_SAMPLER_STATE_POINTERS_PS, 8),
    GFX_ROW(3, 0, 0x30, 3DSTATE_URB_VS, 8),
    GFX_ROW(3, 0, 0x31, 3DSTATE_URB_HS, 8),
    GFX_ROW(3, 0, 0x32, 3DSTATE_URB_DS, 8),
    GFX_ROW(3, 0, 0x33, 3DSTATE_URB_GS, 8),
    GFX_ROW(3, 0, 0x34, 3DSTATE_GATHER_CONSTANT_VS, 8),
    GFX_ROW(3, 0, 0x35, 3DSTATE_GATHER_CONSTANT_GS, 8),
    GFX_ROW(3, 0, 0x36, 3DSTATE_GATHER_CONSTANT_HS, 8),
    GFX_ROW(3, 0, 0x37, 3DSTATE_GATHER_CONSTANT_DS, 8),
    GFX_ROW(3, 0, 0x38, 3DSTATE_GATHER_CONSTANT_PS, 8),
    GFX_ROW(3, 0, 0x43, 3DSTATE_BINDING_TABLE_EDIT_VS, 9),
    GFX_ROW(3, 0, 0x44, 3DSTATE_BINDING_TABLE_EDIT_GS, 9),
    GFX_ROW(3, 0, 0x45, 3DSTATE_BINDING_TABLE_EDIT_HS, 9),
    GFX_ROW(3, 0, 0x46, 3DSTATE_BINDING_TABLE_EDIT_DS, 9),
    GFX_ROW(3, 0, 0x47, 3DSTATE_BINDING_TABLE_EDIT_PS, 9),
    GFX_ROW(3, 0, 0x49, 3DSTATE_VF_INSTANCING, 8),
    GFX_ROW(3, 0, 0x4a, 3DSTATE_VF_SGVS, 8),
    GFX_ROW(3, 0, 0x4b, 3DSTATE_VF_TOPOLOGY, 8),
    GFX_ROW(3, 0, 0x4c, 3DSTATE_WM_CHROMAKEY, 8),
    GFX_ROW(3, 0, 0x4d, 3DSTATE_PS_BLEND, 8),
    GFX_ROW(3, 0, 0x4e, 3DSTATE_WM_DEPTH_STENCIL, 8),
    GFX_ROW(3, 0, 0x4f, 3DSTATE_PS_EXTRA, 8),
    GFX_ROW(3, 0, 0x50, 3DSTATE_RASTER, 8),
    GFX_ROW(3, 0, 0x51, 3DSTATE_SBE_SWIZ, 8),
    GFX_ROW(3, 0, 0x52, 3DSTATE_WM_HZ_OP, 8),
    GFX_ROW(3, 0, 0x54, 3DSTATE_RS_CONSTANT_POINTER, 8),
    GFX_ROW(3, 0, 0x55, 3DSTATE_VF_COMPONENT_PACKING, 8),
    GFX_ROW(3, 1, 0x00, 3DSTATE_DRAWING_RECTANGLE, 8),
    GFX_ROW(3, 1, 0x02, 3DSTATE_SAMPLER_PALETTE_LOAD0, 8),
    GFX_ROW(3, 1, 0x04, 3DSTATE_CHROMA_KEY, 8),
    GFX_ROW(3, 1, 0x06, 3DSTATE_POLY_STIPPLE_OFFSET, 8),
    GFX_ROW(3, 1, 0x07, 3DSTATE_POLY_STIPPLE_PATTERN, 8),
    GFX_ROW(3, 1, 0x08, 3DSTATE_LINE_STIPPLE, 8),
    GFX_ROW(3, 1, 0x0a, 3DSTATE_AA_LINE_PARAMETERS, 8),
    GFX_ROW(3, 1, 0x0c, 3DSTATE_SAMPLER_PALETTE_LOAD1, 8),
    GFX_ROW(3, 1, 0x11, 3DSTATE_MONOFILTER_SIZE, 8),
    GFX_ROW(3, 1, 0x12, 3DSTATE_PUSH_CONSTANT_ALLOC_VS, 8),
    GFX_ROW(3, 1, 0x13, 3DSTATE_PUSH_CONSTANT_ALLOC_HS, 8),
    GFX_ROW(3, 1, 0x14, 3DSTATE_PUSH_CONSTANT_ALLOC_DS, 8),
    GFX_ROW(3, 1, 0x15, 3DSTATE_PUSH_CONSTANT_ALLOC_GS, 8),
    GFX_ROW(3, 1, 0x16, 3DSTATE_PUSH_CONSTANT_ALLOC_PS, 8),
    GFX_ROW(3, 1, 0x17, 3DSTATE_SO_DECL_LIST, 9),
    GFX_ROW(3, 1, 0x18, 3DSTATE_SO_BUFFER, 8),
    GFX_ROW(3, 1, 0x19, 3DSTATE_BINDING_TABLE_POOL_ALLOC, 8),
    GFX_ROW(3, 1, 0x1a, 3DSTATE_GATHER_POOL_ALLOC, 8),
    GFX_ROW(3, 1, 0x1b, 3DSTATE_DX9_CONSTANT_BUFFER_POOL_ALLOC, 8),
    GFX_ROW(3, 1, 0x1c, 3DSTATE_SAMPLE_PATTERN, 8),
    GFX_ROW(3, 1, 0x1d, 3DSTATE_URB_CLEAR, 8),
    GFX_ROW(3, 3, 0x00, 3DPRIMITIVE, 8),
};

#define NUM_GFX_CMDS (sizeof(gfx_cmds) / sizeof(gfx_cmds[0]))

/* Video engines: the GFX-type commands are pipeline 2 (MFX, HCP, VDENC,
 * HuC, VEBOX), each skipped by its 12-bit length, and MFX_WAIT (pipeline
 * 1), a single dword; pipelines 0 and 3 have no commands there. */
static const struct skl_cmd_desc video_cmd = {
    .name = "video engine command", .len_bits = 12, .min_len = 1,
    .engines = GEN9_ENG_VCS | GEN9_ENG_VECS,
};
static const struct skl_cmd_desc video_single_dword_cmd = {
    .name = "MFX_WAIT", .fixed_len = 1, .min_len = 1, .engines = GEN9_ENG_VCS | GEN9_ENG_VECS,
};

static uint8_t gfx_index[0x2000];       /* GFX_KEY -> row + 1 */
static pthread_once_t gfx_index_once = PTHREAD_ONCE_INIT;

static void build_gfx_index(void)
{
    assert(NUM_GFX_CMDS < 256);
    for (unsigned i = 0; i < NUM_GFX_CMDS; i++) {
        unsigned key = GFX_KEY(gfx_cmds[i].opcode);

        assert(!gfx_index[key]);
        gfx_index[key] = i + 1;
    }
}

static const struct skl_cmd_desc *decode(enum gen9_engine engine, uint32_t dw0)
{
    const struct skl_cmd_desc *desc = NULL;

    switch (CMD_TYPE(dw0)) {
    case CMD_TYPE_MI:
        desc = &mi_cmds[(dw0 >> 23) & 0x3f];
        break;
    case CMD_TYPE_2D:
        desc = &blt_cmds[(dw0 >> 22) & 0x7f];
        break;
    case CMD_TYPE_GFX:
        if (engine == GEN9_VCS || engine == GEN9_VECS) {
            switch ((dw0 >> 27) & 3) {
            case 1:
                return &video_single_dword_cmd;
            case 2:
                return &video_cmd;
            default:
                return NULL;
            }
        }
        if (gfx_index[GFX_KEY(dw0)]) {
            desc = &gfx_cmds[gfx_index[GFX_KEY(dw0)] - 1];
        }
        break;
    }
    if (!desc || !desc->name || !(desc->engines & (1u << engine))) {
        return NULL;
    }
    return desc;
}

static unsigned cmd_length(const struct skl_cmd_desc *desc, uint32_t dw0)
{
    if (!desc->len_bits) {
        return desc->fixed_len;
    }
    return (dw0 & ((1u << desc->len_bits) - 1)) + 2;
}

bool skl_cmd_decode(enum gen9_engine engine, uint32_t dw0, struct skl_cmd_decoded *out)
{
    const struct skl_cmd_desc *desc;

    pthread_once(&gfx_index_once, build_gfx_index);
    desc = decode(engine, dw0);
    if (!desc) {
        return false;
    }
    *out = (struct skl_cmd_decoded){ .name = desc->name, .len = cmd_length(desc, dw0),
                                     .min_len = desc->min_len,
                                     .implemented = !desc->unimplemented };
    return true;
}

/* Graphics address of dword @i of the fetch stream. */
static uint64_t stream_addr(const struct skl_exec *x, unsigned i, enum skl_space *space)
{
    switch (x->level) {
    case SKL_LEVEL_RING:
        *space = SKL_GGTT;
        return x->ring_start + (x->head + 4ull * i) % x->ring_size;
    case SKL_LEVEL_BATCH:
        *space = x->bb_space;
        return x->bb_addr + 4ull * i;
    default:
        *space = x->sbb_space;
        return x->sbb_addr + 4ull * i;
    }
}

/* Dwords [@first, @count) of the command at the fetch position into @out. */
static bool fetch(struct skl_exec *x, unsigned first, unsigned count, uint32_t *out)
{
    for (unsigned i = first; i < count;) {
        enum skl_space space;
        uint64_t addr = stream_addr(x, i, &space);
        unsigned n = (PGPU_PAGE_SIZE - (addr & 0xfff)) / 4;    /* left in the page */
        const uint32_t *src;

        if ((addr & ~0xfffull) != x->fetch_page || space != x->fetch_space) {
            x->fetch_host = skl_translate(x->e, space, addr & ~0xfffull);
            if (!x->fetch_host) {
                return false;
            }
            x->fetch_page = addr & ~0xfffull;
            x->fetch_space = space;
        }
        if (x->level == SKL_LEVEL_RING) {
            unsigned to_wrap = (x->ring_size - (x->head + 4 * i) % x->ring_size) / 4;

            n = n < to_wrap ? n : to_wrap;
        }
        n = n < count - i ? n : count - i;
        src = (const uint32_t *)(x->fetch_host + (addr & 0xfff));
        for (unsigned k = 0; k < n; k++) {
            out[i + k] = __atomic_load_n(&src[k], __ATOMIC_RELAXED);
        }
        i += n;
    }
    return true;
}

/* Move the fetch position by @dwords (negative: back) at the current level. */
static void advance(struct skl_exec *x, int dwords)
{
    switch (x->level) {
    case SKL_LEVEL_RING:
        x->head = (uint32_t)(((int64_t)x->head + 4ll * dwords) % x->ring_size +
                             x->ring_size) % x->ring_size;
        break;
    case SKL_LEVEL_BATCH:
        x->bb_addr += 4ll * dwords;
        break;
    case SKL_LEVEL_SECOND_BATCH:
        x->sbb_addr += 4ll * dwords;
        break;
    }
}

static enum skl_exec_result execute_one(struct skl_exec *x)
{
    static __thread uint32_t dw[MAX_FETCHED_DWORDS];
    const struct skl_cmd_desc *desc;
    enum skl_exec_result result;
    unsigned len;

    if (!fetch(x, 0, 1, dw)) {
        return SKL_EXEC_FAULT;
    }
    desc = decode(x->e->id, dw[0]);
    if (!desc || desc->unimplemented) {
        return SKL_EXEC_BAD_COMMAND;
    }
    len = cmd_length(desc, dw[0]);
    if (len < desc->min_len ||
        (x->level == SKL_LEVEL_RING &&
         4 * len > (x->tail - x->head + x->ring_size) % x->ring_size)) {
        return SKL_EXEC_BAD_COMMAND;    /* short, or crosses the ring tail */
    }
    if (desc->exec) {
        assert(len <= MAX_FETCHED_DWORDS);
        if (!fetch(x, 1, len, dw)) {
            return SKL_EXEC_FAULT;
        }
        for (unsigned i = 0, a = 0; i < len - 1 && i < 16 && a < 2; i++) {
            if (desc->addr_dws & (1u << i)) {
                x->addr[a++] = (dw[i] & ~3u) | (uint64_t)(dw[i + 1] & 0xffff) << 32;
            }
        }
    }
    advance(x, (int)len);
    result = desc->exec ? desc->exec(x, dw, len) : SKL_EXEC_CONTINUE;
    if (result == SKL_EXEC_WAIT) {
        advance(x, -(int)len);      /* the semaphore runs again on the next poll */
    }
    return result;
}

static void load_bb_state(uint32_t state, enum skl_space *space)
{
    *space = state & RING_BB_PPGTT ? SKL_PPGTT : SKL_GGTT;
}

static uint32_t bb_state(bool active, enum skl_space space)
{
    return active ? BB_STATE_ACTIVE | (space == SKL_PPGTT ? RING_BB_PPGTT : 0) : 0;
}

enum skl_exec_result skl_execute_slice(struct skl_engine *e)
{
    struct skl_exec x = { .e = e, .level = e->level, .fetch_page = ~0ull };
    const struct skl_gpu *gpu = e->gpu;
    uint32_t ctl = skl_ereg(e, RING_CTL);
    enum skl_exec_result result = SKL_EXEC_SLICE_END;
    uint32_t start_head;
    unsigned n;

    pthread_once(&gfx_index_once, build_gfx_index);
    x.ring_start = skl_ereg(e, RING_START) & ~0xfffu;
    x.ring_size = RING_CTL_PAGES(ctl) * PGPU_PAGE_SIZE;
    x.head = skl_ereg(e, RING_HEAD) & HEAD_ADDR;
    x.tail = skl_ereg(e, RING_TAIL) & TAIL_ADDR;
    if (!(ctl & RING_VALID) || x.head >= x.ring_size || x.tail >= x.ring_size) {
        return SKL_EXEC_BAD_COMMAND;
    }
    x.bb_addr = skl_ereg64(e, RING_BBADDR, RING_BBADDR_UDW);
    x.sbb_addr = skl_ereg64(e, RING_SBBADDR, RING_SBBADDR_UDW);
    load_bb_state(skl_ereg(e, RING_BBSTATE), &x.bb_space);
    load_bb_state(skl_ereg(e, RING_SBBSTATE), &x.sbb_space);
    start_head = x.head;

    for (n = 0; n < SLICE_COMMANDS; n++) {
        if (x.level == SKL_LEVEL_RING && x.head == x.tail) {
            result = SKL_EXEC_CONTEXT_DONE;
            break;
        }
        skl_exec_dma_point(&x, gpu);
        result = execute_one(&x);
        if (result != SKL_EXEC_CONTINUE) {
            break;
        }
    }
    if (result == SKL_EXEC_CONTINUE) {
        result = SKL_EXEC_SLICE_END;
    }
    __atomic_fetch_add(&e->gpu->stats.commands, n, __ATOMIC_RELAXED);
    e->level = x.level;
    skl_set_ereg(e, RING_HEAD, x.head);
    skl_set_ereg64(e, RING_BBADDR, RING_BBADDR_UDW, x.bb_addr);
    skl_set_ereg64(e, RING_SBBADDR, RING_SBBADDR_UDW, x.sbb_addr);
    skl_set_ereg(e, RING_BBSTATE, bb_state(x.level != SKL_LEVEL_RING, x.bb_space));
    skl_set_ereg(e, RING_SBBSTATE, bb_state(x.level == SKL_LEVEL_SECOND_BATCH,
                                             x.sbb_space));
    if (x.head != start_head) {
        e->progressed = true;
    }
    return result;
}
