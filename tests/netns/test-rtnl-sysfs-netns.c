/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtnl, sysfs and sysctl adapters against real devices in a scratch network namespace. */
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpuset.h"
#include "macro.h"
#include "rtnl-link.h"
#include "scratch-netns.h"
#include "sysctl.h"
#include "sysfs-net.h"
#include "test-util.h"

static void test_read_and_mtu(RtnlLink *r) {
        NetdevSnapshot s = {};
        _cleanup_free_ char *err = NULL;
        int idx = (int) if_nametoindex("va");
        char buf[256];

        ASSERT_TRUE(idx > 0);
        ASSERT_OK(rtnl_link_read(r, idx, &s));
        ASSERT_TRUE(s.have_link);
        ASSERT_STREQ(s.name, "va");
        ASSERT_EQ(s.mtu, 1500);
        ASSERT_EQ(s.min_mtu, 68);
        ASSERT_EQ(s.max_mtu, 65535);
        ASSERT_EQ(s.num_tx_queues, 8);
        ASSERT_EQ(strlen(s.mac), 17);
        ASSERT_EQ(scratch_capture(buf, sizeof buf, "cat /sys/class/net/va/address"), 0);
        ASSERT_STREQ(s.mac, buf);

        ASSERT_OK(rtnl_link_set_mtu_by_index(r, idx, 9000, &err));
        ASSERT_EQ(scratch_capture(buf, sizeof buf, "cat /sys/class/net/va/mtu"), 0);
        ASSERT_STREQ(buf, "9000");

        /* Above the maximum: a clean -EINVAL and the kernel's own words. */
        ASSERT_EQ(rtnl_link_set_mtu_by_index(r, idx, 70000, &err), -EINVAL);
        ASSERT_TRUE(err && strstr(err, "mtu"));
        ASSERT_EQ(scratch_capture(buf, sizeof buf, "cat /sys/class/net/va/mtu"), 0);
        ASSERT_STREQ(buf, "9000");

        /* Transmit queue length, kind and bridge membership. */
        ASSERT_EQ(s.txqueuelen, 1000);
        ASSERT_STREQ(s.kind, "veth");
        ASSERT_EQ(s.master_ifindex, 0);
        ASSERT_OK(rtnl_link_set_txqueuelen_by_index(r, idx, 4321, &err));
        ASSERT_EQ(scratch_capture(buf, sizeof buf, "cat /sys/class/net/va/tx_queue_len"), 0);
        ASSERT_STREQ(buf, "4321");
        scratch_run_ok("ip link add br0 type bridge && ip link set va master br0");
        ASSERT_OK(rtnl_link_read(r, idx, &s));
        ASSERT_EQ(s.txqueuelen, 4321);
        ASSERT_EQ(s.master_ifindex, (int) if_nametoindex("br0"));
        ASSERT_OK(rtnl_link_read(r, (int) if_nametoindex("br0"), &s));
        ASSERT_STREQ(s.kind, "bridge");
        ASSERT_OK(rtnl_link_read(r, idx, &s));

        /* Gone devices. */
        ASSERT_EQ(rtnl_link_read(r, 999999, &s), -ENODEV);
        ASSERT_EQ(rtnl_link_set_mtu_by_index(r, 999999, 1500, NULL), -ENODEV);

        /* The socket stays usable after errors. */
        ASSERT_OK(rtnl_link_read(r, idx, &s));
        ASSERT_EQ(s.mtu, 9000);
        netdev_snapshot_done(&s);
}

typedef struct Seen {
        int ifindex;
        uint32_t mtu;
        int n_new, n_del;
} Seen;

static void on_event(int ifindex, RtnlEvent ev, const char *name, uint32_t mtu, void *userdata) {
        Seen *s = userdata;

        if (ifindex != s->ifindex)
                return;
        if (ev == RTNL_EVENT_NEW) {
                s->n_new++;
                s->mtu = mtu;
        } else
                s->n_del++;
}

static void wait_for(RtnlMonitor *m, Seen *seen, int *counter) {
        for (int tries = 0; tries < 50 && *counter == 0; tries++) {
                struct pollfd p = { .fd = rtnl_monitor_fd(m), .events = POLLIN };
                if (poll(&p, 1, 100) > 0)
                        ASSERT_OK(rtnl_monitor_receive(m, on_event, seen));
        }
        ASSERT_TRUE(*counter > 0);
}

