/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Diagnosis checks on canned evidence: the seed's plateau, each finding, the parsers, no false alarms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnose.h"
#include "macro.h"
#include "test-util.h"

static const Finding *find(const Findings *f, FindingCode c) {
        for (size_t i = 0; i < f->n; i++)
                if (f->items[i].code == c)
                        return &f->items[i];
        return NULL;
}

static void assert_contains(const char *hay, const char *needle) {
        if (!hay || !strstr(hay, needle)) {
                fprintf(stderr, "\"%s\" does not contain \"%s\"\n", strna(hay), needle);
                abort();
        }
}

/* A virtio_net device with max/current combined channels, n_xps queues with the given masks. */
static void virtio(NetdevSnapshot *s, uint32_t max, uint32_t cur, const char *const *masks, unsigned n_xps) {
        memset(s, 0, sizeof *s);
        strcpy(s->name, "ens4");
        s->have_link = true;
        s->mtu = 1500;
        s->min_mtu = 68;
        s->max_mtu = 65535;
        s->channels = (Channels) { .max_combined = max, .combined = cur };
        for (Offload o = 0; o < _OFFLOAD_MAX; o++)
                s->offloads[o] = (OffloadState) { .known = o != OFFLOAD_LRO, .active = true, .changeable = true };
        s->n_xps = n_xps;
        s->xps = calloc(n_xps, sizeof(CpuSet));
        ASSERT_TRUE(s->xps);
        for (unsigned q = 0; q < n_xps; q++)
                ASSERT_OK(cpuset_parse_mask(masks[q], &s->xps[q]));
}

static void counters(QueueCounters *q, unsigned n, const uint64_t *v) {
        q->n = n;
        q->tx_packets = calloc(n, sizeof(uint64_t));
        ASSERT_TRUE(q->tx_packets);
        memcpy(q->tx_packets, v, n * sizeof(uint64_t));
}

static const char *const zero8[] = { "0", "0", "0", "0", "0", "0", "0", "0" };
static const char *const one_each8[] = { "1", "2", "4", "8", "10", "20", "40", "80" };

/* The reference's plateau: 8 queues, traffic on 0-3 only, XPS unset, one CPU at 100%. */
static void test_seed(void) {
        _cleanup_(netdev_snapshot_done) NetdevSnapshot s = {};
        _cleanup_(cpuset_done) CpuSet online = CPUSET_NULL;
        _cleanup_(queue_counters_done) QueueCounters q0 = {}, q1 = {};
        _cleanup_(cpu_times_done) CpuTimes c0 = {}, c1 = {};
        _cleanup_(findings_done) Findings f = {};
        const uint64_t zero[8] = {}, after[8] = { 250000, 240000, 260000, 250000, 3, 0, 1, 0 };
        const Finding *x;

        virtio(&s, 8, 8, zero8, 8);
        ASSERT_OK(cpuset_parse_list("0-7", &online));
        counters(&q0, 8, zero);
        counters(&q1, 8, after);
        ASSERT_OK(diag_parse_proc_stat("cpu  1 1 1 1 1 1 1 1 0 0\n"
                                       "cpu0 100 0 100 800 0 0 0 0 0 0\ncpu1 10 0 10 900 0 0 0 0 0 0\n"
                                       "cpu2 10 0 10 900 0 0 0 0 0 0\ncpu3 10 0 10 900 0 0 0 0 0 0\n"
                                       "cpu4 10 0 10 900 0 0 0 0 0 0\ncpu5 10 0 10 900 0 0 0 0 0 0\n"
                                       "cpu6 10 0 10 900 0 0 0 0 0 0\ncpu7 10 0 10 900 0 0 0 0 0 0\n"
                                       "intr 5\n", &c0));
        ASSERT_OK(diag_parse_proc_stat("cpu0 700 0 500 800 0 0 0 0 0 0\ncpu1 20 0 20 1880 0 0 0 0 0 0\n"
                                       "cpu2 20 0 20 1880 0 0 0 0 0 0\ncpu3 20 0 20 1880 0 0 0 0 0 0\n"
                                       "cpu4 20 0 20 1880 0 0 0 0 0 0\ncpu5 20 0 20 1880 0 0 0 0 0 0\n"
                                       "cpu6 20 0 20 1880 0 0 0 0 0 0\ncpu7 20 0 20 1880 0 0 0 0 0 0\n", &c1));

        GuestLinkEvidence e = { .snap = &s, .online = &online, .q0 = &q0, .q1 = &q1, .window_usec = 5000000 };
        ASSERT_OK(diag_guest_link(&e, &f));
        GuestSystemEvidence g = { .cpu0 = &c0, .cpu1 = &c1 };
        ASSERT_OK(diag_guest_system(&g, &f));

        x = find(&f, FINDING_IDLE_TX_QUEUES);
        ASSERT_TRUE(x);
        ASSERT_EQ(x->severity, SEVERITY_WARNING);
        assert_contains(x->summary, "only 4 of 8 tx queues carry traffic");
        assert_contains(x->evidence, "tx queues 0-3 carried 1000004 packets");
        assert_contains(x->evidence, "queues 4-7 next to none");
        assert_contains(x->fix, "XPS=auto");
        assert_contains(x->fix, "printf %x $((1 << i)) > /sys/class/net/ens4/queues/tx-$i/xps_cpus");

        x = find(&f, FINDING_XPS_UNSET);
        ASSERT_TRUE(x);
        assert_contains(x->evidence, "tx-0..tx-7 are all 0");

        x = find(&f, FINDING_CPU_SATURATED);
        ASSERT_TRUE(x);
        assert_contains(x->summary, "CPU 0 is saturated");
        assert_contains(x->evidence, "CPU 0 at 100%");

        ASSERT_TRUE(find(&f, FINDING_QUEUES_BELOW_CPUS) == NULL);       /* 8 of 8 enabled */
        ASSERT_EQ(findings_count_at_least(&f, SEVERITY_WARNING), 3);
}

