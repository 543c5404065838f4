/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Recorded original values, persisted as "setting=value" lines so that revert works across restarts. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "originals.h"

void originals_done(Originals *o) {
        if (!o)
                return;
        for (size_t i = 0; i < o->n; i++) {
                free(o->settings[i]);
                free(o->values[i]);
        }
        free(o->settings);
        free(o->values);
        free(o->path);
        free(o->identity);
        *o = (Originals) {};
}

const char *originals_get(const Originals *o, const char *setting) {
        for (size_t i = 0; i < o->n; i++)
                if (streq(o->settings[i], setting))
                        return o->values[i];
        return NULL;
}

static int originals_append(Originals *o, const char *setting, const char *value) {
        char **s, **v;
        char *a, *b;

        s = realloc(o->settings, (o->n + 1) * sizeof(char *));
        if (!s)
                return -ENOMEM;
        o->settings = s;
        v = realloc(o->values, (o->n + 1) * sizeof(char *));
        if (!v)
                return -ENOMEM;
        o->values = v;
        a = strdup(setting);
        b = strdup(value);
        if (!a || !b) {
                free(a);
                free(b);
                return -ENOMEM;
        }
        o->settings[o->n] = a;
        o->values[o->n] = b;
        o->n++;
        return 0;
}

static int escape(const char *s, FILE *f) {
        /* A leading '#' would read back as a comment or marker line. */
        if (*s == '#')
                fputc('\\', f);
        for (; *s; s++)
                switch (*s) {
                case '=':
                        fputs("\\=", f);
                        break;
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                default:
                        fputc(*s, f);
                }
        return 0;
}

int originals_serialize(const Originals *o, char **ret) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return -ENOMEM;
        if (o->identity) {
                fputs("#identity ", f);
                escape(o->identity, f);
                fputc('\n', f);
        }
        for (size_t i = 0; i < o->n; i++) {
                escape(o->settings[i], f);
                fputc('=', f);
                escape(o->values[i], f);
                fputc('\n', f);
        }
        fputs("#end\n", f);
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        return 0;
}

static void unescape(char *s) {
        char *w = s;

        for (char *r = s; *r; r++) {
                if (*r == '\\' && r[1]) {
                        r++;
                        *w++ = *r == 'n' ? '\n' : *r;
                } else
                        *w++ = *r;
        }
        *w = 0;
}

int originals_deserialize(const char *text, Originals *o) {
        _cleanup_free_ char *copy = strdup(text);
        char *line, *save = NULL;
        bool ended = false;
        int r;

        if (!copy)
                return -ENOMEM;
        if (!*text)
                return 0;       /* nothing recorded */
        for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *eq = line;

                if (ended)
                        return -EBADMSG;        /* records after the end: not ours */
                if (streq(line, "#end")) {
                        ended = true;
                        continue;
                }
                if (strncmp(line, "#identity ", 10) == 0) {
                        unescape(line + 10);
                        r = free_and_strdup(&o->identity, line + 10);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (line[0] == '#')
                        continue;
                /* The separator is the first '=' not escaped by a backslash. */
                while (*eq && *eq != '=')
                        eq += eq[0] == '\\' && eq[1] ? 2 : 1;
                if (!*eq || eq == line)
                        return -EBADMSG;
                *eq = 0;
                unescape(line);
                unescape(eq + 1);
                if (originals_get(o, line))
                        continue;       /* first one wins, as when recording */
                r = originals_append(o, line, eq + 1);
                if (r < 0)
                        return r;
        }
        /* Without the end marker the file was cut short: its last value may be cut too. */
        return ended ? 0 : -EBADMSG;
}

int originals_load(const char *path, Originals *ret) {
        Originals o = {};
        char *text = NULL;
        size_t size = 0;
        FILE *f;
        int r;

        o.path = strdup(path);
        if (!o.path)
                return -ENOMEM;
        f = fopen(path, "re");
        if (!f) {
                if (errno != ENOENT) {
                        r = negative_errno();
                        originals_done(&o);
                        return r;
                }
                *ret = o;
                return 0;
        }
        FILE *m = open_memstream(&text, &size);
        if (!m) {
                fclose(f);
                originals_done(&o);
                return -ENOMEM;
        }
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, f)) > 0)
                fwrite(buf, 1, n, m);
        fclose(f);
        fclose(m);
        r = originals_deserialize(text ?: "", &o);
        free(text);
        if (r < 0) {
                originals_done(&o);
                return r;
        }
        *ret = o;
        return 0;
}

