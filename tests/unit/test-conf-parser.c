/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of the policy parsers, link matching and the layered loading of directories and drop-ins. */
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

#include "conf-parser.h"
#include "link-policy.h"
#include "macro.h"
#include "test-util.h"

#ifdef SOURCE_ROOT
#  define VENDOR_DIR SOURCE_ROOT "/guest/conf"
#else
#  define VENDOR_DIR TEST_DATA_DIR "/../../guest/conf"
#endif

/* ---- helpers ---- */

static void dump_diags(const ConfDiagnostics *d) {
        for (size_t i = 0; i < d->n; i++)
                fprintf(stderr, "  diag %zu: %s:%u: %s\n", i, d->items[i].file, d->items[i].line,
                        d->items[i].message);
}

static void assert_no_diags(const ConfDiagnostics *d) {
        if (d->n != 0)
                dump_diags(d);
        ASSERT_EQ(d->n, 0);
}

/* Diagnostic i must be at file:line and contain every given substring. */
static void assert_diag_at(const ConfDiagnostics *d, size_t i, const char *file, unsigned line, ...) {
        va_list ap;

        if (i >= d->n)
                dump_diags(d);
        ASSERT_TRUE(i < d->n);
        if (!streq(d->items[i].file, file) || d->items[i].line != line)
                dump_diags(d);
        ASSERT_STREQ(d->items[i].file, file);
        ASSERT_EQ(d->items[i].line, line);

        va_start(ap, line);
        for (const char *s; (s = va_arg(ap, const char *)); )
                if (!strstr(d->items[i].message, s)) {
                        fprintf(stderr, "diagnostic \"%s\" lacks \"%s\"\n", d->items[i].message, s);
                        abort();
                }
        va_end(ap);
}

static size_t strv_length_test(char *const *l) {
        size_t n = 0;

        while (l && l[n])
                n++;
        return n;
}

/* The whole content of a file, for copying the shipped files into a scratch tree. */
static char *read_text(const char *path) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f, *m;
        int c;

        f = fopen(path, "re");
        if (!f)
                fprintf(stderr, "cannot open %s: %m\n", path);
        ASSERT_TRUE(f);
        m = open_memstream(&buf, &size);
        ASSERT_TRUE(m);
        while ((c = fgetc(f)) != EOF)
                ASSERT_TRUE(fputc(c, m) != EOF);
        ASSERT_EQ(fclose(f), 0);
        ASSERT_EQ(fclose(m), 0);
        return buf;
}

static void link_policy_init(LinkPolicy *p) {
        *p = (LinkPolicy) {};
        link_settings_init(&p->settings);
}

static void link_policy_clear(LinkPolicy *p) {
        strv_free(p->match_driver);
        strv_free(p->match_name);
        strv_free(p->match_mac);
        link_settings_done(&p->settings);
        *p = (LinkPolicy) {};
}

static void parse_link_ok(const char *text, LinkPolicy *p) {
        ConfDiagnostics d = {};

        link_policy_init(p);
        ASSERT_OK(conf_parse_link("t.link", text, p, &d));
        assert_no_diags(&d);
}

static void assert_xps(const LinkSettings *s, const char *const *masks) {
        unsigned n = 0;

        while (masks[n])
                n++;
        ASSERT_EQ(s->xps_mode, XPS_LIST);
        ASSERT_EQ(s->n_xps, n);
        for (unsigned i = 0; i < n; i++) {
                _cleanup_free_ char *f = NULL;

                ASSERT_OK(cpuset_format_mask(&s->xps[i], &f));
                ASSERT_STREQ(f, masks[i]);
        }
}

static const char *sysctl_get(const DaemonConfig *c, const char *key) {
        for (size_t i = 0; i < c->n_sysctls; i++)
                if (streq(c->sysctls[i].key, key))
                        return c->sysctls[i].value;
        return NULL;
}

/* Writes root/rel, creating the directories on the way. */
static void write_file(const char *root, const char *rel, const char *content) {
        _cleanup_free_ char *path = NULL;
        FILE *f;

        ASSERT_TRUE(asprintf(&path, "%s/%s", root, rel) > 0);
        for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
                *p = 0;
                ASSERT_TRUE(mkdir(path, 0755) >= 0 || errno == EEXIST);
                *p = '/';
        }
        f = fopen(path, "we");
        ASSERT_TRUE(f);
        ASSERT_TRUE(fputs(content, f) >= 0);
        ASSERT_EQ(fclose(f), 0);
}

static void write_bytes(const char *root, const char *rel, const void *data, size_t n) {
        _cleanup_free_ char *path = NULL;
        FILE *f;

        ASSERT_TRUE(asprintf(&path, "%s/%s", root, rel) > 0);
        f = fopen(path, "we");
        ASSERT_TRUE(f);
        ASSERT_EQ(fwrite(data, 1, n, f), n);
        ASSERT_EQ(fclose(f), 0);
}

static void make_symlink(const char *root, const char *rel, const char *target) {
        _cleanup_free_ char *path = NULL;

        ASSERT_TRUE(asprintf(&path, "%s/%s", root, rel) > 0);
        ASSERT_OK(symlink(target, path));
}

