/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What both daemons' managers do with a link or the sysctls: read a snapshot, run a plan with its
 * originals recorded first, and plan the sysctls and their revert. */
#pragma once

#include "audit.h"
#include "ethtool-nl.h"
#include "executor.h"
#include "link-policy.h"
#include "netdev.h"
#include "originals.h"
#include "plan.h"
#include "rtnl-link.h"

/* The kernel handles production code runs plans against. */
typedef struct TunerKernel {
        EthtoolNl *ethtool;     /* NULL when the kernel has no ethtool netlink */
        RtnlLink *rtnl;
        /* The queues directory set_xps writes below, opened once per plan (tuner_execute) from the
         * ifindex; valid while xps_ifindex > 0. */
        int xps_ifindex;
        int xps_queues_fd;
        /* An AF_UNIX socket for SIOCGIFNAME, opened at the first use; valid while have_ioctl_fd. */
        bool have_ioctl_fd;
        int ioctl_fd;
} TunerKernel;

/* Closes what the handles above opened (not the ethtool and rtnl adapters, which the caller owns). */
void tuner_kernel_done(TunerKernel *k);

/* Closes the directory set_xps opened: call around running a plan with the production ops directly. */
void tuner_kernel_forget_name(TunerKernel *k);

/* The production KernelOps: userdata is a TunerKernel. */
extern const KernelOps tuner_kernel_ops;

/* Reads rtnl, channels, offloads and XPS of a link into snap (driver from sysfs when snap has none).
 * -ENODEV when the link is gone; the other parts record their own errors in the snapshot. */
int tuner_read_link(TunerKernel *k, int ifindex, NetdevSnapshot *snap);

/* Records the original of every action that will change something (persisted before the change),
 * executes the plan, and drops the records made for actions that failed (nothing changed there).
 * An action whose original cannot be recorded is refused rather than executed. */
int tuner_execute(const KernelOps *ops, void *userdata, int ifindex, const char *ifname, Plan *plan,
                  Originals *originals);

/* Loads recorded originals; an unreadable or cut-short file is moved aside (never overwritten) and
 * reported, and recording starts afresh. Fails only on -ENOMEM. */
int tuner_load_originals(const char *path, Originals *ret);

/* The sysctl part of a daemon config against the values in /proc/sys now. */
int tuner_plan_sysctls(const DaemonConfig *c, Plan *ret);
/* Restoring recorded sysctl originals, skipping those already back at their original. */
int tuner_plan_sysctls_revert(const Originals *o, Plan *ret);

/* Makes the config's sysctls true (originals recorded first) and logs each change, and each
 * failure or refusal once per key (*reported). */
void tuner_apply_sysctls(TunerKernel *k, const DaemonConfig *c, Originals *originals, Reason reason, uint32_t uid,
                         char ***reported);
/* Restores the recorded sysctl originals; returns how many could not be restored (kept for another
 * try), *errors (may be NULL) gets the first reason. */
int tuner_revert_sysctls(TunerKernel *k, Originals *originals, uint32_t uid, char **errors);
