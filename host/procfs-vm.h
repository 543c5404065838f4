/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Adapter: finds VM processes by their tun fds in /proc and reads/sets their threads' CPU affinity. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "tier.h"
#include "vm.h"

/* Pids of every process holding at least one tun/tap fd, ascending. procroot NULL = "/proc". */
int procfs_find_tap_holders(const char *procroot, pid_t **ret, size_t *ret_n);
/* Whether pid holds a fd on the given tap (cheaper than a full read). */
int procfs_holds_tap(const char *procroot, pid_t pid, const char *tap);
/* Reads one VM: name, taps with their fd counts, threads with roles and affinity. Kernel-thread
 * vhost workers ("vhost-PID" outside the thread group, kernels < 6.4) are found by scanning for
 * that name. -ESRCH if the process is gone, -ENOENT if it holds no tap. */
int procfs_read_vm(const char *procroot, pid_t pid, VmSnapshot *ret);
/* sched_setaffinity of one thread: -ESRCH when it exited meanwhile (not an error for callers). */
int procfs_set_affinity(pid_t tid, const CpuSet *cpus);
int procfs_get_affinity(pid_t tid, CpuSet *ret);
/* The process's start time (clock ticks since boot, /proc/PID/stat field 22): with the pid, an
 * identity no later process shares. */
int procfs_process_start_time(pid_t pid, uint64_t *ret);
/* Whether pid lives in our network namespace: 1 yes, 0 no, -ESRCH gone. */
int procfs_same_netns(const char *procroot, pid_t pid);
/* HugePages_Total, HugePages_Free and Hugepagesize (kB) of /proc/meminfo. */
int procfs_read_hugepages(const char *procroot, uint64_t *ret_total, uint64_t *ret_free, uint64_t *ret_size_kb);
/* /dev/kvm, /dev/vhost-net and the vhost_net module for tier_decide() (tap counts left zero). */
int probe_tier_facts(TierFacts *ret);
