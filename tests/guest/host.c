/*
 * host.c - a step asks the host to look at the machine now (run-guest
 * --host-hook): the request goes out on the console, the verdict comes back
 * on the second serial port (ttyS1), so the step waits until the host has,
 * say, taken its screendump.
 *
 *   guest: GUEST-SYNC step=<name> id=<n> <key>=<value> ...
 *   host:  HOST-ACK id=<n> status=pass|fail <key>=<value> ...
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define HOST_PORT               "/dev/ttyS1"

static int host_port = -1;

/* The port carries our protocol only: raw bytes, no echo, no line editing. */
static bool open_host_port(void)
{
    struct termios t;

    if (host_port >= 0) {
        return true;
    }
    host_port = open(HOST_PORT, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (host_port < 0) {
        return false;
    }
    if (tcgetattr(host_port, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(host_port, TCSANOW, &t);
    }
    return true;
}

int host_timeout_ms = 60000;

/* One line from the host port, or false after the timeout. */
static bool read_host_line(char *line, size_t size)
{
    size_t len = 0;

    while (len + 1 < size) {
        struct pollfd p = { .fd = host_port, .events = POLLIN };
        char c;

        if (poll(&p, 1, host_timeout_ms) <= 0 || read(host_port, &c, 1) != 1) {
            return false;
        }
        if (c == '\n') {
            break;
        }
        if (c != '\r') {
            line[len++] = c;
        }
    }
    line[len] = '\0';
    return true;
}

bool host_sync(struct result *r, const char *fmt, ...)
{
    static unsigned next_id = 1;
    unsigned id = next_id++;
    char request[1024], line[1024], expect[32];
    va_list ap;
    int n;

    if (!open_host_port()) {
        result_add(r, "error", "host-port:%s", strerror(errno));
        return false;
    }
    n = snprintf(request, sizeof(request), "GUEST-SYNC step=%s id=%u ", r->step, id);
    va_start(ap, fmt);
    vsnprintf(request + n, sizeof(request) - n - 1, fmt, ap);
    va_end(ap);
    strcat(request, "\n");
    if (write(STDOUT_FILENO, request, strlen(request)) < 0) {
        result_add(r, "error", "console:%s", strerror(errno));
        return false;
    }
    snprintf(expect, sizeof(expect), "HOST-ACK id=%u ", id);
    do {
        if (!read_host_line(line, sizeof(line))) {
            result_add(r, "error", "no-host-ack-%u", id);
            return false;
        }
    } while (strncmp(line, expect, strlen(expect)) != 0);    /* stale acks */
    result_log(r, "host %u: %s", id, line + strlen(expect));
    return strncmp(line + strlen(expect), "status=pass", strlen("status=pass")) == 0;
}
