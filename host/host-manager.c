/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Manager of vnettune-hostd: follows taps, bridges and VM processes, and reconciles links, worker
 * placement, host sysctls and the tier once per loop iteration. */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "diagnose.h"
#include "host-bus.h"
#include "host-manager.h"
#include "daemon.h"
#include "log.h"
#include "macro.h"
#include "message-ids.h"
#include "procfs-load.h"
#include "procfs-vm.h"
#include "strv.h"
#include "udev-util.h"
#include "sysctl.h"
#include "sysfs-net.h"

const char *host_link_state_to_string(LinkState s) {
        return link_state_to_string(s);
}

static uint64_t now_realtime_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

static void manager_schedule(Manager *m) {
        if (m->reconcile_source)
                (void) sd_event_source_set_enabled(m->reconcile_source, SD_EVENT_ONESHOT);
}

/* ---- kernel operations: the shared ones plus thread affinity ---- */

static int op_set_affinity(void *userdata, pid_t tid, const CpuSet *cpus) {
        return procfs_set_affinity(tid, cpus);
}

static KernelOps host_ops(void) {
        KernelOps ops = tuner_kernel_ops;

        ops.set_affinity = op_set_affinity;
        return ops;
}

/* ---- links ---- */

static bool kind_managed(const char *kind) {
        return streq(kind, "tun") || streq(kind, "macvtap") || streq(kind, "bridge");
}

static HostLink *host_link_free(HostLink *l) {
        if (!l)
                return NULL;
        tuned_link_done(&l->t);
        free(l->path);
        free(l);
        return NULL;
}

HostLink *manager_find_link(Manager *m, int ifindex) {
        for (size_t i = 0; i < m->n_links; i++)
                if (m->links[i]->t.ifindex == ifindex)
                        return m->links[i];
        return NULL;
}

static HostLink *manager_find_link_by_name(Manager *m, const char *name) {
        for (size_t i = 0; i < m->n_links; i++)
                if (streq(m->links[i]->t.snap.name, name))
                        return m->links[i];
        return NULL;
}

static int host_link_new(Manager *m, int ifindex, HostLink **ret) {
        HostLink *l, **t;
        int r;

        l = calloc(1, sizeof *l);
        if (!l)
                return -ENOMEM;
        l->manager = m;
        r = tuned_link_setup(&l->t, ifindex, m->state_dir, "/org/vnettune/Host1/link", &l->path);
        if (r < 0) {
                free(l);
                return r;
        }
        t = realloc(m->links, (m->n_links + 1) * sizeof(HostLink *));
        if (!t) {
                host_link_free(l);
                return -ENOMEM;
        }
        m->links = t;
        m->links[m->n_links++] = l;
        *ret = l;
        return 0;
}

static void host_link_remove(Manager *m, HostLink *l) {
        /* Announce the removal while the object is still found, so InterfacesRemoved names it. */
        if (l->exported) {
                audit_link_event(LOG_INFO, VNT_MESSAGE_LINK_GONE, l->t.snap.name, l->t.ifindex, "%s: link removed",
                                 l->t.snap.name);
                host_bus_link_removed(m, l);
        }
        for (size_t i = 0; i < m->n_links; i++)
                if (m->links[i] == l) {
                        memmove(m->links + i, m->links + i + 1, (m->n_links - i - 1) * sizeof(HostLink *));
                        m->n_links--;
                        break;
                }
        /* The device is gone: nothing left to revert. The VM that held it let go of it (QEMU's
         * netdev_del): closing fds raises no event, so read that VM again. */
        (void) originals_forget_all(&l->t.originals);
        Vm *v = l->t.vm_pid > 0 ? manager_find_vm(m, l->t.vm_pid) : NULL;
        if (v) {
                v->dirty = true;
                manager_schedule(m);
        }
        host_link_free(l);
        m->tier_dirty = true;
}

static void host_link_mark(Manager *m, HostLink *l, Reason reason) {
        tuned_link_mark(&l->t, reason);
        manager_schedule(m);
}

/* A bridge's change concerns its ports too (their MTU follows it). */
static void mark_ports(Manager *m, HostLink *bridge, Reason reason) {
        for (size_t i = 0; i < m->n_links; i++)
                if (m->links[i]->t.snap.master_ifindex == bridge->t.ifindex)
                        host_link_mark(m, m->links[i], reason);
}

static DriftMode link_drift_mode(Manager *m, HostLink *l) {
        if (l->policy && l->policy->settings.drift >= 0)
                return l->policy->settings.drift;
        return m->policy.daemon.drift;
}

/* The settings in effect: the link's own policy, and for a bridge port without an MTU of its own
 * the MTU its bridge's policy asks for, so tap and bridge stay consistent. */
static void host_link_resolve(Manager *m, HostLink *l) {
        HostLink *bridge = l->t.snap.master_ifindex > 0 ? manager_find_link(m, l->t.snap.master_ifindex) : NULL;

        l->policy = policy_find_link(&m->policy, l->t.snap.name, l->t.snap.driver, l->t.snap.mac);
        l->have_effective = false;
        if (l->policy) {
                l->effective = l->policy->settings;
                l->have_effective = true;
        }
        if (bridge && !bridge->policy)
                bridge->policy = policy_find_link(&m->policy, bridge->t.snap.name, bridge->t.snap.driver,
                                                  bridge->t.snap.mac);
        if (bridge && bridge->policy && bridge->policy->settings.mtu_mode == MTU_NUMBER &&
            (!l->policy || l->policy->settings.mtu_mode == MTU_KEEP)) {
                if (!l->have_effective) {
                        link_settings_init(&l->effective);
                        l->have_effective = true;
                }
                l->effective.mtu_mode = MTU_NUMBER;
                l->effective.mtu = bridge->policy->settings.mtu;
        }
}

static void host_link_reconcile(Manager *m, HostLink *l) {
        int r;

        if (!l->initialized) {
                l->t.reason = REASON_NONE;
                return;
        }
        r = tuned_link_refresh(&l->t, &m->kernel);
        if (r < 0) {
                if (r != -ENODEV)
                        log_warning_errno(r, "Cannot read link %d: %m, ignoring", l->t.ifindex);
                l->t.reason = REASON_NONE;
                return;
        }
        if (!kind_managed(l->t.snap.kind)) {
                l->ignored = true;
                l->t.reason = REASON_NONE;
                return;
        }
        l->ignored = false;
        if (!l->exported) {
                l->exported = true;
                host_bus_link_added(m, l);
                m->tier_dirty = true;
        }
        host_link_resolve(m, l);
        (void) tuned_link_apply(&l->t, &m->kernel, l->have_effective ? &l->effective : NULL,
                                link_drift_mode(m, l), &m->topology.online);
        host_bus_link_changed(m, l);
}

/* ---- VMs ---- */

static Vm *vm_free(Vm *v) {
        if (!v)
                return NULL;
        vm_snapshot_done(&v->snap);
        originals_done(&v->originals);
        strv_free(v->reported);
        free(v->placement_why);
        free(v->path);
        free(v);
        return NULL;
}

Vm *manager_find_vm(Manager *m, pid_t pid) {
        for (size_t i = 0; i < m->n_vms; i++)
                if (m->vms[i]->pid == pid)
                        return m->vms[i];
        return NULL;
}

