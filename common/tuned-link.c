/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Applying and reverting one managed link with the shared drift, originals and audit rules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>

#include "log.h"
#include "macro.h"
#include "strv.h"
#include "sysfs-net.h"
#include "tuned-link.h"

static const char *const link_state_table[_LINK_STATE_MAX] = {
        [LINK_STATE_PENDING] = "pending",
        [LINK_STATE_TUNED] = "tuned",
        [LINK_STATE_DEGRADED] = "degraded",
        [LINK_STATE_DRIFTED] = "drifted",
        [LINK_STATE_FAILED] = "failed",
        [LINK_STATE_UNMANAGED] = "unmanaged",
        [LINK_STATE_REVERTED] = "reverted",
};

const char *link_state_to_string(LinkState s) {
        return s >= 0 && s < _LINK_STATE_MAX ? link_state_table[s] : NULL;
}

static uint64_t now_realtime_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

int tuned_link_init(TunedLink *t, int ifindex, const char *originals_path) {
        *t = (TunedLink) {
                .ifindex = ifindex,
                .snap.ifindex = ifindex,
                .state = LINK_STATE_PENDING,
        };
        return tuner_load_originals(originals_path, &t->originals);
}

int tuned_link_setup(TunedLink *t, int ifindex, const char *state_dir, const char *bus_prefix, char **ret_path) {
        _cleanup_free_ char *opath = NULL;
        char id[32];
        int r;

        if (asprintf(&opath, "%s/links/%d", state_dir, ifindex) < 0)
                return -ENOMEM;
        r = tuned_link_init(t, ifindex, opath);
        if (r < 0)
                return r;
        snprintf(id, sizeof id, "%d", ifindex);
        r = sd_bus_path_encode(bus_prefix, id, ret_path);
        if (r < 0)
                tuned_link_done(t);
        return r;
}

void tuned_link_done(TunedLink *t) {
        netdev_snapshot_done(&t->snap);
        originals_done(&t->originals);
        free(t->last_error);
        strv_free(t->reported);
        t->last_error = NULL;
        t->reported = NULL;
}

void tuned_link_mark(TunedLink *t, Reason reason) {
        if (reason > t->reason)
                t->reason = reason;
}

void tuned_link_reset_reported(TunedLink *t) {
        strv_free(t->reported);
        t->reported = NULL;
}

int tuned_link_refresh(TunedLink *t, TunerKernel *k) {
        int r = tuner_read_link(k, t->ifindex, &t->snap);

        if (r < 0 || t->identity_checked || !t->snap.mac[0])
                return r;
        /* Records are kept by ifindex; if the device behind it is another one (an ifindex reused
         * while we were down), its records are not this device's originals. */
        t->identity_checked = true;
        if (t->originals.identity && !streq(t->originals.identity, t->snap.mac)) {
                _cleanup_free_ char *moved = NULL, *was = strdup(t->originals.identity);

                (void) originals_quarantine(&t->originals, &moved);
                log_warning("%s: recorded originals %s belonged to another device (%s, now %s); kept as %s, "
                            "recording afresh.", t->snap.name, strna(t->originals.path), strna(was), t->snap.mac,
                            strna(moved));
        }
        (void) originals_set_identity(&t->originals, t->snap.mac);
        return r;
}

static AuditTarget target(const TunedLink *t, Reason reason) {
        return (AuditTarget) {
                .ifname = t->snap.name,
                .ifindex = t->ifindex,
                .vm_name = t->vm_name,
                .vm_pid = t->vm_pid,
                .reason = reason,
                .uid = t->api_uid,
        };
}

/* Folds what an executed plan changed into the snapshot, instead of reading the whole link again:
 * the kernel took exactly these values. Only what the plan cannot know is re-read: the offload groups
 * after a FEATURES_SET (dependent features may follow), and the XPS masks when the channel count
 * changed and the plan did not write every new queue (drivers rewrite XPS on a channel change). */
