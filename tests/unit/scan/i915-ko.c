/*
 * i915-ko.c - the guest kernel's null render state, read from its i915.ko
 * (i915-ko.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tests/unit/scan/i915-ko.h"

#include <elf.h>
#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NO_RELOC        0xffffffffu

struct blob {
    uint8_t *data;
    size_t size;
};

static bool read_file(const char *path, struct blob *b)
{
    FILE *fp = fopen(path, "rb");
    long size;

    if (!fp || fseek(fp, 0, SEEK_END) || (size = ftell(fp)) <= 0 || fseek(fp, 0, SEEK_SET)) {
        if (fp) {
            fclose(fp);
        }
        return false;
    }
    b->size = (size_t)size;
    b->data = malloc(b->size);
    if (!b->data || fread(b->data, 1, b->size, fp) != b->size) {
        free(b->data);
        fclose(fp);
        return false;
    }
    fclose(fp);
    return true;
}

/* The bytes of the ELF symbol @name of @ko, or NULL. */
static const uint8_t *elf_symbol(const struct blob *ko, const char *name, size_t *size)
{
    const Elf64_Ehdr *eh = (const void *)ko->data;
    const Elf64_Shdr *sh;

    if (ko->size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
        eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(*sh) > ko->size) {
        return NULL;
    }
    sh = (const void *)(ko->data + eh->e_shoff);
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        const Elf64_Sym *sym = (const void *)(ko->data + sh[i].sh_offset);
        const char *strtab;

        if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum) {
            continue;
        }
        strtab = (const char *)ko->data + sh[sh[i].sh_link].sh_offset;
        for (size_t j = 0; j < sh[i].sh_size / sizeof(*sym); j++) {
            const Elf64_Shdr *sec = &sh[sym[j].st_shndx];

            if (sym[j].st_shndx == SHN_UNDEF || sym[j].st_shndx >= eh->e_shnum ||
                strcmp(strtab + sym[j].st_name, name)) {
                continue;
            }
            if (sec->sh_offset + sym[j].st_value + sym[j].st_size > ko->size) {
                return NULL;
            }
            *size = sym[j].st_size;
            return ko->data + sec->sh_offset + sym[j].st_value;
        }
    }
    return NULL;
}

/* The i915.ko of the guest kernel, in the cache as scripts/common.sh names it. */
static bool find_i915(struct blob *ko, char *pattern, size_t size)
{
    const char *cache = getenv("GPUMED_CACHE"), *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    glob_t g;
    bool found = false;

    if (cache) {
        snprintf(pattern, size, "%s", cache);
    } else {
        snprintf(pattern, size, "%s%s/gpumed", xdg ? xdg : home ? home : "",
                 xdg ? "" : "/.cache");
    }
    snprintf(pattern + strlen(pattern), size - strlen(pattern),
             "/guest-kernel/*/lib/modules/*/kernel/drivers/gpu/drm/i915/i915.ko");
    if (glob(pattern, 0, NULL, &g) == 0) {
        found = read_file(g.gl_pathv[0], ko);
    }
    globfree(&g);
    return found;
}

int i915_null_state_read(struct i915_null_state *ns, char *where, size_t size)
{
    struct blob ko = { 0 };
    const uint8_t *batch, *relocs;
    size_t batch_size, relocs_size;
    int ret = -1;

    *ns = (struct i915_null_state){ 0 };
    if (!find_i915(&ko, where, size)) {
        return -1;
    }
    batch = elf_symbol(&ko, "gen9_null_state_batch", &batch_size);
    relocs = elf_symbol(&ko, "gen9_null_state_relocs", &relocs_size);
    if (!batch || !relocs || batch_size % 4 || !batch_size) {
        snprintf(where, size, "gen9_null_state_batch and gen9_null_state_relocs in the "
                 "guest kernel's i915.ko");
        goto out;
    }
    ns->batch = malloc(batch_size);
    ns->relocs = malloc(relocs_size + 4);
    if (!ns->batch || !ns->relocs) {
        snprintf(where, size, "memory");
        goto out;
    }
    memcpy(ns->batch, batch, batch_size);
    ns->bytes = batch_size;
    for (size_t i = 0; i + 4 <= relocs_size; i += 4) {
        uint32_t offset;

        memcpy(&offset, relocs + i, 4);
        if (offset == NO_RELOC) {
            break;
        }
        if (offset >= batch_size || offset % 4) {
            snprintf(where, size, "a relocation at 0x%x outside the batch", offset);
            goto out;
        }
        ns->relocs[ns->reloc_count++] = offset / 4;
    }
    ret = 0;
out:
    free(ko.data);
    if (ret) {
        i915_null_state_free(ns);
    }
    return ret;
}

void i915_null_state_place(const struct i915_null_state *ns, uint32_t *dst, uint32_t gma)
{
    memcpy(dst, ns->batch, ns->bytes);
    for (size_t i = 0; i < ns->reloc_count; i++) {
        dst[ns->relocs[i]] += gma;
    }
}

void i915_null_state_free(struct i915_null_state *ns)
{
    free(ns->batch);
    free(ns->relocs);
    *ns = (struct i915_null_state){ 0 };
}