static int vm_new(Manager *m, VmSnapshot *snap, Vm **ret) {
        _cleanup_free_ char *opath = NULL;
        char buf[32];
        Vm *v, **t;
        int r;

        v = calloc(1, sizeof *v);
        if (!v)
                return -ENOMEM;
        v->manager = m;
        v->pid = snap->pid;
        v->node = -1;
        if (asprintf(&opath, "%s/vms/%d", m->state_dir, (int) snap->pid) < 0) {
                free(v);
                return -ENOMEM;
        }
        r = tuner_load_originals(opath, &v->originals);
        /* Records are kept by pid: those of another process that had this pid are not ours. */
        if (r >= 0) {
                char start[32];
                uint64_t ticks;

                if (procfs_process_start_time(snap->pid, &ticks) >= 0) {
                        snprintf(start, sizeof start, "start=%" PRIu64, ticks);
                        if (v->originals.identity && !streq(v->originals.identity, start)) {
                                _cleanup_free_ char *moved = NULL;

                                (void) originals_quarantine(&v->originals, &moved);
                                log_warning("Recorded originals %s belonged to an earlier process with pid %d; kept "
                                            "as %s, recording afresh.", opath, (int) snap->pid, strna(moved));
                        }
                        (void) originals_set_identity(&v->originals, start);
                }
        }
        snprintf(buf, sizeof buf, "%d", (int) snap->pid);
        if (r >= 0)
                r = sd_bus_path_encode("/org/vnettune/Host1/vm", buf, &v->path);
        t = r >= 0 ? realloc(m->vms, (m->n_vms + 1) * sizeof(Vm *)) : NULL;
        if (!t) {
                vm_free(v);
                return r < 0 ? r : -ENOMEM;
        }
        v->snap = *snap;
        *snap = (VmSnapshot) {};
        m->vms = t;
        m->vms[m->n_vms++] = v;
        *ret = v;
        return 0;
}

static void vm_log(int level, const char *message_id, Vm *v, const char *fmt, ...) _printf_(4, 5);
static void vm_log(int level, const char *message_id, Vm *v, const char *fmt, ...) {
        char msg[512], f1[160], f2[32];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        snprintf(f1, sizeof f1, "VNETTUNE_VM=%s", v->snap.name);
        snprintf(f2, sizeof f2, "VNETTUNE_PID=%d", (int) v->pid);
        char *fields[] = { f1, f2, NULL };
        log_struct_fields(level, 0, message_id, fields, "%s", msg);
}

static void vm_remove(Manager *m, Vm *v) {
        vm_log(LOG_INFO, VNT_MESSAGE_VM_GONE, v, "VM %s (pid %d) is gone.", v->snap.name, (int) v->pid);
        if (v->exported)
                host_bus_vm_removed(m, v);
        for (size_t i = 0; i < m->n_vms; i++)
                if (m->vms[i] == v) {
                        memmove(m->vms + i, m->vms + i + 1, (m->n_vms - i - 1) * sizeof(Vm *));
                        m->n_vms--;
                        break;
                }
        /* Its threads died with it: nothing left to restore. */
        (void) originals_forget_all(&v->originals);
        for (size_t i = 0; i < m->n_links; i++)
                if (m->links[i]->t.vm_pid == v->pid) {
                        m->links[i]->t.vm_pid = 0;
                        m->links[i]->t.vm_name = NULL;
                        host_bus_link_changed(m, m->links[i]);
                }
        vm_free(v);
        m->placement_dirty = true;
        m->tier_dirty = true;
}

/* libvirt pins vCPU threads right after QEMU creates and names them, and the kernel reports no
 * affinity change: read every VM once more a moment after its threads last changed, so placement
 * sees the final vCPU CPUs. One-shot, re-armed only by thread events: no polling. */
#define SETTLE_USEC (2 * 1000000ULL)

static int on_settle(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        for (size_t i = 0; i < m->n_vms; i++)
                m->vms[i]->dirty = true;
        manager_schedule(m);
        return 0;
}

static void manager_arm_settle(Manager *m) {
        int r;

        if (!m->settle_source) {
                r = sd_event_add_time_relative(m->event, &m->settle_source, CLOCK_MONOTONIC, SETTLE_USEC, 0,
                                               on_settle, m);
                if (r < 0)
                        return;
                (void) sd_event_source_set_description(m->settle_source, "vm-settle");
        } else {
                (void) sd_event_source_set_time_relative(m->settle_source, SETTLE_USEC);
        }
        (void) sd_event_source_set_enabled(m->settle_source, SD_EVENT_ONESHOT);
}

static void vm_mark(Manager *m, Vm *v) {
        v->dirty = true;
        manager_schedule(m);
}

static void add_candidate(Manager *m, pid_t pid) {
        pid_t *t;

        for (size_t i = 0; i < m->n_candidates; i++)
                if (m->candidates[i] == pid)
                        return;
        t = realloc(m->candidates, (m->n_candidates + 1) * sizeof(pid_t));
        if (!t) {
                /* Cannot remember it: look at everything instead. */
                m->rescan_vms = true;
                manager_schedule(m);
                return;
        }
        m->candidates = t;
        m->candidates[m->n_candidates++] = pid;
        manager_schedule(m);
}

/* fdinfo names a tap but not its network namespace: a VMM in another network namespace (a
 * container's, another test's) is not ours to tune, and of ours keep the taps that exist here.
 * -ENOENT when nothing is left. */
static int vm_keep_local_taps(VmSnapshot *snap) {
        size_t k = 0;
        int r;

        r = procfs_same_netns(NULL, snap->pid);
        if (r < 0)
                return r;
        if (r == 0)
                return -ENOENT;

        for (size_t i = 0; i < snap->n_taps; i++)
                if (if_nametoindex(snap->taps[i].name) > 0)
                        snap->taps[k++] = snap->taps[i];
        snap->n_taps = k;
        return k > 0 ? 0 : -ENOENT;
}

/* Reads a process; adds it as a VM when it holds taps, refreshes or drops a known one. */
static void vm_examine(Manager *m, pid_t pid) {
        VmSnapshot snap = {};
        Vm *v = manager_find_vm(m, pid);
        int r;

        r = procfs_read_vm(NULL, pid, &snap);
        if (r >= 0) {
                r = vm_keep_local_taps(&snap);
                if (r < 0)
                        vm_snapshot_done(&snap);
        }
        if (r < 0) {
                if (v)
                        vm_remove(m, v);
                else if (r != -ESRCH && r != -ENOENT)
                        log_debug_errno(r, "Cannot read process %d: %m, ignoring", (int) pid);
                return;
        }
        if (v) {
                vm_snapshot_done(&v->snap);
                v->snap = snap;
                v->dirty = false;
                host_bus_vm_changed(m, v);
        } else {
                r = vm_new(m, &snap, &v);
                vm_snapshot_done(&snap);
                if (r < 0) {
                        log_oom();
                        return;
                }
                vm_log(LOG_INFO, VNT_MESSAGE_VM_FOUND, v,
                       "Found VM %s (pid %d): %zu taps, %zu vCPU threads%s, %zu vhost workers.", v->snap.name,
                       (int) v->pid, v->snap.n_taps, vm_count_role(&v->snap, THREAD_VCPU),
                       v->snap.tcg ? " (TCG)" : "", vm_count_role(&v->snap, THREAD_VHOST));
                v->exported = true;
                host_bus_vm_added(m, v);
                manager_arm_settle(m);
        }
        m->placement_dirty = true;
        m->tier_dirty = true;
}

static void manager_scan_vms(Manager *m) {
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r;

        r = procfs_find_tap_holders(NULL, &pids, &n);
        if (r < 0) {
                log_warning_errno(r, "Cannot scan processes for taps: %m");
                return;
        }
        for (size_t i = 0; i < n; i++)
                if (!manager_find_vm(m, pids[i]))
                        add_candidate(m, pids[i]);
        /* Known VMs are re-read too: that drops those that let go of their taps. */
        for (size_t i = 0; i < m->n_vms; i++)
                m->vms[i]->dirty = true;
}

/* Which VM holds each tap. */
static void manager_map_taps(Manager *m) {
        for (size_t i = 0; i < m->n_links; i++) {
                HostLink *l = m->links[i];
                pid_t pid = 0;
                const char *name = NULL;

                for (size_t j = 0; j < m->n_vms && pid == 0; j++)
                        for (size_t k = 0; k < m->vms[j]->snap.n_taps; k++)
                                if (streq(m->vms[j]->snap.taps[k].name, l->t.snap.name)) {
                                        pid = m->vms[j]->pid;
                                        name = m->vms[j]->snap.name;
                                        break;
                                }
                if (pid != l->t.vm_pid) {
                        l->t.vm_pid = pid;
                        host_bus_link_changed(m, l);
                }
                l->t.vm_name = name;
        }
}

