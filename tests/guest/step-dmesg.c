/*
 * The dmesg step: the kernel log's GPU lines, and whether any line shows a
 * problem.  Reads /dev/kmsg, whose records carry their log level.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "agent.h"

/* Enough for a whole failed probe; the serial log has everything anyway. */
#define MAX_GPU_LINES_SHOWN 200

/*
 * Text that marks a kernel log line as a problem, whatever its source.
 * "CI tainted" is i915 flagging its own failures, e.g. a GT wedged on init;
 * "DRHD: handling fault" is the VT-d driver reporting a device's DMA to an
 * address it did not map.
 */
static const char *const problem_marks[] = {
    "WARNING:", "BUG:", "Oops", "Call Trace", "general protection fault",
    "Kernel panic", "wedged", "nclaimed", "workaround lost", "CI tainted",
    "DRHD: handling fault",
};

/*
 * The image carries no firmware (Debian has it in non-free): i915 then runs
 * without DMC, as it does on any machine without the firmware package.
 */
static const char *const expected_marks[] = {
    "firmware: failed to load i915/", "Direct firmware load for i915/",
};

static bool has_mark(const char *text, const char *const *marks, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strstr(text, marks[i])) {
            return true;
        }
    }
    return false;
}

#define HAS_MARK(text, marks) has_mark(text, marks, sizeof(marks) / sizeof(marks[0]))

/* The command line names our steps ("i915-bind"): it is not a GPU line. */
static bool is_gpu_line(const char *text)
{
    return (strstr(text, "i915") || strstr(text, "drm")) &&
           !strstr(text, "ommand line: ");
}

static bool is_problem(int level, const char *text)
{
    if (HAS_MARK(text, problem_marks)) {
        return true;
    }
    return is_gpu_line(text) && !HAS_MARK(text, expected_marks) &&
           (level <= LOG_WARNING || strstr(text, "*ERROR*") ||
            strstr(text, "failed"));
}

/*
 * A record is "<prio>,<seq>,<usec>,<flags>[,...];<text>\n" followed by
 * dictionary lines that start with a space.  Returns false if malformed.
 */
static bool parse_record(char *record, int *level, double *seconds, char **text)
{
    char *semicolon = strchr(record, ';');
    char *field = record;

    if (!semicolon) {
        return false;
    }
    *level = (int)(strtol(field, &field, 10) & 7);
    if (*field++ != ',') {
        return false;
    }
    strtoull(field, &field, 10);
    if (*field++ != ',') {
        return false;
    }
    *seconds = strtoull(field, NULL, 10) / 1e6;
    *text = semicolon + 1;
    (*text)[strcspn(*text, "\n")] = '\0';
    return true;
}

bool step_dmesg(struct result *r)
{
    int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    unsigned lines = 0, gpu_lines = 0, problems = 0;
    char record[8192];
    ssize_t n;

    if (fd < 0) {
        result_add(r, "error", "/dev/kmsg:%s", strerror(errno));
        return false;
    }
    /* EPIPE: records were overwritten while reading; read on from the next. */
    while ((n = read(fd, record, sizeof(record) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
        int level;
        double seconds;
        char *text;

        if (n < 0) {
            continue;
        }
        record[n] = '\0';
        if (!parse_record(record, &level, &seconds, &text)) {
            continue;
        }
        lines++;
        if (is_problem(level, text)) {
            if (problems++ == 0) {
                result_add(r, "first_problem", "%s", text);
            }
            result_log(r, "problem [%10.6f] <%d> %s", seconds, level, text);
        } else if (is_gpu_line(text) && gpu_lines < MAX_GPU_LINES_SHOWN) {
            result_log(r, "[%10.6f] <%d> %s", seconds, level, text);
        }
        gpu_lines += is_gpu_line(text);
    }
    close(fd);
    result_add(r, "lines", "%u", lines);
    result_add(r, "gpu_lines", "%u", gpu_lines);
    result_add(r, "problems", "%u", problems);
    return problems == 0;
}
