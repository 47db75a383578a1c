/*
 * The interrupt tree and MSI edge (contract 7) and the display model:
 * AUX/DPCD/EDID, link training, pipes and vblanks (contract 8).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tests/unit/vgpu/fixture.h"
#include "vgpu/regs.h"

#define AUX_CTL_D       (DP_AUX_CH_CTL_A + 3 * PORT_STRIDE)
#define AUX_DATA_D      (AUX_CTL_D + 4)
#define DE_PIPE_A_IMR   (GEN8_DE_PIPE_ISR_A + IRQ_IMR)
#define DE_PIPE_A_IIR   (GEN8_DE_PIPE_ISR_A + IRQ_IIR)
#define DE_PIPE_A_IER   (GEN8_DE_PIPE_ISR_A + IRQ_IER)
#define MASTER_PIPE_A   (1u << 16)

static void enable_vblank_irq(struct fixture *f)
{
    wr(f, TRANSCONF_A, TRANSCONF_ENABLE);
    wr(f, DE_PIPE_A_IMR, ~GEN8_PIPE_VBLANK);
    wr(f, DE_PIPE_A_IER, GEN8_PIPE_VBLANK);
    wr(f, GEN8_MASTER_IRQ, GEN8_MASTER_IRQ_CONTROL);
}

static void test_iirs_are_zero_after_reset(void **state)
{
    struct fixture *f = *state;
    static const uint32_t sets[] = {
        GEN8_GT_ISR(0), GEN8_GT_ISR(3), GEN8_DE_PIPE_ISR_A + 0x20,
        GEN8_DE_PORT_ISR, GEN8_DE_MISC_ISR, GEN8_PCU_ISR, SDEISR,
    };

    for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
        wr(f, sets[i] + IRQ_IIR, ~0u);
        assert_int_equal(rd(f, sets[i] + IRQ_IIR), 0);
        assert_int_equal(rd(f, sets[i] + IRQ_IMR), ~0u);
    }
    assert_int_equal(rd(f, GEN8_MASTER_IRQ), 0);
}

static void test_vblank_msi_and_the_guest_handler(void **state)
{
    struct fixture *f = *state;

    vgpu_display_vblank(f->vgpu);               /* pipe off: nothing */
    assert_int_equal(rd(f, PIPE_FRMCOUNT_A), 0);
    enable_vblank_irq(f);
    assert_int_equal(rd(f, TRANSCONF_A), TRANSCONF_ENABLE | TRANSCONF_STATE_ENABLE);
    vgpu_display_vblank(f->vgpu);
    assert_int_equal(f->msis, 1);
    assert_int_equal(rd(f, PIPE_FRMCOUNT_A), 1);
    /* what i915's handler does: master off, read, ack, master on */
    wr(f, GEN8_MASTER_IRQ, 0);
    assert_int_equal(rd(f, GEN8_MASTER_IRQ), MASTER_PIPE_A);
    assert_int_equal(rd(f, DE_PIPE_A_IIR), GEN8_PIPE_VBLANK);
    wr(f, DE_PIPE_A_IIR, GEN8_PIPE_VBLANK);
    vgpu_display_vblank(f->vgpu);               /* arrives while masked by master */
    assert_int_equal(f->msis, 1);
    wr(f, GEN8_MASTER_IRQ, GEN8_MASTER_IRQ_CONTROL);
    assert_int_equal(f->msis, 2);               /* still pending: a new edge */
    assert_int_equal(rd(f, PIPE_FRMCOUNT_A), 2);
    /* masked events do not even latch */
    wr(f, DE_PIPE_A_IIR, ~0u);
    wr(f, DE_PIPE_A_IMR, ~0u);
    vgpu_display_vblank(f->vgpu);
    assert_int_equal(rd(f, DE_PIPE_A_IIR), 0);
    assert_int_equal(f->msis, 2);
}

static void test_flip_done_at_next_vblank(void **state)
{
    struct fixture *f = *state;

    enable_vblank_irq(f);
    wr(f, DE_PIPE_A_IMR, 0);
    wr(f, PLANE_SURF_1_A, 0x100000);
    assert_int_equal(rd(f, PLANE_SURFLIVE_1_A), 0x100000);
    assert_int_equal(rd(f, PIPE_FLIPCOUNT_A), 1);
    vgpu_display_vblank(f->vgpu);
    assert_int_equal(rd(f, DE_PIPE_A_IIR), GEN8_PIPE_VBLANK | GEN9_PIPE_PLANE1_FLIP_DONE);
}

