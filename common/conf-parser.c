/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parsers for guestd.conf, hostd.conf and *.link text, and the loader layering directories and drop-ins. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "conf-parser.h"
#include "macro.h"

/* Highest priority first; NULL-terminated so callers can walk it. */
const char *const conf_dirs[] = {
        "/etc/vnettune",
        "/run/vnettune",
        "/usr/lib/vnettune",
        NULL,
};

const char *const conf_known_keys[] = {
        "Match.Driver",
        "Match.Name",
        "Match.MACAddress",
        "Link.Channels",
        "Link.XPS",
        "Link.MTU",
        "Link.TxQueueLength",
        "Link.TSO",
        "Link.GSO",
        "Link.GRO",
        "Link.LRO",
        "Link.Drift",
        "Guest.Drift",
        "Guest.RevertOnStop",
        "Guest.ApplySysctls",
        "Host.Drift",
        "Host.RevertOnStop",
        "Host.ApplySysctls",
        "Host.VhostPlacement",
        "Sysctl.*",
        NULL,
};

/* Files larger than this are refused: a policy file is a few hundred bytes. */
#define CONF_FILE_SIZE_MAX (1024u * 1024u)

#define WHITESPACE " \t\r\n"
#define COMMENT_CHARS "#;"

/* ---- diagnostics ---- */

void conf_diagnostics_done(ConfDiagnostics *d) {
        if (!d)
                return;
        for (size_t i = 0; i < d->n; i++) {
                free(d->items[i].file);
                free(d->items[i].message);
        }
        free(d->items);
        d->items = NULL;
        d->n = 0;
}

static int diag_add(ConfDiagnostics *d, const char *file, unsigned line, const char *fmt, ...)
        _printf_(4, 5);
static int diag_add(ConfDiagnostics *d, const char *file, unsigned line, const char *fmt, ...) {
        _cleanup_free_ char *f = NULL, *m = NULL;
        ConfDiagnostic *items;
        va_list ap;
        int r;

        if (!d)
                return 0;

        f = strdup(file ?: "(unknown)");
        if (!f)
                return -ENOMEM;

        va_start(ap, fmt);
        r = vasprintf(&m, fmt, ap);
        va_end(ap);
        if (r < 0) {
                m = NULL;
                return -ENOMEM;
        }

        items = realloc(d->items, (d->n + 1) * sizeof(ConfDiagnostic));
        if (!items)
                return -ENOMEM;
        d->items = items;
        d->items[d->n++] = (ConfDiagnostic) {
                .file = TAKE_PTR(f),
                .line = line,
                .message = TAKE_PTR(m),
        };
        return 0;
}

/* ---- small string helpers ---- */

static size_t strv_length(char *const *l) {
        size_t n = 0;

        if (l)
                while (l[n])
                        n++;
        return n;
}

/* Appends s to *l, taking ownership of s on success. */
static int strv_push(char ***l, char *s) {
        size_t n = strv_length(*l);
        char **t;

        t = realloc(*l, (n + 2) * sizeof(char *));
        if (!t)
                return -ENOMEM;
        t[n] = s;
        t[n + 1] = NULL;
        *l = t;
        return 0;
}

static char *strip(char *s) {
        size_t n;

        s += strspn(s, WHITESPACE);
        n = strlen(s);
        while (n > 0 && strchr(WHITESPACE, s[n - 1]))
                s[--n] = 0;
        return s;
}

/* Iterates over the words of a space-separated value: *state starts at the value. */
static bool next_word(const char **state, const char **ret_word, size_t *ret_len) {
        const char *p = *state + strspn(*state, WHITESPACE);
        size_t n = strcspn(p, WHITESPACE);

        if (n == 0)
                return false;
        *ret_word = p;
        *ret_len = n;
        *state = p + n;
        return true;
}

static int parse_boolean(const char *s) {
        static const char *const yes[] = { "1", "yes", "true", "on" };
        static const char *const no[] = { "0", "no", "false", "off" };

        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(s, yes[i]) == 0)
                        return 1;
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(s, no[i]) == 0)
                        return 0;
        return -EINVAL;
}

/* Plain decimal digits only: no sign, no spaces, no hex. */
static int parse_u32(const char *s, uint32_t *ret) {
        uint64_t v = 0;

        if (isempty(s))
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                v = v * 10 + (uint64_t) (*p - '0');
                if (v > UINT32_MAX)
                        return -ERANGE;
        }
        *ret = (uint32_t) v;
        return 0;
}

static int hex_digit(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -EINVAL;
}