/* ---- tier and hugepages ---- */

static void manager_update_tier(Manager *m) {
        _cleanup_strv_free_ char **missing = NULL;
        TierFacts f = {};
        Tier tier;
        int r;

        m->tier_dirty = false;
        r = probe_tier_facts(&f);
        if (r < 0)
                log_debug_errno(r, "Probing KVM and vhost-net failed: %m");
        for (size_t i = 0; i < m->n_vms; i++) {
                f.n_vms++;
                if (m->vms[i]->snap.tcg)
                        f.n_vms_tcg++;
                for (size_t k = 0; k < m->vms[i]->snap.n_taps; k++) {
                        f.n_taps++;
                        if (m->vms[i]->snap.taps[k].n_fds > 1)
                                f.n_mq_taps++;
                }
        }
        r = tier_decide(&f, &tier, &missing);
        if (r < 0) {
                log_warning_errno(r, "Cannot decide the tier: %m");
                return;
        }
        bool changed = tier != m->tier || strv_length(missing) != strv_length(m->tier_missing);
        for (size_t i = 0; !changed && missing && missing[i]; i++)
                changed = !streq(missing[i], m->tier_missing[i]);
        m->tier_facts = f;
        if (!changed)
                return;
        m->tier = tier;
        strv_free(m->tier_missing);
        m->tier_missing = TAKE_PTR(missing);

        char f1[32];
        snprintf(f1, sizeof f1, "VNETTUNE_TIER=%s", tier_to_string(tier));
        char *fields[] = { f1, NULL };
        log_struct_fields(tier == TIER_1A ? LOG_INFO : LOG_NOTICE, 0, VNT_MESSAGE_HOST_TIER, fields,
                          "Host tier %s (%u VMs, %u of %u taps multi-queue)%s%s", tier_to_string(tier), f.n_vms,
                          f.n_mq_taps, f.n_taps, strv_length(m->tier_missing) > 0 ? ": " : ".",
                          m->tier_missing && m->tier_missing[0] ? m->tier_missing[0] : "");
        for (size_t i = 1; m->tier_missing && m->tier_missing[i]; i++)
                log_notice("Tier: %s", m->tier_missing[i]);
        host_bus_manager_changed(m);
}

static void manager_update_hugepages(Manager *m) {
        Hugepages h = {};

        (void) procfs_read_hugepages(NULL, &h.total, &h.free, &h.size_kb);
        for (size_t i = 0; i < m->n_vms; i++)
                h.vm_memory_mb += m->vms[i]->snap.memory_mb;
        if (memcmp(&h, &m->hugepages, sizeof h) != 0) {
                m->hugepages = h;
                host_bus_manager_changed(m);
        }
}

/* ---- placement ---- */

static void placement_vms_done(PlacementVm *p, size_t n) {
        for (size_t i = 0; i < n; i++) {
                cpuset_done(&p[i].vcpu_cpus);
                cpuset_done(&p[i].emulator_cpus);
                free(p[i].workers);
        }
        free(p);
}

static int cpuset_union(CpuSet *into, const CpuSet *add) {
        unsigned span = cpuset_span(add);
        int r;

        for (unsigned c = 0; c < span; c++)
                if (cpuset_isset(add, c)) {
                        r = cpuset_set(into, c);
                        if (r < 0)
                                return r;
                }
        return 0;
}

static int placement_input(Manager *m, PlacementVm **ret) {
        PlacementVm *p = calloc(m->n_vms + 1, sizeof(PlacementVm));
        int r;

        if (!p)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_vms; i++) {
                const VmSnapshot *s = &m->vms[i]->snap;

                p[i].pid = s->pid;
                p[i].workers = calloc(s->n_threads + 1, sizeof(pid_t));
                if (!p[i].workers) {
                        placement_vms_done(p, m->n_vms);
                        return -ENOMEM;
                }
                for (size_t k = 0; k < s->n_threads; k++) {
                        const VmThread *t = &s->threads[k];

                        if (t->role == THREAD_VHOST)
                                p[i].workers[p[i].n_workers++] = t->tid;
                        r = cpuset_union(t->role == THREAD_VCPU ? &p[i].vcpu_cpus : &p[i].emulator_cpus,
                                         &t->affinity);
                        if (t->role == THREAD_VHOST)
                                r = 0;  /* a worker's own affinity is what we set, not an input */
                        if (r < 0) {
                                placement_vms_done(p, m->n_vms);
                                return r;
                        }
                }
        }
        *ret = p;
        return 0;
}

static const VmThread *vm_thread(const Vm *v, pid_t tid) {
        for (size_t k = 0; k < v->snap.n_threads; k++)
                if (v->snap.threads[k].tid == tid)
                        return &v->snap.threads[k];
        return NULL;
}

/* The placement as a plan per VM (affinity actions), computed from the current snapshots. */
static int placement_plans(Manager *m, Plan **ret) {
        PlacementVm *in = NULL;
        Placement pl = {};
        Plan *plans;
        int r;

        plans = calloc(m->n_vms + 1, sizeof(Plan));
        if (!plans)
                return -ENOMEM;
        if (m->placement_mode == PLACEMENT_OFF || m->n_vms == 0) {
                *ret = plans;
                return 0;
        }
        r = placement_input(m, &in);
        if (r >= 0)
                r = placement_compute(&m->topology, m->placement_mode, &m->placement_list, in, m->n_vms, &pl);
        if (r < 0)
                goto fail;
        for (size_t i = 0; i < pl.n; i++) {
                const PlacementResult *res = &pl.results[i];
                Vm *v = manager_find_vm(m, res->vm);
                const VmThread *t = v ? vm_thread(v, res->tid) : NULL;
                size_t vi;

                if (!t)
                        continue;
                for (vi = 0; vi < m->n_vms && m->vms[vi] != v; vi++)
                        ;
                v->node = res->node;
                if (!streq_ptr(v->placement_why, res->why)) {
                        char why[160];

                        if (res->node >= 0)
                                snprintf(why, sizeof why, "node %d: %s", res->node, res->why);
                        else
                                snprintf(why, sizeof why, "%s", res->why);
                        (void) free_and_strdup(&v->placement_why, why);
                }
                r = plan_affinity(res->tid, &t->affinity, &res->cpus, &plans[vi]);
                if (r < 0)
                        goto fail;
        }
        placement_done(&pl);
        placement_vms_done(in, m->n_vms);
        *ret = plans;
        return 0;
fail:
        placement_done(&pl);
        if (in)
                placement_vms_done(in, m->n_vms);
        for (size_t i = 0; i < m->n_vms; i++)
                plan_done(&plans[i]);
        free(plans);
        return r;
}

static void manager_place_workers(Manager *m) {
        KernelOps ops = host_ops();
        Plan *plans = NULL;
        int r;

        m->placement_dirty = false;
        if (m->suspended_placement && m->placement_reason != REASON_API && m->placement_reason != REASON_RELOAD)
                return;
        m->suspended_placement = false;
        r = placement_plans(m, &plans);
        if (r < 0) {
                log_warning_errno(r, "Computing the vhost worker placement failed: %m");
                return;
        }
        for (size_t i = 0; i < m->n_vms; i++) {
                Vm *v = m->vms[i];
                AuditTarget at = {
                        .vm_name = v->snap.name,
                        .vm_pid = v->pid,
                        .reason = m->placement_reason == REASON_NONE ? REASON_HOTPLUG : m->placement_reason,
                        .uid = m->placement_uid,
                };
                size_t n_done = 0;

                if (plans[i].n == 0)
                        continue;
                r = tuner_execute(&ops, &m->kernel, 0, NULL, &plans[i], &v->originals);
                if (r < 0) {
                        log_oom();
                        break;
                }
                for (size_t k = 0; k < plans[i].n; k++) {
                        Action *a = &plans[i].actions[k];

                        /* A worker that exited between the scan and now is no error: re-read the VM. */
                        if (a->result == -ESRCH) {
                                vm_mark(m, v);
                                continue;
                        }
                        if (audit_action(&at, a, &v->reported, NULL) > 0)
                                n_done++;
                }
                if (n_done > 0) {
                        v->last_change_usec = now_realtime_usec();
                        /* Read back what the kernel has now. */
                        vm_mark(m, v);
                }
                host_bus_vm_changed(m, v);
        }
        for (size_t i = 0; i < m->n_vms; i++)
                plan_done(&plans[i]);
        free(plans);
        m->placement_reason = REASON_NONE;
}

