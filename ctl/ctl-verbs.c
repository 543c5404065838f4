/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The commands of vnettunectl: choose the daemons, fetch, print as a table, fields or JSON, or call. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ctl-bus.h"
#include "ctl-json.h"
#include "ctl-output.h"
#include "ctl-verbs.h"

static unsigned mask_count(unsigned mask) {
        return (unsigned) __builtin_popcount(mask);
}

static DaemonId mask_first(unsigned mask) {
        for (DaemonId d = 0; d < _DAEMON_MAX; d++)
                if (mask & DAEMON_MASK(d))
                        return d;
        return _DAEMON_INVALID;
}

static int log_none_running(const Ctl *ctl) {
        log_error("No vnettune daemon is running: neither %s nor %s has an owner on the system bus.",
                  daemon_info[DAEMON_GUEST].bus_name, daemon_info[DAEMON_HOST].bus_name);
        for (DaemonId d = 0; d < _DAEMON_MAX; d++)
                if (ctl->activatable & DAEMON_MASK(d))
                        log_error("%s is installed: start it with: systemctl start %s.service",
                                  daemon_info[d].program, daemon_info[d].program);
        return -EHOSTDOWN;
}

/* The daemons a read command shows: the one chosen, else every one running that the verb covers. */
static int read_targets(Ctl *ctl, unsigned *ret) {
        unsigned want = ctl->wanted ?: ctl->verb->daemons;
        unsigned missing = want & ctl->verb->daemons & ~ctl->present;

        if (ctl->wanted && missing)
                return ctl_log_not_running(ctl, mask_first(missing));
        if (ctl->present == 0)
                return log_none_running(ctl);
        if ((want & ctl->present) == 0)
                return ctl_log_not_running(ctl, mask_first(want));
        *ret = want & ctl->present;
        return 0;
}

static const char *both_programs(unsigned mask) {
        if (mask_count(mask) > 1)
                return "vnettune-guestd or vnettune-hostd";
        return daemon_info[mask_first(mask)].program;
}

/* The one daemon a changing command talks to, and the ifindex of link name there (0 without a name). */
static int write_target(Ctl *ctl, const char *name, DaemonId *ret_daemon, int *ret_ifindex) {
        unsigned targets, found = 0;
        int ifindex = 0;
        int r;

        r = read_targets(ctl, &targets);
        if (r < 0)
                return r;
        if (!name) {
                if (mask_count(targets) > 1)
                        return log_error_errno(-EINVAL,
                                               "Both vnettune-guestd and vnettune-hostd are running: "
                                               "say which one '%s' is for with --guest or --host.",
                                               ctl->verb->name);
                *ret_daemon = mask_first(targets);
                *ret_ifindex = 0;
                return 0;
        }

        for (DaemonId d = 0; d < _DAEMON_MAX; d++) {
                _cleanup_(json_decrefp) json_t *links = NULL;
                const json_t *l;

                if (!(targets & DAEMON_MASK(d)))
                        continue;
                r = ctl_fetch_objects(ctl, d, &links, NULL);
                if (r < 0)
                        return r;
                l = ctl_find_link(links, name);
                if (!l)
                        continue;
                found |= DAEMON_MASK(d);
                ifindex = (int) json_get_int(l, "Index");
        }
        if (found == 0)
                return log_error_errno(-ENXIO, "No link '%s' on %s.", name, both_programs(targets));
        if (mask_count(found) > 1)
                return log_error_errno(-EINVAL,
                                       "Link '%s' is known to both vnettune-guestd and vnettune-hostd: "
                                       "say which one '%s' is for with --guest or --host.",
                                       name, ctl->verb->name);
        *ret_daemon = mask_first(found);
        *ret_ifindex = ifindex;
        return 0;
}

static void print_title(const Ctl *ctl, const char *fmt, ...) _printf_(2, 3);
static void print_title(const Ctl *ctl, const char *fmt, ...) {
        va_list ap;

        fputs(ctl->color ? "\033[1m" : "", stdout);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        fputs(ctl->color ? "\033[0m\n" : "\n", stdout);
}

static int output_json(const Ctl *ctl, json_t *out) {
        return json_print(out, ctl->json);
}

