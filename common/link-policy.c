/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The declared policy model: lifetimes of link and daemon settings, and matching links against [Match]. */
#include <fnmatch.h>
#include <stdlib.h>
#include <strings.h>

#include "link-policy.h"
#include "macro.h"

static const char *const drift_mode_table[_DRIFT_MODE_MAX] = {
        [DRIFT_ENFORCE] = "enforce",
        [DRIFT_REPORT] = "report",
        [DRIFT_IGNORE] = "ignore",
};

const char *drift_mode_to_string(DriftMode d) {
        if (d < 0 || d >= _DRIFT_MODE_MAX)
                return NULL;
        return drift_mode_table[d];
}

DriftMode drift_mode_from_string(const char *s) {
        if (!s)
                return _DRIFT_MODE_INVALID;
        for (DriftMode d = 0; d < _DRIFT_MODE_MAX; d++)
                if (streq(drift_mode_table[d], s))
                        return d;
        return _DRIFT_MODE_INVALID;
}

void link_settings_init(LinkSettings *s) {
        *s = (LinkSettings) {
                .channels_mode = CHANNELS_KEEP,
                .xps_mode = XPS_KEEP,
                .mtu_mode = MTU_KEEP,
                .drift = _DRIFT_MODE_INVALID,
        };
        for (Offload o = 0; o < _OFFLOAD_MAX; o++)
                s->offloads[o] = OFFLOAD_WANT_KEEP;
}

void link_settings_done(LinkSettings *s) {
        if (!s)
                return;
        for (unsigned i = 0; i < s->n_xps; i++)
                cpuset_done(&s->xps[i]);
        free(s->xps);
        /* Leave a valid all-keep object behind, so a second done() or a reuse is harmless. */
        link_settings_init(s);
}

LinkPolicy *link_policy_free(LinkPolicy *p) {
        if (!p)
                return NULL;
        free(p->filename);
        free(p->name);
        strv_free(p->match_driver);
        strv_free(p->match_name);
        strv_free(p->match_mac);
        link_settings_done(&p->settings);
        free(p);
        return NULL;
}

/* NULL list: no condition. Otherwise at least one glob must match; a value the device lacks matches none. */
static bool match_globs(char *const *globs, const char *value) {
        if (!globs)
                return true;
        if (!value)
                return false;
        for (char *const *g = globs; *g; g++)
                if (fnmatch(*g, value, 0) == 0)
                        return true;
        return false;
}

static bool match_macs(char *const *macs, const char *mac) {
        if (!macs)
                return true;
        if (isempty(mac))
                return false;
        for (char *const *m = macs; *m; m++)
                if (strcasecmp(*m, mac) == 0)
                        return true;
        return false;
}

bool link_policy_matches(const LinkPolicy *p, const char *name, const char *driver, const char *mac) {
        if (!p)
                return false;
        return match_globs(p->match_driver, driver) &&
                match_globs(p->match_name, name) &&
                match_macs(p->match_mac, mac);
}

void daemon_config_init(DaemonConfig *c) {
        *c = (DaemonConfig) {
                .drift = DRIFT_ENFORCE,
                .revert_on_stop = false,
                .apply_sysctls = true,
        };
}

void daemon_config_done(DaemonConfig *c) {
        if (!c)
                return;
        for (size_t i = 0; i < c->n_sysctls; i++) {
                free(c->sysctls[i].key);
                free(c->sysctls[i].value);
        }
        free(c->sysctls);
        free(c->vhost_placement);
        daemon_config_init(c);
}

void policy_done(Policy *p) {
        if (!p)
                return;
        daemon_config_done(&p->daemon);
        for (size_t i = 0; i < p->n_links; i++)
                link_policy_free(p->links[i]);
        free(p->links);
        p->links = NULL;
        p->n_links = 0;
}

const LinkPolicy *policy_find_link(const Policy *p, const char *name, const char *driver, const char *mac) {
        if (!p)
                return NULL;
        for (size_t i = 0; i < p->n_links; i++)
                if (link_policy_matches(p->links[i], name, driver, mac))
                        return p->links[i];
        return NULL;
}
