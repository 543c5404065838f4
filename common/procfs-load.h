/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Adapter: the /proc files and qdisc counters a diagnosis samples (parsed by diagnose.c). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "diagnose.h"

/* Reads a whole /proc (or any) file into a NUL-terminated string. */
int procfs_read_text(const char *path, char **ret);
/* /proc/stat, /proc/softirqs, /proc/interrupts (matching lines) parsed. */
int procfs_sample_cpu(CpuTimes *ret);
int procfs_sample_softirqs(SoftirqCounts *ret);
int procfs_sample_interrupts(const char *match, IrqCounts *ret);
/* Whether a process with this comm runs (e.g. "irqbalance"). */
bool procfs_process_running(const char *comm);
/* utime + stime of one thread in USER_HZ ticks. -ESRCH when it is gone. */
int procfs_thread_ticks(pid_t pid, pid_t tid, uint64_t *ret);
/* The virtio device name ("virtio0") behind a net device, for its /proc/interrupts lines. */
int sysfs_virtio_name(const char *ifname, char *ret, size_t size);

/* Per-queue transmitted packets from the mq root qdisc's children (the default for multi-queue
 * devices; virtio_net gets it, veth only when given one). -ENODATA without an mq root. */
int qdisc_sample_tx_queues(int ifindex, unsigned n_queues, QueueCounters *ret);
