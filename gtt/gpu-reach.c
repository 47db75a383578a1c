/*
 * gpu-reach.c - the guest pages a vGPU's GPU translations have named
 * (see gpu-reach.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "gtt/gpu-reach.h"

#include <errno.h>
#include <stdlib.h>

int med_gpu_reach_init(struct med_gpu_reach *r, uint64_t gpa_end)
{
    uint64_t pages = (gpa_end + 4095) >> 12;

    r->bits = calloc((pages + 63) / 64 ? (pages + 63) / 64 : 1, sizeof(*r->bits));
    r->pages = r->bits ? pages : 0;
    if (!r->bits) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

void med_gpu_reach_fini(struct med_gpu_reach *r)
{
    free(r->bits);
    r->bits = NULL;
    r->pages = 0;
}
