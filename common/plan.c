/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pure planner: compares a device snapshot with its policy and lists the changes to make, in order. */
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "plan.h"

static void action_done(Action *a) {
        free(a->setting);
        free(a->current);
        free(a->desired);
        free(a->refused);
        free(a->error);

        switch (a->kind) {
        case ACTION_XPS:
                cpuset_done(&a->xps.mask);
                break;
        case ACTION_SYSCTL:
                free(a->sysctl.key);
                free(a->sysctl.value);
                break;
        case ACTION_AFFINITY:
                cpuset_done(&a->affinity.cpus);
                break;
        default:
                break;
        }

        *a = (Action) {};
}

void plan_done(Plan *p) {
        if (!p)
                return;
        for (size_t i = 0; i < p->n; i++)
                action_done(&p->actions[i]);
        free(p->actions);
        *p = (Plan) {};
}

size_t plan_n_changes(const Plan *p) {
        size_t n = 0;

        assert(p);
        for (size_t i = 0; i < p->n; i++)
                if (!p->actions[i].refused)
                        n++;
        return n;
}

/* Moves *a to the end of the plan and leaves *a empty; on failure *a is left to the caller. */
static int plan_push(Plan *p, Action *a) {
        Action *n;

        n = reallocarray(p->actions, p->n + 1, sizeof(Action));
        if (!n)
                return -ENOMEM;
        p->actions = n;
        p->actions[p->n++] = *a;
        *a = (Action) {};
        return 0;
}

_printf_(2, 3)
static int format_string(char **ret, const char *fmt, ...) {
        va_list ap;
        char *s;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;

        free(*ret);
        *ret = s;
        return 0;
}

/* Fills the setting, current and desired strings of an action. */
static int action_describe(Action *a, const char *setting, const char *current, const char *desired) {
        int r;

        r = free_and_strdup(&a->setting, setting);
        if (r < 0)
                return r;
        r = free_and_strdup(&a->current, current);
        if (r < 0)
                return r;
        return free_and_strdup(&a->desired, desired);
}

static bool channel_counts_equal(const Channels *a, const Channels *b) {
        return a->rx == b->rx && a->tx == b->tx && a->combined == b->combined;
}

/* Transmit queues a device has with these channel counts. */
static uint32_t channels_tx_queues(const Channels *c) {
        return c->combined + c->tx;
}

static const char *on_off(bool b) {
        return b ? "on" : "off";
}

int plan_channels_target(const LinkSettings *s, const Channels *c, unsigned n_online_cpus, uint32_t *ret) {
        uint32_t max, target;

        assert(s);
        assert(c);
        assert(ret);

        if (s->channels_mode < 0 || s->channels_mode >= _CHANNELS_MODE_MAX)
                return -EINVAL;
        if (s->channels_mode == CHANNELS_KEEP)
                return -ENODATA;
        if (channels_kind(c) == CHANNEL_KIND_NONE)
                return -ENODATA;

        max = channels_max(c);
        switch (s->channels_mode) {
        case CHANNELS_AUTO:
                target = MAX(MIN(max, n_online_cpus), 1U);
                break;
        case CHANNELS_MAX:
                target = max;
                break;
        case CHANNELS_NUMBER:
                if (s->channels == 0)
                        return -EINVAL;
                target = s->channels;
                break;
        default:
                assert(false);
                return -EINVAL;
        }

        *ret = target;
        return 0;
}

