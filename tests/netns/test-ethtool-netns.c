/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests the ethtool netlink adapter against a real veth pair and multi-queue tap in a scratch network
 * namespace, cross-checking every answer with the ethtool(8) command line tool. */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ethtool-nl.h"
#include "macro.h"
#include "scratch-netns.h"
#include "test-util.h"

#define EVENT_TIMEOUT_MS 5000

static void *mfree(void *p) {
        free(p);
        return NULL;
}

static void fail(const char *what) {
        fprintf(stderr, "FAIL: %s\n", what);
        abort();
}

/* One count of `ethtool -l`; section is "Pre-set" or "Current", field "RX", "TX" or "Combined".
 * "n/a" reads as 0, the way the netlink reply leaves the attribute out. */
static unsigned ethtool_l(const char *dev, const char *section, const char *field) {
        char buf[64];

        ASSERT_EQ(scratch_capture(buf, sizeof(buf),
                                  "ethtool -l %s | "
                                  "awk '/^%s/ { s = 1 } s && $1 == \"%s:\" { print $2; exit }'",
                                  dev, section, field), 0);
        if (streq(buf, "n/a"))
                return 0;
        ASSERT_TRUE(buf[0] >= '0' && buf[0] <= '9');
        return (unsigned) strtoul(buf, NULL, 10);
}

/* The value column of one `ethtool -k` line, e.g. "on", "off [fixed]", "off [requested on]". */
static void ethtool_k(const char *dev, const char *feature, char *buf, size_t size) {
        ASSERT_EQ(scratch_capture(buf, size,
                                  "ethtool -k %s | awk -F': ' '$1 ~ /^[[:space:]]*%s$/ { print $2; exit }'",
                                  dev, feature), 0);
        ASSERT_TRUE(buf[0] != 0);
}

static void assert_offload_matches_ethtool(const char *dev, const OffloadState *s, const char *feature) {
        char buf[64];

        ethtool_k(dev, feature, buf, sizeof(buf));
        fprintf(stderr, "%s %s: \"%s\" known=%d active=%d changeable=%d\n", dev, feature, buf, s->known,
                s->active, s->changeable);
        ASSERT_EQ(s->active, strncmp(buf, "on", 2) == 0);
        ASSERT_EQ(s->changeable, strstr(buf, "[fixed]") == NULL);
}

static void test_channels_veth(EthtoolNl *e, int ifindex) {
        _cleanup_free_ char *error = NULL;
        Channels c, c2;

        ASSERT_OK(ethtool_nl_get_channels(e, ifindex, &c));
        fprintf(stderr, "v0 channels: max rx %u tx %u other %u combined %u, "
                "current rx %u tx %u other %u combined %u\n",
                c.max_rx, c.max_tx, c.max_other, c.max_combined, c.rx, c.tx, c.other, c.combined);
        ASSERT_EQ(c.max_rx, 8);
        ASSERT_EQ(c.max_tx, 8);
        ASSERT_EQ(c.max_combined, 0);
        ASSERT_EQ(c.max_other, 0);
        ASSERT_EQ(channels_kind(&c), CHANNEL_KIND_RXTX);
        ASSERT_EQ(c.max_rx, ethtool_l("v0", "Pre-set", "RX"));
        ASSERT_EQ(c.max_tx, ethtool_l("v0", "Pre-set", "TX"));
        ASSERT_EQ(c.max_combined, ethtool_l("v0", "Pre-set", "Combined"));
        ASSERT_EQ(c.rx, ethtool_l("v0", "Current", "RX"));
        ASSERT_EQ(c.tx, ethtool_l("v0", "Current", "TX"));
        ASSERT_EQ(c.combined, ethtool_l("v0", "Current", "Combined"));

        /* Halve both. */
        c2 = c;
        c2.rx = 4;
        c2.tx = 4;
        ASSERT_OK(ethtool_nl_set_channels(e, ifindex, &c2, &error));
        ASSERT_TRUE(!error);
        ASSERT_EQ(ethtool_l("v0", "Current", "RX"), 4);
        ASSERT_EQ(ethtool_l("v0", "Current", "TX"), 4);
        ASSERT_OK(ethtool_nl_get_channels(e, ifindex, &c2));
        ASSERT_EQ(c2.rx, 4);
        ASSERT_EQ(c2.tx, 4);
        ASSERT_EQ(c2.max_rx, 8);
        ASSERT_EQ(c2.max_tx, 8);

        /* Only the counts that differ from zero are sent: tx stays. */
        c2.rx = 3;
        c2.tx = 0;
        ASSERT_OK(ethtool_nl_set_channels(e, ifindex, &c2, &error));
        ASSERT_EQ(ethtool_l("v0", "Current", "RX"), 3);
        ASSERT_EQ(ethtool_l("v0", "Current", "TX"), 4);

        /* Beyond the maximum: the kernel says why. */
        c2.rx = 9;
        c2.tx = 4;
        ASSERT_EQ(ethtool_nl_set_channels(e, ifindex, &c2, &error), -EINVAL);
        fprintf(stderr, "v0 rx 9: extack \"%s\"\n", strna(error));
        ASSERT_TRUE(!isempty(error));
        ASSERT_TRUE(strstr(error, "exceeds maximum"));
        error = mfree(error);
        ASSERT_EQ(ethtool_l("v0", "Current", "RX"), 3);

        /* Nothing to set, and no flavour to set it in. */
        c2.rx = c2.tx = 0;
        ASSERT_EQ(ethtool_nl_set_channels(e, ifindex, &c2, NULL), -EINVAL);
        c2 = (Channels) { .rx = 2, .tx = 2 };
        ASSERT_EQ(ethtool_nl_set_channels(e, ifindex, &c2, NULL), -EOPNOTSUPP);

        /* Back to where it was. */
        ASSERT_OK(ethtool_nl_set_channels(e, ifindex, &c, NULL));
        ASSERT_EQ(ethtool_l("v0", "Current", "RX"), c.rx);
        ASSERT_EQ(ethtool_l("v0", "Current", "TX"), c.tx);
}

