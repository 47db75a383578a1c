/*
 * seed-file.h - writing a fuzz target's generated seeds (the *-seeds.c
 * programs the build runs, so that seeds follow the structs they are made
 * of): a seed is built in memory, then written as one file of a seed
 * directory, which is emptied first so that no seed of an older build
 * stays behind.  Every failure exits the program with a message.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_TESTS_FUZZ_SEED_FILE_H
#define GPUMED_TESTS_FUZZ_SEED_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct seed {
    uint8_t *bytes;
    size_t len, capacity;
};

/* Append @len bytes. */
void seed_append(struct seed *s, const void *bytes, size_t len);
/* Append a mediator fuzzer's record (tests/fuzz/mediator/harness.h):
 * {u16 @len, u8 @flags, @payload}; @len must be below @max. */
void seed_record(struct seed *s, uint8_t flags, const void *payload, size_t len, size_t max);

struct seed_dir {
    char path[4096];
    FILE *index;                /* the build's record of what was written */
};

/* Create @path (or empty it) for seeds, listing each in @index too. */
void seed_dir_open(struct seed_dir *d, const char *path, FILE *index);
/* Write @s as @name in @d and free its bytes. */
void seed_dir_write(struct seed_dir *d, const char *name, struct seed *s);

/* The generators' command line: OUTDIR INDEX-FILE; opens the index. */
FILE *seed_index_open(int argc, char **argv);
/* Close the index (exits on a write error). */
void seed_index_close(FILE *index);

#endif /* GPUMED_TESTS_FUZZ_SEED_FILE_H */
