/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Adapter: /sys files of network devices and CPUs (XPS masks, online CPUs, driver name). */
#pragma once

#include "cpuset.h"
#include "netdev.h"

/* Reads every tx-N/xps_cpus of the device into snap->xps. sysroot is "" or a test prefix. */
int sysfs_read_xps(const char *ifname, NetdevSnapshot *snap);
int sysfs_write_xps(const char *ifname, unsigned queue, const CpuSet *mask);
/* /sys/devices/system/cpu/online */
int sysfs_read_online_cpus(CpuSet *ret);
/* Basename of /sys/class/net/NAME/device/driver, or for virtual devices what ethtool reports;
 * callers prefer the udev property ID_NET_DRIVER when they have it. */
int sysfs_read_driver(const char *ifname, char *ret, size_t size);
