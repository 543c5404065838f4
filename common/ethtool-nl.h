/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Adapter: ethtool generic netlink over libmnl (channels, features, monitor notifications). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "netdev.h"

typedef struct EthtoolNl EthtoolNl;

/* Opens a request socket and resolves the "ethtool" genl family. -EOPNOTSUPP if the kernel has none. */
int ethtool_nl_new(EthtoolNl **ret);
EthtoolNl *ethtool_nl_free(EthtoolNl *e);

/* ETHTOOL_MSG_CHANNELS_GET. -EOPNOTSUPP when the driver has no channels. */
int ethtool_nl_get_channels(EthtoolNl *e, int ifindex, Channels *ret);
/* ETHTOOL_MSG_CHANNELS_SET with the counts of c that differ from zero for the device's flavour
 * (combined, or rx+tx). On failure *ret_error gets the kernel's extack message when there is one. */
int ethtool_nl_set_channels(EthtoolNl *e, int ifindex, const Channels *c, char **ret_error);
/* ETHTOOL_MSG_FEATURES_GET, folded into our offload groups. */
int ethtool_nl_get_offloads(EthtoolNl *e, int ifindex, OffloadState ret[_OFFLOAD_MAX]);
/* ETHTOOL_MSG_FEATURES_SET of every changeable bit of the group. -EOPNOTSUPP if none is changeable;
 * -EIO if the kernel accepted but the wanted state did not become active (e.g. dependency). */
int ethtool_nl_set_offload(EthtoolNl *e, int ifindex, Offload o, bool on, char **ret_error);

/* Monitor: a second socket joined to the "monitor" multicast group. The fd goes into sd-event;
 * on readability call ethtool_nl_monitor_receive(), which calls cb for each CHANNELS_NTF or
 * FEATURES_NTF with the ifindex concerned. Returns 0 once drained, -ENOBUFS after an
 * overrun (notifications were lost: rescan), other -errno on failure. */
typedef enum EthtoolEvent {
        ETHTOOL_EVENT_CHANNELS,
        ETHTOOL_EVENT_FEATURES,
        ETHTOOL_EVENT_OTHER,
} EthtoolEvent;
/* channels: the counts of a CHANNELS_NTF, offloads: the groups of a FEATURES_NTF (NULL when the
 * notification is of the other kind or could not be parsed). */
typedef void (*ethtool_nl_event_cb)(int ifindex, EthtoolEvent ev, const Channels *channels,
                                    const OffloadState *offloads, void *userdata);
typedef struct EthtoolMonitor EthtoolMonitor;
int ethtool_monitor_new(EthtoolMonitor **ret);
EthtoolMonitor *ethtool_monitor_free(EthtoolMonitor *m);
int ethtool_monitor_fd(EthtoolMonitor *m);
int ethtool_monitor_receive(EthtoolMonitor *m, ethtool_nl_event_cb cb, void *userdata);

/* Pure parsers, exposed for the canned-bytes unit tests: a whole netlink message (nlmsghdr + genl
 * header + attributes) of a CHANNELS_GET reply / FEATURES_GET reply (verbose bitsets). */
int ethtool_parse_channels_reply(const void *buf, size_t len, int *ret_ifindex, Channels *ret);
int ethtool_parse_features_reply(const void *buf, size_t len, int *ret_ifindex, OffloadState ret[_OFFLOAD_MAX]);
