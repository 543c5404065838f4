/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Benchmark helper: creates N multi-queue taps at once (IFF_MULTI_QUEUE, every queue opened right
 * away as a VMM does), then leaves a background process holding them until SIGTERM. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench-util.h"
#include "macro.h"

#define TAP_FLAGS (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE)

static _printf_(1, 2) _Noreturn void die(const char *fmt, ...) {
        va_list ap;

        fputs("vnt-bench-taps: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        exit(EXIT_FAILURE);
}

static int open_queue(const char *name) {
        struct ifreq ifr = { .ifr_flags = TAP_FLAGS };
        int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

        if (fd < 0)
                return -errno;
        snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
        if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

static void help(void) {
        printf("Usage: vnt-bench-taps --prefix P --count N [--queues Q] [--pid-file FILE]\n\n"
               "Creates taps P0..P(N-1) with Q queues each (default 4), then forks a process that holds\n"
               "them until SIGTERM and exits; FILE receives that process's pid.\n");
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "prefix", required_argument, NULL, 'p' },
                { "count", required_argument, NULL, 'n' },
                { "queues", required_argument, NULL, 'q' },
                { "pid-file", required_argument, NULL, 'f' },
                {},
        };
        const char *prefix = NULL, *pid_file = NULL;
        unsigned count = 0, queues = 4;
        struct rlimit rl;
        sigset_t mask;
        pid_t pid;
        int c, sig;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return EXIT_SUCCESS;
                case 'p':
                        prefix = optarg;
                        break;
                case 'n':
                case 'q':
                        if (bench_parse_uint(optarg, c == 'n' ? 100000 : 256, c == 'n' ? &count : &queues) < 0 ||
                            (c == 'q' && queues == 0))
                                die("invalid number '%s'", optarg);
                        break;
                case 'f':
                        pid_file = optarg;
                        break;
                default:
                        return 2;
                }
        if (!prefix || count == 0) {
                help();
                return 2;
        }

        /* One fd per queue stays open. */
        rl.rlim_cur = rl.rlim_max = (rlim_t) count * queues + 64;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
                die("cannot raise the file limit to %llu: %m", (unsigned long long) rl.rlim_cur);

        for (unsigned i = 0; i < count; i++) {
                char name[IF_NAMESIZE];

                if ((size_t) snprintf(name, sizeof name, "%s%u", prefix, i) >= sizeof name)
                        die("name %s%u is too long", prefix, i);
                for (unsigned q = 0; q < queues; q++) {
                        int fd = open_queue(name);

                        if (fd < 0)
                                die("cannot open queue %u of %s: %s", q, name, strerror(-fd));
                }
        }

        /* The fds stay attached in the child; the parent's copies close with it. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        pid = fork();
        if (pid < 0)
                die("fork: %m");
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);

                (void) setsid();
                if (null >= 0) {
                        (void) dup2(null, STDIN_FILENO);
                        (void) dup2(null, STDOUT_FILENO);
                        (void) dup2(null, STDERR_FILENO);
                }
                (void) sigwait(&mask, &sig);
                _exit(EXIT_SUCCESS);
        }
        if (pid_file) {
                FILE *f = fopen(pid_file, "we");

                if (!f || fprintf(f, "%d\n", (int) pid) < 0 || fclose(f) != 0) {
                        kill(pid, SIGTERM);
                        die("cannot write %s", pid_file);
                }
        }
        return EXIT_SUCCESS;
}
