/*
 * gpumed-xen-ram: hand the RAM of a Xen domain to the gpumed mediator as
 * vgpu-pci does under Xen (HELLO, ADD_MEMORY_XEN) and print its verdict.
 * The Xen test's dom0 (tests/xen/dom0-init) runs it with domain ids that
 * must be refused: one that does not exist, dom0's, a reserved one.
 *
 * usage: gpumed-xen-ram SOCKET DOMID MIB
 * Exit status: 0 accepted, 1 refused (the reason on stdout), 2 usage.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/client.h"

/* Nothing is submitted, so nothing completes. */
static void no_completions(void *opaque, const struct wire_completion *done)
{
    (void)opaque, (void)done;
}

int main(int argc, char **argv)
{
    struct wire_client *c;
    unsigned long domid, mib;
    int refused;

    if (argc != 4 || sscanf(argv[2], "%lu", &domid) != 1 ||
        sscanf(argv[3], "%lu", &mib) != 1 || !mib || domid > UINT32_MAX) {
        fprintf(stderr, "usage: gpumed-xen-ram SOCKET DOMID MIB\n");
        return 2;
    }
    c = wire_client_connect(argv[1], "xen-ram-check", no_completions, NULL);
    if (!c) {
        printf("refused: cannot connect to %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    refused = wire_client_add_memory_xen(c, (uint32_t)domid, 1 << 20,
                                         (uint64_t)mib << 20) != 0;
    if (refused) {
        printf("refused: domain %lu: %s\n", domid, wire_client_error(c));
    } else {
        printf("accepted: domain %lu, %lu MiB\n", domid, mib);
    }
    wire_client_close(c);
    return refused;
}