/* "AA:bb:CC:dd:ee:ff" -> "aa:bb:cc:dd:ee:ff". */
static int normalize_mac(const char *s, size_t n, char **ret) {
        char *m;

        if (n != 17)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                if (i % 3 == 2) {
                        if (s[i] != ':')
                                return -EINVAL;
                } else if (hex_digit(s[i]) < 0)
                        return -EINVAL;
        }

        m = strndup(s, n);
        if (!m)
                return -ENOMEM;
        for (char *p = m; *p; p++)
                *p = (char) tolower((unsigned char) *p);
        *ret = m;
        return 0;
}

/* ---- the generic line parser ---- */

typedef struct ConfParser {
        const char *filename;
        unsigned line;
        ConfDiagnostics *diag;
} ConfParser;

#define conf_warn(p, ...) diag_add((p)->diag, (p)->filename, (p)->line, __VA_ARGS__)

static int conf_bad_value(ConfParser *p, const char *key, const char *value) {
        return conf_warn(p, "Invalid value '%s' for %s=, ignoring", value, key);
}

typedef int (*ConfSetter)(ConfParser *p, const char *key, const char *value, int arg, void *userdata);

typedef struct ConfKey {
        const char *section;    /* NULL: the daemon's main section ("Guest", "Host") */
        const char *key;        /* "*": any key */
        ConfSetter set;
        int arg;
} ConfKey;

typedef struct ConfSyntax {
        const ConfKey *keys;
        size_t n_keys;
        const char *main_section;
} ConfSyntax;

static bool section_is(const ConfSyntax *syn, const ConfKey *k, const char *section) {
        const char *s = k->section ?: syn->main_section;

        return s && streq(s, section);
}

static bool section_known(const ConfSyntax *syn, const char *section) {
        for (size_t i = 0; i < syn->n_keys; i++)
                if (section_is(syn, &syn->keys[i], section))
                        return true;
        return false;
}

static const ConfKey *key_lookup(const ConfSyntax *syn, const char *section, const char *key) {
        for (size_t i = 0; i < syn->n_keys; i++) {
                const ConfKey *k = &syn->keys[i];

                if (section_is(syn, k, section) && (streq(k->key, "*") || streq(k->key, key)))
                        return k;
        }
        return NULL;
}

typedef struct ConfState {
        char *section;          /* current known section, NULL before the first or after a bad one */
        bool skipping;          /* inside an unknown section: ignore its lines silently */
} ConfState;

static int conf_parse_line(ConfParser *p, const ConfSyntax *syn, ConfState *st, char *l, void *userdata) {
        const ConfKey *k;
        char *eq, *key, *value;

        l = strip(l);
        if (!*l)
                return 0;

        if (*l == '[') {
                size_t n = strlen(l);

                free(st->section);
                st->section = NULL;
                st->skipping = true;

                if (n < 3 || l[n - 1] != ']')
                        return conf_warn(p, "Invalid section header '%s', ignoring", l);

                l[n - 1] = 0;
                l++;
                if (!section_known(syn, l))
                        return conf_warn(p, "Unknown section [%s], ignoring", l);

                st->section = strdup(l);
                if (!st->section)
                        return -ENOMEM;
                st->skipping = false;
                return 0;
        }

        if (st->skipping)
                return 0;

        eq = strchr(l, '=');
        if (!eq)
                return conf_warn(p, "Line '%s' has no '=', ignoring", l);
        if (!st->section)
                return conf_warn(p, "Assignment '%s' outside of any section, ignoring", l);

        *eq = 0;
        key = strip(l);
        value = strip(eq + 1);
        if (!*key)
                return conf_warn(p, "Missing key name before '=' in section [%s], ignoring", st->section);

        k = key_lookup(syn, st->section, key);
        if (!k)
                return conf_warn(p, "Unknown key '%s' in section [%s], ignoring", key, st->section);

        return k->set(p, key, value, k->arg, userdata);
}

static int buf_append(char **buf, size_t *len, const char *s, size_t n) {
        char *t;

        t = realloc(*buf, *len + n + 1);
        if (!t)
                return -ENOMEM;
        memcpy(t + *len, s, n);
        *len += n;
        t[*len] = 0;
        *buf = t;
        return 0;
}

static int conf_flush_line(ConfParser *p, const ConfSyntax *syn, ConfState *st, char **logical, size_t *len,
                           void *userdata) {
        _cleanup_free_ char *l = TAKE_PTR(*logical);

        *len = 0;
        if (!l)
                return 0;
        return conf_parse_line(p, syn, st, l, userdata);
}

/* Splits text into logical lines and feeds each to conf_parse_line(). A line ending in a backslash continues
 * on the next one (the backslash becomes a space); comment lines inside a continuation are skipped, a blank
 * line ends it. Diagnostics name the first physical line of a logical line. */
