/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of the pure planner: channel and XPS math, link plans, sysctl plans and reverts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpuset.h"
#include "link-policy.h"
#include "macro.h"
#include "netdev.h"
#include "plan.h"
#include "test-util.h"

/* ---- fixtures ---- */

/* Everything keep; LinkSettings is filled by hand so these tests do not depend on link-policy.c. */
static void settings_keep(LinkSettings *s) {
        memset(s, 0, sizeof(*s));
        s->channels_mode = CHANNELS_KEEP;
        s->xps_mode = XPS_KEEP;
        s->mtu_mode = MTU_KEEP;
        for (Offload o = 0; o < _OFFLOAD_MAX; o++)
                s->offloads[o] = OFFLOAD_WANT_KEEP;
        s->drift = _DRIFT_MODE_INVALID;
}

/* XPS=list from mask texts. */
static void settings_set_xps_list(LinkSettings *s, const char *const *masks, unsigned n) {
        s->xps_mode = XPS_LIST;
        s->xps = calloc(n ?: 1, sizeof(CpuSet));
        ASSERT_TRUE(s->xps);
        s->n_xps = n;
        for (unsigned i = 0; i < n; i++)
                ASSERT_OK(cpuset_parse_mask(masks[i], &s->xps[i]));
}

static void settings_free(LinkSettings *s) {
        for (unsigned i = 0; i < s->n_xps; i++)
                cpuset_done(&s->xps[i]);
        free(s->xps);
        s->xps = NULL;
        s->n_xps = 0;
}

static void snapshot_set_xps(NetdevSnapshot *snap, const char *const *masks, unsigned n) {
        for (unsigned i = 0; i < snap->n_xps; i++)
                cpuset_done(&snap->xps[i]);
        free(snap->xps);

        snap->xps = calloc(n ?: 1, sizeof(CpuSet));
        ASSERT_TRUE(snap->xps);
        snap->n_xps = n;
        for (unsigned i = 0; i < n; i++)
                ASSERT_OK(cpuset_parse_mask(masks[i], &snap->xps[i]));
}

/* A virtio_net-like device: combined channels, MTU 1500 in 68..65535, tso/gso/gro on and changeable, no lro.
 * XPS masks are given as texts, one per tx queue. */
static void snapshot_virtio(NetdevSnapshot *snap, uint32_t max_combined, uint32_t combined,
                            const char *const *xps, unsigned n_xps) {
        memset(snap, 0, sizeof(*snap));
        snap->ifindex = 2;
        strcpy(snap->name, "eth0");
        strcpy(snap->driver, "virtio_net");
        strcpy(snap->mac, "52:54:00:12:34:56");
        snap->have_link = true;
        snap->mtu = 1500;
        snap->min_mtu = 68;
        snap->max_mtu = 65535;
        snap->num_tx_queues = max_combined;
        snap->channels = (Channels) { .max_combined = max_combined, .combined = combined };
        for (Offload o = 0; o < _OFFLOAD_MAX; o++)
                snap->offloads[o] = (OffloadState) { .known = true, .active = true, .changeable = true };
        snap->offloads[OFFLOAD_LRO] = (OffloadState) {};
        snapshot_set_xps(snap, xps, n_xps);
}

static void online_from_list(const char *list, CpuSet *ret) {
        ASSERT_OK(cpuset_parse_list(list, ret));
}

static void assert_action(const Action *a, ActionKind kind, const char *setting, const char *current,
                          const char *desired, const char *refused) {
        ASSERT_EQ(a->kind, kind);
        ASSERT_STREQ(a->setting, setting);
        ASSERT_STREQ(a->current, current);
        ASSERT_STREQ(a->desired, desired);
        if (refused)
                ASSERT_STREQ(a->refused, refused);
        else
                ASSERT_TRUE(a->refused == NULL);
        ASSERT_FALSE(a->done);
        ASSERT_EQ(a->result, 0);
        ASSERT_TRUE(a->error == NULL);
}

static void assert_mask(const CpuSet *s, const char *mask) {
        _cleanup_free_ char *m = NULL;

        ASSERT_OK(cpuset_format_mask(s, &m));
        ASSERT_STREQ(m, mask);
}

static void assert_xps_action(const Action *a, unsigned q, const char *current, const char *desired) {
        char setting[32];

        snprintf(setting, sizeof(setting), "xps:tx-%u", q);
        assert_action(a, ACTION_XPS, setting, current, desired, NULL);
        ASSERT_EQ(a->xps.queue, q);
        assert_mask(&a->xps.mask, desired);
}

/* Plays a plan onto a snapshot the way a well-behaved kernel would: new queues come up with empty XPS. */
static void snapshot_apply(NetdevSnapshot *snap, const Plan *p) {
        for (size_t i = 0; i < p->n; i++) {
                const Action *a = &p->actions[i];

                if (a->refused)
                        continue;

                switch (a->kind) {
                case ACTION_CHANNELS: {
                        unsigned n = a->channels.combined + a->channels.tx;
                        CpuSet *x = calloc(n ?: 1, sizeof(CpuSet));

                        ASSERT_TRUE(x);
                        for (unsigned q = 0; q < snap->n_xps; q++) {
                                if (q < n)
                                        x[q] = snap->xps[q];
                                else
                                        cpuset_done(&snap->xps[q]);
                        }
                        free(snap->xps);
                        snap->xps = x;
                        snap->n_xps = n;
                        snap->channels = a->channels;
                        break;
                }
                case ACTION_XPS:
                        ASSERT_TRUE(a->xps.queue < snap->n_xps);
                        cpuset_done(&snap->xps[a->xps.queue]);
                        ASSERT_OK(cpuset_copy(&a->xps.mask, &snap->xps[a->xps.queue]));
                        break;
                case ACTION_MTU:
                        snap->mtu = a->mtu;
                        break;
                case ACTION_TXQUEUELEN:
                        snap->txqueuelen = a->txqueuelen;
                        break;
                case ACTION_OFFLOAD:
                        snap->offloads[a->offload.offload].active = a->offload.on;
                        break;
                default:
                        ASSERT_TRUE(false);
                }
        }
}

/* Records (setting, current) of every executable action, as the daemon stores originals. */
typedef struct Recorded {
        char *settings[512];
        char *values[512];
        size_t n;
} Recorded;

static void record_originals(Recorded *r, const Plan *p) {
        for (size_t i = 0; i < p->n; i++) {
                if (p->actions[i].refused)
                        continue;
                ASSERT_TRUE(r->n < ELEMENTSOF(r->settings));
                r->settings[r->n] = strdup(p->actions[i].setting);
                r->values[r->n] = strdup(p->actions[i].current);
                ASSERT_TRUE(r->settings[r->n] && r->values[r->n]);
                r->n++;
        }
}

static void recorded_done(Recorded *r) {
        for (size_t i = 0; i < r->n; i++) {
                free(r->settings[i]);
                free(r->values[i]);
        }
        r->n = 0;
}

static const char *const masks_1_2_4_8[] = { "1", "2", "4", "8" };
static const char *const masks_ff[] = { "ff" };

