/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of vhost worker placement on simulated 1-, 2- and 4-node topologies read from tests/data. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpuset.h"
#include "macro.h"
#include "placement.h"
#include "test-util.h"
#include "topology.h"

#define VMS_MAX 6
#define RESULTS_MAX 12

typedef struct VmSpec {
        const char *vcpus;      /* CPU list, "" for none */
        const char *emulator;   /* CPU list, NULL or "" for none */
        unsigned n_workers;
} VmSpec;

typedef struct Expect {
        const char *cpus;       /* CPU list */
        int node;
        const char *why;        /* a fragment of the reason */
} Expect;

typedef struct PlacementCase {
        const char *name;
        const char *tree;
        PlacementMode mode;
        const char *list;       /* PLACEMENT_LIST's CPU list, NULL for none */
        VmSpec vms[VMS_MAX];
        size_t n_vms;
        int ret;
        Expect results[RESULTS_MAX];
        size_t n_results;
} PlacementCase;

/* Reasons, as fragments. */
#define OFF_SMT "off their CPUs and SMT siblings"
#define OFF_SIB "off their CPUs but on an SMT sibling"
#define SHARED "shares a vCPU CPU: the node has no other"
#define SOLE "the vCPUs' node"
#define MAJORITY "the node of most vCPUs"
#define UNKNOWN "the least-loaded node: the VM's vCPU CPUs are unknown"
#define UNUSABLE "the least-loaded node: the VM's vCPUs are on no node with a usable CPU"
#define EMULATOR "the CPUs of the VM's emulator threads"
#define EMULATOR_UNKNOWN "all online CPUs"
#define LIST "the least-loaded CPU of the configured list"

#define VMS(...) .vms = { __VA_ARGS__ }, .n_vms = ELEMENTSOF(((VmSpec[]) { __VA_ARGS__ }))
#define RESULTS(...) .results = { __VA_ARGS__ }, .n_results = ELEMENTSOF(((Expect[]) { __VA_ARGS__ }))