/* ---- sysctls ---- */

static void manager_reconcile_sysctls(Manager *m) {
        Reason reason = m->sysctl_reason;

        m->sysctl_reason = REASON_NONE;
        tuner_apply_sysctls(&m->kernel, &m->policy.daemon, &m->sysctl_originals, reason, m->sysctl_api_uid,
                            &m->sysctl_reported);
        host_bus_manager_changed(m);
}

/* ---- reconcile ---- */

static void manager_reconcile(Manager *m) {
        if (m->rescan_vms) {
                m->rescan_vms = false;
                manager_scan_vms(m);
        }
        while (m->n_candidates > 0)
                vm_examine(m, m->candidates[--m->n_candidates]);
        for (size_t i = 0; i < m->n_vms;) {
                Vm *v = m->vms[i];
                size_t n = m->n_vms;

                if (v->dirty)
                        vm_examine(m, v->pid);
                if (m->n_vms == n)      /* not removed */
                        i++;
        }
        manager_map_taps(m);
        if (m->tier_dirty)
                manager_update_tier(m);
        if (m->placement_dirty)
                manager_place_workers(m);
        if (m->sysctl_reason != REASON_NONE)
                manager_reconcile_sysctls(m);
        /* Ports before bridges: a port's MTU follows its bridge's policy, not its current MTU. */
        for (int pass = 0; pass < 2; pass++)
                for (size_t i = 0; i < m->n_links; i++) {
                        HostLink *l = m->links[i];
                        bool bridge = streq(l->t.snap.kind, "bridge");

                        if (l->t.reason != REASON_NONE && bridge == (pass == 1))
                                host_link_reconcile(m, l);
                }
        manager_update_hugepages(m);
        /* Placement changes are read back (vm_mark) in the next iteration. */
        host_bus_flush(m);
}

static int on_reconcile(sd_event_source *s, void *userdata) {
        manager_reconcile(userdata);
        return 0;
}

static void manager_mark_all(Manager *m, Reason reason) {
        for (size_t i = 0; i < m->n_links; i++)
                tuned_link_mark(&m->links[i]->t, reason);
        for (size_t i = 0; i < m->n_vms; i++)
                m->vms[i]->dirty = true;
        if (reason > m->sysctl_reason)
                m->sysctl_reason = reason;
        if (reason > m->placement_reason)
                m->placement_reason = reason;
        m->placement_dirty = true;
        m->tier_dirty = true;
        manager_schedule(m);
}

/* ---- udev ---- */

static void manager_process_net_device(Manager *m, struct udev_device *d, const char *action, Reason reason) {
        int ifindex = udev_device_ifindex(d);
        HostLink *l;

        if (ifindex <= 0)
                return;
        l = manager_find_link(m, ifindex);
        if (action && streq(action, "remove")) {
                if (l)
                        host_link_remove(m, l);
                return;
        }
        if (streq_ptr(udev_device_get_sysname(d), "lo"))
                return;
        if (!l) {
                if (host_link_new(m, ifindex, &l) < 0) {
                        log_oom();
                        return;
                }
        }
        snprintf(l->t.snap.name, sizeof l->t.snap.name, "%s", udev_device_get_sysname(d));
        if (m->have_udevd && udev_device_get_is_initialized(d) <= 0)
                return;
        if (!l->initialized) {
                l->initialized = true;
                host_link_mark(m, l, reason);
                /* A new tap: the VMM holding it may be one we do not know yet (libvirt created it first). */
                m->rescan_vms = true;
        } else
                host_link_mark(m, l, REASON_DRIFT);
}

static int manager_enumerate(Manager *m);

/* Events were lost: find every link again, drop the ones that are gone, rescan the VMs. */
static void manager_resync(void *userdata) {
        Manager *m = userdata;

        log_warning("udev events were lost (the monitor's socket overflowed): resynchronising.");
        (void) manager_enumerate(m);
        for (size_t i = 0; i < m->n_links;) {
                HostLink *l = m->links[i];

                if (!if_indextoname((unsigned) l->t.ifindex, (char[IF_NAMESIZE]) {})) {
                        host_link_remove(m, l);
                        continue;
                }
                i++;
        }
        m->rescan_vms = true;
        manager_mark_all(m, REASON_DRIFT);
}

static void on_udev_device(struct udev_device *d, void *userdata) {
        Manager *m = userdata;
        const char *subsystem = udev_device_get_subsystem(d), *action = udev_device_get_action(d);

        if (streq_ptr(subsystem, "net"))
                manager_process_net_device(m, d, action, REASON_HOTPLUG);
        else if (streq_ptr(subsystem, "module") && streq_ptr(action, "add")) {
                /* br_netfilter (or any module) may have brought sysctl keys and vhost_net a tier. */
                log_debug("Module %s loaded: re-checking sysctls and tier.", udev_device_get_sysname(d));
                strv_free(m->sysctl_reported);
                m->sysctl_reported = NULL;
                if (m->sysctl_reason < REASON_HOTPLUG)
                        m->sysctl_reason = REASON_HOTPLUG;
                m->tier_dirty = true;
                manager_schedule(m);
        } else if (streq_ptr(subsystem, "cpu") && udev_cpu_event_changes_online(action)) {
                /* The workers' places come from the CPUs online per node: compute them again. */
                CpuTopology t = {};
                int r = topology_read(NULL, &t);

                if (r < 0) {
                        log_warning_errno(r, "CPU %s %s, but the CPU topology cannot be read: %m; keeping the "
                                          "previous one", strna(udev_device_get_sysname(d)), action);
                        return;
                }
                log_info("CPU %s %s: placing the vhost workers again.", strna(udev_device_get_sysname(d)), action);
                topology_done(&m->topology);
                m->topology = t;
                /* The kernel has moved threads off an offlined CPU (their affinity widened): read the
                 * VMs' threads again before placing. */
                for (size_t i = 0; i < m->n_vms; i++)
                        m->vms[i]->dirty = true;
                if (m->placement_reason < REASON_CPU)
                        m->placement_reason = REASON_CPU;
                m->placement_dirty = true;
                manager_schedule(m);
        } else if (streq_ptr(subsystem, "misc")) {
                m->tier_dirty = true;   /* /dev/kvm, /dev/vhost-net */
                manager_schedule(m);
        } else if (streq_ptr(subsystem, "queues")) {
                /* A tap's active queues follow the guest's channels: re-read it. */
                char name[IFNAMSIZ];
                HostLink *l;

                if (udev_queue_event_ifname(d, name, sizeof name) >= 0 &&
                    (l = manager_find_link_by_name(m, name)) && l->initialized)
                        host_link_mark(m, l, REASON_DRIFT);
        }
}

static int on_udev(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;

        udev_monitor_dispatch(m->monitor, on_udev_device, manager_resync, m);
        return 0;
}

static void enumerated_net_device(struct udev_device *d, void *userdata) {
        manager_process_net_device(userdata, d, NULL, REASON_BOOT);
}

static int manager_enumerate(Manager *m) {
        return udev_enumerate_net(m->udev, enumerated_net_device, m);
}

/* ---- netlink and process events ---- */

static void on_ethtool_event(int ifindex, EthtoolEvent ev, const Channels *channels,
                             const OffloadState *offloads, void *userdata) {
        Manager *m = userdata;
        HostLink *l = manager_find_link(m, ifindex);

        if (l && l->initialized && !l->ignored && ev != ETHTOOL_EVENT_OTHER &&
            !tuned_link_ethtool_ntf_is_echo(&l->t, channels, offloads))
                host_link_mark(m, l, REASON_DRIFT);
}

