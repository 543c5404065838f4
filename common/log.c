/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Logging to the journal with structured fields, or one readable line per message on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "log.h"

static const char *log_ident = "vnettune";
static int log_max_level = LOG_INFO;
static bool log_journal = false;

/* journald sets JOURNAL_STREAM to "dev:ino" of our stderr when it owns it. */
static bool stderr_is_journal(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
}

void log_setup(const char *ident, LogTarget target, int max_level) {
        if (ident)
                log_ident = ident;
        log_max_level = max_level;
        switch (target) {
        case LOG_TARGET_JOURNAL:
                log_journal = true;
                break;
        case LOG_TARGET_CONSOLE:
                log_journal = false;
                break;
        default:
                log_journal = stderr_is_journal();
        }
}

void log_set_max_level(int level) {
        log_max_level = level;
}

int log_get_max_level(void) {
        return log_max_level;
}

bool log_to_journal(void) {
        return log_journal;
}

static const char *level_prefix(int level) {
        switch (level) {
        case LOG_EMERG ... LOG_ERR:
                return "error: ";
        case LOG_WARNING:
                return "warning: ";
        default:
                return "";
        }
}

static int send_entry(int level, int error, const char *file, int line, const char *func,
                      const char *message_id, char **fields, const char *msg) {
        size_t n_fields = 0, n = 0;
        int saved = errno;

        if (fields)
                while (fields[n_fields])
                        n_fields++;

        if (log_journal) {
                struct iovec *iov = calloc(n_fields + 8, sizeof(struct iovec));
                char *items[8] = {};
                size_t k = 0;

                if (!iov)
                        return -ENOMEM;
                if (asprintf(&items[k++], "MESSAGE=%s", msg) < 0 ||
                    asprintf(&items[k++], "PRIORITY=%d", level) < 0 ||
                    asprintf(&items[k++], "SYSLOG_IDENTIFIER=%s", log_ident) < 0)
                        goto oom;
                if (message_id && asprintf(&items[k++], "MESSAGE_ID=%s", message_id) < 0)
                        goto oom;
                if (error != 0 && asprintf(&items[k++], "ERRNO=%d", abs(error)) < 0)
                        goto oom;
                if (file && asprintf(&items[k++], "CODE_FILE=%s", file) < 0)
                        goto oom;
                if (file && asprintf(&items[k++], "CODE_LINE=%d", line) < 0)
                        goto oom;
                if (func && asprintf(&items[k++], "CODE_FUNC=%s", func) < 0)
                        goto oom;
                for (size_t i = 0; i < k; i++)
                        iov[n++] = (struct iovec) { .iov_base = items[i], .iov_len = strlen(items[i]) };
                for (size_t i = 0; i < n_fields; i++)
                        iov[n++] = (struct iovec) { .iov_base = fields[i], .iov_len = strlen(fields[i]) };
                (void) sd_journal_sendv(iov, (int) n);
        oom:
                for (size_t i = 0; i < ELEMENTSOF(items); i++)
                        free(items[i]);
                free(iov);
        } else {
                /* One line: the message, then the structured fields so tests can grep them; built
                 * first and written with one write(2) (stderr is unbuffered). */
                char text[4096];
                size_t len;
                int k = snprintf(text, sizeof text, "%s%s", level_prefix(level), msg);

                for (size_t i = 0; k >= 0 && (size_t) k < sizeof text && i < n_fields; i++)
                        k += snprintf(text + k, sizeof text - (size_t) k, "%s%s", i == 0 ? " [" : " ", fields[i]);
                if (k >= 0 && (size_t) k + 2 < sizeof text) {
                        len = (size_t) k;
                        if (n_fields > 0)
                                text[len++] = ']';
                        text[len++] = '\n';
                        (void) fwrite(text, 1, len, stderr);
                        errno = saved;
                        return 0;
                }
                /* Longer than the buffer: piece by piece. */
                flockfile(stderr);
                fprintf(stderr, "%s%s", level_prefix(level), msg);
                if (n_fields > 0) {
                        fputs(" [", stderr);
                        for (size_t i = 0; i < n_fields; i++)
                                fprintf(stderr, "%s%s", i > 0 ? " " : "", fields[i]);
                        fputc(']', stderr);
                }
                fputc('\n', stderr);
                funlockfile(stderr);
        }
        errno = saved;
        return 0;
}

int log_internal(int level, int error, const char *file, int line, const char *func, const char *fmt, ...) {
        char buf[2048];
        va_list ap;

        if (level > log_max_level)
                return error == 0 ? 0 : -abs(error);
        errno = abs(error);     /* so %m works */
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        (void) send_entry(level, error, file, line, func, NULL, NULL, buf);
        return error == 0 ? 0 : -abs(error);
}

int log_struct_fields(int level, int error, const char *message_id, char **fields, const char *fmt, ...) {
        char buf[2048];
        va_list ap;

        if (level > log_max_level)
                return error == 0 ? 0 : -abs(error);
        errno = abs(error);
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        (void) send_entry(level, error, NULL, 0, NULL, message_id, fields, buf);
        return error == 0 ? 0 : -abs(error);
}