static void test_channels_tap(EthtoolNl *e, int ifindex) {
        _cleanup_free_ char *error = NULL;
        Channels c;
        int r;

        ASSERT_OK(ethtool_nl_get_channels(e, ifindex, &c));
        fprintf(stderr, "tp0 channels: max combined %u, current combined %u, max rx %u tx %u\n",
                c.max_combined, c.combined, c.max_rx, c.max_tx);
        ASSERT_EQ(c.max_combined, 256);
        ASSERT_EQ(c.combined, 0);       /* no queue file attached */
        ASSERT_EQ(c.max_rx, 0);
        ASSERT_EQ(c.max_tx, 0);
        ASSERT_EQ(channels_kind(&c), CHANNEL_KIND_COMBINED);
        ASSERT_EQ(c.max_combined, ethtool_l("tp0", "Pre-set", "Combined"));
        ASSERT_EQ(c.combined, ethtool_l("tp0", "Current", "Combined"));

        /* tun reports channels but cannot set them: queues come and go with attached fds. */
        c.combined = 2;
        r = ethtool_nl_set_channels(e, ifindex, &c, &error);
        fprintf(stderr, "tp0 combined 2: %s, extack \"%s\"\n", strerror(-r), strna(error));
        ASSERT_EQ(r, -EOPNOTSUPP);
        ASSERT_EQ(ethtool_l("tp0", "Current", "Combined"), 0);
}

static void test_channels_errors(EthtoolNl *e) {
        Channels c;

        /* lo has no channels at all. */
        ASSERT_EQ(ethtool_nl_get_channels(e, (int) if_nametoindex("lo"), &c), -EOPNOTSUPP);
        ASSERT_EQ(ethtool_nl_get_channels(e, 99999, &c), -ENODEV);
        ASSERT_EQ(ethtool_nl_get_channels(e, 0, &c), -EINVAL);
        /* The request socket is still in step after errors. */
        ASSERT_OK(ethtool_nl_get_channels(e, (int) if_nametoindex("v0"), &c));
}

