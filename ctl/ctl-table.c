/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tables and key/value blocks measured before printing so that every column lines up. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctl-table.h"

#define ANSI_RESET "\033[0m"

static inline void *mfree(void *p) {
        free(p);
        return NULL;
}

static const char *const color_codes[_COLOR_MAX] = {
        [COLOR_NONE] = "",
        [COLOR_GREEN] = "\033[0;32m",
        [COLOR_YELLOW] = "\033[0;33m",
        [COLOR_RED] = "\033[0;31m",
        [COLOR_BOLD] = "\033[1m",
};

typedef struct Cell {
        char *text;
        Color color;
} Cell;

struct Table {
        size_t n_columns;
        Cell *cells;            /* headers first, then the rows */
        size_t n_cells;
        bool *right;
};

struct Fields {
        Cell *keys;
        Cell *values;           /* text and colour of each key's value */
        size_t n;
};

Color state_color(const char *state) {
        if (!state)
                return COLOR_NONE;
        if (streq(state, "tuned"))
                return COLOR_GREEN;
        if (streq(state, "degraded") || streq(state, "drifted"))
                return COLOR_YELLOW;
        if (streq(state, "failed"))
                return COLOR_RED;
        return COLOR_NONE;
}

size_t text_width(const char *s) {
        size_t n = 0;

        for (; s && *s; s++)
                if (((unsigned char) *s & 0xc0) != 0x80)
                        n++;
        return n;
}

/* An empty or NULL text becomes "-" unless blank is set. */
static int cells_append_full(Cell **cells, size_t *n, Color color, const char *text, bool blank) {
        Cell *c;
        char *t;

        t = strdup(isempty(text) ? (blank ? "" : "-") : text);
        if (!t)
                return -ENOMEM;
        c = realloc(*cells, (*n + 1) * sizeof(Cell));
        if (!c) {
                free(t);
                return -ENOMEM;
        }
        c[*n] = (Cell) { .text = t, .color = color };
        *cells = c;
        (*n)++;
        return 0;
}

static int cells_append(Cell **cells, size_t *n, Color color, const char *text) {
        return cells_append_full(cells, n, color, text, false);
}

static void cells_free(Cell *cells, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(cells[i].text);
        free(cells);
}

int table_new(Table **ret, ...) {
        _cleanup_(table_freep) Table *t = NULL;
        const char *h;
        va_list ap;
        int r = 0;

        t = calloc(1, sizeof(Table));
        if (!t)
                return -ENOMEM;
        va_start(ap, ret);
        while (r >= 0 && (h = va_arg(ap, const char *))) {
                r = cells_append(&t->cells, &t->n_cells, COLOR_BOLD, h);
                t->n_columns++;
        }
        va_end(ap);
        if (r < 0)
                return r;
        if (t->n_columns == 0)
                return -EINVAL;
        t->right = calloc(t->n_columns, sizeof(bool));
        if (!t->right)
                return -ENOMEM;
        *ret = TAKE_PTR(t);
        return 0;
}

Table *table_free(Table *t) {
        if (!t)
                return NULL;
        cells_free(t->cells, t->n_cells);
        free(t->right);
        free(t);
        return NULL;
}

void table_align_right(Table *t, size_t column) {
        if (column < t->n_columns)
                t->right[column] = true;
}

int table_add(Table *t, Color color, const char *text) {
        return cells_append(&t->cells, &t->n_cells, color, text);
}

int table_add_blank(Table *t) {
        return cells_append_full(&t->cells, &t->n_cells, COLOR_NONE, "", true);
}

int table_addf(Table *t, Color color, const char *fmt, ...) {
        _cleanup_free_ char *s = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return table_add(t, color, s);
}

size_t table_n_rows(const Table *t) {
        return (t->n_cells + t->n_columns - 1) / t->n_columns - 1;
}

static void print_cell(FILE *f, const Cell *c, size_t width, bool right, bool color) {
        size_t pad = width - MIN(width, text_width(c->text));
        bool paint = color && c->color != COLOR_NONE;

        if (right)
                fprintf(f, "%*s", (int) pad, "");
        fprintf(f, "%s%s%s", paint ? color_codes[c->color] : "", c->text, paint ? ANSI_RESET : "");
        if (!right)
                fprintf(f, "%*s", (int) pad, "");
}

/* Writes line without its trailing blanks, and a newline. */
static void put_line(FILE *f, const char *line, size_t len) {
        while (len > 0 && line[len - 1] == ' ')
                len--;
        fprintf(f, "%.*s\n", (int) len, line);
}

int table_print(const Table *t, FILE *f, bool header, bool color) {
        _cleanup_free_ size_t *width = NULL;
        _cleanup_free_ char *line = NULL;
        size_t len = 0;
        FILE *row = NULL;

        /* The header counts for the widths even when it is not shown, so that rows line up the same. */
        width = calloc(t->n_columns, sizeof(size_t));
        if (!width)
                return -ENOMEM;
        for (size_t i = 0; i < t->n_cells; i++)
                width[i % t->n_columns] = MAX(width[i % t->n_columns], text_width(t->cells[i].text));

        for (size_t i = header ? 0 : t->n_columns; i < t->n_cells; i++) {
                size_t col = i % t->n_columns;

                if (col == 0) {
                        row = open_memstream(&line, &len);
                        if (!row)
                                return -ENOMEM;
                } else
                        fputs("  ", row);
                print_cell(row, &t->cells[i], width[col], t->right[col], color);
                if (col == t->n_columns - 1 || i == t->n_cells - 1) {
                        if (fclose(row) != 0)
                                return -ENOMEM;
                        put_line(f, line, len);
                        line = mfree(line);
                }
        }
        return ferror(f) ? -EIO : 0;
}

int fields_new(Fields **ret) {
        Fields *f = calloc(1, sizeof(Fields));

        if (!f)
                return -ENOMEM;
        *ret = f;
        return 0;
}

Fields *fields_free(Fields *f) {
        if (!f)
                return NULL;
        cells_free(f->keys, f->n);
        cells_free(f->values, f->n);
        free(f);
        return NULL;
}

int fields_add(Fields *f, const char *key, Color color, const char *value) {
        size_t n = f->n;
        int r;

        r = cells_append(&f->keys, &n, COLOR_NONE, key);
        if (r < 0)
                return r;
        n = f->n;
        r = cells_append(&f->values, &n, color, value);
        if (r < 0) {
                free(f->keys[f->n].text);
                return r;
        }
        f->n = n;
        return 0;
}

int fields_addf(Fields *f, const char *key, Color color, const char *fmt, ...) {
        _cleanup_free_ char *s = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return fields_add(f, key, color, s);
}

int fields_print(const Fields *f, FILE *out, bool color) {
        size_t width = 0;

        for (size_t i = 0; i < f->n; i++)
                width = MAX(width, text_width(f->keys[i].text));

        for (size_t i = 0; i < f->n; i++) {
                const Cell *v = &f->values[i];
                bool paint = color && v->color != COLOR_NONE;
                const char *line = v->text;

                fprintf(out, "%*s%s: ", (int) (width - text_width(f->keys[i].text)), "", f->keys[i].text);
                for (;;) {
                        const char *nl = strchr(line, '\n');
                        int len = nl ? (int) (nl - line) : (int) strlen(line);

                        fprintf(out, "%s%.*s%s\n", paint ? color_codes[v->color] : "", len, line,
                                paint ? ANSI_RESET : "");
                        if (!nl)
                                break;
                        line = nl + 1;
                        fprintf(out, "%*s", (int) width + 2, "");
                }
        }
        return ferror(out) ? -EIO : 0;
}
