/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Adapter: rtnetlink link objects through libnl-route (read a link, set its MTU, link events). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "netdev.h"

typedef struct RtnlLink RtnlLink;

int rtnl_link_adapter_new(RtnlLink **ret);
RtnlLink *rtnl_link_adapter_free(RtnlLink *r);

/* Fills name, mac, mtu, min/max MTU, num_tx_queues, txqueuelen, master, kind and have_link.
 * -ENODEV if the link is gone. */
int rtnl_link_read(RtnlLink *r, int ifindex, NetdevSnapshot *snap);
int rtnl_link_set_mtu_by_index(RtnlLink *r, int ifindex, uint32_t mtu, char **ret_error);
int rtnl_link_set_txqueuelen_by_index(RtnlLink *r, int ifindex, uint32_t qlen, char **ret_error);

/* Pure: fills snap from one RTM_NEWLINK/RTM_DELLINK message (the whole nlmsghdr), every attribute
 * length checked. Returns the ifindex, or -EBADMSG. */
int rtnl_link_parse_message(const void *buf, size_t len, NetdevSnapshot *snap);

/* Link events (RTNLGRP_LINK) on a second socket: the fd goes into sd-event. */
typedef enum RtnlEvent {
        RTNL_EVENT_NEW,         /* new link or changed attributes */
        RTNL_EVENT_DEL,
} RtnlEvent;
typedef void (*rtnl_link_event_cb)(int ifindex, RtnlEvent ev, const char *name, uint32_t mtu, void *userdata);
typedef struct RtnlMonitor RtnlMonitor;
int rtnl_monitor_new(RtnlMonitor **ret);
RtnlMonitor *rtnl_monitor_free(RtnlMonitor *m);
int rtnl_monitor_fd(RtnlMonitor *m);
/* Reads what is queued, calling cb for each link message. -ENOBUFS means events were lost: rescan. */
int rtnl_monitor_receive(RtnlMonitor *m, rtnl_link_event_cb cb, void *userdata);
