/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared link/sysctl tuning steps of the daemons' managers (see tuner.h). */
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "sysctl.h"
#include "sysfs-net.h"
#include "tuner.h"

static int op_set_channels(void *userdata, int ifindex, const Channels *c, char **ret_error) {
        TunerKernel *k = userdata;
        return k->ethtool ? ethtool_nl_set_channels(k->ethtool, ifindex, c, ret_error) : -EOPNOTSUPP;
}

/* if_indextoname() opens and closes a socket for every call; one kept open does the same ioctl. */
static int tuner_kernel_ifname(TunerKernel *k, int ifindex, char name[static IF_NAMESIZE]) {
        if (!k->have_ioctl_fd) {
                int fd = netdev_ioctl_socket();

                if (fd < 0)
                        return fd;
                k->ioctl_fd = fd;
                k->have_ioctl_fd = true;
        }
        return netdev_index_to_name(k->ioctl_fd, ifindex, name);
}

void tuner_kernel_done(TunerKernel *k) {
        tuner_kernel_forget_name(k);
        if (k->have_ioctl_fd)
                close(k->ioctl_fd);
        k->have_ioctl_fd = false;
}

static int op_set_xps(void *userdata, int ifindex, const char *ifname, unsigned queue, const CpuSet *mask) {
        TunerKernel *k = userdata;

        /* sysfs is addressed by name: resolve the index when the plan starts (a rename may have
         * happened since the snapshot) and hold the device's queues directory for the plan's writes. */
        if (k->xps_ifindex != ifindex) {
                char name[IF_NAMESIZE];
                int fd;

                tuner_kernel_forget_name(k);
                fd = tuner_kernel_ifname(k, ifindex, name);
                if (fd < 0)
                        return fd;
                fd = sysfs_open_queues(name);
                if (fd < 0)
                        return fd;
                k->xps_queues_fd = fd;
                k->xps_ifindex = ifindex;
        }
        return sysfs_write_xps_at(k->xps_queues_fd, queue, mask);
}

static int op_set_mtu(void *userdata, int ifindex, uint32_t mtu, char **ret_error) {
        TunerKernel *k = userdata;
        return rtnl_link_set_mtu_by_index(k->rtnl, ifindex, mtu, ret_error);
}

static int op_set_txqueuelen(void *userdata, int ifindex, uint32_t qlen, char **ret_error) {
        TunerKernel *k = userdata;
        return rtnl_link_set_txqueuelen_by_index(k->rtnl, ifindex, qlen, ret_error);
}

static int op_set_offload(void *userdata, int ifindex, Offload o, bool on, char **ret_error) {
        TunerKernel *k = userdata;
        return k->ethtool ? ethtool_nl_set_offload(k->ethtool, ifindex, o, on, ret_error) : -EOPNOTSUPP;
}

static int op_set_sysctl(void *userdata, const char *key, const char *value) {
        return sysctl_write(key, value);
}

void tuner_kernel_forget_name(TunerKernel *k) {
        if (k->xps_ifindex > 0)
                close(k->xps_queues_fd);
        k->xps_ifindex = 0;
        k->xps_queues_fd = -1;
}

const KernelOps tuner_kernel_ops = {
        .set_channels = op_set_channels,
        .set_xps = op_set_xps,
        .set_mtu = op_set_mtu,
        .set_txqueuelen = op_set_txqueuelen,
        .set_offload = op_set_offload,
        .set_sysctl = op_set_sysctl,
};

int tuner_read_link(TunerKernel *k, int ifindex, NetdevSnapshot *snap) {
        int r;

        r = rtnl_link_read(k->rtnl, ifindex, snap);
        if (r < 0)
                return r;
        if (!snap->driver[0])
                (void) sysfs_read_driver(snap->name, snap->driver, sizeof snap->driver);
        snap->channels_error = k->ethtool ? ethtool_nl_get_channels(k->ethtool, ifindex, &snap->channels)
                                          : -EOPNOTSUPP;
        if (snap->channels_error < 0)
                snap->channels = (Channels) {};
        snap->features_error = k->ethtool ? ethtool_nl_get_offloads(k->ethtool, ifindex, snap->offloads)
                                          : -EOPNOTSUPP;
        snap->xps_error = sysfs_read_xps(snap->name, snap);
        return 0;
}

