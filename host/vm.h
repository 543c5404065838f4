/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The model of a VM process as the host adapters see it: taps, vCPU threads, vhost workers. */
#pragma once

#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cpuset.h"

typedef enum ThreadRole {
        THREAD_VCPU,            /* "CPU n/KVM" or "CPU n/TCG" */
        THREAD_VHOST,           /* "vhost-PID" */
        THREAD_EMULATOR,        /* every other thread of the VMM */
        _THREAD_ROLE_MAX,
        _THREAD_ROLE_INVALID = -EINVAL,
} ThreadRole;

typedef struct VmThread {
        pid_t tid;
        char comm[16];
        ThreadRole role;
        int vcpu;               /* vCPU index for THREAD_VCPU, else -1 */
        CpuSet affinity;        /* sched_getaffinity */
} VmThread;

typedef struct VmTap {
        char name[IFNAMSIZ];
        unsigned n_fds;         /* queues held (one tun fd per queue) */
} VmTap;

typedef struct VmSnapshot {
        pid_t pid;
        char name[128];         /* -name guest=NAME, -name NAME, or the comm */
        bool tcg;               /* vCPU threads are "CPU n/TCG" (no KVM acceleration) */
        uint64_t memory_mb;     /* -m of the command line, 0 unknown */
        VmTap *taps;
        size_t n_taps;
        VmThread *threads;      /* vCPUs, vhost workers and emulator threads, tid order */
        size_t n_threads;
} VmSnapshot;

void vm_snapshot_done(VmSnapshot *v);
size_t vm_count_role(const VmSnapshot *v, ThreadRole role);

/* ---- pure parsers of /proc text (unit-tested on canned text) ---- */

/* The tap name of a tun fd from /proc/PID/fdinfo/FD text ("iff:\tNAME"); -ENOENT if not a tun fd. */
int vm_parse_fdinfo_iff(const char *text, char *ret, size_t size);
/* The VM name from a NUL-separated /proc/PID/cmdline: "-name guest=X,debug-threads=on", "-name X"
 * (with ",," as an escaped comma); -ENOENT if there is no -name. */
int vm_parse_cmdline_name(const char *cmdline, size_t len, char *ret, size_t size);
/* Guest memory in MiB from a NUL-separated cmdline: "-m 4096", "-m 4G", "-m size=2048M,slots=2",
 * QEMU's default unit being MiB; -ENOENT without -m. */
int vm_parse_cmdline_memory(const char *cmdline, size_t len, uint64_t *ret_mb);
/* A thread's role from its comm: "CPU 3/KVM" -> vcpu 3; "vhost-1234" -> vhost (owner 1234). */
ThreadRole vm_parse_thread_comm(const char *comm, int *ret_vcpu, pid_t *ret_vhost_owner, bool *ret_tcg);
