/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Journal-native logging with structured fields; one readable line on stderr when not under journald. */
#pragma once

#include <stdarg.h>
#include <syslog.h>

#include "macro.h"

typedef enum LogTarget {
        LOG_TARGET_AUTO,        /* journal if stderr is connected to it (JOURNAL_STREAM) or no tty, else console */
        LOG_TARGET_JOURNAL,
        LOG_TARGET_CONSOLE,
} LogTarget;

void log_setup(const char *ident, LogTarget target, int max_level);
void log_set_max_level(int level);
int log_get_max_level(void);
bool log_to_journal(void);

/* Plain messages. Return -abs(error) if error != 0, else 0, so "return log_error_errno(r, ...)" works. */
int log_internal(int level, int error, const char *file, int line, const char *func, const char *fmt, ...)
        _printf_(6, 7);

#define log_full_errno(level, error, ...) \
        log_internal(level, error, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_debug(...)   log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...)    log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...)  log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...)   log_full_errno(LOG_ERR, 0, __VA_ARGS__)
#define log_debug_errno(e, ...)   log_full_errno(LOG_DEBUG, e, __VA_ARGS__)
#define log_info_errno(e, ...)    log_full_errno(LOG_INFO, e, __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, e, __VA_ARGS__)
#define log_error_errno(e, ...)   log_full_errno(LOG_ERR, e, __VA_ARGS__)
#define log_oom() log_error_errno(ENOMEM, "Out of memory.")

/* A structured entry: extra fields are "KEY=value" strings, NULL-terminated, then the message.
 * On the console the message is printed followed by the fields in brackets. */
int log_struct_fields(int level, int error, const char *message_id, char **fields, const char *fmt, ...)
        _printf_(5, 6);
