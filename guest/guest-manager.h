/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The guest agent's manager: owns the event loop, the link table and the reconcile step. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <libudev.h>

#include "audit.h"
#include "bus-util.h"
#include "conf-parser.h"
#include "cpuset.h"
#include "ethtool-nl.h"
#include "executor.h"
#include "link-policy.h"
#include "netdev.h"
#include "originals.h"
#include "plan.h"
#include "rtnl-link.h"
#include "tuned-link.h"
#include "tuner.h"


typedef struct Manager Manager;

typedef struct Link {
        TunedLink t;                    /* ifindex, snapshot, originals, state: the shared part */
        Manager *manager;
        char *path;                     /* D-Bus object path */
        bool initialized;               /* udev has processed it (or there is no udevd) */
        bool exported;                  /* InterfacesAdded sent */
        char driver[32];
        const LinkPolicy *policy;       /* into manager->policy, NULL = unmanaged */
        uint64_t udev_usec;             /* CLOCK_MONOTONIC when udev initialised it (hotplug latency) */
} Link;

struct Manager {
        sd_event *event;
        sd_bus *bus;
        BusKeeper bus_keeper;           /* reconnects after the bus daemon restarts */
        sd_bus_slot *link_slot;
        struct udev *udev;
        struct udev_monitor *monitor;
        struct udev_monitor *queue_monitor;     /* opened once a link's queues follow its users (taps) */
        bool have_udevd;
        sd_event_source *udev_source, *queue_source, *ethtool_source, *rtnl_source, *reconcile_source;

        TunerKernel kernel;
        EthtoolMonitor *ethtool_monitor;
        RtnlMonitor *rtnl_monitor;

        char *config_root;              /* NULL = / */
        char *state_dir;                /* /run/vnettune/guestd */
        Policy policy;
        char **config_warnings;

        CpuSet online;
        Link **links;
        size_t n_links;

        Originals sysctl_originals;
        Reason sysctl_reason;
        uint32_t sysctl_api_uid;
        char **sysctl_reported;

        bool ready_sent;
        bool exiting;
        struct DiagSession *diagnoses;  /* running diagnosis windows */
};

int manager_new(const char *config_root, const char *state_dir, Manager **ret);
Manager *manager_free(Manager *m);
/* Loads policy, opens the kernel sockets, enumerates links, tunes them, connects to the bus. */
int manager_start(Manager *m);
int manager_run(Manager *m);

/* Reloads the policy; on a broken file keeps the last good policy. Marks all links dirty. */
int manager_reload(Manager *m, Reason reason, uint32_t uid);

Link *manager_find_link(Manager *m, int ifindex);
void manager_mark_link(Manager *m, Link *l, Reason reason);
void manager_mark_all(Manager *m, Reason reason);

/* Synchronous API operations (reconcile runs immediately for the links concerned). ifindex 0 = all. */
int manager_plan(Manager *m, int ifindex, Plan *ret_per_link_merged, int **ret_ifindexes);
int manager_apply(Manager *m, int ifindex, uint32_t uid);
int manager_revert(Manager *m, int ifindex, uint32_t uid, char **ret_error);

/* Diagnosis: samples now, waits window_usec on the event loop (other requests and events are
 * served meanwhile), samples again and calls done with the findings (owned by the manager, valid
 * during the call). Warnings and worse are also logged, one entry each. ifindex 0 = every managed
 * link. Returns -ENODEV for an unknown link. */
struct Findings;
typedef void (*diagnose_done_t)(Manager *m, int error, const struct Findings *findings, void *userdata);
int manager_diagnose(Manager *m, int ifindex, uint64_t window_usec, diagnose_done_t done, void *userdata);
