/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Originals store: first value wins, survives a reload from disk, escapes, forgets, and bad files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "originals.h"
#include "test-util.h"

static char dir[] = "/tmp/vnt-test-originals-XXXXXX";

static void test_record_persist_reload(void) {
        Originals o = {}, back = {};
        char path[256];

        snprintf(path, sizeof path, "%s/links/7", dir);
        ASSERT_OK(originals_load(path, &o));
        ASSERT_EQ(o.n, 0);
        ASSERT_TRUE(access(path, F_OK) < 0);            /* nothing recorded, no file */

        ASSERT_EQ(originals_record(&o, "channels", "combined 4"), 1);
        ASSERT_EQ(originals_record(&o, "mtu", "1500"), 1);
        ASSERT_EQ(originals_record(&o, "channels", "combined 8"), 0); /* the first value stays */
        ASSERT_STREQ(originals_get(&o, "channels"), "combined 4");
        ASSERT_TRUE(access(path, F_OK) == 0);

        /* A restarted daemon reads the same. */
        ASSERT_OK(originals_load(path, &back));
        ASSERT_EQ(back.n, 2);
        ASSERT_STREQ(originals_get(&back, "channels"), "combined 4");
        ASSERT_STREQ(originals_get(&back, "mtu"), "1500");
        ASSERT_STREQ(back.settings[0], "channels");     /* order kept */

        ASSERT_OK(originals_forget(&back, "channels"));
        originals_done(&o);
        ASSERT_OK(originals_load(path, &o));
        ASSERT_EQ(o.n, 1);
        ASSERT_TRUE(originals_get(&o, "channels") == NULL);

        ASSERT_OK(originals_forget_all(&o));
        ASSERT_TRUE(access(path, F_OK) < 0);            /* empty: file removed */
        originals_done(&o);
        originals_done(&back);
}

static void test_escaping(void) {
        Originals o = {}, back = {};
        _cleanup_free_ char *text = NULL;

        ASSERT_OK(originals_deserialize("", &o));
        ASSERT_EQ(o.n, 0);
        o.path = NULL;
        ASSERT_EQ(originals_record(&o, "sysctl:net.ipv4.tcp_rmem", "4096 131072 6291456"), 1);
        ASSERT_EQ(originals_record(&o, "weird=key", "line1\nline2\\end"), 1);
        ASSERT_OK(originals_serialize(&o, &text));
        /* Exactly two records, one per line. */
        size_t lines = 0;
        for (const char *p = text; *p; p++)
                lines += *p == '\n';
        ASSERT_EQ(lines, 2);
        ASSERT_TRUE(strstr(text, "weird\\=key=line1\\nline2\\\\end\n"));
        ASSERT_OK(originals_deserialize(text, &back));
        ASSERT_EQ(back.n, 2);
        ASSERT_STREQ(originals_get(&back, "sysctl:net.ipv4.tcp_rmem"), "4096 131072 6291456");
        ASSERT_STREQ(originals_get(&back, "weird=key"), "line1\nline2\\end");
        originals_done(&o);
        originals_done(&back);
}

static void test_bad_file(void) {
        Originals o = {};
        char path[256];
        FILE *f;

        snprintf(path, sizeof path, "%s/bad", dir);
        f = fopen(path, "we");
        ASSERT_TRUE(f);
        fputs("mtu=1500\nthis line has no separator\n", f);
        fclose(f);
        ASSERT_EQ(originals_load(path, &o), -EBADMSG);
        ASSERT_EQ(o.n, 0);                              /* untouched on failure */
        unlink(path);
}

int main(void) {
        ASSERT_TRUE(mkdtemp(dir));
        test_record_persist_reload();
        test_escaping();
        test_bad_file();
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        ASSERT_EQ(system(cmd), 0);
        printf("originals ok\n");
        return 0;
}
