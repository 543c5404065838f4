/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure vhost worker placement: a CPU (or set) per worker from the topology and the VMs' vCPU CPUs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "placement.h"

static const char *const placement_mode_table[_PLACEMENT_MODE_MAX] = {
        [PLACEMENT_NUMA] = "numa",
        [PLACEMENT_EMULATOR] = "emulator",
        [PLACEMENT_LIST] = "list",
        [PLACEMENT_OFF] = "off",
};

const char *placement_mode_to_string(PlacementMode m) {
        if (m < 0 || m >= _PLACEMENT_MODE_MAX)
                return NULL;
        return placement_mode_table[m];
}

PlacementMode placement_mode_from_string(const char *s) {
        if (!s)
                return _PLACEMENT_MODE_INVALID;
        for (PlacementMode m = 0; m < _PLACEMENT_MODE_MAX; m++)
                if (streq(s, placement_mode_table[m]))
                        return m;
        return _PLACEMENT_MODE_INVALID;
}

void placement_done(Placement *p) {
        if (!p)
                return;

        for (size_t i = 0; i < p->n; i++)
                cpuset_done(&p->results[i].cpus);
        free(p->results);
        *p = (Placement) {};
}

/* How NUMA mode chose the node, */
typedef enum NodeRule {
        NODE_SOLE,              /* every vCPU CPU is on it */
        NODE_MAJORITY,          /* it holds most of the vCPU CPUs */
        _NODE_RULE_MAX,
} NodeRule;

/* and the CPUs within it. */
typedef enum CpuRule {
        CPU_OFF_SMT,            /* neither a vCPU CPU nor an SMT sibling of one */
        CPU_OFF,                /* not a vCPU CPU, but an SMT sibling of one: the node has no other */
        CPU_SHARED,             /* a vCPU CPU: the node has no other */
        _CPU_RULE_MAX,
} CpuRule;

/* Without the node number (results carry it in .node), so that they can stay static. */
static const char *const numa_why[_NODE_RULE_MAX][_CPU_RULE_MAX] = {
        [NODE_SOLE] = {
                [CPU_OFF_SMT] = "the vCPUs' node, off their CPUs and SMT siblings",
                [CPU_OFF] = "the vCPUs' node, off their CPUs but on an SMT sibling: the node has no other",
                [CPU_SHARED] = "the vCPUs' node, shares a vCPU CPU: the node has no other",
        },
        [NODE_MAJORITY] = {
                [CPU_OFF_SMT] = "the node of most vCPUs, off their CPUs and SMT siblings",
                [CPU_OFF] = "the node of most vCPUs, off their CPUs but on an SMT sibling: "
                            "the node has no other",
                [CPU_SHARED] = "the node of most vCPUs, shares a vCPU CPU: the node has no other",
        },
};

#define WHY_NODE_VCPUS_UNKNOWN "the least-loaded node: the VM's vCPU CPUs are unknown"
#define WHY_NODE_VCPUS_UNUSABLE "the least-loaded node: the VM's vCPUs are on no node with a usable CPU"
#define WHY_NO_NODE "no node has a usable CPU: the least-loaded usable CPU"
#define WHY_EMULATOR "the CPUs of the VM's emulator threads"
#define WHY_EMULATOR_UNKNOWN "all online CPUs: the emulator threads' CPUs are unknown"
#define WHY_LIST "the least-loaded CPU of the configured list"

/* Scratch state of one placement_compute() call. */
typedef struct Ctx {
        const CpuTopology *t;
        unsigned *cpu_load;     /* workers placed on each CPU so far */
        unsigned *node_load;    /* workers placed on each node so far */
        bool *node_usable;      /* the node has an online, non-isolated CPU */
        unsigned *vcpu_count;   /* per node, scratch */
        bool *cand;             /* per CPU, scratch */
} Ctx;

static void ctx_done(Ctx *c) {
        free(c->cpu_load);
        free(c->node_load);
        free(c->node_usable);
        free(c->vcpu_count);
        free(c->cand);
}

static bool cpu_usable(const CpuTopology *t, unsigned cpu) {
        return cpuset_isset(&t->online, cpu) && !cpuset_isset(&t->isolated, cpu);
}

/* The candidate with the fewest workers so far, ties to the lowest id; -1 when there is none. */
static int least_loaded_cpu(const Ctx *c) {
        int best = -1;

        for (unsigned i = 0; i < c->t->n_cpus; i++)
                if (c->cand[i] && (best < 0 || c->cpu_load[i] < c->cpu_load[best]))
                        best = (int) i;
        return best;
}

/* The usable node with the fewest workers so far, ties to the lowest id; -1 when there is none. */
static int least_loaded_node(const Ctx *c) {
        int best = -1;

        for (unsigned n = 0; n < c->t->n_nodes; n++)
                if (c->node_usable[n] && (best < 0 || c->node_load[n] < c->node_load[best]))
                        best = (int) n;
        return best;
}

