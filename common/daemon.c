/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Command line and signal plumbing of the daemons (see daemon.h). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "macro.h"

static int parse_level(const char *s) {
        static const struct {
                const char *name;
                int level;
        } t[] = {
                { "debug", LOG_DEBUG },     { "info", LOG_INFO }, { "notice", LOG_NOTICE },
                { "warning", LOG_WARNING }, { "err", LOG_ERR },   { "error", LOG_ERR },
        };
        for (size_t i = 0; i < ELEMENTSOF(t); i++)
                if (streq(t[i].name, s))
                        return t[i].level;
        return -EINVAL;
}

int daemon_parse_args(int argc, char *argv[], const char *name, const char *help, bool allow_proc_events_netns,
                      DaemonArgs *ret) {
        enum { ARG_VERSION = 0x100, ARG_CONFIG_ROOT, ARG_STATE_DIR, ARG_LOG_TARGET, ARG_LOG_LEVEL, ARG_PROC_NETNS };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "config-root", required_argument, NULL, ARG_CONFIG_ROOT },
                { "state-dir", required_argument, NULL, ARG_STATE_DIR },
                { "log-target", required_argument, NULL, ARG_LOG_TARGET },
                { "log-level", required_argument, NULL, ARG_LOG_LEVEL },
                { "proc-events-netns", required_argument, NULL, ARG_PROC_NETNS },
                {},
        };
        DaemonArgs a = { .log_target = LOG_TARGET_AUTO, .log_level = LOG_INFO };
        int c;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        fputs(help, stdout);
                        return 0;
                case ARG_VERSION:
                        printf("%s %s\n", name, PACKAGE_VERSION);
                        return 0;
                case ARG_CONFIG_ROOT:
                        a.config_root = optarg;
                        break;
                case ARG_STATE_DIR:
                        a.state_dir = optarg;
                        break;
                case ARG_PROC_NETNS:
                        if (!allow_proc_events_netns) {
                                fprintf(stderr, "%s: unrecognized option '--proc-events-netns'\n", name);
                                return -EINVAL;
                        }
                        a.proc_events_netns = optarg;
                        break;
                case ARG_LOG_TARGET:
                        if (streq(optarg, "auto"))
                                a.log_target = LOG_TARGET_AUTO;
                        else if (streq(optarg, "journal"))
                                a.log_target = LOG_TARGET_JOURNAL;
                        else if (streq(optarg, "console"))
                                a.log_target = LOG_TARGET_CONSOLE;
                        else {
                                fprintf(stderr, "%s: unknown log target '%s' (auto, journal, console).\n", name,
                                        optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_LOG_LEVEL:
                        a.log_level = parse_level(optarg);
                        if (a.log_level < 0) {
                                fprintf(stderr, "%s: unknown log level '%s'.\n", name, optarg);
                                return -EINVAL;
                        }
                        break;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                fprintf(stderr, "%s: this program takes no arguments.\n", name);
                return -EINVAL;
        }
        *ret = a;
        return 1;
}

int daemon_setup_event(sd_event *e, sd_event_signal_handler_t on_term, sd_event_signal_handler_t on_hup,
                       void *userdata) {
        sigset_t mask;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return negative_errno();
        r = sd_event_add_signal(e, NULL, SIGTERM, on_term, userdata);
        if (r >= 0)
                r = sd_event_add_signal(e, NULL, SIGINT, on_term, userdata);
        if (r >= 0)
                r = sd_event_add_signal(e, NULL, SIGHUP, on_hup, userdata);
        if (r < 0)
                return r;
        return sd_event_set_watchdog(e, true);
}
