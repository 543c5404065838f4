/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The state of one vnettunectl run: its options, the bus connection and which daemons are on it. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

typedef enum JsonMode {
        JSON_OFF,
        JSON_SHORT,
        JSON_PRETTY,
        _JSON_MODE_MAX,
        _JSON_MODE_INVALID = -EINVAL,
} JsonMode;

typedef enum DaemonId {
        DAEMON_GUEST,
        DAEMON_HOST,
        _DAEMON_MAX,
        _DAEMON_INVALID = -EINVAL,
} DaemonId;

#define DAEMON_MASK(d) (1u << (d))
#define DAEMON_MASK_ALL (DAEMON_MASK(DAEMON_GUEST) | DAEMON_MASK(DAEMON_HOST))

/* Exit statuses, documented in vnettunectl(1). Verbs return -errno on failure and the errno classes
 * below pick the status (ctl_exit_status()); a verb may also return a status >= 0 itself. */
enum {
        CTL_EXIT_SUCCESS = 0,
        CTL_EXIT_FAILURE = 1,   /* anything else */
        CTL_EXIT_USAGE = 2,     /* -EINVAL: bad command line, or a daemon must be chosen */
        CTL_EXIT_NO_DAEMON = 3, /* -EHOSTDOWN: no bus, or the daemon does not own its name */
        CTL_EXIT_ACCESS = 4,    /* -EACCES, -EPERM: needs root, or the bus or daemon said no */
        CTL_EXIT_NO_OBJECT = 5, /* -ENXIO: no such link or VM */
        CTL_EXIT_FINDINGS = 6,  /* diagnose reported a warning or worse */
};

struct Verb;

typedef struct Ctl {
        const struct Verb *verb;        /* the command being run */
        JsonMode json;
        bool legend;
        bool color;
        bool pager;
        unsigned wanted;        /* DAEMON_MASK() of --guest/--host, 0 when neither was given */
        sd_bus *bus;
        unsigned present;       /* daemons owning their bus names */
        unsigned activatable;   /* daemons the bus could start (for hints only) */
        uint64_t call_timeout_usec;     /* for method calls, 0: sd-bus's default (25 s) */
        uint32_t window_ms;             /* diagnose: the sampling window */
} Ctl;

/* The exit status for a verb's return value. */
int ctl_exit_status(int r);
/* Closes the bus connection. */
void ctl_done(Ctl *ctl);