static int conf_parse_text(const char *filename, const char *text, const ConfSyntax *syn, void *userdata,
                           ConfDiagnostics *diag) {
        _cleanup_free_ char *logical = NULL;
        ConfParser p = { .filename = filename, .diag = diag };
        ConfState st = {};
        size_t len = 0;
        unsigned lineno = 0;
        const char *s = text ?: "";
        int r = 0;

        while (*s && r >= 0) {
                const char *eol = strchrnul(s, '\n'), *line = s, *first;
                size_t n = (size_t) (eol - s);

                lineno++;
                s = *eol ? eol + 1 : eol;

                first = line + strspn(line, " \t\r");
                if (first >= eol) {
                        r = conf_flush_line(&p, syn, &st, &logical, &len, userdata);
                        continue;
                }
                if (strchr(COMMENT_CHARS, *first))
                        continue;

                if (!logical)
                        p.line = lineno;
                r = buf_append(&logical, &len, line, n);
                if (r < 0)
                        break;

                while (len > 0 && strchr(WHITESPACE, logical[len - 1]))
                        logical[--len] = 0;
                if (len > 0 && logical[len - 1] == '\\') {
                        logical[len - 1] = ' ';
                        continue;
                }

                r = conf_flush_line(&p, syn, &st, &logical, &len, userdata);
        }

        /* the text may end inside a continuation: take what there is */
        if (r >= 0)
                r = conf_flush_line(&p, syn, &st, &logical, &len, userdata);

        free(st.section);
        return r < 0 ? r : 0;
}

/* ---- guestd.conf / hostd.conf ---- */

static int set_daemon_drift(ConfParser *p, const char *key, const char *value, int arg, void *userdata) {
        DaemonConfig *c = userdata;
        DriftMode d;

        if (isempty(value)) {
                c->drift = DRIFT_ENFORCE;
                return 0;
        }
        d = drift_mode_from_string(value);
        if (d < 0)
                return conf_bad_value(p, key, value);
        c->drift = d;
        return 0;
}

enum {
        DAEMON_BOOL_REVERT_ON_STOP,
        DAEMON_BOOL_APPLY_SYSCTLS,
};

static int set_daemon_bool(ConfParser *p, const char *key, const char *value, int arg, void *userdata) {
        DaemonConfig *c = userdata, defaults;
        bool revert = arg == DAEMON_BOOL_REVERT_ON_STOP;
        bool *field = revert ? &c->revert_on_stop : &c->apply_sysctls;
        int b;

        if (isempty(value)) {
                daemon_config_init(&defaults);
                *field = revert ? defaults.revert_on_stop : defaults.apply_sysctls;
                return 0;
        }
        b = parse_boolean(value);
        if (b < 0)
                return conf_bad_value(p, key, value);
        *field = b;
        return 0;
}

/* "net.core.rmem_max" stays; "net/core/rmem_max" becomes dotted. Components are letters, digits, '_' and
 * '-'; at least two of them. A slash form may not contain dots: there they would be part of a component
 * (an interface name like "eth0.100"), which the dotted form cannot express. */
static int sysctl_normalize_key(const char *key, char **ret) {
        bool slash = strchr(key, '/');
        char *k;

        if (slash && strchr(key, '.'))
                return -EINVAL;

        k = strdup(key);
        if (!k)
                return -ENOMEM;
        if (slash)
                for (char *q = k; *q; q++)
                        if (*q == '/')
                                *q = '.';

        if (k[0] == '.' || k[strlen(k) - 1] == '.' || strstr(k, "..") || !strchr(k, '.')) {
                free(k);
                return -EINVAL;
        }
        for (const char *q = k; *q; q++)
                if (!isalnum((unsigned char) *q) && !strchr("_-.", *q)) {
                        free(k);
                        return -EINVAL;
                }

        *ret = k;
        return 0;
}

/* Runs of blanks inside the value become one space; the value has been stripped already. */
static char *fold_whitespace(const char *s) {
        char *r, *w;

        r = w = malloc(strlen(s) + 1);
        if (!r)
                return NULL;
        while (*s) {
                if (strchr(WHITESPACE, *s)) {
                        s += strspn(s, WHITESPACE);
                        *w++ = ' ';
                        continue;
                }
                *w++ = *s++;
        }
        *w = 0;
        return r;
}

