/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers for the daemons' D-Bus glue (see bus-util.h). */
#include <stdlib.h>
#include <string.h>

#include "bus-util.h"
#include "log.h"
#include "macro.h"

int bus_caller_uid(sd_bus_message *msg, uint32_t *ret) {
        sd_bus_creds *creds = NULL;
        uid_t uid;
        int r;

        r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID | SD_BUS_CREDS_AUGMENT, &creds);
        if (r < 0)
                return r;
        r = sd_bus_creds_get_euid(creds, &uid);
        sd_bus_creds_unref(creds);
        if (r < 0)
                return r;
        *ret = (uint32_t) uid;
        return 0;
}

int bus_check_root(sd_bus_message *msg, const char *what, uint32_t *ret_uid, sd_bus_error *error) {
        uint32_t uid;
        int r;

        r = bus_caller_uid(msg, &uid);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot determine the caller: %s", strerror(-r));
        if (uid != 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED, "Changing %s needs root (caller uid %u).",
                                         what, uid);
        *ret_uid = uid;
        return 0;
}

int32_t bus_path_id(const char *path, const char *prefix) {
        _cleanup_free_ char *id = NULL;
        int64_t v = 0;

        /* Only the canonical form: "_2b4242" would otherwise decode to 4242 as well. */
        if (sd_bus_path_decode(path, prefix, &id) <= 0 || !id[0] || id[0] == '0' || strlen(id) > 10)
                return 0;
        for (const char *p = id; *p; p++) {
                if (*p < '0' || *p > '9')
                        return 0;
                v = v * 10 + (*p - '0');
        }
        return v <= INT32_MAX ? (int32_t) v : 0;
}

int bus_reply_plan(sd_bus_message *msg, const Plan *plan, const int *ifindexes) {
        sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(issss)");
        for (size_t i = 0; r >= 0 && i < plan->n; i++) {
                const Action *a = &plan->actions[i];
                r = sd_bus_message_append(reply, "(issss)", ifindexes[i], a->setting, a->current ?: "",
                                          a->desired ?: "", a->refused ?: "");
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r;
}

int bus_reply_findings(sd_bus_message *msg, int error, const Findings *f) {
        sd_bus_message *reply = NULL;
        int r;

        if (error < 0 || !f) {
                int e = error < 0 ? -error : EIO;
                return sd_bus_reply_method_errnof(msg, e, "Diagnosis failed: %s", strerror(e));
        }
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ssssss)");
        for (size_t i = 0; r >= 0 && i < f->n; i++) {
                const Finding *x = &f->items[i];
                r = sd_bus_message_append(reply, "(ssssss)", finding_code_to_string(x->code),
                                          severity_to_string(x->severity), x->subject, x->summary, x->evidence,
                                          x->fix);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r;
}

#define BUS_RETRY_MIN_USEC (1000000ULL)
#define BUS_RETRY_MAX_USEC (30 * 1000000ULL)

static int bus_keeper_arm(BusKeeper *k);

static int on_bus_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        BusKeeper *k = userdata;
        int r;

        /* The old connection is dead: drop it with everything registered on it. */
        *k->bus = sd_bus_flush_close_unref(*k->bus);
        r = k->setup(k->userdata);
        if (r < 0) {
                *k->bus = sd_bus_flush_close_unref(*k->bus);
                log_debug_errno(r, "Reconnecting %s to the system bus failed: %m; retrying in %.0f s.", k->name,
                                (double) k->delay_usec / 1e6);
                (void) bus_keeper_arm(k);
                return 0;
        }
        log_info("%s is on the system bus again.", k->name);
        (void) bus_keeper_start(k, true);
        return 0;
}

static int bus_keeper_arm(BusKeeper *k) {
        int r;

        if (!k->timer) {
                r = sd_event_add_time_relative(k->event, &k->timer, CLOCK_MONOTONIC, k->delay_usec, 0, on_bus_retry,
                                               k);
                if (r < 0)
                        return r;
                (void) sd_event_source_set_description(k->timer, "bus-reconnect");
        } else {
                r = sd_event_source_set_time_relative(k->timer, k->delay_usec);
                if (r < 0)
                        return r;
        }
        k->delay_usec = MIN(k->delay_usec * 2, BUS_RETRY_MAX_USEC);
        return sd_event_source_set_enabled(k->timer, SD_EVENT_ONESHOT);
}

static int on_bus_disconnected(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        BusKeeper *k = userdata;

        log_warning("%s lost its system bus connection (the bus daemon restarted?); reconnecting.", k->name);
        k->delay_usec = BUS_RETRY_MIN_USEC;
        (void) bus_keeper_arm(k);
        return 0;
}

int bus_keeper_start(BusKeeper *k, bool connected) {
        if (!connected) {
                if (k->delay_usec == 0)
                        k->delay_usec = BUS_RETRY_MIN_USEC;
                return bus_keeper_arm(k);
        }
        k->delay_usec = BUS_RETRY_MIN_USEC;
        /* sd-bus turns the loss of the connection into this local signal. */
        return sd_bus_match_signal(*k->bus, NULL, "org.freedesktop.DBus.Local", "/org/freedesktop/DBus/Local",
                                   "org.freedesktop.DBus.Local", "Disconnected", on_bus_disconnected, k);
}

void bus_keeper_done(BusKeeper *k) {
        k->timer = sd_event_source_disable_unref(k->timer);
}