/* ---- status ---- */

static json_t *link_state_counts(const json_t *links) {
        json_t *counts = json_object();
        const json_t *l;
        size_t i;

        if (!counts)
                return NULL;
        json_array_foreach(links, i, l) {
                const char *st = json_get_str(l, "State");

                if (json_put(counts, st, json_integer(json_get_int(counts, st) + 1)) < 0) {
                        json_decref(counts);
                        return NULL;
                }
        }
        return counts;
}

static int verb_status(Ctl *ctl, char **args, size_t n_args) {
        _cleanup_(json_decrefp) json_t *out = NULL;
        unsigned targets;
        bool first = true;
        int r;

        r = read_targets(ctl, &targets);
        if (r < 0)
                return r;
        out = json_object();
        if (!out)
                return -ENOMEM;

        for (DaemonId d = 0; d < _DAEMON_MAX; d++) {
                _cleanup_(json_decrefp) json_t *manager = NULL, *links = NULL, *vms = NULL;
                const DaemonInfo *info = &daemon_info[d];

                if (!(targets & DAEMON_MASK(d)))
                        continue;
                r = ctl_fetch_manager(ctl, d, &manager);
                if (r < 0)
                        return r;
                r = ctl_fetch_objects(ctl, d, &links, &vms);
                if (r < 0)
                        return r;

                if (ctl->json) {
                        json_t *o = json_object();

                        r = json_put(out, info->key, o);
                        if (r >= 0)
                                r = json_put(o, "Manager", json_incref(manager));
                        if (r >= 0)
                                r = json_put(o, "Links", json_integer((json_int_t) json_array_size(links)));
                        if (r >= 0)
                                r = json_put(o, "LinkStates", link_state_counts(links));
                        if (r >= 0 && vms)
                                r = json_put(o, "VMs", json_integer((json_int_t) json_array_size(vms)));
                        if (r < 0)
                                return r;
                } else {
                        _cleanup_(fields_freep) Fields *f = NULL;

                        r = fields_new(&f);
                        if (r >= 0)
                                r = info->status_fields(f, manager, links, vms);
                        if (r < 0)
                                return r;
                        if (!first)
                                putchar('\n');
                        print_title(ctl, "%s (%s)", info->program, info->bus_name);
                        r = fields_print(f, stdout, ctl->color);
                        if (r < 0)
                                return r;
                }
                first = false;
        }
        return ctl->json ? output_json(ctl, out) : 0;
}

/* ---- list, vms ---- */

static int print_section_title(const Ctl *ctl, unsigned targets, DaemonId d, bool first) {
        if (!ctl->legend || mask_count(targets) < 2)
                return 0;
        if (!first)
                putchar('\n');
        print_title(ctl, "%s (%s):", daemon_info[d].program, daemon_info[d].bus_name);
        return 0;
}

static int list_objects(Ctl *ctl, bool want_vms) {
        _cleanup_(json_decrefp) json_t *out = NULL;
        unsigned targets;
        bool first = true;
        int r;

        r = read_targets(ctl, &targets);
        if (r < 0)
                return r;
        out = json_object();
        if (!out)
                return -ENOMEM;

        for (DaemonId d = 0; d < _DAEMON_MAX; d++) {
                _cleanup_(json_decrefp) json_t *links = NULL, *vms = NULL;
                _cleanup_(table_freep) Table *t = NULL;
                const DaemonInfo *info = &daemon_info[d];
                json_t *objects;
                size_t n;

                if (!(targets & DAEMON_MASK(d)))
                        continue;
                r = ctl_fetch_objects(ctl, d, &links, &vms);
                if (r < 0)
                        return r;
                objects = want_vms ? vms : links;
                n = json_array_size(objects);

                if (ctl->json) {
                        r = json_put(out, info->key, json_incref(objects));
                        if (r < 0)
                                return r;
                        continue;
                }
                r = want_vms ? host_vms_table(objects, &t) : info->links_table(objects, &t);
                if (r < 0)
                        return r;
                print_section_title(ctl, targets, d, first);
                r = table_print(t, stdout, ctl->legend, ctl->color);
                if (r < 0)
                        return r;
                if (ctl->legend)
                        printf("\n%zu %s%s listed.\n", n, want_vms ? "VM" : "link", n == 1 ? "" : "s");
                first = false;
        }
        return ctl->json ? output_json(ctl, out) : 0;
}

