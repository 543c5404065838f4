/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Adapter: the libudev monitor and net enumeration both daemons start from. */
#pragma once

#include <libudev.h>
#include <stdbool.h>

/* Opens a monitor for the NULL-terminated subsystems: udevd's processed events when udevd runs
 * (/run/udev/control), the kernel's otherwise (containers without udev). *ret_have_udevd says
 * which; with udevd, only initialised devices should be acted on. */
int udev_monitor_open(struct udev *udev, const char *const *subsystems, struct udev_monitor **ret,
                      bool *ret_have_udevd);

typedef void (*udev_device_cb)(struct udev_device *d, void *userdata);

/* Drains the monitor: cb for every device, overflow() where the kernel dropped events because the
 * socket was full (ENOBUFS: the caller must resync everything), then the rest, which is still good.
 * For an sd-event io callback. */
void udev_monitor_dispatch(struct udev_monitor *mon, udev_device_cb cb, void (*overflow)(void *userdata),
                           void *userdata);

/* Calls cb for every device of the net subsystem present now. */
int udev_enumerate_net(struct udev *udev, udev_device_cb cb, void *userdata);

/* For an event of the "queues" subsystem (a net device's rx-N/tx-N coming or going, as a tap's
 * queues follow its users, or channels change): the device's name. -EINVAL for other paths. */
int udev_queue_event_ifname(struct udev_device *d, char *ret, size_t size);

/* Whether an event of the "cpu" subsystem may have changed the set of online CPUs. */
bool udev_cpu_event_changes_online(const char *action);

/* The ifindex of a net device event: the uevent's IFINDEX (the sysfs attribute is gone on
 * "remove"), else the attribute. 0 if none. */
int udev_device_ifindex(struct udev_device *d);
