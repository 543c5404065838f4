/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sd-bus vtables of vnettune-hostd: parse and authorise requests, call the manager, reply. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-util.h"
#include "diagnose.h"
#include "host-bus.h"
#include "log.h"
#include "macro.h"

#define HOST_PATH "/org/vnettune/Host1"
#define VM_PREFIX "/org/vnettune/Host1/vm"
#define LINK_PREFIX "/org/vnettune/Host1/link"
#define HOST_NAME "org.vnettune.Host1"
#define MANAGER_IFACE "org.vnettune.Host1.Manager"
#define VM_IFACE "org.vnettune.Host1.VM"
#define LINK_IFACE "org.vnettune.Host1.Link"
#define ERROR_NO_SUCH_LINK "org.vnettune.Host1.NoSuchLink"
#define ERROR_REVERT_FAILED "org.vnettune.Host1.RevertFailed"
#define ERROR_RELOAD_FAILED "org.vnettune.Host1.ReloadFailed"
#define ERROR_NO_SUCH_VM "org.vnettune.Host1.NoSuchVM"
#define DIAGNOSE_WINDOW_MAX_MS 60000u

/* Pid and ifindex properties are read straight from the structs as 32-bit integers. */
_Static_assert(sizeof(pid_t) == sizeof(uint32_t), "pid_t is not 32 bits wide");

/* ---- object paths ---- */

static int vm_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                          sd_bus_error *error) {
        int32_t pid = bus_path_id(path, VM_PREFIX);
        Vm *v = pid > 0 ? manager_find_vm(userdata, pid) : NULL;

        if (!v || !v->exported)
                return 0;
        *found = v;
        return 1;
}

static int link_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata,
                            void **found, sd_bus_error *error) {
        int32_t ifindex = bus_path_id(path, LINK_PREFIX);
        HostLink *l = ifindex > 0 ? manager_find_link(userdata, ifindex) : NULL;

        if (!l || !l->exported)
                return 0;
        *found = l;
        return 1;
}

static int vm_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes,
                              sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_strv_free_ char **l = calloc(m->n_vms + 1, sizeof(char *));
        size_t k = 0;

        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_vms; i++)
                if (m->vms[i]->exported && !(l[k++] = strdup(m->vms[i]->path)))
                        return -ENOMEM;
        *nodes = TAKE_PTR(l);
        return 0;
}

static int link_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes,
                                sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_strv_free_ char **l = calloc(m->n_links + 1, sizeof(char *));
        size_t k = 0;

        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_links; i++)
                if (m->links[i]->exported && !(l[k++] = strdup(m->links[i]->path)))
                        return -ENOMEM;
        *nodes = TAKE_PTR(l);
        return 0;
}

/* ---- small helpers ---- */

static int append_cpu_list(sd_bus_message *reply, const CpuSet *s) {
        _cleanup_free_ char *t = NULL;
        int r;

        r = cpuset_format_list(s, &t);
        if (r < 0)
                return r;
        return sd_bus_message_append(reply, "s", t);
}

static int append_strv(sd_bus_message *reply, char **l) {
        return sd_bus_message_append_strv(reply, l ?: (char *[]) { NULL });
}

/* ---- caller identity ---- */

static int no_such_link(sd_bus_error *error, int ifindex) {
        return sd_bus_error_setf(error, ERROR_NO_SUCH_LINK, "No link with interface index %d.", ifindex);
}

/* Reads the ifindex argument: 0 means everything, a positive one must be a link on the bus (links
 * that are not taps, macvtaps or bridges, or not yet ready, are not ours to act on). */
static int read_ifindex(sd_bus_message *msg, Manager *m, int *ret, sd_bus_error *error) {
        HostLink *l;
        int32_t ifindex;
        int r;

        r = sd_bus_message_read(msg, "i", &ifindex);
        if (r < 0)
                return r;
        if (ifindex < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Interface index must be 0 (everything) or positive, got %d.",
                                         ifindex);
        if (ifindex > 0 && (!(l = manager_find_link(m, ifindex)) || !l->exported))
                return no_such_link(error, ifindex);
        *ret = ifindex;
        return 0;
}

