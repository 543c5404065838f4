/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The model of one network device as the adapters read it: a plain snapshot the pure core plans from. */
#pragma once

#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpuset.h"

/* The offloads we manage, each a group of ethtool netlink feature bits (see ethtool-nl.c). */
typedef enum Offload {
        OFFLOAD_TSO,
        OFFLOAD_GSO,
        OFFLOAD_GRO,
        OFFLOAD_LRO,
        _OFFLOAD_MAX,
        _OFFLOAD_INVALID = -EINVAL,
} Offload;

const char *offload_to_string(Offload o);      /* "tso" */
Offload offload_from_string(const char *s);

/* Channel counts as ETHTOOL_MSG_CHANNELS_GET reports them. */
typedef struct Channels {
        uint32_t max_rx, max_tx, max_other, max_combined;
        uint32_t rx, tx, other, combined;
} Channels;

/* Feature state of one offload group. */
typedef struct OffloadState {
        bool known;             /* the device has the feature bits at all */
        bool active;            /* every bit of the group that is changeable is on (for tso: the tcp bit) */
        bool changeable;        /* at least one bit of the group is in the hw (changeable) set */
} OffloadState;

typedef struct NetdevSnapshot {
        int ifindex;
        char name[IFNAMSIZ];
        char driver[32];
        char mac[18];                   /* "aa:bb:cc:dd:ee:ff" or "" */

        bool have_link;                 /* rtnl data valid */
        uint32_t mtu, min_mtu, max_mtu; /* max_mtu 0 = unknown */
        uint32_t num_tx_queues;         /* allocated tx queues (IFLA_NUM_TX_QUEUES) */
        uint32_t txqueuelen;            /* IFLA_TXQLEN */
        int master_ifindex;             /* IFLA_MASTER: the bridge it is a port of, 0 = none */
        char kind[16];                  /* IFLA_INFO_KIND: "tun", "bridge", "veth", "" for hardware */

        int channels_error;             /* 0 = channels valid, else -errno of the GET */
        Channels channels;

        int features_error;             /* 0 = offloads valid */
        OffloadState offloads[_OFFLOAD_MAX];

        int xps_error;                  /* 0 = xps valid */
        unsigned n_xps;                 /* number of tx-N queues visible in sysfs */
        CpuSet *xps;                    /* n_xps masks */
} NetdevSnapshot;

void netdev_snapshot_done(NetdevSnapshot *s);

/* What channel flavour a device has: combined (virtio_net, tun) or separate rx/tx (veth). */
typedef enum ChannelKind {
        CHANNEL_KIND_NONE,
        CHANNEL_KIND_COMBINED,
        CHANNEL_KIND_RXTX,
        _CHANNEL_KIND_MAX,
        _CHANNEL_KIND_INVALID = -EINVAL,
} ChannelKind;

ChannelKind channels_kind(const Channels *c);

/* Whether the device's active queues change without an ethtool notification: a tun/tap's follow the
 * file descriptors its users attach (IFF_MULTI_QUEUE), announced only by udev's "queues" events.
 * Every other driver changes them through ethtool (CHANNELS_NTF) or not at all once registered. */
bool netdev_queues_follow_users(const NetdevSnapshot *s);
/* The same from the driver's name (udev's ID_NET_DRIVER), before the device is read. */
bool netdev_driver_queues_follow_users(const char *driver);
/* Current and maximal "queue pairs" in the device's own flavour. */
uint32_t channels_current(const Channels *c);
uint32_t channels_max(const Channels *c);
/* "combined 4" or "rx 8 tx 8". */
int channels_format(const Channels *c, char **ret);
/* Inverse of channels_format() for the counts (maxima untouched). */
int channels_parse(const char *s, Channels *c);
