/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The diagnosis checks: each turns sampled evidence into findings that name the numbers and the fix. */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnose.h"
#include "macro.h"
#include "message-ids.h"

static const char *const severity_table[_SEVERITY_MAX] = {
        [SEVERITY_INFO] = "info",
        [SEVERITY_WARNING] = "warning",
        [SEVERITY_CRITICAL] = "critical",
};

const char *severity_to_string(Severity s) {
        return s >= 0 && s < _SEVERITY_MAX ? severity_table[s] : NULL;
}

static const struct {
        const char *name;
        const char *message_id;
} finding_table[_FINDING_MAX] = { VNT_FINDING_IDS_TABLE };

const char *finding_code_to_string(FindingCode c) {
        return c >= 0 && c < _FINDING_MAX ? finding_table[c].name : NULL;
}

const char *finding_message_id(FindingCode c) {
        return c >= 0 && c < _FINDING_MAX ? finding_table[c].message_id : NULL;
}

void findings_done(Findings *f) {
        if (!f)
                return;
        for (size_t i = 0; i < f->n; i++) {
                free(f->items[i].subject);
                free(f->items[i].summary);
                free(f->items[i].evidence);
                free(f->items[i].fix);
        }
        free(f->items);
        *f = (Findings) {};
}

size_t findings_count_at_least(const Findings *f, Severity s) {
        size_t n = 0;

        for (size_t i = 0; i < f->n; i++)
                n += f->items[i].severity >= s;
        return n;
}

static char *strf(const char *fmt, ...) _printf_(1, 2);
static char *strf(const char *fmt, ...) {
        va_list ap;
        char *s;

        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        return s;
}

/* Takes ownership of the three strings (NULL means out of memory). */
static int finding_add(Findings *f, FindingCode code, Severity sev, const char *subject, char *summary,
                       char *evidence, char *fix) {
        Finding *t;
        char *subj = strdup(subject ?: "");

        if (!summary || !evidence || !fix || !subj)
                goto oom;
        t = realloc(f->items, (f->n + 1) * sizeof(Finding));
        if (!t)
                goto oom;
        f->items = t;
        f->items[f->n++] = (Finding) {
                .code = code,
                .severity = sev,
                .subject = subj,
                .summary = summary,
                .evidence = evidence,
                .fix = fix,
        };
        return 0;
oom:
        free(subj);
        free(summary);
        free(evidence);
        free(fix);
        return -ENOMEM;
}

/* ---- parsers ---- */

void cpu_times_done(CpuTimes *t) {
        free(t->present);
        free(t->busy);
        free(t->total);
        *t = (CpuTimes) {};
}

int diag_parse_proc_stat(const char *text, CpuTimes *ret) {
        CpuTimes t = {};
        const char *p = text;

        for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
                unsigned long long v[10] = {};
                unsigned cpu;
                int n;

                if (strncmp(p, "cpu", 3) != 0 || !isdigit((unsigned char) p[3]))
                        continue;
                n = sscanf(p + 3, "%u %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &v[0], &v[1], &v[2], &v[3],
                           &v[4], &v[5], &v[6], &v[7]);
                if (n < 5 || cpu > 65535)
                        continue;
                if (cpu >= t.n_cpus) {
                        unsigned n_new = cpu + 1;
                        bool *pr = realloc(t.present, n_new * sizeof(bool));
                        uint64_t *b = pr ? realloc(t.busy, n_new * sizeof(uint64_t)) : NULL;
                        uint64_t *to = b ? realloc(t.total, n_new * sizeof(uint64_t)) : NULL;

                        if (pr)
                                t.present = pr;
                        if (b)
                                t.busy = b;
                        if (!to) {
                                cpu_times_done(&t);
                                return -ENOMEM;
                        }
                        t.total = to;
                        for (unsigned i = t.n_cpus; i < n_new; i++) {
                                t.present[i] = false;
                                t.busy[i] = t.total[i] = 0;
                        }
                        t.n_cpus = n_new;
                }
                /* user nice system idle iowait irq softirq steal */
                t.present[cpu] = true;
                t.busy[cpu] = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
                t.total[cpu] = t.busy[cpu] + v[3] + v[4];
        }
        if (t.n_cpus == 0)
                return -EBADMSG;
        *ret = t;
        return 0;
}

void softirq_counts_done(SoftirqCounts *s) {
        free(s->net_tx);
        free(s->net_rx);
        *s = (SoftirqCounts) {};
}

