/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Aligned text for people: tables with a header line, and "Key: value" blocks, with optional colour. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "macro.h"

typedef enum Color {
        COLOR_NONE,
        COLOR_GREEN,
        COLOR_YELLOW,
        COLOR_RED,
        COLOR_BOLD,
        _COLOR_MAX,
        _COLOR_INVALID = -EINVAL,
} Color;

/* Colour of a link state: tuned green, degraded and drifted yellow, failed red, the rest plain. */
Color state_color(const char *state);

typedef struct Table Table;

/* The column headers follow, NULL-terminated. */
int table_new(Table **ret, ...) _sentinel_;
Table *table_free(Table *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(Table *, table_free);

/* Numbers read better right-aligned. */
void table_align_right(Table *t, size_t column);

/* Cells are filled row by row; an empty or NULL text shows as "-". */
int table_add(Table *t, Color color, const char *text);
int table_add_blank(Table *t);        /* an empty cell, where "-" would only clutter */
int table_addf(Table *t, Color color, const char *fmt, ...) _printf_(3, 4);
size_t table_n_rows(const Table *t);

/* Columns two spaces apart, no trailing blanks; the header (bold in colour) only with header=true. */
int table_print(const Table *t, FILE *f, bool header, bool color);

typedef struct Fields Fields;

int fields_new(Fields **ret);
Fields *fields_free(Fields *f);
DEFINE_TRIVIAL_CLEANUP_FUNC(Fields *, fields_free);

/* One "Key: value" line; a value with newlines continues under the first value character. */
int fields_add(Fields *f, const char *key, Color color, const char *value);
int fields_addf(Fields *f, const char *key, Color color, const char *fmt, ...) _printf_(4, 5);

/* Keys right-aligned on the longest one. */
int fields_print(const Fields *f, FILE *out, bool color);

/* Display width of UTF-8 text: one column per code point (enough for names and numbers). */
size_t text_width(const char *s);
