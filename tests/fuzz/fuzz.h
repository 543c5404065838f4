/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What every fuzz harness shares: the libFuzzer entry point and turning raw input into the C string
 * or bounded buffer a parser takes. Harnesses link either libFuzzer (-Dfuzz=true under clang) or
 * replay-main.c, which runs the same entry point over files (the corpus replay unit tests). */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs past this size teach a parser nothing new and only slow the fuzzer down. */
#define FUZZ_MAX_INPUT (64 * 1024)

/* A property of the code under test does not hold: abort, so libFuzzer keeps the input. */
#define FUZZ_CHECK(expr)                                                                        \
        do {                                                                                    \
                if (!(expr)) {                                                                  \
                        fprintf(stderr, "%s:%d: fuzz property violated: %s\n", __FILE__,        \
                                __LINE__, #expr);                                               \
                        abort();                                                                \
                }                                                                               \
        } while (0)

/* A NUL-terminated heap copy of the input (NUL bytes inside are kept: the parser sees the prefix). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size) {
        char *s = malloc(size + 1);

        if (!s)
                abort();
        if (size > 0)
                memcpy(s, data, size);
        s[size] = 0;
        return s;
}

/* An exact-size heap copy, so that reading one byte past the input is caught by ASan/valgrind
 * (libFuzzer's own buffer has that property, a replayed file read into a larger buffer would not). */
static inline void *fuzz_memdup(const uint8_t *data, size_t size) {
        void *p = malloc(size > 0 ? size : 1);

        if (!p)
                abort();
        if (size > 0)
                memcpy(p, data, size);
        return p;
}
