/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Keeps common/message-ids.h and packaging/vnettune.catalog in step, both ways. */
#include <stdio.h>
#include <stdbool.h>
#include <string.h>

#include "message-ids.h"
#include "test-util.h"

static const struct {
        const char *name;
        const char *id;
} ids[] = { VNT_MESSAGE_IDS_TABLE };

int main(void) {
        char line[512], seen[64][33];
        size_t n_seen = 0;
        FILE *f = fopen(SOURCE_ROOT "/packaging/vnettune.catalog", "re");

        ASSERT_TRUE(f);
        while (fgets(line, sizeof line, f)) {
                char id[64];
                if (sscanf(line, "-- %63s", id) != 1)
                        continue;
                ASSERT_EQ(strlen(id), 32);
                ASSERT_TRUE(n_seen < 64);
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
        printf("%zu message IDs match the catalog\n", n_seen);
        return 0;
}
