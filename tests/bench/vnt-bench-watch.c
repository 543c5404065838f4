/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Benchmark watcher: runs a command that creates (or tunes) links and times, from the kernel's and
 * udev's own broadcasts, when each link appeared, when udev announced it and when its MTU and
 * channel count reached the target; then checks the final state in sysfs and prints key=value lines.
 *
 * It is an observer that does not trust the tuner: rtnetlink link notifications give the MTU, the
 * ethtool netlink monitor group gives the channel counts, the udev netlink monitor gives the moment
 * udev announced the link (what a daemon reacting to udev can react to at the earliest) and its
 * USEC_INITIALIZED. XPS writes have no notification: tuners write them before the MTU (vnettune's
 * planner orders channels, XPS, MTU; the shell recipe here does the same), and the final check
 * rejects any link whose active transmit queues are left without an XPS mask.
 *
 * A timestamp is taken when a message is read, so the observer runs SCHED_FIFO (reset for the
 * command it starts): on a loaded machine it reads each broadcast as it arrives instead of after
 * the time slices of everything else, and the order of the three sources stays true. */
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <libmnl/libmnl.h>
#include <libudev.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench-util.h"
#include "macro.h"

#define RCVBUF_BYTES (128 * 1024 * 1024)
#define RECV_BYTES (256 * 1024)

typedef struct WatchLink {
        bool ours;
        bool gone;
        char name[IF_NAMESIZE];
        uint64_t created;       /* first RTM_NEWLINK seen */
        uint64_t announced;     /* udev "add" received from udevd */
        uint64_t initialized;   /* udev's USEC_INITIALIZED */
        uint64_t mtu_at;        /* first RTM_NEWLINK with the target MTU */
        uint64_t channels_at;   /* first CHANNELS_NTF with the target count */
} WatchLink;

typedef struct Watch {
        /* options */
        const char *prefix;
        unsigned count;
        unsigned mtu;
        unsigned channels;
        unsigned timeout_sec;
        bool existing;
        bool verify_only;
        bool verify_xps;
        bool settle;
        const char *rows_path;
        char **command;

        /* state */
        WatchLink *links;       /* indexed by ifindex */
        size_t n_links;
        unsigned n_ours;
        struct mnl_socket *rtnl;
        struct mnl_socket *ethtool;
        uint16_t ethtool_family;
        struct udev *udev;
        struct udev_monitor *monitor;
        uint64_t t0;
        pid_t child;
        int child_pidfd;
        bool child_exited;
        struct rusage child_usage;
        uint64_t now;           /* time of the batch being parsed */
} Watch;

static _printf_(1, 2) _Noreturn void die(const char *fmt, ...) {
        va_list ap;

        fputs("vnt-bench-watch: MEASUREMENT FAILED: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        exit(EXIT_FAILURE);
}

static bool has_prefix(const Watch *w, const char *name) {
        return name && strncmp(name, w->prefix, strlen(w->prefix)) == 0;
}

static WatchLink *watch_link(Watch *w, int ifindex) {
        if (ifindex <= 0)
                return NULL;
        if ((size_t) ifindex >= w->n_links) {
                size_t n = MAX((size_t) ifindex + 1, w->n_links * 2);
                WatchLink *t = realloc(w->links, n * sizeof(WatchLink));

                if (!t)
                        die("out of memory");
                memset(t + w->n_links, 0, (n - w->n_links) * sizeof(WatchLink));
                w->links = t;
                w->n_links = n;
        }
        return &w->links[ifindex];
}

static void watch_claim(Watch *w, WatchLink *l, const char *name) {
        if (l->ours)
                return;
        l->ours = true;
        snprintf(l->name, sizeof l->name, "%.*s", IF_NAMESIZE - 1, name);
        w->n_ours++;
        if (w->n_ours > w->count)
                die("more than %u links named %s* appeared", w->count, w->prefix);
}

static void set_rcvbuf(int fd) {
        int size = RCVBUF_BYTES;

        /* FORCE (root) lifts rmem_max: a storm of 1000 links must not overrun the monitors. */
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0 &&
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size) < 0)
                die("cannot size a monitor socket: %m");
}

/* ---- rtnetlink ---- */

static int rtnl_attr_cb(const struct nlattr *a, void *data) {
        const struct nlattr **tb = data;
        int type = mnl_attr_get_type(a);

        if (type <= IFLA_MAX && mnl_attr_type_valid(a, IFLA_MAX) >= 0)
                tb[type] = a;
        return MNL_CB_OK;
}

