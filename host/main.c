/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vnettune-hostd entry point: command line, logging setup, then the manager's event loop. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "host-manager.h"
#include "log.h"
#include "macro.h"

static void help(void) {
        printf("Usage: vnettune-hostd [OPTIONS...]\n\n"
               "Tunes the host side of KVM virtio-net: finds each VM's taps, vCPU threads and\n"
               "vhost workers, places the workers NUMA-aware, keeps tap and bridge MTU and\n"
               "host sysctls as declared, and reports the host's tier.\n\n"
               "  -h --help               Show this help and exit\n"
               "     --version            Show the version and exit\n"
               "     --config-root=DIR    Read policy from DIR/etc/vnettune, DIR/run/vnettune and\n"
               "                          DIR/usr/lib/vnettune instead of the real ones\n"
               "     --state-dir=DIR      Keep recorded originals in DIR (default /run/vnettune/hostd)\n"
               "     --proc-events-netns=PATH\n"
               "                          Open the process events connector in the network\n"
               "                          namespace PATH (it serves only the initial one; tests)\n"
               "     --log-target=TARGET  auto, journal or console (default auto)\n"
               "     --log-level=LEVEL    debug, info, notice, warning or err (default info)\n\n"
               "Policy: hostd.conf and *.link files, see vnettune-hostd(8).\n"
               "State and control: busctl tree org.vnettune.Host1.\n");
}

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

int main(int argc, char *argv[]) {
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
        const char *config_root = NULL, *state_dir = NULL, *proc_netns = NULL;
        LogTarget target = LOG_TARGET_AUTO;
        int level = LOG_INFO, c, r;
        Manager *m = NULL;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return EXIT_SUCCESS;
                case ARG_VERSION:
                        printf("vnettune-hostd %s\n", PACKAGE_VERSION);
                        return EXIT_SUCCESS;
                case ARG_CONFIG_ROOT:
                        config_root = optarg;
                        break;
                case ARG_STATE_DIR:
                        state_dir = optarg;
                        break;
                case ARG_LOG_TARGET:
                        if (streq(optarg, "auto"))
                                target = LOG_TARGET_AUTO;
                        else if (streq(optarg, "journal"))
                                target = LOG_TARGET_JOURNAL;
                        else if (streq(optarg, "console"))
                                target = LOG_TARGET_CONSOLE;
                        else {
                                fprintf(stderr, "Unknown log target '%s' (auto, journal, console).\n", optarg);
                                return 2;
                        }
                        break;
                case ARG_PROC_NETNS:
                        proc_netns = optarg;
                        break;
                case ARG_LOG_LEVEL:
                        level = parse_level(optarg);
                        if (level < 0) {
                                fprintf(stderr, "Unknown log level '%s'.\n", optarg);
                                return 2;
                        }
                        break;
                default:
                        return 2;
                }
        if (optind < argc) {
                fprintf(stderr, "This program takes no arguments.\n");
                return 2;
        }

        log_setup("vnettune-hostd", target, level);

        r = manager_new(config_root, state_dir, &m);
        if (r < 0) {
                log_error_errno(r, "Cannot allocate the manager: %m");
                return EXIT_FAILURE;
        }
        if (proc_netns && !(m->proc_events_netns = strdup(proc_netns))) {
                log_oom();
                manager_free(m);
                return EXIT_FAILURE;
        }
        r = manager_start(m);
        if (r >= 0)
                r = manager_run(m);
        if (r < 0) {
                log_error_errno(r, "Failed: %m");
                sd_notifyf(false, "STATUS=Failed: %s\nERRNO=%d", strerror(-r), -r);
        }
        manager_free(m);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
