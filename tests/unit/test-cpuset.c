/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of CpuSet: bit operations, mask and list parsing and formatting, round trips, bad input. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpuset.h"
#include "macro.h"
#include "test-util.h"

/* Formats s both ways and checks against the expected texts. */
static void assert_forms(const CpuSet *s, const char *mask, const char *list) {
        _cleanup_free_ char *m = NULL, *l = NULL;

        ASSERT_OK(cpuset_format_mask(s, &m));
        ASSERT_OK(cpuset_format_list(s, &l));
        ASSERT_STREQ(m, mask);
        ASSERT_STREQ(l, list);
}

static void test_basic(void) {
        _cleanup_(cpuset_done) CpuSet s = CPUSET_NULL, t = CPUSET_NULL, c = CPUSET_NULL;
        _cleanup_free_ unsigned *a = NULL;
        unsigned n = 99;

        ASSERT_TRUE(cpuset_is_empty(&s));
        ASSERT_EQ(cpuset_count(&s), 0);
        ASSERT_EQ(cpuset_span(&s), 0);
        ASSERT_FALSE(cpuset_isset(&s, 0));
        ASSERT_FALSE(cpuset_isset(&s, 5000));
        assert_forms(&s, "0", "");

        ASSERT_OK(cpuset_to_array(&s, &a, &n));
        ASSERT_TRUE(a == NULL);
        ASSERT_EQ(n, 0);

        ASSERT_OK(cpuset_set(&s, 0));
        ASSERT_OK(cpuset_set(&s, 33));
        ASSERT_OK(cpuset_set(&s, 33));
        ASSERT_OK(cpuset_set(&s, 100));
        ASSERT_FALSE(cpuset_is_empty(&s));
        ASSERT_EQ(cpuset_count(&s), 3);
        ASSERT_EQ(cpuset_span(&s), 101);
        ASSERT_TRUE(cpuset_isset(&s, 0));
        ASSERT_TRUE(cpuset_isset(&s, 33));
        ASSERT_TRUE(cpuset_isset(&s, 100));
        ASSERT_FALSE(cpuset_isset(&s, 1));
        ASSERT_FALSE(cpuset_isset(&s, 32));
        ASSERT_FALSE(cpuset_isset(&s, 101));
        assert_forms(&s, "10,00000000,00000002,00000001", "0,33,100");

        ASSERT_OK(cpuset_to_array(&s, &a, &n));
        ASSERT_EQ(n, 3);
        ASSERT_EQ(a[0], 0);
        ASSERT_EQ(a[1], 33);
        ASSERT_EQ(a[2], 100);

        ASSERT_OK(cpuset_copy(&s, &c));
        ASSERT_TRUE(cpuset_equal(&s, &c));
        ASSERT_TRUE(c.words != s.words);

        /* Overlap needs a common CPU, not just common words. */
        ASSERT_OK(cpuset_set(&t, 34));
        ASSERT_FALSE(cpuset_overlaps(&s, &t));
        ASSERT_FALSE(cpuset_equal(&s, &t));
        ASSERT_OK(cpuset_set(&t, 100));
        ASSERT_TRUE(cpuset_overlaps(&s, &t));
        ASSERT_TRUE(cpuset_overlaps(&t, &s));

        /* Out of range CPU numbers are refused and leave the set alone. */
        ASSERT_EQ(cpuset_set(&t, UINT_MAX), -ERANGE);
        ASSERT_EQ(cpuset_set(&t, 1U << 20), -ERANGE);
        ASSERT_EQ(cpuset_count(&t), 2);
}