static int rtnl_msg_cb(const struct nlmsghdr *nlh, void *data) {
        const struct nlattr *tb[IFLA_MAX + 1] = {};
        Watch *w = data;
        const struct ifinfomsg *ifi;
        const char *name;
        WatchLink *l;
        bool first;

        if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
                return MNL_CB_OK;
        if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof *ifi))
                return MNL_CB_OK;
        ifi = mnl_nlmsg_get_payload(nlh);
        mnl_attr_parse(nlh, sizeof *ifi, rtnl_attr_cb, tb);
        name = tb[IFLA_IFNAME] ? mnl_attr_get_str(tb[IFLA_IFNAME]) : NULL;
        l = watch_link(w, ifi->ifi_index);
        if (!l)
                return MNL_CB_OK;

        if (nlh->nlmsg_type == RTM_DELLINK) {
                if (l->ours)
                        die("link %s disappeared during the measurement", l->name);
                return MNL_CB_OK;
        }
        first = !l->ours && !w->existing;
        if (!l->ours) {
                if (w->existing || !has_prefix(w, name))
                        return MNL_CB_OK;
                watch_claim(w, l, name);
                l->created = w->now;
        }
        if (w->mtu > 0 && tb[IFLA_MTU] && mnl_attr_get_u32(tb[IFLA_MTU]) == w->mtu && l->mtu_at == 0) {
                if (first)
                        die("link %s was created with MTU %u already: nothing to measure", l->name, w->mtu);
                l->mtu_at = w->now;
        }
        return MNL_CB_OK;
}

static void rtnl_open(Watch *w) {
        w->rtnl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (!w->rtnl)
                die("cannot open rtnetlink: %m");
        set_rcvbuf(mnl_socket_get_fd(w->rtnl));
        if (mnl_socket_bind(w->rtnl, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0)
                die("cannot subscribe to rtnetlink link events: %m");
}

/* ---- ethtool netlink ---- */

typedef struct FamilyInfo {
        uint16_t id;
        uint32_t monitor_group;
} FamilyInfo;

static int ctrl_group_cb(const struct nlattr *a, void *data) {
        const struct nlattr **tb = data;
        int type = mnl_attr_get_type(a);

        if (type <= CTRL_ATTR_MCAST_GRP_MAX)
                tb[type] = a;
        return MNL_CB_OK;
}

static int ctrl_attr_cb(const struct nlattr *a, void *data) {
        FamilyInfo *f = data;
        const struct nlattr *g;

        switch (mnl_attr_get_type(a)) {
        case CTRL_ATTR_FAMILY_ID:
                f->id = mnl_attr_get_u16(a);
                break;
        case CTRL_ATTR_MCAST_GROUPS:
                mnl_attr_for_each_nested(g, a) {
                        const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1] = {};

                        mnl_attr_parse_nested(g, ctrl_group_cb, tb);
                        if (tb[CTRL_ATTR_MCAST_GRP_NAME] && tb[CTRL_ATTR_MCAST_GRP_ID] &&
                            streq(mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]), ETHTOOL_MCGRP_MONITOR_NAME))
                                f->monitor_group = mnl_attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
                }
                break;
        }
        return MNL_CB_OK;
}

static int ctrl_msg_cb(const struct nlmsghdr *nlh, void *data) {
        mnl_attr_parse(nlh, sizeof(struct genlmsghdr), ctrl_attr_cb, data);
        return MNL_CB_OK;
}

