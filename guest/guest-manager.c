/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Manager of vnettune-guestd: event sources, link table, and the reconcile step (snapshot, plan, apply, record). */
#include <dirent.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "diagnose.h"
#include "guest-bus.h"
#include "guest-manager.h"
#include "daemon.h"
#include "log.h"
#include "macro.h"
#include "message-ids.h"
#include "procfs-load.h"
#include "strv.h"
#include "udev-util.h"
#include "sysctl.h"
#include "sysfs-net.h"

static uint64_t now_monotonic_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

/* ---- links ---- */

static Link *link_free(Link *l) {
        if (!l)
                return NULL;
        tuned_link_done(&l->t);
        free(l->path);
        free(l);
        return NULL;
}

Link *manager_find_link(Manager *m, int ifindex) {
        for (size_t i = 0; i < m->n_links; i++)
                if (m->links[i]->t.ifindex == ifindex)
                        return m->links[i];
        return NULL;
}

static int link_new(Manager *m, int ifindex, Link **ret) {
        Link *l, **t;
        int r;

        l = calloc(1, sizeof *l);
        if (!l)
                return -ENOMEM;
        l->manager = m;
        r = tuned_link_setup(&l->t, ifindex, m->state_dir, "/org/vnettune/Guest1/link", &l->path);
        if (r < 0) {
                free(l);
                return r;
        }
        t = realloc(m->links, (m->n_links + 1) * sizeof(Link *));
        if (!t) {
                link_free(l);
                return -ENOMEM;
        }
        m->links = t;
        m->links[m->n_links++] = l;
        *ret = l;
        return 0;
}

static void link_remove(Manager *m, Link *l) {
        /* Announce the removal while the object is still found, so InterfacesRemoved names it. */
        if (l->exported)
                guest_bus_link_removed(m, l);
        for (size_t i = 0; i < m->n_links; i++)
                if (m->links[i] == l) {
                        memmove(m->links + i, m->links + i + 1, (m->n_links - i - 1) * sizeof(Link *));
                        m->n_links--;
                        break;
                }
        /* The device is gone: nothing left to revert. */
        (void) originals_forget_all(&l->t.originals);
        link_free(l);
}

/* Reads the whole snapshot of a link. -ENODEV when the link is gone. */
static int link_refresh(Manager *m, Link *l) {
        snprintf(l->t.snap.driver, sizeof l->t.snap.driver, "%s", l->driver);
        int r = tuned_link_refresh(&l->t, &m->kernel);
        if (r >= 0 && !l->driver[0])
                snprintf(l->driver, sizeof l->driver, "%s", l->t.snap.driver);
        return r;
}

static DriftMode link_drift_mode(Manager *m, Link *l) {
        if (l->policy && l->policy->settings.drift >= 0)
                return l->policy->settings.drift;
        return m->policy.daemon.drift;
}

static void link_update_policy(Manager *m, Link *l) {
        l->policy = policy_find_link(&m->policy, l->t.snap.name, l->driver, l->t.snap.mac);
}

static void manager_follow_queues(Manager *m, Link *l);
static void manager_open_queue_monitor(Manager *m, const char *ifname);

static void link_reconcile(Manager *m, Link *l) {
        int r;

        if (!l->initialized) {
                l->t.reason = REASON_NONE;
                return;
        }
        r = link_refresh(m, l);
        if (r == -ENODEV) {
                log_debug("Link %d vanished during reconcile, waiting for its removal event.", l->t.ifindex);
                l->t.reason = REASON_NONE;
                return;
        }
        if (r < 0) {
                log_warning_errno(r, "Cannot read link %d: %m, ignoring", l->t.ifindex);
                l->t.reason = REASON_NONE;
                return;
        }
        link_update_policy(m, l);
        manager_follow_queues(m, l);
        if (!l->exported)
                guest_bus_link_added(m, l);

        (void) tuned_link_apply(&l->t, &m->kernel, l->policy ? &l->policy->settings : NULL,
                                link_drift_mode(m, l), &m->online);
        if (l->udev_usec > 0) {
                uint64_t now = now_monotonic_usec();
                log_info("%s: %s %.1f ms after udev initialised it.", l->t.snap.name,
                         link_state_to_string(l->t.state), (double) (now - MIN(now, l->udev_usec)) / 1000.0);
                l->udev_usec = 0;
        }
        guest_bus_link_changed(m, l);
}

/* ---- sysctls ---- */

static void manager_reconcile_sysctls(Manager *m) {
        Reason reason = m->sysctl_reason;

        m->sysctl_reason = REASON_NONE;
        tuner_apply_sysctls(&m->kernel, &m->policy.daemon, &m->sysctl_originals, reason, m->sysctl_api_uid,
                            &m->sysctl_reported);
}