/* Counts how many "CPUn" headers the first line has. */
static unsigned count_cpu_columns(const char *line, const char *end) {
        unsigned n = 0;

        for (const char *p = line; p && p < end; p++)
                if (strncmp(p, "CPU", 3) == 0 && isdigit((unsigned char) p[3])) {
                        n++;
                        p += 3;
                }
        return n;
}

static int parse_counts_row(const char *p, unsigned n, uint64_t *out) {
        for (unsigned i = 0; i < n; i++) {
                char *end;
                unsigned long long v;

                while (*p == ' ' || *p == '\t')
                        p++;
                if (!isdigit((unsigned char) *p))
                        return -EBADMSG;
                v = strtoull(p, &end, 10);
                out[i] = v;
                p = end;
        }
        return 0;
}

int diag_parse_softirqs(const char *text, SoftirqCounts *ret) {
        const char *nl = strchr(text, '\n');
        SoftirqCounts s = {};
        int r;

        if (!nl)
                return -EBADMSG;
        s.n_cpus = count_cpu_columns(text, nl);
        if (s.n_cpus == 0)
                return -EBADMSG;
        s.net_tx = calloc(s.n_cpus, sizeof(uint64_t));
        s.net_rx = calloc(s.n_cpus, sizeof(uint64_t));
        if (!s.net_tx || !s.net_rx) {
                softirq_counts_done(&s);
                return -ENOMEM;
        }
        for (const char *p = nl + 1; *p; p = strchr(p, '\n'), p = p ? p + 1 : "") {
                while (*p == ' ')
                        p++;
                if (strncmp(p, "NET_TX:", 7) == 0)
                        r = parse_counts_row(p + 7, s.n_cpus, s.net_tx);
                else if (strncmp(p, "NET_RX:", 7) == 0)
                        r = parse_counts_row(p + 7, s.n_cpus, s.net_rx);
                else
                        continue;
                if (r < 0) {
                        softirq_counts_done(&s);
                        return r;
                }
        }
        *ret = s;
        return 0;
}

void irq_counts_done(IrqCounts *c) {
        free(c->per_cpu);
        *c = (IrqCounts) {};
}

int diag_parse_interrupts(const char *text, const char *match, IrqCounts *ret) {
        const char *nl = strchr(text, '\n');
        IrqCounts c = {};
        uint64_t *row;

        if (!nl || isempty(match))
                return -EBADMSG;
        c.n_cpus = count_cpu_columns(text, nl);
        if (c.n_cpus == 0)
                return -EBADMSG;
        c.per_cpu = calloc(c.n_cpus, sizeof(uint64_t));
        row = calloc(c.n_cpus, sizeof(uint64_t));
        if (!c.per_cpu || !row) {
                free(row);
                irq_counts_done(&c);
                return -ENOMEM;
        }
        for (const char *p = nl + 1; *p;) {
                const char *e = strchr(p, '\n') ?: p + strlen(p);
                const char *colon = memchr(p, ':', (size_t) (e - p));
                char line[1024];

                snprintf(line, sizeof line, "%.*s", (int) (e - p), p);
                if (colon && strstr(line, match) && parse_counts_row(colon + 1, c.n_cpus, row) >= 0) {
                        for (unsigned i = 0; i < c.n_cpus; i++)
                                c.per_cpu[i] += row[i];
                        c.n_lines++;
                }
                p = *e ? e + 1 : e;
        }
        free(row);
        *ret = c;
        return 0;
}

void queue_counters_done(QueueCounters *q) {
        free(q->tx_packets);
        *q = (QueueCounters) {};
}

/* ---- helpers ---- */

static int format_list(const unsigned *ids, unsigned n, char **ret) {
        CpuSet s = CPUSET_NULL;
        int r = 0;

        for (unsigned i = 0; i < n && r >= 0; i++)
                r = cpuset_set(&s, ids[i]);
        if (r >= 0)
                r = cpuset_format_list(&s, ret);
        cpuset_done(&s);
        return r;
}

/* The index with the largest share of the deltas, and that share in percent; -1 when total < min. */
static int concentration(const uint64_t *a, const uint64_t *b, unsigned n, uint64_t min_total, unsigned *ret_pct,
                         uint64_t *ret_total) {
        uint64_t total = 0, best = 0;
        int best_i = -1;

        for (unsigned i = 0; i < n; i++) {
                uint64_t d = b[i] >= a[i] ? b[i] - a[i] : 0;

                total += d;
                if (d > best) {
                        best = d;
                        best_i = (int) i;
                }
        }
        *ret_total = total;
        if (total < min_total || best_i < 0)
                return -1;
        *ret_pct = (unsigned) (best * 100 / total);
        return best_i;
}