static void ethtool_open(Watch *w) {
        _cleanup_free_ char *buf = malloc(RECV_BYTES);
        struct mnl_socket *ctrl;
        FamilyInfo f = {};
        struct nlmsghdr *nlh;
        struct genlmsghdr *g;
        unsigned portid;
        ssize_t n;
        int r = MNL_CB_OK;

        if (!buf)
                die("out of memory");
        ctrl = mnl_socket_open(NETLINK_GENERIC);
        if (!ctrl || mnl_socket_bind(ctrl, 0, MNL_SOCKET_AUTOPID) < 0)
                die("cannot open generic netlink: %m");
        portid = mnl_socket_get_portid(ctrl);
        nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = GENL_ID_CTRL;
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
        nlh->nlmsg_seq = 1;
        g = mnl_nlmsg_put_extra_header(nlh, sizeof *g);
        g->cmd = CTRL_CMD_GETFAMILY;
        g->version = 1;
        mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, ETHTOOL_GENL_NAME);
        if (mnl_socket_sendto(ctrl, nlh, nlh->nlmsg_len) < 0)
                die("cannot query the ethtool netlink family: %m");
        while (r > MNL_CB_STOP && (n = mnl_socket_recvfrom(ctrl, buf, RECV_BYTES)) > 0)
                r = mnl_cb_run(buf, (size_t) n, 1, portid, ctrl_msg_cb, &f);
        if (r < 0)
                die("the kernel has no ethtool netlink family: %m");
        mnl_socket_close(ctrl);
        if (f.id == 0 || f.monitor_group == 0)
                die("ethtool netlink has no monitor group");

        w->ethtool_family = f.id;
        w->ethtool = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (!w->ethtool || mnl_socket_bind(w->ethtool, 0, MNL_SOCKET_AUTOPID) < 0)
                die("cannot open the ethtool monitor socket: %m");
        set_rcvbuf(mnl_socket_get_fd(w->ethtool));
        if (mnl_socket_setsockopt(w->ethtool, NETLINK_ADD_MEMBERSHIP, &f.monitor_group,
                                  sizeof f.monitor_group) < 0)
                die("cannot join the ethtool monitor group: %m");
}

typedef struct ChannelsNtf {
        int ifindex;
        uint32_t tx;
        uint32_t combined;
} ChannelsNtf;

static int ethtool_header_cb(const struct nlattr *a, void *data) {
        ChannelsNtf *c = data;

        if (mnl_attr_get_type(a) == ETHTOOL_A_HEADER_DEV_INDEX)
                c->ifindex = (int) mnl_attr_get_u32(a);
        return MNL_CB_OK;
}

static int ethtool_attr_cb(const struct nlattr *a, void *data) {
        ChannelsNtf *c = data;

        switch (mnl_attr_get_type(a)) {
        case ETHTOOL_A_CHANNELS_HEADER:
                mnl_attr_parse_nested(a, ethtool_header_cb, c);
                break;
        case ETHTOOL_A_CHANNELS_TX_COUNT:
                c->tx = mnl_attr_get_u32(a);
                break;
        case ETHTOOL_A_CHANNELS_COMBINED_COUNT:
                c->combined = mnl_attr_get_u32(a);
                break;
        }
        return MNL_CB_OK;
}

static int ethtool_msg_cb(const struct nlmsghdr *nlh, void *data) {
        Watch *w = data;
        const struct genlmsghdr *g;
        ChannelsNtf c = {};
        WatchLink *l;

        if (nlh->nlmsg_type != w->ethtool_family || nlh->nlmsg_len < NLMSG_LENGTH(sizeof *g))
                return MNL_CB_OK;
        g = mnl_nlmsg_get_payload(nlh);
        if (g->cmd != ETHTOOL_MSG_CHANNELS_NTF)
                return MNL_CB_OK;
        mnl_attr_parse(nlh, sizeof *g, ethtool_attr_cb, &c);
        l = watch_link(w, c.ifindex);
        if (l && l->ours && w->channels > 0 && l->channels_at == 0 &&
            (c.tx == w->channels || c.combined == w->channels))
                l->channels_at = w->now;
        return MNL_CB_OK;
}

static void netlink_drain(Watch *w, struct mnl_socket *nl, mnl_cb_t cb, const char *what) {
        static char buf[RECV_BYTES];

        for (;;) {
                ssize_t n = recv(mnl_socket_get_fd(nl), buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC);

                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                return;
                        if (errno == ENOBUFS)
                                die("the %s monitor overran (events lost)", what);
                        die("reading the %s monitor failed: %m", what);
                }
                if ((size_t) n > sizeof buf)
                        die("a %s message did not fit the receive buffer", what);
                w->now = bench_now_usec();
                if (mnl_cb_run(buf, (size_t) n, 0, 0, cb, w) < 0 && errno != ENOENT)
                        die("cannot parse a %s message: %m", what);
        }
}

/* ---- udev ---- */