/* ---- manager methods ---- */

static int method_list_vms(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(iso)");
        for (size_t i = 0; r >= 0 && i < m->n_vms; i++) {
                Vm *v = m->vms[i];
                if (!v->exported)
                        continue;
                r = sd_bus_message_append(reply, "(iso)", (int32_t) v->pid, v->snap.name, v->path);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_list_links(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(issso)");
        for (size_t i = 0; r >= 0 && i < m->n_links; i++) {
                HostLink *l = m->links[i];
                if (!l->exported)
                        continue;
                r = sd_bus_message_append(reply, "(issso)", l->t.ifindex, l->t.snap.name, l->t.snap.kind,
                                          host_link_state_to_string(l->t.state) ?: "", l->path);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_plan(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(plan_done) Plan plan = {};
        _cleanup_free_ int *ifindexes = NULL;
        Manager *m = userdata;
        int ifindex, r;

        r = read_ifindex(msg, m, &ifindex, error);
        if (r < 0)
                return r;
        r = manager_plan(m, ifindex, &plan, &ifindexes);
        if (r == -ENODEV)
                return no_such_link(error, ifindex);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Planning failed: %s", strerror(-r));
        return bus_reply_plan(msg, &plan, ifindexes);
}

static int method_apply(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        uint32_t uid;
        int ifindex, r;

        r = bus_check_root(msg, "the host's network tuning", &uid, error);
        if (r < 0)
                return r;
        r = read_ifindex(msg, m, &ifindex, error);
        if (r < 0)
                return r;
        r = manager_apply(m, ifindex, uid);
        if (r == -ENODEV)
                return no_such_link(error, ifindex);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Applying the policy failed: %s", strerror(-r));
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_revert(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *why = NULL;
        Manager *m = userdata;
        uint32_t uid;
        int ifindex, r;

        r = bus_check_root(msg, "the host's network tuning", &uid, error);
        if (r < 0)
                return r;
        r = read_ifindex(msg, m, &ifindex, error);
        if (r < 0)
                return r;
        r = manager_revert(m, ifindex, uid, &why);
        if (r == -ENODEV)
                return no_such_link(error, ifindex);
        if (r < 0)
                return sd_bus_error_setf(error, ERROR_REVERT_FAILED,
                                         "Some originals could not be restored and are kept for another "
                                         "try: %s", why ?: strerror(-r));
        return sd_bus_reply_method_return(msg, NULL);
}

/* Replies to a Diagnose call once the manager's window is over. */
static void diagnose_done(Manager *m, int error, const Findings *f, void *userdata) {
        sd_bus_message *msg = userdata;

        (void) bus_reply_findings(msg, error, f);
        sd_bus_message_unref(msg);
}

static int method_diagnose(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        uint32_t pid, window_ms;
        int r;

        r = sd_bus_message_read(msg, "uu", &pid, &window_ms);
        if (r < 0)
                return r;
        if (window_ms > DIAGNOSE_WINDOW_MAX_MS)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "The sampling window is at most %u ms, got %u.", DIAGNOSE_WINDOW_MAX_MS,
                                         window_ms);
        if (pid > INT32_MAX)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid pid %u.", pid);
        sd_bus_message_ref(msg);
        r = manager_diagnose(m, (pid_t) pid, (uint64_t) window_ms * 1000, diagnose_done, msg);
        if (r < 0) {
                sd_bus_message_unref(msg);
                if (r == -ESRCH)
                        return sd_bus_error_setf(error, ERROR_NO_SUCH_VM, "No VM with pid %u.", pid);
                return r;
        }
        return 1;
}

static int method_reload(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        uint32_t uid;
        int r;

        r = bus_check_root(msg, "the host's network tuning", &uid, error);
        if (r < 0)
                return r;
        r = manager_reload(m, REASON_RELOAD, uid);
        if (r < 0)
                return sd_bus_error_setf(error, ERROR_RELOAD_FAILED,
                                         "Loading the policy failed (%s); the last good policy stays in "
                                         "effect.", strerror(-r));
        return sd_bus_reply_method_return(msg, NULL);
}

/* ---- manager properties ---- */

static int property_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", PACKAGE_VERSION);
}

static int property_string(sd_bus *bus, const char *path, const char *interface, const char *property,
                           sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *v = NULL;

        if (streq(property, "Tier"))
                v = tier_to_string(m->tier);
        else if (streq(property, "PlacementError"))
                v = m->placement_error;
        else if (streq(property, "OnlineCPUs"))
                return append_cpu_list(reply, &m->topology.online);
        else if (streq(property, "PlacementMode")) {
                _cleanup_free_ char *list = NULL, *t = NULL;
                int r;

                if (m->placement_mode != PLACEMENT_LIST)
                        return sd_bus_message_append(reply, "s",
                                                     placement_mode_to_string(m->placement_mode) ?: "");
                r = cpuset_format_list(&m->placement_list, &list);
                if (r < 0)
                        return r;
                if (asprintf(&t, "list:%s", list) < 0)
                        return -ENOMEM;
                return sd_bus_message_append(reply, "s", t);
        }
        return sd_bus_message_append(reply, "s", v ?: "");
}

static int property_bool(sd_bus *bus, const char *path, const char *interface, const char *property,
                         sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        bool v = false;

        if (streq(property, "KVM"))
                v = m->tier_facts.kvm_usable;
        else if (streq(property, "VhostNet"))
                v = m->tier_facts.vhost_device && m->tier_facts.vhost_module;
        return sd_bus_message_append(reply, "b", (int) v);
}

static int property_tier_missing(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        return append_strv(reply, m->tier_missing);
}

static int property_multi_queue_taps(sd_bus *bus, const char *path, const char *interface,
                                     const char *property, sd_bus_message *reply, void *userdata,
                                     sd_bus_error *error) {
        Manager *m = userdata;
        return sd_bus_message_append(reply, "(uu)", m->tier_facts.n_mq_taps, m->tier_facts.n_taps);
}

static int property_hugepages(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const Hugepages *h = &m->hugepages;
        return sd_bus_message_append(reply, "(tttt)", h->total, h->free, h->size_kb, h->vm_memory_mb);
}

static int property_numa_nodes(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        return sd_bus_message_append(reply, "u", (uint32_t) m->topology.n_nodes);
}

static int property_config_warnings(sd_bus *bus, const char *path, const char *interface,
                                    const char *property, sd_bus_message *reply, void *userdata,
                                    sd_bus_error *error) {
        Manager *m = userdata;
        return append_strv(reply, m->config_warnings);
}

static int property_policy_files(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "s");
        for (size_t i = 0; r >= 0 && i < m->policy.n_links; i++)
                r = sd_bus_message_append(reply, "s", m->policy.links[i]->filename);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

static int property_sysctls(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const DaemonConfig *c = &m->policy.daemon;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(sss)");
        for (size_t i = 0; r >= 0 && c->apply_sysctls && i < c->n_sysctls; i++) {
                _cleanup_free_ char *setting = NULL;
                const char *orig;

                /* Originals are recorded under the setting name of the plan's action. */
                if (asprintf(&setting, "sysctl:%s", c->sysctls[i].key) < 0)
                        return -ENOMEM;
                orig = originals_get(&m->sysctl_originals, setting);
                r = sd_bus_message_append(reply, "(sss)", c->sysctls[i].key, c->sysctls[i].value,
                                          orig ?: "");
        }
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", property_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Tier", "s", property_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("TierMissing", "as", property_tier_missing, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("KVM", "b", property_bool, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("VhostNet", "b", property_bool, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("MultiQueueTaps", "(uu)", property_multi_queue_taps, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PlacementMode", "s", property_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PlacementError", "s", property_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Hugepages", "(tttt)", property_hugepages, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Sysctls", "a(sss)", property_sysctls, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ConfigWarnings", "as", property_config_warnings, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PolicyFiles", "as", property_policy_files, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("OnlineCPUs", "s", property_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("NUMANodes", "u", property_numa_nodes, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD_WITH_ARGS("ListVMs", SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("a(iso)", vms), method_list_vms,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListLinks", SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("a(issso)", links), method_list_links,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Plan", SD_BUS_ARGS("i", ifindex),
                                SD_BUS_RESULT("a(issss)", actions), method_plan,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        /* Unprivileged for the bus, checked in check_root(): the error then says what is needed. */
        SD_BUS_METHOD_WITH_ARGS("Diagnose", SD_BUS_ARGS("u", pid, "u", window_ms),
                                SD_BUS_RESULT("a(ssssss)", findings), method_diagnose,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Apply", SD_BUS_ARGS("i", ifindex), SD_BUS_NO_RESULT, method_apply,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Revert", SD_BUS_ARGS("i", ifindex), SD_BUS_NO_RESULT, method_revert,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Reload", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_reload,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

/* ---- VM properties ---- */

static int vm_prop_string(sd_bus *bus, const char *path, const char *interface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Vm *v = userdata;
        const char *s = NULL;

        if (streq(property, "Name"))
                s = v->snap.name;
        else if (streq(property, "Placement"))
                s = v->placement_why;
        return sd_bus_message_append(reply, "s", s ?: "");
}

static int vm_prop_tcg(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Vm *v = userdata;
        return sd_bus_message_append(reply, "b", (int) v->snap.tcg);
}

static int vm_prop_taps(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Vm *v = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(su)");
        for (size_t i = 0; r >= 0 && i < v->snap.n_taps; i++)
                r = sd_bus_message_append(reply, "(su)", v->snap.taps[i].name,
                                          (uint32_t) v->snap.taps[i].n_fds);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

/* VCPUs a(uis) and VhostWorkers a(us): the threads of one role with their affinity. */
static int vm_prop_threads(sd_bus *bus, const char *path, const char *interface, const char *property,
                           sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Vm *v = userdata;
        bool vcpus = streq(property, "VCPUs");
        ThreadRole role = vcpus ? THREAD_VCPU : THREAD_VHOST;
        int r;

        r = sd_bus_message_open_container(reply, 'a', vcpus ? "(uis)" : "(us)");
        for (size_t i = 0; r >= 0 && i < v->snap.n_threads; i++) {
                const VmThread *t = &v->snap.threads[i];
                _cleanup_free_ char *cpus = NULL;

                if (t->role != role)
                        continue;
                r = cpuset_format_list(&t->affinity, &cpus);
                if (r < 0)
                        break;
                if (vcpus)
                        r = sd_bus_message_append(reply, "(uis)", (uint32_t) t->tid, (int32_t) t->vcpu,
                                                  cpus);
                else
                        r = sd_bus_message_append(reply, "(us)", (uint32_t) t->tid, cpus);
        }
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

static int vm_prop_emulator_cpus(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        _cleanup_(cpuset_done) CpuSet all = CPUSET_NULL;
        Vm *v = userdata;
        int r;

        for (size_t i = 0; i < v->snap.n_threads; i++) {
                const VmThread *t = &v->snap.threads[i];
                unsigned span = cpuset_span(&t->affinity);

                if (t->role != THREAD_EMULATOR)
                        continue;
                for (unsigned cpu = 0; cpu < span; cpu++)
                        if (cpuset_isset(&t->affinity, cpu)) {
                                r = cpuset_set(&all, cpu);
                                if (r < 0)
                                        return r;
                        }
        }
        return append_cpu_list(reply, &all);
}

static const sd_bus_vtable vm_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Pid", "u", NULL, offsetof(Vm, pid), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Name", "s", vm_prop_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("TCG", "b", vm_prop_tcg, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Taps", "a(su)", vm_prop_taps, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("VCPUs", "a(uis)", vm_prop_threads, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("VhostWorkers", "a(us)", vm_prop_threads, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("EmulatorCPUs", "s", vm_prop_emulator_cpus, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("NUMANode", "i", NULL, offsetof(Vm, node), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Placement", "s", vm_prop_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastChangeUSec", "t", NULL, offsetof(Vm, last_change_usec),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END,
};

/* ---- link properties ---- */

static int link_prop_string(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        HostLink *l = userdata;
        const char *v = NULL;

        if (streq(property, "Name"))
                v = l->t.snap.name;
        else if (streq(property, "Kind"))
                v = l->t.snap.kind;
        else if (streq(property, "Master")) {
                HostLink *master = l->t.snap.master_ifindex > 0
                                           ? manager_find_link(l->manager, l->t.snap.master_ifindex) : NULL;
                v = master ? master->t.snap.name : NULL;
        } else if (streq(property, "VM")) {
                Vm *vm = l->t.vm_pid > 0 ? manager_find_vm(l->manager, l->t.vm_pid) : NULL;
                v = vm ? vm->snap.name : NULL;
        } else if (streq(property, "State"))
                v = host_link_state_to_string(l->t.state);
        else if (streq(property, "Policy"))
                v = l->policy ? l->policy->filename : NULL;
        else if (streq(property, "LastError"))
                v = l->t.last_error;
        return sd_bus_message_append(reply, "s", v ?: "");
}

static int link_prop_u32(sd_bus *bus, const char *path, const char *interface, const char *property,
                         sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        HostLink *l = userdata;
        uint32_t v = 0;

        if (streq(property, "MTU"))
                v = l->t.snap.mtu;
        else if (streq(property, "MinMTU"))
                v = l->t.snap.min_mtu;
        else if (streq(property, "MaxMTU"))
                v = l->t.snap.max_mtu;
        else if (streq(property, "TxQueueLength"))
                v = l->t.snap.txqueuelen;
        else if (streq(property, "Queues"))
                v = l->t.snap.channels_error == 0 ? l->t.snap.channels.combined : 0;
        else if (streq(property, "VMPid"))
                v = l->t.vm_pid > 0 ? (uint32_t) l->t.vm_pid : 0;
        return sd_bus_message_append(reply, "u", v);
}

static const sd_bus_vtable link_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Index", "i", NULL, offsetof(HostLink, t.ifindex), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Name", "s", link_prop_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Kind", "s", link_prop_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Master", "s", link_prop_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("MTU", "u", link_prop_u32, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("MinMTU", "u", link_prop_u32, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("MaxMTU", "u", link_prop_u32, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("TxQueueLength", "u", link_prop_u32, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Queues", "u", link_prop_u32, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("VM", "s", link_prop_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("VMPid", "u", link_prop_u32, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("State", "s", link_prop_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Policy", "s", link_prop_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastError", "s", link_prop_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastChangeUSec", "t", NULL, offsetof(HostLink, t.last_change_usec),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END,
};

/* ---- setup and signals ---- */

static int host_bus_request_name(Manager *m);

int host_bus_setup(Manager *m) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        r = sd_bus_open_system(&bus);
        if (r < 0)
                return r;
        (void) sd_bus_set_description(bus, "vnettune-hostd-api");

        r = sd_bus_add_object_vtable(bus, NULL, HOST_PATH, MANAGER_IFACE, manager_vtable, m);
        if (r < 0)
                return r;
        r = sd_bus_add_fallback_vtable(bus, NULL, VM_PREFIX, VM_IFACE, vm_vtable, vm_object_find, m);
        if (r < 0)
                return r;
        r = sd_bus_add_node_enumerator(bus, NULL, VM_PREFIX, vm_node_enumerator, m);
        if (r < 0)
                return r;
        r = sd_bus_add_fallback_vtable(bus, NULL, LINK_PREFIX, LINK_IFACE, link_vtable, link_object_find, m);
        if (r < 0)
                return r;
        r = sd_bus_add_node_enumerator(bus, NULL, LINK_PREFIX, link_node_enumerator, m);
        if (r < 0)
                return r;
        r = sd_bus_add_object_manager(bus, NULL, HOST_PATH);
        if (r < 0)
                return r;

        r = sd_bus_attach_event(bus, m->event, 0);
        if (r < 0)
                return r;
        m->bus = TAKE_PTR(bus);
        /* The name only once the start's tuning is done (host_bus_request_name() then). */
        return m->started ? host_bus_request_name(m) : 0;
}

static int host_bus_request_name(Manager *m) {
        int r;

        if (!m->bus)
                return 0;
        /* Without the name the objects are still reachable by the unique name; tuning goes on. */
        r = sd_bus_request_name(m->bus, HOST_NAME, 0);
        if (r < 0)
                log_warning_errno(r, "Cannot own the name " HOST_NAME ": %m, continuing without it");
        return 0;
}

/* InterfacesRemoved naming the same interfaces InterfacesAdded named. sd_bus_emit_object_removed()
 * would ask the object find callbacks which interfaces the path has, and leave ours out when the
 * manager has already taken the object out of its table. */
static int emit_removed(sd_bus *bus, const char *path, const char *interface) {
        return sd_bus_emit_interfaces_removed(bus, path, "org.freedesktop.DBus.Peer",
                                              "org.freedesktop.DBus.Introspectable",
                                              "org.freedesktop.DBus.Properties", interface, NULL);
}

/* The exported flags are kept even without a bus: they say which objects are complete enough to be
 * shown, and the node enumerators only run when there is a bus. Signals need the bus, and the name:
 * before the start's tuning is done nobody can be watching (see host_bus_request_name()). */

void host_bus_link_added(Manager *m, HostLink *l) {
        l->exported = true;
        if (m->bus && m->started)
                (void) sd_bus_emit_object_added(m->bus, l->path);
}

void host_bus_link_removed(Manager *m, HostLink *l) {
        if (m->bus && m->started && l->exported)
                (void) emit_removed(m->bus, l->path, LINK_IFACE);
        l->exported = false;
}

/* Changes are only noted here; host_bus_flush() sends one PropertiesChanged per object per loop. */
void host_bus_link_changed(Manager *m, HostLink *l) {
        l->bus_dirty = true;
}

void host_bus_vm_added(Manager *m, Vm *v) {
        v->exported = true;
        if (m->bus && m->started)
                (void) sd_bus_emit_object_added(m->bus, v->path);
}

void host_bus_vm_removed(Manager *m, Vm *v) {
        if (m->bus && m->started && v->exported)
                (void) emit_removed(m->bus, v->path, VM_IFACE);
        v->exported = false;
}

void host_bus_vm_changed(Manager *m, Vm *v) {
        v->bus_dirty = true;
}

void host_bus_manager_changed(Manager *m) {
        m->bus_dirty = true;
}

void host_bus_start(Manager *m) {
        /* What changed during the start went unwatched: the objects simply are as they are now. */
        for (size_t i = 0; i < m->n_links; i++)
                m->links[i]->bus_dirty = false;
        for (size_t i = 0; i < m->n_vms; i++)
                m->vms[i]->bus_dirty = false;
        m->bus_dirty = false;
        m->started = true;
        (void) host_bus_request_name(m);
}

void host_bus_flush(Manager *m) {
        if (!m->started)
                return;
        for (size_t i = 0; i < m->n_links; i++) {
                HostLink *l = m->links[i];

                if (l->bus_dirty && m->bus && l->exported)
                        (void) sd_bus_emit_properties_changed_strv(m->bus, l->path, LINK_IFACE, NULL);
                l->bus_dirty = false;
        }
        for (size_t i = 0; i < m->n_vms; i++) {
                Vm *v = m->vms[i];

                if (v->bus_dirty && m->bus && v->exported)
                        (void) sd_bus_emit_properties_changed_strv(m->bus, v->path, VM_IFACE, NULL);
                v->bus_dirty = false;
        }
        if (m->bus_dirty && m->bus)
                (void) sd_bus_emit_properties_changed_strv(m->bus, HOST_PATH, MANAGER_IFACE, NULL);
        m->bus_dirty = false;
}