/* Keeps only the candidates for which keep[] holds, unless that would leave none. */
static bool narrow(Ctx *c, const bool *keep) {
        bool any = false;

        for (unsigned i = 0; i < c->t->n_cpus && !any; i++)
                any = c->cand[i] && keep[i];
        if (!any)
                return false;
        for (unsigned i = 0; i < c->t->n_cpus; i++)
                c->cand[i] = c->cand[i] && keep[i];
        return true;
}

/* Fills c->cand with the CPUs NUMA mode may use for this VM. */
static int numa_candidates(Ctx *c, const PlacementVm *vm, int *ret_node, const char **ret_why) {
        const CpuTopology *t = c->t;
        _cleanup_free_ bool *keep = NULL;
        NodeRule node_rule = NODE_SOLE;
        unsigned n_vcpu_nodes = 0;
        bool by_load = false;
        CpuRule cpu_rule;
        int node = -1;

        /* The node with most of the vCPU CPUs among the nodes that have a usable CPU. */
        memset(c->vcpu_count, 0, t->n_nodes * sizeof(unsigned));
        for (unsigned i = 0; i < t->n_cpus; i++)
                if (cpuset_isset(&vm->vcpu_cpus, i) && t->node_of_cpu[i] >= 0 &&
                    (unsigned) t->node_of_cpu[i] < t->n_nodes)
                        c->vcpu_count[t->node_of_cpu[i]]++;
        for (unsigned n = 0; n < t->n_nodes; n++) {
                if (c->vcpu_count[n] > 0)
                        n_vcpu_nodes++;
                if (c->node_usable[n] && c->vcpu_count[n] > 0 &&
                    (node < 0 || c->vcpu_count[n] > c->vcpu_count[node]))
                        node = (int) n;
        }

        if (node < 0) {
                node = least_loaded_node(c);
                if (node < 0) {
                        /* Every node's CPUs are offline or isolated: any usable CPU, else any online one. */
                        for (unsigned i = 0; i < t->n_cpus; i++)
                                c->cand[i] = cpu_usable(t, i);
                        if (least_loaded_cpu(c) < 0)
                                for (unsigned i = 0; i < t->n_cpus; i++)
                                        c->cand[i] = cpuset_isset(&t->online, i);
                        *ret_node = -1;
                        *ret_why = WHY_NO_NODE;
                        return 0;
                }
                by_load = true;
        } else if (n_vcpu_nodes > 1)
                node_rule = NODE_MAJORITY;

        for (unsigned i = 0; i < t->n_cpus; i++)
                c->cand[i] = cpu_usable(t, i) && cpuset_isset(&t->node_cpus[node], i);

        keep = calloc(t->n_cpus, sizeof(bool));
        if (!keep)
                return -ENOMEM;

        /* Off the vCPUs' own CPUs when the node has another, then off their SMT siblings too. */
        cpu_rule = CPU_SHARED;
        for (unsigned i = 0; i < t->n_cpus; i++)
                keep[i] = !cpuset_isset(&vm->vcpu_cpus, i);
        if (narrow(c, keep)) {
                cpu_rule = CPU_OFF;
                for (unsigned i = 0; i < t->n_cpus; i++)
                        keep[i] = !cpuset_overlaps(&t->siblings[i], &vm->vcpu_cpus);
                if (narrow(c, keep))
                        cpu_rule = CPU_OFF_SMT;
        }

        if (!by_load)
                *ret_why = numa_why[node_rule][cpu_rule];
        else if (cpuset_is_empty(&vm->vcpu_cpus))
                *ret_why = WHY_NODE_VCPUS_UNKNOWN;
        else
                *ret_why = WHY_NODE_VCPUS_UNUSABLE;
        *ret_node = node;
        return 0;
}

/* Appends a result pinning tid to the single CPU cpu. */
static int add_single(Placement *p, pid_t tid, pid_t vm, unsigned cpu, int node, const char *why) {
        PlacementResult *r = &p->results[p->n];
        int k;

        *r = (PlacementResult) { .tid = tid, .vm = vm, .node = node, .why = why };
        k = cpuset_set(&r->cpus, cpu);
        p->n++;                 /* counted even on failure, so that placement_done() frees it */
        return k;
}

static int place_least_loaded(Ctx *c, Placement *p, const PlacementVm *vm, int node, const char *why) {
        for (size_t w = 0; w < vm->n_workers; w++) {
                int cpu = least_loaded_cpu(c), r;

                if (cpu < 0)
                        return -EINVAL;         /* unreachable: callers never leave the candidates empty */

                r = add_single(p, vm->workers[w], vm->pid, (unsigned) cpu, node, why);
                if (r < 0)
                        return r;
                c->cpu_load[cpu]++;
                if (node >= 0)
                        c->node_load[node]++;
        }
        return 0;
}