int plan_xps_auto_mask(const unsigned *cpus, unsigned n_cpus, unsigned q, unsigned n_queues, CpuSet *ret) {
        _cleanup_(cpuset_done) CpuSet mask = CPUSET_NULL;
        int r;

        assert(cpus || n_cpus == 0);
        assert(ret);

        if (n_cpus == 0 || q >= n_queues)
                return -EINVAL;

        if (n_cpus >= n_queues) {
                /* Contiguous groups whose sizes differ by at most one; equal counts give one CPU each. */
                size_t first = (size_t) ((uint64_t) q * n_cpus / n_queues);
                size_t end = (size_t) ((uint64_t) (q + 1) * n_cpus / n_queues);

                for (size_t i = first; i < end; i++) {
                        r = cpuset_set(&mask, cpus[i]);
                        if (r < 0)
                                return r;
                }
        } else {
                r = cpuset_set(&mask, cpus[q % n_cpus]);
                if (r < 0)
                        return r;
        }

        *ret = mask;
        mask = CPUSET_NULL;
        return 0;
}

/* Returns 1 and the transmit queue count after the change if a channels change is planned, else 0. */
static int plan_link_channels(const NetdevSnapshot *snap, const LinkSettings *s, unsigned n_online,
                              Plan *p, uint32_t *ret_n_tx) {
        _cleanup_(action_done) Action a = { .kind = ACTION_CHANNELS };
        _cleanup_free_ char *current = NULL, *desired = NULL;
        const Channels *cur = &snap->channels;
        uint32_t target, max;
        Channels want;
        bool rxtx, refused;
        int r;

        if (snap->channels_error != 0)
                return 0;

        r = plan_channels_target(s, cur, n_online, &target);
        if (r == -ENODATA)
                return 0;
        if (r < 0)
                return r;

        max = channels_max(cur);
        rxtx = channels_kind(cur) == CHANNEL_KIND_RXTX;
        want = *cur;

        if (target > max) {
                if (rxtx)
                        want.rx = want.tx = target;
                else
                        want.combined = target;
                r = format_string(&a.refused, "Channels=%" PRIu32 " exceeds the device maximum of %" PRIu32,
                                  target, max);
                if (r < 0)
                        return r;
        } else {
                if (rxtx) {
                        want.rx = MIN(target, cur->max_rx);
                        want.tx = MIN(target, cur->max_tx);
                } else
                        want.combined = target;

                if (channel_counts_equal(&want, cur))
                        return 0;
        }

        r = channels_format(cur, &current);
        if (r < 0)
                return r;
        r = channels_format(&want, &desired);
        if (r < 0)
                return r;
        r = action_describe(&a, "channels", current, desired);
        if (r < 0)
                return r;
        a.channels = want;
        refused = a.refused != NULL;

        r = plan_push(p, &a);
        if (r < 0)
                return r;

        if (refused)
                return 0;
        *ret_n_tx = channels_tx_queues(&want);
        return 1;
}

/* Adds one XPS action for queue q towards want (taken over on success). */
static int plan_push_xps(const NetdevSnapshot *snap, unsigned q, CpuSet *want, Plan *p) {
        _cleanup_(action_done) Action a = { .kind = ACTION_XPS, .xps = { .queue = q } };
        _cleanup_free_ char *current = NULL, *desired = NULL, *setting = NULL;
        int r;

        if (q < snap->n_xps) {
                r = cpuset_format_mask(&snap->xps[q], &current);
                if (r < 0)
                        return r;
        }
        r = cpuset_format_mask(want, &desired);
        if (r < 0)
                return r;
        r = format_string(&setting, "xps:tx-%u", q);
        if (r < 0)
                return r;
        r = action_describe(&a, setting, current ?: "", desired);
        if (r < 0)
                return r;

        a.xps.mask = *want;
        *want = CPUSET_NULL;
        return plan_push(p, &a);
}