static int verb_list(Ctl *ctl, char **args, size_t n_args) {
        return list_objects(ctl, false);
}

static int verb_vms(Ctl *ctl, char **args, size_t n_args) {
        return list_objects(ctl, true);
}

/* ---- show ---- */

static int show_one(const Ctl *ctl, bool *first, const char *title, const json_t *o,
                    int (*fill)(Fields *f, const json_t *o)) {
        _cleanup_(fields_freep) Fields *f = NULL;
        int r;

        r = fields_new(&f);
        if (r >= 0)
                r = fill(f, o);
        if (r < 0)
                return r;
        if (!*first)
                putchar('\n');
        *first = false;
        print_title(ctl, "%s", title);
        return fields_print(f, stdout, ctl->color);
}

static int verb_show(Ctl *ctl, char **args, size_t n_args) {
        _cleanup_(json_decrefp) json_t *out = NULL;
        const char *name = args[0];
        unsigned targets;
        bool first = true;
        size_t n_found = 0;
        int r;

        r = read_targets(ctl, &targets);
        if (r < 0)
                return r;
        out = json_object();
        if (!out)
                return -ENOMEM;

        for (DaemonId d = 0; d < _DAEMON_MAX; d++) {
                _cleanup_(json_decrefp) json_t *links = NULL, *vms = NULL;
                const DaemonInfo *info = &daemon_info[d];
                const json_t *link, *vm;

                if (!(targets & DAEMON_MASK(d)))
                        continue;
                r = ctl_fetch_objects(ctl, d, &links, &vms);
                if (r < 0)
                        return r;
                link = ctl_find_link(links, name);
                vm = ctl_find_vm(vms, name);
                if (!link && !vm)
                        continue;
                n_found += !!link + !!vm;

                if (ctl->json) {
                        json_t *o = json_object(), *l = json_array();

                        r = json_put(out, info->key, o);
                        if (r >= 0)
                                r = json_put(o, "Links", l);
                        if (r >= 0 && link)
                                r = json_push(l, json_incref((json_t *) link));
                        if (r >= 0 && info->vm_iface) {
                                json_t *v = json_array();

                                r = json_put(o, "VMs", v);
                                if (r >= 0 && vm)
                                        r = json_push(v, json_incref((json_t *) vm));
                        }
                        if (r < 0)
                                return r;
                        continue;
                }
                if (link) {
                        _cleanup_free_ char *title = NULL;

                        if (asprintf(&title, "%s (index %" PRIi64 ") on %s", json_get_str(link, "Name"),
                                     json_get_int(link, "Index"), info->program) < 0)
                                return -ENOMEM;
                        r = show_one(ctl, &first, title, link, info->link_fields);
                        if (r < 0)
                                return r;
                }
                if (vm) {
                        _cleanup_free_ char *title = NULL;

                        if (asprintf(&title, "VM %s (pid %" PRIi64 ") on %s", json_get_str(vm, "Name"),
                                     json_get_int(vm, "Pid"), info->program) < 0)
                                return -ENOMEM;
                        r = show_one(ctl, &first, title, vm, host_vm_fields);
                        if (r < 0)
                                return r;
                }
        }
        if (n_found == 0)
                return log_error_errno(-ENXIO, "No link%s '%s' on %s.",
                                       targets & DAEMON_MASK(DAEMON_HOST) ? " or VM" : "", name,
                                       both_programs(targets));
        return ctl->json ? output_json(ctl, out) : 0;
}

/* ---- plan ---- */

static const char *setting_unit(const char *setting) {
        if (streq(setting, "mtu"))
                return " bytes";
        if (streq(setting, "txqueuelen"))
                return " packets";
        return "";
}

/* A value as people read it: with the setting's unit when it is a plain number. */
static int add_value(Table *t, const char *setting, const char *value) {
        const char *unit = setting_unit(setting);

        if (isempty(value) || strspn(value, "0123456789") != strlen(value))
                unit = "";
        return table_addf(t, COLOR_NONE, "%s%s", isempty(value) ? "-" : value, unit);
}