static int on_ethtool(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        int r = ethtool_monitor_receive(m->ethtool_monitor, on_ethtool_event, m);

        if (r == -ENOBUFS)
                manager_mark_all(m, REASON_DRIFT);
        else if (r < 0)
                log_debug_errno(r, "ethtool monitor read failed: %m, ignoring");
        return 0;
}

static void on_rtnl_event(int ifindex, RtnlEvent ev, const char *name, uint32_t mtu, void *userdata) {
        Manager *m = userdata;
        HostLink *l = manager_find_link(m, ifindex);

        if (!l || !l->initialized || l->ignored || ev != RTNL_EVENT_NEW)
                return;
        /* MTU, txqueuelen, bridge membership or a rename: re-read and compare with the policy. */
        host_link_mark(m, l, REASON_DRIFT);
        if (streq(l->t.snap.kind, "bridge"))
                mark_ports(m, l, REASON_DRIFT);
}

static int on_rtnl(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        int r = rtnl_monitor_receive(m->rtnl_monitor, on_rtnl_event, m);

        if (r == -ENOBUFS)
                manager_mark_all(m, REASON_DRIFT);
        else if (r < 0)
                log_debug_errno(r, "rtnetlink monitor read failed: %m, ignoring");
        return 0;
}

static void on_proc_event(ProcEventKind kind, pid_t pid, pid_t tid, void *userdata) {
        Manager *m = userdata;
        Vm *v;

        if (pid <= 0)
                return;
        v = manager_find_vm(m, pid);
        switch (kind) {
        case PROC_EVENT_KIND_EXIT:
                if (v && tid == pid) {
                        vm_remove(m, v);
                        manager_schedule(m);
                } else if (v)
                        vm_mark(m, v);
                break;
        case PROC_EVENT_KIND_FORK:
        case PROC_EVENT_KIND_COMM:
        case PROC_EVENT_KIND_EXEC:
                /* New or renamed threads of a VM (QEMU names its vCPU threads after creating
                 * them); an unknown process that exec'd or names threads may be a new VMM. */
                if (v) {
                        vm_mark(m, v);
                        manager_arm_settle(m);
                } else if (kind != PROC_EVENT_KIND_FORK || tid == pid)
                        add_candidate(m, pid);
                break;
        default:
                break;
        }
}

static int on_proc(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        int r = proc_events_receive(m->proc_events, on_proc_event, m);

        if (r == -ENOBUFS) {
                log_debug("Process events were lost: rescanning.");
                m->rescan_vms = true;
                manager_schedule(m);
        } else if (r < 0)
                log_debug_errno(r, "Process events read failed: %m, ignoring");
        return 0;
}

/* Opens the proc connector, in another network namespace when asked (tests run the daemon in a
 * scratch namespace, but the connector serves only the initial one). */
static int manager_open_proc_events(Manager *m) {
        _cleanup_close_ int self = -EBADF, target = -EBADF;
        int r, k;

        if (!m->proc_events_netns)
                return proc_events_new(&m->proc_events);

        self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        target = open(m->proc_events_netns, O_RDONLY | O_CLOEXEC);
        if (self < 0 || target < 0)
                return negative_errno();
        if (setns(target, CLONE_NEWNET) < 0)
                return negative_errno();
        r = proc_events_new(&m->proc_events);
        k = setns(self, CLONE_NEWNET) < 0 ? negative_errno() : 0;
        if (k < 0) {
                /* Stuck in the wrong namespace would mean tuning the wrong devices. */
                log_error_errno(k, "Cannot return to our network namespace: %m");
                abort();
        }
        return r;
}

/* ---- policy ---- */

static void manager_apply_placement_config(Manager *m) {
        const char *s = m->policy.daemon.vhost_placement;

        free(m->placement_error);
        m->placement_error = NULL;
        cpuset_done(&m->placement_list);
        m->placement_mode = PLACEMENT_NUMA;
        if (!s)
                return;
        PlacementMode mode = placement_mode_from_string(s);
        if (mode >= 0 && mode != PLACEMENT_LIST) {
                m->placement_mode = mode;
                return;
        }
        CpuSet list = CPUSET_NULL, bad = CPUSET_NULL;
        if (cpuset_parse_list(s, &list) < 0 || cpuset_is_empty(&list)) {
                (void) asprintf(&m->placement_error, "VhostPlacement=%s is neither a mode nor a CPU list", s);
        } else {
                for (unsigned c = 0; c < cpuset_span(&list); c++)
                        if (cpuset_isset(&list, c) && !cpuset_isset(&m->topology.online, c))
                                (void) cpuset_set(&bad, c);
                if (!cpuset_is_empty(&bad)) {
                        _cleanup_free_ char *b = NULL, *on = NULL;

                        (void) cpuset_format_list(&bad, &b);
                        (void) cpuset_format_list(&m->topology.online, &on);
                        (void) asprintf(&m->placement_error,
                                        "VhostPlacement=%s names CPUs that do not exist or are offline (%s; online: %s)",
                                        s, strna(b), strna(on));
                } else {
                        m->placement_mode = PLACEMENT_LIST;
                        m->placement_list = list;
                        list = CPUSET_NULL;
                }
        }
        cpuset_done(&list);
        cpuset_done(&bad);
        if (m->placement_error)
                log_error("%s; placing vhost workers by NUMA node instead.", m->placement_error);
}

static int manager_load_policy(Manager *m) {
        ConfDiagnostics diag = {};
        Policy p = {};
        int r;

        r = conf_load_policy(m->config_root, "hostd", &p, &diag);
        strv_free(m->config_warnings);
        m->config_warnings = NULL;
        audit_config_diagnostics(&diag, &m->config_warnings);
        conf_diagnostics_done(&diag);
        if (r < 0) {
                policy_done(&p);
                return log_error_errno(r, "Failed to load the policy: %m");
        }
        policy_done(&m->policy);
        m->policy = p;
        for (size_t i = 0; i < m->n_links; i++)
                m->links[i]->policy = NULL;     /* resolved again at reconcile */
        strv_free(m->sysctl_reported);
        m->sysctl_reported = NULL;
        manager_apply_placement_config(m);
        return 0;
}

int manager_reload(Manager *m, Reason reason, uint32_t uid) {
        int r;

        log_info("Reloading policy (%s).", reason_to_string(reason));
        r = manager_load_policy(m);
        if (r < 0) {
                log_warning("Keeping the last good policy.");
                return r;
        }
        for (size_t i = 0; i < m->n_links; i++) {
                tuned_link_reset_reported(&m->links[i]->t);
                m->links[i]->t.api_uid = uid;
        }
        for (size_t i = 0; i < m->n_vms; i++) {
                strv_free(m->vms[i]->reported);
                m->vms[i]->reported = NULL;
        }
        m->sysctl_api_uid = uid;
        m->placement_uid = uid;
        manager_mark_all(m, reason);
        manager_reconcile(m);
        host_bus_manager_changed(m);
        return 0;
}

/* ---- API operations ---- */

static int plan_append(Plan *all, int **idx, Plan *p, int ifindex) {
        Action *t = realloc(all->actions, (all->n + p->n + 1) * sizeof(Action));
        int *ti;

        if (!t)
                return -ENOMEM;
        all->actions = t;
        ti = realloc(*idx, (all->n + p->n + 1) * sizeof(int));
        if (!ti)
                return -ENOMEM;
        *idx = ti;
        for (size_t j = 0; j < p->n; j++) {
                (*idx)[all->n] = ifindex;
                all->actions[all->n++] = p->actions[j];
        }
        free(p->actions);
        *p = (Plan) {};
        return 0;
}