static void test_equal_ignores_trailing_zero_words(void) {
        uint32_t long_words[] = { 0x5, 0, 0, 0 }, short_words[] = { 0x5 }, zero_words[] = { 0, 0 };
        CpuSet a = { .words = long_words, .n_words = ELEMENTSOF(long_words) };
        CpuSet b = { .words = short_words, .n_words = ELEMENTSOF(short_words) };
        CpuSet z = { .words = zero_words, .n_words = ELEMENTSOF(zero_words) };
        CpuSet e = CPUSET_NULL;
        _cleanup_(cpuset_done) CpuSet c = CPUSET_NULL;

        ASSERT_TRUE(cpuset_equal(&a, &b));
        ASSERT_TRUE(cpuset_equal(&b, &a));
        ASSERT_TRUE(cpuset_equal(&z, &e));
        ASSERT_TRUE(cpuset_equal(&e, &z));
        ASSERT_TRUE(cpuset_is_empty(&z));
        ASSERT_FALSE(cpuset_equal(&a, &e));
        ASSERT_EQ(cpuset_span(&a), 3);
        assert_forms(&a, "5", "0,2");
        assert_forms(&z, "0", "");

        /* A copy drops the meaningless words. */
        ASSERT_OK(cpuset_copy(&a, &c));
        ASSERT_EQ(c.n_words, 1);
        ASSERT_TRUE(cpuset_equal(&a, &c));
}

static const struct {
        const char *input;
        const char *mask;       /* canonical form */
        const char *list;
} good_masks[] = {
        { "0",                                  "0",                    ""              },
        { "00000000",                           "0",                    ""              },
        { "0,00000000,0",                       "0",                    ""              },
        { "1",                                  "1",                    "0"             },
        { "3",                                  "3",                    "0-1"           },
        { "f",                                  "f",                    "0-3"           },
        { "F",                                  "f",                    "0-3"           },
        { "000f",                               "f",                    "0-3"           },
        { "ffffffff",                           "ffffffff",             "0-31"          },
        { "1,0",                                "1,00000000",           "32"            },
        { "1,00000000",                         "1,00000000",           "32"            },
        { "2,00000000",                         "2,00000000",           "33"            },
        { "ff,00000001",                        "ff,00000001",          "0,32-39"       },
        { "ff,ffffffff",                        "ff,ffffffff",          "0-39"          },
        { "00000000,000000ff",                  "ff",                   "0-7"           },
        { "0,0,1",                              "1",                    "0"             },
        { "000000001",                          "1",                    "0"             },
        { "80000000,0",                         "80000000,00000000",    "63"            },
        { "aAaA",                               "aaaa",                 "1,3,5,7,9,11,13,15" },
        { " f\n",                               "f",                    "0-3"           },
        { "\t\t1,00000003  \n",                 "1,00000003",           "0-1,32"        },
        { "1,0,0,0\n",                          "1,00000000,00000000,00000000", "96" },
};

static const char *const bad_masks[] = {
        "",
        " ",
        "\n",
        "g",
        "1g",
        "0x1",
        "-1",
        "+1",
        "1,,2",
        ",1",
        "1,",
        ",",
        "1 ,2",
        "1, 2",
        "1 2",
        "f\n0",
        "123456789",            /* nine significant digits do not fit a word */
        "fffffffff",
        "1,100000000",
};

static void test_parse_mask(void) {
        for (size_t i = 0; i < ELEMENTSOF(good_masks); i++) {
                _cleanup_(cpuset_done) CpuSet s = CPUSET_NULL, again = CPUSET_NULL;
                _cleanup_free_ char *m = NULL;

                ASSERT_OK(cpuset_parse_mask(good_masks[i].input, &s));
                assert_forms(&s, good_masks[i].mask, good_masks[i].list);

                ASSERT_OK(cpuset_format_mask(&s, &m));
                ASSERT_OK(cpuset_parse_mask(m, &again));
                ASSERT_TRUE(cpuset_equal(&s, &again));
        }

        for (size_t i = 0; i < ELEMENTSOF(bad_masks); i++) {
                CpuSet s = { .words = (uint32_t *) 0x1, .n_words = 4242 };

                if (cpuset_parse_mask(bad_masks[i], &s) != -EINVAL) {
                        fprintf(stderr, "mask \"%s\" was not refused\n", bad_masks[i]);
                        ASSERT_TRUE(false);
                }
                /* Untouched on failure. */
                ASSERT_TRUE(s.words == (uint32_t *) 0x1);
                ASSERT_EQ(s.n_words, 4242);
        }
}