static char *path_in(const char *root, const char *rel) {
        char *p;

        ASSERT_TRUE(asprintf(&p, "%s/%s", root, rel) > 0);
        return p;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

static void rm_rf(const char *root) {
        ASSERT_EQ(nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static char *make_tree(void) {
        char *t = strdup("/tmp/test-conf-parser.XXXXXX");

        ASSERT_TRUE(t);
        ASSERT_TRUE(mkdtemp(t));
        return t;
}

/* ---- drift strings ---- */

static void test_drift_strings(void) {
        static const struct {
                DriftMode mode;
                const char *name;
        } table[] = {
                { DRIFT_ENFORCE, "enforce" },
                { DRIFT_REPORT,  "report" },
                { DRIFT_IGNORE,  "ignore" },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                ASSERT_STREQ(drift_mode_to_string(table[i].mode), table[i].name);
                ASSERT_EQ(drift_mode_from_string(table[i].name), table[i].mode);
        }
        ASSERT_EQ(drift_mode_from_string("Enforce"), _DRIFT_MODE_INVALID);
        ASSERT_EQ(drift_mode_from_string(""), _DRIFT_MODE_INVALID);
        ASSERT_EQ(drift_mode_from_string(NULL), _DRIFT_MODE_INVALID);
        ASSERT_TRUE(drift_mode_to_string(_DRIFT_MODE_MAX) == NULL);
        ASSERT_TRUE(drift_mode_to_string(_DRIFT_MODE_INVALID) == NULL);
}

/* ---- [Link] value forms ---- */

static void test_link_defaults(void) {
        LinkPolicy p;

        parse_link_ok("", &p);
        ASSERT_EQ(p.settings.channels_mode, CHANNELS_KEEP);
        ASSERT_EQ(p.settings.xps_mode, XPS_KEEP);
        ASSERT_EQ(p.settings.n_xps, 0);
        ASSERT_EQ(p.settings.mtu_mode, MTU_KEEP);
        for (Offload o = 0; o < _OFFLOAD_MAX; o++)
                ASSERT_EQ(p.settings.offloads[o], OFFLOAD_WANT_KEEP);
        ASSERT_EQ(p.settings.drift, _DRIFT_MODE_INVALID);
        ASSERT_TRUE(!p.match_driver && !p.match_name && !p.match_mac);
        link_policy_clear(&p);
}

/* Every numeric-or-keyword key: the value, and the mode and number it must give (bad: a diagnostic and
 * the previous setting stays). Each case starts from "Key=<prev>" on line 2 and tests line 3. */
typedef struct ValueCase {
        const char *key;
        const char *value;
        bool bad;
        int mode;
        uint32_t number;
} ValueCase;

static void link_value(const LinkSettings *s, const char *key, int *ret_mode, uint32_t *ret_number) {
        if (streq(key, "Channels")) {
                *ret_mode = s->channels_mode;
                *ret_number = s->channels;
        } else if (streq(key, "MTU")) {
                *ret_mode = s->mtu_mode;
                *ret_number = s->mtu;
        } else if (streq(key, "Drift")) {
                *ret_mode = s->drift;
                *ret_number = 0;
        } else {
                Offload o;
                char lower[8] = {};

                for (size_t i = 0; key[i] && i < sizeof(lower) - 1; i++)
                        lower[i] = (char) (key[i] | 0x20);
                o = offload_from_string(lower);
                ASSERT_TRUE(o >= 0);
                *ret_mode = s->offloads[o];
                *ret_number = 0;
        }
}

static void test_link_values(void) {
        static const ValueCase table[] = {
                { "Channels", "auto",       false, CHANNELS_AUTO,   0 },
                { "Channels", "max",        false, CHANNELS_MAX,    0 },
                { "Channels", "keep",       false, CHANNELS_KEEP,   0 },
                { "Channels", "",           false, CHANNELS_KEEP,   0 },
                { "Channels", "1",          false, CHANNELS_NUMBER, 1 },
                { "Channels", "64",         false, CHANNELS_NUMBER, 64 },
                { "Channels", "4294967295", false, CHANNELS_NUMBER, 4294967295u },
                { "Channels", "0",          true },
                { "Channels", "-1",         true },
                { "Channels", "+2",         true },
                { "Channels", "0x4",        true },
                { "Channels", "1.5",        true },
                { "Channels", "2 3",        true },
                { "Channels", "4294967296", true },
                { "Channels", "Auto",       true },
                { "Channels", "many",       true },
                { "MTU",      "keep",       false, MTU_KEEP,   0 },
                { "MTU",      "",           false, MTU_KEEP,   0 },
                { "MTU",      "max",        false, MTU_MAX,    0 },
                { "MTU",      "68",         false, MTU_NUMBER, 68 },
                { "MTU",      "1500",       false, MTU_NUMBER, 1500 },
                { "MTU",      "9000",       false, MTU_NUMBER, 9000 },
                { "MTU",      "65535",      false, MTU_NUMBER, 65535 },
                { "MTU",      "67",         true },
                { "MTU",      "0",          true },
                { "MTU",      "65536",      true },
                { "MTU",      "9k",         true },
                { "MTU",      "jumbo",      true },
                { "Drift",    "enforce",    false, DRIFT_ENFORCE },
                { "Drift",    "report",     false, DRIFT_REPORT },
                { "Drift",    "ignore",     false, DRIFT_IGNORE },
                { "Drift",    "",           false, _DRIFT_MODE_INVALID },
                { "Drift",    "warn",       true },
                { "Drift",    "REPORT",     true },
        };
        static const char *const offload_keys[] = { "TSO", "GSO", "GRO", "LRO" };
        static const struct {
                const char *value;
                bool bad;
                OffloadWant want;
        } offload_values[] = {
                { "on",    false, OFFLOAD_WANT_ON },
                { "off",   false, OFFLOAD_WANT_OFF },
                { "keep",  false, OFFLOAD_WANT_KEEP },
                { "",      false, OFFLOAD_WANT_KEEP },
                { "yes",   false, OFFLOAD_WANT_ON },
                { "no",    false, OFFLOAD_WANT_OFF },
                { "true",  false, OFFLOAD_WANT_ON },
                { "false", false, OFFLOAD_WANT_OFF },
                { "1",     false, OFFLOAD_WANT_ON },
                { "0",     false, OFFLOAD_WANT_OFF },
                { "ON",    false, OFFLOAD_WANT_ON },
                { "Off",   false, OFFLOAD_WANT_OFF },
                { "maybe", true },
                { "2",     true },
                { "on off", true },
        };
        size_t n_cases = ELEMENTSOF(table) + ELEMENTSOF(offload_keys) * ELEMENTSOF(offload_values);

        for (size_t i = 0; i < n_cases; i++) {
                ValueCase c;
                const char *prev;
                _cleanup_free_ char *text = NULL;
                ConfDiagnostics d = {};
                LinkPolicy p;
                int mode, prev_mode;
                uint32_t number, prev_number;

                if (i < ELEMENTSOF(table))
                        c = table[i];
                else {
                        size_t j = i - ELEMENTSOF(table);
                        size_t k = j / ELEMENTSOF(offload_values), v = j % ELEMENTSOF(offload_values);

                        c = (ValueCase) {
                                .key = offload_keys[k],
                                .value = offload_values[v].value,
                                .bad = offload_values[v].bad,
                                .mode = offload_values[v].want,
                        };
                }

                /* A previous, different, valid setting that a bad value must leave alone. */
                prev = streq(c.key, "Channels") ? "3" : streq(c.key, "MTU") ? "1280" :
                       streq(c.key, "Drift") ? "report" : "off";
                ASSERT_TRUE(asprintf(&text, "[Link]\n%s=%s\n  %s =  %s  \n",
                                     c.key, prev, c.key, c.value) > 0);

                link_policy_init(&p);
                ASSERT_OK(conf_parse_link("v.link", text, &p, &d));

                if (c.bad) {
                        _cleanup_free_ char *v = NULL, *k = NULL;

                        ASSERT_TRUE(asprintf(&v, "Invalid value '%s'", c.value) > 0);
                        ASSERT_TRUE(asprintf(&k, "for %s=", c.key) > 0);
                        ASSERT_EQ(d.n, 1);
                        assert_diag_at(&d, 0, "v.link", 3, v, k, "ignoring", NULL);

                        /* the value of line 2 is still in place */
                        link_value(&p.settings, c.key, &mode, &number);
                        {
                                LinkPolicy q;
                                _cleanup_free_ char *t2 = NULL;

                                ASSERT_TRUE(asprintf(&t2, "[Link]\n%s=%s\n", c.key, prev) > 0);
                                parse_link_ok(t2, &q);
                                link_value(&q.settings, c.key, &prev_mode, &prev_number);
                                link_policy_clear(&q);
                        }
                        ASSERT_EQ(mode, prev_mode);
                        ASSERT_EQ(number, prev_number);
                } else {
                        if (d.n != 0)
                                fprintf(stderr, "case %s=%s\n", c.key, c.value);
                        assert_no_diags(&d);
                        link_value(&p.settings, c.key, &mode, &number);
                        if (mode != c.mode || number != c.number)
                                fprintf(stderr, "case %s=%s\n", c.key, c.value);
                        ASSERT_EQ(mode, c.mode);
                        ASSERT_EQ(number, c.number);
                }

                link_policy_clear(&p);
                conf_diagnostics_done(&d);
        }
}

static void test_link_xps(void) {
        static const struct {
                const char *value;
                XpsMode mode;
                const char *masks[5];
        } good[] = {
                { "auto",                  XPS_AUTO },
                { "keep",                  XPS_KEEP },
                { "",                      XPS_KEEP },
                { "ff",                    XPS_LIST, { "ff" } },
                { "1 2 4 8",               XPS_LIST, { "1", "2", "4", "8" } },
                { "ff,00000000   1\t0",    XPS_LIST, { "ff,00000000", "1", "0" } },
                { "0000000f",              XPS_LIST, { "f" } },
        };
        static const char *const bad[] = {
                "zz",
                "1 zz",
                "Auto",
                "auto 1",
                "123456789",
                "1,,2",
        };

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                _cleanup_free_ char *text = NULL;
                LinkPolicy p;

                ASSERT_TRUE(asprintf(&text, "[Link]\nXPS=3 c\nXPS=%s\n", good[i].value) > 0);
                parse_link_ok(text, &p);
                if (good[i].mode == XPS_LIST)
                        assert_xps(&p.settings, good[i].masks);
                else {
                        ASSERT_EQ(p.settings.xps_mode, good[i].mode);
                        ASSERT_EQ(p.settings.n_xps, 0);
                        ASSERT_TRUE(p.settings.xps == NULL);
                }
                link_policy_clear(&p);
        }

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *text = NULL, *msg = NULL;
                ConfDiagnostics d = {};
                LinkPolicy p;

                ASSERT_TRUE(asprintf(&text, "[Link]\nXPS=3 c\nXPS=%s\n", bad[i]) > 0);
                ASSERT_TRUE(asprintf(&msg, "Invalid value '%s' for XPS=, ignoring", bad[i]) > 0);
                link_policy_init(&p);
                ASSERT_OK(conf_parse_link("x.link", text, &p, &d));
                ASSERT_EQ(d.n, 1);
                assert_diag_at(&d, 0, "x.link", 3, msg, NULL);
                /* the whole list is rejected; the earlier one stays */
                assert_xps(&p.settings, (const char *const[]) { "3", "c", NULL });
                link_policy_clear(&p);
                conf_diagnostics_done(&d);
        }
}

/* ---- [Match] ---- */

static void test_match_lists(void) {
        ConfDiagnostics d = {};
        LinkPolicy p;

        parse_link_ok("[Match]\n"
                      "Driver=virtio_net  tun\n"
                      "Driver=veth\n"
                      "Name=eth*\n"
                      "MACAddress=52:54:00:AA:bb:Cc 02:00:00:00:00:01\n",
                      &p);
        ASSERT_EQ(strv_length_test(p.match_driver), 3);
        ASSERT_STREQ(p.match_driver[0], "virtio_net");
        ASSERT_STREQ(p.match_driver[1], "tun");
        ASSERT_STREQ(p.match_driver[2], "veth");
        ASSERT_STREQ(p.match_name[0], "eth*");
        ASSERT_TRUE(p.match_name[1] == NULL);
        ASSERT_STREQ(p.match_mac[0], "52:54:00:aa:bb:cc");
        ASSERT_STREQ(p.match_mac[1], "02:00:00:00:00:01");
        ASSERT_TRUE(p.match_mac[2] == NULL);
        link_policy_clear(&p);

        /* an empty assignment resets the list */
        parse_link_ok("[Match]\nDriver=virtio_net\nDriver=\nName=eth0\nName=\nName=ens*\n", &p);
        ASSERT_TRUE(p.match_driver == NULL);
        ASSERT_STREQ(p.match_name[0], "ens*");
        ASSERT_TRUE(p.match_name[1] == NULL);
        link_policy_clear(&p);

        /* a bad address is reported and dropped, the good ones stay */
        link_policy_init(&p);
        ASSERT_OK(conf_parse_link("m.link", "[Match]\nMACAddress=52:54:00:00:00:01 52:54:00:00:00 zz\n",
                                  &p, &d));
        ASSERT_EQ(d.n, 2);
        assert_diag_at(&d, 0, "m.link", 2, "Invalid value '52:54:00:00:00' for MACAddress=, ignoring", NULL);
        assert_diag_at(&d, 1, "m.link", 2, "Invalid value 'zz' for MACAddress=, ignoring", NULL);
        ASSERT_STREQ(p.match_mac[0], "52:54:00:00:00:01");
        ASSERT_TRUE(p.match_mac[1] == NULL);
        link_policy_clear(&p);
        conf_diagnostics_done(&d);

        /* only bad addresses: the policy matches nothing rather than everything */
        link_policy_init(&p);
        ASSERT_OK(conf_parse_link("m.link", "[Match]\nMACAddress=52-54-00-00-00-01\n", &p, &d));
        ASSERT_EQ(d.n, 1);
        assert_diag_at(&d, 0, "m.link", 2, "Invalid value '52-54-00-00-00-01' for MACAddress=", NULL);
        ASSERT_TRUE(p.match_mac != NULL);
        ASSERT_TRUE(p.match_mac[0] == NULL);
        ASSERT_FALSE(link_policy_matches(&p, "eth0", "virtio_net", "52:54:00:00:00:01"));
        link_policy_clear(&p);
        conf_diagnostics_done(&d);
}

static void test_match(void) {
        static const struct {
                const char *match;
                const char *name, *driver, *mac;
                bool expect;
        } table[] = {
                /* empty [Match]: everything, even a device without driver or address */
                { "",                                   "eth0", "virtio_net", "52:54:00:00:00:01", true },
                { "",                                   "lo",   NULL,         NULL,                true },
                /* globs */
                { "Driver=virtio_net",                  "eth0", "virtio_net", NULL,  true },
                { "Driver=virtio_net",                  "eth0", "virtio_net_x", NULL, false },
                { "Driver=virtio*",                     "eth0", "virtio_net", NULL,  true },
                { "Driver=virtio*",                     "eth0", "e1000",      NULL,  false },
                { "Driver=virtio*",                     "eth0", NULL,         NULL,  false },
                { "Driver=e1000 virtio_?et",            "eth0", "virtio_net", NULL,  true },
                { "Driver=[vt]un",                      "t0",   "tun",        NULL,  true },
                { "Name=eth*",                          "eth12", "virtio_net", NULL, true },
                { "Name=eth*",                          "ens3",  "virtio_net", NULL, false },
                { "Name=eth? ens*",                     "ens3",  "virtio_net", NULL, true },
                { "Name=eth?",                          "eth12", "virtio_net", NULL, false },
                /* MAC: exact, case-insensitive either side */
                { "MACAddress=52:54:00:AB:CD:EF",       "eth0", "virtio_net", "52:54:00:ab:cd:ef", true },
                { "MACAddress=52:54:00:ab:cd:ef",       "eth0", "virtio_net", "52:54:00:AB:CD:EF", true },
                { "MACAddress=52:54:00:ab:cd:ef",       "eth0", "virtio_net", "52:54:00:ab:cd:ee", false },
                { "MACAddress=52:54:00:ab:cd:ef",       "eth0", "virtio_net", "",                  false },
                { "MACAddress=52:54:00:ab:cd:ef",       "eth0", "virtio_net", NULL,                false },
                { "MACAddress=02:00:00:00:00:01 52:54:00:ab:cd:ef", "e", "d", "52:54:00:ab:cd:ef", true },
                /* AND across keys */
                { "Driver=virtio_net\nName=eth0",       "eth0", "virtio_net", NULL,  true },
                { "Driver=virtio_net\nName=eth0",       "eth1", "virtio_net", NULL,  false },
                { "Driver=virtio_net\nName=eth0",       "eth0", "tun",        NULL,  false },
                { "Driver=virtio_net\nName=eth*\nMACAddress=52:54:00:00:00:01",
                                                        "eth3", "virtio_net", "52:54:00:00:00:01", true },
                { "Driver=virtio_net\nName=eth*\nMACAddress=52:54:00:00:00:01",
                                                        "eth3", "virtio_net", "52:54:00:00:00:02", false },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                _cleanup_free_ char *text = NULL;
                LinkPolicy p;

                ASSERT_TRUE(asprintf(&text, "[Match]\n%s\n", table[i].match) > 0);
                parse_link_ok(text, &p);
                if (link_policy_matches(&p, table[i].name, table[i].driver, table[i].mac) != table[i].expect)
                        fprintf(stderr, "case %zu: [Match] %s\n", i, table[i].match);
                ASSERT_EQ(link_policy_matches(&p, table[i].name, table[i].driver, table[i].mac),
                          table[i].expect);
                link_policy_clear(&p);
        }
        ASSERT_FALSE(link_policy_matches(NULL, "eth0", "virtio_net", NULL));
}

/* ---- syntax and diagnostics ---- */

static void test_syntax(void) {
        ConfDiagnostics d = {};
        LinkPolicy p;

        /* comments, blanks, whitespace, CRLF, a continuation line, repeated sections */
        parse_link_ok("# comment\n"
                      "; another comment\n"
                      "\n"
                      "   [Match]   \r\n"
                      "  Driver  =  virtio_net \\\n"
                      "# a comment inside a continuation is skipped\n"
                      "    tun\r\n"
                      "\t\n"
                      "[Link]\n"
                      "Channels = 4\r\n"
                      "[Match]\n"
                      "Name=eth0",
                      &p);
        ASSERT_STREQ(p.match_driver[0], "virtio_net");
        ASSERT_STREQ(p.match_driver[1], "tun");
        ASSERT_TRUE(p.match_driver[2] == NULL);
        ASSERT_STREQ(p.match_name[0], "eth0");
        ASSERT_EQ(p.settings.channels_mode, CHANNELS_NUMBER);
        ASSERT_EQ(p.settings.channels, 4);
        link_policy_clear(&p);

        /* every kind of bad line: one diagnostic each, at its line; everything else applies */
        link_policy_init(&p);
        ASSERT_OK(conf_parse_link("bad.link",
                                  "Channels=2\n"                        /* 1: outside any section */
                                  "[Match]\n"                           /* 2 */
                                  "Driver=virtio_net\n"                 /* 3 */
                                  "Foo=bar\n"                           /* 4: unknown key */
                                  "just some words\n"                   /* 5: no '=' */
                                  "=value\n"                            /* 6: no key */
                                  "[Fancy]\n"                           /* 7: unknown section */
                                  "Channels=1\n"                        /* 8: skipped silently */
                                  "nonsense\n"                          /* 9: skipped silently */
                                  "[Link]\n"                            /* 10 */
                                  "Channels=max\n"                      /* 11 */
                                  "Channels=lots\n"                     /* 12: bad value */
                                  "MTU=9000\n"                          /* 13 */
                                  "Name=eth0\n"                         /* 14: Match key in [Link] */
                                  "[Link\n"                             /* 15: bad header */
                                  "MTU=1280\n"                          /* 16: skipped silently */
                                  "[]\n"                                /* 17: bad header */
                                  "[Link]\n"                            /* 18 */
                                  "GRO=off\n",                          /* 19 */
                                  &p, &d));
        ASSERT_EQ(d.n, 9);
        assert_diag_at(&d, 0, "bad.link", 1, "Assignment 'Channels=2' outside of any section, ignoring",
                       NULL);
        assert_diag_at(&d, 1, "bad.link", 4, "Unknown key 'Foo' in section [Match], ignoring", NULL);
        assert_diag_at(&d, 2, "bad.link", 5, "Line 'just some words' has no '=', ignoring", NULL);
        assert_diag_at(&d, 3, "bad.link", 6, "Missing key name", "[Match]", NULL);
        assert_diag_at(&d, 4, "bad.link", 7, "Unknown section [Fancy], ignoring", NULL);
        assert_diag_at(&d, 5, "bad.link", 12, "Invalid value 'lots' for Channels=, ignoring", NULL);
        assert_diag_at(&d, 6, "bad.link", 14, "Unknown key 'Name' in section [Link], ignoring", NULL);
        assert_diag_at(&d, 7, "bad.link", 15, "Invalid section header '[Link'", NULL);
        assert_diag_at(&d, 8, "bad.link", 17, "Invalid section header '[]'", NULL);
        ASSERT_STREQ(p.match_driver[0], "virtio_net");
        ASSERT_TRUE(p.match_name == NULL);
        ASSERT_EQ(p.settings.channels_mode, CHANNELS_MAX);
        ASSERT_EQ(p.settings.mtu_mode, MTU_NUMBER);
        ASSERT_EQ(p.settings.mtu, 9000);
        ASSERT_EQ(p.settings.offloads[OFFLOAD_GRO], OFFLOAD_WANT_OFF);
        link_policy_clear(&p);
        conf_diagnostics_done(&d);

        /* keys are case-sensitive */
        link_policy_init(&p);
        ASSERT_OK(conf_parse_link("c.link", "[Link]\ngro=on\n", &p, &d));
        ASSERT_EQ(d.n, 1);
        assert_diag_at(&d, 0, "c.link", 2, "Unknown key 'gro' in section [Link]", NULL);
        ASSERT_EQ(p.settings.offloads[OFFLOAD_GRO], OFFLOAD_WANT_KEEP);
        link_policy_clear(&p);
        conf_diagnostics_done(&d);

        /* a continuation names its first line; a file may end inside one */
        link_policy_init(&p);
        ASSERT_OK(conf_parse_link("k.link", "[Link]\n\nMTU=\\\n  90000\n[Match]\nName=a \\\n b\\", &p, &d));
        ASSERT_EQ(d.n, 1);
        assert_diag_at(&d, 0, "k.link", 3, "Invalid value '90000' for MTU=", NULL);
        ASSERT_STREQ(p.match_name[0], "a");
        ASSERT_STREQ(p.match_name[1], "b");
        link_policy_clear(&p);
        conf_diagnostics_done(&d);

        /* diagnostics may be dropped by passing NULL */
        link_policy_init(&p);
        ASSERT_OK(conf_parse_link("n.link", "[Nope]\n[Link]\nMTU=1\nMTU=1400\n", &p, NULL));
        ASSERT_EQ(p.settings.mtu, 1400);
        link_policy_clear(&p);
}

/* ---- guestd.conf / hostd.conf ---- */

static void test_daemon(void) {
        ConfDiagnostics d = {};
        DaemonConfig c;

        daemon_config_init(&c);
        ASSERT_EQ(c.drift, DRIFT_ENFORCE);
        ASSERT_FALSE(c.revert_on_stop);
        ASSERT_TRUE(c.apply_sysctls);
        ASSERT_EQ(c.n_sysctls, 0);

        ASSERT_OK(conf_parse_daemon("g.conf",
                                    "[Guest]\n"                                         /* 1 */
                                    "Drift=report\n"                                    /* 2 */
                                    "RevertOnStop=yes\n"                                /* 3 */
                                    "ApplySysctls=false\n"                              /* 4 */
                                    "[Sysctl]\n"                                        /* 5 */
                                    "net.core.rmem_max = 16777216\n"                    /* 6 */
                                    "net/core/wmem_max=16777216\n"                      /* 7 */
                                    "net.ipv4.tcp_rmem =  4096\t 1048576     16777216 \n" /* 8 */
                                    "net.core.somaxconn=4096\n"                         /* 9 */
                                    "net.core.rmem_max=8388608\n"                       /* 10: replaces */
                                    "net.ipv4.conf.all.rp_filter=\n"                    /* 11: not there */
                                    "net.core.somaxconn=\n"                             /* 12: removes */
                                    "kernel.sched-x_y.z9=1\n",                          /* 13 */
                                    "Guest", &c, &d));
        assert_no_diags(&d);
        ASSERT_EQ(c.drift, DRIFT_REPORT);
        ASSERT_TRUE(c.revert_on_stop);
        ASSERT_FALSE(c.apply_sysctls);
        ASSERT_EQ(c.n_sysctls, 4);
        ASSERT_STREQ(c.sysctls[0].key, "net.core.rmem_max");
        ASSERT_STREQ(c.sysctls[0].value, "8388608");
        ASSERT_STREQ(c.sysctls[1].key, "net.core.wmem_max");
        ASSERT_STREQ(c.sysctls[1].value, "16777216");
        ASSERT_STREQ(c.sysctls[2].key, "net.ipv4.tcp_rmem");
        ASSERT_STREQ(c.sysctls[2].value, "4096 1048576 16777216");
        ASSERT_STREQ(c.sysctls[3].key, "kernel.sched-x_y.z9");
        ASSERT_STREQ(c.sysctls[3].value, "1");

        /* applying again layers on top; empty values restore the defaults */
        ASSERT_OK(conf_parse_daemon("h.conf", "[Guest]\nDrift=\nRevertOnStop=\nApplySysctls=\n", "Guest",
                                    &c, &d));
        assert_no_diags(&d);
        ASSERT_EQ(c.drift, DRIFT_ENFORCE);
        ASSERT_FALSE(c.revert_on_stop);
        ASSERT_TRUE(c.apply_sysctls);
        ASSERT_EQ(c.n_sysctls, 4);
        daemon_config_done(&c);
        ASSERT_EQ(c.n_sysctls, 0);
        ASSERT_TRUE(c.sysctls == NULL);

        /* bool forms */
        static const struct {
                const char *value;
                int expect;     /* -1: bad */
        } bools[] = {
                { "yes", 1 }, { "no", 0 }, { "true", 1 }, { "false", 0 }, { "on", 1 }, { "off", 0 },
                { "1", 1 }, { "0", 0 }, { "YES", 1 }, { "False", 0 },
                { "2", -1 }, { "y", -1 }, { "enable", -1 }, { "yes please", -1 },
        };
        for (size_t i = 0; i < ELEMENTSOF(bools); i++)
                for (int which = 0; which < 2; which++) {
                        const char *key = which ? "ApplySysctls" : "RevertOnStop";
                        _cleanup_free_ char *text = NULL, *msg = NULL;
                        bool v, def = which ? true : false;

                        ASSERT_TRUE(asprintf(&text, "[Host]\n%s=%s\n", key, bools[i].value) > 0);
                        daemon_config_init(&c);
                        ASSERT_OK(conf_parse_daemon("b.conf", text, "Host", &c, &d));
                        v = which ? c.apply_sysctls : c.revert_on_stop;
                        if (bools[i].expect < 0) {
                                ASSERT_TRUE(asprintf(&msg, "Invalid value '%s' for %s=, ignoring",
                                                     bools[i].value, key) > 0);
                                ASSERT_EQ(d.n, 1);
                                assert_diag_at(&d, 0, "b.conf", 2, msg, NULL);
                                ASSERT_EQ(v, def);
                        } else {
                                assert_no_diags(&d);
                                ASSERT_EQ(v, bools[i].expect);
                        }
                        daemon_config_done(&c);
                        conf_diagnostics_done(&d);
                }

        /* bad input in a daemon file */
        daemon_config_init(&c);
        ASSERT_OK(conf_parse_daemon("/x/guestd.conf",
                                    "[Host]\n"                          /* 1: the other daemon's section */
                                    "Drift=ignore\n"                    /* 2: skipped silently */
                                    "[Guest]\n"                         /* 3 */
                                    "Drift=sometimes\n"                 /* 4 */
                                    "Verbose=yes\n"                     /* 5 */
                                    "[Sysctl]\n"                        /* 6 */
                                    "net=1\n"                           /* 7: one component */
                                    "net..core=1\n"                     /* 8 */
                                    ".net.core=1\n"                     /* 9 */
                                    "net.core.=1\n"                     /* 10 */
                                    "net/ipv4/conf/eth0.100/x=1\n"      /* 11: mixed */
                                    "net.core.rmem max=1\n"             /* 12: blank inside */
                                    "net.core.x!=1\n"                   /* 13 */
                                    "/proc/sys/net/core/x=1\n"          /* 14 */
                                    "net.core.netdev_max_backlog=5000\n", /* 15 */
                                    "Guest", &c, &d));
        ASSERT_EQ(d.n, 11);
        assert_diag_at(&d, 0, "/x/guestd.conf", 1, "Unknown section [Host], ignoring", NULL);
        assert_diag_at(&d, 1, "/x/guestd.conf", 4, "Invalid value 'sometimes' for Drift=, ignoring", NULL);
        assert_diag_at(&d, 2, "/x/guestd.conf", 5, "Unknown key 'Verbose' in section [Guest], ignoring",
                       NULL);
        assert_diag_at(&d, 3, "/x/guestd.conf", 7, "Invalid sysctl name 'net', ignoring", NULL);
        assert_diag_at(&d, 4, "/x/guestd.conf", 8, "Invalid sysctl name 'net..core'", NULL);
        assert_diag_at(&d, 5, "/x/guestd.conf", 9, "Invalid sysctl name '.net.core'", NULL);
        assert_diag_at(&d, 6, "/x/guestd.conf", 10, "Invalid sysctl name 'net.core.'", NULL);
        assert_diag_at(&d, 7, "/x/guestd.conf", 11, "Invalid sysctl name 'net/ipv4/conf/eth0.100/x'", NULL);
        assert_diag_at(&d, 8, "/x/guestd.conf", 12, "Invalid sysctl name 'net.core.rmem max'", NULL);
        assert_diag_at(&d, 9, "/x/guestd.conf", 13, "Invalid sysctl name 'net.core.x!'", NULL);
        assert_diag_at(&d, 10, "/x/guestd.conf", 14, "Invalid sysctl name '/proc/sys/net/core/x'", NULL);
        ASSERT_EQ(c.drift, DRIFT_ENFORCE);
        ASSERT_EQ(c.n_sysctls, 1);
        ASSERT_STREQ(sysctl_get(&c, "net.core.netdev_max_backlog"), "5000");
        daemon_config_done(&c);
        conf_diagnostics_done(&d);

        /* [Link] means nothing in a daemon file, [Guest] nothing in a link file */
        daemon_config_init(&c);
        ASSERT_OK(conf_parse_daemon("g.conf", "[Link]\nMTU=1500\n[Guest]\nDrift=ignore\n", "Guest", &c, &d));
        ASSERT_EQ(d.n, 1);
        assert_diag_at(&d, 0, "g.conf", 1, "Unknown section [Link]", NULL);
        ASSERT_EQ(c.drift, DRIFT_IGNORE);
        daemon_config_done(&c);
        conf_diagnostics_done(&d);
}

/* Every key in conf_known_keys is accepted by its parser, and the list has the expected size. */
static void test_known_keys(void) {
        static const struct {
                const char *key;
                const char *line;
        } samples[] = {
                { "Match.Driver",       "Driver=virtio_net" },
                { "Match.Name",         "Name=eth*" },
                { "Match.MACAddress",   "MACAddress=52:54:00:00:00:01" },
                { "Link.Channels",      "Channels=2" },
                { "Link.XPS",           "XPS=1 2" },
                { "Link.MTU",           "MTU=1500" },
                { "Link.TxQueueLength", "TxQueueLength=4000" },
                { "Link.TSO",           "TSO=on" },
                { "Link.GSO",           "GSO=on" },
                { "Link.GRO",           "GRO=on" },
                { "Link.LRO",           "LRO=off" },
                { "Link.Drift",         "Drift=report" },
                { "Guest.Drift",        "Drift=report" },
                { "Guest.RevertOnStop", "RevertOnStop=yes" },
                { "Guest.ApplySysctls", "ApplySysctls=no" },
                { "Host.Drift",         "Drift=report" },
                { "Host.RevertOnStop",  "RevertOnStop=yes" },
                { "Host.ApplySysctls",  "ApplySysctls=no" },
                { "Host.VhostPlacement", "VhostPlacement=0-1" },
                { "Sysctl.*",           "net.core.somaxconn=1024" },
        };
        size_t n = 0;

        for (; conf_known_keys[n]; n++) {
                const char *k = conf_known_keys[n], *dot = strchr(k, '.');
                _cleanup_free_ char *section = NULL, *text = NULL;
                const char *line = NULL;
                ConfDiagnostics d = {};

                ASSERT_TRUE(dot);
                section = strndup(k, (size_t) (dot - k));
                ASSERT_TRUE(section);
                for (size_t i = 0; i < ELEMENTSOF(samples); i++)
                        if (streq(samples[i].key, k))
                                line = samples[i].line;
                if (!line)
                        fprintf(stderr, "no sample for known key %s\n", k);
                ASSERT_TRUE(line);
                ASSERT_TRUE(asprintf(&text, "[%s]\n%s\n", section, line) > 0);

                if (streq(section, "Match") || streq(section, "Link")) {
                        LinkPolicy p;

                        link_policy_init(&p);
                        ASSERT_OK(conf_parse_link("k.link", text, &p, &d));
                        link_policy_clear(&p);
                } else {
                        DaemonConfig c;

                        daemon_config_init(&c);
                        ASSERT_OK(conf_parse_daemon("k.conf", text,
                                                    streq(section, "Sysctl") ? "Guest" : section, &c, &d));
                        if (streq(section, "Sysctl"))
                                ASSERT_EQ(c.n_sysctls, 1);
                        else    /* each sample moves its key away from the default */
                                ASSERT_TRUE(c.drift != DRIFT_ENFORCE || c.revert_on_stop ||
                                            !c.apply_sysctls || c.vhost_placement);
                        daemon_config_done(&c);
                }
                assert_no_diags(&d);
        }
        ASSERT_EQ(n, ELEMENTSOF(samples));
}

/* ---- the vendor files ---- */

static void test_vendor_files(void) {
        _cleanup_free_ char *root = make_tree(), *g = read_text(VENDOR_DIR "/guestd.conf"),
                *l = read_text(VENDOR_DIR "/90-virtio-net.link");
        ConfDiagnostics d = {};
        Policy p = {};
        const LinkPolicy *lp;

        /* Install the shipped files into a scratch root, as /usr/lib/vnettune would hold them. */
        write_file(root, "usr/lib/vnettune/guestd.conf", g);
        write_file(root, "usr/lib/vnettune/90-virtio-net.link", l);

        ASSERT_OK(conf_load_policy(root, "guestd", &p, &d));
        assert_no_diags(&d);
        ASSERT_EQ(p.daemon.drift, DRIFT_ENFORCE);
        ASSERT_FALSE(p.daemon.revert_on_stop);
        ASSERT_TRUE(p.daemon.apply_sysctls);
        ASSERT_EQ(p.daemon.n_sysctls, 8);
        ASSERT_STREQ(sysctl_get(&p.daemon, "net.core.rmem_max"), "16777216");
        ASSERT_STREQ(sysctl_get(&p.daemon, "net.core.wmem_max"), "16777216");
        ASSERT_STREQ(sysctl_get(&p.daemon, "net.core.rmem_default"), "1048576");
        ASSERT_STREQ(sysctl_get(&p.daemon, "net.core.wmem_default"), "1048576");
        ASSERT_STREQ(sysctl_get(&p.daemon, "net.core.netdev_max_backlog"), "5000");
        ASSERT_STREQ(sysctl_get(&p.daemon, "net.core.somaxconn"), "65535");
        ASSERT_STREQ(sysctl_get(&p.daemon, "net.ipv4.tcp_rmem"), "4096 1048576 16777216");
        ASSERT_STREQ(sysctl_get(&p.daemon, "net.ipv4.tcp_wmem"), "4096 1048576 16777216");

        ASSERT_EQ(p.n_links, 1);
        lp = p.links[0];
        ASSERT_STREQ(lp->name, "90-virtio-net.link");
        ASSERT_TRUE(policy_find_link(&p, "eth0", "virtio_net", "52:54:00:12:34:56") == lp);
        ASSERT_TRUE(policy_find_link(&p, "eth0", "e1000", "52:54:00:12:34:56") == NULL);
        ASSERT_EQ(lp->settings.channels_mode, CHANNELS_AUTO);
        ASSERT_EQ(lp->settings.xps_mode, XPS_AUTO);
        ASSERT_EQ(lp->settings.mtu_mode, MTU_KEEP);
        ASSERT_EQ(lp->settings.offloads[OFFLOAD_TSO], OFFLOAD_WANT_ON);
        ASSERT_EQ(lp->settings.offloads[OFFLOAD_GSO], OFFLOAD_WANT_ON);
        ASSERT_EQ(lp->settings.offloads[OFFLOAD_GRO], OFFLOAD_WANT_ON);
        ASSERT_EQ(lp->settings.offloads[OFFLOAD_LRO], OFFLOAD_WANT_KEEP);
        ASSERT_EQ(lp->settings.drift, _DRIFT_MODE_INVALID);

        policy_done(&p);
        rm_rf(root);
}

/* ---- layering ---- */

static void test_layering_daemon(void) {
        _cleanup_free_ char *root = make_tree(), *bad = NULL, *etc_main = NULL;
        ConfDiagnostics d = {};
        Policy p = {};

        /* vendor main file with two sysctls, and drop-ins in all three directories */
        write_file(root, "usr/lib/vnettune/guestd.conf",
                   "[Guest]\nDrift=report\nRevertOnStop=yes\n"
                   "[Sysctl]\nnet.core.rmem_max=16777216\nnet.core.somaxconn=65535\n");
        write_file(root, "usr/lib/vnettune/guestd.conf.d/10-a.conf", "[Guest]\nDrift=ignore\n");
        write_file(root, "usr/lib/vnettune/guestd.conf.d/20-b.conf", "[Guest]\nApplySysctls=no\n");
        write_file(root, "etc/vnettune/guestd.conf.d/20-b.conf",       /* masks the vendor 20-b */
                   "[Sysctl]\nnet.core.somaxconn=\nnet.core.rmem_max = 4194304\nvm.swappiness=10\n");
        write_file(root, "run/vnettune/guestd.conf.d/05-c.conf",
                   "[Guest]\nDrift=enforce\nRevertOnStop=no\n");
        write_file(root, "run/vnettune/guestd.conf.d/30-d.conf",
                   "[Guest]\nRevertOnStop=maybe\nDrift=report\n");
        write_file(root, "run/vnettune/guestd.conf.d/40-e.conf", "");          /* empty: nothing */
        write_file(root, "etc/vnettune/guestd.conf.d/README", "[Guest]\nDrift=ignore\n"); /* not *.conf */
        write_file(root, "etc/vnettune/guestd.conf.d/.hidden.conf", "[Guest]\nDrift=ignore\n");
        write_file(root, "etc/vnettune/guestd.conf.d/dir.conf/x", "");         /* a directory */
        write_file(root, "etc/vnettune/hostd.conf", "[Host]\nDrift=ignore\n"); /* the other daemon */

        ASSERT_OK(conf_load_policy(root, "guestd", &p, &d));
        /* order: vendor main, 05-c (run), 10-a (usr/lib), 20-b (etc), 30-d (run) */
        bad = path_in(root, "run/vnettune/guestd.conf.d/30-d.conf");
        ASSERT_EQ(d.n, 1);
        assert_diag_at(&d, 0, bad, 2, "Invalid value 'maybe' for RevertOnStop=", NULL);
        ASSERT_EQ(p.daemon.drift, DRIFT_REPORT);                /* 30-d over 10-a over 05-c */
        ASSERT_FALSE(p.daemon.revert_on_stop);                  /* 05-c; 30-d's bad value ignored */
        ASSERT_TRUE(p.daemon.apply_sysctls);                    /* vendor 20-b masked */
        ASSERT_EQ(p.daemon.n_sysctls, 2);
        ASSERT_STREQ(p.daemon.sysctls[0].key, "net.core.rmem_max");
        ASSERT_STREQ(p.daemon.sysctls[0].value, "4194304");
        ASSERT_STREQ(p.daemon.sysctls[1].key, "vm.swappiness");
        ASSERT_STREQ(p.daemon.sysctls[1].value, "10");
        ASSERT_TRUE(sysctl_get(&p.daemon, "net.core.somaxconn") == NULL);
        ASSERT_EQ(p.n_links, 0);
        policy_done(&p);
        conf_diagnostics_done(&d);

        /* a main file in /run replaces the vendor one entirely; /etc's replaces both */
        write_file(root, "run/vnettune/guestd.conf", "[Sysctl]\nnet.core.wmem_max=1\n");
        ASSERT_OK(conf_load_policy(root, "guestd", &p, &d));
        ASSERT_EQ(d.n, 1);      /* 30-d still there */
        ASSERT_TRUE(sysctl_get(&p.daemon, "net.core.wmem_max"));
        ASSERT_TRUE(sysctl_get(&p.daemon, "net.core.somaxconn") == NULL);
        ASSERT_STREQ(sysctl_get(&p.daemon, "net.core.rmem_max"), "4194304");    /* from the drop-in */
        ASSERT_EQ(p.daemon.n_sysctls, 3);
        policy_done(&p);
        conf_diagnostics_done(&d);

        /* an empty /etc main file masks: the vendor and /run ones are ignored */
        write_file(root, "etc/vnettune/guestd.conf", "");
        ASSERT_OK(conf_load_policy(root, "guestd", &p, &d));
        ASSERT_EQ(d.n, 1);
        ASSERT_TRUE(sysctl_get(&p.daemon, "net.core.wmem_max") == NULL);
        ASSERT_EQ(p.daemon.n_sysctls, 2);       /* the 20-b drop-in's */
        policy_done(&p);
        conf_diagnostics_done(&d);

        /* a symlink to /dev/null masks a drop-in of the same name, and the main file */
        make_symlink(root, "etc/vnettune/guestd.conf.d/30-d.conf", "/dev/null");
        etc_main = path_in(root, "etc/vnettune/guestd.conf");
        ASSERT_OK(unlink(etc_main));
        make_symlink(root, "etc/vnettune/guestd.conf", "/dev/null");
        ASSERT_OK(conf_load_policy(root, "guestd", &p, &d));
        assert_no_diags(&d);
        ASSERT_EQ(p.daemon.drift, DRIFT_IGNORE);                /* 10-a is now the last to say */
        ASSERT_EQ(p.daemon.n_sysctls, 2);
        policy_done(&p);

        /* hostd reads its own files, with [Host] */
        ASSERT_OK(conf_load_policy(root, "hostd", &p, &d));
        assert_no_diags(&d);
        ASSERT_EQ(p.daemon.drift, DRIFT_IGNORE);
        ASSERT_EQ(p.daemon.n_sysctls, 0);
        policy_done(&p);

        rm_rf(root);
}

static void test_layering_links(void) {
        _cleanup_free_ char *root = make_tree(), *f = NULL, *fifo = NULL, *bad = NULL;
        ConfDiagnostics d = {};
        Policy p = {};
        const LinkPolicy *lp;

        write_file(root, "usr/lib/vnettune/90-virtio-net.link",
                   "[Match]\nDriver=virtio_net\n[Link]\nChannels=auto\nMTU=keep\n");
        write_file(root, "usr/lib/vnettune/90-virtio-net.link.d/50-mtu.conf", "[Link]\nMTU=9000\n");
        write_file(root, "etc/vnettune/90-virtio-net.link.d/50-mtu.conf", "[Link]\nMTU=1500\n");
        write_file(root, "run/vnettune/90-virtio-net.link.d/60-ch.conf", "[Link]\nChannels=2\nBogus=1\n");
        write_file(root, "run/vnettune/90-virtio-net.link.d/10-ch.conf", "[Link]\nChannels=8\n");
        write_file(root, "usr/lib/vnettune/50-eth.link",
                   "[Match]\nName=eth*\n[Link]\nChannels=1\n");
        write_file(root, "etc/vnettune/50-eth.link",                            /* masks the vendor one */
                   "[Match]\nName=eth1\nDriver=virtio_net\n[Link]\nChannels=max\n");
        write_file(root, "run/vnettune/10-mac.link",
                   "[Match]\nMACAddress=52:54:00:AA:00:01\n[Link]\nDrift=ignore\n");
        write_file(root, "usr/lib/vnettune/70-off.link", "[Link]\nTSO=off\n");  /* would match all */
        make_symlink(root, "etc/vnettune/70-off.link", "/dev/null");
        write_file(root, "usr/lib/vnettune/80-empty.link", "");
        write_file(root, "usr/lib/vnettune/80-empty.link.d/x.conf", "[Link]\nTSO=off\n");
        write_file(root, "usr/lib/vnettune/99-all.link", "# matches everything\n[Link]\nGRO=off\n");
        write_file(root, "usr/lib/vnettune/notes.txt", "[Link]\n");
        write_file(root, "usr/lib/vnettune/.x.link", "[Link]\n");
        write_file(root, "usr/lib/vnettune/dir.link/x", "");
        fifo = path_in(root, "run/vnettune/20-fifo.link");
        ASSERT_OK(mkfifo(fifo, 0644));

        ASSERT_OK(conf_load_policy(root, "guestd", &p, &d));
        bad = path_in(root, "run/vnettune/90-virtio-net.link.d/60-ch.conf");
        ASSERT_EQ(d.n, 2);
        assert_diag_at(&d, 0, fifo, 0, "Not a regular file, ignoring", NULL);
        assert_diag_at(&d, 1, bad, 3, "Unknown key 'Bogus' in section [Link], ignoring", NULL);
        conf_diagnostics_done(&d);

        ASSERT_EQ(p.n_links, 4);
        ASSERT_STREQ(p.links[0]->name, "10-mac.link");
        ASSERT_STREQ(p.links[1]->name, "50-eth.link");
        ASSERT_STREQ(p.links[2]->name, "90-virtio-net.link");
        ASSERT_STREQ(p.links[3]->name, "99-all.link");
        f = path_in(root, "etc/vnettune/50-eth.link");
        ASSERT_STREQ(p.links[1]->filename, f);

        /* the /etc 50-eth replaced the vendor one */
        ASSERT_EQ(p.links[1]->settings.channels_mode, CHANNELS_MAX);
        /* drop-ins: 10-ch (run), 50-mtu (etc, masking usr/lib), 60-ch (run) */
        lp = p.links[2];
        ASSERT_EQ(lp->settings.channels_mode, CHANNELS_NUMBER);
        ASSERT_EQ(lp->settings.channels, 2);
        ASSERT_EQ(lp->settings.mtu_mode, MTU_NUMBER);
        ASSERT_EQ(lp->settings.mtu, 1500);

        /* first match wins, in file-name order */
        static const struct {
                const char *name, *driver, *mac;
                const char *expect;
        } table[] = {
                { "eth0", "virtio_net", "52:54:00:aa:00:01", "10-mac.link" },
                { "eth1", "virtio_net", "52:54:00:aa:00:01", "10-mac.link" },
                { "eth1", "virtio_net", "52:54:00:aa:00:02", "50-eth.link" },
                { "eth0", "virtio_net", "52:54:00:aa:00:02", "90-virtio-net.link" },
                { "eth1", "e1000",      "52:54:00:aa:00:02", "99-all.link" },
                { "lo",   NULL,         NULL,                "99-all.link" },
        };
        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                lp = policy_find_link(&p, table[i].name, table[i].driver, table[i].mac);
                ASSERT_TRUE(lp);
                ASSERT_STREQ(lp->name, table[i].expect);
        }
        policy_done(&p);
        ASSERT_EQ(p.n_links, 0);
        ASSERT_TRUE(policy_find_link(&p, "eth0", "virtio_net", NULL) == NULL);

        rm_rf(root);
}

