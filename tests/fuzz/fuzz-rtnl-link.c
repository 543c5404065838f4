/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz harness: the rtnetlink RTM_NEWLINK/RTM_DELLINK parser on arbitrary bytes, through its public
 * pure entry point rtnl_link_parse_message() (built only when common/rtnl-link.h declares it). */
#include <stdlib.h>

#include "fuzz.h"
#include "rtnl-link.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        NetdevSnapshot snap = {};
        void *buf;
        int r;

        if (size > FUZZ_MAX_INPUT)
                return 0;
        buf = fuzz_memdup(data, size);
        r = rtnl_link_parse_message(buf, size, &snap);
        if (r >= 0) {
                FUZZ_CHECK(memchr(snap.name, 0, sizeof snap.name));
                FUZZ_CHECK(memchr(snap.kind, 0, sizeof snap.kind));
                FUZZ_CHECK(memchr(snap.mac, 0, sizeof snap.mac));
        }
        netdev_snapshot_done(&snap);
        free(buf);
        return 0;
}
