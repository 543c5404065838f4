/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* How the host service's manager, taps, bridges and VMs look to people. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctl-daemon.h"
#include "ctl-json.h"
#include "ctl-output.h"

static Color tier_color(const char *tier) {
        if (streq(tier, "1A"))
                return COLOR_GREEN;
        if (streq(tier, "1B") || streq(tier, "2"))
                return COLOR_YELLOW;
        if (streq(tier, "3"))
                return COLOR_RED;
        return COLOR_NONE;
}

static int64_t member(const json_t *o, const char *key, size_t index) {
        return json_integer_value(json_array_get(json_object_get(o, key), index));
}

int host_status_fields(Fields *f, const json_t *manager, const json_t *links, const json_t *vms) {
        const char *tier = json_get_str(manager, "Tier"), *perr = json_get_str(manager, "PlacementError");
        const json_t *missing = json_object_get(manager, "TierMissing");
        int64_t nodes = json_get_int(manager, "NUMANodes");
        bool kvm = json_get_bool(manager, "KVM"), vhost = json_get_bool(manager, "VhostNet");
        int r;

        r = fields_add(f, "Version", COLOR_NONE, json_get_str(manager, "Version"));
        if (r >= 0)
                r = fields_add(f, "Tier", tier_color(tier), isempty(tier) ? "unknown (not probed yet)"
                                                                        : tier);
        if (r >= 0 && json_array_size(missing) > 0)
                r = fields_add_lines(f, "Missing", COLOR_YELLOW, missing, NULL);
        if (r >= 0)
                r = fields_add(f, "KVM", kvm ? COLOR_NONE : COLOR_YELLOW, kvm ? "yes" : "no");
        if (r >= 0)
                r = fields_add(f, "vhost-net", vhost ? COLOR_NONE : COLOR_YELLOW, vhost ? "yes" : "no");
        if (r >= 0)
                r = fields_addf(f, "Multi-queue taps", COLOR_NONE, "%" PRIi64 " of %" PRIi64,
                                member(manager, "MultiQueueTaps", 0), member(manager, "MultiQueueTaps", 1));
        if (r >= 0)
                r = fields_add(f, "Placement", COLOR_NONE, json_get_str(manager, "PlacementMode"));
        if (r >= 0 && !isempty(perr))
                r = fields_add(f, "Placement error", COLOR_RED, perr);
        if (r >= 0)
                r = fields_addf(f, "Huge pages", COLOR_NONE,
                                "%" PRIi64 " free of %" PRIi64 " (%" PRIi64 " KiB each); "
                                "running VMs have %" PRIi64 " MiB",
                                member(manager, "Hugepages", 1), member(manager, "Hugepages", 0),
                                member(manager, "Hugepages", 2), member(manager, "Hugepages", 3));
        if (r >= 0)
                r = fields_addf(f, "Online CPUs", COLOR_NONE, "%s (%" PRIi64 " NUMA node%s)",
                                json_get_str(manager, "OnlineCPUs"), nodes, nodes == 1 ? "" : "s");
        if (r >= 0)
                r = fields_add_link_states(f, links);
        if (r >= 0)
                r = fields_addf(f, "VMs", COLOR_NONE, "%zu", json_array_size(vms));
        if (r >= 0)
                r = fields_add_lines(f, "Policy files", COLOR_NONE, json_object_get(manager, "PolicyFiles"),
                                     "none");
        if (r >= 0)
                r = fields_add_sysctls(f, json_object_get(manager, "Sysctls"));
        if (r >= 0)
                r = fields_add_lines(f, "Config warnings", COLOR_YELLOW,
                                     json_object_get(manager, "ConfigWarnings"), "none");
        return r;
}

