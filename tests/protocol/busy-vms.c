/*
 * busy-vms - VMs that keep the GPU busy, for tests that watch a real gpumed
 * from outside (test-gpumedctl-watch.py): each argument VM=VGPU is a
 * guest-like client (tests/harness/busy-guest.h) named VM attached to the
 * reserved vGPU VGPU, keeping its render engine backlogged with verified
 * stores.  Prints "ready" once every vGPU is attached, runs until its
 * standard input ends, then stops them and prints one line per VM:
 * "VM rounds=N error=E".  Exit status 0 when every result was right.
 * Usage: busy-vms SOCKET VM=VGPU...
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/harness/busy-guest.h"

#define MAX_VMS 8

int main(int argc, char **argv)
{
    struct busy_guest *guests[MAX_VMS] = { 0 };
    char *names[MAX_VMS];
    int count = argc - 2, status = 0;
    char byte;

    if (argc < 3 || count > MAX_VMS) {
        fprintf(stderr, "usage: busy-vms SOCKET VM=VGPU... (at most %d)\n", MAX_VMS);
        return 2;
    }
    for (int i = 0; i < count; i++) {
        char *equals = strchr(argv[i + 2], '=');
        struct busy_guest_config config = { .socket = argv[1], .lanes = 4, .pages = 1 };

        if (!equals) {
            fprintf(stderr, "busy-vms: '%s' is not VM=VGPU\n", argv[i + 2]);
            return 2;
        }
        *equals = '\0';
        names[i] = argv[i + 2];
        config.name = names[i];
        config.vgpu_name = equals + 1;
        guests[i] = busy_guest_start(&config);
        if (!guests[i]) {
            fprintf(stderr, "busy-vms: VM %s cannot attach to vGPU %s\n", names[i], equals + 1);
            status = 1;
            count = i;
            break;
        }
    }
    if (!status) {
        printf("ready\n");
        fflush(stdout);
        while (read(STDIN_FILENO, &byte, 1) > 0) {
        }
    }
    for (int i = 0; i < count; i++) {
        struct busy_guest_stats st;
        int error;

        busy_guest_stats(guests[i], &st);
        error = busy_guest_stop(guests[i]);
        printf("%s rounds=%llu error=%d\n", names[i], (unsigned long long)st.rounds, error);
        status |= error != 0;
    }
    return status;
}