static void test_features_veth(EthtoolNl *e, int ifindex) {
        _cleanup_free_ char *error = NULL;
        OffloadState s[_OFFLOAD_MAX];
        char buf[64];

        ASSERT_OK(ethtool_nl_get_offloads(e, ifindex, s));
        assert_offload_matches_ethtool("v0", &s[OFFLOAD_TSO], "tx-tcp-segmentation");
        assert_offload_matches_ethtool("v0", &s[OFFLOAD_GSO], "generic-segmentation-offload");
        assert_offload_matches_ethtool("v0", &s[OFFLOAD_GRO], "generic-receive-offload");
        assert_offload_matches_ethtool("v0", &s[OFFLOAD_LRO], "large-receive-offload");
        ASSERT_TRUE(s[OFFLOAD_TSO].known && s[OFFLOAD_GSO].known && s[OFFLOAD_GRO].known);
        ASSERT_FALSE(s[OFFLOAD_LRO].known);     /* off [fixed] */

        /* gro on, then off, each confirmed by ethtool -k. */
        ASSERT_OK(ethtool_nl_set_offload(e, ifindex, OFFLOAD_GRO, true, &error));
        ethtool_k("v0", "generic-receive-offload", buf, sizeof(buf));
        ASSERT_STREQ(buf, "on");
        ASSERT_OK(ethtool_nl_get_offloads(e, ifindex, s));
        ASSERT_TRUE(s[OFFLOAD_GRO].active);

        ASSERT_OK(ethtool_nl_set_offload(e, ifindex, OFFLOAD_GRO, false, &error));
        ethtool_k("v0", "generic-receive-offload", buf, sizeof(buf));
        ASSERT_STREQ(buf, "off");
        ASSERT_OK(ethtool_nl_get_offloads(e, ifindex, s));
        ASSERT_FALSE(s[OFFLOAD_GRO].active);
        ASSERT_TRUE(!error);

        /* tso off switches every tcp segmentation bit off, and back on. */
        ASSERT_OK(ethtool_nl_set_offload(e, ifindex, OFFLOAD_TSO, false, NULL));
        ethtool_k("v0", "tcp-segmentation-offload", buf, sizeof(buf));
        ASSERT_STREQ(buf, "off");
        ethtool_k("v0", "tx-tcp6-segmentation", buf, sizeof(buf));
        ASSERT_STREQ(buf, "off");
        ASSERT_OK(ethtool_nl_set_offload(e, ifindex, OFFLOAD_TSO, true, NULL));
        ethtool_k("v0", "tcp-segmentation-offload", buf, sizeof(buf));
        ASSERT_STREQ(buf, "on");

        /* tso needs scatter-gather: the kernel keeps the wanted bit but tso stays off. */
        scratch_run_ok("ethtool -K v0 sg off >/dev/null");
        ASSERT_EQ(ethtool_nl_set_offload(e, ifindex, OFFLOAD_TSO, true, &error), -EIO);
        fprintf(stderr, "v0 tso on without sg: \"%s\"\n", strna(error));
        ASSERT_TRUE(!isempty(error));
        error = mfree(error);
        scratch_run_ok("ethtool -K v0 sg on >/dev/null");
        ethtool_k("v0", "tcp-segmentation-offload", buf, sizeof(buf));
        ASSERT_STREQ(buf, "on");

        /* Nothing of lro is changeable on veth. */
        ASSERT_EQ(ethtool_nl_set_offload(e, ifindex, OFFLOAD_LRO, true, &error), -EOPNOTSUPP);
        ASSERT_TRUE(!isempty(error));
        error = mfree(error);
}

static void test_features_tap(EthtoolNl *e, int ifindex) {
        _cleanup_free_ char *error = NULL;
        OffloadState s[_OFFLOAD_MAX];

        ASSERT_OK(ethtool_nl_get_offloads(e, ifindex, s));
        assert_offload_matches_ethtool("tp0", &s[OFFLOAD_TSO], "tx-tcp-segmentation");
        assert_offload_matches_ethtool("tp0", &s[OFFLOAD_GSO], "generic-segmentation-offload");
        assert_offload_matches_ethtool("tp0", &s[OFFLOAD_GRO], "generic-receive-offload");
        assert_offload_matches_ethtool("tp0", &s[OFFLOAD_LRO], "large-receive-offload");

        /* Wanted but held off until the tap's user enables it with TUNSETOFFLOAD. */
        ASSERT_FALSE(s[OFFLOAD_TSO].active);
        ASSERT_EQ(ethtool_nl_set_offload(e, ifindex, OFFLOAD_TSO, true, &error), -EIO);
        fprintf(stderr, "tp0 tso on: \"%s\"\n", strna(error));
        ASSERT_TRUE(!isempty(error));
}

typedef struct Seen {
        int ifindex;
        EthtoolEvent event;
        bool found;
        unsigned n_events;
} Seen;

static void on_event(int ifindex, EthtoolEvent ev, const Channels *channels, const OffloadState *offloads,
                     void *userdata) {
        Seen *s = userdata;

        s->n_events++;
        if (ifindex == s->ifindex && ev == s->event)
                s->found = true;
}