static int plan_link_xps(const NetdevSnapshot *snap, const LinkSettings *s,
                         const unsigned *cpus, unsigned n_cpus,
                         bool rewrite, unsigned n_queues, Plan *p) {
        int r;

        if (s->xps_mode < 0 || s->xps_mode >= _XPS_MODE_MAX)
                return -EINVAL;
        if (s->xps_mode == XPS_KEEP || snap->xps_error != 0)
                return 0;

        /* With no online CPU at all there is nothing sensible to spread over. */
        if (s->xps_mode == XPS_AUTO && n_cpus == 0)
                return 0;

        for (unsigned q = 0; q < n_queues; q++) {
                _cleanup_(cpuset_done) CpuSet want = CPUSET_NULL;

                if (s->xps_mode == XPS_AUTO)
                        r = plan_xps_auto_mask(cpus, n_cpus, q, n_queues, &want);
                else {
                        if (q >= s->n_xps)
                                break;          /* queues beyond the list stay as they are */
                        r = cpuset_copy(&s->xps[q], &want);
                }
                if (r < 0)
                        return r;

                /* A channel change makes drivers rewrite every XPS mask: set them all again. */
                if (!rewrite && q < snap->n_xps && cpuset_equal(&snap->xps[q], &want))
                        continue;

                r = plan_push_xps(snap, q, &want, p);
                if (r < 0)
                        return r;
        }

        return 0;
}

static int plan_link_mtu(const NetdevSnapshot *snap, const LinkSettings *s, Plan *p) {
        _cleanup_(action_done) Action a = { .kind = ACTION_MTU };
        _cleanup_free_ char *current = NULL, *desired = NULL;
        uint32_t want;
        int r;

        if (s->mtu_mode < 0 || s->mtu_mode >= _MTU_MODE_MAX)
                return -EINVAL;
        if (s->mtu_mode == MTU_KEEP || !snap->have_link)
                return 0;

        if (s->mtu_mode == MTU_MAX) {
                if (snap->max_mtu == 0)
                        return 0;
                want = snap->max_mtu;
        } else {
                want = s->mtu;
                if (snap->max_mtu != 0 && want > snap->max_mtu)
                        r = format_string(&a.refused,
                                          "MTU=%" PRIu32 " exceeds the device maximum of %" PRIu32,
                                          want, snap->max_mtu);
                else if (want < snap->min_mtu)
                        r = format_string(&a.refused,
                                          "MTU=%" PRIu32 " is below the device minimum of %" PRIu32,
                                          want, snap->min_mtu);
                else
                        r = 0;
                if (r < 0)
                        return r;
        }

        if (!a.refused && want == snap->mtu)
                return 0;

        r = format_string(&current, "%" PRIu32, snap->mtu);
        if (r < 0)
                return r;
        r = format_string(&desired, "%" PRIu32, want);
        if (r < 0)
                return r;
        r = action_describe(&a, "mtu", current, desired);
        if (r < 0)
                return r;
        a.mtu = want;

        return plan_push(p, &a);
}

static int plan_link_txqueuelen(const NetdevSnapshot *snap, const LinkSettings *s, Plan *p) {
        _cleanup_(action_done) Action a = { .kind = ACTION_TXQUEUELEN, .txqueuelen = s->txqueuelen };
        _cleanup_free_ char *current = NULL, *desired = NULL;
        int r;

        if (s->txqueuelen == 0 || !snap->have_link || snap->txqueuelen == s->txqueuelen)
                return 0;
        r = format_string(&current, "%" PRIu32, snap->txqueuelen);
        if (r < 0)
                return r;
        r = format_string(&desired, "%" PRIu32, s->txqueuelen);
        if (r < 0)
                return r;
        r = action_describe(&a, "txqueuelen", current, desired);
        if (r < 0)
                return r;
        return plan_push(p, &a);
}

int plan_affinity(pid_t tid, const CpuSet *current, const CpuSet *desired, Plan *p) {
        _cleanup_(action_done) Action a = { .kind = ACTION_AFFINITY, .affinity = { .tid = tid } };
        _cleanup_free_ char *setting = NULL, *cur = NULL, *want = NULL;
        int r;

        if (tid <= 0 || cpuset_is_empty(desired))
                return -EINVAL;
        if (current && cpuset_equal(current, desired))
                return 0;
        r = format_string(&setting, "affinity:%d", (int) tid);
        if (r < 0)
                return r;
        if (current)
                r = cpuset_format_list(current, &cur);
        else
                r = free_and_strdup(&cur, "");
        if (r < 0)
                return r;
        r = cpuset_format_list(desired, &want);
        if (r < 0)
                return r;
        r = action_describe(&a, setting, cur, want);
        if (r < 0)
                return r;
        r = cpuset_copy(desired, &a.affinity.cpus);
        if (r < 0)
                return r;
        return plan_push(p, &a);
}

