/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Executes a plan's actions one by one through the kernel-ops table, recording each result. */
#include <stdlib.h>

#include "executor.h"
#include "macro.h"

static int run_one(const KernelOps *ops, void *userdata, int ifindex, const char *ifname, Action *a) {
        switch (a->kind) {
        case ACTION_CHANNELS:
                return ops->set_channels ? ops->set_channels(userdata, ifindex, &a->channels, &a->error)
                                         : -EOPNOTSUPP;
        case ACTION_XPS:
                return ops->set_xps ? ops->set_xps(userdata, ifindex, ifname, a->xps.queue, &a->xps.mask)
                                    : -EOPNOTSUPP;
        case ACTION_MTU:
                return ops->set_mtu ? ops->set_mtu(userdata, ifindex, a->mtu, &a->error) : -EOPNOTSUPP;
        case ACTION_TXQUEUELEN:
                return ops->set_txqueuelen ? ops->set_txqueuelen(userdata, ifindex, a->txqueuelen, &a->error)
                                           : -EOPNOTSUPP;
        case ACTION_OFFLOAD:
                return ops->set_offload ? ops->set_offload(userdata, ifindex, a->offload.offload,
                                                           a->offload.on, &a->error)
                                        : -EOPNOTSUPP;
        case ACTION_AFFINITY:
                return ops->set_affinity ? ops->set_affinity(userdata, a->affinity.tid, &a->affinity.cpus)
                                         : -EOPNOTSUPP;
        case ACTION_SYSCTL:
                return ops->set_sysctl ? ops->set_sysctl(userdata, a->sysctl.key, a->sysctl.value)
                                       : -EOPNOTSUPP;
        default:
                return -EINVAL;
        }
}

int executor_run(const KernelOps *ops, void *userdata, int ifindex, const char *ifname, Plan *plan) {
        bool channels_failed = false;
        int n_failed = 0;

        for (size_t i = 0; i < plan->n; i++) {
                Action *a = &plan->actions[i];

                if (a->refused)
                        continue;
                if (a->kind == ACTION_XPS && channels_failed)
                        /* The masks were computed for a queue count we did not get. */
                        a->result = -ECANCELED;
                else {
                        a->result = run_one(ops, userdata, ifindex, ifname, a);
                        if (a->result > 0)
                                a->result = 0;
                }
                a->done = a->result >= 0;
                if (a->result < 0) {
                        n_failed++;
                        if (a->kind == ACTION_CHANNELS)
                                channels_failed = true;
                }
        }
        return n_failed;
}