static const char *link_name(const json_t *links, int64_t ifindex) {
        const json_t *l;
        size_t i;

        json_array_foreach(links, i, l)
                if (json_get_int(l, "Index") == ifindex)
                        return json_get_str(l, "Name");
        return "";
}

static int plan_read(sd_bus_message *reply, const json_t *links, json_t *rows) {
        int r;

        r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_ARRAY, "(issss)");
        if (r < 0)
                return r;
        for (;;) {
                const char *setting, *current, *desired, *refused;
                int32_t ifindex;

                r = sd_bus_message_read(reply, "(issss)", &ifindex, &setting, &current, &desired, &refused);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                r = json_push(rows, json_pack("{s:i, s:s, s:s, s:s, s:s, s:s}",
                                              "Index", (int) ifindex,
                                              "Link", ifindex > 0 ? link_name(links, ifindex) : "",
                                              "Setting", setting,
                                              "Current", current,
                                              "Desired", desired,
                                              "Refused", refused));
                if (r < 0)
                        return r;
        }
        return sd_bus_message_exit_container(reply);
}

static int plan_print(const Ctl *ctl, const json_t *rows) {
        _cleanup_(table_freep) Table *t = NULL;
        size_t i, n_refused = 0, n = json_array_size(rows);
        const json_t *row;
        int r;

        if (n == 0) {
                if (ctl->legend)
                        printf("Nothing to change: every setting matches the policy.\n");
                return 0;
        }
        r = table_new(&t, "LINK", "SETTING", "CURRENT", "DESIRED", "NOTE", NULL);
        if (r < 0)
                return r;
        json_array_foreach(rows, i, row) {
                const char *setting = json_get_str(row, "Setting"), *refused = json_get_str(row, "Refused");

                r = table_add(t, COLOR_NONE, json_get_str(row, "Link"));
                if (r >= 0)
                        r = table_add(t, COLOR_NONE, setting);
                if (r >= 0)
                        r = add_value(t, setting, json_get_str(row, "Current"));
                if (r >= 0)
                        r = add_value(t, setting, json_get_str(row, "Desired"));
                if (r >= 0)
                        r = isempty(refused) ? table_add_blank(t) :
                                               table_addf(t, COLOR_YELLOW, "refused: %s", refused);
                if (r < 0)
                        return r;
                n_refused += !isempty(refused);
        }
        r = table_print(t, stdout, ctl->legend, ctl->color);
        if (r < 0)
                return r;
        if (ctl->legend)
                printf("\n%zu change%s to make, %zu refused.\n", n - n_refused,
                       n - n_refused == 1 ? "" : "s", n_refused);
        return 0;
}

static int verb_plan(Ctl *ctl, char **args, size_t n_args) {
        _cleanup_(json_decrefp) json_t *out = NULL;
        const char *name = n_args > 0 ? args[0] : NULL;
        unsigned targets, found = 0;
        bool first = true;
        int r;

        r = read_targets(ctl, &targets);
        if (r < 0)
                return r;
        out = json_object();
        if (!out)
                return -ENOMEM;

        for (DaemonId d = 0; d < _DAEMON_MAX; d++) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                _cleanup_(json_decrefp) json_t *links = NULL, *rows = NULL;
                const DaemonInfo *info = &daemon_info[d];
                int ifindex = 0;

                if (!(targets & DAEMON_MASK(d)))
                        continue;
                r = ctl_fetch_objects(ctl, d, &links, NULL);
                if (r < 0)
                        return r;
                if (name) {
                        const json_t *l = ctl_find_link(links, name);

                        if (!l)
                                continue;
                        ifindex = (int) json_get_int(l, "Index");
                }
                found |= DAEMON_MASK(d);

                r = ctl_call(ctl, d, info->path, info->manager_iface, "Plan", &error, &reply, "i", ifindex);
                if (r < 0)
                        return ctl_log_call_error(d, "Cannot plan", &error, r);
                rows = json_array();
                if (!rows)
                        return -ENOMEM;
                r = plan_read(reply, links, rows);
                if (r < 0)
                        return log_error_errno(r == -ENOMEM ? r : -EIO, "Cannot parse the plan of %s: %s",
                                               info->program, strerror(-r));

                if (ctl->json) {
                        r = json_put(out, info->key, json_incref(rows));
                        if (r < 0)
                                return r;
                        continue;
                }
                print_section_title(ctl, targets, d, first);
                first = false;
                r = plan_print(ctl, rows);
                if (r < 0)
                        return r;
        }
        if (found == 0)
                return log_error_errno(-ENXIO, "No link '%s' on %s.", name, both_programs(targets));
        return ctl->json ? output_json(ctl, out) : 0;
}