static void test_load_edge_cases(void) {
        _cleanup_free_ char *root = make_tree(), *slash = NULL;
        ConfDiagnostics d = {};
        Policy p = {}, untouched = { .n_links = 42 };

        /* no directories at all: defaults, no links, nothing to say */
        ASSERT_OK(conf_load_policy(root, "guestd", &p, &d));
        assert_no_diags(&d);
        ASSERT_EQ(p.daemon.drift, DRIFT_ENFORCE);
        ASSERT_FALSE(p.daemon.revert_on_stop);
        ASSERT_TRUE(p.daemon.apply_sysctls);
        ASSERT_EQ(p.daemon.n_sysctls, 0);
        ASSERT_EQ(p.n_links, 0);
        policy_done(&p);

        /* a trailing slash on root is fine */
        write_file(root, "etc/vnettune/guestd.conf", "[Guest]\nDrift=report\n");
        ASSERT_TRUE(asprintf(&slash, "%s/", root) > 0);
        ASSERT_OK(conf_load_policy(slash, "guestd", &p, &d));
        assert_no_diags(&d);
        ASSERT_EQ(p.daemon.drift, DRIFT_REPORT);
        policy_done(&p);

        /* files the loader refuses: a NUL byte, too large, a dangling symlink; the rest still applies */
        {
                _cleanup_free_ char *big = malloc(1024 * 1024 + 2), *f1 = NULL, *f2 = NULL, *f3 = NULL;

                ASSERT_TRUE(big);
                memset(big, '#', 1024 * 1024 + 1);
                big[1024 * 1024 + 1] = 0;
                write_file(root, "etc/vnettune/guestd.conf.d/10-nul.conf", "");
                write_bytes(root, "etc/vnettune/guestd.conf.d/10-nul.conf",
                            "[Guest]\nDrift=ignore\n\0\n", 22);
                write_file(root, "etc/vnettune/guestd.conf.d/20-big.conf", big);
                make_symlink(root, "etc/vnettune/guestd.conf.d/30-gone.conf", "/nonexistent/x.conf");
                write_file(root, "etc/vnettune/guestd.conf.d/40-ok.conf", "[Guest]\nRevertOnStop=yes\n");
                big[1024 * 1024] = 0;   /* exactly at the limit: accepted */
                write_file(root, "etc/vnettune/guestd.conf.d/50-limit.conf", big);

                ASSERT_OK(conf_load_policy(root, "guestd", &p, &d));
                f1 = path_in(root, "etc/vnettune/guestd.conf.d/10-nul.conf");
                f2 = path_in(root, "etc/vnettune/guestd.conf.d/20-big.conf");
                f3 = path_in(root, "etc/vnettune/guestd.conf.d/30-gone.conf");
                ASSERT_EQ(d.n, 3);
                assert_diag_at(&d, 0, f1, 0, "NUL byte", "ignoring", NULL);
                assert_diag_at(&d, 1, f2, 0, "File larger than 1048576 bytes, ignoring", NULL);
                assert_diag_at(&d, 2, f3, 0, "Failed to read file: No such file or directory, ignoring",
                               NULL);
                ASSERT_EQ(p.daemon.drift, DRIFT_REPORT);
                ASSERT_TRUE(p.daemon.revert_on_stop);
                policy_done(&p);
                conf_diagnostics_done(&d);
        }

        /* a bad daemon name fails and leaves *ret alone */
        ASSERT_EQ(conf_load_policy(root, "otherd", &untouched, &d), -EINVAL);
        ASSERT_EQ(conf_load_policy(root, NULL, &untouched, &d), -EINVAL);
        ASSERT_EQ(untouched.n_links, 42);
        assert_no_diags(&d);

        /* conf_dirs is NULL-terminated and in priority order */
        ASSERT_STREQ(conf_dirs[0], "/etc/vnettune");
        ASSERT_STREQ(conf_dirs[1], "/run/vnettune");
        ASSERT_STREQ(conf_dirs[2], "/usr/lib/vnettune");
        ASSERT_TRUE(conf_dirs[3] == NULL);

        rm_rf(root);
}

