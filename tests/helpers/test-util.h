/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Assertions and skip handling shared by the C tests: a failed check aborts with file:line. */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_TEST_SKIP 77

#define ASSERT_TRUE(expr)                                                               \
        do {                                                                            \
                if (!(expr)) {                                                          \
                        fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__,      \
                                __LINE__, #expr);                                       \
                        abort();                                                        \
                }                                                                       \
        } while (0)

#define ASSERT_FALSE(expr) ASSERT_TRUE(!(expr))

#define ASSERT_EQ(a, b)                                                                 \
        do {                                                                            \
                long long _a = (long long) (a), _b = (long long) (b);                   \
                if (_a != _b) {                                                         \
                        fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n",       \
                                __FILE__, __LINE__, #a, #b, _a, _b);                    \
                        abort();                                                        \
                }                                                                       \
        } while (0)

#define ASSERT_OK(expr)                                                                 \
        do {                                                                            \
                long long _r = (long long) (expr);                                      \
                if (_r < 0) {                                                           \
                        fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__,   \
                                #expr, strerror((int) -_r));                            \
                        abort();                                                        \
                }                                                                       \
        } while (0)

#define ASSERT_STREQ(a, b)                                                              \
        do {                                                                            \
                const char *_a = (a), *_b = (b);                                        \
                if (!_a || !_b || strcmp(_a, _b) != 0) {                                \
                        fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n",   \
                                __FILE__, __LINE__, #a, #b, _a ?: "(null)",             \
                                _b ?: "(null)");                                        \
                        abort();                                                        \
                }                                                                       \
        } while (0)

/* Exit 77 with the reason on stderr. */
#define TEST_SKIP(...)                                                                  \
        do {                                                                            \
                fprintf(stderr, "SKIP: " __VA_ARGS__);                                  \
                fputc('\n', stderr);                                                    \
                exit(EXIT_TEST_SKIP);                                                   \
        } while (0)
