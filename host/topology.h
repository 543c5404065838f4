/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CPU topology (NUMA nodes, SMT siblings, isolated CPUs) read from sysfs under a root tests can replace. */
#pragma once

#include "cpuset.h"

typedef struct CpuTopology {
        unsigned n_cpus;        /* highest possible CPU id + 1 */
        CpuSet online;
        CpuSet isolated;        /* /sys/devices/system/cpu/isolated */
        unsigned n_nodes;       /* 1 when the machine has no NUMA information */
        CpuSet *node_cpus;      /* n_nodes sets */
        int *node_of_cpu;       /* n_cpus entries, -1 unknown */
        CpuSet *siblings;       /* n_cpus sets: thread_siblings_list of each CPU (itself at least) */
} CpuTopology;

void topology_done(CpuTopology *t);
/* Reads SYSROOT/sys/devices/system/{cpu,node}; sysroot NULL or "" is the real /sys. */
int topology_read(const char *sysroot, CpuTopology *ret);