/* The other half of the seed: 4 vCPUs booted of 8, and only 4 queue pairs enabled of 8. */
static void test_seed_vcpus(void) {
        _cleanup_(netdev_snapshot_done) NetdevSnapshot s = {};
        _cleanup_(cpuset_done) CpuSet online = CPUSET_NULL;
        _cleanup_(findings_done) Findings f = {};
        static const char *const masks[] = { "1", "2", "4", "8" };
        const Finding *x;

        virtio(&s, 8, 4, masks, 4);
        ASSERT_OK(cpuset_parse_list("0-3", &online));
        GuestLinkEvidence e = { .snap = &s, .online = &online };
        ASSERT_OK(diag_guest_link(&e, &f));
        x = find(&f, FINDING_CPUS_BELOW_QUEUES);
        ASSERT_TRUE(x);
        assert_contains(x->summary, "runs 4 vCPUs but the device offers 8 queue pairs");
        assert_contains(x->fix, "boot=8 rather than boot=4,max=8");
        ASSERT_TRUE(find(&f, FINDING_QUEUES_BELOW_CPUS) == NULL);       /* 4 of min(8,4) */
        ASSERT_EQ(f.n, 1);
        findings_done(&f);

        /* 8 CPUs, 4 of 8 queues enabled: ethtool -L. */
        cpuset_done(&online);
        ASSERT_OK(cpuset_parse_list("0-7", &online));
        ASSERT_OK(diag_guest_link(&e, &f));
        x = find(&f, FINDING_QUEUES_BELOW_CPUS);
        ASSERT_TRUE(x);
        assert_contains(x->fix, "ethtool -L ens4 combined 8");
        ASSERT_TRUE(find(&f, FINDING_XPS_UNCOVERED));                   /* CPUs 4-7 have no queue */
        assert_contains(find(&f, FINDING_XPS_UNCOVERED)->evidence, "CPUs 4-7");
        findings_done(&f);

        /* Host gives 2 queues to an 8-vCPU guest. */
        netdev_snapshot_done(&s);
        static const char *const m2[] = { "f", "f0" };
        virtio(&s, 2, 2, m2, 2);
        ASSERT_OK(diag_guest_link(&e, &f));
        x = find(&f, FINDING_QUEUES_BELOW_VCPUS);
        ASSERT_TRUE(x);
        assert_contains(x->fix, "queues=8,vhost=on");
        assert_contains(x->fix, "vectors=18");
}

