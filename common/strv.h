/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* NULL-terminated string arrays (strv_free lives in macro.h for the cleanup attribute). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

size_t strv_length(char *const *l);
bool strv_contains(char *const *l, const char *s);
/* Appends a copy of s; *l may be NULL. */
int strv_extend(char ***l, const char *s);