/* TxQueueLength=: keep/empty reset to 0 (keep), 1..INT32_MAX, anything else is reported and ignored. */
static void test_txqueuelen(void) {
        static const struct {
                const char *value;
                bool bad;
                uint32_t want;
        } t[] = {
                { "4000", false, 4000 }, { "1", false, 1 }, { "keep", false, 0 }, { "", false, 0 },
                { "2147483647", false, 2147483647u },
                { "0", true }, { "-1", true }, { "2147483648", true }, { "lots", true }, { "10 20", true },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_free_ char *text = NULL, *v = NULL;
                ConfDiagnostics d = {};
                LinkPolicy p;

                ASSERT_TRUE(asprintf(&text, "[Link]\nTxQueueLength=77\nTxQueueLength=%s\n", t[i].value) > 0);
                link_policy_init(&p);
                ASSERT_OK(conf_parse_link("q.link", text, &p, &d));
                if (t[i].bad) {
                        ASSERT_TRUE(asprintf(&v, "Invalid value '%s' for TxQueueLength=", t[i].value) > 0);
                        ASSERT_EQ(d.n, 1);
                        assert_diag_at(&d, 0, "q.link", 3, v, "ignoring", NULL);
                        ASSERT_EQ(p.settings.txqueuelen, 77);   /* the earlier line stays */
                } else {
                        ASSERT_EQ(d.n, 0);
                        ASSERT_EQ(p.settings.txqueuelen, t[i].want);
                }
                conf_diagnostics_done(&d);
                link_settings_done(&p.settings);
                free(p.filename);
                free(p.name);
                strv_free(p.match_driver);
                strv_free(p.match_name);
                strv_free(p.match_mac);
        }
}