static void test_well_tuned_no_alarm(void) {
        _cleanup_(netdev_snapshot_done) NetdevSnapshot s = {};
        _cleanup_(cpuset_done) CpuSet online = CPUSET_NULL;
        _cleanup_(queue_counters_done) QueueCounters q0 = {}, q1 = {};
        _cleanup_(findings_done) Findings f = {};
        const uint64_t zero[8] = {}, even[8] = { 1000, 1100, 900, 1000, 1050, 950, 1000, 1000 };
        SysctlSetting want[] = { { (char *) "net.core.rmem_max", (char *) "16777216" },
                                 { (char *) "net.ipv4.tcp_rmem", (char *) "4096 1048576 16777216" } };
        char *cur[] = { (char *) "16777216", (char *) "4096\t1048576\t16777216", NULL };

        virtio(&s, 8, 8, one_each8, 8);
        ASSERT_OK(cpuset_parse_list("0-7", &online));
        counters(&q0, 8, zero);
        counters(&q1, 8, even);
        GuestLinkEvidence e = { .snap = &s, .online = &online, .q0 = &q0, .q1 = &q1, .window_usec = 1000000 };
        ASSERT_OK(diag_guest_link(&e, &f));
        GuestSystemEvidence g = { .want = want, .n_want = 2, .current = cur };
        ASSERT_OK(diag_guest_system(&g, &f));
        ASSERT_EQ(f.n, 0);

        /* Idle: little traffic says nothing, no finding either. */
        const uint64_t few[8] = { 10, 0, 0, 0, 0, 0, 0, 0 };
        queue_counters_done(&q1);
        counters(&q1, 8, few);
        ASSERT_OK(diag_guest_link(&e, &f));
        ASSERT_EQ(f.n, 0);
}

static void test_link_settings_findings(void) {
        _cleanup_(netdev_snapshot_done) NetdevSnapshot s = {};
        _cleanup_(cpuset_done) CpuSet online = CPUSET_NULL;
        _cleanup_(findings_done) Findings f = {};
        LinkSettings pol;
        SysctlSetting want[] = { { (char *) "net.core.rmem_max", (char *) "16777216" } };
        char *cur[] = { (char *) "212992" };
        static const char *const ov[] = { "3", "3" };

        virtio(&s, 2, 2, ov, 2);
        s.offloads[OFFLOAD_GRO].active = false;
        s.offloads[OFFLOAD_TSO].active = false;
        s.max_mtu = 9000;
        ASSERT_OK(cpuset_parse_list("0-1", &online));
        memset(&pol, 0, sizeof pol);
        pol.mtu_mode = MTU_KEEP;
        GuestLinkEvidence e = { .snap = &s, .online = &online, .policy = &pol };
        ASSERT_OK(diag_guest_link(&e, &f));
        assert_contains(find(&f, FINDING_OFFLOAD_OFF)->summary, "tso, gro");
        assert_contains(find(&f, FINDING_MTU_BELOW_MAX)->fix, "ip link set ens4 mtu 9000");
        ASSERT_EQ(find(&f, FINDING_XPS_OVERLAP)->severity, SEVERITY_WARNING);
        findings_done(&f);

        pol.mtu_mode = MTU_NUMBER;
        pol.mtu = 9000;
        ASSERT_OK(diag_guest_link(&e, &f));
        assert_contains(find(&f, FINDING_MTU_POLICY_MISMATCH)->summary, "MTU 1500 differs from the policy's 9000");
        ASSERT_TRUE(find(&f, FINDING_MTU_BELOW_MAX) == NULL);
        findings_done(&f);

        GuestSystemEvidence g = { .want = want, .n_want = 1, .current = cur, .irqbalance_running = true };
        ASSERT_OK(diag_guest_system(&g, &f));
        assert_contains(find(&f, FINDING_SYSCTL_BELOW_POLICY)->evidence, "net.core.rmem_max = 212992");
        ASSERT_EQ(find(&f, FINDING_IRQBALANCE)->severity, SEVERITY_INFO);
}

