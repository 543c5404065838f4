/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs a plan through a table of kernel operations; production wires the adapters, tests a recorder. */
#pragma once

#include "plan.h"

typedef struct KernelOps {
        /* Each returns 0 or -errno; *ret_error may receive a kernel extack message (caller frees). */
        int (*set_channels)(void *userdata, int ifindex, const Channels *c, char **ret_error);
        int (*set_xps)(void *userdata, int ifindex, const char *ifname, unsigned queue, const CpuSet *mask);
        int (*set_mtu)(void *userdata, int ifindex, uint32_t mtu, char **ret_error);
        int (*set_txqueuelen)(void *userdata, int ifindex, uint32_t qlen, char **ret_error);
        int (*set_offload)(void *userdata, int ifindex, Offload o, bool on, char **ret_error);
        int (*set_sysctl)(void *userdata, const char *key, const char *value);
        int (*set_affinity)(void *userdata, pid_t tid, const CpuSet *cpus);
} KernelOps;

/* Executes every action not refused, in order, each independently: one failure does not stop the
 * rest, except that XPS actions after a failed channel change are skipped (-ECANCELED). Results go
 * into the actions. Returns the number of failed actions. */
int executor_run(const KernelOps *ops, void *userdata, int ifindex, const char *ifname, Plan *plan);
