/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Adapter: the kernel's process events connector (NETLINK_CONNECTOR, CN_IDX_PROC). */
#pragma once

#include <sys/types.h>

typedef enum ProcEventKind {
        PROC_EVENT_KIND_FORK,   /* new thread or process: pid = thread group, tid = new task */
        PROC_EVENT_KIND_EXEC,
        PROC_EVENT_KIND_COMM,   /* a thread renamed itself (QEMU names vCPU threads after creating them) */
        PROC_EVENT_KIND_EXIT,
        PROC_EVENT_KIND_OTHER,
} ProcEventKind;

typedef void (*proc_event_cb)(ProcEventKind kind, pid_t pid, pid_t tid, void *userdata);

typedef struct ProcEvents ProcEvents;

/* Opens and subscribes (PROC_CN_MCAST_LISTEN). Needs CAP_NET_ADMIN; -EPROTONOSUPPORT without
 * CONFIG_PROC_EVENTS. */
int proc_events_new(ProcEvents **ret);
ProcEvents *proc_events_free(ProcEvents *e);
int proc_events_fd(ProcEvents *e);
/* Drains queued events, calling cb for each. -ENOBUFS: events were lost, rescan. */
int proc_events_receive(ProcEvents *e, proc_event_cb cb, void *userdata);

/* Pure: parses one netlink datagram of connector messages (for canned-bytes tests). */
int proc_events_parse(const void *buf, size_t len, proc_event_cb cb, void *userdata);