static const PlacementCase cases[] = {
        /* 2 nodes x 4 cores x 2 threads: node 0 = 0-3,8-11, node 1 = 4-7,12-15, siblings i and i+8. */
        {
                "vCPUs on one node: its other cores, off the vCPUs' SMT siblings", "2node-smt",
                PLACEMENT_NUMA, NULL, VMS({ "4-5", NULL, 2 }), 0,
                RESULTS({ "6", 1, SOLE ", " OFF_SMT }, { "7", 1, SOLE ", " OFF_SMT }),
        },
        {
                "vCPUs span two nodes: the majority node", "2node-smt", PLACEMENT_NUMA,
                NULL, VMS({ "0,4-5", NULL, 2 }), 0,
                RESULTS({ "6", 1, MAJORITY ", " OFF_SMT }, { "7", 1, MAJORITY ", " OFF_SMT }),
        },
        {
                "vCPUs split evenly: the lowest node", "2node-smt", PLACEMENT_NUMA,
                NULL, VMS({ "0,4", NULL, 1 }), 0,
                RESULTS({ "1", 0, MAJORITY ", " OFF_SMT }),
        },
        {
                "more workers than free CPUs: siblings, then doubling up", "2node-smt", PLACEMENT_NUMA,
                NULL, VMS({ "4-7", NULL, 6 }), 0,
                RESULTS({ "12", 1, OFF_SIB }, { "13", 1, OFF_SIB }, { "14", 1, OFF_SIB },
                        { "15", 1, OFF_SIB }, { "12", 1, OFF_SIB }, { "13", 1, OFF_SIB }),
        },
        {
                "vCPUs on every CPU of the node: share them", "2node-smt", PLACEMENT_NUMA,
                NULL, VMS({ "0-3,8-11", NULL, 3 }), 0,
                RESULTS({ "0", 0, SOLE ", " SHARED }, { "1", 0, SHARED }, { "2", 0, SHARED }),
        },
        {
                "two VMs on one node spread by load", "2node-smt", PLACEMENT_NUMA,
                NULL, VMS({ "0", NULL, 2 }, { "1", NULL, 2 }), 0,
                /* Without counting the first VM's workers the second would take 0 and 2. */
                RESULTS({ "1", 0, OFF_SMT }, { "2", 0, OFF_SMT }, { "0", 0, OFF_SMT }, { "3", 0, OFF_SMT }),
        },
        {
                "unknown vCPUs: the least-loaded node", "2node-smt", PLACEMENT_NUMA,
                NULL, VMS({ "4", NULL, 1 }, { "", NULL, 2 }, { "", NULL, 1 }), 0,
                RESULTS({ "5", 1, OFF_SMT }, { "0", 0, UNKNOWN }, { "1", 0, UNKNOWN }, { "4", 1, UNKNOWN }),
        },
        {
                "VMs without workers place nothing", "2node-smt", PLACEMENT_NUMA,
                NULL, VMS({ "4", NULL, 0 }, { "4", NULL, 1 }, { "", NULL, 0 }), 0,
                RESULTS({ "5", 1, OFF_SMT }),
        },
        {
                "no VMs", "2node-smt", PLACEMENT_NUMA, NULL, .n_vms = 0, 0, .n_results = 0,
        },
        {
                "emulator mode: the emulator threads' CPUs, else all online", "2node-smt",
                PLACEMENT_EMULATOR, NULL, VMS({ "4-5", "0-1", 2 }, { "4-5", "", 1 }, { "", "3,40", 1 }), 0,
                RESULTS({ "0-1", -1, EMULATOR }, { "0-1", -1, EMULATOR }, { "0-15", -1, EMULATOR_UNKNOWN },
                        { "3", -1, EMULATOR }),
        },
        {
                "list mode: least-loaded CPU of the list across VMs", "2node-smt", PLACEMENT_LIST,
                "4-5", VMS({ "0", NULL, 3 }, { "1", NULL, 1 }), 0,
                RESULTS({ "4", -1, LIST }, { "5", -1, LIST }, { "4", -1, LIST }, { "5", -1, LIST }),
        },
        {
                "list naming a CPU that does not exist", "2node-smt", PLACEMENT_LIST,
                "4,99", VMS({ "0", NULL, 1 }), -EINVAL,
        },
        {
                "empty list", "2node-smt", PLACEMENT_LIST, "", VMS({ "0", NULL, 1 }), -EINVAL,
        },
        {
                "no list", "2node-smt", PLACEMENT_LIST, NULL, VMS({ "0", NULL, 1 }), -EINVAL,
        },
        {
                "list is checked even without VMs", "2node-smt", PLACEMENT_LIST, "16", .n_vms = 0, -EINVAL,
        },
        {
                "off: nothing", "2node-smt", PLACEMENT_OFF,
                NULL, VMS({ "4-5", "0-1", 2 }, { "", NULL, 3 }), 0, .n_results = 0,
        },
        {
                "off ignores the list", "2node-smt", PLACEMENT_OFF, "99", VMS({ "0", NULL, 1 }), 0,
                .n_results = 0,
        },

        /* 4 nodes x 2 cores x 2 threads: node n = 4n..4n+3, siblings 2k and 2k+1. */
        {
                "vCPUs across three nodes: the one with most", "4node-smt", PLACEMENT_NUMA,
                NULL, VMS({ "1,5-6,9", NULL, 2 }), 0,
                RESULTS({ "4", 1, MAJORITY ", " OFF_SIB }, { "7", 1, MAJORITY ", " OFF_SIB }),
        },
        {
                "unknown vCPUs go round the nodes by load", "4node-smt", PLACEMENT_NUMA,
                NULL, VMS({ "", NULL, 1 }, { "", NULL, 1 }, { "", NULL, 1 }, { "", NULL, 1 },
                          { "", NULL, 1 }), 0,
                RESULTS({ "0", 0, UNKNOWN }, { "4", 1, UNKNOWN }, { "8", 2, UNKNOWN }, { "12", 3, UNKNOWN },
                        { "1", 0, UNKNOWN }),
        },
        {
                "three vCPUs of a 2-core node: the one CPU left, twice", "4node-smt", PLACEMENT_NUMA,
                NULL, VMS({ "8-10", NULL, 2 }), 0,
                RESULTS({ "11", 2, SOLE ", " OFF_SIB }, { "11", 2, OFF_SIB }),
        },
        {
                "a VM on each of two nodes", "4node-smt", PLACEMENT_NUMA,
                NULL, VMS({ "12", NULL, 1 }, { "0-1", NULL, 2 }), 0,
                RESULTS({ "14", 3, OFF_SMT }, { "2", 0, OFF_SMT }, { "3", 0, OFF_SMT }),
        },

        /* 1 node, 4 CPUs, no SMT. */
        {
                "single node: off the vCPUs, doubling up", "1node-4cpu", PLACEMENT_NUMA,
                NULL, VMS({ "0-1", NULL, 3 }), 0,
                RESULTS({ "2", 0, SOLE ", " OFF_SMT }, { "3", 0, OFF_SMT }, { "2", 0, OFF_SMT }),
        },
        {
                "single node, vCPUs everywhere", "1node-4cpu", PLACEMENT_NUMA,
                NULL, VMS({ "0-3", NULL, 2 }), 0,
                RESULTS({ "0", 0, SHARED }, { "1", 0, SHARED }),
        },

        /* node 0 = 0-3 with 2-3 isolated, node 1 = 4-6 online, 7 offline; siblings (0,1) (2,3) (4,5) (6). */
        {
                "isolated CPUs are never used", "isolated-offline", PLACEMENT_NUMA,
                NULL, VMS({ "0", NULL, 3 }), 0,
                RESULTS({ "1", 0, SOLE ", " OFF_SIB }, { "1", 0, OFF_SIB }, { "1", 0, OFF_SIB }),
        },
        {
                "offline CPUs are never used", "isolated-offline", PLACEMENT_NUMA,
                NULL, VMS({ "4", NULL, 2 }), 0,
                RESULTS({ "6", 1, OFF_SMT }, { "6", 1, OFF_SMT }),
        },
        {
                "vCPUs pinned to isolated CPUs: housekeeping CPUs of their node", "isolated-offline",
                PLACEMENT_NUMA, NULL, VMS({ "2-3", NULL, 2 }), 0,
                RESULTS({ "0", 0, SOLE ", " OFF_SMT }, { "1", 0, OFF_SMT }),
        },
        {
                "vCPUs on a CPU of no known node", "isolated-offline", PLACEMENT_NUMA,
                NULL, VMS({ "7", NULL, 1 }), 0,
                RESULTS({ "0", 0, UNUSABLE }),
        },
        {
                "list naming an offline CPU", "isolated-offline", PLACEMENT_LIST, "6-7",
                VMS({ "0", NULL, 1 }), -EINVAL,
        },
        {
                "list may name an isolated CPU on purpose", "isolated-offline", PLACEMENT_LIST,
                "2", VMS({ "0", NULL, 2 }), 0,
                RESULTS({ "2", -1, LIST }, { "2", -1, LIST }),
        },
        {
                "emulator mode: all online CPUs when unknown, never an offline one", "isolated-offline",
                PLACEMENT_EMULATOR, NULL, VMS({ "0", "", 1 }, { "0", "6-7", 1 }, { "0", "7", 1 }), 0,
                RESULTS({ "0-6", -1, EMULATOR_UNKNOWN }, { "6", -1, EMULATOR },
                        { "0-6", -1, EMULATOR_UNKNOWN }),
        },

        /* No node directory (one node), CPU 3 offline. */
        {
                "no NUMA information, an offline CPU", "no-numa", PLACEMENT_NUMA,
                NULL, VMS({ "0", NULL, 3 }, { "", NULL, 1 }), 0,
                RESULTS({ "1", 0, OFF_SMT }, { "2", 0, OFF_SMT }, { "1", 0, OFF_SMT }, { "0", 0, UNKNOWN }),
        },

        /* One node whose cpulist lost the offline CPU 3. */
        {
                "single node, offline CPU kept in the node but never used", "1node-offline", PLACEMENT_NUMA,
                NULL, VMS({ "0", NULL, 3 }), 0,
                RESULTS({ "1", 0, OFF_SMT }, { "2", 0, OFF_SMT }, { "1", 0, OFF_SMT }),
        },

        /* Node ids 0 and 2 only. */
        {
                "sparse node ids: the empty slot is skipped", "sparse-node", PLACEMENT_NUMA,
                NULL, VMS({ "", NULL, 1 }, { "", NULL, 1 }, { "", NULL, 1 }, { "2", NULL, 1 }), 0,
                RESULTS({ "0", 0, UNKNOWN }, { "2", 2, UNKNOWN }, { "1", 0, UNKNOWN }, { "3", 2, OFF_SMT }),
        },
};