int host_links_table(const json_t *links, Table **ret) {
        _cleanup_(table_freep) Table *t = NULL;
        const json_t *l;
        size_t i;
        int r;

        r = table_new(&t, "IDX", "LINK", "KIND", "STATE", "MTU", "TXQUEUELEN", "QUEUES", "BRIDGE", "VM",
                      NULL);
        if (r < 0)
                return r;
        table_align_right(t, 0);
        table_align_right(t, 4);
        table_align_right(t, 5);
        table_align_right(t, 6);
        json_array_foreach(links, i, l) {
                const char *state = json_get_str(l, "State");
                int64_t queues = json_get_int(l, "Queues"), txqlen = json_get_int(l, "TxQueueLength");

                r = table_addf(t, COLOR_NONE, "%" PRIi64, json_get_int(l, "Index"));
                if (r >= 0)
                        r = table_add(t, COLOR_NONE, json_get_str(l, "Name"));
                if (r >= 0)
                        r = table_add(t, COLOR_NONE, json_get_str(l, "Kind"));
                if (r >= 0)
                        r = table_add(t, state_color(state), state);
                if (r >= 0)
                        r = table_addf(t, COLOR_NONE, "%" PRIi64 " bytes", json_get_int(l, "MTU"));
                if (r >= 0)
                        r = table_addf(t, COLOR_NONE, "%" PRIi64 " packets", txqlen);
                if (r >= 0)
                        r = queues > 0 ? table_addf(t, COLOR_NONE, "%" PRIi64, queues)
                                       : table_add(t, COLOR_NONE, NULL);
                if (r >= 0)
                        r = table_add(t, COLOR_NONE, json_get_str(l, "Master"));
                if (r >= 0)
                        r = table_add(t, COLOR_NONE, json_get_str(l, "VM"));
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(t);
        return 0;
}

int host_link_fields(Fields *f, const json_t *link) {
        const char *state = json_get_str(link, "State"), *error = json_get_str(link, "LastError");
        const char *vm = json_get_str(link, "VM"), *policy = json_get_str(link, "Policy");
        int64_t queues = json_get_int(link, "Queues"), pid = json_get_int(link, "VMPid");
        char when[64];
        int r;

        format_usec(json_get_int(link, "LastChangeUSec"), when, sizeof when);

        r = fields_add(f, "State", state_color(state), state);
        if (r >= 0 && !isempty(error))
                r = fields_add(f, "Last error", COLOR_RED, error);
        if (r >= 0)
                r = fields_add(f, "Kind", COLOR_NONE, json_get_str(link, "Kind"));
        if (r >= 0)
                r = fields_add(f, "Bridge", COLOR_NONE, isempty(json_get_str(link, "Master")) ? "none" :
                               json_get_str(link, "Master"));
        if (r >= 0 && isempty(vm) && pid == 0)
                r = fields_add(f, "VM", COLOR_NONE, "none known");
        else if (r >= 0)
                r = fields_addf(f, "VM", COLOR_NONE, "%s (pid %" PRIi64 ")", vm, pid);
        if (r >= 0)
                r = fields_add(f, "Policy", COLOR_NONE, isempty(policy) ? "none" : policy);
        if (r >= 0)
                r = fields_add_mtu(f, link);
        if (r >= 0)
                r = fields_addf(f, "TX queue length", COLOR_NONE, "%" PRIi64 " packets",
                                json_get_int(link, "TxQueueLength"));
        if (r >= 0)
                r = queues > 0 ? fields_addf(f, "Queues", COLOR_NONE, "%" PRIi64, queues)
                               : fields_add(f, "Queues", COLOR_NONE, "none reported");
        if (r >= 0)
                r = fields_add(f, "Last change", COLOR_NONE, when);
        return r;
}

/* Taps a(su) as "vt0 (4 queues)", joined by sep. */
static int format_taps(const json_t *taps, const char *sep, char **ret) {
        size_t len = 0, i;
        const json_t *t;
        FILE *s;

        s = open_memstream(ret, &len);
        if (!s)
                return -ENOMEM;
        json_array_foreach(taps, i, t) {
                const char *name = json_string_value(json_array_get(t, 0));
                int64_t q = json_integer_value(json_array_get(t, 1));

                fprintf(s, "%s%s (%" PRIi64 " queue%s)", i > 0 ? sep : "", name ?: "", q, q == 1 ? "" : "s");
        }
        return fclose(s) == 0 ? 0 : -ENOMEM;
}

int host_vms_table(const json_t *vms, Table **ret) {
        _cleanup_(table_freep) Table *t = NULL;
        const json_t *v;
        size_t i;
        int r;

        r = table_new(&t, "PID", "NAME", "ACCEL", "VCPUS", "VHOST CPUS", "NODE", "TAPS", NULL);
        if (r < 0)
                return r;
        table_align_right(t, 0);
        table_align_right(t, 3);
        table_align_right(t, 5);
        json_array_foreach(vms, i, v) {
                _cleanup_free_ char *taps = NULL, *workers = NULL;
                const json_t *w;
                size_t k, len = 0;
                int64_t node = json_get_int(v, "NUMANode");
                bool tcg = json_get_bool(v, "TCG");
                FILE *s;

                s = open_memstream(&workers, &len);
                if (!s)
                        return -ENOMEM;
                json_array_foreach(json_object_get(v, "VhostWorkers"), k, w)
                        fprintf(s, "%s%s", k > 0 ? " " : "", json_string_value(json_array_get(w, 1)) ?: "?");
                if (fclose(s) != 0)
                        return -ENOMEM;
                r = format_taps(json_object_get(v, "Taps"), ", ", &taps);
                if (r >= 0)
                        r = table_addf(t, COLOR_NONE, "%" PRIi64, json_get_int(v, "Pid"));
                if (r >= 0)
                        r = table_add(t, COLOR_NONE, json_get_str(v, "Name"));
                if (r >= 0)
                        r = table_add(t, tcg ? COLOR_YELLOW : COLOR_NONE, tcg ? "TCG" : "KVM");
                if (r >= 0)
                        r = table_addf(t, COLOR_NONE, "%zu", json_array_size(json_object_get(v, "VCPUs")));
                if (r >= 0)
                        r = table_add(t, COLOR_NONE, workers);
                if (r >= 0)
                        r = node >= 0 ? table_addf(t, COLOR_NONE, "%" PRIi64, node)
                                      : table_add(t, COLOR_NONE, NULL);
                if (r >= 0)
                        r = table_add(t, COLOR_NONE, taps);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(t);
        return 0;
}

int host_vm_fields(Fields *f, const json_t *vm) {
        _cleanup_free_ char *taps = NULL, *vcpus = NULL, *workers = NULL;
        const char *placement = json_get_str(vm, "Placement");
        int64_t node = json_get_int(vm, "NUMANode");
        bool tcg = json_get_bool(vm, "TCG");
        size_t len = 0, i;
        const json_t *x;
        char when[64];
        FILE *s;
        int r;

        r = format_taps(json_object_get(vm, "Taps"), "\n", &taps);
        if (r < 0)
                return r;

        s = open_memstream(&vcpus, &len);
        if (!s)
                return -ENOMEM;
        /* a(uis): thread, vCPU index, CPUs */
        json_array_foreach(json_object_get(vm, "VCPUs"), i, x)
                fprintf(s, "%svCPU %" JSON_INTEGER_FORMAT ": thread %" JSON_INTEGER_FORMAT ", CPUs %s",
                        i > 0 ? "\n" : "", json_integer_value(json_array_get(x, 1)),
                        json_integer_value(json_array_get(x, 0)),
                        json_string_value(json_array_get(x, 2)) ?: "?");
        if (fclose(s) != 0)
                return -ENOMEM;

        s = open_memstream(&workers, &len);
        if (!s)
                return -ENOMEM;
        /* a(us): thread, CPUs */
        json_array_foreach(json_object_get(vm, "VhostWorkers"), i, x)
                fprintf(s, "%sthread %" JSON_INTEGER_FORMAT ": CPUs %s", i > 0 ? "\n" : "",
                        json_integer_value(json_array_get(x, 0)),
                        json_string_value(json_array_get(x, 1)) ?: "?");
        if (fclose(s) != 0)
                return -ENOMEM;

        format_usec(json_get_int(vm, "LastChangeUSec"), when, sizeof when);

        r = fields_add(f, "Accelerator", tcg ? COLOR_YELLOW : COLOR_NONE, tcg ? "TCG (emulation)" : "KVM");
        if (r >= 0)
                r = fields_add(f, "Taps", COLOR_NONE, isempty(taps) ? "none" : taps);
        if (r >= 0)
                r = fields_add(f, "vCPUs", COLOR_NONE, isempty(vcpus) ? "none found" : vcpus);
        if (r >= 0)
                r = fields_add(f, "vhost workers", COLOR_NONE, isempty(workers) ? "none found" : workers);
        if (r >= 0)
                r = fields_add(f, "Emulator CPUs", COLOR_NONE, json_get_str(vm, "EmulatorCPUs"));
        if (r >= 0)
                r = node >= 0 ? fields_addf(f, "NUMA node", COLOR_NONE, "%" PRIi64, node)
                              : fields_add(f, "NUMA node", COLOR_NONE, "none");
        if (r >= 0)
                r = fields_add(f, "Placement", COLOR_NONE, isempty(placement) ? "none" : placement);
        if (r >= 0)
                r = fields_add(f, "Last change", COLOR_NONE, when);
        return r;
}
