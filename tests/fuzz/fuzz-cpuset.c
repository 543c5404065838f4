/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz harness: cpuset_parse_mask() and cpuset_parse_list() on arbitrary text, and the round trips
 * that must hold for whatever they accept: format then parse gives the same set, in both forms. */
#include <stdlib.h>

#include "cpuset.h"
#include "fuzz.h"

static void round_trip(const CpuSet *s) {
        CpuSet a = CPUSET_NULL, b = CPUSET_NULL;
        char *mask = NULL, *list = NULL;
        unsigned *cpus = NULL, n = 0;

        FUZZ_CHECK(cpuset_format_mask(s, &mask) >= 0);
        FUZZ_CHECK(cpuset_parse_mask(mask, &a) >= 0);
        FUZZ_CHECK(cpuset_equal(s, &a));

        FUZZ_CHECK(cpuset_format_list(s, &list) >= 0);
        FUZZ_CHECK(cpuset_parse_list(list, &b) >= 0);
        FUZZ_CHECK(cpuset_equal(s, &b));

        FUZZ_CHECK(cpuset_to_array(s, &cpus, &n) >= 0);
        FUZZ_CHECK(n == cpuset_count(s));
        for (unsigned i = 0; i < n; i++) {
                FUZZ_CHECK(cpuset_isset(s, cpus[i]));
                FUZZ_CHECK(i == 0 || cpus[i - 1] < cpus[i]);
        }
        FUZZ_CHECK(cpuset_span(s) == (n > 0 ? cpus[n - 1] + 1 : 0));
        FUZZ_CHECK(cpuset_is_empty(s) == (n == 0));

        free(cpus);
        free(mask);
        free(list);
        cpuset_done(&a);
        cpuset_done(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        CpuSet s = CPUSET_NULL;
        char *text;

        if (size > FUZZ_MAX_INPUT)
                return 0;
        text = fuzz_strndup(data, size);

        if (cpuset_parse_mask(text, &s) >= 0) {
                round_trip(&s);
                cpuset_done(&s);
        }
        s = CPUSET_NULL;
        if (cpuset_parse_list(text, &s) >= 0) {
                round_trip(&s);
                cpuset_done(&s);
        }

        free(text);
        return 0;
}