static CpuTopology *load_tree(const char *tree) {
        static struct {
                const char *name;
                CpuTopology t;
        } cache[16];
        static size_t n_cache;
        char path[4096];

        if (!tree) {
                for (size_t i = 0; i < n_cache; i++)
                        topology_done(&cache[i].t);
                n_cache = 0;
                return NULL;
        }

        for (size_t i = 0; i < n_cache; i++)
                if (streq(cache[i].name, tree))
                        return &cache[i].t;

        ASSERT_TRUE(n_cache < ELEMENTSOF(cache));
        snprintf(path, sizeof path, "%s/topology/%s", TEST_DATA_DIR, tree);
        ASSERT_OK(topology_read(path, &cache[n_cache].t));
        cache[n_cache].name = tree;
        return &cache[n_cache++].t;
}

static void parse_list(const char *s, CpuSet *ret) {
        *ret = CPUSET_NULL;
        if (s)
                ASSERT_OK(cpuset_parse_list(s, ret));
}

/* Builds the VMs of a case: VM k has pid 1000*(k+1), its workers pid+1, pid+2, ... */
static PlacementVm *make_vms(const VmSpec *specs, size_t n) {
        PlacementVm *vms = calloc(n ?: 1, sizeof(PlacementVm));

        ASSERT_TRUE(vms);
        for (size_t k = 0; k < n; k++) {
                PlacementVm *vm = &vms[k];

                vm->pid = (pid_t) (1000 * (k + 1));
                parse_list(specs[k].vcpus, &vm->vcpu_cpus);
                parse_list(specs[k].emulator, &vm->emulator_cpus);
                vm->n_workers = specs[k].n_workers;
                vm->workers = calloc(vm->n_workers ?: 1, sizeof(pid_t));
                ASSERT_TRUE(vm->workers);
                for (size_t w = 0; w < vm->n_workers; w++)
                        vm->workers[w] = vm->pid + 1 + (pid_t) w;
        }
        return vms;
}