/* ---- reconcile: one deferred source, once per loop iteration ---- */

static void manager_reconcile(Manager *m) {
        if (m->sysctl_reason != REASON_NONE)
                manager_reconcile_sysctls(m);
        for (size_t i = 0; i < m->n_links; i++)
                if (m->links[i]->t.reason != REASON_NONE)
                        link_reconcile(m, m->links[i]);
}

static int on_reconcile(sd_event_source *s, void *userdata) {
        manager_reconcile(userdata);
        return 0;
}

static void manager_schedule(Manager *m) {
        if (m->reconcile_source)
                (void) sd_event_source_set_enabled(m->reconcile_source, SD_EVENT_ONESHOT);
}

void manager_mark_link(Manager *m, Link *l, Reason reason) {
        tuned_link_mark(&l->t, reason);
        manager_schedule(m);
}

void manager_mark_all(Manager *m, Reason reason) {
        for (size_t i = 0; i < m->n_links; i++)
                manager_mark_link(m, m->links[i], reason);
        if (reason > m->sysctl_reason)
                m->sysctl_reason = reason;
        manager_schedule(m);
}

/* ---- udev ---- */

static bool udev_device_is_initialized_or_no_udevd(Manager *m, struct udev_device *d) {
        return !m->have_udevd || udev_device_get_is_initialized(d) > 0;
}

static void manager_process_net_device(Manager *m, struct udev_device *d, const char *action, Reason reason) {
        int ifindex = udev_device_ifindex(d);
        Link *l;

        if (ifindex <= 0)
                return;
        l = manager_find_link(m, ifindex);
        if (action && streq(action, "remove")) {
                if (l) {
                        audit_link_event(LOG_INFO, VNT_MESSAGE_LINK_GONE, l->t.snap.name, l->t.ifindex,
                                         "%s: link removed", l->t.snap.name[0] ? l->t.snap.name : "?");
                        link_remove(m, l);
                }
                return;
        }
        if (ifindex == 1 && streq_ptr(udev_device_get_sysname(d), "lo"))
                return;
        if (!l) {
                if (link_new(m, ifindex, &l) < 0) {
                        log_oom();
                        return;
                }
                snprintf(l->t.snap.name, sizeof l->t.snap.name, "%s", udev_device_get_sysname(d));
        }
        /* udev renames (move) and property changes: keep the newest name and driver. */
        snprintf(l->t.snap.name, sizeof l->t.snap.name, "%s", udev_device_get_sysname(d));
        const char *drv = udev_device_get_property_value(d, "ID_NET_DRIVER");
        if (drv)
                snprintf(l->driver, sizeof l->driver, "%s", drv);
        if (!m->queue_monitor && netdev_driver_queues_follow_users(l->driver))
                manager_open_queue_monitor(m, l->t.snap.name);
        if (!udev_device_is_initialized_or_no_udevd(m, d)) {
                log_debug("%s: not initialized by udev yet, waiting.", l->t.snap.name);
                return;
        }
        if (!l->initialized) {
                const char *usec = udev_device_get_property_value(d, "USEC_INITIALIZED");
                l->udev_usec = usec && reason == REASON_HOTPLUG ? strtoull(usec, NULL, 10) : 0;
                l->initialized = true;
                audit_link_event(LOG_INFO, VNT_MESSAGE_LINK_MANAGED, l->t.snap.name, l->t.ifindex,
                                 "%s: link appeared (%s)", l->t.snap.name, reason_to_string(reason));
                manager_mark_link(m, l, reason);
        } else if (action && (streq(action, "move") || streq(action, "change")))
                manager_mark_link(m, l, REASON_DRIFT);
}

static void manager_read_online_cpus(Manager *m) {
        CpuSet s = {};
        int r;

        r = sysfs_read_online_cpus(&s);
        if (r < 0) {
                log_warning_errno(r, "Cannot read the online CPU set: %m, keeping the previous one");
                return;
        }
        cpuset_done(&m->online);
        m->online = s;
}

static int manager_enumerate(Manager *m);

/* Events were lost: find every link again, drop the ones that are gone, re-check all of them. */
static void manager_resync(void *userdata) {
        Manager *m = userdata;

        log_warning("udev events were lost (the monitor's socket overflowed): resynchronising every link.");
        (void) manager_enumerate(m);
        for (size_t i = 0; i < m->n_links;) {
                Link *l = m->links[i];

                if (!if_indextoname((unsigned) l->t.ifindex, (char[IF_NAMESIZE]) {})) {
                        link_remove(m, l);
                        continue;
                }
                i++;
        }
        manager_read_online_cpus(m);
        manager_mark_all(m, REASON_DRIFT);
}

