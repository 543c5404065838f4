/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz harness: the ethtool generic netlink reply parsers (CHANNELS_GET and FEATURES_GET replies)
 * on arbitrary bytes. Both parsers see every input: each must reject what is not its message. */
#include <stdlib.h>

#include "ethtool-nl.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        OffloadState offloads[_OFFLOAD_MAX] = {};
        Channels c = {};
        void *buf;
        int ifindex = -1, r;

        if (size > FUZZ_MAX_INPUT)
                return 0;
        buf = fuzz_memdup(data, size);

        r = ethtool_parse_channels_reply(buf, size, &ifindex, &c);
        if (r >= 0)
                (void) channels_kind(&c);

        r = ethtool_parse_features_reply(buf, size, &ifindex, offloads);
        if (r >= 0)
                for (Offload o = 0; o < _OFFLOAD_MAX; o++)
                        FUZZ_CHECK(offloads[o].known || (!offloads[o].active && !offloads[o].changeable));

        free(buf);
        return 0;
}