static void free_vms(PlacementVm *vms, size_t n) {
        for (size_t k = 0; k < n; k++) {
                cpuset_done(&vms[k].vcpu_cpus);
                cpuset_done(&vms[k].emulator_cpus);
                free(vms[k].workers);
        }
        free(vms);
}

static void assert_same(const Placement *a, const Placement *b) {
        ASSERT_EQ(a->n, b->n);
        for (size_t i = 0; i < a->n; i++) {
                ASSERT_EQ(a->results[i].tid, b->results[i].tid);
                ASSERT_EQ(a->results[i].vm, b->results[i].vm);
                ASSERT_EQ(a->results[i].node, b->results[i].node);
                ASSERT_TRUE(cpuset_equal(&a->results[i].cpus, &b->results[i].cpus));
                ASSERT_STREQ(a->results[i].why, b->results[i].why);
        }
}

/* Properties of every NUMA result: one usable CPU on the node it names. */
static void assert_numa_result(const CpuTopology *t, const PlacementResult *r) {
        _cleanup_free_ unsigned *cpus = NULL;
        unsigned n;

        ASSERT_OK(cpuset_to_array(&r->cpus, &cpus, &n));
        ASSERT_EQ(n, 1);
        ASSERT_TRUE(cpuset_isset(&t->online, cpus[0]));
        ASSERT_FALSE(cpuset_isset(&t->isolated, cpus[0]));
        if (r->node >= 0)
                ASSERT_TRUE(cpuset_isset(&t->node_cpus[r->node], cpus[0]));
        ASSERT_TRUE(r->why && *r->why);
}