/* tx-N appeared or went (a tap's users attached or detached queues): the link differs from its
 * snapshot now, which is drift (the same rules and log lines as the ethtool notification's). The
 * queues our own channel changes add or remove are in the snapshot already: a tx queue added that
 * the snapshot knows, or removed that it does not, needs nothing. */
static void manager_process_queue(Manager *m, struct udev_device *d, const char *action) {
        const char *q = udev_device_get_sysname(d);
        bool add = streq_ptr(action, "add");
        char name[IFNAMSIZ];
        unsigned n;

        if ((!add && !streq_ptr(action, "remove")) || !q || sscanf(q, "tx-%u", &n) != 1 ||
            udev_queue_event_ifname(d, name, sizeof name) < 0)
                return;
        for (size_t i = 0; i < m->n_links; i++) {
                Link *l = m->links[i];

                if (l->initialized && streq(l->t.snap.name, name) && (add ? n >= l->t.snap.n_xps : n < l->t.snap.n_xps))
                        manager_mark_link(m, l, REASON_DRIFT);
        }
}

static void on_udev_device(struct udev_device *d, void *userdata) {
        Manager *m = userdata;
        const char *subsystem = udev_device_get_subsystem(d), *action = udev_device_get_action(d);

        if (streq_ptr(subsystem, "net"))
                manager_process_net_device(m, d, action, REASON_HOTPLUG);
        else if (streq_ptr(subsystem, "cpu") && udev_cpu_event_changes_online(action)) {
                log_debug("CPU %s: %s", udev_device_get_sysname(d), action);
                manager_read_online_cpus(m);
                for (size_t i = 0; i < m->n_links; i++)
                        if (m->links[i]->initialized)
                                manager_mark_link(m, m->links[i], REASON_CPU);
        }
}

static int on_udev(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;

        udev_monitor_dispatch(m->monitor, on_udev_device, manager_resync, m);
        return 0;
}

static void on_udev_queue(struct udev_device *d, void *userdata) {
        manager_process_queue(userdata, d, udev_device_get_action(d));
}

static int on_udev_queues(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;

        udev_monitor_dispatch(m->queue_monitor, on_udev_queue, manager_resync, m);
        return 0;
}

/* udev's "queues" events cost three system calls each, and every link brings 8-24 of them when it
 * appears or changes channels; they are needed only for links whose queues change unannounced
 * (taps). So the monitor is opened when the first tap is seen: from its udev event, before it is
 * read (udev names the driver), or else when a read shows one. Links read before the monitor was
 * open are read again: a queue attached meanwhile is not missed. */
static void manager_open_queue_monitor(Manager *m, const char *ifname) {
        bool have_udevd;
        int r;

        r = udev_monitor_open(m->udev, (const char *const[]) { "queues", NULL }, &m->queue_monitor, &have_udevd);
        if (r >= 0) {
                r = sd_event_add_io(m->event, &m->queue_source, udev_monitor_get_fd(m->queue_monitor), EPOLLIN,
                                    on_udev_queues, m);
                if (r >= 0)
                        (void) sd_event_source_set_description(m->queue_source, "udev-queues");
        }
        if (r < 0) {
                log_warning_errno(r, "Cannot follow the queues of %s: %m, queues its users attach later get no XPS "
                                  "until the next reconcile", ifname);
                m->queue_monitor = udev_monitor_unref(m->queue_monitor);
                return;
        }
        log_debug("%s: its queues follow its users, following udev's queue events from now on.", ifname);
        for (size_t i = 0; i < m->n_links; i++)
                if (m->links[i]->initialized && m->links[i]->policy &&
                    netdev_queues_follow_users(&m->links[i]->t.snap))
                        manager_mark_link(m, m->links[i], REASON_DRIFT);
}

static void manager_follow_queues(Manager *m, Link *l) {
        if (!m->queue_monitor && l->policy && netdev_queues_follow_users(&l->t.snap))
                manager_open_queue_monitor(m, l->t.snap.name);
}

static void enumerated_net_device(struct udev_device *d, void *userdata) {
        Manager *m = userdata;

        /* At start it is boot; found again in a resync, it is a hotplug we missed. */
        manager_process_net_device(m, d, NULL, m->ready_sent ? REASON_HOTPLUG : REASON_BOOT);
}

static int manager_enumerate(Manager *m) {
        return udev_enumerate_net(m->udev, enumerated_net_device, m);
}

/* ---- netlink monitors ---- */

static void on_ethtool_event(int ifindex, EthtoolEvent ev, const Channels *channels,
                             const OffloadState *offloads, void *userdata) {
        Manager *m = userdata;
        Link *l = manager_find_link(m, ifindex);

        /* The echo of our own SET says what the snapshot says already: no drift to look at. */
        if (l && l->initialized && ev != ETHTOOL_EVENT_OTHER &&
            !tuned_link_ethtool_ntf_is_echo(&l->t, channels, offloads))
                manager_mark_link(m, l, REASON_DRIFT);
}