static int set_sysctl(ConfParser *p, const char *key, const char *value, int arg, void *userdata) {
        _cleanup_free_ char *k = NULL, *v = NULL;
        DaemonConfig *c = userdata;
        SysctlSetting *t;
        size_t i;
        int r;

        r = sysctl_normalize_key(key, &k);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return conf_warn(p, "Invalid sysctl name '%s', ignoring", key);

        for (i = 0; i < c->n_sysctls; i++)
                if (streq(c->sysctls[i].key, k))
                        break;

        if (isempty(value)) {
                /* an empty value drops the setting, e.g. to switch off a vendor default */
                if (i < c->n_sysctls) {
                        free(c->sysctls[i].key);
                        free(c->sysctls[i].value);
                        memmove(c->sysctls + i, c->sysctls + i + 1,
                                (c->n_sysctls - i - 1) * sizeof(SysctlSetting));
                        c->n_sysctls--;
                }
                return 0;
        }

        v = fold_whitespace(value);
        if (!v)
                return -ENOMEM;

        if (i < c->n_sysctls) {
                /* replaced in place: the order of first appearance is kept */
                free(c->sysctls[i].value);
                c->sysctls[i].value = TAKE_PTR(v);
                return 0;
        }

        t = realloc(c->sysctls, (c->n_sysctls + 1) * sizeof(SysctlSetting));
        if (!t)
                return -ENOMEM;
        c->sysctls = t;
        c->sysctls[c->n_sysctls++] = (SysctlSetting) {
                .key = TAKE_PTR(k),
                .value = TAKE_PTR(v),
        };
        return 0;
}

/* VhostPlacement=: a mode or a CPU list (whether its CPUs exist is the host manager's check). */
static int set_vhost_placement(ConfParser *p, const char *key, const char *value, int arg, void *userdata) {
        DaemonConfig *c = userdata;
        CpuSet s = CPUSET_NULL;

        if (isempty(value))
                return free_and_strdup(&c->vhost_placement, NULL);
        if (!streq(value, "numa") && !streq(value, "emulator") && !streq(value, "off")) {
                int r = cpuset_parse_list(value, &s);
                bool empty = r >= 0 && cpuset_is_empty(&s);

                cpuset_done(&s);
                if (r < 0 || empty)
                        return conf_bad_value(p, key, value);
        }
        return free_and_strdup(&c->vhost_placement, value);
}

static const ConfKey daemon_keys[] = {
        { NULL,     "Drift",        set_daemon_drift, 0 },
        { NULL,     "RevertOnStop", set_daemon_bool,  DAEMON_BOOL_REVERT_ON_STOP },
        { NULL,     "ApplySysctls", set_daemon_bool,  DAEMON_BOOL_APPLY_SYSCTLS },
        { "Sysctl", "*",            set_sysctl,       0 },
};

/* hostd.conf: the same, plus what only the host has. */
static const ConfKey host_daemon_keys[] = {
        { NULL,     "Drift",          set_daemon_drift,    0 },
        { NULL,     "RevertOnStop",   set_daemon_bool,     DAEMON_BOOL_REVERT_ON_STOP },
        { NULL,     "ApplySysctls",   set_daemon_bool,     DAEMON_BOOL_APPLY_SYSCTLS },
        { NULL,     "VhostPlacement", set_vhost_placement, 0 },
        { "Sysctl", "*",              set_sysctl,          0 },
};

int conf_parse_daemon(const char *filename, const char *text, const char *main_section,
                      DaemonConfig *c, ConfDiagnostics *diag) {
        bool host = main_section && streq(main_section, "Host");
        const ConfSyntax syn = {
                .keys = host ? host_daemon_keys : daemon_keys,
                .n_keys = host ? ELEMENTSOF(host_daemon_keys) : ELEMENTSOF(daemon_keys),
                .main_section = main_section,
        };

        if (!c)
                return -EINVAL;
        return conf_parse_text(filename, text, &syn, c, diag);
}

/* ---- *.link ---- */

enum {
        MATCH_DRIVER,
        MATCH_NAME,
        MATCH_MAC,
};

/* Assignments add to the list, an empty one resets it. Invalid words are reported and dropped; if every word
 * of an assignment was invalid and the list is still unset, it becomes an empty list, which matches no
 * device: a typo must not widen a policy to all links. */
