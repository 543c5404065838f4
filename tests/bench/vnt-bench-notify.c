/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Benchmark helper: starts a Type=notify daemon with NOTIFY_SOCKET pointing to our own datagram
 * socket, prints the time from its execve() to READY=1 and its pid, then stays its parent (forwarding
 * SIGTERM/SIGINT) until it exits, so the caller can keep measuring the running daemon. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench-util.h"
#include "macro.h"

static _printf_(1, 2) _Noreturn void die(const char *fmt, ...) {
        va_list ap;

        fputs("vnt-bench-notify: MEASUREMENT FAILED: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        exit(EXIT_FAILURE);
}

/* True when the datagram holds the line READY=1. */
static bool is_ready(const char *msg) {
        for (const char *p = msg; p && *p;) {
                const char *nl = strchr(p, '\n');
                size_t len = nl ? (size_t) (nl - p) : strlen(p);

                if (len == 7 && strncmp(p, "READY=1", 7) == 0)
                        return true;
                p = nl ? nl + 1 : NULL;
        }
        return false;
}

static void help(void) {
        printf("Usage: vnt-bench-notify [--timeout SEC] [--socket PATH] [--nice N] -- DAEMON [ARG...]\n\n"
               "Runs DAEMON with NOTIFY_SOCKET=PATH (at nice level N, as a unit's Nice= would), prints\n"
               "ready_ms= (execve to READY=1) and pid=,\n"
               "then waits for it to exit, forwarding SIGTERM and SIGINT. Exits non-zero when the\n"
               "daemon exits or times out before READY=1.\n");
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "timeout", required_argument, NULL, 't' },
                { "socket", required_argument, NULL, 's' },
                { "nice", required_argument, NULL, 'n' },
                {},
        };
        _cleanup_close_ int sock = -EBADF, sigfd = -EBADF;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char path[sizeof sa.sun_path] = "";
        unsigned timeout_sec = 30;
        int nice_level = 0;
        int pipefd[2], c, status;
        uint64_t t_exec = 0, deadline;
        bool ready = false;
        sigset_t mask;
        pid_t pid;

        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return EXIT_SUCCESS;
                case 't':
                        if (bench_parse_uint(optarg, 3600, &timeout_sec) < 0) {
                                fprintf(stderr, "vnt-bench-notify: invalid timeout '%s'\n", optarg);
                                return 2;
                        }
                        break;
                case 's':
                        snprintf(path, sizeof path, "%s", optarg);
                        break;
                case 'n': {
                        char *end;
                        long v = strtol(optarg, &end, 10);

                        if (end == optarg || *end || v < -20 || v > 19) {
                                fprintf(stderr, "vnt-bench-notify: invalid nice level '%s'\n", optarg);
                                return 2;
                        }
                        nice_level = (int) v;
                        break;
                }
                default:
                        return 2;
                }
        if (optind >= argc) {
                help();
                return 2;
        }
        if (!path[0])
                snprintf(path, sizeof path, "/run/vnt-bench-notify.%d", (int) getpid());

        sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (sock < 0)
                die("socket: %m");
        snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
        (void) unlink(path);
        if (bind(sock, (struct sockaddr *) &sa, sizeof sa) < 0)
                die("cannot bind %s: %m", path);
        if (setenv("NOTIFY_SOCKET", path, 1) < 0)
                die("setenv: %m");

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGCHLD);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sigfd < 0)
                die("signalfd: %m");

        /* The child reports the moment right before execve() through a close-on-exec pipe. */
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                die("pipe: %m");
        pid = fork();
        if (pid < 0)
                die("fork: %m");
        if (pid == 0) {
                sigset_t none;
                uint64_t t;

                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                close(pipefd[0]);
                if (nice_level != 0 && setpriority(PRIO_PROCESS, 0, nice_level) < 0) {
                        fprintf(stderr, "vnt-bench-notify: cannot set nice level %d: %m\n", nice_level);
                        _exit(127);
                }
                t = bench_now_usec();
                if (write(pipefd[1], &t, sizeof t) != (ssize_t) sizeof t)
                        _exit(127);
                execvp(argv[optind], argv + optind);
                fprintf(stderr, "vnt-bench-notify: cannot run %s: %m\n", argv[optind]);
                _exit(127);
        }
        close(pipefd[1]);
        if (read(pipefd[0], &t_exec, sizeof t_exec) != (ssize_t) sizeof t_exec)
                die("the child did not start");
        close(pipefd[0]);
        deadline = t_exec + (uint64_t) timeout_sec * 1000000ULL;

        for (;;) {
                struct pollfd p[2] = {
                        { .fd = sock, .events = POLLIN },
                        { .fd = sigfd, .events = POLLIN },
                };
                uint64_t now = bench_now_usec();
                int timeout = -1;

                if (!ready) {
                        if (now >= deadline) {
                                kill(pid, SIGKILL);
                                die("no READY=1 within %u s", timeout_sec);
                        }
                        timeout = (int) ((deadline - now) / 1000 + 1);
                }
                if (poll(p, 2, timeout) < 0 && errno != EINTR)
                        die("poll: %m");

                for (;;) {
                        char buf[4096];
                        ssize_t n = recv(sock, buf, sizeof buf - 1, MSG_DONTWAIT);

                        if (n < 0)
                                break;
                        now = bench_now_usec();
                        buf[n] = 0;
                        if (!ready && is_ready(buf)) {
                                ready = true;
                                printf("ready_ms=%.3f\npid=%d\n", usec_to_ms((int64_t) (now - t_exec)), (int) pid);
                                fflush(stdout);
                        }
                }

                for (;;) {
                        struct signalfd_siginfo si;

                        if (read(sigfd, &si, sizeof si) != (ssize_t) sizeof si)
                                break;
                        if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
                                (void) kill(pid, (int) si.ssi_signo);
                }
                if (waitpid(pid, &status, WNOHANG) == pid) {
                        (void) unlink(path);
                        if (!ready)
                                die("the daemon exited before READY=1 (%s %d)",
                                    WIFEXITED(status) ? "exit status" : "signal",
                                    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
                        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                }
        }
}
