/*
 * fixture.c - see fixture.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fixture.h"

#include <stdlib.h>
#include <string.h>

int fixture_setup_host(void **state, unsigned hang_timeout_ms, const struct pgpu_host *host)
{
    const struct pgpu_config config = {
        .name = "test", .aperture_size = PGPU_APERTURE_DEFAULT,
        .hang_timeout_ms = hang_timeout_ms, .host = host,
    };
    struct fixture *f = calloc(1, sizeof(*f));

    if (!f || !(f->n = native_open(&pgpu_skl_model, &config))) {
        free(f);
        return -1;
    }
    f->gpu = native_gpu(f->n);
    f->vm = native_vm_new(f->n);
    f->batch = native_bo_new(f->n, FIX_BUFFER_SIZE, true);
    f->data = native_bo_new(f->n, FIX_BUFFER_SIZE, true);
    if (!f->vm || !f->batch || !f->data ||
        native_vm_bind(f->vm, f->batch, FIX_BATCH_VA) ||
        native_vm_bind(f->vm, f->data, FIX_DATA_VA)) {
        return -1;
    }
    for (unsigned e = 0; e < GEN9_NUM_ENGINES; e++) {
        if (!(f->ctx[e] = native_ctx_new(f->n, e, f->vm))) {
            return -1;
        }
    }
    *state = f;
    return 0;
}

int fixture_setup(void **state)
{
    return fixture_setup_host(state, FIX_HANG_TIMEOUT_MS, NULL);
}

int fixture_setup_patient(void **state)
{
    return fixture_setup_host(state, FIX_PATIENT_HANG_TIMEOUT_MS, NULL);
}

int fixture_teardown(void **state)
{
    struct fixture *f = *state;

    native_close(f->n);
    free(f);
    return 0;
}

int fixture_run(struct fixture *f, enum gen9_engine engine, const uint32_t *cmds,
                unsigned count)
{
    uint32_t *batch = f->batch->map;
    uint32_t seqno;
    int ret;

    memcpy(batch, cmds, 4 * count);
    batch[count] = MI_BATCH_BUFFER_END;
    native_emit_batch(f->ctx[engine], FIX_BATCH_VA, true);
    seqno = native_emit_breadcrumb(f->ctx[engine]);
    ret = native_submit(f->ctx[engine]);
    return ret ? ret : native_wait(f->ctx[engine], seqno, FIX_WAIT_MS);
}

uint32_t *fixture_data(struct fixture *f)
{
    return f->data->map;
}

uint32_t fixture_reg(struct fixture *f, uint32_t offset)
{
    return (uint32_t)pgpu_skl_model.mmio_read(f->gpu, offset, 4);
}

void fixture_set_reg(struct fixture *f, uint32_t offset, uint32_t value)
{
    pgpu_skl_model.mmio_write(f->gpu, offset, value, 4);
}

struct pgpu_stats fixture_stats(struct fixture *f)
{
    struct pgpu_stats stats;

    pgpu_skl_model.get_stats(f->gpu, &stats);
    return stats;
}

uint32_t fixture_engine_reg(enum gen9_engine engine, uint32_t rel)
{
    return gen9_engines[engine].base + rel;
}