/* One offload action (refused when the device cannot change it), unless it already is as wanted. */
static int plan_offload(const NetdevSnapshot *snap, Offload o, bool on, Plan *p) {
        _cleanup_(action_done) Action a = { .kind = ACTION_OFFLOAD, .offload = { .offload = o, .on = on } };
        _cleanup_free_ char *setting = NULL;
        const OffloadState *st = &snap->offloads[o];
        int r;

        if (snap->features_error != 0 || !st->known || st->active == on)
                return 0;

        if (!st->changeable) {
                r = format_string(&a.refused, "offload %s cannot be changed on this device",
                                  offload_to_string(o));
                if (r < 0)
                        return r;
        }

        r = format_string(&setting, "offload:%s", offload_to_string(o));
        if (r < 0)
                return r;
        r = action_describe(&a, setting, on_off(st->active), on_off(on));
        if (r < 0)
                return r;

        return plan_push(p, &a);
}

static int plan_link_offloads(const NetdevSnapshot *snap, const LinkSettings *s, Plan *p) {
        int r;

        for (Offload o = 0; o < _OFFLOAD_MAX; o++) {
                OffloadWant w = s->offloads[o];

                if (w == OFFLOAD_WANT_KEEP)
                        continue;
                if (w != OFFLOAD_WANT_ON && w != OFFLOAD_WANT_OFF)
                        return -EINVAL;

                r = plan_offload(snap, o, w == OFFLOAD_WANT_ON, p);
                if (r < 0)
                        return r;
        }

        return 0;
}

int plan_link(const NetdevSnapshot *snap, const LinkSettings *s, const CpuSet *online, Plan *ret) {
        _cleanup_(plan_done) Plan p = {};
        _cleanup_free_ unsigned *cpus = NULL;
        unsigned n_cpus = 0, n_queues;
        uint32_t n_tx = 0;
        int r;

        assert(snap);
        assert(s);
        assert(online);
        assert(ret);
        assert(snap->n_xps == 0 || snap->xps);
        assert(s->n_xps == 0 || s->xps);

        r = cpuset_to_array(online, &cpus, &n_cpus);
        if (r < 0)
                return r;

        r = plan_link_channels(snap, s, n_cpus, &p, &n_tx);
        if (r < 0)
                return r;
        n_queues = r > 0 ? n_tx : snap->n_xps;

        r = plan_link_xps(snap, s, cpus, n_cpus, r > 0, n_queues, &p);
        if (r < 0)
                return r;

        r = plan_link_mtu(snap, s, &p);
        if (r < 0)
                return r;
        r = plan_link_txqueuelen(snap, s, &p);
        if (r < 0)
                return r;

        r = plan_link_offloads(snap, s, &p);
        if (r < 0)
                return r;

        *ret = p;
        p = (Plan) {};
        return 0;
}

static int baseline_push(char ***settings, char ***values, size_t *n, char *setting, char *value) {
        char **a, **b;

        if (!setting || !value)
                goto oom;
        a = realloc(*settings, (*n + 2) * sizeof(char *));
        if (!a)
                goto oom;
        *settings = a;
        b = realloc(*values, (*n + 2) * sizeof(char *));
        if (!b)
                goto oom;
        *values = b;
        (*settings)[*n] = setting;
        (*values)[*n] = value;
        (*n)++;
        (*settings)[*n] = (*values)[*n] = NULL;
        return 0;
oom:
        free(setting);
        free(value);
        return -ENOMEM;
}