/* VhostPlacement= exists only in hostd.conf; modes or a non-empty CPU list. */
static void test_vhost_placement(void) {
        static const struct {
                const char *value;
                const char *want;       /* NULL: bad */
        } t[] = {
                { "numa", "numa" }, { "emulator", "emulator" }, { "off", "off" }, { "0-3,8", "0-3,8" },
                { "", NULL }, { "fast", NULL }, { "3-1", NULL }, { "0,,1", NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_free_ char *text = NULL;
                ConfDiagnostics d = {};
                DaemonConfig c;

                ASSERT_TRUE(asprintf(&text, "[Host]\nVhostPlacement=%s\n", t[i].value) > 0);
                daemon_config_init(&c);
                ASSERT_OK(conf_parse_daemon("h.conf", text, "Host", &c, &d));
                if (t[i].want) {
                        ASSERT_EQ(d.n, 0);
                        ASSERT_STREQ(c.vhost_placement, t[i].want);
                } else if (isempty(t[i].value)) {
                        ASSERT_EQ(d.n, 0);
                        ASSERT_TRUE(c.vhost_placement == NULL);
                } else {
                        ASSERT_EQ(d.n, 1);
                        assert_diag_at(&d, 0, "h.conf", 2, "Invalid value", "VhostPlacement=", NULL);
                        ASSERT_TRUE(c.vhost_placement == NULL);
                }
                conf_diagnostics_done(&d);
                daemon_config_done(&c);
        }

        /* The guest does not know it. */
        {
                ConfDiagnostics d = {};
                DaemonConfig c;

                daemon_config_init(&c);
                ASSERT_OK(conf_parse_daemon("g.conf", "[Guest]\nVhostPlacement=numa\n", "Guest", &c, &d));
                ASSERT_EQ(d.n, 1);
                assert_diag_at(&d, 0, "g.conf", 2, "Unknown key 'VhostPlacement'", NULL);
                conf_diagnostics_done(&d);
                daemon_config_done(&c);
        }
}

int main(void) {
        test_vhost_placement();
        test_txqueuelen();
        test_drift_strings();
        test_link_defaults();
        test_link_values();
        test_link_xps();
        test_match_lists();
        test_match();
        test_syntax();
        test_daemon();
        test_known_keys();
        test_vendor_files();
        test_layering_daemon();
        test_layering_links();
        test_load_edge_cases();
        return 0;
}