int tuner_execute(const KernelOps *ops, void *userdata, int ifindex, const char *ifname, Plan *plan,
                  Originals *originals) {
        _cleanup_free_ bool *recorded = calloc(plan->n + 1, sizeof(bool));
        bool any = false;
        int r;

        if (!recorded)
                return -ENOMEM;
        for (size_t i = 0; i < plan->n; i++) {
                Action *a = &plan->actions[i];

                if (a->refused || isempty(a->current))
                        continue;
                r = originals_add(originals, a->setting, a->current);
                if (r < 0) {
                        /* Without a record we could not revert it: do not change it. */
                        if (asprintf(&a->refused, "cannot record the original value: %s", strerror(-r)) < 0)
                                return -ENOMEM;
                        continue;
                }
                recorded[i] = r > 0;
                any = any || r > 0;
        }
        /* One write for all of them, before the first change. */
        r = any ? originals_save(originals) : 0;
        if (r < 0)
                for (size_t i = 0; i < plan->n; i++) {
                        Action *a = &plan->actions[i];

                        if (!recorded[i])
                                continue;
                        originals_drop(originals, a->setting);
                        recorded[i] = false;
                        if (asprintf(&a->refused, "cannot record the original value: %s", strerror(-r)) < 0)
                                return -ENOMEM;
                }
        /* The XPS writes of this plan resolve the name afresh (see op_set_xps). */
        if (ops->set_xps == op_set_xps)
                tuner_kernel_forget_name(userdata);
        r = executor_run(ops, userdata, ifindex, ifname, plan);
        if (ops->set_xps == op_set_xps)
                tuner_kernel_forget_name(userdata);
        /* A setting that failed was not changed: a record made just for it would only haunt a revert. */
        for (size_t i = 0; i < plan->n; i++)
                if (recorded[i] && plan->actions[i].result < 0)
                        (void) originals_forget(originals, plan->actions[i].setting);
        return r;
}

int tuner_load_originals(const char *path, Originals *ret) {
        _cleanup_free_ char *moved = NULL;
        int r;

        r = originals_load_or_quarantine(path, ret, &moved);
        if (r > 0)
                log_error("Recorded originals %s are unreadable or cut short; kept as %s, recording afresh.",
                          path, strna(moved));
        return r < 0 ? r : 0;
}

int tuner_plan_sysctls(const DaemonConfig *c, Plan *ret) {
        char **current;
        int r;

        if (!c->apply_sysctls || c->n_sysctls == 0) {
                *ret = (Plan) {};
                return 0;
        }
        current = calloc(c->n_sysctls + 1, sizeof(char *));
        if (!current)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_sysctls; i++)
                (void) sysctl_read(c->sysctls[i].key, &current[i]);
        r = plan_sysctls(c->sysctls, c->n_sysctls, current, ret);
        for (size_t i = 0; i < c->n_sysctls; i++)
                free(current[i]);
        free(current);
        return r;
}

int tuner_plan_sysctls_revert(const Originals *o, Plan *ret) {
        _cleanup_free_ char **settings = calloc(o->n + 1, sizeof(char *));
        _cleanup_free_ char **values = calloc(o->n + 1, sizeof(char *));
        NetdevSnapshot none = {};
        size_t n = 0;
        int r;

        if (!settings || !values)
                return -ENOMEM;
        /* The planner cannot read /proc: hand it only the sysctls that differ from their original. */
        for (size_t i = 0; i < o->n; i++) {
                _cleanup_free_ char *cur = NULL;
                const char *key = o->settings[i];

                if (strncmp(key, "sysctl:", 7) == 0 && sysctl_read(key + 7, &cur) >= 0 &&
                    sysctl_value_equal(cur, o->values[i]) > 0)
                        continue;
                settings[n] = o->settings[i];
                values[n++] = o->values[i];
        }
        r = plan_revert(&none, settings, values, n, ret);
        if (r < 0)
                return r;
        /* Fill in the value now so the journal shows old and new. */
        for (size_t i = 0; i < ret->n; i++) {
                Action *a = &ret->actions[i];
                char *cur = NULL;

                if (a->kind == ACTION_SYSCTL && isempty(a->current) && sysctl_read(a->sysctl.key, &cur) >= 0) {
                        free(a->current);
                        a->current = cur;
                }
        }
        return 0;
}

void tuner_apply_sysctls(TunerKernel *k, const DaemonConfig *c, Originals *originals, Reason reason, uint32_t uid,
                         char ***reported) {
        AuditTarget t = { .reason = reason, .uid = uid };
        Plan plan = {};
        int r;

        r = tuner_plan_sysctls(c, &plan);
        if (r >= 0)
                r = tuner_execute(&tuner_kernel_ops, k, 0, NULL, &plan, originals);
        if (r < 0)
                log_warning_errno(r, "Applying sysctls failed: %m");
        else
                for (size_t i = 0; i < plan.n; i++)
                        (void) audit_action(&t, &plan.actions[i], reported, NULL);
        plan_done(&plan);
}

int tuner_revert_sysctls(TunerKernel *k, Originals *originals, uint32_t uid, char **errors) {
        AuditTarget t = { .reason = REASON_API, .uid = uid };
        Plan plan = {};
        int r, n_failed = 0;

        if (originals->n == 0)
                return 0;
        r = tuner_plan_sysctls_revert(originals, &plan);
        if (r < 0)
                return r;
        executor_run(&tuner_kernel_ops, k, 0, NULL, &plan);
        for (size_t i = 0; i < plan.n; i++)
                if (audit_revert(&t, &plan.actions[i], errors) < 0)
                        n_failed++;
        if (n_failed == 0)
                (void) originals_forget_all(originals);
        plan_done(&plan);
        return n_failed;
}