int plan_baseline(const NetdevSnapshot *snap, const LinkSettings *s, char ***ret_settings, char ***ret_values,
                  size_t *ret_n) {
        char **settings = NULL, **values = NULL;
        size_t n = 0;
        int r = 0;

        if (s->channels_mode != CHANNELS_KEEP && snap->channels_error == 0 &&
            channels_kind(&snap->channels) != CHANNEL_KIND_NONE) {
                char *v = NULL;

                r = channels_format(&snap->channels, &v);
                if (r >= 0)
                        r = baseline_push(&settings, &values, &n, strdup("channels"), v);
        }
        if (r >= 0 && s->xps_mode != XPS_KEEP && snap->xps_error == 0)
                for (unsigned q = 0; r >= 0 && q < snap->n_xps; q++) {
                        char *setting = NULL, *v = NULL;

                        r = format_string(&setting, "xps:tx-%u", q);
                        if (r >= 0)
                                r = cpuset_format_mask(&snap->xps[q], &v);
                        if (r >= 0)
                                r = baseline_push(&settings, &values, &n, setting, v);
                        else {
                                free(setting);
                                free(v);
                        }
                }
        if (r >= 0 && s->mtu_mode != MTU_KEEP && snap->have_link) {
                char *v = NULL;

                r = format_string(&v, "%" PRIu32, snap->mtu);
                if (r >= 0)
                        r = baseline_push(&settings, &values, &n, strdup("mtu"), v);
        }
        if (r >= 0 && s->txqueuelen != 0 && snap->have_link) {
                char *v = NULL;

                r = format_string(&v, "%" PRIu32, snap->txqueuelen);
                if (r >= 0)
                        r = baseline_push(&settings, &values, &n, strdup("txqueuelen"), v);
        }
        for (Offload o = 0; r >= 0 && o < _OFFLOAD_MAX; o++) {
                char *setting = NULL;

                if (s->offloads[o] == OFFLOAD_WANT_KEEP || snap->features_error != 0 || !snap->offloads[o].known ||
                    !snap->offloads[o].changeable)
                        continue;
                r = format_string(&setting, "offload:%s", offload_to_string(o));
                if (r >= 0)
                        r = baseline_push(&settings, &values, &n, setting,
                                          strdup(snap->offloads[o].active ? "on" : "off"));
        }
        if (r < 0) {
                strv_free(settings);
                strv_free(values);
                return r;
        }
        *ret_settings = settings;
        *ret_values = values;
        *ret_n = n;
        return 0;
}

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Copy of s with each run of whitespace made one space and none at either end:
 * "4096\t87380\n" -> "4096 87380". */
static char *fold_whitespace(const char *s) {
        char *t, *p;

        t = malloc(strlen(s) + 1);
        if (!t)
                return NULL;

        p = t;
        for (; *s; s++) {
                if (!is_space(*s))
                        *p++ = *s;
                else if (p != t && !is_space(s[1]) && s[1] != 0)
                        *p++ = ' ';
        }
        *p = 0;
        return t;
}

static int plan_sysctl(const char *key, const char *value, const char *current, Plan *p) {
        _cleanup_(action_done) Action a = { .kind = ACTION_SYSCTL };
        _cleanup_free_ char *setting = NULL, *folded_current = NULL, *folded_value = NULL;
        int r;

        if (!current) {
                r = format_string(&a.refused, "sysctl %s does not exist here", key);
                if (r < 0)
                        return r;
        } else {
                folded_current = fold_whitespace(current);
                folded_value = fold_whitespace(value);
                if (!folded_current || !folded_value)
                        return -ENOMEM;
                if (streq(folded_current, folded_value))
                        return 0;
        }

        r = format_string(&setting, "sysctl:%s", key);
        if (r < 0)
                return r;
        r = action_describe(&a, setting, folded_current ?: "", value);
        if (r < 0)
                return r;
        r = free_and_strdup(&a.sysctl.key, key);
        if (r < 0)
                return r;
        r = free_and_strdup(&a.sysctl.value, value);
        if (r < 0)
                return r;

        return plan_push(p, &a);
}