/* ---- channel target ---- */

static void test_channels_target(void) {
        static const struct {
                ChannelsMode mode;
                uint32_t number;
                Channels c;
                unsigned n_online;
                int r;
                uint32_t target;
        } table[] = {
                { CHANNELS_KEEP,   0,  { .max_combined = 8, .combined = 1 }, 4,  -ENODATA, 0 },
                { CHANNELS_AUTO,   0,  {},                                   4,  -ENODATA, 0 },
                { CHANNELS_MAX,    0,  {},                                   4,  -ENODATA, 0 },
                { CHANNELS_NUMBER, 4,  {},                                   4,  -ENODATA, 0 },
                { CHANNELS_AUTO,   0,  { .max_combined = 8, .combined = 1 }, 4,  0,        4 },
                { CHANNELS_AUTO,   0,  { .max_combined = 4, .combined = 1 }, 16, 0,        4 },
                { CHANNELS_AUTO,   0,  { .max_combined = 8, .combined = 1 }, 0,  0,        1 },
                { CHANNELS_AUTO,   0,  { .max_combined = 1, .combined = 1 }, 64, 0,        1 },
                { CHANNELS_MAX,    0,  { .max_combined = 8, .combined = 1 }, 2,  0,        8 },
                { CHANNELS_NUMBER, 3,  { .max_combined = 8, .combined = 1 }, 2,  0,        3 },
                { CHANNELS_NUMBER, 16, { .max_combined = 8, .combined = 1 }, 2,  0,        16 },
                { CHANNELS_NUMBER, 0,  { .max_combined = 8, .combined = 1 }, 2,  -EINVAL,  0 },
                /* veth: separate rx and tx, the smaller maximum counts. */
                { CHANNELS_AUTO,   0,  { .max_rx = 4, .max_tx = 2, .rx = 1, .tx = 1 }, 8, 0, 2 },
                { CHANNELS_MAX,    0,  { .max_rx = 4, .max_tx = 2, .rx = 1, .tx = 1 }, 8, 0, 2 },
                { CHANNELS_AUTO,   0,  { .max_rx = 0, .max_tx = 4, .tx = 1 },          8, 0, 4 },
                { _CHANNELS_MODE_MAX, 0, { .max_combined = 8 },                      2,  -EINVAL,  0 },
                { _CHANNELS_MODE_INVALID, 0, { .max_combined = 8 },                  2,  -EINVAL,  0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                LinkSettings s;
                uint32_t t = 4242;

                settings_keep(&s);
                s.channels_mode = table[i].mode;
                s.channels = table[i].number;
                ASSERT_EQ(plan_channels_target(&s, &table[i].c, table[i].n_online, &t), table[i].r);
                ASSERT_EQ(t, table[i].r == 0 ? table[i].target : 4242);
        }

        /* All combinations: auto is min(max, CPUs), max is the maximum. */
        for (unsigned n = 1; n <= 512; n++)
                for (uint32_t max = 1; max <= 256; max++) {
                        Channels c = { .max_combined = max, .combined = 1 };
                        Channels v = { .max_rx = max, .max_tx = max, .rx = 1, .tx = 1 };
                        LinkSettings s;
                        uint32_t t;

                        settings_keep(&s);
                        s.channels_mode = CHANNELS_AUTO;
                        ASSERT_OK(plan_channels_target(&s, &c, n, &t));
                        ASSERT_EQ(t, MIN(n, max));
                        ASSERT_OK(plan_channels_target(&s, &v, n, &t));
                        ASSERT_EQ(t, MIN(n, max));

                        s.channels_mode = CHANNELS_MAX;
                        ASSERT_OK(plan_channels_target(&s, &c, n, &t));
                        ASSERT_EQ(t, max);
                }
}

/* ---- XPS auto masks ---- */

/* Checks the invariants of one (CPUs, queues) combination over the given ascending CPU ids. */
static void check_xps_combination(const unsigned *cpus, unsigned n, unsigned n_queues) {
        unsigned cursor = 0, smallest = UINT32_MAX, largest = 0;

        for (unsigned q = 0; q < n_queues; q++) {
                _cleanup_(cpuset_done) CpuSet m = CPUSET_NULL;
                unsigned count;

                ASSERT_OK(plan_xps_auto_mask(cpus, n, q, n_queues, &m));
                count = cpuset_count(&m);
                ASSERT_TRUE(count > 0);

                if (n >= n_queues) {
                        /* Contiguous groups in queue order: together they cover each CPU exactly once. */
                        ASSERT_TRUE(cursor + count <= n);
                        for (unsigned i = cursor; i < cursor + count; i++)
                                ASSERT_TRUE(cpuset_isset(&m, cpus[i]));
                        cursor += count;
                        smallest = MIN(smallest, count);
                        largest = MAX(largest, count);
                } else {
                        /* Round robin, one CPU each. */
                        ASSERT_EQ(count, 1);
                        ASSERT_TRUE(cpuset_isset(&m, cpus[q % n]));
                }
        }

        if (n >= n_queues) {
                ASSERT_EQ(cursor, n);
                ASSERT_TRUE(largest - smallest <= 1);
                if (n == n_queues)
                        ASSERT_EQ(largest, 1);
        }
}

static void test_xps_auto_all_combinations(void) {
        unsigned contiguous[512], sparse[512];

        for (unsigned i = 0; i < 512; i++) {
                contiguous[i] = i;
                sparse[i] = i + i / 5 + 3;      /* every sixth id offline, CPUs 0-2 too */
        }

        for (unsigned n = 1; n <= 512; n++)
                for (unsigned q = 1; q <= 256; q++)
                        check_xps_combination(contiguous, n, q);

        for (unsigned n = 1; n <= 96; n++)
                for (unsigned q = 1; q <= 96; q++)
                        check_xps_combination(sparse, n, q);
}

static void test_xps_auto_spot(void) {
        static const struct {
                const char *online;
                unsigned n_queues;
                const char *masks[8];
        } table[] = {
                { "0-7",        8, { "1", "2", "4", "8", "10", "20", "40", "80" } },
                { "0-7",        4, { "3", "c", "30", "c0" } },
                { "0-7",        1, { "ff" } },
                { "0-1",        4, { "1", "2", "1", "2" } },
                { "0-2",        2, { "1", "6" } },
                { "0-5",        4, { "1", "6", "8", "30" } },
                { "0-39",       1, { "ff,ffffffff" } },
                { "0-39",       2, { "fffff", "ff,fff00000" } },
                { "33",         1, { "2,00000000" } },
                { "33",         3, { "2,00000000", "2,00000000", "2,00000000" } },
                { "0,2-3",      3, { "1", "4", "8" } },
                { "0,2-3",      2, { "1", "c" } },
                { "0,2-7",      4, { "1", "c", "30", "c0" } },
                { "1,3",        3, { "2", "8", "2" } },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                _cleanup_(cpuset_done) CpuSet online = CPUSET_NULL;
                _cleanup_free_ unsigned *cpus = NULL;
                unsigned n;

                online_from_list(table[i].online, &online);
                ASSERT_OK(cpuset_to_array(&online, &cpus, &n));
                for (unsigned q = 0; q < table[i].n_queues; q++) {
                        _cleanup_(cpuset_done) CpuSet m = CPUSET_NULL;

                        ASSERT_OK(plan_xps_auto_mask(cpus, n, q, table[i].n_queues, &m));
                        assert_mask(&m, table[i].masks[q]);
                }
        }
}

static void test_xps_auto_errors(void) {
        unsigned cpus[] = { 0, 1 };
        CpuSet m = { .words = (uint32_t *) 0x1, .n_words = 7 };

        ASSERT_EQ(plan_xps_auto_mask(cpus, 0, 0, 1, &m), -EINVAL);
        ASSERT_EQ(plan_xps_auto_mask(NULL, 0, 0, 1, &m), -EINVAL);
        ASSERT_EQ(plan_xps_auto_mask(cpus, 2, 1, 1, &m), -EINVAL);
        ASSERT_EQ(plan_xps_auto_mask(cpus, 2, 0, 0, &m), -EINVAL);
        ASSERT_EQ(plan_xps_auto_mask(cpus, 2, 5, 4, &m), -EINVAL);
        ASSERT_TRUE(m.words == (uint32_t *) 0x1);
        ASSERT_EQ(m.n_words, 7);
}

/* ---- plan_link ---- */

static void test_link_already_tuned(void) {
        _cleanup_(netdev_snapshot_done) NetdevSnapshot snap = {};
        _cleanup_(cpuset_done) CpuSet online = CPUSET_NULL;
        _cleanup_(plan_done) Plan p = {};
        LinkSettings s;

        snapshot_virtio(&snap, 4, 4, masks_1_2_4_8, 4);
        snap.mtu = 9000;
        snap.offloads[OFFLOAD_GRO].active = false;
        online_from_list("0-3", &online);

        settings_keep(&s);
        s.channels_mode = CHANNELS_AUTO;
        s.xps_mode = XPS_AUTO;
        s.mtu_mode = MTU_NUMBER;
        s.mtu = 9000;
        s.offloads[OFFLOAD_TSO] = OFFLOAD_WANT_ON;
        s.offloads[OFFLOAD_GRO] = OFFLOAD_WANT_OFF;
        s.offloads[OFFLOAD_LRO] = OFFLOAD_WANT_OFF;       /* not known on this device: nothing to do */

        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 0);
        ASSERT_EQ(plan_n_changes(&p), 0);
        plan_done(&p);

        /* The same with the maximal channel count and an explicit XPS list. */
        s.channels_mode = CHANNELS_MAX;
        settings_set_xps_list(&s, masks_1_2_4_8, 4);
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 0);
        settings_free(&s);
        plan_done(&p);

        /* MTU=max when the MTU already is the maximum. */
        snap.mtu = 65535;
        s.mtu_mode = MTU_MAX;
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 0);
}

