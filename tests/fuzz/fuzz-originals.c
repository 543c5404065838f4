/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz harness: a recorded-originals file as found under /run (originals_deserialize), its
 * serialization round trip, and plan_revert() over what it holds, against a link snapshot with
 * channels, XPS, MTU, txqueuelen and offloads and against an empty one (as the sysctl revert uses). */
#include <stdlib.h>

#include "fuzz.h"
#include "originals.h"
#include "plan.h"

static void snapshot_init(NetdevSnapshot *s, CpuSet *xps) {
        *s = (NetdevSnapshot) {
                .ifindex = 7,
                .name = "eth0",
                .driver = "virtio_net",
                .mac = "52:54:00:12:34:56",
                .have_link = true,
                .mtu = 1500, .min_mtu = 68, .max_mtu = 9000,
                .num_tx_queues = 4,
                .txqueuelen = 1000,
                .channels = { .max_combined = 4, .combined = 2 },
                .n_xps = 4,
                .xps = xps,
        };
        for (Offload o = 0; o < _OFFLOAD_MAX; o++)
                s->offloads[o] = (OffloadState) { .known = true, .active = o != OFFLOAD_LRO, .changeable = true };
        for (unsigned q = 0; q < 4; q++) {
                xps[q] = CPUSET_NULL;
                if (cpuset_set(&xps[q], q) < 0)
                        abort();
        }
}

static void check_plan(const Plan *p) {
        for (size_t i = 0; i < p->n; i++) {
                const Action *a = &p->actions[i];

                FUZZ_CHECK(a->kind >= 0 && a->kind < _ACTION_KIND_MAX);
                FUZZ_CHECK(a->setting);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Originals o = {}, again = {};
        NetdevSnapshot snap, none = {};
        CpuSet xps[4];
        char *text, *serialized = NULL;
        Plan plan = {};
        int r;

        if (size > FUZZ_MAX_INPUT)
                return 0;
        text = fuzz_strndup(data, size);

        r = originals_deserialize(text, &o);
        if (r < 0) {
                FUZZ_CHECK(r == -EBADMSG || r == -ENOMEM);
                originals_done(&o);
                free(text);
                return 0;
        }

        /* What was read writes back to the same records. */
        FUZZ_CHECK(originals_serialize(&o, &serialized) >= 0);
        FUZZ_CHECK(originals_deserialize(serialized, &again) >= 0);
        FUZZ_CHECK(again.n == o.n);
        for (size_t i = 0; i < o.n; i++) {
                FUZZ_CHECK(strcmp(o.settings[i], again.settings[i]) == 0);
                FUZZ_CHECK(strcmp(o.values[i], again.values[i]) == 0);
                FUZZ_CHECK(originals_get(&o, o.settings[i]));
        }

        snapshot_init(&snap, xps);
        if (plan_revert(&snap, o.settings, o.values, o.n, &plan) >= 0)
                check_plan(&plan);
        plan_done(&plan);

        plan = (Plan) {};
        if (plan_revert(&none, o.settings, o.values, o.n, &plan) >= 0)
                check_plan(&plan);
        plan_done(&plan);

        for (unsigned q = 0; q < 4; q++)
                cpuset_done(&xps[q]);
        free(serialized);
        originals_done(&again);
        originals_done(&o);
        free(text);
        return 0;
}