/* A mask of n_words words, all "ffffffff" or all "0". */
static char *make_mask_text(size_t n_words, const char *word) {
        size_t l = strlen(word) + 1;
        char *t = malloc(n_words * l + 1), *p = t;

        ASSERT_TRUE(t);
        for (size_t i = 0; i < n_words; i++) {
                memcpy(p, word, l - 1);
                p += l - 1;
                *p++ = ',';
        }
        p[-1] = 0;
        return t;
}

static void test_sizes(void) {
        _cleanup_(cpuset_done) CpuSet s = CPUSET_NULL, parsed = CPUSET_NULL, listed = CPUSET_NULL;
        _cleanup_free_ char *text = NULL, *m = NULL, *l = NULL, *huge = NULL, *zeros = NULL;
        _cleanup_free_ unsigned *a = NULL;
        unsigned n;

        /* 8192 CPUs, as a big kernel prints them: 256 words. */
        for (unsigned cpu = 0; cpu < 8192; cpu++)
                ASSERT_OK(cpuset_set(&s, cpu));
        ASSERT_EQ(cpuset_count(&s), 8192);
        ASSERT_EQ(cpuset_span(&s), 8192);

        text = make_mask_text(256, "ffffffff");
        ASSERT_OK(cpuset_format_mask(&s, &m));
        ASSERT_STREQ(m, text);
        ASSERT_OK(cpuset_format_list(&s, &l));
        ASSERT_STREQ(l, "0-8191");

        ASSERT_OK(cpuset_parse_mask(text, &parsed));
        ASSERT_TRUE(cpuset_equal(&s, &parsed));
        ASSERT_OK(cpuset_parse_list("0-8191", &listed));
        ASSERT_TRUE(cpuset_equal(&s, &listed));

        ASSERT_OK(cpuset_to_array(&s, &a, &n));
        ASSERT_EQ(n, 8192);
        for (unsigned i = 0; i < n; i++)
                ASSERT_EQ(a[i], i);

        /* Absurdly long masks are refused rather than allocated, even all zero. */
        huge = make_mask_text(100000, "ffffffff");
        zeros = make_mask_text(100000, "0");
        {
                _cleanup_(cpuset_done) CpuSet x = CPUSET_NULL;

                ASSERT_EQ(cpuset_parse_mask(huge, &x), -EINVAL);
                ASSERT_EQ(cpuset_parse_mask(zeros, &x), -EINVAL);
                ASSERT_EQ(cpuset_parse_list("0-4294967295", &x), -EINVAL);
                ASSERT_EQ(cpuset_parse_list("99999999999999999999", &x), -EINVAL);
                ASSERT_TRUE(cpuset_is_empty(&x));
        }
}

static const struct {
        const char *input;
        const char *list;       /* canonical form */
        const char *mask;
} good_lists[] = {
        { "",                   "",             "0"             },
        { " \n",                "",             "0"             },
        { "0",                  "0",            "1"             },
        { "0-0",                "0",            "1"             },
        { "0-3",                "0-3",          "f"             },
        { "0-3,8,10-11",        "0-3,8,10-11",  "d0f"           },
        { "0-3\n",              "0-3",          "f"             },
        { "8,0-3",              "0-3,8",        "10f"           },
        { "0-3,2-5",            "0-5",          "3f"            },
        { "0,1,2,3",            "0-3",          "f"             },
        { "0,2-3",              "0,2-3",        "d"             },
        { "33",                 "33",           "2,00000000"    },
        { "32-39,0",            "0,32-39",      "ff,00000001"   },
        { "007",                "7",            "80"            },
        { "31-32",              "31-32",        "1,80000000"    },
};

