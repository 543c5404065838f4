/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CPU sets of any size: bit operations plus the kernel's hex mask and CPU list text forms. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpuset.h"
#include "macro.h"

#define WORD_BITS 32U

/* Far above any kernel's NR_CPUS (8192 at most today); bounds what malformed input can make us allocate. */
#define CPUSET_CPUS_MAX (1U << 16)
#define CPUSET_WORDS_MAX (CPUSET_CPUS_MAX / WORD_BITS)

void cpuset_done(CpuSet *s) {
        if (!s)
                return;
        free(s->words);
        *s = CPUSET_NULL;
}

static uint32_t word_at(const CpuSet *s, size_t i) {
        return i < s->n_words ? s->words[i] : 0;
}

/* Number of words up to and including the highest non-zero one. */
static size_t used_words(const CpuSet *s) {
        size_t n = s->n_words;

        while (n > 0 && s->words[n - 1] == 0)
                n--;
        return n;
}

static int cpuset_grow(CpuSet *s, size_t n_words) {
        uint32_t *w;

        if (n_words <= s->n_words)
                return 0;
        if (n_words > CPUSET_WORDS_MAX)
                return -ERANGE;

        w = realloc(s->words, n_words * sizeof(uint32_t));
        if (!w)
                return -ENOMEM;
        memset(w + s->n_words, 0, (n_words - s->n_words) * sizeof(uint32_t));
        s->words = w;
        s->n_words = n_words;
        return 0;
}

int cpuset_set(CpuSet *s, unsigned cpu) {
        int r;

        assert(s);

        if (cpu >= CPUSET_CPUS_MAX)
                return -ERANGE;

        r = cpuset_grow(s, cpu / WORD_BITS + 1);
        if (r < 0)
                return r;

        s->words[cpu / WORD_BITS] |= UINT32_C(1) << (cpu % WORD_BITS);
        return 0;
}

/* Sets first..last inclusive; the caller has checked last < CPUSET_CPUS_MAX. */
static int cpuset_set_range(CpuSet *s, unsigned first, unsigned last) {
        int r;

        r = cpuset_grow(s, last / WORD_BITS + 1);
        if (r < 0)
                return r;

        for (unsigned cpu = first; cpu <= last; cpu++)
                s->words[cpu / WORD_BITS] |= UINT32_C(1) << (cpu % WORD_BITS);
        return 0;
}

bool cpuset_isset(const CpuSet *s, unsigned cpu) {
        assert(s);
        return (word_at(s, cpu / WORD_BITS) >> (cpu % WORD_BITS)) & 1;
}

unsigned cpuset_count(const CpuSet *s) {
        unsigned n = 0;

        assert(s);
        for (size_t i = 0; i < s->n_words; i++)
                n += (unsigned) __builtin_popcount(s->words[i]);
        return n;
}

bool cpuset_equal(const CpuSet *a, const CpuSet *b) {
        size_t n;

        assert(a);
        assert(b);

        n = MAX(a->n_words, b->n_words);
        for (size_t i = 0; i < n; i++)
                if (word_at(a, i) != word_at(b, i))
                        return false;
        return true;
}

bool cpuset_overlaps(const CpuSet *a, const CpuSet *b) {
        size_t n;

        assert(a);
        assert(b);

        n = MIN(a->n_words, b->n_words);
        for (size_t i = 0; i < n; i++)
                if (a->words[i] & b->words[i])
                        return true;
        return false;
}

bool cpuset_is_empty(const CpuSet *s) {
        assert(s);
        return used_words(s) == 0;
}

int cpuset_copy(const CpuSet *s, CpuSet *ret) {
        uint32_t *w;
        size_t n;

        assert(s);
        assert(ret);

        n = used_words(s);
        if (n == 0) {
                *ret = CPUSET_NULL;
                return 0;
        }

        w = malloc(n * sizeof(uint32_t));
        if (!w)
                return -ENOMEM;
        memcpy(w, s->words, n * sizeof(uint32_t));

        *ret = (CpuSet) { .words = w, .n_words = n };
        return 0;
}

unsigned cpuset_span(const CpuSet *s) {
        size_t n;

        assert(s);

        n = used_words(s);
        if (n == 0)
                return 0;
        return (unsigned) ((n - 1) * WORD_BITS) + WORD_BITS - (unsigned) __builtin_clz(s->words[n - 1]);
}

/* Lowest set CPU >= from, or false if there is none. */
static bool next_set(const CpuSet *s, unsigned from, unsigned *ret) {
        for (size_t i = from / WORD_BITS; i < s->n_words; i++) {
                uint32_t w = s->words[i];

                if (i == from / WORD_BITS)
                        w &= UINT32_MAX << (from % WORD_BITS);
                if (w != 0) {
                        *ret = (unsigned) (i * WORD_BITS) + (unsigned) __builtin_ctz(w);
                        return true;
                }
        }
        return false;
}

/* Lowest clear CPU >= from; every set has one since its storage is finite. */
static unsigned next_clear(const CpuSet *s, unsigned from) {
        for (size_t i = from / WORD_BITS; i < s->n_words; i++) {
                uint32_t w = ~s->words[i];

                if (i == from / WORD_BITS)
                        w &= UINT32_MAX << (from % WORD_BITS);
                if (w != 0)
                        return (unsigned) (i * WORD_BITS) + (unsigned) __builtin_ctz(w);
        }
        return MAX(from, (unsigned) (s->n_words * WORD_BITS));
}

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Narrows [*b, *e) to exclude surrounding whitespace. */
static void trim(const char **b, const char **e) {
        while (*b < *e && is_space(**b))
                (*b)++;
        while (*e > *b && is_space((*e)[-1]))
                (*e)--;
}

