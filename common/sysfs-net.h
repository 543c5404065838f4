/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Adapter: /sys files of network devices and CPUs (XPS masks, online CPUs, driver name). */
#pragma once

#include <net/if.h>

#include "cpuset.h"
#include "netdev.h"

/* Opens /sys/class/net/IFNAME/queues as a directory: the files below it are then opened relative to
 * it (the path walk through /sys, the costly part of an open there, is done once), and it stays the
 * device's directory if the device is renamed meanwhile. Returns the fd or -errno. */
int sysfs_open_queues(const char *ifname);
/* Reads every tx-N/xps_cpus of the device into snap->xps. */
int sysfs_read_xps(const char *ifname, NetdevSnapshot *snap);
int sysfs_write_xps(const char *ifname, unsigned queue, const CpuSet *mask);
/* The same below a directory from sysfs_open_queues(). */
int sysfs_write_xps_at(int queues_fd, unsigned queue, const CpuSet *mask);
/* A socket for interface ioctls (AF_UNIX: the units allow no AF_INET), and the name of an interface
 * index through it (SIOCGIFNAME; -ENODEV when there is none). */
int netdev_ioctl_socket(void);
int netdev_index_to_name(int ioctl_fd, int ifindex, char name[static IF_NAMESIZE]);
/* /sys/devices/system/cpu/online */
int sysfs_read_online_cpus(CpuSet *ret);
/* Basename of /sys/class/net/NAME/device/driver, or for virtual devices what ethtool reports;
 * callers prefer the udev property ID_NET_DRIVER when they have it. */
int sysfs_read_driver(const char *ifname, char *ret, size_t size);
