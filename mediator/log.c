/*
 * log.c - the mediator's log.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mediator/log.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

static const struct {
    const char *name;
    int syslog_priority;
} levels[] = {
    [MED_LOG_ERROR] = { "error", LOG_ERR },
    [MED_LOG_WARNING] = { "warning", LOG_WARNING },
    [MED_LOG_INFO] = { "info", LOG_INFO },
    [MED_LOG_DEBUG] = { "debug", LOG_DEBUG },
};

static enum med_log_level log_threshold = MED_LOG_INFO;
static bool log_to_syslog;

void med_log_init(enum med_log_level threshold, bool to_syslog)
{
    log_threshold = threshold;
    log_to_syslog = to_syslog;
    if (to_syslog) {
        openlog("gpumed", LOG_PID, LOG_DAEMON);
    }
}

bool med_log_level_parse(const char *name, enum med_log_level *level)
{
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        if (!strcmp(name, levels[i].name)) {
            *level = (enum med_log_level)i;
            return true;
        }
    }
    return false;
}

void med_vlog(enum med_log_level level, const char *fmt, va_list ap)
{
    char line[512];

    if (level > log_threshold) {
        return;
    }
    vsnprintf(line, sizeof(line), fmt, ap);
    if (log_to_syslog) {
        syslog(levels[level].syslog_priority, "%s", line);
    } else {
        /* One fprintf per line so that concurrent lines do not interleave. */
        fprintf(stderr, "gpumed: %s: %s\n", levels[level].name, line);
    }
}

void med_log(enum med_log_level level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    med_vlog(level, fmt, ap);
    va_end(ap);
}
