/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The change journal shared by both daemons: one structured entry per change, refusal, failure, drift, revert. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf-parser.h"
#include "link-policy.h"
#include "plan.h"

/* Why something is being reconciled; ordered by precedence (a later one wins when marks merge). */
typedef enum Reason {
        REASON_NONE,
        REASON_DRIFT,
        REASON_CPU,
        REASON_BOOT,
        REASON_HOTPLUG,
        REASON_RELOAD,
        REASON_API,
        _REASON_MAX,
        _REASON_INVALID = -EINVAL,
} Reason;

const char *reason_to_string(Reason r);

/* What a journal entry is about. ifname NULL: a daemon-wide setting (sysctl). vm_name NULL: no VM. */
typedef struct AuditTarget {
        const char *ifname;
        int ifindex;
        const char *vm_name;
        pid_t vm_pid;
        Reason reason;
        uint32_t uid;           /* the D-Bus caller, logged for REASON_API */
} AuditTarget;

/* One entry with INTERFACE, IFINDEX, VNETTUNE_SETTING/OLD/NEW/REASON, VNETTUNE_UID (api),
 * VNETTUNE_VM/VNETTUNE_PID (host) and the message. */
void audit_setting(int level, int error, const char *message_id, const AuditTarget *t, const char *setting,
                   const char *old, const char *new, const char *fmt, ...) __attribute__((format(printf, 8, 9)));

/* "extack text (strerror)" or "strerror" of a failed action. */
const char *action_strerror(const Action *a, char *buf, size_t size);

/* Logs what the executor did with one action: a change at info, a refusal or failure at warning
 * but only the first time per setting (tracked in *reported). Returns 1 for a change (or a
 * same-value rewrite), 0 for refused, -1 for failed; *ret_error (may be NULL) gets the reason. */
int audit_action(const AuditTarget *t, const Action *a, char ***reported, char **ret_error);
/* A drift found by a plan against the policy: notice (debug with Drift=ignore). */
void audit_drift(const AuditTarget *t, const Action *a, DriftMode mode);
/* The outcome of one revert action; returns 0 restored, -1 failed (*ret_error gets why, first one wins). */
int audit_revert(const AuditTarget *t, const Action *a, char **ret_error);

/* Logs each configuration diagnostic ("file:line: message", CONFIG_FILE=) and appends the line to
 * *lines (for the ConfigWarnings property). */
void audit_config_diagnostics(const ConfDiagnostics *d, char ***lines);

/* One diagnosis finding as a journal entry with its own MESSAGE_ID and VNETTUNE_FINDING,
 * VNETTUNE_SEVERITY, VNETTUNE_SUBJECT, VNETTUNE_EVIDENCE, VNETTUNE_FIX (and INTERFACE/IFINDEX or
 * VNETTUNE_VM/VNETTUNE_PID when given). */
struct Finding;
void audit_finding(const struct Finding *f, const char *ifname, int ifindex, const char *vm_name, pid_t vm_pid);

/* A link-level event without a setting (appeared, removed): INTERFACE and IFINDEX fields. */
void audit_link_event(int level, const char *message_id, const char *ifname, int ifindex, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));