static int set_match(ConfParser *p, const char *key, const char *value, int arg, void *userdata) {
        LinkPolicy *lp = userdata;
        char ***list = arg == MATCH_DRIVER ? &lp->match_driver :
                       arg == MATCH_NAME ? &lp->match_name : &lp->match_mac;
        const char *state = value, *w;
        size_t n, added = 0;
        int r;

        if (isempty(value)) {
                *list = strv_free(*list);
                return 0;
        }

        while (next_word(&state, &w, &n)) {
                _cleanup_free_ char *word = NULL;

                if (arg == MATCH_MAC) {
                        r = normalize_mac(w, n, &word);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0) {
                                _cleanup_free_ char *bad = strndup(w, n);

                                if (!bad)
                                        return -ENOMEM;
                                r = conf_bad_value(p, key, bad);
                                if (r < 0)
                                        return r;
                                continue;
                        }
                } else {
                        word = strndup(w, n);
                        if (!word)
                                return -ENOMEM;
                }

                r = strv_push(list, word);
                if (r < 0)
                        return r;
                TAKE_PTR(word);
                added++;
        }

        if (added == 0 && !*list) {
                *list = calloc(1, sizeof(char *));
                if (!*list)
                        return -ENOMEM;
        }
        return 0;
}

static int set_channels(ConfParser *p, const char *key, const char *value, int arg, void *userdata) {
        LinkSettings *s = &((LinkPolicy *) userdata)->settings;
        uint32_t n;

        if (isempty(value) || streq(value, "keep")) {
                s->channels_mode = CHANNELS_KEEP;
                s->channels = 0;
        } else if (streq(value, "auto")) {
                s->channels_mode = CHANNELS_AUTO;
                s->channels = 0;
        } else if (streq(value, "max")) {
                s->channels_mode = CHANNELS_MAX;
                s->channels = 0;
        } else if (parse_u32(value, &n) < 0 || n < 1)
                return conf_bad_value(p, key, value);
        else {
                s->channels_mode = CHANNELS_NUMBER;
                s->channels = n;
        }
        return 0;
}

static void xps_list_free(CpuSet *l, unsigned n) {
        for (unsigned i = 0; i < n; i++)
                cpuset_done(&l[i]);
        free(l);
}

static void xps_set(LinkSettings *s, XpsMode mode, CpuSet *l, unsigned n) {
        xps_list_free(s->xps, s->n_xps);
        s->xps_mode = mode;
        s->xps = l;
        s->n_xps = n;
}

/* One kernel-format mask per tx queue; a single bad mask rejects the whole list, since a partial list would
 * shift the masks onto the wrong queues. */
static int set_xps(ConfParser *p, const char *key, const char *value, int arg, void *userdata) {
        LinkSettings *s = &((LinkPolicy *) userdata)->settings;
        const char *state = value, *w;
        CpuSet *l = NULL;
        unsigned n_l = 0;
        size_t n;
        int r = 0;

        if (isempty(value) || streq(value, "keep")) {
                xps_set(s, XPS_KEEP, NULL, 0);
                return 0;
        }
        if (streq(value, "auto")) {
                xps_set(s, XPS_AUTO, NULL, 0);
                return 0;
        }

        while (next_word(&state, &w, &n)) {
                _cleanup_free_ char *word = strndup(w, n);
                CpuSet *t;

                if (!word) {
                        r = -ENOMEM;
                        break;
                }
                t = realloc(l, (n_l + 1) * sizeof(CpuSet));
                if (!t) {
                        r = -ENOMEM;
                        break;
                }
                l = t;
                l[n_l] = CPUSET_NULL;
                r = cpuset_parse_mask(word, &l[n_l]);
                if (r < 0)
                        break;
                n_l++;
        }
        if (n_l == 0 || r < 0) {
                xps_list_free(l, n_l);
                if (r == -ENOMEM)
                        return r;
                return conf_bad_value(p, key, value);
        }

        xps_set(s, XPS_LIST, l, n_l);
        return 0;
}

static int set_mtu(ConfParser *p, const char *key, const char *value, int arg, void *userdata) {
        LinkSettings *s = &((LinkPolicy *) userdata)->settings;
        uint32_t n;

        if (isempty(value) || streq(value, "keep")) {
                s->mtu_mode = MTU_KEEP;
                s->mtu = 0;
        } else if (streq(value, "max")) {
                s->mtu_mode = MTU_MAX;
                s->mtu = 0;
        } else if (parse_u32(value, &n) < 0 || n < 68 || n > 65535)
                return conf_bad_value(p, key, value);
        else {
                s->mtu_mode = MTU_NUMBER;
                s->mtu = n;
        }
        return 0;
}

static int set_txqueuelen(ConfParser *p, const char *key, const char *value, int arg, void *userdata) {
        LinkSettings *s = &((LinkPolicy *) userdata)->settings;
        uint32_t n;

        if (isempty(value) || streq(value, "keep"))
                s->txqueuelen = 0;
        else if (parse_u32(value, &n) < 0 || n < 1 || n > INT32_MAX)
                return conf_bad_value(p, key, value);
        else
                s->txqueuelen = n;
        return 0;
}

