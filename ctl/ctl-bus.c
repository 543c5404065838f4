/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Bus plumbing of vnettunectl: connection, daemon detection, calls without activation, object fetches. */
#include <stdarg.h>
#include <stdlib.h>

#include "ctl-bus.h"
#include "ctl-json.h"
#include "ctl-output.h"
#include "macro.h"

#define DBUS_NAME "org.freedesktop.DBus"
#define DBUS_PATH "/org/freedesktop/DBus"
#define PROPERTIES_IFACE "org.freedesktop.DBus.Properties"
#define OBJECT_MANAGER_IFACE "org.freedesktop.DBus.ObjectManager"

const DaemonInfo daemon_info[_DAEMON_MAX] = {
        [DAEMON_GUEST] = {
                .key = "guest",
                .program = "vnettune-guestd",
                .bus_name = "org.vnettune.Guest1",
                .path = "/org/vnettune/Guest1",
                .manager_iface = "org.vnettune.Guest1.Manager",
                .link_iface = "org.vnettune.Guest1.Link",
                .status_fields = guest_status_fields,
                .links_table = guest_links_table,
                .link_fields = guest_link_fields,
        },
        [DAEMON_HOST] = {
                .key = "host",
                .program = "vnettune-hostd",
                .bus_name = "org.vnettune.Host1",
                .path = "/org/vnettune/Host1",
                .manager_iface = "org.vnettune.Host1.Manager",
                .link_iface = "org.vnettune.Host1.Link",
                .vm_iface = "org.vnettune.Host1.VM",
                .status_fields = host_status_fields,
                .links_table = host_links_table,
                .link_fields = host_link_fields,
        },
};

static int name_has_owner(sd_bus *bus, const char *name) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r, has;

        r = sd_bus_call_method(bus, DBUS_NAME, DBUS_PATH, DBUS_NAME, "NameHasOwner", &error, &reply,
                               "s", name);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "b", &has);
        if (r < 0)
                return r;
        return has;
}

/* Names the bus could start on demand: only used to say how to start a daemon that is not running. */
static unsigned activatable_daemons(sd_bus *bus) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **names = NULL;
        unsigned mask = 0;

        if (sd_bus_call_method(bus, DBUS_NAME, DBUS_PATH, DBUS_NAME, "ListActivatableNames", &error, &reply,
                               NULL) < 0)
                return 0;
        if (sd_bus_message_read_strv(reply, &names) < 0)
                return 0;
        for (char **n = names; n && *n; n++)
                for (DaemonId d = 0; d < _DAEMON_MAX; d++)
                        if (streq(*n, daemon_info[d].bus_name))
                                mask |= DAEMON_MASK(d);
        return mask;
}

int ctl_connect(Ctl *ctl) {
        int r;

        r = sd_bus_open_system(&ctl->bus);
        if (r < 0)
                return log_error_errno(-EHOSTDOWN, "Cannot connect to the system bus: %s", strerror(-r));

        for (DaemonId d = 0; d < _DAEMON_MAX; d++) {
                r = name_has_owner(ctl->bus, daemon_info[d].bus_name);
                if (r < 0)
                        return log_error_errno(-EHOSTDOWN, "Cannot ask the system bus about %s: %s",
                                               daemon_info[d].bus_name, strerror(-r));
                if (r > 0)
                        ctl->present |= DAEMON_MASK(d);
        }
        if (ctl->present != DAEMON_MASK_ALL)
                ctl->activatable = activatable_daemons(ctl->bus);
        return 0;
}

int ctl_log_not_running(const Ctl *ctl, DaemonId d) {
        const DaemonInfo *info = &daemon_info[d];

        if (ctl->activatable & DAEMON_MASK(d))
                return log_error_errno(-EHOSTDOWN,
                                       "%s is not running (%s has no owner on the system bus); "
                                       "start it with: systemctl start %s.service",
                                       info->program, info->bus_name, info->program);
        return log_error_errno(-EHOSTDOWN, "%s is not running (%s has no owner on the system bus).",
                               info->program, info->bus_name);
}