static void test_link_fresh_device(void) {
        _cleanup_(netdev_snapshot_done) NetdevSnapshot snap = {};
        _cleanup_(cpuset_done) CpuSet online = CPUSET_NULL;
        _cleanup_(plan_done) Plan p = {};
        static const char *const want[] = { "1", "2", "4", "8", "10", "20", "40", "80" };
        LinkSettings s;

        snapshot_virtio(&snap, 8, 1, masks_ff, 1);
        snap.offloads[OFFLOAD_GRO].active = false;
        online_from_list("0-7", &online);

        settings_keep(&s);
        s.channels_mode = CHANNELS_AUTO;
        s.xps_mode = XPS_AUTO;
        s.mtu_mode = MTU_NUMBER;
        s.mtu = 9000;
        s.offloads[OFFLOAD_GRO] = OFFLOAD_WANT_ON;       /* given out of enum order on purpose */
        s.offloads[OFFLOAD_TSO] = OFFLOAD_WANT_OFF;
        s.offloads[OFFLOAD_LRO] = OFFLOAD_WANT_OFF;

        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 12);
        ASSERT_EQ(plan_n_changes(&p), 12);

        /* Order: channels, XPS by queue, MTU, offloads in enum order. */
        assert_action(&p.actions[0], ACTION_CHANNELS, "channels", "combined 1", "combined 8", NULL);
        ASSERT_EQ(p.actions[0].channels.combined, 8);
        ASSERT_EQ(p.actions[0].channels.max_combined, 8);
        assert_xps_action(&p.actions[1], 0, "ff", "1");
        for (unsigned q = 1; q < 8; q++)
                assert_xps_action(&p.actions[1 + q], q, "", want[q]);
        assert_action(&p.actions[9], ACTION_MTU, "mtu", "1500", "9000", NULL);
        ASSERT_EQ(p.actions[9].mtu, 9000);
        assert_action(&p.actions[10], ACTION_OFFLOAD, "offload:tso", "on", "off", NULL);
        ASSERT_EQ(p.actions[10].offload.offload, OFFLOAD_TSO);
        ASSERT_FALSE(p.actions[10].offload.on);
        assert_action(&p.actions[11], ACTION_OFFLOAD, "offload:gro", "off", "on", NULL);
        ASSERT_EQ(p.actions[11].offload.offload, OFFLOAD_GRO);
        ASSERT_TRUE(p.actions[11].offload.on);

        for (size_t i = 1; i < p.n; i++)
                ASSERT_TRUE(p.actions[i - 1].kind <= p.actions[i].kind);

        /* Applied, the device is tuned: planning again finds nothing to do. */
        snapshot_apply(&snap, &p);
        plan_done(&p);
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 0);
}

static void test_link_xps_rewritten_on_channel_change(void) {
        static const char *const masks_1_2[] = { "1", "2" };
        _cleanup_(netdev_snapshot_done) NetdevSnapshot snap = {};
        _cleanup_(cpuset_done) CpuSet online = CPUSET_NULL;
        _cleanup_(plan_done) Plan p = {};
        LinkSettings s;

        /* Two CPUs, two of four queues; XPS of the existing queues already right. */
        snapshot_virtio(&snap, 4, 2, masks_1_2, 2);
        online_from_list("0-1", &online);
        settings_keep(&s);
        s.xps_mode = XPS_AUTO;

        /* Without a channel change nothing is to do. */
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 0);
        plan_done(&p);

        /* With one, every queue's mask is written again, the unchanged ones too. */
        s.channels_mode = CHANNELS_NUMBER;
        s.channels = 4;
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 5);
        assert_action(&p.actions[0], ACTION_CHANNELS, "channels", "combined 2", "combined 4", NULL);
        assert_xps_action(&p.actions[1], 0, "1", "1");
        assert_xps_action(&p.actions[2], 1, "2", "2");
        assert_xps_action(&p.actions[3], 2, "", "1");
        assert_xps_action(&p.actions[4], 3, "", "2");
        plan_done(&p);

        /* Fewer channels: only the queues that remain get masks. */
        snapshot_set_xps(&snap, masks_1_2_4_8, 4);
        snap.channels.combined = 4;
        cpuset_done(&online);
        online_from_list("0-3", &online);
        s.channels = 2;
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 3);
        assert_action(&p.actions[0], ACTION_CHANNELS, "channels", "combined 4", "combined 2", NULL);
        assert_xps_action(&p.actions[1], 0, "1", "3");
        assert_xps_action(&p.actions[2], 1, "2", "c");
        plan_done(&p);

        /* XPS unreadable: channels still planned, XPS left alone. */
        snap.xps_error = -ENOENT;
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 1);
        ASSERT_EQ(p.actions[0].kind, ACTION_CHANNELS);
}

