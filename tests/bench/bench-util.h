/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small helpers shared by the benchmark programs: the monotonic clock, number parsing, percentiles. */
#pragma once

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* CLOCK_MONOTONIC in microseconds: the clock udev's USEC_INITIALIZED uses. */
static inline uint64_t bench_now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

static inline double usec_to_ms(int64_t usec) {
        return (double) usec / 1000.0;
}

static inline int bench_parse_uint(const char *s, unsigned max, unsigned *ret) {
        unsigned long v;
        char *end;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno != 0 || end == s || *end || v > max)
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

static int bench_cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;

        return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array of n > 0 values. */
static inline double bench_percentile(const double *sorted, size_t n, double p) {
        size_t rank = (size_t) (p / 100.0 * (double) n + 0.999999);

        if (rank < 1)
                rank = 1;
        if (rank > n)
                rank = n;
        return sorted[rank - 1];
}

/* Sorts v in place and prints NAME_p50_ms, NAME_p99_ms and NAME_max_ms. */
static inline void bench_print_distribution(const char *name, double *v, size_t n) {
        if (n == 0) {
                printf("%s_p50_ms=n/a\n%s_p99_ms=n/a\n%s_max_ms=n/a\n", name, name, name);
                return;
        }
        qsort(v, n, sizeof(double), bench_cmp_double);
        printf("%s_p50_ms=%.3f\n%s_p99_ms=%.3f\n%s_max_ms=%.3f\n", name, bench_percentile(v, n, 50), name,
               bench_percentile(v, n, 99), name, v[n - 1]);
}