int manager_plan(Manager *m, int ifindex, Plan *ret, int **ret_ifindexes) {
        Plan all = {}, p = {};
        int *idx = NULL;
        int r = 0;

        for (size_t i = 0; i < m->n_links && r >= 0; i++) {
                HostLink *l = m->links[i];

                if ((ifindex > 0 && l->t.ifindex != ifindex) || !l->initialized || l->ignored)
                        continue;
                if (tuned_link_refresh(&l->t, &m->kernel) < 0)
                        continue;
                host_link_resolve(m, l);
                if (!l->have_effective)
                        continue;
                r = plan_link(&l->t.snap, &l->effective, &m->topology.online, &p);
                if (r >= 0)
                        r = plan_append(&all, &idx, &p, l->t.ifindex);
        }
        if (r >= 0 && ifindex <= 0) {
                r = tuner_plan_sysctls(&m->policy.daemon, &p);
                if (r >= 0)
                        r = plan_append(&all, &idx, &p, 0);
        }
        if (r >= 0 && ifindex <= 0) {
                Plan *plans = NULL;

                /* Thread affinity has no change event: read the VMs as they are now. That is a
                 * look, not a finding to act on: a dry run must not make the next reconcile move
                 * anything it would not have moved anyway. */
                bool placement_dirty = m->placement_dirty, tier_dirty = m->tier_dirty;

                for (size_t i = 0; i < m->n_vms;) {
                        size_t n = m->n_vms;

                        vm_examine(m, m->vms[i]->pid);
                        if (m->n_vms == n)
                                i++;
                }
                m->placement_dirty = placement_dirty;
                m->tier_dirty = tier_dirty;
                r = placement_plans(m, &plans);
                for (size_t i = 0; r >= 0 && i < m->n_vms; i++)
                        r = plan_append(&all, &idx, &plans[i], 0);
                for (size_t i = 0; plans && i < m->n_vms; i++)
                        plan_done(&plans[i]);
                free(plans);
        }
        plan_done(&p);
        if (r < 0) {
                plan_done(&all);
                free(idx);
                return r;
        }
        *ret = all;
        *ret_ifindexes = idx;
        return 0;
}

int manager_apply(Manager *m, int ifindex, uint32_t uid) {
        if (ifindex > 0) {
                HostLink *l = manager_find_link(m, ifindex);

                if (!l || l->ignored)
                        return -ENODEV;
                l->t.api_uid = uid;
                tuned_link_reset_reported(&l->t);
                host_link_mark(m, l, REASON_API);
        } else {
                for (size_t i = 0; i < m->n_links; i++) {
                        m->links[i]->t.api_uid = uid;
                        tuned_link_reset_reported(&m->links[i]->t);
                }
                m->sysctl_api_uid = uid;
                m->placement_uid = uid;
                manager_mark_all(m, REASON_API);
        }
        manager_reconcile(m);
        return 0;
}

/* Restores the recorded affinities of one VM's workers that are still alive. */
static int vm_revert(Manager *m, Vm *v, uint32_t uid, char **errors) {
        KernelOps ops = host_ops();
        AuditTarget at = { .vm_name = v->snap.name, .vm_pid = v->pid, .reason = REASON_API, .uid = uid };
        char **settings = calloc(v->originals.n + 1, sizeof(char *));
        char **values = calloc(v->originals.n + 1, sizeof(char *));
        NetdevSnapshot none = {};
        Plan plan = {};
        size_t n = 0;
        int r, n_failed = 0;

        if (!settings || !values) {
                free(settings);
                free(values);
                return -ENOMEM;
        }
        for (size_t i = 0; i < v->originals.n; i++) {
                const char *s = v->originals.settings[i];
                CpuSet cur = CPUSET_NULL, orig = CPUSET_NULL;
                int tid = strncmp(s, "affinity:", 9) == 0 ? atoi(s + 9) : 0;
                bool same;

                if (tid <= 0 || procfs_get_affinity(tid, &cur) < 0)
                        continue;       /* the thread is gone: nothing to restore */
                same = cpuset_parse_list(v->originals.values[i], &orig) >= 0 && cpuset_equal(&cur, &orig);
                cpuset_done(&cur);
                cpuset_done(&orig);
                if (same)
                        continue;
                settings[n] = v->originals.settings[i];
                values[n++] = v->originals.values[i];
        }
        r = plan_revert(&none, settings, values, n, &plan);
        free(settings);
        free(values);
        if (r < 0)
                return r;
        /* The planner saw no threads: fill in where each worker is now, for the journal. */
        for (size_t i = 0; i < plan.n; i++) {
                CpuSet cur = CPUSET_NULL;
                char *s = NULL;

                if (procfs_get_affinity(plan.actions[i].affinity.tid, &cur) >= 0 &&
                    cpuset_format_list(&cur, &s) >= 0) {
                        free(plan.actions[i].current);
                        plan.actions[i].current = s;
                }
                cpuset_done(&cur);
        }
        executor_run(&ops, &m->kernel, 0, NULL, &plan);
        for (size_t i = 0; i < plan.n; i++)
                if (plan.actions[i].result != -ESRCH && audit_revert(&at, &plan.actions[i], errors) < 0)
                        n_failed++;
        plan_done(&plan);
        if (n_failed == 0)
                (void) originals_forget_all(&v->originals);
        vm_mark(m, v);
        return n_failed;
}

static int manager_revert_sysctls(Manager *m, uint32_t uid, char **errors) {
        return tuner_revert_sysctls(&m->kernel, &m->sysctl_originals, uid, errors);
}

int manager_revert(Manager *m, int ifindex, uint32_t uid, char **ret_error) {
        int r, n_failed = 0;

        if (ifindex > 0) {
                HostLink *l = manager_find_link(m, ifindex);

                if (!l || l->ignored)
                        return -ENODEV;
                r = tuned_link_revert(&l->t, &m->kernel, uid, ret_error);
                host_bus_link_changed(m, l);
                host_bus_flush(m);
                return r < 0 ? r : r > 0 ? -EIO : 0;
        }
        for (size_t i = 0; i < m->n_links; i++) {
                if (m->links[i]->ignored)
                        continue;
                r = tuned_link_revert(&m->links[i]->t, &m->kernel, uid, ret_error);
                host_bus_link_changed(m, m->links[i]);
                if (r != 0)
                        n_failed++;
        }
        for (size_t i = 0; i < m->n_vms; i++)
                if (vm_revert(m, m->vms[i], uid, ret_error) != 0)
                        n_failed++;
        m->suspended_placement = true;
        if (manager_revert_sysctls(m, uid, ret_error) != 0)
                n_failed++;
        host_bus_manager_changed(m);
        host_bus_flush(m);
        return n_failed > 0 ? -EIO : 0;
}

/* ---- diagnosis ---- */

typedef struct HostDiagWorker {
        pid_t vm, tid;
        uint64_t ticks0;
} HostDiagWorker;

typedef struct HostDiag {
        Manager *m;
        struct HostDiag *next;
        pid_t pid;
        uint64_t window_usec;
        diagnose_done_t done;
        void *userdata;
        sd_event_source *timer;
        HostDiagWorker *workers;
        size_t n_workers;
} HostDiag;

static void host_diag_free(HostDiag *d) {
        for (HostDiag **p = &d->m->diagnoses; *p; p = &(*p)->next)
                if (*p == d) {
                        *p = d->next;
                        break;
                }
        sd_event_source_disable_unref(d->timer);
        free(d->workers);
        free(d);
}

static int cpuset_union_threads(const Vm *v, ThreadRole role, CpuSet *ret) {
        int r;

        for (size_t k = 0; k < v->snap.n_threads; k++)
                if (v->snap.threads[k].role == role) {
                        r = cpuset_union(ret, &v->snap.threads[k].affinity);
                        if (r < 0)
                                return r;
                }
        return 0;
}

static bool m_has_numa(Manager *m) {
        return m->topology.n_nodes > 1;
}

