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
        ASSERT_EQ(lines, 3);                            /* two records and the end marker */
        ASSERT_TRUE(strstr(text, "#end\n"));
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

/* A file cut short (no end marker) is not trusted: its last value may be cut too. */
static void test_truncated_and_identity(void) {
        Originals o = {}, back = {};
        _cleanup_free_ char *text = NULL, *moved = NULL;
        char path[256];
        FILE *f;

        ASSERT_EQ(originals_deserialize("mtu=140", &back), -EBADMSG);
        originals_done(&back);
        ASSERT_EQ(originals_deserialize("mtu=1400\n#end\nxps:tx-0=1\n", &back), -EBADMSG);
        originals_done(&back);

        ASSERT_OK(originals_set_identity(&o, "52:54:00:aa:bb:cc"));
        ASSERT_EQ(originals_record(&o, "mtu", "1400"), 1);
        ASSERT_OK(originals_serialize(&o, &text));
        ASSERT_STREQ(text, "#identity 52:54:00:aa:bb:cc\nmtu=1400\n#end\n");
        ASSERT_OK(originals_deserialize(text, &back));
        ASSERT_STREQ(back.identity, "52:54:00:aa:bb:cc");
        ASSERT_STREQ(originals_get(&back, "mtu"), "1400");
        originals_done(&back);
        originals_done(&o);

        /* An unreadable file is moved aside with its bytes, and an empty set comes back. */
        snprintf(path, sizeof path, "%s/links/9", dir);
        f = fopen(path, "we");
        ASSERT_TRUE(f);
        fputs("mtu=140", f);
        fclose(f);
        ASSERT_EQ(originals_load_or_quarantine(path, &o, &moved), 1);
        ASSERT_EQ(o.n, 0);
        ASSERT_STREQ(o.path, path);
        ASSERT_TRUE(moved && strstr(moved, "/links/9.corrupt-"));
        ASSERT_TRUE(access(path, F_OK) < 0);
        f = fopen(moved, "re");
        ASSERT_TRUE(f);
        char buf[32] = {};
        ASSERT_TRUE(fgets(buf, sizeof buf, f));
        fclose(f);
        ASSERT_STREQ(buf, "mtu=140");
        /* Fresh records do not touch the moved file. */
        ASSERT_EQ(originals_record(&o, "mtu", "1500"), 1);
        ASSERT_EQ(access(moved, F_OK), 0);
        unlink(moved);
        originals_done(&o);

        /* A good file loads as it is. */
        free(moved);
        moved = NULL;
        ASSERT_EQ(originals_load_or_quarantine(path, &o, &moved), 0);
        ASSERT_STREQ(originals_get(&o, "mtu"), "1500");
        ASSERT_TRUE(moved == NULL);
        originals_done(&o);
}

int main(void) {
        ASSERT_TRUE(mkdtemp(dir));
        test_record_persist_reload();
        test_escaping();
        test_bad_file();
        test_truncated_and_identity();
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        ASSERT_EQ(system(cmd), 0);
        printf("originals ok\n");
        return 0;
}
