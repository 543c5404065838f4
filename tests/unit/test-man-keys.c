/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The man pages keep up with the code: config keys in vnettune.conf(5), MESSAGE_IDs in vnettune(7). */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-parser.h"
#include "test-util.h"

static char *slurp(const char *path) {
        FILE *f = fopen(path, "re");
        char *buf;
        long n;

        if (!f)
                fprintf(stderr, "cannot open %s\n", path);
        ASSERT_TRUE(f);
        ASSERT_EQ(fseek(f, 0, SEEK_END), 0);
        n = ftell(f);
        ASSERT_TRUE(n >= 0);
        rewind(f);
        buf = calloc(1, (size_t) n + 1);
        ASSERT_TRUE(buf);
        ASSERT_EQ(fread(buf, 1, (size_t) n, f), n);
        fclose(f);
        return buf;
}

/* Where the heading at h ends: the start of the next heading of any level, or the end of the text. */
static const char *heading_end(const char *h) {
        const char *next = strstr(h + 1, "\n#");

        return next ? next + 1 : h + strlen(h);
}

/* Is Section.Key documented in the (5) page? There must be a "## [Section] section" heading; under it,
 * before the next heading, a line starting with "*Key=", whose entry (up to the next line starting with
 * "*") gives the default. Key "*" (free-form keys, as in [Sysctl]) needs the heading only. */
static bool documented(const char *page, const char *full, const char *section, const char *key) {
        char heading[80], entry[80];
        const char *sec, *end, *hit, *next;

        snprintf(heading, sizeof heading, "\n## [%s] section\n", section);
        sec = strstr(page, heading);
        if (!sec) {
                fprintf(stderr, "vnettune.conf.5.scd lacks the heading \"%s\" (for %s)\n", heading + 1,
                        full);
                return false;
        }
        if (strcmp(key, "*") == 0)
                return true;
        end = heading_end(sec + 1);

        snprintf(entry, sizeof entry, "\n*%s=*", key);
        hit = strstr(sec, entry);
        if (!hit || hit > end) {
                fprintf(stderr, "vnettune.conf.5.scd does not document %s= under \"## [%s] section\"\n",
                        full, section);
                return false;
        }
        next = strstr(hit + 1, "\n*");
        if (!next || next > end)
                next = end;
        if (!memmem(hit, (size_t) (next - hit), "Default", strlen("Default"))) {
                fprintf(stderr, "vnettune.conf.5.scd: the entry of %s= does not say its default\n", full);
                return false;
        }
        return true;
}

static size_t check_config_keys(void) {
        char *page = slurp(SOURCE_ROOT "/docs/vnettune.conf.5.scd");
        size_t n = 0, n_bad = 0;

        for (const char *const *k = conf_known_keys; *k; k++, n++) {
                const char *dot = strchr(*k, '.');
                char section[64], key[64];

                ASSERT_TRUE(dot);
                snprintf(section, sizeof section, "%.*s", (int) (dot - *k), *k);
                snprintf(key, sizeof key, "%s", dot + 1);
                if (!documented(page, *k, section, key))
                        n_bad++;
        }
        ASSERT_EQ(n_bad, 0);
        ASSERT_TRUE(n >= 10);
        printf("vnettune.conf.5.scd: %zu configuration keys documented with their defaults\n", n);
        free(page);
        return n;
}

/* The daemons' pages keep a summary only and must point to the (5) page. */
static void check_pointers(void) {
        static const char *const pages[] = { "vnettune-guestd.8.scd", "vnettune-hostd.8.scd" };

        for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
                char path[512];
                char *text;

                snprintf(path, sizeof path, "%s/docs/%s", SOURCE_ROOT, pages[i]);
                text = slurp(path);
                if (!strstr(text, "*vnettune.conf*(5)"))
                        fprintf(stderr, "%s does not refer to vnettune.conf(5)\n", pages[i]);
                ASSERT_TRUE(strstr(text, "*vnettune.conf*(5)"));
                free(text);
        }
}

/* Every MESSAGE_ID of common/message-ids.h (a quoted string of 32 hex digits) is in vnettune(7). */
static void check_message_ids(void) {
        char *header = slurp(SOURCE_ROOT "/common/message-ids.h");
        char *page = slurp(SOURCE_ROOT "/docs/vnettune.7.scd");
        size_t n = 0, n_bad = 0;

        for (const char *p = header; (p = strchr(p, '"')); p++) {
                char id[33];
                size_t len = strspn(p + 1, "0123456789abcdef");

                if (len != 32 || p[33] != '"')
                        continue;
                memcpy(id, p + 1, 32);
                id[32] = 0;
                n++;
                if (!strstr(page, id)) {
                        fprintf(stderr, "vnettune.7.scd does not explain MESSAGE_ID %s\n", id);
                        n_bad++;
                }
                p += 33;
        }
        ASSERT_EQ(n_bad, 0);
        ASSERT_TRUE(n >= 11);
        printf("vnettune.7.scd: %zu MESSAGE_IDs explained\n", n);
        free(header);
        free(page);
}

int main(void) {
        check_config_keys();
        check_pointers();
        check_message_ids();
        return 0;
}
