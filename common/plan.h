/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pure planner: a device snapshot + policy + online CPUs in, an ordered list of actions out. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cpuset.h"
#include "link-policy.h"
#include "netdev.h"

typedef enum ActionKind {
        ACTION_CHANNELS,
        ACTION_XPS,
        ACTION_MTU,
        ACTION_TXQUEUELEN,
        ACTION_OFFLOAD,
        ACTION_SYSCTL,
        ACTION_AFFINITY,        /* CPU affinity of one thread (vhost worker placement on hosts) */
        _ACTION_KIND_MAX,
        _ACTION_KIND_INVALID = -EINVAL,
} ActionKind;

typedef struct Action {
        ActionKind kind;
        char *setting;          /* "channels", "xps:tx-3", "mtu", "txqueuelen", "offload:gro", "sysctl:KEY" */
        char *current;          /* human form of the value now, "" when there is none */
        char *desired;          /* human form of the value wanted */
        char *refused;          /* non-NULL: the policy asks for something this device cannot do; not executed */

        union {
                Channels channels;              /* counts to set (rx/tx or combined) */
                struct {
                        unsigned queue;
                        CpuSet mask;
                } xps;
                uint32_t mtu;
                uint32_t txqueuelen;
                struct {
                        Offload offload;
                        bool on;
                } offload;
                struct {
                        char *key;
                        char *value;
                } sysctl;
                struct {
                        pid_t tid;
                        CpuSet cpus;
                } affinity;
        };

        /* Filled by the executor. */
        bool done;
        int result;             /* 0 or -errno */
        char *error;            /* kernel's extack message if any */
} Action;

typedef struct Plan {
        Action *actions;
        size_t n;
} Plan;

void plan_done(Plan *p);
/* Number of actions that would change something (not refused). */
size_t plan_n_changes(const Plan *p);

/* What channel count a policy asks for on this device, or -ENODATA for keep / not applicable. */
int plan_channels_target(const LinkSettings *s, const Channels *c, unsigned n_online_cpus, uint32_t *ret);

/* XPS "auto": the mask of tx queue q out of n_queues over the given online CPUs (ascending ids):
 * CPUs == queues: queue i gets CPU i; CPUs > queues: contiguous balanced groups; fewer CPUs: round robin. */
int plan_xps_auto_mask(const unsigned *cpus, unsigned n_cpus, unsigned q, unsigned n_queues, CpuSet *ret);

/* Plans one link: channels first, then XPS (re-written in full when channels change, since drivers
 * reset XPS then), MTU, transmit queue length, offloads. No-op settings produce no action. */
int plan_link(const NetdevSnapshot *snap, const LinkSettings *s, const CpuSet *online, Plan *ret);

/* The values a link has now for every setting the policy manages (channels, the XPS mask of each
 * existing tx queue, MTU, txqueuelen, each managed offload), as (setting, value) pairs in the same
 * form as Action.setting/current: what a daemon records as originals when it takes a link over,
 * so that Revert restores the link as it found it, not as it was at the first change. */
int plan_baseline(const NetdevSnapshot *snap, const LinkSettings *s, char ***ret_settings, char ***ret_values,
                  size_t *ret_n);

/* Plans the sysctls: desired list against current values (NULL current = not present: refused). */
int plan_sysctls(const SysctlSetting *want, size_t n_want, char *const *current, Plan *ret);

/* One affinity action ("affinity:TID", current and desired as CPU lists), or none when equal. */
int plan_affinity(pid_t tid, const CpuSet *current, const CpuSet *desired, Plan *p);

/* Plans restoring recorded originals ("setting" -> "value" pairs as produced by Action.current). */
int plan_revert(const NetdevSnapshot *snap, char *const *settings, char *const *values, size_t n, Plan *ret);
