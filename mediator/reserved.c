/*
 * reserved.c - vGPUs created ahead of their VM (gpumedctl create), as GVT-g
 * users create mdev vGPUs before the VM starts: the partition of graphics
 * memory is taken at once and kept while VMs attach (CREATE_VGPU with the
 * vGPU's name) and detach; each attach starts from a fresh vGPU.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mediator/private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


int med_partition_alloc(struct med_server *server, const struct med_vgpu_type *type,
                        struct med_partition *partition, char *detail, size_t size)
{
    struct med_partition request = { .aperture_size = type->v.aperture_size,
                                     .hidden_size = type->v.hidden_size,
                                     .fence_count = type->v.fence_count };
    struct med_gm_shortage shortage;
    int err;

    if (!med_gm_alloc(server->gm, &request, partition, &shortage)) {
        return 0;
    }
    err = errno;
    if (err == ENOSPC) {
        med_gm_format_shortage(&shortage, detail, size);
    } else {
        snprintf(detail, size, "cannot allocate a partition: %s", strerror(err));
    }
    errno = err;
    return -1;
}

struct reserved_vgpu *med_reserved_find(const struct med_server *server, const char *name)
{
    for (struct reserved_vgpu *r = server->reserved; r; r = r->next) {
        if (!strcmp(r->name, name)) {
            return r;
        }
    }
    return NULL;
}

struct reserved_vgpu *med_reserved_find_id(const struct med_server *server, uint32_t id)
{
    for (struct reserved_vgpu *r = server->reserved; r; r = r->next) {
        if (r->id == id) {
            return r;
        }
    }
    return NULL;
}

int med_reserved_create(struct med_server *server, const char *type_name, const char *name,
                        char *detail, size_t size)
{
    const struct med_vgpu_type *type = med_vgpu_type_find(type_name);
    struct reserved_vgpu *r;

    if (!type) {
        snprintf(detail, size, "unknown vGPU type '%s' (gpumedctl types lists them)",
                 type_name);
        return -ENOENT;
    }
    if (med_reserved_find(server, name)) {
        snprintf(detail, size, "a vGPU named '%s' exists already", name);
        return -EEXIST;
    }
    r = calloc(1, sizeof(*r));
    if (!r) {
        snprintf(detail, size, "no memory");
        return -ENOMEM;
    }
    if (med_partition_alloc(server, type, &r->partition, detail, size)) {
        int err = errno;

        free(r);
        return -err;
    }
    snprintf(r->name, sizeof(r->name), "%s", name);
    r->type = type;
    r->id = ++server->next_vgpu_id;
    r->share = (struct med_sched_share){ .weight = type->weight,
                                         .cap_percent = type->cap_percent };
    r->counting_since_ns = med_now_ns();
    r->next = server->reserved;
    server->reserved = r;
    server->stats.vgpus_reserved++;
    med_log(MED_LOG_INFO, "vgpu %u (%s): reserved, type %s: aperture [0x%" PRIx64 ", 0x%"
            PRIx64 "), hidden [0x%" PRIx64 ", 0x%" PRIx64 "), fences [%u, %u)", r->id,
            r->name, type->v.name, r->partition.aperture_base,
            r->partition.aperture_base + r->partition.aperture_size,
            r->partition.hidden_base, r->partition.hidden_base + r->partition.hidden_size,
            r->partition.fence_base, r->partition.fence_base + r->partition.fence_count);
    return 0;
}

static void release(struct med_server *server, struct reserved_vgpu **link)
{
    struct reserved_vgpu *r = *link;

    *link = r->next;
    med_gm_free(server->gm, &r->partition);
    med_log(MED_LOG_INFO, "vgpu %u (%s): destroyed, its partition is free", r->id, r->name);
    free(r);
}

int med_reserved_destroy(struct med_server *server, const char *name, char *detail, size_t size)
{
    for (struct reserved_vgpu **link = &server->reserved; *link; link = &(*link)->next) {
        if (strcmp((*link)->name, name)) {
            continue;
        }
        if ((*link)->attached) {
            snprintf(detail, size, "vGPU '%s' is attached to VM '%s': stop the VM first",
                     name, (*link)->attached->vm_name);
            return -EBUSY;
        }
        release(server, link);
        return 0;
    }
    snprintf(detail, size, "no vGPU named '%s'", name);
    return -ENOENT;
}

void med_reserved_destroy_all(struct med_server *server)
{
    while (server->reserved) {
        release(server, &server->reserved);
    }
}
