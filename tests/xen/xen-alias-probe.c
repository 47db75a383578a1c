/*
 * gpumed-xen-alias: ask Xen, as a device model would, to alias one RAM page
 * of a domain at another guest-physical address of the same domain: what
 * mapping the vGPU's aperture (BAR2) into the guest's p2m needs, each
 * aperture page being the guest RAM page its GGTT entry names (docs/xen.md,
 * "What is missing").  The only refcounted alias Xen 4.17 offers is a
 * foreign mapping (XENMEM_add_to_physmap_batch, XENMAPSPACE_gmfn_foreign);
 * the Xen test's dom0 runs this against its guest and logs Xen's answer.
 * Should Xen accept, the alias is removed again at once.
 *
 * usage: gpumed-xen-alias DOMID RAM_GFN TARGET_GFN   (numbers in hex)
 * Prints "accepted" or "refused: <errno name> (<text>)".
 * Exit status: 0 Xen answered, 1 the call could not be made, 2 usage.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenctrl.h>

int main(int argc, char **argv)
{
    xc_interface *xch;
    xen_ulong_t idx;
    xen_pfn_t gpfn;
    uint32_t domid;
    int err = 0, rc;

    if (argc != 4) {
        fprintf(stderr, "usage: gpumed-xen-alias DOMID RAM_GFN TARGET_GFN\n");
        return 2;
    }
    domid = (uint32_t)strtoul(argv[1], NULL, 0);
    idx = strtoull(argv[2], NULL, 16);
    gpfn = strtoull(argv[3], NULL, 16);
    xch = xc_interface_open(NULL, NULL, 0);
    if (!xch) {
        printf("error: cannot open libxenctrl: %s\n", strerror(errno));
        return 1;
    }
    /* Target and source are the same domain: a self-alias. */
    rc = xc_domain_add_to_physmap_batch(xch, domid, domid, XENMAPSPACE_gmfn_foreign, 1,
                                        &idx, &gpfn, &err);
    if (rc < 0) {
        printf("error: XENMEM_add_to_physmap_batch failed as a call: %s\n", strerror(errno));
        xc_interface_close(xch);
        return 1;
    }
    if (err == 0) {
        printf("accepted\n");
        xc_domain_remove_from_physmap(xch, domid, gpfn);
    } else {
        printf("refused: %s (%s)\n", err == -EINVAL ? "EINVAL" : err == -EPERM ? "EPERM" :
               err == -ESRCH ? "ESRCH" : "other", strerror(-err));
    }
    xc_interface_close(xch);
    return 0;
}
