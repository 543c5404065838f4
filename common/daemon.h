/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What both daemons' main() and managers share: the command line and the signal sources. */
#pragma once

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "log.h"

typedef struct DaemonArgs {
        const char *config_root;        /* --config-root= */
        const char *state_dir;          /* --state-dir= */
        const char *proc_events_netns;  /* --proc-events-netns= (only when allowed) */
        LogTarget log_target;
        int log_level;
} DaemonArgs;

/* Parses the common options; help is printed for --help. Returns 1 to run, 0 when --help or
 * --version was served, -EINVAL on a usage error (already explained on stderr). */
int daemon_parse_args(int argc, char *argv[], const char *name, const char *help, bool allow_proc_events_netns,
                      DaemonArgs *ret);

/* Blocks SIGTERM, SIGINT and SIGHUP and routes them into the loop (term for the first two), and
 * enables the watchdog when the service manager asks for one. */
int daemon_setup_event(sd_event *e, sd_event_signal_handler_t on_term, sd_event_signal_handler_t on_hup,
                       void *userdata);