static int set_offload(ConfParser *p, const char *key, const char *value, int arg, void *userdata) {
        LinkSettings *s = &((LinkPolicy *) userdata)->settings;
        int b;

        if (isempty(value) || streq(value, "keep")) {
                s->offloads[arg] = OFFLOAD_WANT_KEEP;
                return 0;
        }
        b = parse_boolean(value);
        if (b < 0)
                return conf_bad_value(p, key, value);
        s->offloads[arg] = b ? OFFLOAD_WANT_ON : OFFLOAD_WANT_OFF;
        return 0;
}

static int set_link_drift(ConfParser *p, const char *key, const char *value, int arg, void *userdata) {
        LinkSettings *s = &((LinkPolicy *) userdata)->settings;
        DriftMode d;

        if (isempty(value)) {
                s->drift = _DRIFT_MODE_INVALID;
                return 0;
        }
        d = drift_mode_from_string(value);
        if (d < 0)
                return conf_bad_value(p, key, value);
        s->drift = d;
        return 0;
}

static const ConfKey link_keys[] = {
        { "Match", "Driver",     set_match,      MATCH_DRIVER },
        { "Match", "Name",       set_match,      MATCH_NAME },
        { "Match", "MACAddress", set_match,      MATCH_MAC },
        { "Link",  "Channels",   set_channels,   0 },
        { "Link",  "XPS",        set_xps,        0 },
        { "Link",  "MTU",        set_mtu,        0 },
        { "Link",  "TxQueueLength", set_txqueuelen, 0 },
        { "Link",  "TSO",        set_offload,    OFFLOAD_TSO },
        { "Link",  "GSO",        set_offload,    OFFLOAD_GSO },
        { "Link",  "GRO",        set_offload,    OFFLOAD_GRO },
        { "Link",  "LRO",        set_offload,    OFFLOAD_LRO },
        { "Link",  "Drift",      set_link_drift, 0 },
};

int conf_parse_link(const char *filename, const char *text, LinkPolicy *p, ConfDiagnostics *diag) {
        const ConfSyntax syn = {
                .keys = link_keys,
                .n_keys = ELEMENTSOF(link_keys),
        };

        if (!p)
                return -EINVAL;
        return conf_parse_text(filename, text, &syn, p, diag);
}

/* ---- loading the layered directories ---- */

typedef struct ConfFile {
        char *name;             /* "90-virtio-net.link" */
        char *path;             /* the copy in the highest-priority directory */
} ConfFile;

typedef struct ConfFileList {
        ConfFile *files;
        size_t n;
} ConfFileList;

static void conf_file_list_done(ConfFileList *l) {
        for (size_t i = 0; i < l->n; i++) {
                free(l->files[i].name);
                free(l->files[i].path);
        }
        free(l->files);
        *l = (ConfFileList) {};
}

static int conf_file_cmp(const void *a, const void *b) {
        return strcmp(((const ConfFile *) a)->name, ((const ConfFile *) b)->name);
}

static bool has_suffix(const char *s, const char *suffix) {
        size_t n = strlen(s), m = strlen(suffix);

        return n > m && streq(s + n - m, suffix);
}

static int conf_file_list_add(ConfFileList *l, const char *dir, const char *name) {
        _cleanup_free_ char *n = NULL, *path = NULL;
        ConfFile *t;

        for (size_t i = 0; i < l->n; i++)
                if (streq(l->files[i].name, name))
                        return 0;       /* masked by the copy in a higher-priority directory */

        n = strdup(name);
        if (!n || asprintf(&path, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        t = realloc(l->files, (l->n + 1) * sizeof(ConfFile));
        if (!t)
                return -ENOMEM;
        l->files = t;
        l->files[l->n++] = (ConfFile) { .name = TAKE_PTR(n), .path = TAKE_PTR(path) };
        return 0;
}

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

/* Adds the files "*suffix" of one directory; a missing directory adds nothing. */
static int conf_file_list_scan(ConfFileList *l, const char *dir, const char *suffix) {
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;
        int r;

        d = opendir(dir);
        if (!d) {
                /* Missing is fine; a file where a directory belongs is a broken setup, not "empty". */
                if (errno == ENOENT)
                        return 0;
                return negative_errno();
        }

        for (;;) {
                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno != 0)
                                return negative_errno();
                        return 0;
                }
                if (de->d_name[0] == '.' || !has_suffix(de->d_name, suffix))
                        continue;
                if (de->d_type == DT_DIR)
                        continue;
                if (de->d_type == DT_UNKNOWN) {
                        struct stat st;

                        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) >= 0 &&
                            S_ISDIR(st.st_mode))
                                continue;
                }

                r = conf_file_list_add(l, dir, de->d_name);
                if (r < 0)
                        return r;
        }
}

