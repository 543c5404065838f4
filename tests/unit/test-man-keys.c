/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every configuration key the parser knows is documented in the man page of each daemon that reads it. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-parser.h"
#include "test-util.h"

typedef struct ManPage {
        const char *name;
        char *text;
        unsigned n_keys;        /* keys checked against it */
} ManPage;

enum { PAGE_GUESTD = 1 << 0, PAGE_HOSTD = 1 << 1 };

/* Which pages document the keys of each section. A section missing here fails the test, so that a
 * new one gets a decision instead of going unchecked. */
static const struct {
        const char *section;
        unsigned pages;
} section_pages[] = {
        { "Match",  PAGE_GUESTD },      /* .link files: described in full once, hostd's page refers to it */
        { "Link",   PAGE_GUESTD },
        { "Guest",  PAGE_GUESTD },
        { "Host",   PAGE_HOSTD },
        { "Sysctl", PAGE_GUESTD | PAGE_HOSTD },
};

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

/* Is Section.Key documented in page: a "## [Section] section" heading, and "*Key=" after it and before
 * the next heading? Key "*" (free-form keys) needs only the heading. */
static bool documented(const ManPage *page, const char *full, const char *section, const char *key) {
        char heading[80], entry[80];
        const char *sec, *next, *hit;

        snprintf(heading, sizeof heading, "## [%s] section", section);
        sec = strstr(page->text, heading);
        if (!sec) {
                fprintf(stderr, "%s lacks a heading \"%s\" (for %s)\n", page->name, heading, full);
                return false;
        }
        if (strcmp(key, "*") == 0)
                return true;
        next = strstr(sec + 3, "\n## ");
        snprintf(entry, sizeof entry, "*%s=", key);
        hit = strstr(sec, entry);
        if (!hit || (next && hit > next)) {
                fprintf(stderr, "%s does not document %s=%s\n", page->name, full,
                        hit ? " in its section" : "");
                return false;
        }
        return true;
}

int main(void) {
        ManPage pages[] = {
                { "vnettune-guestd.8.scd", slurp(SOURCE_ROOT "/docs/vnettune-guestd.8.scd") },
                { "vnettune-hostd.8.scd", slurp(SOURCE_ROOT "/docs/vnettune-hostd.8.scd") },
        };
        size_t n = 0, n_bad = 0;

        for (const char *const *k = conf_known_keys; *k; k++, n++) {
                char section[64], key[64];
                const char *dot = strchr(*k, '.');
                unsigned which = 0;

                ASSERT_TRUE(dot);
                snprintf(section, sizeof section, "%.*s", (int) (dot - *k), *k);
                snprintf(key, sizeof key, "%s", dot + 1);

                for (size_t i = 0; i < sizeof section_pages / sizeof section_pages[0]; i++)
                        if (strcmp(section_pages[i].section, section) == 0)
                                which = section_pages[i].pages;
                if (which == 0) {
                        fprintf(stderr, "%s: section [%s] is not assigned to a man page in %s\n", *k,
                                section, __FILE__);
                        n_bad++;
                        continue;
                }

                for (size_t p = 0; p < sizeof pages / sizeof pages[0]; p++) {
                        if (!(which & (1u << p)))
                                continue;
                        pages[p].n_keys++;
                        if (!documented(&pages[p], *k, section, key))
                                n_bad++;
                }
        }

        ASSERT_EQ(n_bad, 0);
        ASSERT_TRUE(n >= 10);
        for (size_t p = 0; p < sizeof pages / sizeof pages[0]; p++) {
                ASSERT_TRUE(pages[p].n_keys > 0);
                printf("%s: %u configuration keys documented\n", pages[p].name, pages[p].n_keys);
                free(pages[p].text);
        }
        return 0;
}
