/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Keeps common/message-ids.h and packaging/vnettune.catalog in step, both ways. */
#include <stdio.h>
#include <stdbool.h>
#include <string.h>

#include "message-ids.h"
#include "test-util.h"

#include "diagnose.h"

static const struct {
        const char *name;
        const char *id;
} ids[] = {
        VNT_MESSAGE_IDS_TABLE
#define F(code) { #code, VNT_MESSAGE_##code },
        F(FINDING_QUEUES_BELOW_CPUS) F(FINDING_CPUS_BELOW_QUEUES) F(FINDING_QUEUES_BELOW_VCPUS)
        F(FINDING_IDLE_TX_QUEUES) F(FINDING_XPS_UNSET) F(FINDING_XPS_OVERLAP) F(FINDING_XPS_UNCOVERED)
        F(FINDING_CPU_SATURATED) F(FINDING_SOFTIRQ_CONCENTRATED) F(FINDING_IRQ_CONCENTRATED)
        F(FINDING_OFFLOAD_OFF) F(FINDING_MTU_BELOW_MAX) F(FINDING_MTU_POLICY_MISMATCH)
        F(FINDING_SYSCTL_BELOW_POLICY) F(FINDING_IRQBALANCE) F(FINDING_TIER_MISSING)
        F(FINDING_TAP_SINGLE_QUEUE) F(FINDING_WORKERS_FEWER_THAN_QUEUES) F(FINDING_WORKERS_IDLE)
        F(FINDING_WORKERS_OFF_NODE) F(FINDING_WORKERS_SHARE_VCPUS) F(FINDING_BRIDGE_NF_ON)
        F(FINDING_MTU_MISMATCH_PATH) F(FINDING_HUGEPAGES_MISSING)
#undef F
};

int main(void) {
        char line[512], seen[128][33];
        size_t n_seen = 0;
        FILE *f = fopen(SOURCE_ROOT "/packaging/vnettune.catalog", "re");

        ASSERT_TRUE(f);
        while (fgets(line, sizeof line, f)) {
                char id[64];
                if (sscanf(line, "-- %63s", id) != 1)
                        continue;
                ASSERT_EQ(strlen(id), 32);
                ASSERT_TRUE(n_seen < 128);
                for (size_t i = 0; i < n_seen; i++)
                        ASSERT_TRUE(strcmp(seen[i], id) != 0);     /* no duplicate entry */
                strcpy(seen[n_seen++], id);
        }
        fclose(f);

        /* Every ID we log has an entry, every entry is an ID we log, and no ID is used twice. */
        for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
                bool found = false;
                for (size_t j = 0; j < n_seen; j++)
                        found = found || strcmp(seen[j], ids[i].id) == 0;
                if (!found)
                        fprintf(stderr, "MESSAGE_ID %s (%s) missing from the catalog\n", ids[i].id, ids[i].name);
                ASSERT_TRUE(found);
                for (size_t k = i + 1; k < sizeof ids / sizeof ids[0]; k++)
                        ASSERT_TRUE(strcmp(ids[i].id, ids[k].id) != 0);
        }
        ASSERT_EQ(n_seen, sizeof ids / sizeof ids[0]);
        /* Every finding code has its ID in the table the daemons use. */
        for (int c = 0; c < _FINDING_MAX; c++) {
                bool found = false;
                ASSERT_TRUE(finding_message_id(c) && finding_code_to_string(c));
                for (size_t j = 0; j < n_seen; j++)
                        found = found || strcmp(seen[j], finding_message_id(c)) == 0;
                ASSERT_TRUE(found);
        }
        printf("%zu message IDs match the catalog\n", n_seen);
        return 0;
}