/* All "*suffix" files in dirs[i]/subdir (subdir may be NULL), one per name, sorted by name. */
static int conf_file_list_collect(char *const *dirs, const char *subdir, const char *suffix,
                                  ConfFileList *ret) {
        _cleanup_(conf_file_list_done) ConfFileList l = {};
        int r;

        for (size_t i = 0; dirs[i]; i++) {
                _cleanup_free_ char *d = NULL;

                if (subdir) {
                        if (asprintf(&d, "%s/%s", dirs[i], subdir) < 0)
                                return -ENOMEM;
                }
                r = conf_file_list_scan(&l, d ?: dirs[i], suffix);
                if (r < 0)
                        return r;
        }

        if (l.n > 0)
                qsort(l.files, l.n, sizeof(ConfFile), conf_file_cmp);
        *ret = l;
        l = (ConfFileList) {};
        return 0;
}

/* Reads one file. Returns 1 with the text, 0 when the file is to be skipped: empty or /dev/null (a mask),
 * or unreadable (then with a diagnostic). */
static int conf_read_file(const char *path, char **ret, ConfDiagnostics *diag) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t len = 0, alloc;
        int r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0 || fstat(fd, &st) < 0) {
                r = negative_errno();
                return diag_add(diag, path, 0, "Failed to read file: %s, ignoring", strerror(-r));
        }
        if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))
                return 0;       /* /dev/null */
        if (!S_ISREG(st.st_mode))
                return diag_add(diag, path, 0, "Not a regular file, ignoring");
        if (st.st_size == 0)
                return 0;
        if ((uint64_t) st.st_size > CONF_FILE_SIZE_MAX)
                return diag_add(diag, path, 0, "File larger than %u bytes, ignoring", CONF_FILE_SIZE_MAX);

        /* Sized by fstat(), one byte more so that EOF shows up without growing; the file may still grow
         * while we read, so read until EOF, but no further than the limit. */
        alloc = (size_t) st.st_size + 1;
        buf = malloc(alloc + 1);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t k;

                if (len == alloc) {
                        char *t;

                        if (alloc > CONF_FILE_SIZE_MAX)
                                return diag_add(diag, path, 0, "File larger than %u bytes, ignoring",
                                                CONF_FILE_SIZE_MAX);
                        alloc = MIN(alloc * 2, (size_t) CONF_FILE_SIZE_MAX + 1);
                        t = realloc(buf, alloc + 1);
                        if (!t)
                                return -ENOMEM;
                        buf = t;
                }

                k = read(fd, buf + len, alloc - len);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        r = negative_errno();
                        return diag_add(diag, path, 0, "Failed to read file: %s, ignoring", strerror(-r));
                }
                if (k == 0)
                        break;
                len += (size_t) k;
        }
        if (len == 0)
                return 0;       /* emptied since the fstat() */
        if (memchr(buf, 0, len))
                return diag_add(diag, path, 0, "File contains a NUL byte, ignoring");
        buf[len] = 0;

        *ret = TAKE_PTR(buf);
        return 1;
}