static int on_ethtool(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        int r = ethtool_monitor_receive(m->ethtool_monitor, on_ethtool_event, m);

        if (r == -ENOBUFS) {
                log_debug("ethtool monitor overrun, re-checking every link.");
                manager_mark_all(m, REASON_DRIFT);
        } else if (r < 0)
                log_debug_errno(r, "ethtool monitor read failed: %m, ignoring");
        return 0;
}

static void on_rtnl_event(int ifindex, RtnlEvent ev, const char *name, uint32_t mtu, void *userdata) {
        Manager *m = userdata;
        Link *l = manager_find_link(m, ifindex);

        if (!l || !l->initialized || ev != RTNL_EVENT_NEW)
                return;
        /* Only what we manage through rtnl: the MTU (and a rename, which changes the match). */
        if ((l->t.snap.have_link && mtu != 0 && mtu != l->t.snap.mtu) || (name && name[0] && !streq(name, l->t.snap.name)))
                manager_mark_link(m, l, REASON_DRIFT);
}

static int on_rtnl(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        int r = rtnl_monitor_receive(m->rtnl_monitor, on_rtnl_event, m);

        if (r == -ENOBUFS) {
                log_debug("rtnetlink monitor overrun, re-checking every link.");
                manager_mark_all(m, REASON_DRIFT);
        } else if (r < 0)
                log_debug_errno(r, "rtnetlink monitor read failed: %m, ignoring");
        return 0;
}

static void manager_reconcile(Manager *m);

/* ---- policy ---- */

static int manager_load_policy(Manager *m) {
        ConfDiagnostics diag = {};
        Policy p = {};
        int r;

        r = conf_load_policy(m->config_root, "guestd", &p, &diag);
        strv_free(m->config_warnings);
        m->config_warnings = NULL;
        audit_config_diagnostics(&diag, &m->config_warnings);
        conf_diagnostics_done(&diag);
        if (r < 0) {
                policy_done(&p);
                return log_error_errno(r, "Failed to load the policy: %m");
        }
        /* Links point into the old policy: re-resolve them after the swap. */
        policy_done(&m->policy);
        m->policy = p;
        for (size_t i = 0; i < m->n_links; i++)
                link_update_policy(m, m->links[i]);
        strv_free(m->sysctl_reported);
        m->sysctl_reported = NULL;
        return 0;
}

int manager_reload(Manager *m, Reason reason, uint32_t uid) {
        int r;

        log_info("Reloading policy (%s).", reason_to_string(reason));
        r = manager_load_policy(m);
        if (r < 0) {
                log_warning("Keeping the last good policy.");
                return r;
        }
        for (size_t i = 0; i < m->n_links; i++) {
                tuned_link_reset_reported(&m->links[i]->t);
                m->links[i]->t.api_uid = uid;
        }
        m->sysctl_api_uid = uid;
        manager_mark_all(m, reason);
        /* Synchronously, so that a Reload call returns with the new policy in the kernel. */
        manager_reconcile(m);
        return 0;
}

/* ---- API operations ---- */

int manager_plan(Manager *m, int ifindex, Plan *ret, int **ret_ifindexes) {
        Plan all = {};
        int *idx = NULL;
        int r;

        for (size_t i = 0; i < m->n_links; i++) {
                Link *l = m->links[i];
                Plan p = {};

                if (ifindex > 0 && l->t.ifindex != ifindex)
                        continue;
                if (!l->initialized || !l->policy)
                        continue;
                r = link_refresh(m, l);
                if (r < 0)
                        continue;
                r = plan_link(&l->t.snap, &l->policy->settings, &m->online, &p);
                if (r < 0)
                        goto fail;
                Action *t = realloc(all.actions, (all.n + p.n + 1) * sizeof(Action));
                int *ti = realloc(idx, (all.n + p.n + 1) * sizeof(int));
                if (ti)
                        idx = ti;
                if (t)
                        all.actions = t;
                if (!t || !ti) {
                        plan_done(&p);
                        r = -ENOMEM;
                        goto fail;
                }
                for (size_t j = 0; j < p.n; j++) {
                        idx[all.n] = l->t.ifindex;
                        all.actions[all.n++] = p.actions[j];
                }
                free(p.actions);
        }
        if (ifindex <= 0 && m->policy.daemon.apply_sysctls && m->policy.daemon.n_sysctls > 0) {
                const DaemonConfig *c = &m->policy.daemon;
                char **current = calloc(c->n_sysctls + 1, sizeof(char *));
                Plan p = {};

                if (!current) {
                        r = -ENOMEM;
                        goto fail;
                }
                for (size_t i = 0; i < c->n_sysctls; i++)
                        (void) sysctl_read(c->sysctls[i].key, &current[i]);
                r = plan_sysctls(c->sysctls, c->n_sysctls, current, &p);
                strv_free(current);
                if (r < 0)
                        goto fail;
                Action *t = realloc(all.actions, (all.n + p.n + 1) * sizeof(Action));
                int *ti = realloc(idx, (all.n + p.n + 1) * sizeof(int));
                if (ti)
                        idx = ti;
                if (t)
                        all.actions = t;
                if (!t || !ti) {
                        plan_done(&p);
                        r = -ENOMEM;
                        goto fail;
                }
                for (size_t j = 0; j < p.n; j++) {
                        idx[all.n] = 0;
                        all.actions[all.n++] = p.actions[j];
                }
                free(p.actions);
        }
        *ret = all;
        *ret_ifindexes = idx;
        return 0;
fail:
        plan_done(&all);
        free(idx);
        return r;
}