int plan_sysctls(const SysctlSetting *want, size_t n_want, char *const *current, Plan *ret) {
        _cleanup_(plan_done) Plan p = {};
        int r;

        assert(want || n_want == 0);
        assert(current || n_want == 0);
        assert(ret);

        for (size_t i = 0; i < n_want; i++) {
                if (isempty(want[i].key) || !want[i].value)
                        return -EINVAL;

                r = plan_sysctl(want[i].key, want[i].value, current[i], &p);
                if (r < 0)
                        return r;
        }

        *ret = p;
        p = (Plan) {};
        return 0;
}

/* One recorded original, parsed. */
typedef struct RevertItem {
        ActionKind kind;
        unsigned index;                 /* xps: queue; offload: the Offload; sysctl: input position */
        size_t pos;                     /* input position */
        const char *key;                /* sysctl */
        const char *value;              /* as recorded */
        union {
                Channels channels;
                struct {
                        bool absent;    /* the queue did not exist: nothing to restore */
                        CpuSet mask;
                } xps;
                uint32_t mtu;
                uint32_t txqueuelen;
                bool on;
                CpuSet affinity;
        };
} RevertItem;

typedef struct RevertItems {
        RevertItem *items;
        size_t n;
} RevertItems;

static void revert_items_done(RevertItems *r) {
        for (size_t i = 0; i < r->n; i++)
                if (r->items[i].kind == ACTION_XPS)
                        cpuset_done(&r->items[i].xps.mask);
                else if (r->items[i].kind == ACTION_AFFINITY)
                        cpuset_done(&r->items[i].affinity);
        free(r->items);
        *r = (RevertItems) {};
}

/* Strict decimal: digits only, no sign, no leading zero, fits 32 bits. */
static int parse_u32(const char *s, uint32_t *ret) {
        uint64_t v = 0;

        if (!*s || (s[0] == '0' && s[1] != 0))
                return -EINVAL;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return -EINVAL;
                v = v * 10 + (uint64_t) (*s - '0');
                if (v > UINT32_MAX)
                        return -EINVAL;
        }

        *ret = (uint32_t) v;
        return 0;
}

/* The rest of s after prefix, or NULL if s does not start with it. */
static const char *startswith_or_null(const char *s, const char *prefix) {
        size_t l = strlen(prefix);

        return strncmp(s, prefix, l) == 0 ? s + l : NULL;
}

static int revert_item_parse(const NetdevSnapshot *snap, const char *setting, const char *value,
                             RevertItem *it) {
        const char *suffix;
        uint32_t u;
        int r;

        it->value = value;

        if (streq(setting, "channels")) {
                it->kind = ACTION_CHANNELS;
                it->channels = snap->channels;
                return channels_parse(value, &it->channels);
        }

        if (streq(setting, "mtu")) {
                it->kind = ACTION_MTU;
                return parse_u32(value, &it->mtu);
        }

        if (streq(setting, "txqueuelen")) {
                it->kind = ACTION_TXQUEUELEN;
                return parse_u32(value, &it->txqueuelen);
        }

        suffix = startswith_or_null(setting, "xps:tx-");
        if (suffix) {
                it->kind = ACTION_XPS;
                it->xps.mask = CPUSET_NULL;
                r = parse_u32(suffix, &u);
                if (r < 0)
                        return r;
                it->index = u;
                if (isempty(value)) {
                        it->xps.absent = true;
                        return 0;
                }
                return cpuset_parse_mask(value, &it->xps.mask);
        }

        suffix = startswith_or_null(setting, "offload:");
        if (suffix) {
                Offload o = offload_from_string(suffix);

                if (o < 0)
                        return -EINVAL;
                it->kind = ACTION_OFFLOAD;
                it->index = (unsigned) o;
                if (streq(value, "on"))
                        it->on = true;
                else if (streq(value, "off"))
                        it->on = false;
                else
                        return -EINVAL;
                return 0;
        }

        suffix = startswith_or_null(setting, "sysctl:");
        if (suffix) {
                if (isempty(suffix))
                        return -EINVAL;
                it->kind = ACTION_SYSCTL;
                it->key = suffix;
                return 0;
        }

        suffix = startswith_or_null(setting, "affinity:");
        if (suffix) {
                it->kind = ACTION_AFFINITY;
                it->affinity = CPUSET_NULL;
                r = parse_u32(suffix, &u);
                if (r < 0 || u == 0 || u > INT32_MAX)
                        return -EINVAL;
                it->index = u;
                r = cpuset_parse_list(value, &it->affinity);
                if (r < 0)
                        return r;
                return cpuset_is_empty(&it->affinity) ? -EINVAL : 0;
        }

        return -EINVAL;
}

