/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure vhost worker placement: topology + VMs' threads in, one CPU set per worker out. */
#pragma once

#include <errno.h>
#include <sys/types.h>

#include "cpuset.h"
#include "topology.h"

typedef enum PlacementMode {
        PLACEMENT_NUMA,         /* on the node of the VM's vCPUs, off its vCPU CPUs, least-loaded CPU */
        PLACEMENT_EMULATOR,     /* the affinity of the VM's emulator threads */
        PLACEMENT_LIST,         /* an explicit CPU list, least-loaded CPU of it */
        PLACEMENT_OFF,
        _PLACEMENT_MODE_MAX,
        _PLACEMENT_MODE_INVALID = -EINVAL,
} PlacementMode;

const char *placement_mode_to_string(PlacementMode m);
PlacementMode placement_mode_from_string(const char *s);

typedef struct PlacementVm {
        pid_t pid;
        CpuSet vcpu_cpus;       /* union of the vCPU threads' affinity */
        CpuSet emulator_cpus;   /* union of the emulator threads' affinity */
        pid_t *workers;         /* vhost worker tids */
        size_t n_workers;
} PlacementVm;

typedef struct PlacementResult {
        pid_t tid;
        pid_t vm;
        CpuSet cpus;            /* where to pin it */
        int node;               /* NUMA node chosen, -1 for modes without one */
        const char *why;        /* static text: "numa node 1, off the VM's vCPUs", ... */
} PlacementResult;

typedef struct Placement {
        PlacementResult *results;
        size_t n;
} Placement;

void placement_done(Placement *p);

/* Places every worker of every VM. list is used by PLACEMENT_LIST (must name only online CPUs:
 * -EINVAL otherwise). Deterministic: VMs and workers are handled in the order given; load counts
 * include workers already placed in this call. PLACEMENT_OFF yields no results. */
int placement_compute(const CpuTopology *t, PlacementMode mode, const CpuSet *list, const PlacementVm *vms,
                      size_t n_vms, Placement *ret);