static void test_link_offline_cpu(void) {
        _cleanup_(netdev_snapshot_done) NetdevSnapshot snap = {};
        _cleanup_(cpuset_done) CpuSet online = CPUSET_NULL;
        _cleanup_(plan_done) Plan p = {};
        LinkSettings s;

        /* CPU 1 offline: three CPUs, three channels, one CPU per queue, CPU 1 in no mask. */
        snapshot_virtio(&snap, 8, 1, masks_ff, 1);
        online_from_list("0,2-3", &online);
        settings_keep(&s);
        s.channels_mode = CHANNELS_AUTO;
        s.xps_mode = XPS_AUTO;

        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 4);
        assert_action(&p.actions[0], ACTION_CHANNELS, "channels", "combined 1", "combined 3", NULL);
        assert_xps_action(&p.actions[1], 0, "ff", "1");
        assert_xps_action(&p.actions[2], 1, "", "4");
        assert_xps_action(&p.actions[3], 2, "", "8");
        plan_done(&p);

        /* Channels kept at four over seven CPUs (1 offline): balanced groups skip CPU 1. */
        snapshot_set_xps(&snap, masks_1_2_4_8, 4);
        snap.channels.combined = 4;
        cpuset_done(&online);
        online_from_list("0,2-7", &online);
        s.channels_mode = CHANNELS_KEEP;
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 3);
        assert_xps_action(&p.actions[0], 1, "2", "c");
        assert_xps_action(&p.actions[1], 2, "4", "30");
        assert_xps_action(&p.actions[2], 3, "8", "c0");
}

static void test_link_refusals(void) {
        _cleanup_(netdev_snapshot_done) NetdevSnapshot snap = {};
        _cleanup_(cpuset_done) CpuSet online = CPUSET_NULL;
        _cleanup_(plan_done) Plan p = {};
        LinkSettings s;

        snapshot_virtio(&snap, 8, 4, masks_1_2_4_8, 4);
        snap.max_mtu = 1500;
        online_from_list("0-7", &online);

        /* Channels above the maximum: refused, and XPS planned for the queues there are now. */
        settings_keep(&s);
        s.channels_mode = CHANNELS_NUMBER;
        s.channels = 16;
        s.xps_mode = XPS_AUTO;
        s.mtu_mode = MTU_NUMBER;
        s.mtu = 9000;
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 6);
        ASSERT_EQ(plan_n_changes(&p), 4);
        assert_action(&p.actions[0], ACTION_CHANNELS, "channels", "combined 4", "combined 16",
                      "Channels=16 exceeds the device maximum of 8");
        assert_xps_action(&p.actions[1], 0, "1", "3");
        assert_xps_action(&p.actions[2], 1, "2", "c");
        assert_xps_action(&p.actions[3], 2, "4", "30");
        assert_xps_action(&p.actions[4], 3, "8", "c0");
        assert_action(&p.actions[5], ACTION_MTU, "mtu", "1500", "9000",
                      "MTU=9000 exceeds the device maximum of 1500");
        plan_done(&p);

        /* MTU below the minimum. */
        settings_keep(&s);
        s.mtu_mode = MTU_NUMBER;
        s.mtu = 60;
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 1);
        ASSERT_EQ(plan_n_changes(&p), 0);
        assert_action(&p.actions[0], ACTION_MTU, "mtu", "1500", "60",
                      "MTU=60 is below the device minimum of 68");
        plan_done(&p);

        /* One past either limit is refused, exactly at them is fine. */
        s.mtu = 67;
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 1);
        assert_action(&p.actions[0], ACTION_MTU, "mtu", "1500", "67",
                      "MTU=67 is below the device minimum of 68");
        plan_done(&p);
        snap.mtu = 1000;
        s.mtu = 1501;
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 1);
        assert_action(&p.actions[0], ACTION_MTU, "mtu", "1000", "1501",
                      "MTU=1501 exceeds the device maximum of 1500");
        plan_done(&p);
        s.mtu = 1500;
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 1);
        assert_action(&p.actions[0], ACTION_MTU, "mtu", "1000", "1500", NULL);
        plan_done(&p);
        snap.mtu = 1500;

        s.mtu = 68;
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 1);
        assert_action(&p.actions[0], ACTION_MTU, "mtu", "1500", "68", NULL);
        plan_done(&p);
        s.mtu = 1500;
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 0);
        plan_done(&p);

        /* Unknown maximum: a number is tried, MTU=max does nothing. */
        snap.max_mtu = 0;
        s.mtu = 9000;
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 1);
        assert_action(&p.actions[0], ACTION_MTU, "mtu", "1500", "9000", NULL);
        plan_done(&p);
        s.mtu_mode = MTU_MAX;
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 0);
        plan_done(&p);
        snap.max_mtu = 65535;
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 1);
        assert_action(&p.actions[0], ACTION_MTU, "mtu", "1500", "65535", NULL);
        ASSERT_EQ(p.actions[0].mtu, 65535);
        plan_done(&p);

        /* No rtnl data: no MTU planning at all, not even a refusal. */
        snap.have_link = false;
        s.mtu_mode = MTU_NUMBER;
        s.mtu = 100000;
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 0);
}

static void test_link_offloads(void) {
        _cleanup_(netdev_snapshot_done) NetdevSnapshot snap = {};
        _cleanup_(cpuset_done) CpuSet online = CPUSET_NULL;
        _cleanup_(plan_done) Plan p = {};
        LinkSettings s;

        snapshot_virtio(&snap, 1, 1, masks_ff, 1);
        online_from_list("0-7", &online);
        settings_keep(&s);

        /* Fixed tso: refused when a change is asked for, silent when it already is as wanted. */
        snap.offloads[OFFLOAD_TSO].changeable = false;
        s.offloads[OFFLOAD_TSO] = OFFLOAD_WANT_OFF;
        s.offloads[OFFLOAD_GSO] = OFFLOAD_WANT_OFF;
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 2);
        ASSERT_EQ(plan_n_changes(&p), 1);
        assert_action(&p.actions[0], ACTION_OFFLOAD, "offload:tso", "on", "off",
                      "offload tso cannot be changed on this device");
        assert_action(&p.actions[1], ACTION_OFFLOAD, "offload:gso", "on", "off", NULL);
        plan_done(&p);

        s.offloads[OFFLOAD_TSO] = OFFLOAD_WANT_ON;
        s.offloads[OFFLOAD_GSO] = OFFLOAD_WANT_ON;
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 0);
        plan_done(&p);

        /* Unknown feature bits, or features unreadable: nothing. */
        s.offloads[OFFLOAD_LRO] = OFFLOAD_WANT_ON;
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 0);
        plan_done(&p);

        snap.features_error = -EOPNOTSUPP;
        s.offloads[OFFLOAD_GRO] = OFFLOAD_WANT_OFF;
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 0);
        plan_done(&p);

        /* A value outside keep/off/on is an error, and ret stays untouched. */
        snap.features_error = 0;
        s.offloads[OFFLOAD_GRO] = (OffloadWant) 7;
        p = (Plan) { .n = 4242 };
        ASSERT_EQ(plan_link(&snap, &s, &online, &p), -EINVAL);
        ASSERT_EQ(p.n, 4242);
        ASSERT_TRUE(p.actions == NULL);
        p = (Plan) {};
}

