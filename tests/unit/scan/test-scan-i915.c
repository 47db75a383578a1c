/*
 * The scanner against the guest's own first render batch: the Gen9 "null
 * render state" that the 6.1 i915 runs on RCS at load (gen9_renderstate.c,
 * PIPELINE_SELECT, STATE_BASE_ADDRESS, every 3DSTATE packet of a golden
 * context), read from the guest kernel's i915.ko that scripts/build-guest
 * unpacks (in the cache of scripts/common.sh; without it the test fails its
 * set-up: a guest-layer test), relocated as i915 does (GGTT offset of the
 * batch added at each relocation) and started from the ring as a secure
 * GGTT batch.  Every command must decode with its exact length and pass.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <elf.h>
#include <glob.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/scan/emit.h"
#include "tests/unit/scan/fake-vm.h"

#define BATCH_GMA       (FAKE_GGTT_BASE + 0x10000)
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

static void test_null_render_state(void **state)
{
    struct fake_vm *vm;
    struct med_scan *scan;
    struct med_scan_result result;
    struct med_scan_request req;
    const uint8_t *batch, *relocs;
    size_t batch_size, relocs_size;
    uint32_t *ring, *p, *copy;
    struct blob ko = { 0 };
    char pattern[1024];

    if (!find_i915(&ko, pattern, sizeof(pattern))) {
        fail_msg("set-up: no %s: build it with scripts/build-guest", pattern);
    }
    batch = elf_symbol(&ko, "gen9_null_state_batch", &batch_size);
    relocs = elf_symbol(&ko, "gen9_null_state_relocs", &relocs_size);
    assert_non_null(batch);
    assert_non_null(relocs);
    assert_true(batch_size % 4 == 0 && batch_size < FAKE_GGTT_PARTITION / 2);

    vm = fake_vm_create();
    scan = fake_vm_scanner(vm, NULL);
    assert_non_null(scan);
    copy = fake_ggtt(vm, BATCH_GMA);
    memcpy(copy, batch, batch_size);
    for (size_t i = 0; i + 4 <= relocs_size; i += 4) {
        uint32_t offset;

        memcpy(&offset, relocs + i, 4);
        if (offset == NO_RELOC) {
            break;
        }
        assert_true(offset < batch_size);
        copy[offset / 4] += (uint32_t)BATCH_GMA;
    }
    ring = p = fake_ggtt(vm, FAKE_GGTT_BASE);
    emit(&p, MI_ARB_ON_OFF_DW(false));
    emit_bb_start(&p, BATCH_GMA, 0);
    emit(&p, MI_ARB_ON_OFF_DW(true));
    req = (struct med_scan_request){ .engine = GEN9_RCS, .commands = ring,
                                     .len = 4 * (uint64_t)(p - ring), .gma = FAKE_GGTT_BASE };
    if (med_scan(scan, &req, &result) != MED_SCAN_OK) {
        fail_msg("%s", result.reason);
    }
    assert_true(result.buffers[1].privileged);
    print_message("# gen9 null render state: %" PRIu64 " commands, %" PRIu64 " bytes\n",
                  result.commands - 3, result.buffers[1].len);
    med_scan_destroy(scan);
    fake_vm_destroy(vm);
    free(ko.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_null_render_state),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