/* mkdir -p of the parent directory. */
static int mkdir_parents(const char *path) {
        _cleanup_free_ char *p = strdup(path);

        if (!p)
                return -ENOMEM;
        for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
                *s = 0;
                if (mkdir(p, 0755) < 0 && errno != EEXIST)
                        return negative_errno();
                *s = '/';
        }
        return 0;
}

static int originals_persist(const Originals *o) {
        _cleanup_free_ char *text = NULL, *tmp = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (!o->path)
                return 0;
        if (o->n == 0) {
                if (unlink(o->path) < 0 && errno != ENOENT)
                        return negative_errno();
                return 0;
        }
        r = originals_serialize(o, &text);
        if (r < 0)
                return r;
        if (asprintf(&tmp, "%s.tmp", o->path) < 0)
                return -ENOMEM;
        /* The directory exists after the first save: create it only when it is missing. */
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 && errno == ENOENT) {
                r = mkdir_parents(o->path);
                if (r < 0)
                        return r;
                fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        }
        if (fd < 0)
                return negative_errno();
        size_t len = strlen(text);
        if (write(fd, text, len) != (ssize_t) len) {
                r = negative_errno();
                (void) unlink(tmp);
                return r;
        }
        if (rename(tmp, o->path) < 0) {
                r = negative_errno();
                (void) unlink(tmp);
                return r;
        }
        return 0;
}

int originals_add(Originals *o, const char *setting, const char *value) {
        int r;

        if (originals_get(o, setting))
                return 0;
        r = originals_append(o, setting, value);
        return r < 0 ? r : 1;
}

int originals_save(const Originals *o) {
        return originals_persist(o);
}

void originals_drop(Originals *o, const char *setting) {
        for (size_t i = 0; i < o->n; i++)
                if (streq(o->settings[i], setting)) {
                        free(o->settings[i]);
                        free(o->values[i]);
                        memmove(o->settings + i, o->settings + i + 1, (o->n - i - 1) * sizeof(char *));
                        memmove(o->values + i, o->values + i + 1, (o->n - i - 1) * sizeof(char *));
                        o->n--;
                        return;
                }
}

int originals_record(Originals *o, const char *setting, const char *value) {
        int r;

        if (originals_get(o, setting))
                return 0;
        r = originals_append(o, setting, value);
        if (r < 0)
                return r;
        r = originals_persist(o);
        if (r < 0) {
                /* Not persisted means not recorded: keep memory and disk the same. */
                o->n--;
                free(o->settings[o->n]);
                free(o->values[o->n]);
                return r;
        }
        return 1;
}

int originals_forget(Originals *o, const char *setting) {
        for (size_t i = 0; i < o->n; i++)
                if (streq(o->settings[i], setting)) {
                        free(o->settings[i]);
                        free(o->values[i]);
                        memmove(o->settings + i, o->settings + i + 1, (o->n - i - 1) * sizeof(char *));
                        memmove(o->values + i, o->values + i + 1, (o->n - i - 1) * sizeof(char *));
                        o->n--;
                        return originals_persist(o);
                }
        return 0;
}

int originals_quarantine(Originals *o, char **ret_moved) {
        _cleanup_free_ char *moved = NULL;

        if (o->path && access(o->path, F_OK) >= 0) {
                if (asprintf(&moved, "%s.corrupt-%lld", o->path, (long long) time(NULL)) < 0)
                        return -ENOMEM;
                if (rename(o->path, moved) < 0)
                        return negative_errno();
        }
        for (size_t i = 0; i < o->n; i++) {
                free(o->settings[i]);
                free(o->values[i]);
        }
        o->n = 0;
        o->identity = mfree_ptr(o->identity);
        if (ret_moved)
                *ret_moved = TAKE_PTR(moved);
        return 0;
}

int originals_load_or_quarantine(const char *path, Originals *ret, char **ret_moved) {
        Originals o = {};
        int r;

        r = originals_load(path, ret);
        if (r >= 0 || r == -ENOMEM)
                return r;
        o.path = strdup(path);
        if (!o.path)
                return -ENOMEM;
        r = originals_quarantine(&o, ret_moved);
        if (r == -ENOMEM) {
                originals_done(&o);
                return r;
        }
        /* Could not move it: still start afresh (a later record replaces it, which is logged). */
        *ret = o;
        return 1;
}

int originals_set_identity(Originals *o, const char *identity) {
        int r;

        if (streq_ptr(o->identity, identity))
                return 0;
        r = free_and_strdup(&o->identity, identity);
        if (r < 0)
                return r;
        return o->n > 0 ? originals_persist(o) : 0;
}

int originals_forget_all(Originals *o) {
        for (size_t i = 0; i < o->n; i++) {
                free(o->settings[i]);
                free(o->values[i]);
        }
        o->n = 0;
        return originals_persist(o);
}