static int diag_vm(HostDiag *d, Vm *v, Findings *f) {
        CpuSet vcpus = CPUSET_NULL, workers = CPUSET_NULL;
        HostVmEvidence e = {
                .name = v->snap.name,
                .pid = (int) v->pid,
                .n_vcpus = (unsigned) vm_count_role(&v->snap, THREAD_VCPU),
                .n_workers = (unsigned) vm_count_role(&v->snap, THREAD_VHOST),
                .window_usec = d->window_usec,
                .user_hz = (unsigned) sysconf(_SC_CLK_TCK),
                .sampled = d->window_usec > 0,
        };
        size_t before = f->n;
        int r;

        for (size_t k = 0; k < v->snap.n_taps; k++) {
                e.n_queues += v->snap.taps[k].n_fds;
                e.n_single_queue_taps += v->snap.taps[k].n_fds == 1;
        }
        for (size_t i = 0; i < d->n_workers; i++) {
                uint64_t t1;

                if (d->workers[i].vm != v->pid)
                        continue;
                if (procfs_thread_ticks(v->pid, d->workers[i].tid, &t1) < 0) {
                        e.sampled = false;      /* a worker left: no honest figure */
                        continue;
                }
                e.worker_ticks += t1 - MIN(t1, d->workers[i].ticks0);
        }
        r = cpuset_union_threads(v, THREAD_VCPU, &vcpus);
        if (r >= 0)
                r = cpuset_union_threads(v, THREAD_VHOST, &workers);
        if (r >= 0) {
                e.vcpu_cpus = &vcpus;
                e.worker_cpus = &workers;
                if (m_has_numa(d->m) && v->node >= 0 && (unsigned) v->node < d->m->topology.n_nodes)
                        e.node_cpus_vcpus = &d->m->topology.node_cpus[v->node];
                else if (!cpuset_is_empty(&d->m->topology.online))
                        e.node_cpus_vcpus = &d->m->topology.online;
                r = diag_host_vm(&e, f);
        }
        for (size_t k = before; r >= 0 && k < f->n; k++)
                if (f->items[k].severity >= SEVERITY_WARNING)
                        audit_finding(&f->items[k], NULL, 0, v->snap.name, v->pid);
        cpuset_done(&vcpus);
        cpuset_done(&workers);
        return r;
}

static void host_diag_finish(HostDiag *d) {
        Manager *m = d->m;
        Findings f = {};
        int r = 0;

        manager_reconcile(m);   /* VMs, links and tier as they are now */
        for (size_t i = 0; i < m->n_vms && r >= 0; i++)
                if (d->pid == 0 || m->vms[i]->pid == d->pid)
                        r = diag_vm(d, m->vms[i], &f);

        for (size_t i = 0; i < m->n_links && r >= 0; i++) {
                HostLink *l = m->links[i], *br = NULL, *up = NULL;

                if (l->ignored || !streq(l->t.snap.kind, "tun") ||
                    (d->pid != 0 && l->t.vm_pid != d->pid))
                        continue;
                if (l->t.snap.master_ifindex > 0)
                        br = manager_find_link(m, l->t.snap.master_ifindex);
                for (size_t k = 0; br && k < m->n_links && !up; k++)
                        if (m->links[k]->t.snap.master_ifindex == br->t.ifindex &&
                            !streq(m->links[k]->t.snap.kind, "tun") && !streq(m->links[k]->t.snap.kind, "macvtap"))
                                up = m->links[k];
                HostLinkPathEvidence e = {
                        .tap = l->t.snap.name,
                        .tap_mtu = l->t.snap.mtu,
                        .bridge = br ? br->t.snap.name : NULL,
                        .bridge_mtu = br ? br->t.snap.mtu : 0,
                        .uplink = up ? up->t.snap.name : NULL,
                        .uplink_mtu = up ? up->t.snap.mtu : 0,
                };
                size_t before = f.n;
                r = diag_host_link_path(&e, &f);
                for (size_t k = before; r >= 0 && k < f.n; k++)
                        audit_finding(&f.items[k], l->t.snap.name, l->t.ifindex, l->t.vm_name, l->t.vm_pid);
        }

        if (r >= 0 && d->pid == 0) {
                static const char *const keys[3] = {
                        "net.bridge.bridge-nf-call-iptables",
                        "net.bridge.bridge-nf-call-ip6tables",
                        "net.bridge.bridge-nf-call-arptables",
                };
                HostSystemEvidence e = {
                        .tier_missing = m->tier_missing,
                        .hugepages_total = m->hugepages.total,
                        .hugepages_size_kb = m->hugepages.size_kb,
                        .vm_memory_mb = m->hugepages.vm_memory_mb,
                };
                for (unsigned i = 0; i < 3; i++) {
                        _cleanup_free_ char *v = NULL;

                        e.bridge_nf[i] = sysctl_read(keys[i], &v) < 0 ? -1 : streq(v, "0") ? 0 : 1;
                }
                size_t before = f.n;
                r = diag_host_system(&e, &f);
                for (size_t k = before; r >= 0 && k < f.n; k++)
                        if (f.items[k].severity >= SEVERITY_WARNING)
                                audit_finding(&f.items[k], NULL, 0, NULL, 0);
        }
        log_info("Diagnosis over %.1f s: %zu findings, %zu warnings or worse.", (double) d->window_usec / 1e6, f.n,
                 findings_count_at_least(&f, SEVERITY_WARNING));
        d->done(m, r, &f, d->userdata);
        findings_done(&f);
        host_diag_free(d);
}

static int on_host_diag_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        host_diag_finish(userdata);
        return 0;
}

int manager_diagnose(Manager *m, pid_t pid, uint64_t window_usec, diagnose_done_t done, void *userdata) {
        HostDiag *d;
        size_t n = 0;
        int r;

        if (pid > 0 && !manager_find_vm(m, pid))
                return -ESRCH;
        d = calloc(1, sizeof *d);
        if (!d)
                return -ENOMEM;
        *d = (HostDiag) { .m = m, .pid = pid, .window_usec = window_usec, .done = done, .userdata = userdata,
                          .next = m->diagnoses };
        m->diagnoses = d;
        for (size_t i = 0; i < m->n_vms; i++)
                n += vm_count_role(&m->vms[i]->snap, THREAD_VHOST);
        d->workers = calloc(n + 1, sizeof(HostDiagWorker));
        if (!d->workers) {
                host_diag_free(d);
                return -ENOMEM;
        }
        for (size_t i = 0; i < m->n_vms; i++) {
                Vm *v = m->vms[i];

                if (pid != 0 && v->pid != pid)
                        continue;
                for (size_t k = 0; k < v->snap.n_threads; k++) {
                        HostDiagWorker *w = &d->workers[d->n_workers];

                        if (v->snap.threads[k].role != THREAD_VHOST)
                                continue;
                        w->vm = v->pid;
                        w->tid = v->snap.threads[k].tid;
                        if (procfs_thread_ticks(v->pid, w->tid, &w->ticks0) >= 0)
                                d->n_workers++;
                }
        }
        if (window_usec == 0) {
                host_diag_finish(d);
                return 0;
        }
        r = sd_event_add_time_relative(m->event, &d->timer, CLOCK_MONOTONIC, window_usec, 0, on_host_diag_timer, d);
        if (r < 0) {
                host_diag_free(d);
                return r;
        }
        (void) sd_event_source_set_description(d->timer, "diagnose-window");
        return 0;
}

/* ---- lifecycle ---- */

static int on_signal_term(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        if (m->policy.daemon.revert_on_stop) {
                log_info("Stopping: RevertOnStop=yes, restoring every original value.");
                (void) manager_revert(m, 0, 0, NULL);
        }
        sd_notify(false, "STOPPING=1");
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

static int on_signal_hup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        sd_notify(false, "RELOADING=1");
        (void) manager_reload(m, REASON_RELOAD, 0);
        sd_notify(false, "READY=1");
        return 0;
}