static void test_cases(void) {
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const PlacementCase *c = &cases[i];
                const CpuTopology *t = load_tree(c->tree);
                _cleanup_(cpuset_done) CpuSet list = CPUSET_NULL;
                _cleanup_(placement_done) Placement p = {}, q = {};
                PlacementVm *vms;
                size_t k = 0;
                int r;

                fprintf(stderr, "placement: %s\n", c->name);
                parse_list(c->list, &list);
                vms = make_vms(c->vms, c->n_vms);

                p = (Placement) { .n = 4242 };
                r = placement_compute(t, c->mode, c->list ? &list : NULL, vms, c->n_vms, &p);
                ASSERT_EQ(r, c->ret);
                if (r < 0) {
                        ASSERT_EQ(p.n, 4242);           /* untouched */
                        ASSERT_TRUE(p.results == NULL);
                        p = (Placement) {};
                        free_vms(vms, c->n_vms);
                        continue;
                }

                for (size_t j = 0; j < p.n; j++) {
                        _cleanup_free_ char *got = NULL;

                        ASSERT_OK(cpuset_format_list(&p.results[j].cpus, &got));
                        fprintf(stderr, "  %d -> %s node %d: %s\n", (int) p.results[j].tid, got,
                                p.results[j].node, p.results[j].why);
                }

                ASSERT_EQ(p.n, c->n_results);
                /* Results follow the VMs and their workers in order (OFF has none at all). */
                for (size_t v = 0; c->mode != PLACEMENT_OFF && v < c->n_vms; v++)
                        for (size_t w = 0; w < vms[v].n_workers; w++, k++) {
                                const PlacementResult *res = &p.results[k];
                                _cleanup_free_ char *got = NULL;

                                ASSERT_EQ(res->tid, vms[v].workers[w]);
                                ASSERT_EQ(res->vm, vms[v].pid);
                                ASSERT_OK(cpuset_format_list(&res->cpus, &got));
                                ASSERT_STREQ(got, c->results[k].cpus);
                                ASSERT_EQ(res->node, c->results[k].node);
                                ASSERT_TRUE(res->why);
                                if (!strstr(res->why, c->results[k].why))
                                        fprintf(stderr, "  why \"%s\" lacks \"%s\"\n", res->why,
                                                c->results[k].why);
                                ASSERT_TRUE(strstr(res->why, c->results[k].why));
                                if (c->mode == PLACEMENT_NUMA)
                                        assert_numa_result(t, res);
                        }
                ASSERT_EQ(k, p.n);

                /* Deterministic: the same input gives the same output. */
                ASSERT_OK(placement_compute(t, c->mode, c->list ? &list : NULL, vms, c->n_vms, &q));
                assert_same(&p, &q);

                free_vms(vms, c->n_vms);
        }
}

/* Many VMs with pseudo-random vCPU sets: invariants, and twice the same answer. */
static void test_many(void) {
        static const char *const trees[] = {
                "1node-4cpu", "2node-smt", "4node-smt", "isolated-offline", "no-numa", "1node-offline",
                "sparse-node",
        };
        uint32_t seed = 12345;

        for (size_t k = 0; k < ELEMENTSOF(trees); k++) {
                const CpuTopology *t = load_tree(trees[k]);
                _cleanup_(placement_done) Placement p = {}, q = {};
                PlacementVm vms[40] = {};
                size_t total = 0;

                for (size_t v = 0; v < ELEMENTSOF(vms); v++) {
                        vms[v].pid = (pid_t) (100 * (v + 1));
                        seed = seed * 1103515245 + 12345;
                        for (unsigned i = 0; i < t->n_cpus; i++)
                                if ((seed >> (i % 16 + 8)) & 1)
                                        ASSERT_OK(cpuset_set(&vms[v].vcpu_cpus, i));
                        vms[v].n_workers = (seed >> 4) % 5;
                        vms[v].workers = calloc(vms[v].n_workers ?: 1, sizeof(pid_t));
                        ASSERT_TRUE(vms[v].workers);
                        for (size_t w = 0; w < vms[v].n_workers; w++)
                                vms[v].workers[w] = vms[v].pid + 1 + (pid_t) w;
                        total += vms[v].n_workers;
                }

                ASSERT_OK(placement_compute(t, PLACEMENT_NUMA, NULL, vms, ELEMENTSOF(vms), &p));
                ASSERT_OK(placement_compute(t, PLACEMENT_NUMA, NULL, vms, ELEMENTSOF(vms), &q));
                ASSERT_EQ(p.n, total);
                assert_same(&p, &q);

                for (size_t i = 0; i < p.n; i++)
                        assert_numa_result(t, &p.results[i]);

                for (size_t v = 0; v < ELEMENTSOF(vms); v++) {
                        cpuset_done(&vms[v].vcpu_cpus);
                        free(vms[v].workers);
                }
        }
}