static int snapshot_fold_plan(TunedLink *t, TunerKernel *k, const Plan *plan) {
        NetdevSnapshot *s = &t->snap;
        bool channels = false, offloads = false, xps_read = false;
        uint32_t n_tx = 0;
        unsigned n_xps_written = 0;
        int r;

        for (size_t i = 0; i < plan->n; i++) {
                const Action *a = &plan->actions[i];

                if (!a->done)
                        continue;
                switch (a->kind) {
                case ACTION_CHANNELS:
                        s->channels.rx = a->channels.rx;
                        s->channels.tx = a->channels.tx;
                        s->channels.other = a->channels.other;
                        s->channels.combined = a->channels.combined;
                        n_tx = a->channels.combined + a->channels.tx;
                        channels = true;
                        break;
                case ACTION_MTU:
                        s->mtu = a->mtu;
                        break;
                case ACTION_TXQUEUELEN:
                        s->txqueuelen = a->txqueuelen;
                        break;
                case ACTION_OFFLOAD:
                        offloads = true;
                        break;
                default:
                        break;
                }
        }

        if (channels) {
                /* The queues are now 0..n_tx-1; usable without a read only if we wrote all of them. */
                bool *written = calloc(n_tx + 1, sizeof(bool));

                if (!written)
                        return -ENOMEM;
                for (size_t i = 0; i < plan->n; i++) {
                        const Action *a = &plan->actions[i];

                        if (a->done && a->kind == ACTION_XPS && a->xps.queue < n_tx && !written[a->xps.queue]) {
                                written[a->xps.queue] = true;
                                n_xps_written++;
                        }
                }
                free(written);
                if (n_xps_written != n_tx || s->xps_error != 0) {
                        for (unsigned q = 0; q < s->n_xps; q++)
                                cpuset_done(&s->xps[q]);
                        free(s->xps);
                        s->xps = NULL;
                        s->n_xps = 0;
                        s->xps_error = sysfs_read_xps(s->name, s);
                        xps_read = true;
                } else if (n_tx != s->n_xps) {
                        CpuSet *x;

                        for (unsigned q = n_tx; q < s->n_xps; q++)
                                cpuset_done(&s->xps[q]);
                        x = realloc(s->xps, (n_tx + 1) * sizeof(CpuSet));
                        if (!x)
                                return -ENOMEM;
                        for (unsigned q = s->n_xps; q < n_tx; q++)
                                x[q] = CPUSET_NULL;
                        s->xps = x;
                        s->n_xps = n_tx;
                }
        }
        for (size_t i = 0; i < plan->n; i++) {
                const Action *a = &plan->actions[i];

                if (xps_read || !a->done || a->kind != ACTION_XPS || a->xps.queue >= s->n_xps)
                        continue;
                cpuset_done(&s->xps[a->xps.queue]);
                r = cpuset_copy(&a->xps.mask, &s->xps[a->xps.queue]);
                if (r < 0)
                        return r;
        }
        if (offloads && k->ethtool)
                s->features_error = ethtool_nl_get_offloads(k->ethtool, t->ifindex, s->offloads);
        return 0;
}

bool tuned_link_ethtool_ntf_is_echo(const TunedLink *t, const Channels *channels, const OffloadState *offloads) {
        const NetdevSnapshot *s = &t->snap;

        if (channels)
                return s->channels_error == 0 && channels->rx == s->channels.rx && channels->tx == s->channels.tx &&
                       channels->other == s->channels.other && channels->combined == s->channels.combined;
        if (offloads) {
                if (s->features_error != 0)
                        return false;
                for (Offload o = 0; o < _OFFLOAD_MAX; o++)
                        if (offloads[o].known && offloads[o].active != s->offloads[o].active)
                                return false;
                return true;
        }
        return false;
}