int ctl_bus_errno(const sd_bus_error *error, int r) {
        const char *name = error ? error->name : NULL;

        if (name) {
                if (streq(name, SD_BUS_ERROR_ACCESS_DENIED) || streq(name, SD_BUS_ERROR_AUTH_FAILED))
                        return -EACCES;
                if (streq(name, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
                    streq(name, SD_BUS_ERROR_NAME_HAS_NO_OWNER) ||
                    streq(name, SD_BUS_ERROR_DISCONNECTED))
                        return -EHOSTDOWN;
                for (DaemonId d = 0; d < _DAEMON_MAX; d++) {
                        size_t n = strlen(daemon_info[d].bus_name);

                        if (strncmp(name, daemon_info[d].bus_name, n) == 0 &&
                            (streq(name + n, ".NoSuchLink") || streq(name + n, ".NoSuchVM")))
                                return -ENXIO;
                }
                return -EIO;
        }
        if (r == -ECONNRESET || r == -ENOTCONN || r == -ECONNREFUSED)
                return -EHOSTDOWN;
        if (r == -ENOMEM)
                return r;
        return -EIO;
}

int ctl_log_call_error(DaemonId d, const char *what, const sd_bus_error *error, int r) {
        const char *msg = error && error->message ? error->message : strerror(-r);
        int e = ctl_bus_errno(error, r);

        switch (e) {
        case -EACCES:
                return log_error_errno(e, "%s: access denied (%s). This needs root.", what, msg);
        case -EHOSTDOWN:
                return log_error_errno(e, "%s: %s is no longer on the bus (%s).", what,
                                       daemon_info[d].program, msg);
        default:
                return log_error_errno(e, "%s: %s", what, msg);
        }
}

int ctl_call(Ctl *ctl, DaemonId d, const char *path, const char *iface, const char *member,
             sd_bus_error *error, sd_bus_message **ret_reply, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(ctl->bus, &m, daemon_info[d].bus_name, path, iface, member);
        if (r < 0)
                return r;
        /* A name without owner is reported, never started behind the user's back. */
        r = sd_bus_message_set_auto_start(m, false);
        if (r < 0)
                return r;
        if (types) {
                va_list ap;

                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
                if (r < 0)
                        return r;
        }
        r = sd_bus_call(ctl->bus, m, ctl->call_timeout_usec, error, ret_reply);
        if (r < 0)
                return ctl_bus_errno(error, r);
        return 0;
}

int ctl_fetch_manager(Ctl *ctl, DaemonId d, json_t **ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const DaemonInfo *info = &daemon_info[d];
        int r;

        r = ctl_call(ctl, d, info->path, PROPERTIES_IFACE, "GetAll", &error, &reply,
                     "s", info->manager_iface);
        if (r < 0)
                return ctl_log_call_error(d, "Cannot read the state of the daemon", &error, r);
        r = json_from_bus_properties(reply, ret);
        if (r < 0)
                return log_error_errno(r == -ENOMEM ? r : -EIO, "Cannot parse the properties of %s: %s",
                                       info->bus_name, strerror(-r));
        return 0;
}

/* Reads one object of a GetManagedObjects reply into links or vms (when it has one of those interfaces). */
static int read_managed_object(sd_bus_message *m, const DaemonInfo *info, json_t *links, json_t *vms) {
        const char *path;
        int r;

        r = sd_bus_message_read_basic(m, SD_BUS_TYPE_OBJECT_PATH, &path);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "{sa{sv}}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY, "sa{sv}")) > 0) {
                const char *iface;
                json_t *into = NULL;

                r = sd_bus_message_read_basic(m, SD_BUS_TYPE_STRING, &iface);
                if (r < 0)
                        return r;
                if (streq(iface, info->link_iface))
                        into = links;
                else if (vms && info->vm_iface && streq(iface, info->vm_iface))
                        into = vms;

                if (into) {
                        json_t *props = NULL;

                        r = json_from_bus_properties(m, &props);
                        if (r < 0)
                                return r;
                        r = json_push(into, props);
                } else
                        r = sd_bus_message_skip(m, "a{sv}");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

int ctl_fetch_objects(Ctl *ctl, DaemonId d, json_t **ret_links, json_t **ret_vms) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(json_decrefp) json_t *links = NULL, *vms = NULL;
        const DaemonInfo *info = &daemon_info[d];
        int r;

        r = ctl_call(ctl, d, info->path, OBJECT_MANAGER_IFACE, "GetManagedObjects", &error, &reply, NULL);
        if (r < 0)
                return ctl_log_call_error(d, "Cannot list the objects of the daemon", &error, r);

        links = json_array();
        vms = info->vm_iface ? json_array() : NULL;
        if (!links || (info->vm_iface && !vms))
                return log_error_errno(-ENOMEM, "Out of memory.");

        r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_ARRAY, "{oa{sa{sv}}}");
        while (r >= 0 &&
               (r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_DICT_ENTRY, "oa{sa{sv}}")) > 0) {
                r = read_managed_object(reply, info, links, vms);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        if (r >= 0)
                r = json_sort_by_int(links, "Index");
        if (r >= 0 && vms)
                r = json_sort_by_int(vms, "Pid");
        if (r < 0)
                return log_error_errno(r == -ENOMEM ? r : -EIO, "Cannot parse the objects of %s: %s",
                                       info->bus_name, strerror(-r));

        *ret_links = TAKE_PTR(links);
        if (ret_vms)
                *ret_vms = TAKE_PTR(vms);
        return 0;
}

/* name as a positive decimal number, or 0 when it is not one. */
static int64_t parse_number(const char *name) {
        char *end;
        long long v;

        if (!name || !*name || name[0] < '0' || name[0] > '9')
                return 0;
        errno = 0;
        v = strtoll(name, &end, 10);
        if (errno != 0 || *end || v <= 0)
                return 0;
        return v;
}

static const json_t *find_object(const json_t *objects, const char *name, const char *id_key) {
        int64_t number = parse_number(name);
        const json_t *o;
        size_t i;

        /* A name wins over a number: an interface may be called "42". */
        json_array_foreach(objects, i, o)
                if (streq(json_get_str(o, "Name"), name))
                        return o;
        if (number > 0)
                json_array_foreach(objects, i, o)
                        if (json_get_int(o, id_key) == number)
                                return o;
        return NULL;
}

const json_t *ctl_find_link(const json_t *links, const char *name) {
        return find_object(links, name, "Index");
}

const json_t *ctl_find_vm(const json_t *vms, const char *name) {
        return vms ? find_object(vms, name, "Pid") : NULL;
}