static void test_link_veth(void) {
        _cleanup_(netdev_snapshot_done) NetdevSnapshot snap = {};
        _cleanup_(cpuset_done) CpuSet online = CPUSET_NULL;
        _cleanup_(plan_done) Plan p = {};
        LinkSettings s;

        snapshot_virtio(&snap, 0, 0, masks_ff, 1);
        strcpy(snap.driver, "veth");
        snap.channels = (Channels) { .max_rx = 4, .max_tx = 4, .rx = 1, .tx = 1 };
        online_from_list("0-7", &online);
        settings_keep(&s);
        s.channels_mode = CHANNELS_AUTO;
        s.xps_mode = XPS_AUTO;

        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 5);
        assert_action(&p.actions[0], ACTION_CHANNELS, "channels", "rx 1 tx 1", "rx 4 tx 4", NULL);
        ASSERT_EQ(p.actions[0].channels.rx, 4);
        ASSERT_EQ(p.actions[0].channels.tx, 4);
        ASSERT_EQ(p.actions[0].channels.max_rx, 4);
        ASSERT_EQ(p.actions[0].channels.max_tx, 4);
        assert_xps_action(&p.actions[1], 0, "ff", "3");
        assert_xps_action(&p.actions[2], 1, "", "c");
        assert_xps_action(&p.actions[3], 2, "", "30");
        assert_xps_action(&p.actions[4], 3, "", "c0");
        plan_done(&p);

        /* Each direction is clamped to its own maximum. */
        snap.channels = (Channels) { .max_rx = 0, .max_tx = 4, .rx = 0, .tx = 1 };
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 5);
        assert_action(&p.actions[0], ACTION_CHANNELS, "channels", "rx 0 tx 1", "rx 0 tx 4", NULL);
        plan_done(&p);

        /* Above the (smaller) maximum. */
        snap.channels = (Channels) { .max_rx = 8, .max_tx = 2, .rx = 2, .tx = 2 };
        s.channels_mode = CHANNELS_NUMBER;
        s.channels = 4;
        s.xps_mode = XPS_KEEP;
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 1);
        assert_action(&p.actions[0], ACTION_CHANNELS, "channels", "rx 2 tx 2", "rx 4 tx 4",
                      "Channels=4 exceeds the device maximum of 2");
        plan_done(&p);

        /* Already at target. */
        s.channels = 2;
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 0);
}

static void test_link_xps_list(void) {
        static const char *const f4[] = { "f", "f", "f", "f" };
        static const char *const list3[] = { "1", "2", "0" };
        static const char *const list5[] = { "1", "2", "4", "8", "10" };
        _cleanup_(netdev_snapshot_done) NetdevSnapshot snap = {};
        _cleanup_(cpuset_done) CpuSet online = CPUSET_NULL;
        _cleanup_(plan_done) Plan p = {};
        LinkSettings s;

        snapshot_virtio(&snap, 8, 4, f4, 4);
        online_from_list("0-3", &online);
        settings_keep(&s);

        /* Shorter list: the rest stays; an empty mask is honoured as given. */
        settings_set_xps_list(&s, list3, 3);
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 3);
        assert_xps_action(&p.actions[0], 0, "f", "1");
        assert_xps_action(&p.actions[1], 1, "f", "2");
        assert_xps_action(&p.actions[2], 2, "f", "0");
        plan_done(&p);
        settings_free(&s);

        /* Longer list: entries beyond the queues are ignored; CPUs not online are honoured too. */
        snapshot_set_xps(&snap, f4, 2);
        settings_set_xps_list(&s, list5, 5);
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 2);
        assert_xps_action(&p.actions[0], 0, "f", "1");
        assert_xps_action(&p.actions[1], 1, "f", "2");
        plan_done(&p);

        /* Channel change to 6: the list is written in full, matching masks included. */
        snap.channels.combined = 2;
        snapshot_set_xps(&snap, list5, 2);
        s.channels_mode = CHANNELS_NUMBER;
        s.channels = 6;
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 6);
        assert_action(&p.actions[0], ACTION_CHANNELS, "channels", "combined 2", "combined 6", NULL);
        assert_xps_action(&p.actions[1], 0, "1", "1");
        assert_xps_action(&p.actions[2], 1, "2", "2");
        assert_xps_action(&p.actions[3], 2, "", "4");
        assert_xps_action(&p.actions[4], 3, "", "8");
        assert_xps_action(&p.actions[5], 4, "", "10");
        settings_free(&s);
}

static void test_link_no_channels(void) {
        _cleanup_(netdev_snapshot_done) NetdevSnapshot snap = {};
        _cleanup_(cpuset_done) CpuSet online = CPUSET_NULL;
        _cleanup_(plan_done) Plan p = {};
        LinkSettings s;

        snapshot_virtio(&snap, 8, 1, masks_ff, 1);
        online_from_list("0-3", &online);
        settings_keep(&s);
        s.channels_mode = CHANNELS_AUTO;
        s.xps_mode = XPS_AUTO;

        /* Channels unreadable: XPS over the queues there are. */
        snap.channels_error = -EOPNOTSUPP;
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 1);
        assert_xps_action(&p.actions[0], 0, "ff", "f");
        plan_done(&p);

        /* A device without channels at all (e.g. a single-queue tap). */
        snap.channels_error = 0;
        snap.channels = (Channels) {};
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 1);
        ASSERT_EQ(p.actions[0].kind, ACTION_XPS);
        plan_done(&p);

        /* No online CPU known: no XPS spreading, no error. */
        cpuset_done(&online);
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 0);
        plan_done(&p);

        /* Bad modes. */
        s.xps_mode = _XPS_MODE_MAX;
        ASSERT_EQ(plan_link(&snap, &s, &online, &p), -EINVAL);
        s.xps_mode = XPS_KEEP;
        s.mtu_mode = _MTU_MODE_INVALID;
        ASSERT_EQ(plan_link(&snap, &s, &online, &p), -EINVAL);
        s.mtu_mode = MTU_KEEP;
        s.channels_mode = _CHANNELS_MODE_MAX;
        ASSERT_EQ(plan_link(&snap, &s, &online, &p), -EINVAL);
        ASSERT_EQ(p.n, 0);
}

