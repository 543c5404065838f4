/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Declared tuning policy: per-link files ([Match] + [Link]) and daemon-wide settings ([Sysctl] etc.). */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpuset.h"
#include "netdev.h"

typedef enum ChannelsMode {
        CHANNELS_KEEP,
        CHANNELS_AUTO,          /* min(max, online CPUs), re-evaluated on CPU events */
        CHANNELS_MAX,
        CHANNELS_NUMBER,
        _CHANNELS_MODE_MAX,
        _CHANNELS_MODE_INVALID = -EINVAL,
} ChannelsMode;

typedef enum XpsMode {
        XPS_KEEP,
        XPS_AUTO,
        XPS_LIST,               /* explicit masks, one per tx queue in order */
        _XPS_MODE_MAX,
        _XPS_MODE_INVALID = -EINVAL,
} XpsMode;

typedef enum MtuMode {
        MTU_KEEP,
        MTU_MAX,
        MTU_NUMBER,
        _MTU_MODE_MAX,
        _MTU_MODE_INVALID = -EINVAL,
} MtuMode;

typedef enum DriftMode {
        DRIFT_ENFORCE,
        DRIFT_REPORT,
        DRIFT_IGNORE,
        _DRIFT_MODE_MAX,
        _DRIFT_MODE_INVALID = -EINVAL,
} DriftMode;

const char *drift_mode_to_string(DriftMode d);
DriftMode drift_mode_from_string(const char *s);

/* Tri-state for offloads: keep, off, on. */
typedef enum OffloadWant {
        OFFLOAD_WANT_KEEP = -1,
        OFFLOAD_WANT_OFF = 0,
        OFFLOAD_WANT_ON = 1,
} OffloadWant;

typedef struct LinkSettings {
        ChannelsMode channels_mode;
        uint32_t channels;              /* CHANNELS_NUMBER */
        XpsMode xps_mode;
        CpuSet *xps;                    /* XPS_LIST */
        unsigned n_xps;
        MtuMode mtu_mode;
        uint32_t mtu;                   /* MTU_NUMBER */
        uint32_t txqueuelen;            /* 0 = keep */
        OffloadWant offloads[_OFFLOAD_MAX];
        DriftMode drift;                /* _DRIFT_MODE_INVALID: inherit the daemon default */
} LinkSettings;

/* A parsed *.link file. */
typedef struct LinkPolicy {
        char *filename;                 /* full path of the main file */
        char *name;                     /* basename, for sorting and display */
        char **match_driver;            /* globs; NULL = any */
        char **match_name;              /* globs; NULL = any */
        char **match_mac;               /* lower-case "aa:bb:..", NULL = any */
        LinkSettings settings;
} LinkPolicy;

void link_settings_init(LinkSettings *s);      /* everything keep, drift inherit */
void link_settings_done(LinkSettings *s);
LinkPolicy *link_policy_free(LinkPolicy *p);

/* Pure: does this policy's [Match] section match the device? A policy with an empty [Match] matches all. */
bool link_policy_matches(const LinkPolicy *p, const char *name, const char *driver, const char *mac);

typedef struct SysctlSetting {
        char *key;                      /* dotted, "net.core.rmem_max" */
        char *value;                    /* as written to /proc/sys, "4096 1048576 16777216" */
} SysctlSetting;

/* guestd.conf / hostd.conf. */
typedef struct DaemonConfig {
        DriftMode drift;                /* default for links that do not say */
        bool revert_on_stop;
        bool apply_sysctls;
        char *vhost_placement;          /* hostd: "numa", "emulator", "off" or a CPU list; NULL = numa */
        SysctlSetting *sysctls;         /* in file order, later keys override earlier ones */
        size_t n_sysctls;
} DaemonConfig;

void daemon_config_init(DaemonConfig *c);
void daemon_config_done(DaemonConfig *c);

/* The whole policy in effect: daemon settings and the sorted link policies. */
typedef struct Policy {
        DaemonConfig daemon;
        LinkPolicy **links;             /* lexical order of file names; first match wins */
        size_t n_links;
} Policy;

void policy_done(Policy *p);
/* First matching link policy or NULL. */
const LinkPolicy *policy_find_link(const Policy *p, const char *name, const char *driver, const char *mac);