/* ---- guest: one link ---- */

static int check_channels(const GuestLinkEvidence *e, Findings *f) {
        const NetdevSnapshot *s = e->snap;
        unsigned n = cpuset_count(e->online);
        uint32_t cur, max;
        int r;

        if (s->channels_error != 0 || channels_kind(&s->channels) == CHANNEL_KIND_NONE || n == 0)
                return 0;
        cur = channels_current(&s->channels);
        max = channels_max(&s->channels);
        if (max == 0)
                return 0;

        if (n < max) {
                r = finding_add(f, FINDING_CPUS_BELOW_QUEUES, SEVERITY_WARNING, s->name,
                                strf("the VM runs %u vCPUs but the device offers %" PRIu32 " queue pairs", n, max),
                                strf("%u CPUs online, %s channels maximum %" PRIu32, n,
                                     channels_kind(&s->channels) == CHANNEL_KIND_COMBINED ? "combined" : "rx/tx",
                                     max),
                                strf("boot the VM with %" PRIu32 " vCPUs (QEMU -smp %" PRIu32
                                     ", libvirt <vcpu>%" PRIu32 "</vcpu>; not fewer booted than the maximum, "
                                     "e.g. --cpus boot=%" PRIu32 " rather than boot=%u,max=%" PRIu32 ")",
                                     max, max, max, max, n, max));
                if (r < 0)
                        return r;
        }
        if (cur < MIN(max, n)) {
                uint32_t want = MIN(max, n);

                r = finding_add(f, FINDING_QUEUES_BELOW_CPUS, SEVERITY_WARNING, s->name,
                                strf("only %" PRIu32 " of %" PRIu32 " queue pairs are enabled for %u CPUs", cur, max, n),
                                strf("channels current %" PRIu32 ", maximum %" PRIu32 ", %u CPUs online", cur, max,
                                     n),
                                strf("Channels=auto in the link's policy (vnettune's default for virtio_net), "
                                     "or: ethtool -L %s %s %" PRIu32, s->name,
                                     channels_kind(&s->channels) == CHANNEL_KIND_COMBINED ? "combined" : "rx",
                                     want));
                if (r < 0)
                        return r;
        }
        if (max < n && max >= 1 && channels_kind(&s->channels) == CHANNEL_KIND_COMBINED) {
                r = finding_add(f, FINDING_QUEUES_BELOW_VCPUS, SEVERITY_INFO, s->name,
                                strf("the host gives %" PRIu32 " queue pairs to a VM with %u vCPUs", max, n),
                                strf("channels maximum %" PRIu32 ", %u CPUs online", max, n),
                                strf("on the host: -netdev tap,queues=%u,vhost=on -device "
                                     "virtio-net-pci,mq=on,vectors=%u (libvirt <driver queues='%u'/>)",
                                     n, 2 * n + 2, n));
                if (r < 0)
                        return r;
        }
        return 0;
}