int manager_apply(Manager *m, int ifindex, uint32_t uid) {
        if (ifindex > 0) {
                Link *l = manager_find_link(m, ifindex);
                if (!l)
                        return -ENODEV;
                l->t.api_uid = uid;
                tuned_link_reset_reported(&l->t);
                manager_mark_link(m, l, REASON_API);
        } else {
                for (size_t i = 0; i < m->n_links; i++) {
                        m->links[i]->t.api_uid = uid;
                        tuned_link_reset_reported(&m->links[i]->t);
                }
                m->sysctl_api_uid = uid;
                manager_mark_all(m, REASON_API);
        }
        /* Synchronously: the caller gets its answer after the kernel has it. */
        manager_reconcile(m);
        return 0;
}

/* Restores one link's originals. Returns the number of settings that could not be restored. */
static int link_revert(Manager *m, Link *l, uint32_t uid, char **errors) {
        int r = tuned_link_revert(&l->t, &m->kernel, uid, errors);

        guest_bus_link_changed(m, l);
        return r;
}

static int manager_revert_sysctls(Manager *m, uint32_t uid, char **errors) {
        return tuner_revert_sysctls(&m->kernel, &m->sysctl_originals, uid, errors);
}

int manager_revert(Manager *m, int ifindex, uint32_t uid, char **ret_error) {
        int r, n_failed = 0;

        if (ifindex > 0) {
                Link *l = manager_find_link(m, ifindex);
                if (!l)
                        return -ENODEV;
                r = link_revert(m, l, uid, ret_error);
                return r < 0 ? r : r > 0 ? -EIO : 0;
        }
        for (size_t i = 0; i < m->n_links; i++) {
                r = link_revert(m, m->links[i], uid, ret_error);
                if (r != 0)
                        n_failed++;
        }
        r = manager_revert_sysctls(m, uid, ret_error);
        if (r != 0)
                n_failed++;
        return n_failed > 0 ? -EIO : 0;
}

/* ---- diagnosis ---- */

#define DIAG_MIN_WINDOW_USEC (200 * 1000ULL)

typedef struct DiagLink {
        int ifindex;
        char virtio[32];                /* "virtio0" or "" */
        QueueCounters q0;
        IrqCounts irq0;
        bool have_q0, have_irq0;
} DiagLink;

typedef struct DiagSession {
        Manager *m;
        struct DiagSession *next;
        uint64_t window_usec;
        diagnose_done_t done;
        void *userdata;
        sd_event_source *timer;
        CpuTimes cpu0;
        SoftirqCounts sirq0;
        bool have_cpu0, have_sirq0;
        DiagLink *links;
        size_t n_links;
} DiagSession;

static void diag_session_free(DiagSession *d) {
        Manager *m = d->m;

        for (DiagSession **p = &m->diagnoses; *p; p = &(*p)->next)
                if (*p == d) {
                        *p = d->next;
                        break;
                }
        sd_event_source_disable_unref(d->timer);
        cpu_times_done(&d->cpu0);
        softirq_counts_done(&d->sirq0);
        for (size_t i = 0; i < d->n_links; i++) {
                queue_counters_done(&d->links[i].q0);
                irq_counts_done(&d->links[i].irq0);
        }
        free(d->links);
        free(d);
}

static void diag_sample_link(Manager *m, DiagLink *dl, QueueCounters *q, IrqCounts *irq, bool *have_q,
                             bool *have_irq) {
        Link *l = manager_find_link(m, dl->ifindex);
        char match[48];

        *have_q = *have_irq = false;
        if (!l)
                return;
        unsigned n = l->t.snap.n_xps ?: l->t.snap.num_tx_queues;
        *have_q = n > 0 && qdisc_sample_tx_queues(dl->ifindex, n, q) >= 0;
        if (dl->virtio[0]) {
                snprintf(match, sizeof match, "%s-", dl->virtio);
                *have_irq = procfs_sample_interrupts(match, irq) >= 0;
        }
}

