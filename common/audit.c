/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Structured journal entries for every change the daemons make (see audit.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "diagnose.h"
#include "log.h"
#include "macro.h"
#include "message-ids.h"
#include "strv.h"

static const char *const reason_table[_REASON_MAX] = {
        [REASON_NONE] = "none",
        [REASON_DRIFT] = "drift",
        [REASON_CPU] = "cpu",
        [REASON_BOOT] = "boot",
        [REASON_HOTPLUG] = "hotplug",
        [REASON_RELOAD] = "reload",
        [REASON_API] = "api",
};

const char *reason_to_string(Reason r) {
        return r >= 0 && r < _REASON_MAX ? reason_table[r] : NULL;
}

static char *fieldf(const char *fmt, ...) _printf_(1, 2);
static char *fieldf(const char *fmt, ...) {
        va_list ap;
        char *s;

        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        return s;
}

void audit_setting(int level, int error, const char *message_id, const AuditTarget *t, const char *setting,
                   const char *old, const char *new, const char *fmt, ...) {
        char *fields[12] = {};
        char msg[1024];
        size_t k = 0;
        bool ok = true;
        va_list ap;

        if (level > log_get_max_level())
                return;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        if (t->ifname) {
                fields[k++] = fieldf("INTERFACE=%s", t->ifname);
                fields[k++] = fieldf("IFINDEX=%d", t->ifindex);
        }
        if (t->vm_name) {
                fields[k++] = fieldf("VNETTUNE_VM=%s", t->vm_name);
                fields[k++] = fieldf("VNETTUNE_PID=%d", (int) t->vm_pid);
        }
        fields[k++] = fieldf("VNETTUNE_SETTING=%s", setting);
        fields[k++] = fieldf("VNETTUNE_OLD=%s", old ?: "");
        fields[k++] = fieldf("VNETTUNE_NEW=%s", new ?: "");
        fields[k++] = fieldf("VNETTUNE_REASON=%s", reason_to_string(t->reason));
        if (t->reason == REASON_API)
                fields[k++] = fieldf("VNETTUNE_UID=%u", t->uid);
        for (size_t i = 0; i < k; i++)
                ok = ok && fields[i];
        if (ok)
                log_struct_fields(level, error, message_id, fields, "%s", msg);
        else
                log_oom();
        for (size_t i = 0; i < k; i++)
                free(fields[i]);
}

const char *action_strerror(const Action *a, char *buf, size_t size) {
        if (a->error)
                snprintf(buf, size, "%s (%s)", a->error, strerror(-a->result));
        else
                snprintf(buf, size, "%s", strerror(-a->result));
        return buf;
}

/* "eth0: " for links, "" for daemon-wide settings. */
static const char *prefix(const AuditTarget *t, char *buf, size_t size) {
        snprintf(buf, size, "%s%s", t->ifname ?: "", t->ifname ? ": " : "");
        return buf;
}

int audit_action(const AuditTarget *t, const Action *a, char ***reported, char **ret_error) {
        char ebuf[512], p[64];
        bool first = !reported || !strv_contains(*reported, a->setting);

        if (a->refused || a->result < 0) {
                const char *why = a->refused ?: action_strerror(a, ebuf, sizeof ebuf);

                if (first) {
                        if (a->refused)
                                audit_setting(LOG_WARNING, 0, VNT_MESSAGE_SETTING_REFUSED, t, a->setting, a->current,
                                              a->desired, "%s%s, ignoring", prefix(t, p, sizeof p), why);
                        else
                                audit_setting(LOG_WARNING, a->result, VNT_MESSAGE_SETTING_FAILED, t, a->setting,
                                              a->current, a->desired, "%ssetting %s to %s failed: %s, ignoring",
                                              prefix(t, p, sizeof p), a->setting, a->desired, why);
                        if (reported)
                                (void) strv_extend(reported, a->setting);
                }
                if (ret_error)
                        (void) free_and_strdup(ret_error, why);
                return a->refused ? 0 : -1;
        }
        /* Re-written to the same value (XPS after a channel change): not a change worth a line. */
        if (streq_ptr(a->current, a->desired))
                return 1;
        audit_setting(LOG_INFO, 0, VNT_MESSAGE_SETTING_CHANGED, t, a->setting, a->current, a->desired,
                      "%s%s %s -> %s (%s)", prefix(t, p, sizeof p), a->setting,
                      isempty(a->current) ? "-" : a->current, a->desired, reason_to_string(t->reason));
        return 1;
}

void audit_drift(const AuditTarget *t, const Action *a, DriftMode mode) {
        char p[64];

        if (a->refused || streq_ptr(a->current, a->desired))
                return;
        /* OLD is what the policy wants, NEW what the device has now. */
        audit_setting(mode == DRIFT_IGNORE ? LOG_DEBUG : LOG_NOTICE, 0, VNT_MESSAGE_DRIFT, t, a->setting,
                      a->desired, a->current, "%s%s drifted from %s to %s (%s)%s", prefix(t, p, sizeof p),
                      a->setting, a->desired, isempty(a->current) ? "-" : a->current,
                      reason_to_string(t->reason), mode == DRIFT_ENFORCE ? ", re-applying" : "");
}

int audit_revert(const AuditTarget *t, const Action *a, char **ret_error) {
        char ebuf[512], p[64];

        if (a->refused || a->result < 0) {
                const char *why = a->refused ?: action_strerror(a, ebuf, sizeof ebuf);

                audit_setting(LOG_WARNING, a->result, VNT_MESSAGE_SETTING_FAILED, t, a->setting, a->current,
                              a->desired, "%srestoring %s to %s failed: %s", prefix(t, p, sizeof p), a->setting,
                              a->desired, why);
                if (ret_error && !*ret_error)
                        *ret_error = fieldf("%s%s: %s", prefix(t, p, sizeof p), a->setting, why);
                return -1;
        }
        audit_setting(LOG_INFO, 0, VNT_MESSAGE_REVERTED, t, a->setting, a->current, a->desired,
                      "%s%s restored %s -> %s", prefix(t, p, sizeof p), a->setting,
                      isempty(a->current) ? "-" : a->current, a->desired);
        return 0;
}

void audit_config_diagnostics(const ConfDiagnostics *d, char ***lines) {
        for (size_t i = 0; i < d->n; i++) {
                _cleanup_free_ char *line = NULL, *f = NULL;

                if (d->items[i].line > 0)
                        line = fieldf("%s:%u: %s", d->items[i].file, d->items[i].line, d->items[i].message);
                else
                        line = fieldf("%s: %s", d->items[i].file, d->items[i].message);
                f = fieldf("CONFIG_FILE=%s", d->items[i].file);
                if (!line || !f) {
                        log_oom();
                        continue;
                }
                char *fields[] = { f, NULL };
                log_struct_fields(LOG_WARNING, 0, VNT_MESSAGE_CONFIG_BAD, fields, "%s", line);
                if (lines)
                        (void) strv_extend(lines, line);
        }
}

void audit_link_event(int level, const char *message_id, const char *ifname, int ifindex, const char *fmt, ...) {
        _cleanup_free_ char *f1 = NULL, *f2 = NULL;
        char msg[512];
        va_list ap;

        if (level > log_get_max_level())
                return;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        f1 = fieldf("INTERFACE=%s", ifname ?: "");
        f2 = fieldf("IFINDEX=%d", ifindex);
        if (!f1 || !f2) {
                log_oom();
                return;
        }
        char *fields[] = { f1, f2, NULL };
        log_struct_fields(level, 0, message_id, fields, "%s", msg);
}

void audit_finding(const Finding *f, const char *ifname, int ifindex, const char *vm_name, pid_t vm_pid) {
        char *fields[12] = {};
        size_t k = 0;
        bool ok = true;
        int level = f->severity >= SEVERITY_CRITICAL ? LOG_ERR :
                    f->severity >= SEVERITY_WARNING ? LOG_WARNING : LOG_INFO;

        if (level > log_get_max_level())
                return;
        fields[k++] = fieldf("VNETTUNE_FINDING=%s", finding_code_to_string(f->code));
        fields[k++] = fieldf("VNETTUNE_SEVERITY=%s", severity_to_string(f->severity));
        fields[k++] = fieldf("VNETTUNE_SUBJECT=%s", f->subject);
        fields[k++] = fieldf("VNETTUNE_EVIDENCE=%s", f->evidence);
        fields[k++] = fieldf("VNETTUNE_FIX=%s", f->fix);
        if (ifname) {
                fields[k++] = fieldf("INTERFACE=%s", ifname);
                fields[k++] = fieldf("IFINDEX=%d", ifindex);
        }
        if (vm_name) {
                fields[k++] = fieldf("VNETTUNE_VM=%s", vm_name);
                fields[k++] = fieldf("VNETTUNE_PID=%d", (int) vm_pid);
        }
        for (size_t i = 0; i < k; i++)
                ok = ok && fields[i];
        if (ok)
                log_struct_fields(level, 0, finding_message_id(f->code), fields, "%s: %s (%s). Fix: %s", f->subject,
                                  f->summary, f->evidence, f->fix);
        else
                log_oom();
        for (size_t i = 0; i < k; i++)
                free(fields[i]);
}
