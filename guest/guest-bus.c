/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sd-bus vtables of vnettune-guestd: parse and authorise requests, call the manager, reply. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-util.h"
#include "diagnose.h"
#include "guest-bus.h"
#include "log.h"
#include "macro.h"

#define GUEST_PATH "/org/vnettune/Guest1"
#define LINK_PREFIX "/org/vnettune/Guest1/link"
#define MANAGER_IFACE "org.vnettune.Guest1.Manager"
#define LINK_IFACE "org.vnettune.Guest1.Link"
#define ERROR_NO_SUCH_LINK "org.vnettune.Guest1.NoSuchLink"
#define ERROR_REVERT_FAILED "org.vnettune.Guest1.RevertFailed"
#define ERROR_RELOAD_FAILED "org.vnettune.Guest1.ReloadFailed"

static Link *link_from_path(Manager *m, const char *path) {
        int32_t idx = bus_path_id(path, LINK_PREFIX);
        Link *l = idx > 0 ? manager_find_link(m, idx) : NULL;

        return l && l->exported ? l : NULL;
}

static int link_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                            sd_bus_error *error) {
        Link *l = link_from_path(userdata, path);

        if (!l)
                return 0;
        *found = l;
        return 1;
}

static int link_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error) {
        Manager *m = userdata;
        char **l = calloc(m->n_links + 1, sizeof(char *));
        size_t k = 0;

        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_links; i++)
                if (m->links[i]->exported && !(l[k++] = strdup(m->links[i]->path))) {
                        strv_free(l);
                        return -ENOMEM;
                }
        *nodes = l;
        return 0;
}

/* ---- caller identity ---- */

