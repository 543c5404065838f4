/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Where output goes and how it looks: error messages, colour, the pager, JSON printing, time stamps. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl.h"
#include "macro.h"

/* Prints one line to stderr; the _errno variant returns r (negative) so callers can "return log_...". */
void log_error(const char *fmt, ...) _printf_(1, 2);
int log_error_errno(int r, const char *fmt, ...) _printf_(2, 3);

/* Colour on stdout: a terminal, TERM set and not "dumb", NO_COLOR unset or empty, no --no-color. */
bool colors_wanted(bool no_color_option);

/* A pager for stdout when it is a terminal: $SYSTEMD_PAGER, else $PAGER, else less (with LESS=FRSX
 * when LESS is unset); an empty value or "cat" means none. Returns 1 when a pager was started. */
int pager_open(void);
void pager_close(void);

/* Prints j on stdout followed by a newline: compact for JSON_SHORT, indented for JSON_PRETTY. */
int json_print(const json_t *j, JsonMode mode);

/* "Sat 2024-11-23 10:15:02 UTC" in local time, or "never" for 0. */
void format_usec(uint64_t usec, char *buf, size_t size);