static int revert_item_compare(const void *x, const void *y) {
        const RevertItem *a = x, *b = y;

        if (a->kind != b->kind)
                return a->kind < b->kind ? -1 : 1;
        if (a->kind != ACTION_SYSCTL && a->index != b->index)
                return a->index < b->index ? -1 : 1;
        if (a->pos != b->pos)
                return a->pos < b->pos ? -1 : 1;
        return 0;
}

/* Parses all pairs into canonical order; a setting recorded twice is an error. */
static int revert_items_build(const NetdevSnapshot *snap, char *const *settings, char *const *values,
                              size_t n, RevertItems *ret) {
        _cleanup_(revert_items_done) RevertItems items = {};
        int r;

        if (n == 0) {
                *ret = items;
                return 0;
        }

        items.items = calloc(n, sizeof(RevertItem));
        if (!items.items)
                return -ENOMEM;

        for (size_t i = 0; i < n; i++) {
                RevertItem *it = &items.items[i];

                if (!settings[i] || !values[i])
                        return -EINVAL;

                it->kind = _ACTION_KIND_INVALID;
                it->pos = i;
                it->index = 0;
                items.n = i + 1;
                r = revert_item_parse(snap, settings[i], values[i], it);
                if (r < 0)
                        return r;
        }

        qsort(items.items, items.n, sizeof(RevertItem), revert_item_compare);

        for (size_t i = 1; i < items.n; i++) {
                const RevertItem *a = &items.items[i - 1], *b = &items.items[i];

                if (a->kind != b->kind)
                        continue;
                if (a->kind != ACTION_SYSCTL && a->index == b->index)
                        return -EINVAL;
        }
        for (size_t i = 0; i < items.n; i++)
                for (size_t j = i + 1; j < items.n; j++)
                        if (items.items[i].kind == ACTION_SYSCTL && items.items[j].kind == ACTION_SYSCTL &&
                            streq(items.items[i].key, items.items[j].key))
                                return -EINVAL;

        *ret = items;
        items = (RevertItems) {};
        return 0;
}

static int revert_channels(const NetdevSnapshot *snap, const RevertItem *it, Plan *p) {
        _cleanup_(action_done) Action a = { .kind = ACTION_CHANNELS };
        _cleanup_free_ char *current = NULL, *desired = NULL;
        int r;

        if (snap->channels_error != 0 || channel_counts_equal(&it->channels, &snap->channels))
                return 0;

        r = channels_format(&snap->channels, &current);
        if (r < 0)
                return r;
        r = channels_format(&it->channels, &desired);
        if (r < 0)
                return r;
        r = action_describe(&a, "channels", current, desired);
        if (r < 0)
                return r;
        a.channels = it->channels;

        r = plan_push(p, &a);
        if (r < 0)
                return r;
        return 1;
}

static int revert_mtu(const NetdevSnapshot *snap, const RevertItem *it, Plan *p) {
        _cleanup_(action_done) Action a = { .kind = ACTION_MTU, .mtu = it->mtu };
        _cleanup_free_ char *current = NULL;
        int r;

        if (!snap->have_link || snap->mtu == it->mtu)
                return 0;

        r = format_string(&current, "%" PRIu32, snap->mtu);
        if (r < 0)
                return r;
        r = action_describe(&a, "mtu", current, it->value);
        if (r < 0)
                return r;

        return plan_push(p, &a);
}

