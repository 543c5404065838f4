/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure diagnosis: snapshots and sampled counters in, findings (code, severity, evidence, fix) out. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpuset.h"
#include "link-policy.h"
#include "netdev.h"

typedef enum Severity {
        SEVERITY_INFO,
        SEVERITY_WARNING,
        SEVERITY_CRITICAL,
        _SEVERITY_MAX,
        _SEVERITY_INVALID = -22,
} Severity;

const char *severity_to_string(Severity s);

/* Every finding has a stable code; each code has its own MESSAGE_ID (journal + catalog). */
typedef enum FindingCode {
        FINDING_QUEUES_BELOW_CPUS,      /* fewer channels enabled than min(max, online CPUs) */
        FINDING_CPUS_BELOW_QUEUES,      /* the VM booted with fewer vCPUs than the device has queues */
        FINDING_QUEUES_BELOW_VCPUS,     /* the host gives fewer queues than the guest has vCPUs */
        FINDING_IDLE_TX_QUEUES,         /* some tx queues carry nothing while others carry the traffic */
        FINDING_XPS_UNSET,              /* every XPS mask is zero */
        FINDING_XPS_OVERLAP,            /* a CPU is in more than one queue's mask */
        FINDING_XPS_UNCOVERED,          /* online CPUs in no queue's mask */
        FINDING_CPU_SATURATED,          /* one CPU near 100% while others idle */
        FINDING_SOFTIRQ_CONCENTRATED,   /* network softirqs on one CPU */
        FINDING_IRQ_CONCENTRATED,       /* the NIC's queue interrupts all land on one CPU */
        FINDING_OFFLOAD_OFF,
        FINDING_MTU_BELOW_MAX,
        FINDING_MTU_POLICY_MISMATCH,
        FINDING_SYSCTL_BELOW_POLICY,
        FINDING_IRQBALANCE,
        /* host */
        FINDING_TIER_MISSING,
        FINDING_TAP_SINGLE_QUEUE,
        FINDING_WORKERS_FEWER_THAN_QUEUES,
        FINDING_WORKERS_IDLE,
        FINDING_WORKERS_OFF_NODE,
        FINDING_WORKERS_SHARE_VCPUS,
        FINDING_BRIDGE_NF_ON,
        FINDING_MTU_MISMATCH_PATH,
        FINDING_HUGEPAGES_MISSING,
        _FINDING_MAX,
        _FINDING_INVALID = -22,
} FindingCode;

const char *finding_code_to_string(FindingCode c);     /* "idle-tx-queues" */
const char *finding_message_id(FindingCode c);          /* 32 hex digits */

typedef struct Finding {
        FindingCode code;
        Severity severity;
        char *subject;          /* "eth0", "vm1 (pid 42)", "host" */
        char *summary;          /* one line: what is wrong */
        char *evidence;         /* the numbers */
        char *fix;              /* the config line or command */
} Finding;

typedef struct Findings {
        Finding *items;
        size_t n;
} Findings;

void findings_done(Findings *f);
size_t findings_count_at_least(const Findings *f, Severity s);

/* ---- samples (filled by adapters, pure parsers below) ---- */

typedef struct CpuTimes {
        unsigned n_cpus;        /* slots, by CPU id */
        bool *present;
        uint64_t *busy;         /* user+nice+system+irq+softirq+steal, in USER_HZ ticks */
        uint64_t *total;        /* busy + idle + iowait */
} CpuTimes;

void cpu_times_done(CpuTimes *t);
/* /proc/stat text: the "cpuN ..." lines. */
int diag_parse_proc_stat(const char *text, CpuTimes *ret);

typedef struct SoftirqCounts {
        unsigned n_cpus;
        uint64_t *net_tx;       /* by CPU column */
        uint64_t *net_rx;
} SoftirqCounts;

void softirq_counts_done(SoftirqCounts *s);
/* /proc/softirqs text. */
int diag_parse_softirqs(const char *text, SoftirqCounts *ret);

/* Interrupt counts per CPU of the lines whose name contains match (e.g. "virtio0-"). */
typedef struct IrqCounts {
        unsigned n_cpus;
        uint64_t *per_cpu;      /* summed over the matching lines */
        unsigned n_lines;
} IrqCounts;

void irq_counts_done(IrqCounts *c);
int diag_parse_interrupts(const char *text, const char *match, IrqCounts *ret);

/* Per-queue transmitted packets (cumulative counters). */
typedef struct QueueCounters {
        unsigned n;
        uint64_t *tx_packets;
} QueueCounters;

void queue_counters_done(QueueCounters *q);

/* ---- guest checks ---- */

typedef struct GuestLinkEvidence {
        const NetdevSnapshot *snap;
        const LinkSettings *policy;     /* NULL: unmanaged */
        const CpuSet *online;
        const QueueCounters *q0, *q1;   /* NULL when the kernel gave no per-queue counters */
        const IrqCounts *irq0, *irq1;   /* NULL when the NIC has no per-queue vectors */
        uint64_t window_usec;
} GuestLinkEvidence;

/* Appends the findings about one link. */
int diag_guest_link(const GuestLinkEvidence *e, Findings *f);

typedef struct GuestSystemEvidence {
        const CpuTimes *cpu0, *cpu1;    /* NULL when not sampled */
        const SoftirqCounts *sirq0, *sirq1;
        const SysctlSetting *want;      /* policy sysctls */
        size_t n_want;
        char *const *current;           /* current values, NULL entries for missing keys */
        bool irqbalance_running;
} GuestSystemEvidence;

int diag_guest_system(const GuestSystemEvidence *e, Findings *f);

/* ---- host checks ---- */

typedef struct HostVmEvidence {
        const char *name;
        int pid;
        unsigned n_vcpus;
        unsigned n_queues;              /* sum of the VM's tap fds */
        unsigned n_single_queue_taps;
        unsigned n_workers;
        const CpuSet *vcpu_cpus;        /* union of vCPU affinity */
        const CpuSet *worker_cpus;      /* union of worker affinity */
        const CpuSet *node_cpus_vcpus;  /* CPUs of the vCPUs' NUMA node (NULL: single node) */
        uint64_t worker_ticks;          /* worker CPU time over the window, USER_HZ ticks */
        uint64_t window_usec;
        unsigned user_hz;
        bool sampled;
} HostVmEvidence;

int diag_host_vm(const HostVmEvidence *e, Findings *f);

typedef struct HostLinkPathEvidence {
        const char *tap;
        uint32_t tap_mtu;
        const char *bridge;             /* NULL: not a bridge port */
        uint32_t bridge_mtu;
        const char *uplink;             /* another, non-tap port of the bridge, NULL if none */
        uint32_t uplink_mtu;
} HostLinkPathEvidence;

int diag_host_link_path(const HostLinkPathEvidence *e, Findings *f);

typedef struct HostSystemEvidence {
        char *const *tier_missing;      /* sentences from tier_decide() */
        int bridge_nf[3];               /* iptables, ip6tables, arptables: -1 absent, 0, 1 */
        uint64_t hugepages_total, hugepages_size_kb, vm_memory_mb;
} HostSystemEvidence;

int diag_host_system(const HostSystemEvidence *e, Findings *f);
