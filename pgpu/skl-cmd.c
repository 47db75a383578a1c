/*
 * skl-cmd.c - the command streamer: one generic decode loop over the Gen9
 * command rows (gen9/cmd.c: length rule, engines, which dwords hold
 * graphics addresses) with the model's overlay (a handler where the
 * command has an effect in the model, or unimplemented), plus the MI and
 * PIPE_CONTROL handlers.
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

#include "gen9/cmd.h"

#define SLICE_COMMANDS      1024
#define MAX_FETCHED_DWORDS  (1024 + 2)      /* longest command with a handler */
#define REG_OFFSET_MASK     0x007ffffcu     /* register offsets in commands */
#define PPHWSP_QWORD_OFFSET 0xff8u          /* post-sync store-index offsets */
#define PPHWSP_DWORD_OFFSET 0xffcu          /* MI_STORE_DATA_INDEX dword 1, bits 11:2 */

/* What the model does with a command; the commands, their lengths and
 * address dwords are gen9/cmd.c's rows. */
struct skl_cmd_desc {
    const char *name;       /* of its gen9_cmds row */
    skl_cmd_fn *exec;       /* NULL: no effect in the model */
    bool unimplemented;     /* decoded, but the model cannot execute it */
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
 * 0 of the context image) in execlists mode. */
