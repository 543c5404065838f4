/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Benchmark floor: applies the target state to N existing links with nothing but the required kernel
 * operations (one ethtool CHANNELS_SET and one RTM_SETLINK MTU request per link, each waiting for its
 * acknowledgement, and one write per active transmit queue's xps_cpus): no reads, no logging, no
 * bookkeeping. What any tuner pays in the kernel at least; prints the time and this process's CPU. */
#include <fcntl.h>
#include <getopt.h>
#include <libmnl/libmnl.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench-util.h"
#include "macro.h"

static char buf[65536];
static unsigned seq = 1;

static _printf_(1, 2) _Noreturn void die(const char *fmt, ...) {
        va_list ap;

        fputs("vnt-bench-floor: MEASUREMENT FAILED: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        exit(EXIT_FAILURE);
}

static int family_cb(const struct nlattr *a, void *data) {
        if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
                *(uint16_t *) data = mnl_attr_get_u16(a);
        return MNL_CB_OK;
}

static int family_msg_cb(const struct nlmsghdr *nlh, void *data) {
        mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_cb, data);
        return MNL_CB_OK;
}

/* Sends the request in buf and waits for its acknowledgement; the kernel's answer as -errno. */
static int transact(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data) {
        unsigned portid = mnl_socket_get_portid(nl);
        int r = MNL_CB_OK;
        ssize_t n;

        nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
        nlh->nlmsg_seq = seq++;
        if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
                return -errno;
        while (r > MNL_CB_STOP) {
                n = mnl_socket_recvfrom(nl, buf, sizeof buf);
                if (n < 0)
                        return -errno;
                r = mnl_cb_run(buf, (size_t) n, nlh->nlmsg_seq, portid, cb, data);
        }
        return r < 0 ? -errno : 0;
}

static uint16_t ethtool_family(struct mnl_socket *nl) {
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
        struct genlmsghdr *g;
        uint16_t id = 0;

        nlh->nlmsg_type = GENL_ID_CTRL;
        g = mnl_nlmsg_put_extra_header(nlh, sizeof *g);
        g->cmd = CTRL_CMD_GETFAMILY;
        g->version = 1;
        mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, ETHTOOL_GENL_NAME);
        if (transact(nl, nlh, family_msg_cb, &id) < 0 || id == 0)
                die("no ethtool netlink family");
        return id;
}

static int set_channels(struct mnl_socket *nl, uint16_t family, int ifindex, unsigned n) {
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
        struct genlmsghdr *g;
        struct nlattr *hdr;

        nlh->nlmsg_type = family;
        g = mnl_nlmsg_put_extra_header(nlh, sizeof *g);
        g->cmd = ETHTOOL_MSG_CHANNELS_SET;
        g->version = ETHTOOL_GENL_VERSION;
        hdr = mnl_attr_nest_start(nlh, ETHTOOL_A_CHANNELS_HEADER);
        mnl_attr_put_u32(nlh, ETHTOOL_A_HEADER_DEV_INDEX, (uint32_t) ifindex);
        mnl_attr_nest_end(nlh, hdr);
        mnl_attr_put_u32(nlh, ETHTOOL_A_CHANNELS_RX_COUNT, n);
        mnl_attr_put_u32(nlh, ETHTOOL_A_CHANNELS_TX_COUNT, n);
        return transact(nl, nlh, NULL, NULL);
}

static int set_mtu(struct mnl_socket *nl, int ifindex, unsigned mtu) {
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
        struct ifinfomsg *ifi;

        nlh->nlmsg_type = RTM_SETLINK;
        ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
        ifi->ifi_family = AF_UNSPEC;
        ifi->ifi_index = ifindex;
        mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
        return transact(nl, nlh, NULL, NULL);
}

static int write_xps(const char *name, unsigned q, unsigned cpu) {
        char path[128], mask[16];
        int fd, len;

        snprintf(path, sizeof path, "/sys/class/net/%s/queues/tx-%u/xps_cpus", name, q);
        len = snprintf(mask, sizeof mask, "%x", 1u << cpu);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (write(fd, mask, (size_t) len) != len) {
                int r = -errno;
                close(fd);
                return r;
        }
        close(fd);
        return 0;
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "prefix", required_argument, NULL, 'p' },
                { "count", required_argument, NULL, 'n' },
                { "channels", required_argument, NULL, 'c' },
                { "queues", required_argument, NULL, 'q' },
                { "mtu", required_argument, NULL, 'm' },
                {},
        };
        unsigned count = 0, channels = 0, queues = 0, mtu = 0, ncpu;
        const char *prefix = NULL;
        struct mnl_socket *rtnl, *genl;
        struct rusage ru;
        uint16_t family;
        uint64_t t0, t1;
        int c, r;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
                unsigned *v = c == 'n' ? &count : c == 'c' ? &channels : c == 'q' ? &queues : &mtu;

                if (c == 'p') {
                        prefix = optarg;
                        continue;
                }
                if (c == '?' || bench_parse_uint(optarg, 1000000, v) < 0)
                        return 2;
        }
        if (!prefix || count == 0 || mtu == 0 || (channels == 0 && queues == 0)) {
                fprintf(stderr, "Usage: vnt-bench-floor --prefix P --count N --mtu M (--channels C | --queues Q)\n"
                                "Links P0..P(N-1): C rx/tx channels (then C XPS writes) or Q XPS writes, MTU M.\n");
                return 2;
        }
        ncpu = (unsigned) sysconf(_SC_NPROCESSORS_ONLN);

        rtnl = mnl_socket_open(NETLINK_ROUTE);
        genl = mnl_socket_open(NETLINK_GENERIC);
        if (!rtnl || !genl || mnl_socket_bind(rtnl, 0, MNL_SOCKET_AUTOPID) < 0 ||
            mnl_socket_bind(genl, 0, MNL_SOCKET_AUTOPID) < 0)
                die("cannot open netlink: %m");
        family = ethtool_family(genl);

        t0 = bench_now_usec();
        for (unsigned i = 0; i < count; i++) {
                char name[IF_NAMESIZE];
                unsigned n_xps = channels ?: queues;
                int ifindex;

                snprintf(name, sizeof name, "%s%u", prefix, i);
                ifindex = (int) if_nametoindex(name);
                if (ifindex <= 0)
                        die("no link %s", name);
                if (channels > 0 && (r = set_channels(genl, family, ifindex, channels)) < 0)
                        die("%s: channels: %s", name, strerror(-r));
                for (unsigned q = 0; q < n_xps; q++)
                        if ((r = write_xps(name, q, q % ncpu)) < 0)
                                die("%s: xps tx-%u: %s", name, q, strerror(-r));
                if ((r = set_mtu(rtnl, ifindex, mtu)) < 0)
                        die("%s: mtu: %s", name, strerror(-r));
        }
        t1 = bench_now_usec();
        getrusage(RUSAGE_SELF, &ru);
        printf("total_ms=%.3f\nper_link_ms=%.3f\n", usec_to_ms((int64_t) (t1 - t0)),
               usec_to_ms((int64_t) (t1 - t0)) / count);
        printf("cpu_user_ms=%.3f\ncpu_sys_ms=%.3f\n",
               (double) ru.ru_utime.tv_sec * 1000.0 + (double) ru.ru_utime.tv_usec / 1000.0,
               (double) ru.ru_stime.tv_sec * 1000.0 + (double) ru.ru_stime.tv_usec / 1000.0);
        mnl_socket_close(rtnl);
        mnl_socket_close(genl);
        return EXIT_SUCCESS;
}