static void test_parsers(void) {
        _cleanup_(softirq_counts_done) SoftirqCounts a = {}, b = {};
        _cleanup_(irq_counts_done) IrqCounts i0 = {}, i1 = {};
        _cleanup_(findings_done) Findings f = {};
        _cleanup_(cpu_times_done) CpuTimes t = {};
        const char *sirq0 = "                    CPU0       CPU1\n"
                            "          HI:          0          0\n"
                            "      NET_TX:         10         10\n"
                            "      NET_RX:        100        100\n";
        const char *sirq1 = "                    CPU0       CPU1\n"
                            "      NET_TX:       1010         12\n"
                            "      NET_RX:      50100        105\n";
        const char *irq0 = "           CPU0       CPU1\n"
                           " 24:          0          0  PCI-MSIX-0000:00:04.0   1-edge      virtio0-config\n"
                           " 25:        100          0  PCI-MSIX-0000:00:04.0   2-edge      virtio0-input.0\n"
                           " 26:        100          0  PCI-MSIX-0000:00:04.0   3-edge      virtio0-output.0\n"
                           " 27:          5          0  PCI-MSIX-0000:00:04.0   4-edge      virtio0-input.1\n"
                           " 28:          5          0  PCI-MSIX-0000:00:04.0   5-edge      virtio0-output.1\n"
                           "NMI:          0          0   Non-maskable interrupts\n";
        const char *irq1 = "           CPU0       CPU1\n"
                           " 25:       5100          0  PCI-MSIX-0000:00:04.0   2-edge      virtio0-input.0\n"
                           " 26:       5100          0  PCI-MSIX-0000:00:04.0   3-edge      virtio0-output.0\n"
                           " 27:       2005          0  PCI-MSIX-0000:00:04.0   4-edge      virtio0-input.1\n"
                           " 28:       2005          1  PCI-MSIX-0000:00:04.0   5-edge      virtio0-output.1\n";

        ASSERT_OK(diag_parse_softirqs(sirq0, &a));
        ASSERT_OK(diag_parse_softirqs(sirq1, &b));
        ASSERT_EQ(a.n_cpus, 2);
        ASSERT_EQ(b.net_rx[0], 50100);
        ASSERT_OK(diag_parse_interrupts(irq0, "virtio0-input.", &i0));
        ASSERT_EQ(i0.n_lines, 2);
        ASSERT_EQ(i0.per_cpu[0], 105);
        irq_counts_done(&i0);
        ASSERT_OK(diag_parse_interrupts(irq0, "virtio0-", &i0));
        ASSERT_OK(diag_parse_interrupts(irq1, "virtio0-", &i1));
        ASSERT_EQ(i0.n_lines, 5);
        ASSERT_EQ(i1.n_lines, 4);

        _cleanup_(netdev_snapshot_done) NetdevSnapshot s = {};
        _cleanup_(cpuset_done) CpuSet online = CPUSET_NULL;
        static const char *const m[] = { "1", "2" };
        virtio(&s, 2, 2, m, 2);
        ASSERT_OK(cpuset_parse_list("0-1", &online));
        GuestLinkEvidence e = { .snap = &s, .online = &online, .irq0 = &i0, .irq1 = &i1, .window_usec = 1000000 };
        ASSERT_OK(diag_guest_link(&e, &f));
        assert_contains(find(&f, FINDING_IRQ_CONCENTRATED)->summary, "land on CPU 0");
        GuestSystemEvidence g = { .sirq0 = &a, .sirq1 = &b };
        ASSERT_OK(diag_guest_system(&g, &f));
        assert_contains(find(&f, FINDING_SOFTIRQ_CONCENTRATED)->summary, "CPU 0 only");

        /* Bad input: clean errors. */
        ASSERT_EQ(diag_parse_proc_stat("intr 1 2 3\n", &t), -EBADMSG);
        ASSERT_EQ(diag_parse_softirqs("no header", &a), -EBADMSG);
        ASSERT_EQ(diag_parse_softirqs("   CPU0\n NET_TX: x\n", &a), -EBADMSG);
        ASSERT_EQ(diag_parse_interrupts("", "virtio", &i0), -EBADMSG);
}

