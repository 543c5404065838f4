/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Benchmark helper: prefixes each line read on stdin with the CLOCK_MONOTONIC microsecond it arrived
 * (to time a daemon's log lines through a pipe), or with --now prints that clock once. */
#include <stdio.h>
#include <string.h>

#include "bench-util.h"

int main(int argc, char *argv[]) {
        char *line = NULL;
        size_t size = 0;
        ssize_t n;

        if (argc == 2 && strcmp(argv[1], "--now") == 0) {
                printf("%llu\n", (unsigned long long) bench_now_usec());
                return 0;
        }
        if (argc != 1) {
                fprintf(stderr, "Usage: vnt-bench-stamp [--now] <LINES\n");
                return 2;
        }
        setvbuf(stdout, NULL, _IOLBF, 0);
        while ((n = getline(&line, &size, stdin)) >= 0) {
                unsigned long long t = bench_now_usec();

                printf("%llu\t%s%s", t, line, n > 0 && line[n - 1] == '\n' ? "" : "\n");
        }
        free(line);
        return 0;
}