/* ---- diagnose ---- */

typedef struct DiagCall {
        bool done;
        sd_bus_message *reply;
        sd_bus_error error;
} DiagCall;

static int diag_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        DiagCall *c = userdata;

        c->done = true;
        if (sd_bus_message_is_method_error(m, NULL))
                (void) sd_bus_error_copy(&c->error, sd_bus_message_get_error(m));
        else
                c->reply = sd_bus_message_ref(m);
        return 0;
}

/* Calls Diagnose; on a terminal the wait shows how much of the window is left on stderr. */
static int diag_call(Ctl *ctl, DaemonId d, uint32_t id, sd_bus_error *error, sd_bus_message **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        const DaemonInfo *info = &daemon_info[d];
        uint64_t timeout = (uint64_t) ctl->window_ms * 1000 + 25 * 1000000ULL;
        bool tty = isatty(STDERR_FILENO) && ctl->legend;
        DiagCall c = { .error = SD_BUS_ERROR_NULL };
        struct timespec t0, now;
        int r;

        r = sd_bus_message_new_method_call(ctl->bus, &m, info->bus_name, info->path, info->manager_iface,
                                           "Diagnose");
        if (r >= 0)
                r = sd_bus_message_set_auto_start(m, false);
        if (r >= 0)
                r = d == DAEMON_GUEST ? sd_bus_message_append(m, "iu", (int32_t) id, ctl->window_ms)
                                      : sd_bus_message_append(m, "uu", id, ctl->window_ms);
        if (r < 0)
                return r;
        if (!tty) {
                r = sd_bus_call(ctl->bus, m, timeout, error, ret);
                return r < 0 ? ctl_bus_errno(error, r) : 0;
        }
        r = sd_bus_call_async(ctl->bus, &slot, m, diag_reply, &c, timeout);
        if (r < 0)
                return r;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        while (!c.done) {
                r = sd_bus_process(ctl->bus, NULL);
                if (r < 0)
                        break;
                if (r > 0)
                        continue;
                clock_gettime(CLOCK_MONOTONIC, &now);
                double left = ctl->window_ms / 1000.0 - ((double) (now.tv_sec - t0.tv_sec) +
                                                        (double) (now.tv_nsec - t0.tv_nsec) / 1e9);
                fprintf(stderr, "\rSampling %s for %.1f s: %.1f s left ", info->program, ctl->window_ms / 1000.0,
                        left > 0 ? left : 0.0);
                r = sd_bus_wait(ctl->bus, 100 * 1000);
                if (r < 0)
                        break;
        }
        fputs("\r\033[K", stderr);
        if (r < 0) {
                sd_bus_error_free(&c.error);
                return r;
        }
        if (!c.reply) {
                r = sd_bus_error_copy(error, &c.error);
                sd_bus_error_free(&c.error);
                return ctl_bus_errno(error, r < 0 ? r : -EIO);
        }
        *ret = c.reply;
        return 0;
}

static int diag_read(sd_bus_message *reply, json_t *rows, size_t *n_warnings) {
        int r;

        r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_ARRAY, "(ssssss)");
        if (r < 0)
                return r;
        for (;;) {
                const char *code, *sev, *subject, *summary, *evidence, *fix;

                r = sd_bus_message_read(reply, "(ssssss)", &code, &sev, &subject, &summary, &evidence, &fix);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                *n_warnings += !streq(sev, "info");
                r = json_push(rows, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "Code", code, "Severity", sev,
                                              "Subject", subject, "Summary", summary, "Evidence", evidence,
                                              "Fix", fix));
                if (r < 0)
                        return r;
        }
        return sd_bus_message_exit_container(reply);
}