static int hex_digit(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -EINVAL;
}

int cpuset_parse_mask(const char *s, CpuSet *ret) {
        _cleanup_free_ uint32_t *words = NULL;
        const char *b = s, *e, *p;
        size_t n_words = 1, i, used;

        assert(s);
        assert(ret);

        e = s + strlen(s);
        trim(&b, &e);
        if (b == e)
                return -EINVAL;

        for (p = b; p < e; p++)
                if (*p == ',')
                        n_words++;
        if (n_words > CPUSET_WORDS_MAX)
                return -EINVAL;

        words = calloc(n_words, sizeof(uint32_t));
        if (!words)
                return -ENOMEM;

        /* The first word in the text is the most significant one. */
        i = n_words;
        p = b;
        for (;;) {
                uint32_t v = 0;
                unsigned significant = 0;
                bool any = false;

                for (; p < e && *p != ','; p++) {
                        int d = hex_digit(*p);

                        if (d < 0)
                                return -EINVAL;
                        any = true;
                        if (v == 0 && d == 0)
                                continue;       /* leading zero */
                        if (++significant > 8)
                                return -EINVAL;
                        v = (v << 4) | (uint32_t) d;
                }
                if (!any)
                        return -EINVAL;

                words[--i] = v;
                if (p == e)
                        break;
                p++;                            /* the comma */
        }
        assert(i == 0);

        used = n_words;
        while (used > 0 && words[used - 1] == 0)
                used--;
        if (used == 0) {
                *ret = CPUSET_NULL;
                return 0;
        }

        *ret = (CpuSet) { .words = TAKE_PTR(words), .n_words = used };
        return 0;
}

/* A decimal CPU number below CPUSET_CPUS_MAX; advances *p past it. */
static int parse_cpu(const char **p, const char *e, unsigned *ret) {
        unsigned v = 0;
        const char *q = *p;

        if (q >= e || *q < '0' || *q > '9')
                return -EINVAL;
        for (; q < e && *q >= '0' && *q <= '9'; q++) {
                v = v * 10 + (unsigned) (*q - '0');
                if (v >= CPUSET_CPUS_MAX)
                        return -EINVAL;
        }

        *p = q;
        *ret = v;
        return 0;
}

int cpuset_parse_list(const char *s, CpuSet *ret) {
        _cleanup_(cpuset_done) CpuSet set = CPUSET_NULL;
        const char *b = s, *e, *p;
        int r;

        assert(s);
        assert(ret);

        e = s + strlen(s);
        trim(&b, &e);

        p = b;
        while (p < e) {
                unsigned first, last;

                r = parse_cpu(&p, e, &first);
                if (r < 0)
                        return r;
                last = first;
                if (p < e && *p == '-') {
                        p++;
                        r = parse_cpu(&p, e, &last);
                        if (r < 0)
                                return r;
                        if (last < first)
                                return -EINVAL;
                }

                r = cpuset_set_range(&set, first, last);
                if (r < 0)
                        return r;

                if (p == e)
                        break;
                if (*p != ',')
                        return -EINVAL;
                p++;
                if (p == e)
                        return -EINVAL;         /* trailing comma */
        }

        *ret = set;
        set = CPUSET_NULL;
        return 0;
}

int cpuset_format_mask(const CpuSet *s, char **ret) {
        char *buf, *p;
        size_t n, size;

        assert(s);
        assert(ret);

        n = used_words(s);
        if (n == 0) {
                buf = strdup("0");
                if (!buf)
                        return -ENOMEM;
                *ret = buf;
                return 0;
        }

        /* Up to 8 digits for the first word, a comma and 8 digits for each further one. */
        size = 8 + 9 * (n - 1) + 1;
        buf = malloc(size);
        if (!buf)
                return -ENOMEM;

        p = buf;
        p += snprintf(p, size, "%" PRIx32, s->words[n - 1]);
        for (size_t i = n - 1; i > 0; i--)
                p += snprintf(p, size - (size_t) (p - buf), ",%08" PRIx32, s->words[i - 1]);

        *ret = buf;
        return 0;
}

int cpuset_format_list(const CpuSet *s, char **ret) {
        size_t n_ranges = 0, size;
        unsigned cpu = 0, first;
        char *buf, *p;

        assert(s);
        assert(ret);

        for (cpu = 0; next_set(s, cpu, &first); cpu = next_clear(s, first))
                n_ranges++;

        /* Each range: two numbers of up to 10 digits, a dash and a separator. */
        size = n_ranges * 22 + 1;
        buf = malloc(size);
        if (!buf)
                return -ENOMEM;

        p = buf;
        *p = 0;
        cpu = 0;
        while (next_set(s, cpu, &first)) {
                unsigned last;

                cpu = next_clear(s, first);
                last = cpu - 1;
                if (last == first)
                        p += snprintf(p, size - (size_t) (p - buf), "%s%u", p == buf ? "" : ",", first);
                else
                        p += snprintf(p, size - (size_t) (p - buf), "%s%u-%u", p == buf ? "" : ",",
                                      first, last);
        }

        *ret = buf;
        return 0;
}

int cpuset_to_array(const CpuSet *s, unsigned **ret, unsigned *ret_n) {
        unsigned n, i = 0, cpu = 0, *a;

        assert(s);
        assert(ret);
        assert(ret_n);

        n = cpuset_count(s);
        if (n == 0) {
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }

        a = malloc(n * sizeof(unsigned));
        if (!a)
                return -ENOMEM;

        while (next_set(s, cpu, &cpu)) {
                a[i++] = cpu;
                cpu++;
        }
        assert(i == n);

        *ret = a;
        *ret_n = n;
        return 0;
}
