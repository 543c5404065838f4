/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /proc/sys access by dotted key; values normalised the way sysctl(8) shows them. */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "sysctl.h"

static int key_to_path(const char *key, char **ret) {
        char *p;

        if (isempty(key) || strstr(key, "..") || key[0] == '.' || key[0] == '/')
                return -EINVAL;
        if (asprintf(&p, "/proc/sys/%s", key) < 0)
                return -ENOMEM;
        for (char *c = p + strlen("/proc/sys/"); *c; c++)
                if (*c == '.')
                        *c = '/';
        *ret = p;
        return 0;
}

/* Fold runs of whitespace to one space and trim both ends, in place. */
static void fold_whitespace(char *s) {
        char *w = s;
        bool space = false;

        for (char *r = s; *r; r++) {
                if (isspace((unsigned char) *r)) {
                        space = w != s;
                        continue;
                }
                if (space)
                        *w++ = ' ';
                space = false;
                *w++ = *r;
        }
        *w = 0;
}

int sysctl_read(const char *key, char **ret) {
        _cleanup_free_ char *path = NULL;
        char buf[4096];
        ssize_t n;
        int r;

        r = key_to_path(key, &path);
        if (r < 0)
                return r;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        n = read(fd, buf, sizeof buf - 1);
        if (n < 0)
                return negative_errno();
        buf[n] = 0;
        fold_whitespace(buf);
        char *v = strdup(buf);
        if (!v)
                return -ENOMEM;
        *ret = v;
        return 0;
}

int sysctl_write(const char *key, const char *value) {
        _cleanup_free_ char *path = NULL;
        size_t len;
        ssize_t n;
        int r;

        r = key_to_path(key, &path);
        if (r < 0)
                return r;
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        len = strlen(value);
        n = write(fd, value, len);
        if (n < 0)
                return negative_errno();
        if ((size_t) n != len)
                return -EIO;
        return 0;
}

int sysctl_value_equal(const char *a, const char *b) {
        _cleanup_free_ char *x = strdup(a), *y = strdup(b);

        if (!x || !y)
                return -ENOMEM;
        fold_whitespace(x);
        fold_whitespace(y);
        return streq(x, y);
}