static int diag_print(const Ctl *ctl, const json_t *rows) {
        const json_t *row;
        size_t i;

        if (json_array_size(rows) == 0) {
                if (ctl->legend)
                        printf("No findings: nothing limits throughput that these checks can see.\n");
                return 0;
        }
        json_array_foreach(rows, i, row) {
                const char *sev = json_get_str(row, "Severity");
                const char *on = !ctl->color ? "" : streq(sev, "info") ? "" :
                                 streq(sev, "warning") ? "\033[1;33m" : "\033[1;31m";

                printf("%s%-8s%s %s: %s [%s]\n", on, sev, ctl->color && *on ? "\033[0m" : "",
                       json_get_str(row, "Subject"), json_get_str(row, "Summary"), json_get_str(row, "Code"));
                printf("         evidence: %s\n", json_get_str(row, "Evidence"));
                printf("         fix:      %s\n", json_get_str(row, "Fix"));
        }
        return 0;
}

static int verb_diagnose(Ctl *ctl, char **args, size_t n_args) {
        _cleanup_(json_decrefp) json_t *out = NULL;
        const char *name = n_args > 0 ? args[0] : NULL;
        unsigned targets, found = 0;
        size_t n_warnings = 0;
        bool first = true;
        int r;

        r = read_targets(ctl, &targets);
        if (r < 0)
                return r;
        out = json_object();
        if (!out)
                return -ENOMEM;
        for (DaemonId d = 0; d < _DAEMON_MAX; d++) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                _cleanup_(json_decrefp) json_t *links = NULL, *vms = NULL, *rows = NULL;
                uint32_t id = 0;

                if (!(targets & DAEMON_MASK(d)))
                        continue;
                if (name) {
                        const json_t *o;

                        r = ctl_fetch_objects(ctl, d, &links, &vms);
                        if (r < 0)
                                return r;
                        /* The guest diagnoses a link, the host a VM. */
                        if (d == DAEMON_GUEST && (o = ctl_find_link(links, name)))
                                id = (uint32_t) json_get_int(o, "Index");
                        else if (d == DAEMON_HOST && (o = ctl_find_vm(vms, name)))
                                id = (uint32_t) json_get_int(o, "Pid");
                        else
                                continue;
                }
                found |= DAEMON_MASK(d);
                r = diag_call(ctl, d, id, &error, &reply);
                if (r < 0)
                        return ctl_log_call_error(d, "Cannot diagnose", &error, r);
                rows = json_array();
                if (!rows)
                        return -ENOMEM;
                r = diag_read(reply, rows, &n_warnings);
                if (r < 0)
                        return log_error_errno(r == -ENOMEM ? r : -EIO, "Cannot parse the findings of %s: %s",
                                               daemon_info[d].program, strerror(-r));
                if (ctl->json) {
                        r = json_put(out, daemon_info[d].key, json_incref(rows));
                        if (r < 0)
                                return r;
                        continue;
                }
                print_section_title(ctl, targets, d, first);
                first = false;
                r = diag_print(ctl, rows);
                if (r < 0)
                        return r;
        }
        if (found == 0)
                return log_error_errno(-ENXIO, "No link or VM '%s' on %s.", name, both_programs(targets));
        r = ctl->json ? output_json(ctl, out) : 0;
        if (r < 0)
                return r;
        return n_warnings > 0 ? CTL_EXIT_FINDINGS : 0;
}

/* ---- apply, revert, reload ---- */

static int call_on_link(Ctl *ctl, const char *method, const char *what, char **args, size_t n_args) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *msg = NULL;
        const char *name = n_args > 0 ? args[0] : NULL;
        DaemonId d;
        int ifindex, r;

        r = write_target(ctl, name, &d, &ifindex);
        if (r < 0)
                return r;
        r = ctl_call(ctl, d, daemon_info[d].path, daemon_info[d].manager_iface, method, &error, NULL,
                     "i", ifindex);
        if (r < 0) {
                if (asprintf(&msg, "Cannot %s %s on %s", what, name ?: "everything",
                             daemon_info[d].program) < 0)
                        return -ENOMEM;
                return ctl_log_call_error(d, msg, &error, r);
        }
        return 0;
}

