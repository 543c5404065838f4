/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure parsers of a VM process's /proc text (tun fdinfo, QEMU -name, thread names); VmSnapshot helpers. */
#include <limits.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "macro.h"
#include "vm.h"

void vm_snapshot_done(VmSnapshot *v) {
        if (!v)
                return;

        for (size_t i = 0; i < v->n_threads; i++)
                cpuset_done(&v->threads[i].affinity);
        free(v->threads);
        free(v->taps);
        *v = (VmSnapshot) {};
}

size_t vm_count_role(const VmSnapshot *v, ThreadRole role) {
        size_t n = 0;

        if (!v)
                return 0;

        for (size_t i = 0; i < v->n_threads; i++)
                if (v->threads[i].role == role)
                        n++;
        return n;
}

static bool is_blank(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

int vm_parse_fdinfo_iff(const char *text, char *ret, size_t size) {
        const char *line = text, *b, *e;

        if (!text || !ret)
                return -EINVAL;

        /* The tun driver appends "iff:\tNAME\n" to the generic pos/flags/mnt_id/ino lines. */
        while (strncmp(line, "iff:", 4) != 0) {
                line = strchr(line, '\n');
                if (!line)
                        return -ENOENT;
                line++;
        }

        b = line + 4;
        while (is_blank(*b))
                b++;
        e = b + strcspn(b, "\n");
        while (e > b && is_blank(e[-1]))
                e--;

        /* A tun fd that was never attached to a device prints an empty name. */
        if (e == b)
                return -ENOENT;
        /* Interface names are short and never contain blanks or slashes. */
        if ((size_t) (e - b) >= IFNAMSIZ)
                return -EINVAL;
        for (const char *p = b; p < e; p++)
                if (is_blank(*p) || *p == '/')
                        return -EINVAL;

        if ((size_t) (e - b) >= size)
                return -ENOBUFS;
        memcpy(ret, b, (size_t) (e - b));
        ret[e - b] = 0;
        return 0;
}

/* End of the QEMU option value starting at s: the first single comma (",," is an escaped comma) or e. */
static const char *opt_value_end(const char *s, const char *e) {
        while (s < e) {
                if (*s == ',') {
                        if (s + 1 < e && s[1] == ',') {
                                s += 2;
                                continue;
                        }
                        return s;
                }
                s++;
        }
        return e;
}

/* The raw (still escaped) guest name set by one -name argument [s, e), following QEMU's option
 * syntax: the first element is the implied "guest" key unless it is written as key=value. Returns
 * false when the argument sets no name. */
static bool guest_value(const char *s, const char *e, const char **ret_b, const char **ret_e) {
        bool first = true, found = false;

        while (s < e) {
                const char *k = s, *v_end;

                while (k < e && *k != '=' && *k != ',')
                        k++;

                if (k < e && *k == '=') {
                        /* key=value */
                        v_end = opt_value_end(k + 1, e);
                        if (k - s == 5 && memcmp(s, "guest", 5) == 0) {
                                *ret_b = k + 1;
                                *ret_e = v_end;
                                found = true;
                        }
                } else if (first) {
                        /* "NAME" or "NAME,opt=...": the implied key, escapes allowed. */
                        v_end = opt_value_end(s, e);
                        *ret_b = s;
                        *ret_e = v_end;
                        found = true;
                } else
                        /* A bare flag in a later position ("debug-threads"). */
                        v_end = k;

                s = v_end < e ? v_end + 1 : e;
                first = false;
        }

        return found;
}

/* The argument starting at p within [p, end): sets *ret_e to its end and returns the next one. */
static const char *next_arg(const char *p, const char *end, const char **ret_e) {
        const char *z = memchr(p, 0, (size_t) (end - p));

        if (!z) {
                *ret_e = end;
                return end;
        }
        *ret_e = z;
        return z + 1;
}

int vm_parse_cmdline_name(const char *cmdline, size_t len, char *ret, size_t size) {
        const char *p, *end, *name_b = NULL, *name_e = NULL;
        size_t n = 0;

        if ((!cmdline && len > 0) || !ret)
                return -EINVAL;
        if (len == 0)
                return -ENOENT;

        /* Every "-name" (or "--name") and the argument after it; a later one overrides an earlier
         * one, as QEMU's option merging does. A trailing "-name" with nothing after it names nothing. */
        end = cmdline + len;
        for (p = cmdline; p < end;) {
                const char *a = p, *a_end, *b = NULL, *e = NULL;

                p = next_arg(p, end, &a_end);
                if (!((a_end - a == 5 && memcmp(a, "-name", 5) == 0) ||
                      (a_end - a == 6 && memcmp(a, "--name", 6) == 0)))
                        continue;
                if (p >= end)
                        break;

                a = p;
                p = next_arg(p, end, &a_end);
                if (guest_value(a, a_end, &b, &e)) {
                        name_b = b;
                        name_e = e;
                }
        }

        /* An empty name ("-name guest=") names nothing either. */
        if (!name_b || name_b == name_e)
                return -ENOENT;

        for (const char *q = name_b; q < name_e; q++, n++)
                if (*q == ',')
                        q++;            /* opt_value_end() only lets doubled commas through */
        if (n >= size)
                return -ENOBUFS;

        n = 0;
        for (const char *q = name_b; q < name_e; q++) {
                ret[n++] = *q;
                if (*q == ',')
                        q++;
        }
        ret[n] = 0;
        return 0;
}

/* "4096", "4G", "2048M", "512k" (QEMU's default unit is MiB) in [s, e) -> MiB. */
static bool parse_memory_size(const char *s, const char *e, uint64_t *ret) {
        uint64_t v = 0;
        const char *q = s;

        for (; q < e && *q >= '0' && *q <= '9'; q++) {
                v = v * 10 + (uint64_t) (*q - '0');
                if (v > (UINT64_C(1) << 40))
                        return false;
        }
        if (q == s)
                return false;
        if (q == e || ((*q == 'M' || *q == 'm') && q + 1 == e)) {
                *ret = v;
                return true;
        }
        if (q + 1 != e)
                return false;
        switch (*q) {
        case 'G': case 'g':
                *ret = v * 1024;
                return true;
        case 'T': case 't':
                *ret = v * 1024 * 1024;
                return true;
        case 'K': case 'k':
                *ret = v / 1024;
                return true;
        default:
                return false;
        }
}

int vm_parse_cmdline_memory(const char *cmdline, size_t len, uint64_t *ret_mb) {
        const char *p, *end;
        uint64_t mb = 0;
        bool found = false;

        if ((!cmdline && len > 0) || !ret_mb)
                return -EINVAL;
        end = cmdline + len;
        for (p = cmdline; p < end;) {
                const char *a = p, *a_end, *v, *v_end;

                p = next_arg(p, end, &a_end);
                if (!(a_end - a == 2 && memcmp(a, "-m", 2) == 0) || p >= end)
                        continue;
                v = p;
                p = next_arg(p, end, &v_end);
                /* "size=N[,slots=..,maxmem=..]" or "N[,...]": the first element or size=. */
                for (const char *o = v; o < v_end;) {
                        const char *o_end = memchr(o, ',', (size_t) (v_end - o)) ?: v_end;
                        const char *val = o;

                        if (o_end - o > 5 && memcmp(o, "size=", 5) == 0)
                                val = o + 5;
                        else if (o != v)
                                val = NULL;     /* slots=, maxmem=: not the size */
                        if (val && parse_memory_size(val, o_end, &mb))
                                found = true;
                        o = o_end < v_end ? o_end + 1 : v_end;
                }
        }
        if (!found)
                return -ENOENT;
        *ret_mb = mb;
        return 0;
}

/* A decimal number of at most max made of digits only, filling [s, e) exactly. */
static bool parse_decimal(const char *s, const char *e, long max, long *ret) {
        long v = 0;

        if (s == e)
                return false;
        for (; s < e; s++) {
                if (*s < '0' || *s > '9')
                        return false;
                v = v * 10 + (*s - '0');
                if (v > max)
                        return false;
        }
        *ret = v;
        return true;
}

ThreadRole vm_parse_thread_comm(const char *comm, int *ret_vcpu, pid_t *ret_vhost_owner, bool *ret_tcg) {
        ThreadRole role = THREAD_EMULATOR;
        const char *e, *slash;
        bool tcg = false;
        pid_t owner = 0;
        int vcpu = -1;
        long v;

        if (!comm)
                return _THREAD_ROLE_INVALID;
        e = comm + strlen(comm);

        /* QEMU names vCPU threads "CPU %d/%s" with the accelerator's name (with debug-threads=on). */
        if (strncmp(comm, "CPU ", 4) == 0 && (slash = strchr(comm + 4, '/')) &&
            parse_decimal(comm + 4, slash, INT_MAX, &v) && (streq(slash, "/KVM") || streq(slash, "/TCG"))) {
                role = THREAD_VCPU;
                vcpu = (int) v;
                tcg = streq(slash, "/TCG");
        /* vhost workers are named after the pid of the process that owns the device. */
        } else if (strncmp(comm, "vhost-", 6) == 0 && parse_decimal(comm + 6, e, INT_MAX, &v) && v > 0) {
                role = THREAD_VHOST;
                owner = (pid_t) v;
        }

        if (ret_vcpu)
                *ret_vcpu = vcpu;
        if (ret_vhost_owner)
                *ret_vhost_owner = owner;
        if (ret_tcg)
                *ret_tcg = tcg;
        return role;
}