static void diag_finish(DiagSession *d) {
        Manager *m = d->m;
        CpuTimes cpu1 = {};
        SoftirqCounts sirq1 = {};
        Findings f = {};
        char **current = NULL;
        const DaemonConfig *c = &m->policy.daemon;
        int r = 0;

        /* Load and traffic need a window long enough to mean something; below it only the
         * static checks (channels, XPS masks, offloads, MTU, sysctls) run. */
        bool sampled = d->window_usec >= DIAG_MIN_WINDOW_USEC;
        bool have_cpu1 = sampled && d->have_cpu0 && procfs_sample_cpu(&cpu1) >= 0;
        bool have_sirq1 = sampled && d->have_sirq0 && procfs_sample_softirqs(&sirq1) >= 0;

        for (size_t i = 0; i < d->n_links && r >= 0; i++) {
                DiagLink *dl = &d->links[i];
                Link *l = manager_find_link(m, dl->ifindex);
                QueueCounters q1 = {};
                IrqCounts irq1 = {};
                bool have_q1, have_irq1;

                if (!l || link_refresh(m, l) < 0)
                        continue;       /* gone meanwhile */
                diag_sample_link(m, dl, &q1, &irq1, &have_q1, &have_irq1);
                have_q1 = have_q1 && sampled;
                have_irq1 = have_irq1 && sampled;
                GuestLinkEvidence e = {
                        .snap = &l->t.snap,
                        .policy = l->policy ? &l->policy->settings : NULL,
                        .online = &m->online,
                        .q0 = dl->have_q0 && have_q1 ? &dl->q0 : NULL,
                        .q1 = dl->have_q0 && have_q1 ? &q1 : NULL,
                        .irq0 = dl->have_irq0 && have_irq1 ? &dl->irq0 : NULL,
                        .irq1 = dl->have_irq0 && have_irq1 ? &irq1 : NULL,
                        .window_usec = d->window_usec,
                };
                size_t before = f.n;
                r = diag_guest_link(&e, &f);
                for (size_t k = before; r >= 0 && k < f.n; k++)
                        if (f.items[k].severity >= SEVERITY_WARNING)
                                audit_finding(&f.items[k], l->t.snap.name, l->t.ifindex, NULL, 0);
                queue_counters_done(&q1);
                irq_counts_done(&irq1);
        }

        if (r >= 0 && c->apply_sysctls && c->n_sysctls > 0) {
                current = calloc(c->n_sysctls + 1, sizeof(char *));
                if (!current)
                        r = -ENOMEM;
                for (size_t i = 0; current && i < c->n_sysctls; i++)
                        (void) sysctl_read(c->sysctls[i].key, &current[i]);
        }
        if (r >= 0) {
                GuestSystemEvidence g = {
                        .cpu0 = have_cpu1 ? &d->cpu0 : NULL,
                        .cpu1 = have_cpu1 ? &cpu1 : NULL,
                        .sirq0 = have_sirq1 ? &d->sirq0 : NULL,
                        .sirq1 = have_sirq1 ? &sirq1 : NULL,
                        .want = c->apply_sysctls ? c->sysctls : NULL,
                        .n_want = c->apply_sysctls ? c->n_sysctls : 0,
                        .current = current,
                        .irqbalance_running = procfs_process_running("irqbalance"),
                };
                size_t before = f.n;
                r = diag_guest_system(&g, &f);
                for (size_t k = before; r >= 0 && k < f.n; k++)
                        if (f.items[k].severity >= SEVERITY_WARNING)
                                audit_finding(&f.items[k], NULL, 0, NULL, 0);
        }
        log_info("Diagnosis over %.1f s: %zu findings, %zu warnings or worse.", (double) d->window_usec / 1e6, f.n,
                 findings_count_at_least(&f, SEVERITY_WARNING));
        d->done(m, r, &f, d->userdata);
        findings_done(&f);
        strv_free(current);
        cpu_times_done(&cpu1);
        softirq_counts_done(&sirq1);
        diag_session_free(d);
}

static int on_diag_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        diag_finish(userdata);
        return 0;
}