static int verb_apply(Ctl *ctl, char **args, size_t n_args) {
        return call_on_link(ctl, "Apply", "apply the policy to", args, n_args);
}

static int verb_revert(Ctl *ctl, char **args, size_t n_args) {
        return call_on_link(ctl, "Revert", "revert", args, n_args);
}

static int verb_reload(Ctl *ctl, char **args, size_t n_args) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        DaemonId d;
        int ifindex, r;

        r = write_target(ctl, NULL, &d, &ifindex);
        if (r < 0)
                return r;
        r = ctl_call(ctl, d, daemon_info[d].path, daemon_info[d].manager_iface, "Reload", &error, NULL,
                     NULL);
        if (r < 0)
                return ctl_log_call_error(d, "Cannot reload the policy", &error, r);
        return 0;
}

const Verb verbs[] = {
        { "status", "", "Show the daemons, their state and policy (default)",
          0, 0, VERB_DEFAULT | VERB_READ, DAEMON_MASK_ALL, verb_status },
        { "list", "", "List links and their state",
          0, 0, VERB_READ, DAEMON_MASK_ALL, verb_list },
        { "vms", "", "List the VMs of a host",
          0, 0, VERB_READ, DAEMON_MASK(DAEMON_HOST), verb_vms },
        { "show", "LINK|VM", "Show one link (name or index) or VM (name or pid)",
          1, 1, VERB_READ, DAEMON_MASK_ALL, verb_show },
        { "plan", "[LINK]", "Show what apply would change, changing nothing",
          0, 1, VERB_READ, DAEMON_MASK_ALL, verb_plan },
        { "diagnose", "[LINK|VM]", "Explain what limits throughput (samples --window seconds)",
          0, 1, VERB_READ, DAEMON_MASK_ALL, verb_diagnose },
        { "apply", "[LINK]", "Apply the policy now",
          0, 1, VERB_ROOT, DAEMON_MASK_ALL, verb_apply },
        { "revert", "[LINK]", "Restore the original settings",
          0, 1, VERB_ROOT, DAEMON_MASK_ALL, verb_revert },
        { "reload", "", "Re-read the policy files and apply them",
          0, 0, VERB_ROOT, DAEMON_MASK_ALL, verb_reload },
};
const size_t n_verbs = ELEMENTSOF(verbs);

const Verb *verb_find(const char *name) {
        for (size_t i = 0; i < n_verbs; i++)
                if (name ? streq(verbs[i].name, name) : (verbs[i].flags & VERB_DEFAULT))
                        return &verbs[i];
        return NULL;
}

static bool root_check_enabled(void) {
        const char *e = getenv("VNETTUNECTL_ROOT_CHECK");

        return !e || !streq(e, "0");
}

int verb_run(Ctl *ctl, const Verb *verb, char **args, size_t n_args) {
        int r;

        if (n_args < verb->min_args)
                return log_error_errno(-EINVAL, "'%s' needs %s. See 'vnettunectl --help'.",
                                       verb->name, verb->args);
        if (n_args > verb->max_args)
                return log_error_errno(-EINVAL, "Too many arguments for '%s'. See 'vnettunectl --help'.",
                                       verb->name);
        if (ctl->json && !(verb->flags & VERB_READ))
                return log_error_errno(-EINVAL, "--json is for commands that show something, not for '%s'.",
                                       verb->name);
        if (ctl->wanted && !(ctl->wanted & verb->daemons))
                return log_error_errno(-EINVAL, "'%s' is for %s only; --%s does not apply.", verb->name,
                                       daemon_info[mask_first(verb->daemons)].program,
                                       daemon_info[mask_first(ctl->wanted)].key);
        if ((verb->flags & VERB_ROOT) && geteuid() != 0 && root_check_enabled())
                return log_error_errno(-EACCES, "'vnettunectl %s' changes network tuning and needs root: "
                                       "run it as root (sudo vnettunectl %s).", verb->name, verb->name);

        ctl->verb = verb;
        r = ctl_connect(ctl);
        if (r < 0)
                return r;
        if ((verb->flags & VERB_READ) && ctl->pager)
                (void) pager_open();
        return verb->run(ctl, args, n_args);
}
