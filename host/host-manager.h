/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host service's manager: event loop, tables of taps/bridges (by ifindex) and VMs (by pid), reconcile. */
#pragma once

#include <libudev.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <sys/types.h>

#include "audit.h"
#include "bus-util.h"
#include "conf-parser.h"
#include "cpuset.h"
#include "ethtool-nl.h"
#include "link-policy.h"
#include "netdev.h"
#include "originals.h"
#include "placement.h"
#include "plan.h"
#include "proc-events.h"
#include "rtnl-link.h"
#include "tier.h"
#include "topology.h"
#include "tuned-link.h"
#include "tuner.h"
#include "vm.h"

/* "pending", "tuned", ... as for guest links (see tuned-link.h). */
const char *host_link_state_to_string(LinkState s);

typedef struct Manager Manager;
typedef struct Vm Vm;

/* A tap, macvtap or bridge of this host. */
typedef struct HostLink {
        TunedLink t;                    /* ifindex, snapshot (snap.kind "tun", "macvtap", "bridge"),
                                         * originals, state, vm_name/vm_pid of the VM holding it */
        Manager *manager;
        char *path;                     /* /org/vnettune/Host1/link/_<ifindex> */
        bool initialized;
        bool exported;
        bool ignored;                   /* not a tap, macvtap or bridge: not managed, not exported */
        const LinkPolicy *policy;
        LinkSettings effective;         /* policy plus the bridge's MTU for its ports (shallow copy) */
        bool have_effective;
        bool bus_dirty;                 /* a PropertiesChanged is due */
} HostLink;

/* A process holding taps: QEMU, or the test stand-in. */
struct Vm {
        Manager *manager;
        pid_t pid;
        char *path;                     /* /org/vnettune/Host1/vm/_<pid> */
        bool exported;
        bool dirty;
        VmSnapshot snap;
        int node;                       /* NUMA node of its workers' placement, -1 unknown */
        char *placement_why;
        Originals originals;            /* "affinity:TID" -> original CPU list of each worker */
        char **reported;
        uint64_t last_change_usec;
        bool bus_dirty;
};

typedef struct Hugepages {
        uint64_t total, free, size_kb;
        uint64_t vm_memory_mb;          /* the -m of every running VM, summed */
} Hugepages;

struct Manager {
        sd_event *event;
        sd_bus *bus;
        BusKeeper bus_keeper;           /* reconnects after the bus daemon restarts */
        struct udev *udev;
        struct udev_monitor *monitor;
        bool have_udevd;
        sd_event_source *udev_source, *ethtool_source, *rtnl_source, *proc_source, *reconcile_source;
        sd_event_source *settle_source; /* one-shot re-read of VMs after their threads changed */

        TunerKernel kernel;
        EthtoolMonitor *ethtool_monitor;
        RtnlMonitor *rtnl_monitor;
        ProcEvents *proc_events;        /* NULL when the kernel has no proc connector for us */
        char *proc_events_netns;        /* open the connector in this network namespace (tests) */

        char *config_root;
        char *state_dir;                /* /run/vnettune/hostd */
        Policy policy;
        char **config_warnings;
        PlacementMode placement_mode;
        CpuSet placement_list;
        char *placement_error;          /* why the configured placement was refused, if it was */

        CpuTopology topology;
        TierFacts tier_facts;
        Tier tier;
        char **tier_missing;
        Hugepages hugepages;

        HostLink **links;
        size_t n_links;
        Vm **vms;
        size_t n_vms;
        pid_t *candidates;              /* processes to check for taps at the next reconcile */
        size_t n_candidates;
        bool rescan_vms;                /* full /proc scan at the next reconcile */
        bool placement_dirty;
        Reason placement_reason;
        uint32_t placement_uid;
        bool suspended_placement;       /* reverted: no placement until Apply or Reload */
        bool tier_dirty;
        bool bus_dirty;
        bool started;                   /* the start's tuning is done: the bus name is requested, signals go out */
        struct HostDiag *diagnoses;     /* running diagnosis windows */

        Originals sysctl_originals;
        Reason sysctl_reason;
        uint32_t sysctl_api_uid;
        char **sysctl_reported;
};

int manager_new(const char *config_root, const char *state_dir, Manager **ret);
Manager *manager_free(Manager *m);
int manager_start(Manager *m);
int manager_run(Manager *m);

HostLink *manager_find_link(Manager *m, int ifindex);
Vm *manager_find_vm(Manager *m, pid_t pid);

int manager_reload(Manager *m, Reason reason, uint32_t uid);
/* Dry run over links (ifindex > 0: that one; 0: all, plus sysctls and worker placement, reported
 * with ifindex 0 and settings "sysctl:KEY" / "affinity:TID"). ret_ifindexes[i] belongs to action i. */
int manager_plan(Manager *m, int ifindex, Plan *ret, int **ret_ifindexes);
int manager_apply(Manager *m, int ifindex, uint32_t uid);
int manager_revert(Manager *m, int ifindex, uint32_t uid, char **ret_error);

/* Diagnosis of one VM (pid) or all (0) plus the host: samples worker CPU time over window_usec on
 * the event loop, then calls done with the findings (valid during the call); warnings and worse
 * are logged too. -ESRCH for an unknown VM. */
struct Findings;
typedef void (*diagnose_done_t)(Manager *m, int error, const struct Findings *findings, void *userdata);
int manager_diagnose(Manager *m, pid_t pid, uint64_t window_usec, diagnose_done_t done, void *userdata);