static void test_monitor(void) {
        RtnlMonitor *m = NULL;
        Seen seen = { .ifindex = (int) if_nametoindex("vb") };

        ASSERT_OK(rtnl_monitor_new(&m));
        ASSERT_OK(rtnl_monitor_receive(m, on_event, &seen));    /* nothing queued: 0 */
        scratch_run_ok("ip link set vb mtu 4000");
        wait_for(m, &seen, &seen.n_new);
        ASSERT_EQ(seen.mtu, 4000);
        scratch_run_ok("ip link del vb");
        wait_for(m, &seen, &seen.n_del);
        rtnl_monitor_free(m);
}

static void test_xps(void) {
        NetdevSnapshot s = {};
        CpuSet mask = {}, online = {};
        char buf[256];

        ASSERT_OK(sysfs_read_online_cpus(&online));
        ASSERT_TRUE(cpuset_isset(&online, 0));

        ASSERT_OK(sysfs_read_xps("va", &s));
        ASSERT_EQ(s.n_xps, 8);
        ASSERT_OK(cpuset_set(&mask, 0));
        ASSERT_OK(sysfs_write_xps("va", 3, &mask));
        ASSERT_EQ(scratch_capture(buf, sizeof buf, "cat /sys/class/net/va/queues/tx-3/xps_cpus"), 0);
        ASSERT_EQ(strtoul(buf, NULL, 16), 1);
        ASSERT_OK(sysfs_read_xps("va", &s));
        ASSERT_TRUE(cpuset_equal(&s.xps[3], &mask));

        /* Fewer queues: the entries go away and the reader follows. */
        scratch_run_ok("ethtool -L va tx 2");
        ASSERT_OK(sysfs_read_xps("va", &s));
        ASSERT_EQ(s.n_xps, 2);
        ASSERT_EQ(sysfs_write_xps("va", 5, &mask), -ENOENT);
        ASSERT_EQ(sysfs_read_xps("nonexistent0", &s), -ENOENT);
        ASSERT_EQ(s.n_xps, 2);                                  /* untouched on failure */
        ASSERT_EQ(sysfs_read_xps("../../etc", &s), -EINVAL);

        ASSERT_OK(sysfs_read_driver("va", buf, sizeof buf));
        ASSERT_STREQ(buf, "veth");
        cpuset_done(&mask);
        cpuset_done(&online);
        netdev_snapshot_done(&s);
}

static void test_sysctl(void) {
        _cleanup_free_ char *v = NULL, *back = NULL;

        /* tcp_rmem is per network namespace: safe to change here. */
        ASSERT_OK(sysctl_read("net.ipv4.tcp_rmem", &v));
        ASSERT_TRUE(strchr(v, '\t') == NULL);                   /* tabs folded */
        ASSERT_OK(sysctl_write("net.ipv4.tcp_rmem", "4096 1048576 16777216"));
        ASSERT_OK(sysctl_read("net.ipv4.tcp_rmem", &back));
        ASSERT_STREQ(back, "4096 1048576 16777216");
        ASSERT_EQ(sysctl_value_equal("4096\t1048576  16777216\n", back), 1);
        ASSERT_EQ(sysctl_value_equal("4096 1 2", back), 0);
        ASSERT_EQ(sysctl_read("net.nonexistent.key", &back), -ENOENT);
        ASSERT_EQ(sysctl_write("../../etc/passwd", "x"), -EINVAL);
        ASSERT_EQ(sysctl_write("net..x", "x"), -EINVAL);
}

int main(void) {
        RtnlLink *r = NULL;

        scratch_netns_enter();
        scratch_run_ok("ip link add va numtxqueues 8 numrxqueues 8 type veth peer vb numtxqueues 8 numrxqueues 8");
        ASSERT_OK(rtnl_link_adapter_new(&r));
        test_read_and_mtu(r);
        test_xps();
        test_sysctl();
        test_monitor();
        rtnl_link_adapter_free(r);
        printf("rtnl/sysfs/sysctl adapters ok\n");
        return 0;
}
