/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CPU sets of any size: the kernel's hex mask format (32-bit words, comma separated) and CPU lists. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* words[0] holds CPUs 0..31. Trailing zero words carry no meaning: equality ignores them. */
typedef struct CpuSet {
        uint32_t *words;
        size_t n_words;
} CpuSet;

#define CPUSET_NULL ((CpuSet) {})

void cpuset_done(CpuSet *s);
int cpuset_set(CpuSet *s, unsigned cpu);
bool cpuset_isset(const CpuSet *s, unsigned cpu);
unsigned cpuset_count(const CpuSet *s);
bool cpuset_equal(const CpuSet *a, const CpuSet *b);
bool cpuset_overlaps(const CpuSet *a, const CpuSet *b);
bool cpuset_is_empty(const CpuSet *s);
int cpuset_copy(const CpuSet *s, CpuSet *ret);
/* Highest set CPU + 1 (0 for the empty set). */
unsigned cpuset_span(const CpuSet *s);

/* "ff,00000001" as in /sys/class/net/X/queues/tx-N/xps_cpus; whitespace around it is ignored. */
int cpuset_parse_mask(const char *s, CpuSet *ret);
/* "0-3,8,10-11" as in /sys/devices/system/cpu/online; "" is the empty set. */
int cpuset_parse_list(const char *s, CpuSet *ret);
/* Shortest mask form: "0" for the empty set, "f", "1,00000000" for CPU 32. */
int cpuset_format_mask(const CpuSet *s, char **ret);
/* List form, "0-3,8"; "" for the empty set. */
int cpuset_format_list(const CpuSet *s, char **ret);
/* The set CPUs in ascending order; *ret_n is their count. */
int cpuset_to_array(const CpuSet *s, unsigned **ret, unsigned *ret_n);
