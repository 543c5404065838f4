/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers over the device snapshot model: offload names and channel flavours. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "netdev.h"

static const char *const offload_table[_OFFLOAD_MAX] = {
        [OFFLOAD_TSO] = "tso",
        [OFFLOAD_GSO] = "gso",
        [OFFLOAD_GRO] = "gro",
        [OFFLOAD_LRO] = "lro",
};

const char *offload_to_string(Offload o) {
        if (o < 0 || o >= _OFFLOAD_MAX)
                return NULL;
        return offload_table[o];
}

Offload offload_from_string(const char *s) {
        if (!s)
                return _OFFLOAD_INVALID;
        for (Offload o = 0; o < _OFFLOAD_MAX; o++)
                if (streq(offload_table[o], s))
                        return o;
        return _OFFLOAD_INVALID;
}

void netdev_snapshot_done(NetdevSnapshot *s) {
        if (!s)
                return;
        for (unsigned i = 0; i < s->n_xps; i++)
                cpuset_done(&s->xps[i]);
        free(s->xps);
        s->xps = NULL;
        s->n_xps = 0;
}

ChannelKind channels_kind(const Channels *c) {
        if (c->max_combined > 0)
                return CHANNEL_KIND_COMBINED;
        if (c->max_rx > 0 || c->max_tx > 0)
                return CHANNEL_KIND_RXTX;
        return CHANNEL_KIND_NONE;
}

/* tun/tap: IFLA_INFO_KIND and the driver's name are both "tun". */
bool netdev_driver_queues_follow_users(const char *driver) {
        return driver && strcmp(driver, "tun") == 0;
}

bool netdev_queues_follow_users(const NetdevSnapshot *s) {
        return s->have_link && netdev_driver_queues_follow_users(s->kind);
}

uint32_t channels_current(const Channels *c) {
        switch (channels_kind(c)) {
        case CHANNEL_KIND_COMBINED:
                return c->combined;
        case CHANNEL_KIND_RXTX:
                return MAX(c->rx, c->tx);
        default:
                return 0;
        }
}

uint32_t channels_max(const Channels *c) {
        switch (channels_kind(c)) {
        case CHANNEL_KIND_COMBINED:
                return c->max_combined;
        case CHANNEL_KIND_RXTX:
                return MIN(c->max_rx, c->max_tx) ?: MAX(c->max_rx, c->max_tx);
        default:
                return 0;
        }
}

int channels_format(const Channels *c, char **ret) {
        int r;

        if (channels_kind(c) == CHANNEL_KIND_RXTX)
                r = asprintf(ret, "rx %u tx %u", c->rx, c->tx);
        else
                r = asprintf(ret, "combined %u", c->combined);
        return r < 0 ? -ENOMEM : 0;
}

int channels_parse(const char *s, Channels *c) {
        unsigned a, b;
        int n = 0;

        if (sscanf(s, "combined %u%n", &a, &n) == 1 && s[n] == 0) {
                c->combined = a;
                return 0;
        }
        if (sscanf(s, "rx %u tx %u%n", &a, &b, &n) == 2 && s[n] == 0) {
                c->rx = a;
                c->tx = b;
                return 0;
        }
        return -EINVAL;
}
