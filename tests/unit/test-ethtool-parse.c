/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit test of the ethtool netlink reply parsers against canned CHANNELS and FEATURES replies captured
 * from a real kernel (tests/data/ethtool-*.hex), plus truncated and corrupted variants of them. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netlink.h>

#include "ethtool-nl.h"
#include "macro.h"
#include "test-util.h"

typedef struct Blob {
        uint8_t *data;
        size_t size;
} Blob;

static void blob_done(Blob *b) {
        free(b->data);
        b->data = NULL;
        b->size = 0;
}

/* Reads a tests/data hex file: '#' starts a comment line, the rest is hex byte pairs and blanks. */
static Blob read_hex(const char *name) {
        _cleanup_free_ char *path = NULL;
        char line[4096];
        Blob b = {};
        size_t allocated = 0;
        FILE *f;

        ASSERT_TRUE(asprintf(&path, "%s/%s", TEST_DATA_DIR, name) >= 0);
        f = fopen(path, "re");
        if (!f) {
                fprintf(stderr, "cannot open %s: %m\n", path);
                abort();
        }
        while (fgets(line, sizeof(line), f)) {
                const char *p = line;

                if (line[0] == '#')
                        continue;
                for (;;) {
                        unsigned v;
                        int n;

                        while (isspace((unsigned char) *p))
                                p++;
                        if (!*p)
                                break;
                        ASSERT_TRUE(isxdigit((unsigned char) p[0]) && isxdigit((unsigned char) p[1]));
                        ASSERT_EQ(sscanf(p, "%2x%n", &v, &n), 1);
                        ASSERT_EQ(n, 2);
                        if (b.size == allocated) {
                                allocated = allocated ? allocated * 2 : 256;
                                b.data = realloc(b.data, allocated);
                                ASSERT_TRUE(b.data);
                        }
                        b.data[b.size++] = (uint8_t) v;
                        p += 2;
                }
        }
        fclose(f);
        ASSERT_TRUE(b.size >= NLMSG_HDRLEN);
        /* The file holds exactly one message. */
        ASSERT_EQ(((const struct nlmsghdr *) b.data)->nlmsg_len, b.size);
        return b;
}

static void assert_offload(const OffloadState *s, bool known, bool active, bool changeable) {
        ASSERT_EQ(s->known, known);
        ASSERT_EQ(s->active, active);
        ASSERT_EQ(s->changeable, changeable);
}

static void test_channels_veth(void) {
        Blob b = read_hex("ethtool-channels-veth.hex");
        Channels c;
        int ifindex;

        ASSERT_OK(ethtool_parse_channels_reply(b.data, b.size, &ifindex, &c));
        ASSERT_EQ(ifindex, 3);
        ASSERT_EQ(c.max_rx, 8);
        ASSERT_EQ(c.max_tx, 8);
        ASSERT_EQ(c.max_other, 0);
        ASSERT_EQ(c.max_combined, 0);
        ASSERT_EQ(c.rx, 8);
        ASSERT_EQ(c.tx, 8);
        ASSERT_EQ(c.other, 0);
        ASSERT_EQ(c.combined, 0);
        ASSERT_EQ(channels_kind(&c), CHANNEL_KIND_RXTX);
        ASSERT_EQ(channels_current(&c), 8);
        ASSERT_EQ(channels_max(&c), 8);

        /* Both out parameters are optional. */
        ASSERT_OK(ethtool_parse_channels_reply(b.data, b.size, NULL, NULL));
        blob_done(&b);
}

static void test_channels_tap(void) {
        Blob b = read_hex("ethtool-channels-tap.hex");
        Channels c;
        int ifindex;

        ASSERT_OK(ethtool_parse_channels_reply(b.data, b.size, &ifindex, &c));
        ASSERT_EQ(ifindex, 4);
        ASSERT_EQ(c.max_rx, 0);
        ASSERT_EQ(c.max_tx, 0);
        ASSERT_EQ(c.max_other, 0);
        ASSERT_EQ(c.max_combined, 256);
        ASSERT_EQ(c.rx, 0);
        ASSERT_EQ(c.tx, 0);
        ASSERT_EQ(c.other, 0);
        ASSERT_EQ(c.combined, 0);
        ASSERT_EQ(channels_kind(&c), CHANNEL_KIND_COMBINED);
        blob_done(&b);
}

