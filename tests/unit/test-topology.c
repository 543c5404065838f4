/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of topology_read() on simulated sysfs trees under tests/data/topology, plus bad trees. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cpuset.h"
#include "macro.h"
#include "test-util.h"
#include "topology.h"

#define NODES_MAX 4
#define CPUS_MAX 16

typedef struct TopologyCase {
        const char *tree;
        unsigned n_cpus;
        const char *online;
        const char *isolated;
        unsigned n_nodes;
        const char *node_cpus[NODES_MAX];
        int node_of_cpu[CPUS_MAX];
        const char *siblings[CPUS_MAX];
} TopologyCase;

static const TopologyCase cases[] = {
        {
                .tree = "1node-4cpu", .n_cpus = 4, .online = "0-3", .isolated = "",
                .n_nodes = 1, .node_cpus = { "0-3" },
                .node_of_cpu = { 0, 0, 0, 0 },
                .siblings = { "0", "1", "2", "3" },
        },
        {
                .tree = "2node-smt", .n_cpus = 16, .online = "0-15", .isolated = "",
                .n_nodes = 2, .node_cpus = { "0-3,8-11", "4-7,12-15" },
                .node_of_cpu = { 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1 },
                .siblings = { "0,8", "1,9", "2,10", "3,11", "4,12", "5,13", "6,14", "7,15",
                              "0,8", "1,9", "2,10", "3,11", "4,12", "5,13", "6,14", "7,15" },
        },
        {
                .tree = "4node-smt", .n_cpus = 16, .online = "0-15", .isolated = "",
                .n_nodes = 4, .node_cpus = { "0-3", "4-7", "8-11", "12-15" },
                .node_of_cpu = { 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3 },
                .siblings = { "0-1", "0-1", "2-3", "2-3", "4-5", "4-5", "6-7", "6-7",
                              "8-9", "8-9", "10-11", "10-11", "12-13", "12-13", "14-15", "14-15" },
        },
        {
                /* CPU 7 is offline: in no node (two nodes: no guessing) and only its own sibling. */
                .tree = "isolated-offline", .n_cpus = 8, .online = "0-6", .isolated = "2-3",
                .n_nodes = 2, .node_cpus = { "0-3", "4-6" },
                .node_of_cpu = { 0, 0, 0, 0, 1, 1, 1, -1 },
                .siblings = { "0-1", "0-1", "2-3", "2-3", "4-5", "4-5", "6", "7" },
        },
        {
                /* No node directory: one node with every CPU, the offline CPU 3 included. */
                .tree = "no-numa", .n_cpus = 4, .online = "0-2", .isolated = "",
                .n_nodes = 1, .node_cpus = { "0-3" },
                .node_of_cpu = { 0, 0, 0, 0 },
                .siblings = { "0", "1", "2", "3" },
        },
        {
                /* One node whose cpulist lost the offline CPU 3: with a single node it is still node 0's. */
                .tree = "1node-offline", .n_cpus = 4, .online = "0-2", .isolated = "",
                .n_nodes = 1, .node_cpus = { "0-3" },
                .node_of_cpu = { 0, 0, 0, 0 },
                .siblings = { "0", "1", "2", "3" },
        },
        {
                /* Corrupt lists naming CPUs beyond the possible 0-3 are clamped to them. */
                .tree = "out-of-range", .n_cpus = 4, .online = "0-3", .isolated = "3",
                .n_nodes = 2, .node_cpus = { "0-1", "2-3" },
                .node_of_cpu = { 0, 0, 1, 1 },
                .siblings = { "0", "1", "2", "3" },
        },
        {
                /* Node ids 0 and 2: node 1 exists as an empty slot. */
                .tree = "sparse-node", .n_cpus = 4, .online = "0-3", .isolated = "",
                .n_nodes = 3, .node_cpus = { "0-1", "", "2-3" },
                .node_of_cpu = { 0, 0, 2, 2 },
                .siblings = { "0", "1", "2", "3" },
        },
};

static void assert_list(const CpuSet *s, const char *expected) {
        _cleanup_free_ char *l = NULL;

        ASSERT_OK(cpuset_format_list(s, &l));
        ASSERT_STREQ(l, expected);
}

static void tree_path(const char *tree, char *buf, size_t size) {
        snprintf(buf, size, "%s/topology/%s", TEST_DATA_DIR, tree);
}

