/*
 * Replay a fuzz target's corpus (generated seeds, seeds and kept crash
 * reproducers) without libFuzzer, so that the normal test suite guards
 * against regressions and checks that the corpus still reaches what the
 * target says it fuzzes (reach.h):
 *   replay PATH...    runs LLVMFuzzerTestOneInput() on every file named
 *                     and every file in every directory named (in name
 *                     order), then checks that every reach count of the
 *                     target is above zero;
 *   replay --expect-unreached PATH...   checks that every count stayed at
 *                     zero instead: the counts come from the code under
 *                     test, so an input that stops early leaves them at 0
 *                     (the reach check's own test).
 * Reports in TAP: one line for the inputs (a crash or a failed check of the
 * target ends the process before the plan), one per reach count.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/fuzz/reach.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_INPUT (1u << 20)

static uint8_t input[REPLAY_MAX_INPUT];
static bool expect_unreached;
static unsigned test_number = 1;

/* Run one file; false if it cannot be read. */
static bool replay_file(const char *path)
{
    size_t size;
    FILE *f = fopen(path, "rb");

    if (!f) {
        perror(path);
        return false;
    }
    size = fread(input, 1, sizeof(input), f);
    fclose(f);
    LLVMFuzzerTestOneInput(input, size);
    return true;
}

static int visible(const struct dirent *entry)
{
    return entry->d_name[0] != '.';
}

/* Run @path, or every file in it; adds to *@count; false on a read error. */
static bool replay_path(const char *path, unsigned *count)
{
    struct dirent **entries;
    struct stat st;
    bool ok = true;
    int n;

    if (stat(path, &st)) {
        perror(path);
        return false;
    }
    if (!S_ISDIR(st.st_mode)) {
        *count += 1;
        return replay_file(path);
    }
    n = scandir(path, &entries, visible, alphasort);
    if (n < 0) {
        perror(path);
        return false;
    }
    for (int i = 0; i < n; i++) {
        char file[4096];

        snprintf(file, sizeof(file), "%s/%s", path, entries[i]->d_name);
        if (ok) {
            ok = replay_file(file);
            *count += ok;
        }
        free(entries[i]);
    }
    free(entries);
    return ok;
}

static void report(const char *what, uint64_t count)
{
    bool reached = count > 0;

    printf("%s %u - %s: %s (%" PRIu64 ")\n", reached != expect_unreached ? "ok" : "not ok",
           test_number++, reached ? "reached" : "not reached", what, count);
}

int main(int argc, char **argv)
{
    int first;
    unsigned count = 0;
    bool read_all = true;

    expect_unreached = argc > 1 && !strcmp(argv[1], "--expect-unreached");
    first = 1 + expect_unreached;
    if (argc <= first) {
        fprintf(stderr, "usage: %s [--expect-unreached] CORPUS-DIR-OR-FILE...\n", argv[0]);
        return 2;
    }
    for (int i = first; i < argc; i++) {
        printf("# %s\n", argv[i]);
        read_all &= replay_path(argv[i], &count);
    }
    printf("%s %u - replayed %u inputs%s\n", read_all && count ? "ok" : "not ok", test_number++,
           count, read_all ? "" : " (a file could not be read)");
    fuzz_reach(report);
    printf("1..%u\n", test_number - 1);
    return 0;
}