static int check_xps(const GuestLinkEvidence *e, Findings *f) {
        const NetdevSnapshot *s = e->snap;
        _cleanup_free_ unsigned *ids = NULL, *uncovered = NULL;
        unsigned n_ids = 0, n_unc = 0, n_online = cpuset_count(e->online);
        bool all_zero = true, overlap = false;
        int r;

        if (s->xps_error != 0 || s->n_xps < 2)
                return 0;
        for (unsigned q = 0; q < s->n_xps; q++)
                all_zero = all_zero && cpuset_is_empty(&s->xps[q]);
        if (all_zero)
                return finding_add(f, FINDING_XPS_UNSET, SEVERITY_WARNING, s->name,
                                   strf("no XPS mask is set on any of %u tx queues", s->n_xps),
                                   strf("xps_cpus of tx-0..tx-%u are all 0", s->n_xps - 1),
                                   strf("XPS=auto in the link's policy, or: for i in $(seq 0 %u); do printf %%x "
                                        "$((1 << i)) > /sys/class/net/%s/queues/tx-$i/xps_cpus; done",
                                        s->n_xps - 1, s->name));

        for (unsigned a = 0; a < s->n_xps && !overlap; a++)
                for (unsigned b = a + 1; b < s->n_xps && !overlap; b++)
                        overlap = cpuset_overlaps(&s->xps[a], &s->xps[b]);
        /* With fewer CPUs than queues, round robin puts a CPU on several queues on purpose. */
        if (overlap && n_online >= s->n_xps) {
                r = finding_add(f, FINDING_XPS_OVERLAP, SEVERITY_WARNING, s->name,
                                strf("a CPU transmits on more than one queue although there are enough CPUs"),
                                strf("%u tx queues, %u CPUs online, XPS masks overlap", s->n_xps, n_online),
                                strf("XPS=auto in the link's policy (one CPU group per queue)"));
                if (r < 0)
                        return r;
        }

        r = cpuset_to_array(e->online, &ids, &n_ids);
        if (r < 0)
                return r;
        uncovered = calloc(n_ids + 1, sizeof(unsigned));
        if (!uncovered)
                return -ENOMEM;
        for (unsigned i = 0; i < n_ids; i++) {
                bool covered = false;

                for (unsigned q = 0; q < s->n_xps && !covered; q++)
                        covered = cpuset_isset(&s->xps[q], ids[i]);
                if (!covered)
                        uncovered[n_unc++] = ids[i];
        }
        if (n_unc > 0) {
                _cleanup_free_ char *list = NULL;

                r = format_list(uncovered, n_unc, &list);
                if (r < 0)
                        return r;
                r = finding_add(f, FINDING_XPS_UNCOVERED, SEVERITY_WARNING, s->name,
                                strf("%u online CPUs are in no queue's XPS mask", n_unc),
                                strf("CPUs %s transmit on a queue chosen by hash, not by XPS", list),
                                strf("XPS=auto in the link's policy (covers every online CPU)"));
                if (r < 0)
                        return r;
        }
        return 0;
}

static int check_queue_traffic(const GuestLinkEvidence *e, Findings *f) {
        const NetdevSnapshot *s = e->snap;
        _cleanup_free_ unsigned *idle = NULL, *busy = NULL;
        unsigned n, n_idle = 0, n_busy = 0;
        uint64_t total = 0, max = 0;
        int r;

        if (!e->q0 || !e->q1)
                return 0;
        n = MIN(e->q0->n, e->q1->n);
        if (s->xps_error == 0 && s->n_xps > 0)
                n = MIN(n, s->n_xps);   /* only the queues that are active now */
        if (n < 2)
                return 0;
        idle = calloc(n, sizeof(unsigned));
        busy = calloc(n, sizeof(unsigned));
        if (!idle || !busy)
                return -ENOMEM;
        for (unsigned q = 0; q < n; q++) {
                uint64_t d = e->q1->tx_packets[q] - MIN(e->q1->tx_packets[q], e->q0->tx_packets[q]);

                total += d;
                max = MAX(max, d);
        }
        /* Too little traffic says nothing about the spread. */
        if (total < 1000)
                return 0;
        for (unsigned q = 0; q < n; q++) {
                uint64_t d = e->q1->tx_packets[q] - MIN(e->q1->tx_packets[q], e->q0->tx_packets[q]);

                if (d * 100 < max)      /* under 1% of the busiest queue */
                        idle[n_idle++] = q;
                else
                        busy[n_busy++] = q;
        }
        if (n_idle == 0)
                return 0;

        _cleanup_free_ char *li = NULL, *lb = NULL;
        r = format_list(idle, n_idle, &li);
        if (r >= 0)
                r = format_list(busy, n_busy, &lb);
        if (r < 0)
                return r;
        return finding_add(f, FINDING_IDLE_TX_QUEUES, SEVERITY_WARNING, s->name,
                           strf("only %u of %u tx queues carry traffic", n_busy, n),
                           strf("over %.1f s tx queues %s carried %" PRIu64 " packets; queues %s next to none",
                                (double) e->window_usec / 1e6, lb, total, li),
                           strf("spread transmit over all queues: XPS=auto in the link's policy (vnettune "
                                "applies it to virtio_net by default), or: for i in $(seq 0 %u); do printf %%x "
                                "$((1 << i)) > /sys/class/net/%s/queues/tx-$i/xps_cpus; done",
                                n - 1, s->name));
}