/* Over many shapes: plan, apply, plan again gives nothing; reverting the recorded originals restores
 * the device. */
static void test_link_apply_and_revert_matrix(void) {
        for (unsigned n_cpus = 1; n_cpus <= 12; n_cpus++)
                for (uint32_t max = 1; max <= 12; max++)
                        for (uint32_t cur = 1; cur <= max; cur++) {
                                _cleanup_(netdev_snapshot_done) NetdevSnapshot snap = {}, orig = {};
                                _cleanup_(cpuset_done) CpuSet online = CPUSET_NULL;
                                _cleanup_(plan_done) Plan p = {};
                                _cleanup_(recorded_done) Recorded rec = {};
                                const char *masks[12];
                                LinkSettings s;
                                char list[16];

                                for (unsigned i = 0; i < cur; i++)
                                        masks[i] = "0";
                                snapshot_virtio(&snap, max, cur, masks, cur);
                                snapshot_virtio(&orig, max, cur, masks, cur);
                                snprintf(list, sizeof(list), "0-%u", n_cpus - 1);
                                online_from_list(list, &online);

                                settings_keep(&s);
                                s.channels_mode = CHANNELS_AUTO;
                                s.xps_mode = XPS_AUTO;
                                s.mtu_mode = MTU_NUMBER;
                                s.mtu = 9000;
                                s.offloads[OFFLOAD_GRO] = OFFLOAD_WANT_OFF;

                                ASSERT_OK(plan_link(&snap, &s, &online, &p));
                                ASSERT_EQ(p.actions[0].kind == ACTION_CHANNELS, cur != MIN(n_cpus, max));
                                record_originals(&rec, &p);
                                snapshot_apply(&snap, &p);
                                ASSERT_EQ(snap.channels.combined, MIN(n_cpus, max));
                                ASSERT_EQ(snap.n_xps, MIN(n_cpus, max));
                                plan_done(&p);

                                ASSERT_OK(plan_link(&snap, &s, &online, &p));
                                ASSERT_EQ(p.n, 0);

                                ASSERT_OK(plan_revert(&snap, rec.settings, rec.values, rec.n, &p));
                                ASSERT_TRUE(p.n > 0);
                                snapshot_apply(&snap, &p);
                                ASSERT_EQ(snap.channels.combined, orig.channels.combined);
                                ASSERT_EQ(snap.n_xps, orig.n_xps);
                                for (unsigned i = 0; i < snap.n_xps; i++)
                                        ASSERT_TRUE(cpuset_equal(&snap.xps[i], &orig.xps[i]));
                                ASSERT_EQ(snap.mtu, orig.mtu);
                                for (Offload o = 0; o < _OFFLOAD_MAX; o++)
                                        ASSERT_EQ(snap.offloads[o].active, orig.offloads[o].active);
                                plan_done(&p);

                                /* Once reverted, reverting again is a no-op. */
                                ASSERT_OK(plan_revert(&snap, rec.settings, rec.values, rec.n, &p));
                                ASSERT_EQ(p.n, 0);
                        }
}

/* ---- sysctls ---- */

static void test_sysctls(void) {
        SysctlSetting want[] = {
                { (char *) "net.core.rmem_max", (char *) "16777216" },
                { (char *) "net.ipv4.tcp_rmem", (char *) "4096  87380 6291456" },
                { (char *) "net.core.rmem_nope", (char *) "1" },
                { (char *) "net.core.somaxconn", (char *) "4096" },
                { (char *) "net.ipv4.tcp_wmem", (char *) "4096 16384 4194304" },
        };
        char *current[] = {
                (char *) "212992\n",
                (char *) "4096\t87380\t6291456\n",
                NULL,
                (char *) " 4096 ",
                (char *) "4096\t16384\t16777216\n",
        };
        _cleanup_(plan_done) Plan p = {};

        ASSERT_OK(plan_sysctls(want, ELEMENTSOF(want), current, &p));
        ASSERT_EQ(p.n, 3);
        ASSERT_EQ(plan_n_changes(&p), 2);

        assert_action(&p.actions[0], ACTION_SYSCTL, "sysctl:net.core.rmem_max", "212992", "16777216", NULL);
        ASSERT_STREQ(p.actions[0].sysctl.key, "net.core.rmem_max");
        ASSERT_STREQ(p.actions[0].sysctl.value, "16777216");
        assert_action(&p.actions[1], ACTION_SYSCTL, "sysctl:net.core.rmem_nope", "", "1",
                      "sysctl net.core.rmem_nope does not exist here");
        assert_action(&p.actions[2], ACTION_SYSCTL, "sysctl:net.ipv4.tcp_wmem", "4096 16384 16777216",
                      "4096 16384 4194304", NULL);
        ASSERT_STREQ(p.actions[2].sysctl.key, "net.ipv4.tcp_wmem");
        ASSERT_STREQ(p.actions[2].sysctl.value, "4096 16384 4194304");
        plan_done(&p);

        /* Nothing wanted. */
        ASSERT_OK(plan_sysctls(NULL, 0, NULL, &p));
        ASSERT_EQ(p.n, 0);

        /* A setting without a key is invalid. */
        want[0].key = (char *) "";
        ASSERT_EQ(plan_sysctls(want, 1, current, &p), -EINVAL);
        ASSERT_EQ(p.n, 0);
}

/* ---- plan_revert ---- */

static void test_revert_order(void) {
        _cleanup_(netdev_snapshot_done) NetdevSnapshot snap = {};
        _cleanup_(plan_done) Plan p = {};
        /* Recorded in an order unlike the canonical one. */
        char *settings[] = {
                (char *) "offload:tso", (char *) "sysctl:net.core.rmem_max", (char *) "xps:tx-3",
                (char *) "mtu", (char *) "xps:tx-1", (char *) "offload:gro", (char *) "channels",
                (char *) "xps:tx-0", (char *) "xps:tx-2",
        };
        char *values[] = {
                (char *) "on", (char *) "212992", (char *) "ff",
                (char *) "1500", (char *) "f0", (char *) "on", (char *) "combined 2",
                (char *) "f", (char *) "",
        };

        snapshot_virtio(&snap, 4, 4, masks_1_2_4_8, 4);
        snap.mtu = 9000;
        snap.offloads[OFFLOAD_TSO].active = false;
        snap.offloads[OFFLOAD_GRO].active = false;

        ASSERT_OK(plan_revert(&snap, settings, values, ELEMENTSOF(settings), &p));
        ASSERT_EQ(p.n, 7);
        assert_action(&p.actions[0], ACTION_CHANNELS, "channels", "combined 4", "combined 2", NULL);
        ASSERT_EQ(p.actions[0].channels.combined, 2);
        ASSERT_EQ(p.actions[0].channels.max_combined, 4);
        /* tx-2 did not exist originally, tx-3 vanishes with the channel revert. */
        assert_xps_action(&p.actions[1], 0, "1", "f");
        assert_xps_action(&p.actions[2], 1, "2", "f0");
        assert_action(&p.actions[3], ACTION_MTU, "mtu", "9000", "1500", NULL);
        ASSERT_EQ(p.actions[3].mtu, 1500);
        assert_action(&p.actions[4], ACTION_OFFLOAD, "offload:tso", "off", "on", NULL);
        ASSERT_EQ(p.actions[4].offload.offload, OFFLOAD_TSO);
        ASSERT_TRUE(p.actions[4].offload.on);
        assert_action(&p.actions[5], ACTION_OFFLOAD, "offload:gro", "off", "on", NULL);
        assert_action(&p.actions[6], ACTION_SYSCTL, "sysctl:net.core.rmem_max", "", "212992", NULL);
        ASSERT_STREQ(p.actions[6].sysctl.key, "net.core.rmem_max");
        ASSERT_STREQ(p.actions[6].sysctl.value, "212992");
}