static void test_features_veth(void) {
        Blob b = read_hex("ethtool-features-veth.hex");
        OffloadState s[_OFFLOAD_MAX];
        int ifindex;

        ASSERT_OK(ethtool_parse_features_reply(b.data, b.size, &ifindex, s));
        ASSERT_EQ(ifindex, 3);
        /*                                 known  active changeable */
        assert_offload(&s[OFFLOAD_TSO], true,  true,  true);
        assert_offload(&s[OFFLOAD_GSO], true,  true,  true);
        assert_offload(&s[OFFLOAD_GRO], true,  false, true);
        /* "large-receive-offload: off [fixed]": nowhere in hw, wanted or active. */
        assert_offload(&s[OFFLOAD_LRO], false, false, false);
        blob_done(&b);
}

static void test_features_tap(void) {
        Blob b = read_hex("ethtool-features-tap.hex");
        OffloadState s[_OFFLOAD_MAX];
        int ifindex;

        ASSERT_OK(ethtool_parse_features_reply(b.data, b.size, &ifindex, s));
        ASSERT_EQ(ifindex, 4);
        /* An unattached tap: tso wanted and changeable but not active until TUNSETOFFLOAD allows it. */
        assert_offload(&s[OFFLOAD_TSO], true,  false, true);
        assert_offload(&s[OFFLOAD_GSO], true,  true,  true);
        assert_offload(&s[OFFLOAD_GRO], true,  true,  true);
        assert_offload(&s[OFFLOAD_LRO], false, false, false);
        blob_done(&b);
}

static void test_wrong_kind(void) {
        Blob ch = read_hex("ethtool-channels-veth.hex"), ft = read_hex("ethtool-features-veth.hex");
        OffloadState s[_OFFLOAD_MAX];
        Channels c;

        ASSERT_EQ(ethtool_parse_features_reply(ch.data, ch.size, NULL, s), -EBADMSG);
        ASSERT_EQ(ethtool_parse_channels_reply(ft.data, ft.size, NULL, &c), -EBADMSG);
        blob_done(&ch);
        blob_done(&ft);
}

static void test_invalid_arguments(void) {
        OffloadState s[_OFFLOAD_MAX];
        uint8_t zero[64] = {};
        Channels c;

        ASSERT_EQ(ethtool_parse_channels_reply(NULL, 100, NULL, &c), -EINVAL);
        ASSERT_EQ(ethtool_parse_features_reply(NULL, 100, NULL, s), -EINVAL);
        ASSERT_EQ(ethtool_parse_channels_reply(zero, 0, NULL, &c), -EBADMSG);
        ASSERT_EQ(ethtool_parse_features_reply(zero, 0, NULL, s), -EBADMSG);
        ASSERT_EQ(ethtool_parse_channels_reply(zero, sizeof(zero), NULL, &c), -EBADMSG);
        ASSERT_EQ(ethtool_parse_features_reply(zero, sizeof(zero), NULL, s), -EBADMSG);
}

/* Parses buf with both parsers, checking that failures leave the outputs alone. */
static int parse_both(const char *which, const uint8_t *buf, size_t len) {
        OffloadState s[_OFFLOAD_MAX], s_before[_OFFLOAD_MAX];
        Channels c, c_before;
        int ifindex = -77, r;

        memset(&c, 0xa5, sizeof(c));
        c_before = c;
        memset(s, 0x5a, sizeof(s));
        memcpy(s_before, s, sizeof(s));

        if (streq(which, "channels")) {
                r = ethtool_parse_channels_reply(buf, len, &ifindex, &c);
                if (r < 0) {
                        ASSERT_EQ(memcmp(&c, &c_before, sizeof(c)), 0);
                        ASSERT_EQ(ifindex, -77);
                }
        } else {
                r = ethtool_parse_features_reply(buf, len, &ifindex, s);
                if (r < 0) {
                        ASSERT_EQ(memcmp(s, s_before, sizeof(s)), 0);
                        ASSERT_EQ(ifindex, -77);
                }
        }
        if (r >= 0)
                ASSERT_TRUE(ifindex > 0);
        return r;
}