static void test_host(void) {
        _cleanup_(findings_done) Findings f = {};
        _cleanup_(cpuset_done) CpuSet vc = CPUSET_NULL, wc = CPUSET_NULL, node = CPUSET_NULL;
        char *missing[] = { (char *) "vhost-net is not available: modprobe vhost_net", NULL };

        ASSERT_OK(cpuset_parse_list("0-1", &vc));
        ASSERT_OK(cpuset_parse_list("1,8", &wc));
        ASSERT_OK(cpuset_parse_list("0-3", &node));
        HostVmEvidence v = {
                .name = "vm1", .pid = 42, .n_vcpus = 4, .n_queues = 5, .n_single_queue_taps = 1, .n_workers = 2,
                .vcpu_cpus = &vc, .worker_cpus = &wc, .node_cpus_vcpus = &node,
                .sampled = true, .worker_ticks = 0, .window_usec = 2000000, .user_hz = 100,
        };
        ASSERT_OK(diag_host_vm(&v, &f));
        assert_contains(find(&f, FINDING_TAP_SINGLE_QUEUE)->fix, "queues=4,vhost=on");
        assert_contains(find(&f, FINDING_WORKERS_FEWER_THAN_QUEUES)->summary, "2 vhost workers serve 5 queues");
        assert_contains(find(&f, FINDING_WORKERS_IDLE)->summary, "the guest is not pushing packets");
        ASSERT_TRUE(find(&f, FINDING_WORKERS_OFF_NODE));                 /* CPU 8 is off node 0-3 */
        ASSERT_TRUE(find(&f, FINDING_WORKERS_SHARE_VCPUS));              /* CPU 1 runs a vCPU */
        assert_contains(find(&f, FINDING_WORKERS_SHARE_VCPUS)->subject, "vm1 (pid 42)");
        findings_done(&f);

        /* Busy, well placed workers: nothing. */
        cpuset_done(&wc);
        ASSERT_OK(cpuset_parse_list("2-3", &wc));
        v.n_single_queue_taps = 0;
        v.n_workers = 5;
        v.worker_ticks = 300;
        ASSERT_OK(diag_host_vm(&v, &f));
        ASSERT_EQ(f.n, 0);

        HostLinkPathEvidence p = { .tap = "vnet0", .tap_mtu = 1500, .bridge = "virbr0", .bridge_mtu = 9000 };
        ASSERT_OK(diag_host_link_path(&p, &f));
        assert_contains(find(&f, FINDING_MTU_MISMATCH_PATH)->fix, "Name=virbr0");
        findings_done(&f);
        p.tap_mtu = 9000;
        p.uplink = "eno1";
        p.uplink_mtu = 1500;
        ASSERT_OK(diag_host_link_path(&p, &f));
        assert_contains(find(&f, FINDING_MTU_MISMATCH_PATH)->summary, "uplink eno1 only 1500");
        findings_done(&f);

        HostSystemEvidence h = { .tier_missing = missing, .bridge_nf = { 1, 0, -1 }, .vm_memory_mb = 4096,
                                 .hugepages_size_kb = 2048 };
        ASSERT_OK(diag_host_system(&h, &f));
        ASSERT_EQ(f.n, 3);
        assert_contains(find(&f, FINDING_BRIDGE_NF_ON)->evidence, "bridge-nf-call-iptables = 1");
        assert_contains(find(&f, FINDING_HUGEPAGES_MISSING)->fix, "vm.nr_hugepages=2048");
        findings_done(&f);
        HostSystemEvidence ok = { .bridge_nf = { 0, 0, 0 }, .vm_memory_mb = 4096, .hugepages_total = 2048,
                                  .hugepages_size_kb = 2048 };
        ASSERT_OK(diag_host_system(&ok, &f));
        ASSERT_EQ(f.n, 0);
}

int main(void) {
        test_seed();
        test_seed_vcpus();
        test_well_tuned_no_alarm();
        test_link_settings_findings();
        test_parsers();
        test_host();
        ASSERT_STREQ(finding_code_to_string(FINDING_IDLE_TX_QUEUES), "idle-tx-queues");
        ASSERT_STREQ(severity_to_string(SEVERITY_WARNING), "warning");
        printf("diagnose ok\n");
        return 0;
}