/* conf_dirs, each prefixed by root. */
static int conf_dirs_rooted(const char *root, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n = 0;

        while (conf_dirs[n])
                n++;
        l = calloc(n + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;

        for (size_t i = 0; i < n; i++) {
                if (isempty(root))
                        l[i] = strdup(conf_dirs[i]);
                else {
                        size_t k = strlen(root);

                        while (k > 0 && root[k - 1] == '/')
                                k--;
                        if (asprintf(&l[i], "%.*s%s", (int) k, root, conf_dirs[i]) < 0)
                                l[i] = NULL;
                }
                if (!l[i])
                        return -ENOMEM;
        }

        *ret = TAKE_PTR(l);
        return 0;
}

typedef int (*ConfApply)(const char *path, const char *text, void *userdata, ConfDiagnostics *diag);

/* Reads and applies the drop-ins dirs[i]/subdir/ *.conf in lexical order of their names. */
static int conf_apply_dropins(char *const *dirs, const char *subdir, ConfApply apply, void *userdata,
                              ConfDiagnostics *diag) {
        _cleanup_(conf_file_list_done) ConfFileList l = {};
        int r;

        r = conf_file_list_collect(dirs, subdir, ".conf", &l);
        if (r < 0)
                return r;

        for (size_t i = 0; i < l.n; i++) {
                _cleanup_free_ char *text = NULL;

                r = conf_read_file(l.files[i].path, &text, diag);
                if (r < 0)
                        return r;
                if (r == 0)
                        continue;
                r = apply(l.files[i].path, text, userdata, diag);
                if (r < 0)
                        return r;
        }
        return 0;
}

typedef struct DaemonApply {
        const char *main_section;
        DaemonConfig *config;
} DaemonApply;

static int apply_daemon(const char *path, const char *text, void *userdata, ConfDiagnostics *diag) {
        DaemonApply *a = userdata;

        return conf_parse_daemon(path, text, a->main_section, a->config, diag);
}

static int apply_link(const char *path, const char *text, void *userdata, ConfDiagnostics *diag) {
        return conf_parse_link(path, text, userdata, diag);
}

static int load_daemon(char *const *dirs, const char *daemon, const char *main_section, DaemonConfig *c,
                       ConfDiagnostics *diag) {
        _cleanup_free_ char *name = NULL, *dropin_dir = NULL;
        DaemonApply a = { .main_section = main_section, .config = c };
        int r;

        if (asprintf(&name, "%s.conf", daemon) < 0 || asprintf(&dropin_dir, "%s.conf.d", daemon) < 0)
                return -ENOMEM;

        /* The main file: the first copy found is used alone, even when it is a mask or unreadable. */
        for (size_t i = 0; dirs[i]; i++) {
                _cleanup_free_ char *path = NULL, *text = NULL;
                struct stat st;

                if (asprintf(&path, "%s/%s", dirs[i], name) < 0)
                        return -ENOMEM;
                if (lstat(path, &st) < 0) {
                        if (errno == ENOENT || errno == ENOTDIR)
                                continue;
                        return negative_errno();
                }

                r = conf_read_file(path, &text, diag);
                if (r < 0)
                        return r;
                if (r > 0) {
                        r = conf_parse_daemon(path, text, main_section, c, diag);
                        if (r < 0)
                                return r;
                }
                break;
        }

        return conf_apply_dropins(dirs, dropin_dir, apply_daemon, &a, diag);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(LinkPolicy *, link_policy_free);

static int load_links(char *const *dirs, Policy *policy, ConfDiagnostics *diag) {
        _cleanup_(conf_file_list_done) ConfFileList l = {};
        int r;

        r = conf_file_list_collect(dirs, NULL, ".link", &l);
        if (r < 0)
                return r;

        for (size_t i = 0; i < l.n; i++) {
                _cleanup_(link_policy_freep) LinkPolicy *lp = NULL;
                _cleanup_free_ char *text = NULL, *dropin_dir = NULL;
                LinkPolicy **t;

                r = conf_read_file(l.files[i].path, &text, diag);
                if (r < 0)
                        return r;
                if (r == 0)
                        continue;

                lp = calloc(1, sizeof(LinkPolicy));
                if (!lp)
                        return -ENOMEM;
                link_settings_init(&lp->settings);
                lp->filename = strdup(l.files[i].path);
                lp->name = strdup(l.files[i].name);
                if (!lp->filename || !lp->name || asprintf(&dropin_dir, "%s.d", l.files[i].name) < 0)
                        return -ENOMEM;

                r = conf_parse_link(lp->filename, text, lp, diag);
                if (r < 0)
                        return r;
                r = conf_apply_dropins(dirs, dropin_dir, apply_link, lp, diag);
                if (r < 0)
                        return r;

                t = realloc(policy->links, (policy->n_links + 1) * sizeof(LinkPolicy *));
                if (!t)
                        return -ENOMEM;
                policy->links = t;
                policy->links[policy->n_links++] = TAKE_PTR(lp);
        }
        return 0;
}

static const char *daemon_main_section(const char *daemon) {
        if (streq(daemon, "guestd"))
                return "Guest";
        if (streq(daemon, "hostd"))
                return "Host";
        return NULL;
}

int conf_load_policy(const char *root, const char *daemon, Policy *ret, ConfDiagnostics *diag) {
        _cleanup_strv_free_ char **dirs = NULL;
        _cleanup_(policy_done) Policy p = {};
        const char *main_section;
        int r;

        if (!daemon || !ret)
                return -EINVAL;
        main_section = daemon_main_section(daemon);
        if (!main_section)
                return -EINVAL;

        r = conf_dirs_rooted(root, &dirs);
        if (r < 0)
                return r;

        daemon_config_init(&p.daemon);
        r = load_daemon(dirs, daemon, main_section, &p.daemon, diag);
        if (r < 0)
                return r;
        r = load_links(dirs, &p, diag);
        if (r < 0)
                return r;

        *ret = p;
        p = (Policy) {};
        return 0;
}