static long long now_ms(void) {
        struct timespec ts;

        ASSERT_OK(clock_gettime(CLOCK_MONOTONIC, &ts));
        return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs command and waits for the notification it should cause. */
static void expect_event(EthtoolMonitor *m, int ifindex, EthtoolEvent ev, const char *command) {
        Seen s = { .ifindex = ifindex, .event = ev };
        long long deadline;

        ASSERT_EQ(ethtool_monitor_receive(m, NULL, NULL), 0);   /* drain what came before */
        scratch_run_ok("%s", command);

        deadline = now_ms() + EVENT_TIMEOUT_MS;
        while (!s.found) {
                struct pollfd p = { .fd = ethtool_monitor_fd(m), .events = POLLIN };
                long long left = deadline - now_ms();
                int r;

                if (left <= 0)
                        fail("no notification within the timeout");
                r = poll(&p, 1, (int) left);
                if (r < 0 && errno == EINTR)
                        continue;
                ASSERT_TRUE(r >= 0);
                if (r == 0)
                        fail("no notification within the timeout");
                ASSERT_EQ(ethtool_monitor_receive(m, on_event, &s), 0);
        }
        fprintf(stderr, "'%s': got the notification (%u events)\n", command, s.n_events);
}

static void test_monitor(int ifindex) {
        EthtoolMonitor *m = NULL;
        Seen s = { .ifindex = ifindex, .event = ETHTOOL_EVENT_FEATURES };
        int rcvbuf = 1, r, fd;

        ASSERT_OK(ethtool_monitor_new(&m));
        fd = ethtool_monitor_fd(m);
        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(ethtool_monitor_receive(m, on_event, &s), 0);   /* nothing yet: drained at once */
        ASSERT_EQ(s.n_events, 0);

        expect_event(m, ifindex, ETHTOOL_EVENT_CHANNELS, "ethtool -L v0 rx 2 tx 2");
        expect_event(m, ifindex, ETHTOOL_EVENT_FEATURES, "ethtool -K v0 gro on");
        expect_event(m, ifindex, ETHTOOL_EVENT_FEATURES, "ethtool -K v0 gro off");

        /* Overrun: a tiny receive buffer and a burst of notifications must surface as -ENOBUFS. */
        ASSERT_OK(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)));
        scratch_run_ok("for i in 1 2 3 4 5 6 7 8 9 10; do "
                       "ethtool -K v0 gro on; ethtool -K v0 gro off; done");
        r = ethtool_monitor_receive(m, on_event, &s);
        fprintf(stderr, "monitor after a burst into a tiny buffer: %s\n", r < 0 ? strerror(-r) : "0");
        ASSERT_EQ(r, -ENOBUFS);
        /* The error is reported once; the socket then works on. */
        ASSERT_EQ(ethtool_monitor_receive(m, on_event, &s), 0);
        rcvbuf = 1024 * 1024;
        ASSERT_OK(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)));
        expect_event(m, ifindex, ETHTOOL_EVENT_CHANNELS, "ethtool -L v0 rx 8 tx 8");

        m = ethtool_monitor_free(m);
        ASSERT_TRUE(!m);
}

int main(void) {
        EthtoolNl *e = NULL;
        int v0, tp0, r;

        scratch_netns_enter();
        if (scratch_run("command -v ethtool >/dev/null") != 0)
                TEST_SKIP("ethtool(8) is not installed");

        scratch_run_ok("ip link add v0 numtxqueues 8 numrxqueues 8 type veth "
                       "peer name v1 numtxqueues 8 numrxqueues 8");
        if (scratch_run("ip tuntap add tp0 mode tap multi_queue") != 0)
                TEST_SKIP("cannot create a multi-queue tap (no /dev/net/tun?)");
        v0 = (int) if_nametoindex("v0");
        tp0 = (int) if_nametoindex("tp0");
        ASSERT_TRUE(v0 > 0 && tp0 > 0);

        r = ethtool_nl_new(&e);
        if (r == -EOPNOTSUPP)
                TEST_SKIP("kernel without ethtool netlink");
        ASSERT_OK(r);

        test_channels_veth(e, v0);
        test_channels_tap(e, tp0);
        test_channels_errors(e);
        test_features_veth(e, v0);
        test_features_tap(e, tp0);
        test_monitor(v0);

        e = ethtool_nl_free(e);
        ASSERT_TRUE(!e);
        printf("ethtool netns tests passed\n");
        return 0;
}
