/*
 * Replay a fuzz target's corpus (seeds and kept crash reproducers) without
 * libFuzzer, so that the normal test suite guards against regressions:
 *   replay DIR   runs LLVMFuzzerTestOneInput() on every file in DIR.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_INPUT (1u << 20)

int main(int argc, char **argv)
{
    static uint8_t input[REPLAY_MAX_INPUT];
    unsigned count = 0;
    struct dirent *entry;
    DIR *dir;

    if (argc != 2 || !(dir = opendir(argv[1]))) {
        fprintf(stderr, "usage: %s CORPUS-DIR\n", argv[0]);
        return 2;
    }
    while ((entry = readdir(dir))) {
        char path[4096];
        size_t size;
        FILE *f;

        if (entry->d_name[0] == '.') {
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s", argv[1], entry->d_name);
        f = fopen(path, "rb");
        if (!f) {
            perror(path);
            return 1;
        }
        size = fread(input, 1, sizeof(input), f);
        fclose(f);
        LLVMFuzzerTestOneInput(input, size);
        count++;
    }
    closedir(dir);
    printf("replayed %u inputs\n", count);
    return count ? 0 : 1;
}