/* What every topology promises its users, whatever the machine. */
static void assert_invariants(const CpuTopology *t) {
        ASSERT_TRUE(t->n_cpus > 0);
        ASSERT_TRUE(t->n_nodes > 0);
        ASSERT_TRUE(cpuset_span(&t->online) <= t->n_cpus);
        ASSERT_TRUE(cpuset_span(&t->isolated) <= t->n_cpus);
        ASSERT_FALSE(cpuset_is_empty(&t->online));

        for (unsigned i = 0; i < t->n_cpus; i++) {
                ASSERT_TRUE(cpuset_isset(&t->siblings[i], i));
                ASSERT_TRUE(cpuset_span(&t->siblings[i]) <= t->n_cpus);
                ASSERT_TRUE(t->node_of_cpu[i] >= -1 && t->node_of_cpu[i] < (int) t->n_nodes);
                if (t->node_of_cpu[i] >= 0)
                        ASSERT_TRUE(cpuset_isset(&t->node_cpus[t->node_of_cpu[i]], i));
                if (t->n_nodes == 1)
                        ASSERT_EQ(t->node_of_cpu[i], 0);
        }
        for (unsigned n = 0; n < t->n_nodes; n++)
                ASSERT_TRUE(cpuset_span(&t->node_cpus[n]) <= t->n_cpus);
}

static void test_trees(void) {
        for (size_t k = 0; k < ELEMENTSOF(cases); k++) {
                const TopologyCase *c = &cases[k];
                _cleanup_(topology_done) CpuTopology t = {};
                char path[4096];

                fprintf(stderr, "topology: %s\n", c->tree);
                tree_path(c->tree, path, sizeof path);
                ASSERT_OK(topology_read(path, &t));

                ASSERT_EQ(t.n_cpus, c->n_cpus);
                assert_list(&t.online, c->online);
                assert_list(&t.isolated, c->isolated);
                ASSERT_EQ(t.n_nodes, c->n_nodes);
                for (unsigned n = 0; n < t.n_nodes; n++)
                        assert_list(&t.node_cpus[n], c->node_cpus[n]);
                for (unsigned i = 0; i < t.n_cpus; i++) {
                        ASSERT_EQ(t.node_of_cpu[i], c->node_of_cpu[i]);
                        assert_list(&t.siblings[i], c->siblings[i]);
                }
                assert_invariants(&t);

                /* Reading is deterministic: twice, the same. */
                {
                        _cleanup_(topology_done) CpuTopology u = {};

                        ASSERT_OK(topology_read(path, &u));
                        ASSERT_EQ(u.n_cpus, t.n_cpus);
                        ASSERT_EQ(u.n_nodes, t.n_nodes);
                        ASSERT_TRUE(cpuset_equal(&u.online, &t.online));
                        for (unsigned n = 0; n < t.n_nodes; n++)
                                ASSERT_TRUE(cpuset_equal(&u.node_cpus[n], &t.node_cpus[n]));
                        for (unsigned i = 0; i < t.n_cpus; i++)
                                ASSERT_TRUE(cpuset_equal(&u.siblings[i], &t.siblings[i]));
                }
        }
}

static void test_errors(void) {
        CpuTopology t = { .n_cpus = 12345 };
        char path[4096];

        /* Untouched on failure. */
        tree_path("malformed", path, sizeof path);
        ASSERT_EQ(topology_read(path, &t), -EINVAL);
        ASSERT_EQ(t.n_cpus, 12345);

        tree_path("does-not-exist", path, sizeof path);
        ASSERT_EQ(topology_read(path, &t), -ENOENT);
        ASSERT_EQ(t.n_cpus, 12345);

        /* A tree without the cpu directory at all. */
        snprintf(path, sizeof path, "%s/proc", TEST_DATA_DIR);
        ASSERT_EQ(topology_read(path, &t), -ENOENT);
        ASSERT_EQ(t.n_cpus, 12345);

        tree_path("1node-4cpu", path, sizeof path);
        ASSERT_EQ(topology_read(path, NULL), -EINVAL);

        topology_done(NULL);
        t = (CpuTopology) {};
        topology_done(&t);
        ASSERT_EQ(t.n_cpus, 0);
}

/* The real /sys (sysroot NULL and ""): only the invariants, the machine is whatever it is. */
static void test_real(void) {
        if (access("/sys/devices/system/cpu/possible", R_OK) < 0) {
                fprintf(stderr, "no /sys/devices/system/cpu/possible, not reading the real topology\n");
                return;
        }

        for (int k = 0; k < 2; k++) {
                _cleanup_(topology_done) CpuTopology t = {};

                ASSERT_OK(topology_read(k == 0 ? NULL : "", &t));
                assert_invariants(&t);
        }
}

int main(void) {
        test_trees();
        test_errors();
        test_real();
        return 0;
}
