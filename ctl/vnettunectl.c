/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vnettunectl: the command line client of vnettune-guestd and vnettune-hostd over the system bus. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctl-output.h"
#include "ctl-verbs.h"
#include "ctl.h"

enum {
        ARG_VERSION = 0x100,
        ARG_GUEST,
        ARG_HOST,
        ARG_JSON,
        ARG_NO_PAGER,
        ARG_NO_LEGEND,
        ARG_NO_COLOR,
        ARG_WINDOW,
};

static void help(void) {
        printf("vnettunectl [OPTIONS...] COMMAND [ARG]\n\n"
               "Show and control the virtio-net tuning of vnettune-guestd (in a guest) and\n"
               "vnettune-hostd (on a KVM host).\n\n"
               "Commands:\n");
        for (size_t i = 0; i < n_verbs; i++) {
                char lhs[40];

                snprintf(lhs, sizeof lhs, "%s%s%s", verbs[i].name, *verbs[i].args ? " " : "", verbs[i].args);
                printf("  %-20s %s\n", lhs, verbs[i].help);
        }
        printf("\nOptions:\n"
               "  -h --help              Show this help\n"
               "     --version           Show the version\n"
               "     --guest             Talk to vnettune-guestd only\n"
               "     --host              Talk to vnettune-hostd only\n"
               "     --json=MODE         Print JSON: short or pretty\n"
               "     --no-pager          Do not pipe output into a pager\n"
               "     --no-legend         Do not print headers and footers\n"
               "     --no-color          Do not colour the output\n"
               "     --window=SECONDS    How long diagnose samples (default 2, at most 60)\n\n"
               "Exit status: 0 success, 1 failure, 2 usage error, 3 daemon not running,\n"
               "4 access denied, 5 no such link or VM, 6 diagnose found warnings.\n"
               "See the vnettunectl(1) man page for details.\n");
}

static int parse_json_mode(const char *s, JsonMode *ret) {
        if (streq(s, "short"))
                *ret = JSON_SHORT;
        else if (streq(s, "pretty"))
                *ret = JSON_PRETTY;
        else
                return -EINVAL;
        return 0;
}

/* Returns 1 to go on with the verb, 0 to exit successfully (--help), < 0 on a usage error. */
static int parse_argv(int argc, char *argv[], Ctl *ctl, bool *no_color) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "guest", no_argument, NULL, ARG_GUEST },
                { "host", no_argument, NULL, ARG_HOST },
                { "json", required_argument, NULL, ARG_JSON },
                { "no-pager", no_argument, NULL, ARG_NO_PAGER },
                { "no-legend", no_argument, NULL, ARG_NO_LEGEND },
                { "no-color", no_argument, NULL, ARG_NO_COLOR },
                { "window", required_argument, NULL, ARG_WINDOW },
                {},
        };
        int c;

        opterr = 0;     /* our own messages */
        /* Options may follow the command too (vnettunectl list --no-legend); "--" ends them. */
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("vnettunectl %s\n", PACKAGE_VERSION);
                        return 0;
                case ARG_GUEST:
                case ARG_HOST: {
                        unsigned m = DAEMON_MASK(c == ARG_GUEST ? DAEMON_GUEST : DAEMON_HOST);

                        if (ctl->wanted && ctl->wanted != m)
                                return log_error_errno(-EINVAL, "--guest and --host cannot be combined.");
                        ctl->wanted = m;
                        break;
                }
                case ARG_JSON:
                        if (parse_json_mode(optarg, &ctl->json) < 0)
                                return log_error_errno(-EINVAL,
                                                       "Unknown --json mode '%s': use short or pretty.",
                                                       optarg);
                        break;
                case ARG_NO_PAGER:
                        ctl->pager = false;
                        break;
                case ARG_NO_LEGEND:
                        ctl->legend = false;
                        break;
                case ARG_NO_COLOR:
                        *no_color = true;
                        break;
                case ARG_WINDOW: {
                        char *end;
                        double sec = strtod(optarg, &end);

                        if (*end || end == optarg || !(sec >= 0 && sec <= 60))
                                return log_error_errno(-EINVAL, "--window takes seconds from 0 to 60, got '%s'.",
                                                       optarg);
                        ctl->window_ms = (uint32_t) (sec * 1000 + 0.5);
                        break;
                }
                case '?':
                        /* An unknown option, or --json without its "=MODE". */
                        return log_error_errno(-EINVAL, "Unknown option or missing argument: '%s'. "
                                               "See 'vnettunectl --help'.", argv[optind - 1]);
                default:
                        return log_error_errno(-EINVAL, "Cannot parse the options.");
                }
        }
        return 1;
}

int main(int argc, char *argv[]) {
        Ctl ctl = { .legend = true, .pager = true, .window_ms = 2000 };
        bool no_color = false;
        const Verb *verb;
        int r;

        r = parse_argv(argc, argv, &ctl, &no_color);
        if (r <= 0)
                return ctl_exit_status(r);

        verb = verb_find(optind < argc ? argv[optind] : NULL);
        if (!verb) {
                log_error("Unknown command '%s'. See 'vnettunectl --help'.", argv[optind]);
                return CTL_EXIT_USAGE;
        }
        ctl.color = colors_wanted(no_color);

        if (optind < argc)
                optind++;       /* past the command */
        r = verb_run(&ctl, verb, argv + optind, (size_t) (argc - optind));
        fflush(stdout);
        pager_close();
        ctl_done(&ctl);
        return ctl_exit_status(r);
}