/* Send an AUX message on channel D and return the control register. */
static uint32_t aux(struct fixture *f, const uint8_t *msg, unsigned len, uint8_t *reply)
{
    uint32_t ctl;

    for (unsigned i = 0; i < 20; i += 4) {
        uint8_t b[4] = { 0 };

        for (unsigned j = 0; j < 4 && i + j < len; j++) {
            b[j] = msg[i + j];
        }
        wr(f, AUX_DATA_D + i, (uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
    }
    wr(f, AUX_CTL_D, DP_AUX_CH_CTL_SEND_BUSY | DP_AUX_CH_CTL_DONE |
       len << DP_AUX_CH_CTL_MESSAGE_SIZE_SHIFT);
    ctl = rd(f, AUX_CTL_D);
    for (unsigned i = 0; reply && i < 20; i++) {
        reply[i] = rd(f, AUX_DATA_D + i / 4 * 4) >> (24 - 8 * (i % 4));
    }
    return ctl;
}

static unsigned reply_size(uint32_t ctl)
{
    return (ctl & DP_AUX_CH_CTL_MESSAGE_SIZE_MASK) >> DP_AUX_CH_CTL_MESSAGE_SIZE_SHIFT;
}

/* An enabled pipe's scanline moves and wraps at vtotal; a disabled one stands. */
static void test_scanline_moves_on_an_enabled_pipe(void **state)
{
    struct fixture *f = *state;
    uint32_t a, b;

    assert_int_equal(rd(f, PIPEDSL_A), 0);
    assert_int_equal(rd(f, PIPEDSL_A), 0);
    wr(f, TRANS_VTOTAL_A, (4 - 1) << 16);
    wr(f, TRANSCONF_A, TRANSCONF_ENABLE);
    a = rd(f, PIPEDSL_A);
    b = rd(f, PIPEDSL_A);
    assert_int_not_equal(a, b);
    assert_int_equal(rd(f, PIPEDSL_A), 3);
    assert_int_equal(rd(f, PIPEDSL_A), 0);      /* wrapped at vtotal 4 */
    wr(f, PIPEDSL_A, 2);                        /* read-only */
    assert_int_equal(rd(f, PIPEDSL_A), 1);
    wr(f, TRANSCONF_A, 0);
    assert_int_equal(rd(f, PIPEDSL_A), 0);
}

static void test_dpcd_and_link_training(void **state)
{
    struct fixture *f = *state;
    const uint8_t read_caps[] = { 0x90, 0x00, 0x00, 15 };
    const uint8_t train1[] = { 0x80, 0x01, 0x02, 4, 0x21, 0, 0, 0, 0 };
    const uint8_t train2[] = { 0x80, 0x01, 0x02, 0, 0x22 };
    const uint8_t read_status[] = { 0x90, 0x02, 0x02, 2 };
    uint8_t reply[20];
    uint32_t ctl;

    assert_true(rd(f, SDEISR) & SDE_PORTD_HOTPLUG_CPT);
    ctl = aux(f, read_caps, sizeof(read_caps), reply);
    assert_int_equal(ctl & (DP_AUX_CH_CTL_SEND_BUSY | DP_AUX_CH_CTL_DONE), DP_AUX_CH_CTL_DONE);
    assert_int_equal(reply_size(ctl), 17);
    assert_int_equal(reply[0], 0);              /* ACK */
    assert_int_equal(reply[1], 0x12);           /* DPCD 1.2 */
    assert_int_equal(reply[3] & 0x1f, 4);       /* 4 lanes */
    aux(f, train1, sizeof(train1), reply);
    aux(f, read_status, sizeof(read_status), reply);
    assert_int_equal(reply[1] & 0x11, 0x11);    /* clock recovery done */
    aux(f, train2, sizeof(train2), reply);
    aux(f, read_status, sizeof(read_status), reply);
    assert_int_equal(reply[1], 0x77);
    assert_int_equal(reply[3] & 1, 1);          /* interlane aligned */
    /* the other channels have nothing attached */
    wr(f, DP_AUX_CH_CTL_A, DP_AUX_CH_CTL_SEND_BUSY | 4 << DP_AUX_CH_CTL_MESSAGE_SIZE_SHIFT);
    assert_true(rd(f, DP_AUX_CH_CTL_A) & DP_AUX_CH_CTL_TIME_OUT_ERROR);
}

static void test_edid_over_i2c(void **state)
{
    struct fixture *f = *state;
    const uint8_t start[] = { 0x40, 0x00, 0x50 };               /* write|MOT, addr only */
    const uint8_t offset0[] = { 0x40, 0x00, 0x50, 0, 0 };
    const uint8_t read16[] = { 0x50, 0x00, 0x50, 15 };          /* read|MOT, 16 bytes */
    const uint8_t other[] = { 0x50, 0x00, 0x37, 0 };
    uint8_t edid[128], reply[20], sum = 0;

    aux(f, start, sizeof(start), reply);
    aux(f, offset0, sizeof(offset0), reply);
    for (unsigned i = 0; i < 128; i += 16) {
        assert_int_equal(reply_size(aux(f, read16, sizeof(read16), reply)), 17);
        for (unsigned j = 0; j < 16; j++) {
            edid[i + j] = reply[1 + j];
        }
    }
    for (unsigned i = 0; i < 128; i++) {
        sum += edid[i];
    }
    assert_int_equal(sum, 0);
    assert_int_equal(edid[1], 0xff);
    assert_int_equal(edid[18], 1);              /* EDID 1.4 */
    assert_int_equal(edid[19], 4);
    /* preferred mode: 1024x768, the type's resolution */
    assert_int_equal(edid[56] | (edid[58] >> 4) << 8, 1024);
    assert_int_equal(edid[59] | (edid[61] >> 4) << 8, 768);
    aux(f, other, sizeof(other), reply);
    assert_int_equal(reply[0], 0x40);           /* I2C NACK: no such device */
}

static void test_ddi_and_transport_acknowledge(void **state)
{
    struct fixture *f = *state;
    uint32_t buf_d = DDI_BUF_CTL_A + 3 * PORT_STRIDE, tp_d = DP_TP_CTL_A + 3 * PORT_STRIDE;

    assert_true(rd(f, buf_d) & DDI_BUF_IS_IDLE);
    wr(f, buf_d, DDI_BUF_CTL_ENABLE);
    assert_int_equal(rd(f, buf_d), DDI_BUF_CTL_ENABLE);
    wr(f, buf_d, 0);
    assert_int_equal(rd(f, buf_d), DDI_BUF_IS_IDLE);
    wr(f, tp_d, (1u << 31) | DP_TP_CTL_LINK_TRAIN_IDLE);
    assert_true(rd(f, tp_d + 4) & DP_TP_STATUS_IDLE_DONE);
    wr(f, tp_d, 1u << 31);
    assert_false(rd(f, tp_d + 4) & DP_TP_STATUS_IDLE_DONE);
}

static void test_hotplug(void **state)
{
    struct fixture *f = *state;
    uint32_t sde_iir = SDEISR + IRQ_IIR;

    wr(f, SDEISR + IRQ_IMR, ~SDE_PORTD_HOTPLUG_CPT);
    wr(f, SDEISR + IRQ_IER, SDE_PORTD_HOTPLUG_CPT);
    wr(f, GEN8_MASTER_IRQ, GEN8_MASTER_IRQ_CONTROL);
    vgpu_display_hotplug(f->vgpu, true);        /* already connected: nothing */
    assert_int_equal(f->msis, 0);
    vgpu_display_hotplug(f->vgpu, false);
    assert_int_equal(rd(f, SDEISR) & SDE_PORTD_HOTPLUG_CPT, 0);
    assert_int_equal(rd(f, sde_iir), SDE_PORTD_HOTPLUG_CPT);
    assert_int_equal(rd(f, PCH_PORT_HOTPLUG), PORTD_HOTPLUG_LONG_DETECT);
    assert_int_equal(rd(f, GEN8_MASTER_IRQ), GEN8_MASTER_IRQ_CONTROL | 1u << 23);
    assert_int_equal(f->msis, 1);
    /* the status field is write-1-to-clear; AUX D now times out */
    wr(f, PCH_PORT_HOTPLUG, PORTD_HOTPLUG_LONG_DETECT);
    assert_int_equal(rd(f, PCH_PORT_HOTPLUG), 0);
    wr(f, AUX_CTL_D, DP_AUX_CH_CTL_SEND_BUSY | 4 << DP_AUX_CH_CTL_MESSAGE_SIZE_SHIFT);
    assert_true(rd(f, AUX_CTL_D) & DP_AUX_CH_CTL_TIME_OUT_ERROR);
    vgpu_display_hotplug(f->vgpu, true);
    assert_true(rd(f, SDEISR) & SDE_PORTD_HOTPLUG_CPT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FIXTURE_TEST(test_iirs_are_zero_after_reset),
        FIXTURE_TEST(test_vblank_msi_and_the_guest_handler),
        FIXTURE_TEST(test_flip_done_at_next_vblank),
        FIXTURE_TEST(test_scanline_moves_on_an_enabled_pipe),
        FIXTURE_TEST(test_dpcd_and_link_training),
        FIXTURE_TEST(test_edid_over_i2c),
        FIXTURE_TEST(test_ddi_and_transport_acknowledge),
        FIXTURE_TEST(test_hotplug),
    };

    return cmocka_run_group_tests_name("vgpu-irq-display", tests, NULL, NULL);
}