static void udev_open(Watch *w) {
        w->udev = udev_new();
        if (!w->udev)
                die("cannot create a udev context");
        w->monitor = udev_monitor_new_from_netlink(w->udev, "udev");
        if (!w->monitor)
                die("cannot open the udev monitor");
        (void) udev_monitor_set_receive_buffer_size(w->monitor, RCVBUF_BYTES);
        if (udev_monitor_filter_add_match_subsystem_devtype(w->monitor, "net", NULL) < 0 ||
            udev_monitor_enable_receiving(w->monitor) < 0)
                die("cannot start the udev monitor");
}

static void udev_drain(Watch *w) {
        for (;;) {
                struct udev_device *d;
                const char *action, *s, *name;
                WatchLink *l;

                errno = 0;
                d = udev_monitor_receive_device(w->monitor);
                if (!d) {
                        if (errno == ENOBUFS)
                                die("the udev monitor overran (events lost)");
                        return;
                }
                w->now = bench_now_usec();
                action = udev_device_get_action(d);
                name = udev_device_get_sysname(d);
                s = udev_device_get_property_value(d, "IFINDEX");
                l = s ? watch_link(w, atoi(s)) : NULL;
                if (l && streq_ptr(action, "add") && has_prefix(w, name)) {
                        if (!l->ours)   /* udev before rtnetlink: not expected, but keep it */
                                watch_claim(w, l, name);
                        if (l->announced == 0) {
                                l->announced = w->now;
                                s = udev_device_get_property_value(d, "USEC_INITIALIZED");
                                l->initialized = s ? strtoull(s, NULL, 10) : 0;
                        }
                }
                udev_device_unref(d);
        }
}

/* ---- the command ---- */

static pid_t spawn(char **argv, bool stdout_to_stderr) {
        pid_t pid = fork();

        if (pid < 0)
                die("fork: %m");
        if (pid == 0) {
                if (stdout_to_stderr)
                        (void) dup2(STDERR_FILENO, STDOUT_FILENO);
                execvp(argv[0], argv);
                fprintf(stderr, "vnt-bench-watch: cannot run %s: %m\n", argv[0]);
                _exit(127);
        }
        return pid;
}