static int read_ifindex(sd_bus_message *msg, Manager *m, int *ret, sd_bus_error *error) {
        int32_t idx;
        int r;

        r = sd_bus_message_read(msg, "i", &idx);
        if (r < 0)
                return r;
        if (idx < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Interface index must be 0 (all links) or positive, got %d.", idx);
        if (idx > 0 && !manager_find_link(m, idx))
                return sd_bus_error_setf(error, ERROR_NO_SUCH_LINK, "No link with interface index %d.", idx);
        *ret = idx;
        return 0;
}

/* ---- manager methods ---- */

static int method_list_links(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(isso)");
        for (size_t i = 0; r >= 0 && i < m->n_links; i++) {
                Link *l = m->links[i];
                if (!l->exported)
                        continue;
                r = sd_bus_message_append(reply, "(isso)", l->t.ifindex, l->t.snap.name,
                                          link_state_to_string(l->t.state), l->path);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r;
}

static int method_plan(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        Plan plan = {};
        int *idx = NULL;
        int ifindex, r;

        r = read_ifindex(msg, m, &ifindex, error);
        if (r < 0)
                return r;
        r = manager_plan(m, ifindex, &plan, &idx);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Planning failed: %s", strerror(-r));
        r = bus_reply_plan(msg, &plan, idx);
        plan_done(&plan);
        free(idx);
        return r;
}

static int method_apply(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        uint32_t uid;
        int ifindex, r;

        r = bus_check_root(msg, "network tuning", &uid, error);
        if (r < 0)
                return r;
        r = read_ifindex(msg, m, &ifindex, error);
        if (r < 0)
                return r;
        r = manager_apply(m, ifindex, uid);
        if (r == -ENODEV)
                return sd_bus_error_setf(error, ERROR_NO_SUCH_LINK, "No link with interface index %d.", ifindex);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_revert(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_free_ char *why = NULL;
        uint32_t uid;
        int ifindex, r;

        r = bus_check_root(msg, "network tuning", &uid, error);
        if (r < 0)
                return r;
        r = read_ifindex(msg, m, &ifindex, error);
        if (r < 0)
                return r;
        r = manager_revert(m, ifindex, uid, &why);
        if (r == -ENODEV)
                return sd_bus_error_setf(error, ERROR_NO_SUCH_LINK, "No link with interface index %d.", ifindex);
        if (r < 0)
                return sd_bus_error_setf(error, ERROR_REVERT_FAILED,
                                         "Some originals could not be restored and are kept for another try: %s",
                                         why ?: strerror(-r));
        return sd_bus_reply_method_return(msg, NULL);
}

#define DIAGNOSE_WINDOW_MAX_MS 60000u

/* Replies to a Diagnose call once the manager's window is over. */
static void diagnose_done(Manager *m, int error, const Findings *f, void *userdata) {
        sd_bus_message *msg = userdata;

        (void) bus_reply_findings(msg, error, f);
        sd_bus_message_unref(msg);
}

static int method_diagnose(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        uint32_t window_ms;
        int ifindex, r;

        r = read_ifindex(msg, m, &ifindex, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "u", &window_ms);
        if (r < 0)
                return r;
        if (window_ms > DIAGNOSE_WINDOW_MAX_MS)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "The sampling window is at most %u ms, got %u.", DIAGNOSE_WINDOW_MAX_MS,
                                         window_ms);
        /* The reply comes when the window is over; the loop serves others meanwhile. */
        sd_bus_message_ref(msg);
        r = manager_diagnose(m, ifindex, (uint64_t) window_ms * 1000, diagnose_done, msg);
        if (r < 0) {
                sd_bus_message_unref(msg);
                if (r == -ENODEV)
                        return sd_bus_error_setf(error, ERROR_NO_SUCH_LINK, "No link with interface index %d.",
                                                 ifindex);
                return r;
        }
        return 1;
}

static int method_reload(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        uint32_t uid;
        int r;

        r = bus_check_root(msg, "network tuning", &uid, error);
        if (r < 0)
                return r;
        r = manager_reload(m, REASON_RELOAD, uid);
        if (r < 0)
                return sd_bus_error_setf(error, ERROR_RELOAD_FAILED,
                                         "Loading the policy failed (%s); the last good policy stays in effect.",
                                         strerror(-r));
        return sd_bus_reply_method_return(msg, NULL);
}

/* ---- manager properties ---- */

static int property_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", PACKAGE_VERSION);
}

static int property_online_cpus(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_free_ char *s = NULL;
        int r;

        r = cpuset_format_list(&m->online, &s);
        if (r < 0)
                return r;
        return sd_bus_message_append(reply, "s", s);
}

static int property_default_drift(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        return sd_bus_message_append(reply, "s", drift_mode_to_string(m->policy.daemon.drift));
}

static int property_revert_on_stop(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        return sd_bus_message_append(reply, "b", m->policy.daemon.revert_on_stop);
}

static int property_config_warnings(sd_bus *bus, const char *path, const char *interface, const char *property,
                                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        return sd_bus_message_append_strv(reply, m->config_warnings ?: (char *[]) { NULL });
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
                const char *orig;
                char setting[256];

                snprintf(setting, sizeof setting, "sysctl:%s", c->sysctls[i].key);
                orig = originals_get(&m->sysctl_originals, setting);
                r = sd_bus_message_append(reply, "(sss)", c->sysctls[i].key, c->sysctls[i].value, orig ?: "");
        }
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", property_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("OnlineCPUs", "s", property_online_cpus, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("DefaultDrift", "s", property_default_drift, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("RevertOnStop", "b", property_revert_on_stop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PolicyFiles", "as", property_policy_files, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ConfigWarnings", "as", property_config_warnings, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Sysctls", "a(sss)", property_sysctls, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD_WITH_ARGS("ListLinks", SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("a(isso)", links), method_list_links,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Plan", SD_BUS_ARGS("i", ifindex),
                                SD_BUS_RESULT("a(issss)", actions), method_plan,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Diagnose", SD_BUS_ARGS("i", ifindex, "u", window_ms),
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

/* ---- link properties ---- */

static int link_prop_name(sd_bus *bus, const char *path, const char *interface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Link *l = userdata;
        return sd_bus_message_append(reply, "s", l->t.snap.name);
}

static int link_prop_state(sd_bus *bus, const char *path, const char *interface, const char *property,
                           sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Link *l = userdata;
        return sd_bus_message_append(reply, "s", link_state_to_string(l->t.state));
}

static int link_prop_string(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Link *l = userdata;
        const char *v = "";

        if (streq(property, "Driver"))
                v = l->driver;
        else if (streq(property, "MACAddress"))
                v = l->t.snap.mac;
        else if (streq(property, "Policy"))
                v = l->policy ? l->policy->filename : "";
        else if (streq(property, "LastError"))
                v = l->t.last_error ?: "";
        else if (streq(property, "ChannelKind")) {
                static const char *const kinds[] = { "none", "combined", "rxtx" };
                v = l->t.snap.channels_error < 0 ? "none" : kinds[channels_kind(&l->t.snap.channels)];
        } else if (streq(property, "Drift"))
                v = drift_mode_to_string(l->policy && l->policy->settings.drift >= 0 ? l->policy->settings.drift
                                                                                     : l->manager->policy.daemon.drift);
        return sd_bus_message_append(reply, "s", v ?: "");
}

static int link_prop_u32(sd_bus *bus, const char *path, const char *interface, const char *property,
                         sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Link *l = userdata;
        uint32_t v = 0;

        if (streq(property, "Channels"))
                v = l->t.snap.channels_error < 0 ? 0 : channels_current(&l->t.snap.channels);
        else if (streq(property, "MaxChannels"))
                v = l->t.snap.channels_error < 0 ? 0 : channels_max(&l->t.snap.channels);
        else if (streq(property, "MTU"))
                v = l->t.snap.mtu;
        else if (streq(property, "MinMTU"))
                v = l->t.snap.min_mtu;
        else if (streq(property, "MaxMTU"))
                v = l->t.snap.max_mtu;
        else if (streq(property, "TxQueues"))
                v = l->t.snap.n_xps;
        return sd_bus_message_append(reply, "u", v);
}

static int link_prop_xps(sd_bus *bus, const char *path, const char *interface, const char *property,
                         sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Link *l = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "s");
        for (unsigned i = 0; r >= 0 && l->t.snap.xps_error >= 0 && i < l->t.snap.n_xps; i++) {
                _cleanup_free_ char *s = NULL;
                r = cpuset_format_mask(&l->t.snap.xps[i], &s);
                if (r >= 0)
                        r = sd_bus_message_append(reply, "s", s);
        }
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

static int link_prop_offloads(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Link *l = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "{ss}");
        for (Offload o = 0; r >= 0 && l->t.snap.features_error >= 0 && o < _OFFLOAD_MAX; o++) {
                const OffloadState *s = &l->t.snap.offloads[o];
                if (!s->known)
                        continue;
                r = sd_bus_message_append(reply, "{ss}", offload_to_string(o),
                                          s->active ? (s->changeable ? "on" : "on [fixed]")
                                                    : (s->changeable ? "off" : "off [fixed]"));
        }
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

static const sd_bus_vtable link_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Index", "i", NULL, offsetof(Link, t.ifindex), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Name", "s", link_prop_name, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Driver", "s", link_prop_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("MACAddress", "s", link_prop_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("State", "s", link_prop_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Policy", "s", link_prop_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Drift", "s", link_prop_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ChannelKind", "s", link_prop_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Channels", "u", link_prop_u32, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("MaxChannels", "u", link_prop_u32, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("TxQueues", "u", link_prop_u32, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("XPS", "as", link_prop_xps, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("MTU", "u", link_prop_u32, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("MinMTU", "u", link_prop_u32, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("MaxMTU", "u", link_prop_u32, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Offloads", "a{ss}", link_prop_offloads, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastError", "s", link_prop_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastChangeUSec", "t", NULL, offsetof(Link, t.last_change_usec),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END,
};

/* ---- setup and signals ---- */

int guest_bus_setup(Manager *m) {
        int r;

        r = sd_bus_open_system(&m->bus);
        if (r < 0)
                return r;
        r = sd_bus_add_object_vtable(m->bus, NULL, GUEST_PATH, MANAGER_IFACE, manager_vtable, m);
        if (r < 0)
                return r;
        r = sd_bus_add_fallback_vtable(m->bus, NULL, LINK_PREFIX, LINK_IFACE, link_vtable, link_object_find, m);
        if (r < 0)
                return r;
        r = sd_bus_add_node_enumerator(m->bus, NULL, LINK_PREFIX, link_node_enumerator, m);
        if (r < 0)
                return r;
        r = sd_bus_add_object_manager(m->bus, NULL, GUEST_PATH);
        if (r < 0)
                return r;
        r = sd_bus_attach_event(m->bus, m->event, 0);
        if (r < 0)
                return r;
        return m->ready_sent ? guest_bus_request_name(m) : 0;
}

int guest_bus_request_name(Manager *m) {
        int r;

        if (!m->bus)
                return 0;
        /* Without the name we still serve our unique name: not fatal. */
        r = sd_bus_request_name(m->bus, "org.vnettune.Guest1", 0);
        if (r < 0)
                log_warning_errno(r, "Cannot own the name org.vnettune.Guest1: %m");
        return 0;
}

/* Before the first tuning is done the name is not ours yet: nobody can be watching, and the objects
 * are simply there when the name appears (no signal per link at boot). */
void guest_bus_link_added(Manager *m, Link *l) {
        l->exported = true;
        if (m->bus && m->ready_sent)
                (void) sd_bus_emit_object_added(m->bus, l->path);
}

void guest_bus_link_removed(Manager *m, Link *l) {
        if (m->bus && m->ready_sent && l->exported)
                (void) sd_bus_emit_object_removed(m->bus, l->path);
        l->exported = false;
}

void guest_bus_link_changed(Manager *m, Link *l) {
        if (m->bus && m->ready_sent && l->exported)
                (void) sd_bus_emit_properties_changed_strv(m->bus, l->path, LINK_IFACE, NULL);
}
