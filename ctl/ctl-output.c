/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vnettunectl's output plumbing: messages on stderr, the colour decision, a pager and JSON on stdout. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctl-output.h"

static pid_t pager_pid;

void log_error(const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

int log_error_errno(int r, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        return r < 0 ? r : -r;
}

bool colors_wanted(bool no_color_option) {
        const char *term = getenv("TERM");

        /* no-color.org: a NO_COLOR with any non-empty value. */
        if (no_color_option || !isempty(getenv("NO_COLOR")))
                return false;
        if (!term || streq(term, "dumb"))
                return false;
        return isatty(STDOUT_FILENO) > 0;
}

/* Is prog an executable on $PATH (or a path to one)? */
static bool in_path(const char *prog) {
        _cleanup_free_ char *copy = NULL;
        const char *path = getenv("PATH");
        char *saveptr = NULL;

        if (strchr(prog, '/'))
                return access(prog, X_OK) == 0;
        copy = strdup(path ?: "/usr/bin:/bin");
        if (!copy)
                return false;
        for (char *dir = strtok_r(copy, ":", &saveptr); dir; dir = strtok_r(NULL, ":", &saveptr)) {
                _cleanup_free_ char *p = NULL;

                if (asprintf(&p, "%s/%s", dir, prog) < 0)
                        return false;
                if (access(p, X_OK) == 0)
                        return true;
        }
        return false;
}

int pager_open(void) {
        const char *pager;
        int fds[2];
        pid_t pid;

        if (pager_pid > 0 || isatty(STDOUT_FILENO) <= 0)
                return 0;
        pager = getenv("SYSTEMD_PAGER");
        if (!pager)
                pager = getenv("PAGER");
        if (!pager) {
                /* The default must exist: output piped into a missing program would be lost. */
                if (!in_path("less"))
                        return 0;
                pager = "less";
        }
        if (isempty(pager) || streq(pager, "cat"))
                return 0;

        if (pipe2(fds, O_CLOEXEC) < 0)
                return 0;       /* no pager is no reason to fail */
        fflush(stdout);
        pid = fork();
        if (pid < 0) {
                close(fds[0]);
                close(fds[1]);
                return 0;
        }
        if (pid == 0) {
                if (dup2(fds[0], STDIN_FILENO) < 0)
                        _exit(EXIT_FAILURE);
                (void) setenv("LESS", "FRSX", 0);
                execl("/bin/sh", "sh", "-c", pager, (char *) NULL);
                _exit(127);
        }
        if (dup2(fds[1], STDOUT_FILENO) < 0) {
                close(fds[0]);
                close(fds[1]);
                kill(pid, SIGTERM);
                (void) waitpid(pid, NULL, 0);
                return 0;
        }
        close(fds[0]);
        close(fds[1]);
        pager_pid = pid;
        return 1;
}

void pager_close(void) {
        if (pager_pid <= 0)
                return;
        fflush(stdout);
        /* The pager ends when it reads the end of its input. */
        (void) close(STDOUT_FILENO);
        while (waitpid(pager_pid, NULL, 0) < 0 && errno == EINTR)
                ;
        pager_pid = 0;
}

int json_print(const json_t *j, JsonMode mode) {
        size_t flags = mode == JSON_PRETTY ? JSON_INDENT(2) : JSON_COMPACT;

        if (json_dumpf(j, stdout, flags) < 0)
                return log_error_errno(-EIO, "Cannot write the JSON output.");
        fputc('\n', stdout);
        return 0;
}

void format_usec(uint64_t usec, char *buf, size_t size) {
        time_t t = (time_t) (usec / 1000000);
        struct tm tm;

        if (usec == 0 || !localtime_r(&t, &tm) || strftime(buf, size, "%a %Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                snprintf(buf, size, "%s", usec == 0 ? "never" : "?");
}