/* Every proper prefix is truncated: -EBADMSG. With nlmsg_len patched to match the cut, the message is
 * either still parseable (cut between attributes after the header) or -EBADMSG, never anything else. */
static void test_truncated(const char *file, const char *which) {
        Blob b = read_hex(file);

        for (size_t len = 0; len < b.size; len++) {
                uint8_t *copy = malloc(len ?: 1);
                int r;

                ASSERT_TRUE(copy);
                memcpy(copy, b.data, len);
                ASSERT_EQ(parse_both(which, copy, len), -EBADMSG);

                if (len >= sizeof(struct nlmsghdr)) {
                        ((struct nlmsghdr *) copy)->nlmsg_len = (uint32_t) len;
                        r = parse_both(which, copy, len);
                        ASSERT_TRUE(r == 0 || r == -EBADMSG);
                }
                free(copy);
        }
        blob_done(&b);
}

/* Deterministic corruption: flip single bytes, and overwrite runs with pseudo-random garbage. */
static void test_garbage(const char *file, const char *which) {
        Blob b = read_hex(file);
        uint8_t *copy = malloc(b.size);
        uint32_t seed = 0x2545f491;

        ASSERT_TRUE(copy);
        for (size_t i = 0; i < b.size; i++)
                for (unsigned bit = 0; bit < 8; bit++) {
                        int r;

                        memcpy(copy, b.data, b.size);
                        copy[i] ^= (uint8_t) (1U << bit);
                        r = parse_both(which, copy, b.size);
                        ASSERT_TRUE(r == 0 || r == -EBADMSG);
                }

        for (unsigned round = 0; round < 20000; round++) {
                size_t start, n;
                int r;

                memcpy(copy, b.data, b.size);
                seed = seed * 1103515245U + 12345U;
                start = (seed >> 8) % b.size;
                seed = seed * 1103515245U + 12345U;
                n = 1 + (seed >> 8) % 16;
                for (size_t i = start; i < start + n && i < b.size; i++) {
                        seed = seed * 1103515245U + 12345U;
                        copy[i] = (uint8_t) (seed >> 16);
                }
                r = parse_both(which, copy, b.size);
                ASSERT_TRUE(r == 0 || r == -EBADMSG);
        }

        /* Pure noise behind a plausible netlink header. */
        for (unsigned round = 0; round < 2000; round++) {
                struct nlmsghdr *nlh = (struct nlmsghdr *) copy;
                int r;

                for (size_t i = 0; i < b.size; i++) {
                        seed = seed * 1103515245U + 12345U;
                        copy[i] = (uint8_t) (seed >> 16);
                }
                nlh->nlmsg_len = (uint32_t) b.size;
                nlh->nlmsg_type = 0x15;
                r = parse_both(which, copy, b.size);
                ASSERT_TRUE(r == 0 || r == -EBADMSG);
        }

        free(copy);
        blob_done(&b);
}

int main(void) {
        test_channels_veth();
        test_channels_tap();
        test_features_veth();
        test_features_tap();
        test_wrong_kind();
        test_invalid_arguments();

        test_truncated("ethtool-channels-veth.hex", "channels");
        test_truncated("ethtool-channels-tap.hex", "channels");
        test_truncated("ethtool-features-veth.hex", "features");
        test_truncated("ethtool-features-tap.hex", "features");

        test_garbage("ethtool-channels-veth.hex", "channels");
        test_garbage("ethtool-channels-tap.hex", "channels");
        test_garbage("ethtool-features-veth.hex", "features");
        test_garbage("ethtool-features-tap.hex", "features");

        printf("ethtool parse tests passed\n");
        return 0;
}