static void child_reap(Watch *w) {
        int status;

        if (wait4(w->child, &status, 0, &w->child_usage) < 0)
                die("waiting for the command: %m");
        w->child_exited = true;
        close(w->child_pidfd);
        w->child_pidfd = -EBADF;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                die("the command failed (%s %d)", WIFEXITED(status) ? "exit status" : "signal",
                    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

/* ---- completion and verification ---- */

static uint64_t link_tuned_at(const Watch *w, const WatchLink *l) {
        uint64_t t = 0;

        if (w->mtu > 0) {
                if (l->mtu_at == 0)
                        return 0;
                t = MAX(t, l->mtu_at);
        }
        if (w->channels > 0) {
                if (l->channels_at == 0)
                        return 0;
                t = MAX(t, l->channels_at);
        }
        return t;
}

static bool link_complete(const Watch *w, const WatchLink *l) {
        if (!w->existing && l->announced == 0)
                return false;
        if ((w->mtu > 0 || w->channels > 0) && link_tuned_at(w, l) == 0)
                return false;
        return true;
}

static bool watch_complete(const Watch *w) {
        if (!w->child_exited || w->n_ours < w->count)
                return false;
        for (size_t i = 0; i < w->n_links; i++)
                if (w->links[i].ours && !link_complete(w, &w->links[i]))
                        return false;
        return true;
}

static int read_sysfs(const char *path, char *buf, size_t size) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = read(fd, buf, size - 1);
        if (n < 0)
                return -errno;
        buf[n] = 0;
        return 0;
}

static bool mask_is_empty(const char *s) {
        for (; *s; s++)
                if (*s != '0' && *s != ',' && *s != '\n')
                        return false;
        return true;
}

/* Checks one link's final state; returns a description of the first difference or NULL. */
static const char *verify_link(const Watch *w, const char *name, char *why, size_t size) {
        char path[256], buf[256];
        unsigned n_tx = 0, mtu = 0;
        DIR *d;

        snprintf(path, sizeof path, "/sys/class/net/%s/mtu", name);
        if (read_sysfs(path, buf, sizeof buf) < 0 || bench_parse_uint(strtok(buf, "\n") ?: "", UINT_MAX, &mtu) < 0)
                return snprintf(why, size, "cannot read %s", path), why;
        if (w->mtu > 0 && mtu != w->mtu)
                return snprintf(why, size, "MTU %u, expected %u", mtu, w->mtu), why;

        snprintf(path, sizeof path, "/sys/class/net/%s/queues", name);
        d = opendir(path);
        if (!d)
                return snprintf(why, size, "cannot open %s", path), why;
        for (struct dirent *de; (de = readdir(d));)
                if (strncmp(de->d_name, "tx-", 3) == 0)
                        n_tx++;
        closedir(d);
        if (w->channels > 0 && n_tx != w->channels)
                return snprintf(why, size, "%u active tx queues, expected %u", n_tx, w->channels), why;

        for (unsigned q = 0; w->verify_xps && q < n_tx; q++) {
                snprintf(path, sizeof path, "/sys/class/net/%s/queues/tx-%u/xps_cpus", name, q);
                if (read_sysfs(path, buf, sizeof buf) < 0)
                        return snprintf(why, size, "cannot read %s", path), why;
                if (mask_is_empty(buf))
                        return snprintf(why, size, "tx-%u has no XPS mask", q), why;
        }
        return NULL;
}

static void watch_verify(const Watch *w) {
        unsigned n_bad = 0;
        char why[512];

        for (size_t i = 0; i < w->n_links; i++) {
                const WatchLink *l = &w->links[i];
                char name[IF_NAMESIZE];
                const char *bad;

                if (!l->ours)
                        continue;
                /* sysfs is by name: take the current one. */
                if (!if_indextoname((unsigned) i, name))
                        die("link %s (%zu) is gone", l->name, i);
                bad = verify_link(w, name, why, sizeof why);
                if (bad && n_bad++ < 5)
                        fprintf(stderr, "vnt-bench-watch: %s: %s\n", name, bad);
        }
        if (n_bad > 0)
                die("%u of %u links are not in the target state", n_bad, w->n_ours);
}

/* Links named PREFIX* that exist now. */
static void claim_existing(Watch *w) {
        DIR *d = opendir("/sys/class/net");

        if (!d)
                die("cannot list /sys/class/net: %m");
        for (struct dirent *de; (de = readdir(d));) {
                WatchLink *l;

                if (!has_prefix(w, de->d_name))
                        continue;
                l = watch_link(w, (int) if_nametoindex(de->d_name));
                if (!l)
                        continue;
                if (!w->existing && !w->verify_only)
                        die("link %s exists before the storm: clean up first", de->d_name);
                watch_claim(w, l, de->d_name);
        }
        closedir(d);
        if ((w->existing || w->verify_only) && w->n_ours != w->count)
                die("found %u links named %s*, expected %u", w->n_ours, w->prefix, w->count);
}

static void watch_loop(Watch *w) {
        uint64_t deadline = w->t0 + (uint64_t) w->timeout_sec * 1000000ULL;

        while (!watch_complete(w)) {
                struct pollfd p[4];
                nfds_t n = 0;
                uint64_t now = bench_now_usec();
                int r;

                if (now >= deadline) {
                        unsigned n_done = 0;

                        for (size_t i = 0; i < w->n_links; i++)
                                n_done += w->links[i].ours && link_complete(w, &w->links[i]);
                        die("timed out after %u s: %u of %u links seen, %u complete%s", w->timeout_sec, w->n_ours,
                            w->count, n_done, w->child_exited ? "" : ", the command is still running");
                }
                p[n++] = (struct pollfd) { .fd = mnl_socket_get_fd(w->rtnl), .events = POLLIN };
                p[n++] = (struct pollfd) { .fd = mnl_socket_get_fd(w->ethtool), .events = POLLIN };
                if (w->monitor)
                        p[n++] = (struct pollfd) { .fd = udev_monitor_get_fd(w->monitor), .events = POLLIN };
                if (!w->child_exited)
                        p[n++] = (struct pollfd) { .fd = w->child_pidfd, .events = POLLIN };
                r = poll(p, n, (int) MIN((deadline - now) / 1000 + 1, 1000));
                if (r < 0 && errno != EINTR)
                        die("poll: %m");
                /* Drain every monitor each round, whatever woke us: keeps the timestamps fresh. */
                netlink_drain(w, w->rtnl, rtnl_msg_cb, "rtnetlink");
                netlink_drain(w, w->ethtool, ethtool_msg_cb, "ethtool");
                if (w->monitor)
                        udev_drain(w);
                if (!w->child_exited && p[n - 1].revents)
                        child_reap(w);
        }
}

static void print_ms(const char *key, uint64_t t, uint64_t base) {
        if (t == 0)
                printf("%s=n/a\n", key);
        else
                printf("%s=%.3f\n", key, usec_to_ms((int64_t) t - (int64_t) base));
}

static void watch_report(const Watch *w, uint64_t settled) {
        _cleanup_free_ double *after_announce = calloc(w->count + 1, sizeof(double));
        _cleanup_free_ double *after_init = calloc(w->count + 1, sizeof(double));
        uint64_t last_created = 0, last_announced = 0, last_tuned = 0, last_complete = 0;
        size_t n_ann = 0, n_init = 0;
        FILE *rows = NULL;

        if (!after_announce || !after_init)
                die("out of memory");
        if (w->rows_path) {
                rows = fopen(w->rows_path, "we");
                if (!rows)
                        die("cannot write %s: %m", w->rows_path);
                fprintf(rows, "# name\tifindex\tcreated_ms\tannounced_ms\tinitialized_ms\tmtu_ms\tchannels_ms "
                              "(relative to the start of the command)\n");
        }
        for (size_t i = 0; i < w->n_links; i++) {
                const WatchLink *l = &w->links[i];
                uint64_t tuned;

                if (!l->ours)
                        continue;
                tuned = link_tuned_at(w, l);
                last_created = MAX(last_created, l->created);
                last_announced = MAX(last_announced, l->announced);
                last_tuned = MAX(last_tuned, tuned);
                last_complete = MAX(last_complete, MAX(tuned, l->announced));
                if (tuned > 0 && l->announced > 0)
                        after_announce[n_ann++] = usec_to_ms((int64_t) tuned - (int64_t) l->announced);
                if (tuned > 0 && l->initialized > 0)
                        after_init[n_init++] = usec_to_ms((int64_t) tuned - (int64_t) l->initialized);
                if (rows)
                        fprintf(rows, "%s\t%zu\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\n", l->name, i,
                                l->created ? usec_to_ms((int64_t) l->created - (int64_t) w->t0) : -1.0,
                                l->announced ? usec_to_ms((int64_t) l->announced - (int64_t) w->t0) : -1.0,
                                l->initialized ? usec_to_ms((int64_t) l->initialized - (int64_t) w->t0) : -1.0,
                                l->mtu_at ? usec_to_ms((int64_t) l->mtu_at - (int64_t) w->t0) : -1.0,
                                l->channels_at ? usec_to_ms((int64_t) l->channels_at - (int64_t) w->t0) : -1.0);
        }
        if (rows)
                fclose(rows);

        printf("links=%u\n", w->n_ours);
        printf("command_cpu_ms=%.3f\n",
               (double) (w->child_usage.ru_utime.tv_sec + w->child_usage.ru_stime.tv_sec) * 1000.0 +
                       (double) (w->child_usage.ru_utime.tv_usec + w->child_usage.ru_stime.tv_usec) / 1000.0);
        print_ms("created_last_ms", last_created, w->t0);
        print_ms("announced_last_ms", last_announced, w->t0);
        print_ms("tuned_last_ms", last_tuned, w->t0);
        print_ms("total_ms", last_complete, w->t0);
        if (last_tuned > 0 && last_announced > 0)
                printf("last_tuned_after_last_announced_ms=%.3f\n",
                       usec_to_ms((int64_t) last_tuned - (int64_t) last_announced));
        else
                printf("last_tuned_after_last_announced_ms=n/a\n");
        bench_print_distribution("after_announce", after_announce, n_ann);
        bench_print_distribution("after_init", after_init, n_init);
        if (w->settle)
                print_ms("settle_ms", settled, w->t0);
}

static void help(void) {
        printf("Usage: vnt-bench-watch --prefix P --count N [OPTIONS] -- COMMAND [ARG...]\n"
               "       vnt-bench-watch --prefix P --count N --verify-only [--mtu M] [--channels C] [--verify-xps]\n\n"
               "Runs COMMAND (which creates or tunes N links named P*) and waits until every link was\n"
               "announced by udev and reached the targets; then checks sysfs and prints key=value figures\n"
               "(milliseconds, relative to the start of COMMAND). Exits non-zero, saying why, when the\n"
               "measurement could not be made.\n\n"
               "  --mtu M         wait for MTU M (rtnetlink)\n"
               "  --channels C    wait for C tx or combined channels (ethtool monitor)\n"
               "  --verify-xps    require an XPS mask on every active tx queue at the end\n"
               "  --existing      the links exist already (COMMAND tunes them): no udev announcement\n"
               "  --verify-only   no COMMAND: only check the state of existing links\n"
               "  --settle        after completion, run `udevadm settle` and report when it returned\n"
               "  --timeout SEC   give up after SEC seconds (default 120)\n"
               "  --rows FILE     write one row per link\n");
}

int main(int argc, char *argv[]) {
        enum { ARG_PREFIX = 0x100, ARG_COUNT, ARG_MTU, ARG_CHANNELS, ARG_VERIFY_XPS, ARG_EXISTING, ARG_VERIFY_ONLY,
               ARG_SETTLE, ARG_TIMEOUT, ARG_ROWS };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "prefix", required_argument, NULL, ARG_PREFIX },
                { "count", required_argument, NULL, ARG_COUNT },
                { "mtu", required_argument, NULL, ARG_MTU },
                { "channels", required_argument, NULL, ARG_CHANNELS },
                { "verify-xps", no_argument, NULL, ARG_VERIFY_XPS },
                { "existing", no_argument, NULL, ARG_EXISTING },
                { "verify-only", no_argument, NULL, ARG_VERIFY_ONLY },
                { "settle", no_argument, NULL, ARG_SETTLE },
                { "timeout", required_argument, NULL, ARG_TIMEOUT },
                { "rows", required_argument, NULL, ARG_ROWS },
                {},
        };
        Watch w = { .timeout_sec = 120, .child_pidfd = -EBADF };
        uint64_t settled = 0;
        int c;

        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0) {
                unsigned *target = NULL;

                switch (c) {
                case 'h':
                        help();
                        return EXIT_SUCCESS;
                case ARG_PREFIX:
                        w.prefix = optarg;
                        break;
                case ARG_COUNT:
                        target = &w.count;
                        break;
                case ARG_MTU:
                        target = &w.mtu;
                        break;
                case ARG_CHANNELS:
                        target = &w.channels;
                        break;
                case ARG_TIMEOUT:
                        target = &w.timeout_sec;
                        break;
                case ARG_VERIFY_XPS:
                        w.verify_xps = true;
                        break;
                case ARG_EXISTING:
                        w.existing = true;
                        break;
                case ARG_VERIFY_ONLY:
                        w.verify_only = true;
                        break;
                case ARG_SETTLE:
                        w.settle = true;
                        break;
                case ARG_ROWS:
                        w.rows_path = optarg;
                        break;
                default:
                        return 2;
                }
                if (target && bench_parse_uint(optarg, 1000000, target) < 0) {
                        fprintf(stderr, "vnt-bench-watch: invalid number '%s'\n", optarg);
                        return 2;
                }
        }
        if (!w.prefix || w.count == 0 || (!w.verify_only && optind >= argc) || (w.verify_only && optind < argc)) {
                help();
                return 2;
        }
        w.command = argv + optind;

        if (w.verify_only) {
                claim_existing(&w);
                watch_verify(&w);
                printf("links=%u\nverified=yes\n", w.n_ours);
                return EXIT_SUCCESS;
        }

        /* Timestamps are taken on reading: read as soon as something arrives. */
        {
                struct sched_param sp = { .sched_priority = 1 };

                if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp) < 0) {
                        fprintf(stderr, "vnt-bench-watch: warning: cannot run SCHED_FIFO (%m): timestamps may lag "
                                        "behind arrivals on a loaded machine\n");
                        printf("observer=normal\n");
                } else
                        printf("observer=fifo\n");
        }

        /* Every monitor listens before the first link exists. */
        rtnl_open(&w);
        ethtool_open(&w);
        if (!w.existing)
                udev_open(&w);
        claim_existing(&w);

        w.t0 = bench_now_usec();
        w.child = spawn(w.command, true);
        w.child_pidfd = (int) syscall(SYS_pidfd_open, w.child, 0);
        if (w.child_pidfd < 0)
                die("pidfd_open: %m");
        watch_loop(&w);

        if (w.settle) {
                char *settle_argv[] = { (char *) "udevadm", (char *) "settle", (char *) "--timeout=120", NULL };
                int status;
                pid_t pid = spawn(settle_argv, true);

                if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                        die("udevadm settle failed or timed out");
                settled = bench_now_usec();
        }
        watch_verify(&w);
        watch_report(&w, settled);
        printf("verified=yes\n");
        return EXIT_SUCCESS;
}