int manager_new(const char *config_root, const char *state_dir, Manager **ret) {
        Manager *m;
        int r;

        m = calloc(1, sizeof *m);
        if (!m)
                return -ENOMEM;
        m->tier = _TIER_INVALID;
        if (config_root && !(m->config_root = strdup(config_root)))
                goto oom;
        if (!(m->state_dir = strdup(state_dir ?: "/run/vnettune/hostd")))
                goto oom;
        r = sd_event_default(&m->event);
        if (r < 0) {
                manager_free(m);
                return r;
        }
        *ret = m;
        return 0;
oom:
        manager_free(m);
        return -ENOMEM;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        while (m->diagnoses) {
                HostDiag *d = m->diagnoses;
                d->done(m, -ECANCELED, NULL, d->userdata);
                host_diag_free(d);
        }
        while (m->n_links > 0)
                host_link_free(m->links[--m->n_links]);
        free(m->links);
        while (m->n_vms > 0)
                vm_free(m->vms[--m->n_vms]);
        free(m->vms);
        free(m->candidates);
        sd_event_source_unref(m->udev_source);
        sd_event_source_unref(m->ethtool_source);
        sd_event_source_unref(m->rtnl_source);
        sd_event_source_unref(m->proc_source);
        sd_event_source_unref(m->reconcile_source);
        sd_event_source_unref(m->settle_source);
        bus_keeper_done(&m->bus_keeper);
        sd_bus_flush_close_unref(m->bus);
        udev_monitor_unref(m->monitor);
        udev_unref(m->udev);
        ethtool_monitor_free(m->ethtool_monitor);
        ethtool_nl_free(m->kernel.ethtool);
        rtnl_monitor_free(m->rtnl_monitor);
        rtnl_link_adapter_free(m->kernel.rtnl);
        tuner_kernel_done(&m->kernel);
        proc_events_free(m->proc_events);
        policy_done(&m->policy);
        originals_done(&m->sysctl_originals);
        strv_free(m->config_warnings);
        strv_free(m->sysctl_reported);
        strv_free(m->tier_missing);
        cpuset_done(&m->placement_list);
        topology_done(&m->topology);
        sd_event_unref(m->event);
        free(m->placement_error);
        free(m->proc_events_netns);
        free(m->config_root);
        free(m->state_dir);
        free(m);
        return NULL;
}

static int add_io(Manager *m, sd_event_source **s, int fd, sd_event_io_handler_t cb, const char *name) {
        int r = sd_event_add_io(m->event, s, fd, EPOLLIN, cb, m);

        if (r >= 0)
                (void) sd_event_source_set_description(*s, name);
        return r;
}

static int manager_open_sources(Manager *m) {
        int r;

        r = rtnl_link_adapter_new(&m->kernel.rtnl);
        if (r < 0)
                return log_error_errno(r, "Cannot open rtnetlink: %m");
        r = rtnl_monitor_new(&m->rtnl_monitor);
        if (r < 0)
                return log_error_errno(r, "Cannot subscribe to rtnetlink link events: %m");
        r = add_io(m, &m->rtnl_source, rtnl_monitor_fd(m->rtnl_monitor), on_rtnl, "rtnl-link-monitor");
        if (r < 0)
                return r;

        r = ethtool_nl_new(&m->kernel.ethtool);
        if (r < 0)
                log_warning_errno(r, "ethtool netlink unavailable: %m");
        else if (ethtool_monitor_new(&m->ethtool_monitor) >= 0) {
                r = add_io(m, &m->ethtool_source, ethtool_monitor_fd(m->ethtool_monitor), on_ethtool,
                           "ethtool-monitor");
                if (r < 0)
                        return r;
        }

        r = manager_open_proc_events(m);
        if (r < 0)
                log_warning_errno(r, "The process events connector is unavailable (%m): new VMs are found when "
                                  "their taps appear, thread changes on the next rescan (SIGHUP).");
        else {
                r = add_io(m, &m->proc_source, proc_events_fd(m->proc_events), on_proc, "proc-events");
                if (r < 0)
                        return r;
        }

        m->udev = udev_new();
        if (!m->udev)
                return log_oom();
        r = udev_monitor_open(m->udev, (const char *const[]) { "net", "module", "misc", "queues", "cpu", NULL }, &m->monitor, &m->have_udevd);
        if (r < 0)
                return log_error_errno(r, "Cannot start the udev monitor: %m");
        if (!m->have_udevd)
                log_notice("udevd is not running: acting on kernel events directly.");
        r = add_io(m, &m->udev_source, udev_monitor_get_fd(m->monitor), on_udev, "udev-monitor");
        if (r < 0)
                return r;

        r = sd_event_add_defer(m->event, &m->reconcile_source, on_reconcile, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_priority(m->reconcile_source, SD_EVENT_PRIORITY_IDLE);
        (void) sd_event_source_set_enabled(m->reconcile_source, SD_EVENT_OFF);
        (void) sd_event_source_set_description(m->reconcile_source, "reconcile");
        return 0;
}

/* Drops recorded originals of links and VMs that no longer exist. */
static void manager_prune_state(Manager *m, const char *sub) {
        _cleanup_free_ char *dir = NULL;
        DIR *d;

        if (asprintf(&dir, "%s/%s", m->state_dir, sub) < 0)
                return;
        d = opendir(dir);
        if (!d)
                return;
        for (struct dirent *de; (de = readdir(d));) {
                char *end, path[64];
                long id = strtol(de->d_name, &end, 10);
                bool alive;

                if (de->d_name[0] == '.' || *end || id <= 0)
                        continue;
                if (streq(sub, "links"))
                        alive = manager_find_link(m, (int) id) || if_indextoname((unsigned) id, (char[IF_NAMESIZE]) {});
                else {
                        snprintf(path, sizeof path, "/proc/%ld", id);
                        alive = manager_find_vm(m, (pid_t) id) || access(path, F_OK) >= 0;
                }
                if (!alive)
                        (void) unlinkat(dirfd(d), de->d_name, 0);
        }
        closedir(d);
}

static int bus_setup_cb(void *userdata) {
        return host_bus_setup(userdata);
}

int manager_start(Manager *m) {
        _cleanup_free_ char *sysctl_path = NULL;
        int r;

        r = daemon_setup_event(m->event, on_signal_term, on_signal_hup, m);
        if (r < 0)
                return log_error_errno(r, "Cannot set up signal handling: %m");

        r = topology_read(NULL, &m->topology);
        if (r < 0)
                return log_error_errno(r, "Cannot read the CPU topology: %m");
        r = manager_load_policy(m);
        if (r < 0)
                return r;
        if (asprintf(&sysctl_path, "%s/sysctl", m->state_dir) < 0)
                return log_oom();
        r = tuner_load_originals(sysctl_path, &m->sysctl_originals);
        if (r < 0)
                return log_oom();

        r = manager_open_sources(m);
        if (r < 0)
                return r;
        m->bus_keeper = (BusKeeper) {
                .event = m->event,
                .bus = &m->bus,
                .setup = bus_setup_cb,
                .userdata = m,
                .name = "vnettune-hostd",
        };
        r = host_bus_setup(m);
        if (r < 0) {
                log_warning_errno(r, "Cannot use the system bus yet: %m; tuning goes on, retrying.");
                m->bus = sd_bus_flush_close_unref(m->bus);
        }
        (void) bus_keeper_start(&m->bus_keeper, r >= 0);

        r = manager_enumerate(m);
        if (r < 0)
                return log_error_errno(r, "Cannot enumerate network devices: %m");
        m->rescan_vms = true;
        m->sysctl_reason = REASON_BOOT;
        m->placement_reason = REASON_BOOT;
        m->placement_dirty = true;
        m->tier_dirty = true;
        manager_reconcile(m);
        manager_prune_state(m, "links");
        manager_prune_state(m, "vms");

        /* Until now nobody could address us by name: the objects are there when it appears. */
        host_bus_start(m);
        sd_notifyf(false, "READY=1\nSTATUS=Tier %s, %zu VMs", tier_to_string(m->tier), m->n_vms);
        log_info("vnettune-hostd ready: tier %s, %zu VMs, %zu links, %u NUMA nodes.", tier_to_string(m->tier),
                 m->n_vms, m->n_links, m->topology.n_nodes);
        return 0;
}

int manager_run(Manager *m) {
        return sd_event_loop(m->event);
}
