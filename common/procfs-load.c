/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reads the counters a diagnosis samples: /proc/stat, softirqs, interrupts, thread CPU time, and
 * per-queue qdisc statistics through libnl-route. */
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/pkt_sched.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/tc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "procfs-load.h"

int procfs_read_text(const char *path, char **ret) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        size_t size = 0, cap = 16384;
        char *buf;
        ssize_t n;

        if (fd < 0)
                return negative_errno();
        buf = malloc(cap);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                if (cap - size < 4096) {
                        char *t = cap < (64u << 20) ? realloc(buf, cap * 2) : NULL;
                        if (!t) {
                                free(buf);
                                return -ENOMEM;
                        }
                        buf = t;
                        cap *= 2;
                }
                n = read(fd, buf + size, cap - size - 1);
                if (n < 0) {
                        int r = negative_errno();
                        free(buf);
                        return r;
                }
                if (n == 0)
                        break;
                size += (size_t) n;
        }
        buf[size] = 0;
        *ret = buf;
        return 0;
}

int procfs_sample_cpu(CpuTimes *ret) {
        _cleanup_free_ char *t = NULL;
        int r = procfs_read_text("/proc/stat", &t);

        return r < 0 ? r : diag_parse_proc_stat(t, ret);
}

int procfs_sample_softirqs(SoftirqCounts *ret) {
        _cleanup_free_ char *t = NULL;
        int r = procfs_read_text("/proc/softirqs", &t);

        return r < 0 ? r : diag_parse_softirqs(t, ret);
}

int procfs_sample_interrupts(const char *match, IrqCounts *ret) {
        _cleanup_free_ char *t = NULL;
        int r = procfs_read_text("/proc/interrupts", &t);

        return r < 0 ? r : diag_parse_interrupts(t, match, ret);
}

bool procfs_process_running(const char *comm) {
        DIR *d = opendir("/proc");
        bool found = false;

        if (!d)
                return false;
        for (struct dirent *de; !found && (de = readdir(d));) {
                char path[300], c[64];
                FILE *f;

                if (de->d_name[0] < '1' || de->d_name[0] > '9')
                        continue;
                snprintf(path, sizeof path, "/proc/%s/comm", de->d_name);
                f = fopen(path, "re");
                if (!f)
                        continue;
                if (fgets(c, sizeof c, f)) {
                        c[strcspn(c, "\n")] = 0;
                        found = streq(c, comm);
                }
                fclose(f);
        }
        closedir(d);
        return found;
}

int procfs_thread_ticks(pid_t pid, pid_t tid, uint64_t *ret) {
        _cleanup_free_ char *t = NULL;
        char path[96];
        unsigned long long ut, st;
        const char *p;
        int r;

        snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int) pid, (int) tid);
        r = procfs_read_text(path, &t);
        if (r == -ENOENT)
                return -ESRCH;
        if (r < 0)
                return r;
        /* After the ")" closing the comm: state is field 3, utime 14, stime 15. */
        p = strrchr(t, ')');
        if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
                return -EBADMSG;
        *ret = ut + st;
        return 0;
}

int sysfs_virtio_name(const char *ifname, char *ret, size_t size) {
        char path[256], target[256];
        ssize_t n;

        if (isempty(ifname) || strchr(ifname, '/'))
                return -EINVAL;
        snprintf(path, sizeof path, "/sys/class/net/%s/device", ifname);
        n = readlink(path, target, sizeof target - 1);
        if (n < 0)
                return negative_errno();
        target[n] = 0;
        if (strncmp(basename(target), "virtio", 6) != 0)
                return -ENODEV;
        snprintf(ret, size, "%s", basename(target));
        return 0;
}

int qdisc_sample_tx_queues(int ifindex, unsigned n_queues, QueueCounters *ret) {
        struct nl_sock *sk = NULL;
        struct nl_cache *cache = NULL;
        QueueCounters q = {};
        uint32_t root = 0;
        bool any = false;
        int r;

        if (ifindex <= 0 || n_queues == 0)
                return -EINVAL;
        sk = nl_socket_alloc();
        if (!sk)
                return -ENOMEM;
        if (nl_connect(sk, NETLINK_ROUTE) < 0 || rtnl_qdisc_alloc_cache(sk, &cache) < 0) {
                r = -EIO;
                goto finish;
        }
        /* The mq root of this device... */
        for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
                struct rtnl_tc *tc = (struct rtnl_tc *) o;
                const char *kind = rtnl_tc_get_kind(tc);

                if (rtnl_tc_get_ifindex(tc) == ifindex && rtnl_tc_get_parent(tc) == TC_H_ROOT && kind &&
                    streq(kind, "mq"))
                        root = rtnl_tc_get_handle(tc);
        }
        if (root == 0) {
                r = -ENODATA;
                goto finish;
        }
        q.n = n_queues;
        q.tx_packets = calloc(n_queues, sizeof(uint64_t));
        if (!q.tx_packets) {
                r = -ENOMEM;
                goto finish;
        }
        /* ...and its children, one per tx queue: parent ROOT:N is queue N-1. */
        for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
                struct rtnl_tc *tc = (struct rtnl_tc *) o;
                uint32_t parent = rtnl_tc_get_parent(tc);
                unsigned minor = TC_H_MIN(parent);

                if (rtnl_tc_get_ifindex(tc) != ifindex || TC_H_MAJ(parent) != TC_H_MAJ(root) || minor == 0 ||
                    minor > n_queues)
                        continue;
                q.tx_packets[minor - 1] = rtnl_tc_get_stat(tc, RTNL_TC_PACKETS);
                any = true;
        }
        if (!any) {
                queue_counters_done(&q);
                r = -ENODATA;
                goto finish;
        }
        *ret = q;
        r = 0;
finish:
        nl_cache_free(cache);
        nl_socket_free(sk);
        return r;
}