/* A hand-made machine whose only node has every CPU isolated: NUMA mode falls back to online CPUs. */
static void test_all_isolated(void) {
        CpuSet node = CPUSET_NULL, sib[2] = {};
        int node_of_cpu[2] = { 0, 0 };
        CpuTopology t = { .n_cpus = 2, .n_nodes = 1, .node_cpus = &node, .node_of_cpu = node_of_cpu,
                          .siblings = sib };
        _cleanup_(placement_done) Placement p = {};
        pid_t workers[3] = { 11, 12, 13 };
        PlacementVm vm = { .pid = 10, .workers = workers, .n_workers = 3 };

        ASSERT_OK(cpuset_parse_list("0-1", &t.online));
        ASSERT_OK(cpuset_parse_list("0-1", &t.isolated));
        ASSERT_OK(cpuset_parse_list("0-1", &node));
        ASSERT_OK(cpuset_parse_list("0", &sib[0]));
        ASSERT_OK(cpuset_parse_list("1", &sib[1]));
        ASSERT_OK(cpuset_parse_list("0", &vm.vcpu_cpus));

        ASSERT_OK(placement_compute(&t, PLACEMENT_NUMA, NULL, &vm, 1, &p));
        ASSERT_EQ(p.n, 3);
        for (size_t i = 0; i < p.n; i++) {
                ASSERT_EQ(p.results[i].node, -1);
                ASSERT_TRUE(strstr(p.results[i].why, "no node has a usable CPU"));
                ASSERT_TRUE(cpuset_isset(&p.results[i].cpus, i % 2));
                ASSERT_EQ(cpuset_count(&p.results[i].cpus), 1);
        }

        cpuset_done(&vm.vcpu_cpus);
        cpuset_done(&t.online);
        cpuset_done(&t.isolated);
        cpuset_done(&node);
        cpuset_done(&sib[0]);
        cpuset_done(&sib[1]);
}

static void test_invalid(void) {
        const CpuTopology *t = load_tree("2node-smt");
        CpuTopology empty = {};
        Placement p = { .n = 7 };
        pid_t w = 1;
        PlacementVm vm = { .pid = 1, .workers = &w, .n_workers = 1 };
        PlacementVm no_workers = { .pid = 1, .workers = NULL, .n_workers = 1 };

        ASSERT_EQ(placement_compute(NULL, PLACEMENT_NUMA, NULL, &vm, 1, &p), -EINVAL);
        ASSERT_EQ(placement_compute(t, PLACEMENT_NUMA, NULL, &vm, 1, NULL), -EINVAL);
        ASSERT_EQ(placement_compute(t, PLACEMENT_NUMA, NULL, NULL, 1, &p), -EINVAL);
        ASSERT_EQ(placement_compute(t, _PLACEMENT_MODE_MAX, NULL, &vm, 1, &p), -EINVAL);
        ASSERT_EQ(placement_compute(t, _PLACEMENT_MODE_INVALID, NULL, &vm, 1, &p), -EINVAL);
        ASSERT_EQ(placement_compute(t, PLACEMENT_NUMA, NULL, &no_workers, 1, &p), -EINVAL);
        ASSERT_EQ(placement_compute(&empty, PLACEMENT_NUMA, NULL, &vm, 1, &p), -EINVAL);
        ASSERT_EQ(p.n, 7);

        placement_done(NULL);
}

static void test_mode_strings(void) {
        static const char *const names[] = { "numa", "emulator", "list", "off" };

        for (PlacementMode m = 0; m < _PLACEMENT_MODE_MAX; m++) {
                ASSERT_STREQ(placement_mode_to_string(m), names[m]);
                ASSERT_EQ(placement_mode_from_string(names[m]), m);
        }
        ASSERT_TRUE(placement_mode_to_string(_PLACEMENT_MODE_MAX) == NULL);
        ASSERT_TRUE(placement_mode_to_string(_PLACEMENT_MODE_INVALID) == NULL);
        ASSERT_EQ(placement_mode_from_string("NUMA"), _PLACEMENT_MODE_INVALID);
        ASSERT_EQ(placement_mode_from_string(""), _PLACEMENT_MODE_INVALID);
        ASSERT_EQ(placement_mode_from_string(NULL), _PLACEMENT_MODE_INVALID);
}

int main(void) {
        test_cases();
        test_many();
        test_all_isolated();
        test_invalid();
        test_mode_strings();
        load_tree(NULL);
        return 0;
}