static void test_revert_without_channels(void) {
        _cleanup_(netdev_snapshot_done) NetdevSnapshot snap = {};
        _cleanup_(plan_done) Plan p = {};
        char *settings[] = {
                (char *) "xps:tx-5", (char *) "xps:tx-1", (char *) "xps:tx-0", (char *) "mtu",
                (char *) "offload:tso", (char *) "channels",
        };
        char *values[] = {
                (char *) "1", (char *) "ff", (char *) "1", (char *) "1500",
                (char *) "on", (char *) "combined 4",
        };

        /* Channels recorded but already at the original: queues are limited by what exists now;
         * values already back to the original produce nothing. */
        snapshot_virtio(&snap, 8, 4, masks_1_2_4_8, 4);
        ASSERT_OK(plan_revert(&snap, settings, values, ELEMENTSOF(settings), &p));
        ASSERT_EQ(p.n, 1);
        assert_xps_action(&p.actions[0], 1, "2", "ff");
        plan_done(&p);

        /* A channel revert that adds queues: recorded masks of every surviving queue are written,
         * the unchanged tx-0 too, since the driver resets XPS. */
        values[5] = (char *) "combined 8";
        ASSERT_OK(plan_revert(&snap, settings, values, ELEMENTSOF(settings), &p));
        ASSERT_EQ(p.n, 4);
        assert_action(&p.actions[0], ACTION_CHANNELS, "channels", "combined 4", "combined 8", NULL);
        assert_xps_action(&p.actions[1], 0, "1", "1");
        assert_xps_action(&p.actions[2], 1, "2", "ff");
        assert_xps_action(&p.actions[3], 5, "", "1");
        plan_done(&p);

        /* Unreadable parts are skipped. */
        snap.channels_error = -EOPNOTSUPP;
        snap.xps_error = -ENOENT;
        snap.features_error = -EOPNOTSUPP;
        snap.have_link = false;
        ASSERT_OK(plan_revert(&snap, settings, values, ELEMENTSOF(settings), &p));
        ASSERT_EQ(p.n, 0);
        plan_done(&p);

        /* Nothing recorded. */
        ASSERT_OK(plan_revert(&snap, NULL, NULL, 0, &p));
        ASSERT_EQ(p.n, 0);
}

static void test_revert_veth(void) {
        _cleanup_(netdev_snapshot_done) NetdevSnapshot snap = {};
        _cleanup_(plan_done) Plan p = {};
        char *settings[] = { (char *) "channels" };
        char *values[] = { (char *) "rx 1 tx 1" };

        snapshot_virtio(&snap, 0, 0, masks_1_2_4_8, 4);
        snap.channels = (Channels) { .max_rx = 4, .max_tx = 4, .rx = 4, .tx = 4 };
        ASSERT_OK(plan_revert(&snap, settings, values, 1, &p));
        ASSERT_EQ(p.n, 1);
        assert_action(&p.actions[0], ACTION_CHANNELS, "channels", "rx 4 tx 4", "rx 1 tx 1", NULL);
        ASSERT_EQ(p.actions[0].channels.rx, 1);
        ASSERT_EQ(p.actions[0].channels.tx, 1);
        ASSERT_EQ(p.actions[0].channels.max_rx, 4);
}

static void test_revert_bad_input(void) {
        static const struct {
                const char *setting;
                const char *value;
        } table[] = {
                { "foo",                "1"             },
                { "",                   "1"             },
                { "MTU",                "1500"          },
                { "mtu",                "abc"           },
                { "mtu",                ""              },
                { "mtu",                "-1"            },
                { "mtu",                "01500"         },
                { "mtu",                "4294967296"    },
                { "channels",           "4"             },
                { "channels",           "combined"      },
                { "xps:tx-",            "1"             },
                { "xps:tx-x",           "1"             },
                { "xps:tx-01",          "1"             },
                { "xps:rx-0",           "1"             },
                { "xps:tx-0",           "g"             },
                { "xps:tx-0",           "1,,2"          },
                { "offload:foo",        "on"            },
                { "offload:tso",        "yes"           },
                { "offload:tso",        ""              },
                { "sysctl:",            "1"             },
        };
        _cleanup_(netdev_snapshot_done) NetdevSnapshot snap = {};

        snapshot_virtio(&snap, 4, 4, masks_1_2_4_8, 4);

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                /* Each bad pair after a good one, so a partly built plan must be dropped. */
                char *settings[] = { (char *) "offload:gso", (char *) table[i].setting };
                char *values[] = { (char *) "off", (char *) table[i].value };
                Plan p = { .n = 4242 };

                if (plan_revert(&snap, settings, values, 2, &p) != -EINVAL) {
                        fprintf(stderr, "revert of %s=\"%s\" was not refused\n",
                                table[i].setting, table[i].value);
                        ASSERT_TRUE(false);
                }
                ASSERT_EQ(p.n, 4242);
                ASSERT_TRUE(p.actions == NULL);
        }

        /* The same setting twice. */
        {
                char *settings[] = { (char *) "xps:tx-1", (char *) "mtu", (char *) "xps:tx-1" };
                char *values[] = { (char *) "1", (char *) "9000", (char *) "2" };
                char *sysctls[] = { (char *) "sysctl:a.b", (char *) "sysctl:a.b" };
                Plan p = {};

                ASSERT_EQ(plan_revert(&snap, settings, values, 3, &p), -EINVAL);
                ASSERT_EQ(plan_revert(&snap, sysctls, values, 2, &p), -EINVAL);
                ASSERT_EQ(p.n, 0);
        }
}

