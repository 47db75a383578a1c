/*
 * gpumed-native - drive the physical GPU natively with the mixed RCS + BCS
 * workload, twice, and check that every result is right and both runs are
 * identical.  Exit status 0 only then.
 *
 *   gpumed-native [--batches N] [--seed S]
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/native-workload.h"

#define DEFAULT_BATCHES 10000
#define RUNS 2

static int usage(const char *prog)
{
    fprintf(stderr, "usage: %s [--batches N] [--seed S]\n", prog);
    return 2;
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;

    errno = 0;
    *out = strtoul(s, &end, 0);
    return !errno && *s && !*end && *out <= max;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        { "batches", required_argument, NULL, 'b' },
        { "seed", required_argument, NULL, 's' },
        { NULL, 0, NULL, 0 },
    };
    const struct pgpu_config config = {
        .name = "native", .aperture_size = PGPU_APERTURE_DEFAULT,
        .hang_timeout_ms = PGPU_HANG_TIMEOUT_DEFAULT_MS,
    };
    unsigned long batches = DEFAULT_BATCHES, seed = 1;
    struct workload_result results[RUNS];
    int opt;

    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if ((opt == 'b' && parse_uint(optarg, 100000000, &batches)) ||
            (opt == 's' && parse_uint(optarg, UINT32_MAX, &seed))) {
            continue;
        }
        return usage(argv[0]);
    }
    if (optind != argc) {
        return usage(argv[0]);
    }
    for (unsigned run = 0; run < RUNS; run++) {
        struct native *n = native_open(&pgpu_skl_model, &config);

        if (!n) {
            fprintf(stderr, "gpumed-native: cannot create the GPU: %s\n", strerror(errno));
            return 1;
        }
        results[run] = native_mixed_workload(n, (unsigned)batches, (uint32_t)seed);
        native_close(n);
        printf("run %u: %llu batches, %llu mismatches, digest %016llx%s%s\n", run + 1,
               (unsigned long long)results[run].batches,
               (unsigned long long)results[run].mismatches,
               (unsigned long long)results[run].digest,
               results[run].error ? ", stopped: " : "",
               results[run].error ? strerror(-results[run].error) : "");
        if (results[run].error || results[run].mismatches ||
            results[run].batches != batches) {
            return 1;
        }
    }
    if (results[0].digest != results[1].digest) {
        fprintf(stderr, "gpumed-native: the two runs differ\n");
        return 1;
    }
    printf("ok: %lu batches verified twice, identical results\n", batches);
    return 0;
}
