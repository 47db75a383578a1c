/*
 * bench-pgpu-ctx-switch: the cost of a context switch on one engine.  The
 * same work (two MI_STORE_DATA_IMMs per round) runs either in one context
 * or split over two contexts submitted as an ELSP pair, so that each round
 * adds one element switch (save of the first, restore of the second, CSB
 * event and interrupt).  The difference per round is the switch cost.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>

#include "bench-common.h"

#define ROUNDS      4000

int main(void)
{
    struct bench_ctx_switch r = bench_native_ctx_switch(ROUNDS);

    printf("BENCH pgpu-submit-round-trip %.1f us\n", r.one_ctx_ns / 1e3);
    printf("BENCH pgpu-ctx-switch %.1f us\n", r.switch_ns / 1e3);
    return 0;
}