/* TxQueueLength: planned after the MTU, a no-op when equal, and reverted exactly. */
static void test_link_txqueuelen(void) {
        _cleanup_(netdev_snapshot_done) NetdevSnapshot snap = {};
        _cleanup_(cpuset_done) CpuSet online = CPUSET_NULL;
        _cleanup_(plan_done) Plan p = {};
        char *settings[] = { (char *) "txqueuelen", (char *) "mtu" };
        char *values[] = { (char *) "1000", (char *) "1500" };
        LinkSettings s;

        snapshot_virtio(&snap, 4, 4, masks_1_2_4_8, 4);
        snap.txqueuelen = 1000;
        online_from_list("0-3", &online);
        settings_keep(&s);
        s.mtu_mode = MTU_NUMBER;
        s.mtu = 9000;
        s.txqueuelen = 4000;
        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 2);
        assert_action(&p.actions[0], ACTION_MTU, "mtu", "1500", "9000", NULL);
        assert_action(&p.actions[1], ACTION_TXQUEUELEN, "txqueuelen", "1000", "4000", NULL);
        ASSERT_EQ(p.actions[1].txqueuelen, 4000);
        snapshot_apply(&snap, &p);
        plan_done(&p);

        ASSERT_OK(plan_link(&snap, &s, &online, &p));
        ASSERT_EQ(p.n, 0);                              /* already tuned */

        /* Revert, given in the other order, comes back in canonical order: mtu before txqueuelen. */
        ASSERT_OK(plan_revert(&snap, settings, values, 2, &p));
        ASSERT_EQ(p.n, 2);
        assert_action(&p.actions[0], ACTION_MTU, "mtu", "9000", "1500", NULL);
        assert_action(&p.actions[1], ACTION_TXQUEUELEN, "txqueuelen", "4000", "1000", NULL);
        ASSERT_EQ(p.actions[1].txqueuelen, 1000);
        snapshot_apply(&snap, &p);
        plan_done(&p);
        ASSERT_OK(plan_revert(&snap, settings, values, 2, &p));
        ASSERT_EQ(p.n, 0);
}

/* Affinity actions: CPU lists both ways, no-op when equal, reverted from "affinity:TID" records. */
static void test_affinity(void) {
        _cleanup_(cpuset_done) CpuSet cur = CPUSET_NULL, want = CPUSET_NULL;
        _cleanup_(netdev_snapshot_done) NetdevSnapshot none = {};
        _cleanup_(plan_done) Plan p = {};
        char *settings[] = { (char *) "affinity:4242", (char *) "mtu" };
        char *values[] = { (char *) "0-3", (char *) "1500" };
        char *bad_settings[] = { (char *) "affinity:0" };
        char *bad_values[] = { (char *) "" };

        ASSERT_OK(cpuset_parse_list("0-3", &cur));
        ASSERT_OK(cpuset_parse_list("2", &want));
        ASSERT_OK(plan_affinity(4242, &cur, &want, &p));
        ASSERT_EQ(p.n, 1);
        assert_action(&p.actions[0], ACTION_AFFINITY, "affinity:4242", "0-3", "2", NULL);
        ASSERT_EQ(p.actions[0].affinity.tid, 4242);
        ASSERT_TRUE(cpuset_equal(&p.actions[0].affinity.cpus, &want));
        ASSERT_OK(plan_affinity(4242, &want, &want, &p));
        ASSERT_EQ(p.n, 1);                              /* equal: nothing added */
        ASSERT_EQ(plan_affinity(0, &cur, &want, &p), -EINVAL);
        plan_done(&p);

        /* Revert: affinity after link settings, current unknown (""), the original list restored. */
        ASSERT_OK(plan_revert(&none, settings, values, 2, &p));
        ASSERT_EQ(p.n, 0 + 1);                          /* mtu: no link data in this snapshot */
        assert_action(&p.actions[0], ACTION_AFFINITY, "affinity:4242", "", "0-3", NULL);
        plan_done(&p);
        ASSERT_EQ(plan_revert(&none, bad_settings, bad_values, 1, &p), -EINVAL);
}

/* The takeover record: every managed setting as it is, nothing for settings left alone. */
static void test_baseline(void) {
        _cleanup_(netdev_snapshot_done) NetdevSnapshot snap = {};
        char **st = NULL, **vals = NULL;
        size_t n = 0;
        LinkSettings s;

        snapshot_virtio(&snap, 4, 2, masks_1_2_4_8, 2);
        snap.txqueuelen = 1000;
        settings_keep(&s);
        ASSERT_OK(plan_baseline(&snap, &s, &st, &vals, &n));
        ASSERT_EQ(n, 0);                                /* all keep: nothing is ours */
        strv_free(st);
        strv_free(vals);

        s.channels_mode = CHANNELS_AUTO;
        s.xps_mode = XPS_AUTO;
        s.mtu_mode = MTU_NUMBER;
        s.mtu = 1500;                                   /* equal to the current value: still recorded */
        s.offloads[OFFLOAD_GRO] = OFFLOAD_WANT_ON;
        s.offloads[OFFLOAD_LRO] = OFFLOAD_WANT_ON;      /* unknown on this device: not recorded */
        ASSERT_OK(plan_baseline(&snap, &s, &st, &vals, &n));
        ASSERT_EQ(n, 5);
        ASSERT_STREQ(st[0], "channels");
        ASSERT_STREQ(vals[0], "combined 2");
        ASSERT_STREQ(st[1], "xps:tx-0");
        ASSERT_STREQ(vals[1], "1");
        ASSERT_STREQ(st[2], "xps:tx-1");
        ASSERT_STREQ(vals[2], "2");
        ASSERT_STREQ(st[3], "mtu");
        ASSERT_STREQ(vals[3], "1500");
        ASSERT_STREQ(st[4], "offload:gro");
        ASSERT_STREQ(vals[4], "on");
        ASSERT_TRUE(st[5] == NULL);
        strv_free(st);
        strv_free(vals);
}

/* Which devices change their queues without an ethtool notification (guestd follows udev's queue
 * events only for those). */
static void test_queues_follow_users(void) {
        NetdevSnapshot s = { .have_link = true };

        snprintf(s.kind, sizeof s.kind, "tun");
        ASSERT_TRUE(netdev_queues_follow_users(&s));
        snprintf(s.kind, sizeof s.kind, "veth");
        ASSERT_TRUE(!netdev_queues_follow_users(&s));
        s.kind[0] = 0;                  /* hardware, virtio_net */
        ASSERT_TRUE(!netdev_queues_follow_users(&s));
        snprintf(s.kind, sizeof s.kind, "tun");
        s.have_link = false;            /* not read yet: nothing known */
        ASSERT_TRUE(!netdev_queues_follow_users(&s));
        ASSERT_TRUE(netdev_driver_queues_follow_users("tun"));
        ASSERT_TRUE(!netdev_driver_queues_follow_users("virtio_net"));
        ASSERT_TRUE(!netdev_driver_queues_follow_users(""));
        ASSERT_TRUE(!netdev_driver_queues_follow_users(NULL));
}

int main(void) {
        test_queues_follow_users();
        test_baseline();
        test_affinity();
        test_link_txqueuelen();
        test_channels_target();
        test_xps_auto_all_combinations();
        test_xps_auto_spot();
        test_xps_auto_errors();
        test_link_already_tuned();
        test_link_fresh_device();
        test_link_xps_rewritten_on_channel_change();
        test_link_offline_cpu();
        test_link_refusals();
        test_link_offloads();
        test_link_veth();
        test_link_xps_list();
        test_link_no_channels();
        test_link_apply_and_revert_matrix();
        test_sysctls();
        test_revert_order();
        test_revert_without_channels();
        test_revert_veth();
        test_revert_bad_input();

        printf("test-plan: all passed\n");
        return 0;
}
