/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers for the daemons' D-Bus glue (see bus-util.h). */
#include <stdlib.h>
#include <string.h>

#include "bus-util.h"
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