static const char *const bad_lists[] = {
        "a",
        "-",
        "-1",
        "1-",
        "3-1",
        "1,,2",
        ",1",
        "1,",
        ",",
        "1 ,2",
        "1, 2",
        "0-3 8",
        "1-2-3",
        "0x1",
        "1:2",
};

static void test_parse_list(void) {
        for (size_t i = 0; i < ELEMENTSOF(good_lists); i++) {
                _cleanup_(cpuset_done) CpuSet s = CPUSET_NULL, again = CPUSET_NULL;
                _cleanup_free_ char *l = NULL;

                ASSERT_OK(cpuset_parse_list(good_lists[i].input, &s));
                assert_forms(&s, good_lists[i].mask, good_lists[i].list);

                ASSERT_OK(cpuset_format_list(&s, &l));
                ASSERT_OK(cpuset_parse_list(l, &again));
                ASSERT_TRUE(cpuset_equal(&s, &again));
        }

        for (size_t i = 0; i < ELEMENTSOF(bad_lists); i++) {
                CpuSet s = { .words = (uint32_t *) 0x1, .n_words = 4242 };

                if (cpuset_parse_list(bad_lists[i], &s) != -EINVAL) {
                        fprintf(stderr, "list \"%s\" was not refused\n", bad_lists[i]);
                        ASSERT_TRUE(false);
                }
                ASSERT_TRUE(s.words == (uint32_t *) 0x1);
                ASSERT_EQ(s.n_words, 4242);
        }
}

/* Deterministic pseudo-random sets of many shapes survive both text forms unchanged. */
static void test_round_trips(void) {
        uint64_t state = 0x2545f4914f6cdd1dULL;

        for (unsigned round = 0; round < 400; round++) {
                _cleanup_(cpuset_done) CpuSet s = CPUSET_NULL, m = CPUSET_NULL, l = CPUSET_NULL;
                _cleanup_(cpuset_done) CpuSet c = CPUSET_NULL;
                _cleanup_free_ char *mask = NULL, *list = NULL;
                _cleanup_free_ unsigned *a = NULL;
                unsigned span = 1 + round * 20, n_set = 0, n, prev;

                for (unsigned cpu = 0; cpu < span; cpu++) {
                        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
                        /* Vary the density from sparse to nearly full. */
                        if ((state >> 33) % 8 < round % 9) {
                                ASSERT_OK(cpuset_set(&s, cpu));
                                n_set++;
                        }
                }
                ASSERT_EQ(cpuset_count(&s), n_set);

                ASSERT_OK(cpuset_format_mask(&s, &mask));
                ASSERT_OK(cpuset_format_list(&s, &list));
                ASSERT_OK(cpuset_parse_mask(mask, &m));
                ASSERT_OK(cpuset_parse_list(list, &l));
                ASSERT_TRUE(cpuset_equal(&s, &m));
                ASSERT_TRUE(cpuset_equal(&s, &l));
                ASSERT_OK(cpuset_copy(&s, &c));
                ASSERT_TRUE(cpuset_equal(&s, &c));

                /* The shortest form: no leading zeros unless the set is empty. */
                ASSERT_TRUE(mask[0] != '0' || streq(mask, "0"));
                ASSERT_EQ(streq(mask, "0"), n_set == 0);

                ASSERT_OK(cpuset_to_array(&s, &a, &n));
                ASSERT_EQ(n, n_set);
                prev = 0;
                for (unsigned i = 0; i < n; i++) {
                        ASSERT_TRUE(cpuset_isset(&s, a[i]));
                        ASSERT_TRUE(i == 0 || a[i] > prev);
                        prev = a[i];
                }
                ASSERT_EQ(cpuset_span(&s), n == 0 ? 0 : a[n - 1] + 1);
        }
}

int main(void) {
        test_basic();
        test_equal_ignores_trailing_zero_words();
        test_parse_mask();
        test_sizes();
        test_parse_list();
        test_round_trips();

        printf("test-cpuset: all passed\n");
        return 0;
}