static int check_irq_spread(const GuestLinkEvidence *e, Findings *f) {
        unsigned pct;
        uint64_t total;
        int cpu;

        if (!e->irq0 || !e->irq1 || e->irq0->n_cpus != e->irq1->n_cpus || e->irq1->n_cpus < 2 ||
            e->irq1->n_lines < 2)
                return 0;
        cpu = concentration(e->irq0->per_cpu, e->irq1->per_cpu, e->irq1->n_cpus, 1000, &pct, &total);
        if (cpu < 0 || pct < 90)
                return 0;
        return finding_add(f, FINDING_IRQ_CONCENTRATED, SEVERITY_WARNING, e->snap->name,
                           strf("the interrupts of all %u queue vectors land on CPU %d", e->irq1->n_lines, cpu),
                           strf("%u%% of %" PRIu64 " interrupts over %.1f s on CPU %d", pct, total,
                                (double) e->window_usec / 1e6, cpu),
                           strf("let virtio_net spread its vectors (do not pin them all to one CPU; stop "
                                "irqbalance or ban these IRQs from it), see /proc/irq/N/smp_affinity_list"));
}

static int check_offloads(const GuestLinkEvidence *e, Findings *f) {
        const NetdevSnapshot *s = e->snap;
        char off[64] = "", fix[128] = "";

        if (s->features_error != 0)
                return 0;
        for (Offload o = 0; o < _OFFLOAD_MAX; o++) {
                const OffloadState *st = &s->offloads[o];

                if (o == OFFLOAD_LRO || !st->known || !st->changeable || st->active)
                        continue;
                snprintf(off + strlen(off), sizeof off - strlen(off), "%s%s", off[0] ? ", " : "",
                         offload_to_string(o));
                snprintf(fix + strlen(fix), sizeof fix - strlen(fix), "%s%s=on", fix[0] ? " " : "",
                         o == OFFLOAD_TSO ? "TSO" : o == OFFLOAD_GSO ? "GSO" : "GRO");
        }
        if (!off[0])
                return 0;
        return finding_add(f, FINDING_OFFLOAD_OFF, SEVERITY_WARNING, s->name,
                           strf("offloads switched off: %s", off),
                           strf("%s off although the device can do them", off),
                           strf("%s in the link's policy, or: ethtool -K %s %s", fix, s->name, "tso on gso on gro on"));
}

static int check_mtu(const GuestLinkEvidence *e, Findings *f) {
        const NetdevSnapshot *s = e->snap;
        int r;

        if (!s->have_link)
                return 0;
        if (e->policy && e->policy->mtu_mode == MTU_NUMBER && s->mtu != e->policy->mtu) {
                r = finding_add(f, FINDING_MTU_POLICY_MISMATCH, SEVERITY_WARNING, s->name,
                                strf("MTU %" PRIu32 " differs from the policy's %" PRIu32, s->mtu, e->policy->mtu),
                                strf("mtu %" PRIu32 ", policy MTU=%" PRIu32 ", device maximum %" PRIu32, s->mtu,
                                     e->policy->mtu, s->max_mtu),
                                strf("vnettunectl apply %s (or check why it was refused: vnettunectl show %s)",
                                     s->name, s->name));
                if (r < 0)
                        return r;
        }
        /* A maximum below 65535 on virtio_net is the host's host_mtu= (VIRTIO_NET_F_MTU). */
        if (s->max_mtu != 0 && s->max_mtu < 65535 && s->mtu < s->max_mtu &&
            !(e->policy && e->policy->mtu_mode == MTU_NUMBER)) {
                r = finding_add(f, FINDING_MTU_BELOW_MAX, SEVERITY_INFO, s->name,
                                strf("MTU %" PRIu32 " below the %" PRIu32 " the host offers", s->mtu, s->max_mtu),
                                strf("mtu %" PRIu32 ", max_mtu %" PRIu32, s->mtu, s->max_mtu),
                                strf("MTU=max in the link's policy, or: ip link set %s mtu %" PRIu32, s->name,
                                     s->max_mtu));
                if (r < 0)
                        return r;
        }
        return 0;
}

int diag_guest_link(const GuestLinkEvidence *e, Findings *f) {
        int r;

        if (!e || !e->snap || !e->online || !f)
                return -EINVAL;
        r = check_channels(e, f);
        if (r >= 0)
                r = check_xps(e, f);
        if (r >= 0)
                r = check_queue_traffic(e, f);
        if (r >= 0)
                r = check_irq_spread(e, f);
        if (r >= 0)
                r = check_offloads(e, f);
        if (r >= 0)
                r = check_mtu(e, f);
        return r;
}

