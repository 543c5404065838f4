/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /sys access for network devices and CPUs: XPS masks, the online CPU set, the driver name. */
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "macro.h"
#include "sysfs-net.h"

static int read_line_at(int dir_fd, const char *path, char *buf, size_t size) {
        _cleanup_close_ int fd = openat(dir_fd, path, O_RDONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return negative_errno();
        n = read(fd, buf, size - 1);
        if (n < 0)
                return negative_errno();
        buf[n] = 0;
        buf[strcspn(buf, "\n")] = 0;
        return 0;
}

static int read_line(const char *path, char *buf, size_t size) {
        return read_line_at(AT_FDCWD, path, buf, size);
}

static bool ifname_valid(const char *ifname) {
        return !isempty(ifname) && strlen(ifname) < IFNAMSIZ && !strchr(ifname, '/') &&
               !streq(ifname, ".") && !streq(ifname, "..");
}

int sysfs_open_queues(const char *ifname) {
        char path[PATH_MAX];
        int fd;

        if (!ifname_valid(ifname))
                return -EINVAL;
        snprintf(path, sizeof path, "/sys/class/net/%s/queues", ifname);
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? negative_errno() : fd;
}

int sysfs_read_xps(const char *ifname, NetdevSnapshot *snap) {
        char path[64], buf[4096];
        unsigned n_queues = 0;
        CpuSet *masks;
        DIR *d;
        int r = 0;

        if (!ifname_valid(ifname))
                return -EINVAL;
        snprintf(path, sizeof path, "/sys/class/net/%s/queues", ifname);
        d = opendir(path);      /* fewer system calls than open() and fdopendir() */
        if (!d)
                return negative_errno();
        for (struct dirent *de; (de = readdir(d));) {
                unsigned q;
                int end = 0;

                if (sscanf(de->d_name, "tx-%u%n", &q, &end) == 1 && de->d_name[end] == 0 && q + 1 > n_queues)
                        n_queues = q + 1;
        }

        masks = calloc(n_queues ?: 1, sizeof(CpuSet));
        if (!masks) {
                closedir(d);
                return -ENOMEM;
        }
        for (unsigned q = 0; r >= 0 && q < n_queues; q++) {
                snprintf(path, sizeof path, "tx-%u/xps_cpus", q);
                r = read_line_at(dirfd(d), path, buf, sizeof buf);
                if (r >= 0)
                        r = cpuset_parse_mask(buf, &masks[q]);
        }
        closedir(d);
        if (r < 0) {
                for (unsigned i = 0; i < n_queues; i++)
                        cpuset_done(&masks[i]);
                free(masks);
                return r;
        }

        for (unsigned i = 0; i < snap->n_xps; i++)
                cpuset_done(&snap->xps[i]);
        free(snap->xps);
        snap->xps = masks;
        snap->n_xps = n_queues;
        return 0;
}

int sysfs_write_xps_at(int queues_fd, unsigned queue, const CpuSet *mask) {
        _cleanup_free_ char *s = NULL;
        char path[32];
        ssize_t n;
        int r;

        r = cpuset_format_mask(mask, &s);
        if (r < 0)
                return r;
        snprintf(path, sizeof path, "tx-%u/xps_cpus", queue);
        _cleanup_close_ int fd = openat(queues_fd, path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        n = write(fd, s, strlen(s));
        if (n < 0)
                return negative_errno();
        return 0;
}

int sysfs_write_xps(const char *ifname, unsigned queue, const CpuSet *mask) {
        _cleanup_close_ int fd = sysfs_open_queues(ifname);

        if (fd < 0)
                return fd;
        return sysfs_write_xps_at(fd, queue, mask);
}

int sysfs_read_online_cpus(CpuSet *ret) {
        char buf[4096];
        int r;

        r = read_line("/sys/devices/system/cpu/online", buf, sizeof buf);
        if (r < 0)
                return r;
        return cpuset_parse_list(buf, ret);
}

int sysfs_read_driver(const char *ifname, char *ret, size_t size) {
        char path[PATH_MAX], target[PATH_MAX];
        ssize_t n;

        if (!ifname_valid(ifname) || size == 0)
                return -EINVAL;
        snprintf(path, sizeof path, "/sys/class/net/%s/device/driver", ifname);
        n = readlink(path, target, sizeof target - 1);
        if (n > 0) {
                target[n] = 0;
                snprintf(ret, size, "%s", basename(target));
                return 0;
        }

        /* Virtual devices (veth, tun, bridge) have no device link: ask the driver itself. Any socket
         * family takes SIOCETHTOOL; AF_UNIX keeps the units free of AF_INET (RestrictAddressFamilies=). */
        struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
        struct ifreq ifr = { .ifr_data = (void *) &info };
        snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
        _cleanup_close_ int fd = netdev_ioctl_socket();
        if (fd < 0)
                return fd;
        if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
                return negative_errno();
        snprintf(ret, size, "%.*s", (int) sizeof info.driver, info.driver);
        return 0;
}

int netdev_ioctl_socket(void) {
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        return fd < 0 ? negative_errno() : fd;
}

int netdev_index_to_name(int ioctl_fd, int ifindex, char name[static IF_NAMESIZE]) {
        struct ifreq ifr = { .ifr_ifindex = ifindex };

        if (ioctl(ioctl_fd, SIOCGIFNAME, &ifr) < 0)
                return errno == ENODEV || errno == ENXIO ? -ENODEV : negative_errno();
        memcpy(name, ifr.ifr_name, IF_NAMESIZE);
        name[IF_NAMESIZE - 1] = 0;
        return 0;
}