static int place_emulator(const CpuTopology *t, Placement *p, const PlacementVm *vm) {
        _cleanup_(cpuset_done) CpuSet set = CPUSET_NULL;
        const char *why = WHY_EMULATOR;
        int r;

        /* Their affinity as the kernel reports it is within the online CPUs already; make sure. */
        for (unsigned i = 0; i < t->n_cpus; i++)
                if (cpuset_isset(&vm->emulator_cpus, i) && cpuset_isset(&t->online, i)) {
                        r = cpuset_set(&set, i);
                        if (r < 0)
                                return r;
                }
        if (cpuset_is_empty(&set)) {
                cpuset_done(&set);
                r = cpuset_copy(&t->online, &set);
                if (r < 0)
                        return r;
                why = WHY_EMULATOR_UNKNOWN;
        }

        for (size_t w = 0; w < vm->n_workers; w++) {
                PlacementResult *res = &p->results[p->n];

                *res = (PlacementResult) { .tid = vm->workers[w], .vm = vm->pid, .node = -1, .why = why };
                r = cpuset_copy(&set, &res->cpus);
                if (r < 0)
                        return r;
                p->n++;
        }
        return 0;
}

/* The list must be non-empty and name only online CPUs. */
static bool list_valid(const CpuTopology *t, const CpuSet *list) {
        unsigned span;

        if (!list || cpuset_is_empty(list))
                return false;
        span = cpuset_span(list);
        if (span > t->n_cpus)
                return false;
        for (unsigned i = 0; i < span; i++)
                if (cpuset_isset(list, i) && !cpuset_isset(&t->online, i))
                        return false;
        return true;
}

static bool topology_valid(const CpuTopology *t) {
        return t->n_cpus > 0 && t->n_nodes > 0 && t->node_cpus && t->node_of_cpu && t->siblings &&
               !cpuset_is_empty(&t->online);
}

int placement_compute(const CpuTopology *t, PlacementMode mode, const CpuSet *list, const PlacementVm *vms,
                      size_t n_vms, Placement *ret) {
        _cleanup_(placement_done) Placement p = {};
        _cleanup_(ctx_done) Ctx c = { .t = t };
        size_t total = 0;
        int r;

        if (!t || !ret || (n_vms > 0 && !vms) || mode < 0 || mode >= _PLACEMENT_MODE_MAX)
                return -EINVAL;
        for (size_t v = 0; v < n_vms; v++) {
                if (vms[v].n_workers > 0 && !vms[v].workers)
                        return -EINVAL;
                if (vms[v].n_workers > SIZE_MAX / sizeof(PlacementResult) - total)
                        return -EINVAL;
                total += vms[v].n_workers;
        }

        if (mode == PLACEMENT_OFF) {
                *ret = (Placement) {};
                return 0;
        }
        if (!topology_valid(t))
                return -EINVAL;
        if (mode == PLACEMENT_LIST && !list_valid(t, list))
                return -EINVAL;

        if (total > 0) {
                p.results = calloc(total, sizeof(PlacementResult));
                if (!p.results)
                        return -ENOMEM;
        }

        c.cpu_load = calloc(t->n_cpus, sizeof(unsigned));
        c.cand = calloc(t->n_cpus, sizeof(bool));
        c.node_load = calloc(t->n_nodes, sizeof(unsigned));
        c.node_usable = calloc(t->n_nodes, sizeof(bool));
        c.vcpu_count = calloc(t->n_nodes, sizeof(unsigned));
        if (!c.cpu_load || !c.cand || !c.node_load || !c.node_usable || !c.vcpu_count)
                return -ENOMEM;

        for (unsigned n = 0; n < t->n_nodes; n++)
                for (unsigned i = 0; i < t->n_cpus && !c.node_usable[n]; i++)
                        c.node_usable[n] = cpuset_isset(&t->node_cpus[n], i) && cpu_usable(t, i);

        for (size_t v = 0; v < n_vms; v++) {
                const PlacementVm *vm = &vms[v];
                const char *why = NULL;
                int node = -1;

                switch (mode) {

                case PLACEMENT_NUMA:
                        r = numa_candidates(&c, vm, &node, &why);
                        if (r < 0)
                                return r;
                        r = place_least_loaded(&c, &p, vm, node, why);
                        break;

                case PLACEMENT_EMULATOR:
                        r = place_emulator(t, &p, vm);
                        break;

                case PLACEMENT_LIST:
                        for (unsigned i = 0; i < t->n_cpus; i++)
                                c.cand[i] = cpuset_isset(list, i);
                        r = place_least_loaded(&c, &p, vm, -1, WHY_LIST);
                        break;

                default:
                        r = -EINVAL;
                }
                if (r < 0)
                        return r;
        }

        *ret = p;
        p = (Placement) {};
        return 0;
}