/* ---- guest: system-wide ---- */

/* The largest number in a sysctl value ("4096 131072 6291456" -> 6291456); -1 if none. */
static int64_t sysctl_max_number(const char *v) {
        int64_t best = -1;

        for (const char *p = v; p && *p;) {
                char *end;
                long long n;

                while (*p == ' ' || *p == '\t')
                        p++;
                if (!isdigit((unsigned char) *p))
                        return -1;
                n = strtoll(p, &end, 10);
                best = MAX(best, (int64_t) n);
                p = end;
        }
        return best;
}

int diag_guest_system(const GuestSystemEvidence *e, Findings *f) {
        int r;

        if (!e || !f)
                return -EINVAL;

        if (e->cpu0 && e->cpu1 && e->cpu0->n_cpus == e->cpu1->n_cpus) {
                unsigned n = 0, hot = 0, hot_cpu = 0, hot_pct = 0;
                unsigned sum_other = 0;

                for (unsigned c = 0; c < e->cpu1->n_cpus; c++) {
                        uint64_t dt, db;
                        unsigned pct;

                        if (!e->cpu0->present[c] || !e->cpu1->present[c])
                                continue;
                        dt = e->cpu1->total[c] - MIN(e->cpu1->total[c], e->cpu0->total[c]);
                        db = e->cpu1->busy[c] - MIN(e->cpu1->busy[c], e->cpu0->busy[c]);
                        if (dt == 0)
                                continue;
                        pct = (unsigned) (db * 100 / dt);
                        n++;
                        if (pct > hot_pct) {
                                sum_other += hot_pct;
                                hot_pct = pct;
                                hot_cpu = c;
                        } else
                                sum_other += pct;
                        hot += pct >= 90;
                }
                if (n >= 2 && hot == 1 && hot_pct >= 90 && sum_other / (n - 1) < 40) {
                        r = finding_add(f, FINDING_CPU_SATURATED, SEVERITY_WARNING, "guest",
                                        strf("CPU %u is saturated while the others idle", hot_cpu),
                                        strf("CPU %u at %u%%, the other %u CPUs at %u%% on average", hot_cpu,
                                             hot_pct, n - 1, sum_other / (n - 1)),
                                        strf("spread the work: enable all queue pairs (Channels=auto) and XPS "
                                             "(XPS=auto), run several streams (iperf3 -P)"));
                        if (r < 0)
                                return r;
                }
        }

        if (e->sirq0 && e->sirq1 && e->sirq0->n_cpus == e->sirq1->n_cpus && e->sirq1->n_cpus >= 2) {
                _cleanup_free_ uint64_t *a = calloc(e->sirq1->n_cpus, sizeof(uint64_t));
                _cleanup_free_ uint64_t *b = calloc(e->sirq1->n_cpus, sizeof(uint64_t));
                unsigned pct;
                uint64_t total;
                int cpu;

                if (!a || !b)
                        return -ENOMEM;
                for (unsigned c = 0; c < e->sirq1->n_cpus; c++) {
                        a[c] = e->sirq0->net_tx[c] + e->sirq0->net_rx[c];
                        b[c] = e->sirq1->net_tx[c] + e->sirq1->net_rx[c];
                }
                cpu = concentration(a, b, e->sirq1->n_cpus, 1000, &pct, &total);
                if (cpu >= 0 && pct >= 90) {
                        r = finding_add(f, FINDING_SOFTIRQ_CONCENTRATED, SEVERITY_WARNING, "guest",
                                        strf("network softirqs run on CPU %d only", cpu),
                                        strf("%u%% of %" PRIu64 " NET_RX+NET_TX softirqs on CPU %d", pct, total,
                                             cpu),
                                        strf("enable all queue pairs (Channels=auto) so each queue's interrupt "
                                             "and softirq run on its own CPU"));
                        if (r < 0)
                                return r;
                }
        }

        for (size_t i = 0; i < e->n_want; i++) {
                const char *cur = e->current ? e->current[i] : NULL;
                int64_t want, have;

                if (!cur)
                        continue;
                want = sysctl_max_number(e->want[i].value);
                have = sysctl_max_number(cur);
                if (want < 0 || have < 0 || have >= want)
                        continue;
                r = finding_add(f, FINDING_SYSCTL_BELOW_POLICY, SEVERITY_WARNING, "guest",
                                strf("%s is below the policy", e->want[i].key),
                                strf("%s = %s, policy %s", e->want[i].key, cur, e->want[i].value),
                                strf("vnettunectl apply (ApplySysctls=yes), or: sysctl -w %s=\"%s\"",
                                     e->want[i].key, e->want[i].value));
                if (r < 0)
                        return r;
        }

        if (e->irqbalance_running) {
                r = finding_add(f, FINDING_IRQBALANCE, SEVERITY_INFO, "guest",
                                strf("irqbalance runs inside the guest"),
                                strf("an irqbalance process is running"),
                                strf("systemctl disable --now irqbalance: it moves the NIC's queue interrupts "
                                     "away from the CPUs XPS sends them from"));
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- host ---- */

int diag_host_vm(const HostVmEvidence *e, Findings *f) {
        char subject[160];
        int r;

        if (!e || !f)
                return -EINVAL;
        snprintf(subject, sizeof subject, "%s (pid %d)", e->name ?: "?", e->pid);

        if (e->n_single_queue_taps > 0 && e->n_vcpus > 1) {
                r = finding_add(f, FINDING_TAP_SINGLE_QUEUE, SEVERITY_WARNING, subject,
                                strf("%u of its taps have a single queue for %u vCPUs", e->n_single_queue_taps,
                                     e->n_vcpus),
                                strf("%u vCPU threads, %u tap queue fds in all", e->n_vcpus, e->n_queues),
                                strf("-netdev tap,queues=%u,vhost=on -device virtio-net-pci,mq=on,vectors=%u "
                                     "(libvirt <driver name='vhost' queues='%u'/>)",
                                     e->n_vcpus, 2 * e->n_vcpus + 2, e->n_vcpus));
                if (r < 0)
                        return r;
        }
        if (e->n_workers > 0 && e->n_workers < e->n_queues) {
                r = finding_add(f, FINDING_WORKERS_FEWER_THAN_QUEUES, SEVERITY_INFO, subject,
                                strf("%u vhost workers serve %u queues", e->n_workers, e->n_queues),
                                strf("%u vhost-%d threads, %u tap queue fds", e->n_workers, e->pid, e->n_queues),
                                strf("give every queue its vhost fd: -netdev tap,queues=%u,vhost=on", e->n_queues));
                if (r < 0)
                        return r;
        }
        if (e->sampled && e->n_workers > 0 && e->window_usec > 0 && e->user_hz > 0) {
                uint64_t busy_usec = e->worker_ticks * 1000000ULL / e->user_hz;
                unsigned pct = (unsigned) (busy_usec * 100 / (e->window_usec * e->n_workers));

                if (pct < 1) {
                        r = finding_add(f, FINDING_WORKERS_IDLE, SEVERITY_INFO, subject,
                                        strf("its vhost workers are idle: the guest is not pushing packets"),
                                        strf("%u workers used %u%% CPU over %.1f s", e->n_workers, pct,
                                             (double) e->window_usec / 1e6),
                                        strf("if the guest reports a throughput plateau, the bottleneck is inside "
                                             "it: run vnettunectl diagnose in the guest (queues, XPS, vCPUs)"));
                        if (r < 0)
                                return r;
                }
        }
        if (e->node_cpus_vcpus && e->worker_cpus && !cpuset_is_empty(e->worker_cpus)) {
                bool inside = true;
                unsigned span = cpuset_span(e->worker_cpus);

                for (unsigned c = 0; c < span && inside; c++)
                        inside = !cpuset_isset(e->worker_cpus, c) || cpuset_isset(e->node_cpus_vcpus, c);
                if (!inside) {
                        r = finding_add(f, FINDING_WORKERS_OFF_NODE, SEVERITY_WARNING, subject,
                                        strf("vhost workers run off the NUMA node of the vCPUs"),
                                        strf("workers may run on CPUs outside the vCPUs' node"),
                                        strf("VhostPlacement=numa in hostd.conf (the default)"));
                        if (r < 0)
                                return r;
                }
        }
        if (e->vcpu_cpus && e->worker_cpus && cpuset_overlaps(e->vcpu_cpus, e->worker_cpus) &&
            e->node_cpus_vcpus) {
                bool node_has_other = false;
                unsigned span = cpuset_span(e->node_cpus_vcpus);

                for (unsigned c = 0; c < span && !node_has_other; c++)
                        node_has_other = cpuset_isset(e->node_cpus_vcpus, c) && !cpuset_isset(e->vcpu_cpus, c);
                if (node_has_other) {
                        r = finding_add(f, FINDING_WORKERS_SHARE_VCPUS, SEVERITY_WARNING, subject,
                                        strf("vhost workers share CPUs with the vCPUs"),
                                        strf("worker and vCPU affinity overlap although the node has free CPUs"),
                                        strf("VhostPlacement=numa in hostd.conf (places workers off the vCPUs)"));
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int diag_host_link_path(const HostLinkPathEvidence *e, Findings *f) {
        if (!e || !f || !e->tap)
                return -EINVAL;
        if (e->bridge && e->bridge_mtu != e->tap_mtu)
                return finding_add(f, FINDING_MTU_MISMATCH_PATH, SEVERITY_WARNING, e->tap,
                                   strf("tap MTU %" PRIu32 " differs from its bridge %s's %" PRIu32, e->tap_mtu,
                                        e->bridge, e->bridge_mtu),
                                   strf("%s mtu %" PRIu32 ", %s mtu %" PRIu32, e->tap, e->tap_mtu, e->bridge,
                                        e->bridge_mtu),
                                   strf("a .link file with [Match] Name=%s and [Link] MTU=%" PRIu32
                                        " (its taps follow)", e->bridge, MAX(e->tap_mtu, e->bridge_mtu)));
        if (e->bridge && e->uplink && e->uplink_mtu < e->bridge_mtu)
                return finding_add(f, FINDING_MTU_MISMATCH_PATH, SEVERITY_WARNING, e->tap,
                                   strf("the bridge %s carries MTU %" PRIu32 " but its uplink %s only %" PRIu32,
                                        e->bridge, e->bridge_mtu, e->uplink, e->uplink_mtu),
                                   strf("%s mtu %" PRIu32 ", %s mtu %" PRIu32, e->bridge, e->bridge_mtu, e->uplink,
                                        e->uplink_mtu),
                                   strf("raise %s to %" PRIu32 " (and the physical network), or lower the bridge",
                                        e->uplink, e->bridge_mtu));
        return 0;
}

int diag_host_system(const HostSystemEvidence *e, Findings *f) {
        static const char *const nf_keys[3] = {
                "net.bridge.bridge-nf-call-iptables",
                "net.bridge.bridge-nf-call-ip6tables",
                "net.bridge.bridge-nf-call-arptables",
        };
        char on[160] = "";
        int r;

        if (!e || !f)
                return -EINVAL;
        for (char *const *m = e->tier_missing; m && *m; m++) {
                r = finding_add(f, FINDING_TIER_MISSING, SEVERITY_WARNING, "host", strf("%s", *m),
                                strf("reported by the tier check"), strf("%s", *m));
                if (r < 0)
                        return r;
        }
        for (unsigned i = 0; i < 3; i++)
                if (e->bridge_nf[i] == 1)
                        snprintf(on + strlen(on), sizeof on - strlen(on), "%s%s", on[0] ? ", " : "",
                                 nf_keys[i] + strlen("net.bridge."));
        if (on[0]) {
                r = finding_add(f, FINDING_BRIDGE_NF_ON, SEVERITY_WARNING, "host",
                                strf("bridged VM traffic goes through netfilter"),
                                strf("%s = 1", on),
                                strf("net.bridge.bridge-nf-call-iptables=0 (and -ip6tables, -arptables) in "
                                     "hostd.conf [Sysctl] (the vendor default)"));
                if (r < 0)
                        return r;
        }
        if (e->vm_memory_mb > 0 && e->hugepages_total * e->hugepages_size_kb / 1024 < e->vm_memory_mb) {
                uint64_t size_kb = e->hugepages_size_kb ?: 2048;
                uint64_t need = (e->vm_memory_mb * 1024 + size_kb - 1) / size_kb;

                r = finding_add(f, FINDING_HUGEPAGES_MISSING, SEVERITY_INFO, "host",
                                strf("hugepages do not cover the memory of the running VMs"),
                                strf("%" PRIu64 " hugepages of %" PRIu64 " kB reserved, VMs use %" PRIu64 " MiB",
                                     e->hugepages_total, size_kb, e->vm_memory_mb),
                                strf("vm.nr_hugepages=%" PRIu64 " in hostd.conf [Sysctl] and <memoryBacking>"
                                     "<hugepages/></memoryBacking> in the domain XML", need));
                if (r < 0)
                        return r;
        }
        return 0;
}
