/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every configuration key the parser knows is documented in the man page, under its section. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-parser.h"
#include "test-util.h"

static char *slurp(const char *path) {
        FILE *f = fopen(path, "re");
        char *buf;
        long n;

        ASSERT_TRUE(f);
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        rewind(f);
        buf = calloc(1, (size_t) n + 1);
        ASSERT_TRUE(buf);
        ASSERT_EQ(fread(buf, 1, (size_t) n, f), n);
        fclose(f);
        return buf;
}

int main(void) {
        char *page = slurp(SOURCE_ROOT "/docs/vnettune-guestd.8.scd");
        size_t n = 0;

        for (const char *const *k = conf_known_keys; *k; k++, n++) {
                char section[64], key[64], heading[80], entry[80];
                const char *dot = strchr(*k, '.');

                ASSERT_TRUE(dot);
                snprintf(section, sizeof section, "%.*s", (int) (dot - *k), *k);
                snprintf(key, sizeof key, "%s", dot + 1);
                snprintf(heading, sizeof heading, "## [%s] section", section);
                const char *sec = strstr(page, heading);
                if (!sec)
                        fprintf(stderr, "man page lacks a heading \"%s\"\n", heading);
                ASSERT_TRUE(sec);
                if (strcmp(key, "*") == 0)
                        continue;
                /* The key must be documented after its section heading and before the next one. */
                const char *next = strstr(sec + 3, "\n## ");
                snprintf(entry, sizeof entry, "*%s=", key);
                const char *hit = strstr(sec, entry);
                if (!hit || (next && hit > next))
                        fprintf(stderr, "man page does not document %s=%s\n", *k, hit ? " in its section" : "");
                ASSERT_TRUE(hit && (!next || hit < next));
        }
        ASSERT_TRUE(n >= 10);
        printf("%zu configuration keys documented\n", n);
        free(page);
        return 0;
}