static int revert_txqueuelen(const NetdevSnapshot *snap, const RevertItem *it, Plan *p) {
        _cleanup_(action_done) Action a = { .kind = ACTION_TXQUEUELEN, .txqueuelen = it->txqueuelen };
        _cleanup_free_ char *current = NULL;
        int r;

        if (!snap->have_link || snap->txqueuelen == it->txqueuelen)
                return 0;
        r = format_string(&current, "%" PRIu32, snap->txqueuelen);
        if (r < 0)
                return r;
        r = action_describe(&a, "txqueuelen", current, it->value);
        if (r < 0)
                return r;
        return plan_push(p, &a);
}

static int revert_sysctl(const RevertItem *it, Plan *p) {
        _cleanup_(action_done) Action a = { .kind = ACTION_SYSCTL };
        _cleanup_free_ char *setting = NULL;
        int r;

        /* The current value is not part of a link snapshot: always write the original back. */
        r = format_string(&setting, "sysctl:%s", it->key);
        if (r < 0)
                return r;
        r = action_describe(&a, setting, "", it->value);
        if (r < 0)
                return r;
        r = free_and_strdup(&a.sysctl.key, it->key);
        if (r < 0)
                return r;
        r = free_and_strdup(&a.sysctl.value, it->value);
        if (r < 0)
                return r;

        return plan_push(p, &a);
}

int plan_revert(const NetdevSnapshot *snap, char *const *settings, char *const *values, size_t n,
                Plan *ret) {
        _cleanup_(revert_items_done) RevertItems items = {};
        _cleanup_(plan_done) Plan p = {};
        bool channels_change = false;
        unsigned n_queues;
        int r;

        assert(snap);
        assert((settings && values) || n == 0);
        assert(ret);
        assert(snap->n_xps == 0 || snap->xps);

        r = revert_items_build(snap, settings, values, n, &items);
        if (r < 0)
                return r;

        /* Items come sorted: the channels revert, if any, decides how many queues the XPS reverts see. */
        n_queues = snap->n_xps;
        for (size_t i = 0; i < items.n; i++) {
                RevertItem *it = &items.items[i];

                switch (it->kind) {
                case ACTION_CHANNELS:
                        r = revert_channels(snap, it, &p);
                        if (r > 0) {
                                channels_change = true;
                                n_queues = channels_tx_queues(&it->channels);
                        }
                        break;

                case ACTION_XPS:
                        if (snap->xps_error != 0 || it->xps.absent || it->index >= n_queues)
                                continue;
                        /* After a channel change drivers reset XPS: restore every recorded mask. */
                        if (!channels_change && it->index < snap->n_xps &&
                            cpuset_equal(&snap->xps[it->index], &it->xps.mask))
                                continue;
                        r = plan_push_xps(snap, it->index, &it->xps.mask, &p);
                        break;

                case ACTION_MTU:
                        r = revert_mtu(snap, it, &p);
                        break;

                case ACTION_TXQUEUELEN:
                        r = revert_txqueuelen(snap, it, &p);
                        break;

                case ACTION_OFFLOAD:
                        r = plan_offload(snap, (Offload) it->index, it->on, &p);
                        break;

                case ACTION_SYSCTL:
                        r = revert_sysctl(it, &p);
                        break;

                case ACTION_AFFINITY:
                        /* Thread affinities are not in a link snapshot: the caller filters. */
                        r = plan_affinity((pid_t) it->index, NULL, &it->affinity, &p);
                        break;

                default:
                        assert(false);
                        return -EINVAL;
                }
                if (r < 0)
                        return r;
        }

        *ret = p;
        p = (Plan) {};
        return 0;
}