int tuned_link_apply(TunedLink *t, TunerKernel *k, const LinkSettings *settings, DriftMode drift,
                     const CpuSet *online) {
        size_t n_changes, n_failed = 0, n_refused = 0, n_done = 0;
        Reason reason = t->reason;
        Plan plan = {};
        int r;

        t->reason = REASON_NONE;
        if (!settings) {
                t->state = LINK_STATE_UNMANAGED;
                return 0;
        }
        if (t->suspended && reason != REASON_API && reason != REASON_RELOAD)
                return 0;
        t->suspended = false;

        /* Taking the link over (not a drift): what it has now for every managed setting is what
         * Revert gives back, even for settings that need no change today (first record wins). */
        if (reason != REASON_DRIFT && reason != REASON_CPU) {
                char **bs = NULL, **bv = NULL;
                size_t bn = 0;

                _cleanup_free_ bool *added = NULL;
                bool any = false;

                r = plan_baseline(&t->snap, settings, &bs, &bv, &bn);
                if (r >= 0 && !(added = calloc(bn + 1, sizeof(bool))))
                        r = -ENOMEM;
                for (size_t i = 0; r >= 0 && i < bn; i++) {
                        r = originals_add(&t->originals, bs[i], bv[i]);
                        added[i] = r > 0;
                        any = any || r > 0;
                }
                /* One write for all of them; what could not be saved is not kept in memory either. */
                if (r >= 0 && any)
                        r = originals_save(&t->originals);
                for (size_t i = 0; r < 0 && added && i < bn; i++)
                        if (added[i])
                                originals_drop(&t->originals, bs[i]);
                strv_free(bs);
                strv_free(bv);
                if (r < 0) {
                        /* Without the records nothing may be changed: Revert could not undo it. */
                        log_warning_errno(r, "%s: cannot record the original values: %m; leaving it alone",
                                          t->snap.name);
                        (void) free_and_strdup(&t->last_error, "cannot record the original values");
                        t->state = LINK_STATE_FAILED;
                        return r;
                }
        }

        r = plan_link(&t->snap, settings, online, &plan);
        if (r < 0) {
                log_warning_errno(r, "%s: planning failed: %m", t->snap.name);
                (void) free_and_strdup(&t->last_error, strerror(-r));
                t->state = LINK_STATE_FAILED;
                return r;
        }
        n_changes = plan_n_changes(&plan);

        /* Drift: the kernel or someone else changed a link we had made true. */
        AuditTarget at = target(t, reason);
        if ((reason == REASON_DRIFT || reason == REASON_CPU) && n_changes > 0) {
                /* A setting already known to fail is not news each time something else moves. */
                for (size_t i = 0; i < plan.n; i++)
                        if (!strv_contains(t->reported, plan.actions[i].setting))
                                audit_drift(&at, &plan.actions[i], drift);
                if (drift != DRIFT_ENFORCE) {
                        t->state = LINK_STATE_DRIFTED;
                        plan_done(&plan);
                        return 0;
                }
        }

        r = tuner_execute(&tuner_kernel_ops, k, t->ifindex, t->snap.name, &plan, &t->originals);
        if (r < 0) {
                plan_done(&plan);
                return log_oom();
        }
        for (size_t i = 0; i < plan.n; i++) {
                r = audit_action(&at, &plan.actions[i], &t->reported, &t->last_error);
                if (r > 0)
                        n_done++;
                else if (r == 0)
                        n_refused++;
                else
                        n_failed++;
        }
        /* What the kernel has now, without reading it all again. */
        if (n_done > 0 && snapshot_fold_plan(t, k, &plan) < 0)
                (void) tuned_link_refresh(t, k);
        plan_done(&plan);

        if (n_done > 0)
                t->last_change_usec = now_realtime_usec();
        /* Failed: nothing of the policy could be made true. A later plan only holds what still
         * differs, so one that fails entirely after earlier successes leaves the link degraded. */
        bool tuned_before = t->state == LINK_STATE_TUNED || t->state == LINK_STATE_DEGRADED ||
                            t->state == LINK_STATE_DRIFTED;
        if (n_failed == 0 && n_refused == 0) {
                t->state = LINK_STATE_TUNED;
                (void) free_and_strdup(&t->last_error, NULL);
        } else if (n_done == 0 && n_failed > 0 && n_changes == n_failed && !tuned_before)
                t->state = LINK_STATE_FAILED;
        else
                t->state = LINK_STATE_DEGRADED;

        return (int) n_done;
}

int tuned_link_revert(TunedLink *t, TunerKernel *k, uint32_t uid, char **errors) {
        Plan plan = {};
        int r, n_failed = 0;

        t->api_uid = uid;
        if (t->originals.n == 0) {
                t->suspended = true;
                if (t->state != LINK_STATE_UNMANAGED)
                        t->state = LINK_STATE_REVERTED;
                return 0;
        }
        r = tuned_link_refresh(t, k);
        if (r < 0)
                return r;
        r = plan_revert(&t->snap, t->originals.settings, t->originals.values, t->originals.n, &plan);
        if (r < 0)
                return r;
        tuner_kernel_forget_name(k);
        executor_run(&tuner_kernel_ops, k, t->ifindex, t->snap.name, &plan);
        tuner_kernel_forget_name(k);
        AuditTarget at = target(t, REASON_API);
        for (size_t i = 0; i < plan.n; i++)
                if (audit_revert(&at, &plan.actions[i], errors) < 0)
                        n_failed++;
        plan_done(&plan);
        if (n_failed == 0) {
                /* Everything is back (settings already at their original needed no action). */
                (void) originals_forget_all(&t->originals);
                t->suspended = true;
                t->state = LINK_STATE_REVERTED;
                t->last_change_usec = now_realtime_usec();
        } else
                t->state = LINK_STATE_DEGRADED;
        (void) tuned_link_refresh(t, k);
        return n_failed;
}