int manager_diagnose(Manager *m, int ifindex, uint64_t window_usec, diagnose_done_t done, void *userdata) {
        DiagSession *d;
        int r;

        if (ifindex > 0 && !manager_find_link(m, ifindex))
                return -ENODEV;
        d = calloc(1, sizeof *d);
        if (!d)
                return -ENOMEM;
        d->m = m;
        d->window_usec = window_usec;
        d->done = done;
        d->userdata = userdata;
        d->next = m->diagnoses;
        m->diagnoses = d;
        d->links = calloc(m->n_links + 1, sizeof(DiagLink));
        if (!d->links) {
                diag_session_free(d);
                return -ENOMEM;
        }
        for (size_t i = 0; i < m->n_links; i++) {
                Link *l = m->links[i];
                DiagLink *dl;

                if (ifindex > 0 ? l->t.ifindex != ifindex : (!l->initialized || !l->policy))
                        continue;
                dl = &d->links[d->n_links++];
                dl->ifindex = l->t.ifindex;
                (void) sysfs_virtio_name(l->t.snap.name, dl->virtio, sizeof dl->virtio);
                diag_sample_link(m, dl, &dl->q0, &dl->irq0, &dl->have_q0, &dl->have_irq0);
        }
        d->have_cpu0 = procfs_sample_cpu(&d->cpu0) >= 0;
        d->have_sirq0 = procfs_sample_softirqs(&d->sirq0) >= 0;

        if (window_usec == 0) {
                diag_finish(d);
                return 0;
        }
        r = sd_event_add_time_relative(m->event, &d->timer, CLOCK_MONOTONIC, window_usec, 0, on_diag_timer, d);
        if (r < 0) {
                diag_session_free(d);
                return r;
        }
        (void) sd_event_source_set_description(d->timer, "diagnose-window");
        return 0;
}

/* ---- lifecycle ---- */

static int on_signal_term(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        if (m->policy.daemon.revert_on_stop) {
                log_info("Stopping: RevertOnStop=yes, restoring every original value.");
                (void) manager_revert(m, 0, 0, NULL);
        }
        sd_notify(false, "STOPPING=1");
        m->exiting = true;
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

static int on_signal_hup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        sd_notify(false, "RELOADING=1");
        (void) manager_reload(m, REASON_RELOAD, 0);
        sd_notify(false, "READY=1");
        return 0;
}

int manager_new(const char *config_root, const char *state_dir, Manager **ret) {
        Manager *m;
        int r;

        m = calloc(1, sizeof *m);
        if (!m)
                return -ENOMEM;
        if (config_root && !(m->config_root = strdup(config_root)))
                goto oom;
        if (!(m->state_dir = strdup(state_dir ?: "/run/vnettune/guestd")))
                goto oom;
        r = sd_event_default(&m->event);
        if (r < 0) {
                manager_free(m);
                return r;
        }
        *ret = m;
        return 0;
oom:
        manager_free(m);
        return -ENOMEM;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        while (m->diagnoses) {
                DiagSession *d = m->diagnoses;
                d->done(m, -ECANCELED, NULL, d->userdata);
                diag_session_free(d);
        }
        while (m->n_links > 0)
                link_free(m->links[--m->n_links]);
        free(m->links);
        sd_event_source_unref(m->udev_source);
        sd_event_source_unref(m->queue_source);
        sd_event_source_unref(m->ethtool_source);
        sd_event_source_unref(m->rtnl_source);
        sd_event_source_unref(m->reconcile_source);
        sd_bus_slot_unref(m->link_slot);
        bus_keeper_done(&m->bus_keeper);
        sd_bus_flush_close_unref(m->bus);
        udev_monitor_unref(m->monitor);
        udev_monitor_unref(m->queue_monitor);
        udev_unref(m->udev);
        ethtool_monitor_free(m->ethtool_monitor);
        ethtool_nl_free(m->kernel.ethtool);
        rtnl_monitor_free(m->rtnl_monitor);
        rtnl_link_adapter_free(m->kernel.rtnl);
        tuner_kernel_done(&m->kernel);
        policy_done(&m->policy);
        originals_done(&m->sysctl_originals);
        strv_free(m->config_warnings);
        strv_free(m->sysctl_reported);
        cpuset_done(&m->online);
        sd_event_unref(m->event);
        free(m->config_root);
        free(m->state_dir);
        free(m);
        return NULL;
}

