/*
 * log.h - the mediator's log: one line per event, to stderr or syslog.
 *
 * Logging is process-wide state, set once at start-up before any thread
 * runs; med_log() itself may be called from any thread.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GPUMED_MEDIATOR_LOG_H
#define GPUMED_MEDIATOR_LOG_H

#include <stdarg.h>
#include <stdbool.h>

enum med_log_level {
    MED_LOG_OFF = -1,           /* as a threshold: log nothing (fuzzing) */
    MED_LOG_ERROR,
    MED_LOG_WARNING,
    MED_LOG_INFO,
    MED_LOG_DEBUG,
};

/* Log lines up to @threshold, to syslog when @to_syslog, else to stderr. */
void med_log_init(enum med_log_level threshold, bool to_syslog);

/* "error", "warning", "info" or "debug"; false for anything else. */
bool med_log_level_parse(const char *name, enum med_log_level *level);

void med_log(enum med_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void med_vlog(enum med_log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#endif /* GPUMED_MEDIATOR_LOG_H */
