/*
 * seed-file.c - writing generated seeds (seed-file.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tests/fuzz/seed-file.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

void seed_append(struct seed *s, const void *bytes, size_t len)
{
    if (!len) {
        return;
    }
    if (s->len + len > s->capacity) {
        size_t capacity = (s->len + len) * 2;
        uint8_t *grown = realloc(s->bytes, capacity);

        if (!grown) {
            fail("out of memory");
        }
        s->bytes = grown;
        s->capacity = capacity;
    }
    memcpy(s->bytes + s->len, bytes, len);
    s->len += len;
}

void seed_record(struct seed *s, uint8_t flags, const void *payload, size_t len, size_t max)
{
    uint16_t len16 = (uint16_t)len;

    if (len >= max) {
        fail("a record of %zu bytes, the fuzzer takes below %zu", len, max);
    }
    seed_append(s, &len16, 2);
    seed_append(s, &flags, 1);
    seed_append(s, payload, len);
}

void seed_dir_open(struct seed_dir *d, const char *path, FILE *index)
{
    DIR *dir;
    struct dirent *e;

    snprintf(d->path, sizeof(d->path), "%s", path);
    d->index = index;
    if (mkdir(path, 0755) && errno != EEXIST) {
        fail("%s: %s", path, strerror(errno));
    }
    dir = opendir(path);
    if (!dir) {
        fail("%s: %s", path, strerror(errno));
    }
    while ((e = readdir(dir))) {
        char file[4096 + 256];

        if (e->d_name[0] == '.') {
            continue;
        }
        snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
        if (unlink(file)) {
            fail("%s: %s", file, strerror(errno));
        }
    }
    closedir(dir);
}

void seed_dir_write(struct seed_dir *d, const char *name, struct seed *s)
{
    char file[4096 + 256];
    FILE *f;

    snprintf(file, sizeof(file), "%s/%s", d->path, name);
    f = fopen(file, "wb");
    if (!f || fwrite(s->bytes, 1, s->len, f) != s->len || fclose(f)) {
        fail("%s: %s", file, strerror(errno));
    }
    fprintf(d->index, "%s %zu\n", file, s->len);
    free(s->bytes);
    *s = (struct seed){ 0 };
}

FILE *seed_index_open(int argc, char **argv)
{
    FILE *index;

    if (argc != 3) {
        fail("usage: %s OUTDIR INDEX-FILE", argv[0]);
    }
    index = fopen(argv[2], "w");
    if (!index) {
        fail("%s: %s", argv[2], strerror(errno));
    }
    return index;
}

void seed_index_close(FILE *index)
{
    if (ferror(index) || fclose(index)) {
        fail("cannot write the seed index");
    }
}