static int manager_open_sources(Manager *m) {
        int r;

        r = rtnl_link_adapter_new(&m->kernel.rtnl);
        if (r < 0)
                return log_error_errno(r, "Cannot open rtnetlink: %m");
        r = rtnl_monitor_new(&m->rtnl_monitor);
        if (r < 0)
                return log_error_errno(r, "Cannot subscribe to rtnetlink link events: %m");
        r = sd_event_add_io(m->event, &m->rtnl_source, rtnl_monitor_fd(m->rtnl_monitor), EPOLLIN, on_rtnl, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(m->rtnl_source, "rtnl-link-monitor");

        r = ethtool_nl_new(&m->kernel.ethtool);
        if (r < 0)
                log_warning_errno(r, "ethtool netlink unavailable: %m; channels and offloads will not be managed");
        else {
                r = ethtool_monitor_new(&m->ethtool_monitor);
                if (r < 0)
                        log_warning_errno(r, "Cannot subscribe to ethtool notifications: %m, drift of channels "
                                          "and offloads will go unnoticed");
                else {
                        r = sd_event_add_io(m->event, &m->ethtool_source, ethtool_monitor_fd(m->ethtool_monitor),
                                            EPOLLIN, on_ethtool, m);
                        if (r < 0)
                                return r;
                        (void) sd_event_source_set_description(m->ethtool_source, "ethtool-monitor");
                }
        }

        m->udev = udev_new();
        if (!m->udev)
                return log_oom();
        r = udev_monitor_open(m->udev, (const char *const[]) { "net", "cpu", NULL }, &m->monitor, &m->have_udevd);
        if (r < 0)
                return log_error_errno(r, "Cannot start the udev monitor: %m");
        if (!m->have_udevd)
                log_notice("udevd is not running: acting on kernel events directly.");
        r = sd_event_add_io(m->event, &m->udev_source, udev_monitor_get_fd(m->monitor), EPOLLIN, on_udev, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(m->udev_source, "udev-monitor");

        r = sd_event_add_defer(m->event, &m->reconcile_source, on_reconcile, m);
        if (r < 0)
                return r;
        /* Lowest priority: runs after every pending event of this iteration has been folded in. */
        (void) sd_event_source_set_priority(m->reconcile_source, SD_EVENT_PRIORITY_IDLE);
        (void) sd_event_source_set_enabled(m->reconcile_source, SD_EVENT_OFF);
        (void) sd_event_source_set_description(m->reconcile_source, "reconcile");
        return 0;
}

/* Removes recorded originals of links that no longer exist (their devices died with us stopped). */
static void manager_prune_state(Manager *m) {
        _cleanup_free_ char *dir = NULL;
        DIR *d;

        if (asprintf(&dir, "%s/links", m->state_dir) < 0)
                return;
        d = opendir(dir);
        if (!d)
                return;
        for (struct dirent *de; (de = readdir(d));) {
                char *end;
                long idx = strtol(de->d_name, &end, 10);

                if (de->d_name[0] == '.' || *end || idx <= 0)
                        continue;
                if (!manager_find_link(m, (int) idx) && !if_indextoname((unsigned) idx, (char[IF_NAMESIZE]) {}))
                        (void) unlinkat(dirfd(d), de->d_name, 0);
        }
        closedir(d);
}

static int bus_setup_cb(void *userdata) {
        return guest_bus_setup(userdata);
}

int manager_start(Manager *m) {
        _cleanup_free_ char *sysctl_path = NULL;
        int r;

        r = daemon_setup_event(m->event, on_signal_term, on_signal_hup, m);
        if (r < 0)
                return log_error_errno(r, "Cannot set up signal handling: %m");

        r = manager_load_policy(m);
        if (r < 0)
                return r;
        if (asprintf(&sysctl_path, "%s/sysctl", m->state_dir) < 0)
                return log_oom();
        r = tuner_load_originals(sysctl_path, &m->sysctl_originals);
        if (r < 0)
                return log_oom();

        manager_read_online_cpus(m);
        r = manager_open_sources(m);
        if (r < 0)
                return r;

        /* Connected before the first tuning (so that it costs nothing after), but the name is
         * requested once every link is tuned: whoever calls org.vnettune.Guest1 finds them tuned.
         * Failing to reach the bus is not fatal: tuning must also work early in boot. */
        m->bus_keeper = (BusKeeper) {
                .event = m->event,
                .bus = &m->bus,
                .setup = bus_setup_cb,
                .userdata = m,
                .name = "vnettune-guestd",
        };
        r = guest_bus_setup(m);
        if (r < 0) {
                log_warning_errno(r, "Cannot use the system bus yet: %m; tuning goes on, retrying.");
                m->bus = sd_bus_flush_close_unref(m->bus);
        }
        (void) bus_keeper_start(&m->bus_keeper, r >= 0);

        r = manager_enumerate(m);
        if (r < 0)
                return log_error_errno(r, "Cannot enumerate network devices: %m");
        manager_prune_state(m);
        m->sysctl_reason = REASON_BOOT;
        manager_reconcile(m);

        m->ready_sent = true;
        (void) guest_bus_request_name(m);
        sd_notifyf(false, "READY=1\nSTATUS=Tuning %zu links", m->n_links);
        log_info("vnettune-guestd ready: %zu links, %u CPUs online.", m->n_links, cpuset_count(&m->online));
        return 0;
}

int manager_run(Manager *m) {
        return sd_event_loop(m->event);
}