static uint64_t pphwsp_address(const struct skl_engine *e, uint32_t offset)
{
    return ((uint32_t)e->active[0].desc & CTX_DESC_LRCA_MASK) + offset;
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

/* MI_STORE_DATA_INDEX: a dword (3 dwords) or a qword (4) at an offset
 * into the running context's status page.  Longer forms are not Gen9's. */
static enum skl_exec_result mi_store_data_index(struct skl_exec *x, const uint32_t *dw,
                                                unsigned len)
{
    if (len > 4) {
        return SKL_EXEC_BAD_COMMAND;
    }
    return write_or_fault(x->e, SKL_GGTT, pphwsp_address(x->e, dw[1] & PPHWSP_DWORD_OFFSET),
                          &dw[2], 4 * (len - 2));
}

/*
 * MI_MATH: its ALU instructions (gen9/cmd.h) in order, on the engine's
 * 64-bit GPRs.  The results are those Mesa's mi_builder relies on and its
 * test checks on hardware (src/intel/common/tests/mi_builder_test.cpp):
 * LOAD1 loads all ones, ZF and CF read as all ones when set, CF after SUB
 * is the borrow (SRCA < SRCB unsigned), after ADD the carry out of bit 63.
 * AND, OR and XOR leave no carry.  The ALU's own registers (SRCA, SRCB,
 * ACCU, ZF, CF) are not context state (no context image holds them), so
 * the model keeps them for one command, starting at 0: nothing one
 * context computes is left for the next.  A command holding an
 * instruction Gen9 does not define stops the context before any runs.
 */
struct alu {
    uint64_t gpr[GEN9_ALU_GPRS];
    uint64_t srca, srcb, accu, zf, cf;
};

/* The register an operand of a valid instruction (gen9_alu_valid()) names. */
static uint64_t *alu_reg(struct alu *a, unsigned name)
{
    switch (name) {
    case GEN9_ALU_SRCA: return &a->srca;
    case GEN9_ALU_SRCB: return &a->srcb;
    case GEN9_ALU_ACCU: return &a->accu;
    case GEN9_ALU_ZF: return &a->zf;
    case GEN9_ALU_CF: return &a->cf;
    default: return &a->gpr[name % GEN9_ALU_GPRS];
    }
}

static uint64_t alu_flag(bool set)
{
    return set ? ~0ull : 0;
}

static void alu_execute(struct alu *a, uint32_t instr)
{
    uint64_t *op1 = alu_reg(a, GEN9_ALU_OPERAND1(instr));
    uint64_t *op2 = alu_reg(a, GEN9_ALU_OPERAND2(instr));

    switch (GEN9_ALU_OPCODE(instr)) {
    case GEN9_ALU_LOAD: *op1 = *op2; return;
    case GEN9_ALU_LOADINV: *op1 = ~*op2; return;
    case GEN9_ALU_LOAD0: *op1 = 0; return;
    case GEN9_ALU_LOAD1: *op1 = ~0ull; return;
    case GEN9_ALU_STORE: *op1 = *op2; return;
    case GEN9_ALU_STOREINV: *op1 = ~*op2; return;
    case GEN9_ALU_ADD:
        a->accu = a->srca + a->srcb;
        a->cf = alu_flag(a->accu < a->srca);
        break;
    case GEN9_ALU_SUB:
        a->accu = a->srca - a->srcb;
        a->cf = alu_flag(a->srca < a->srcb);
        break;
    case GEN9_ALU_AND: a->accu = a->srca & a->srcb; a->cf = 0; break;
    case GEN9_ALU_OR: a->accu = a->srca | a->srcb; a->cf = 0; break;
    case GEN9_ALU_XOR: a->accu = a->srca ^ a->srcb; a->cf = 0; break;
    default: return;    /* NOOP */
    }
    a->zf = alu_flag(a->accu == 0);
}

static enum skl_exec_result mi_math(struct skl_exec *x, const uint32_t *dw, unsigned len)
{
    struct alu a = { .srca = 0 };

    for (unsigned i = 1; i < len; i++) {
        if (!gen9_alu_valid(dw[i])) {
            return SKL_EXEC_BAD_COMMAND;
        }
    }
    for (unsigned n = 0; n < GEN9_ALU_GPRS; n++) {
        a.gpr[n] = skl_ereg64(x->e, RING_GPR(2 * n), RING_GPR(2 * n + 1));
    }
    for (unsigned i = 1; i < len; i++) {
        alu_execute(&a, dw[i]);
    }
    for (unsigned n = 0; n < GEN9_ALU_GPRS; n++) {
        skl_set_ereg64(x->e, RING_GPR(2 * n), RING_GPR(2 * n + 1), a.gpr[n]);
    }
    return SKL_EXEC_CONTINUE;
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
        qword = gen9_cs_timestamp();
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
        addr = pphwsp_address(x->e, addr & PPHWSP_QWORD_OFFSET);
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
        addr = pphwsp_address(x->e, addr & PPHWSP_QWORD_OFFSET);
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

/* The commands the model executes or cannot execute; every other row of
 * gen9_cmds (3D, media, GPGPU and video state, MI_NOOP) it decodes and
 * skips: it has no rasterizer, EUs or video pipeline.  A blit not listed
 * it cannot execute: skipping it would lose the blit's writes. */
static const struct skl_cmd_desc cmd_rows[] = {
    { "MI_SET_PREDICATE", NULL, true },
    { "MI_USER_INTERRUPT", mi_user_interrupt, false },
    { "MI_WAIT_FOR_EVENT", NULL, true },
    { "MI_ARB_CHECK", mi_arb_check, false },
    { "MI_RS_CONTROL", NULL, true },
    { "MI_REPORT_HEAD", mi_report_head, false },
    { "MI_ARB_ON_OFF", mi_arb_on_off, false },
    { "MI_URB_ATOMIC_ALLOC", NULL, true },
    { "MI_BATCH_BUFFER_END", mi_batch_buffer_end, false },
    { "MI_SUSPEND_FLUSH", NULL, true },
    { "MI_PREDICATE", NULL, true },
    { "MI_TOPOLOGY_FILTER", NULL, true },
    { "MI_SET_APPID", NULL, true },
    { "MI_RS_CONTEXT", NULL, true },
    { "MI_LOAD_SCAN_LINES_INCL", NULL, true },
    { "MI_LOAD_SCAN_LINES_EXCL", NULL, true },
    { "MI_DISPLAY_FLIP", NULL, true },
    { "MI_SET_CONTEXT", NULL, true },
    { "MI_MATH", mi_math, false },
    { "MI_SEMAPHORE_SIGNAL", NULL, true },
    { "MI_SEMAPHORE_WAIT", mi_semaphore_wait, false },
    { "MI_FORCE_WAKEUP", NULL, true },
    { "MI_STORE_DATA_IMM", mi_store_data_imm, false },
    { "MI_STORE_DATA_INDEX", mi_store_data_index, false },
    { "MI_LOAD_REGISTER_IMM", mi_load_register_imm, false },
    { "MI_UPDATE_GTT", NULL, true },
    { "MI_STORE_REGISTER_MEM", mi_store_register_mem, false },
    { "MI_FLUSH_DW", mi_flush_dw, false },
    { "MI_CLFLUSH", NULL, true },
    { "MI_REPORT_PERF_COUNT", NULL, true },
    { "MI_LOAD_REGISTER_MEM", mi_load_register_mem, false },
    { "MI_LOAD_REGISTER_REG", mi_load_register_reg, false },
    { "MI_RS_STORE_DATA_IMM", NULL, true },
    { "MI_LOAD_URB_MEM", NULL, true },
    { "MI_STORE_URB_MEM", NULL, true },
    { "MI_COPY_MEM_MEM", NULL, true },
    { "MI_ATOMIC", NULL, true },
    { "MI_BATCH_BUFFER_START", mi_batch_buffer_start, false },
    { "MI_CONDITIONAL_BATCH_BUFFER_END", mi_conditional_bb_end, false },
    { "XY_FAST_COPY_BLT", skl_blt_fast_copy, false },
    { "XY_COLOR_BLT", skl_blt_color, false },
    { "XY_SRC_COPY_BLT", skl_blt_src_copy, false },
    { "PIPE_CONTROL", pipe_control, false },
};

static const struct skl_cmd_desc *row_of[256];     /* by gen9_cmds index */
static const struct skl_cmd_desc skip_row = { .name = "skipped" };
static const struct skl_cmd_desc blit_row = { .name = "blit", .unimplemented = true };

static void __attribute__((constructor)) build_row_index(void)
{
    assert(gen9_cmd_count <= sizeof(row_of) / sizeof(row_of[0]));
    for (size_t i = 0; i < gen9_cmd_count; i++) {
        row_of[i] = gen9_cmds[i].type == GEN9_CMD_2D ? &blit_row : &skip_row;
    }
    for (size_t r = 0; r < sizeof(cmd_rows) / sizeof(cmd_rows[0]); r++) {
        size_t i = 0;

        while (i < gen9_cmd_count && strcmp(gen9_cmds[i].name, cmd_rows[r].name)) {
            i++;
        }
        /* each names one command */
        assert(i < gen9_cmd_count && (row_of[i] == &skip_row || row_of[i] == &blit_row));
        row_of[i] = &cmd_rows[r];
    }
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
            x->fetch_host = skl_translate(x->e, space, addr & ~0xfffull, false);
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

/* Move the fetch position by @dwords (negative: back) at the current level.
 * RING_HEAD follows the ring's at once, as hardware's does: an owner
 * reading it while the slice runs (the mediator's feed and overrun watch
 * ask which part the engine is in) sees where the engine is, not where
 * the slice began. */
static void advance(struct skl_exec *x, int dwords)
{
    switch (x->level) {
    case SKL_LEVEL_RING:
        x->head = (uint32_t)(((int64_t)x->head + 4ll * dwords) % x->ring_size +
                             x->ring_size) % x->ring_size;
        skl_set_ereg(x->e, RING_HEAD, x->head);
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
    const struct gen9_cmd *cmd;
    const struct skl_cmd_desc *desc;
    enum skl_exec_result result;
    unsigned len;
    int row;

    if (!fetch(x, 0, 1, dw)) {
        return SKL_EXEC_FAULT;
    }
    row = gen9_cmd_find(x->e->id, dw[0]);
    if (row < 0 || row_of[row]->unimplemented) {
        return SKL_EXEC_BAD_COMMAND;
    }
    cmd = &gen9_cmds[row];
    desc = row_of[row];
    len = gen9_cmd_length(cmd, dw[0]);
    /* A command the model executes must hold the dwords its handler reads;
     * one it skips is skipped by its length field. */
    if ((desc->exec && len < cmd->min_len) ||
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
            if (cmd->addresses & (1u << i)) {
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
    /* Release: whoever sees the count sees the slice's memory writes (pgpu.h). */
    __atomic_fetch_add(&e->gpu->stats.commands, n, __ATOMIC_RELEASE);
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
