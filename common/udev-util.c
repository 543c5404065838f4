/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libudev monitor and enumeration helpers (see udev-util.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "udev-util.h"

int udev_monitor_open(struct udev *udev, const char *const *subsystems, struct udev_monitor **ret,
                      bool *ret_have_udevd) {
        bool have_udevd = access("/run/udev/control", F_OK) >= 0;
        struct udev_monitor *mon;
        int r = 0;

        mon = udev_monitor_new_from_netlink(udev, have_udevd ? "udev" : "kernel");
        if (!mon)
                return -ENOMEM;
        /* A storm of hotplug events must not overflow it (an overflow costs a full rescan). */
        (void) udev_monitor_set_receive_buffer_size(mon, 16 * 1024 * 1024);
        for (const char *const *s = subsystems; r >= 0 && *s; s++)
                r = udev_monitor_filter_add_match_subsystem_devtype(mon, *s, NULL);
        if (r >= 0)
                r = udev_monitor_enable_receiving(mon);
        if (r < 0) {
                udev_monitor_unref(mon);
                return r;
        }
        *ret = mon;
        *ret_have_udevd = have_udevd;
        return 0;
}

struct udev_device *udev_monitor_next(struct udev_monitor *mon, bool *ret_overflow) {
        struct udev_device *d;

        errno = 0;
        d = udev_monitor_receive_device(mon);
        if (!d && errno == ENOBUFS)
                *ret_overflow = true;
        return d;
}

int udev_enumerate_net(struct udev *udev, udev_device_cb cb, void *userdata) {
        struct udev_enumerate *e;
        struct udev_list_entry *item;
        int r;

        e = udev_enumerate_new(udev);
        if (!e)
                return -ENOMEM;
        r = udev_enumerate_add_match_subsystem(e, "net");
        if (r >= 0)
                r = udev_enumerate_scan_devices(e);
        if (r < 0) {
                udev_enumerate_unref(e);
                return r;
        }
        udev_list_entry_foreach(item, udev_enumerate_get_list_entry(e)) {
                struct udev_device *d = udev_device_new_from_syspath(udev, udev_list_entry_get_name(item));

                if (!d)
                        continue;
                cb(d, userdata);
                udev_device_unref(d);
        }
        udev_enumerate_unref(e);
        return 0;
}

int udev_device_ifindex(struct udev_device *d) {
        const char *s = udev_device_get_property_value(d, "IFINDEX") ?: udev_device_get_sysattr_value(d, "ifindex");
        int v = s ? atoi(s) : 0;

        return v > 0 ? v : 0;
}

int udev_queue_event_ifname(struct udev_device *d, char *ret, size_t size) {
        const char *path = udev_device_get_devpath(d);
        const char *q = path ? strstr(path, "/queues/") : NULL;
        const char *n = q;

        if (!q)
                return -EINVAL;
        while (n > path && n[-1] != '/')
                n--;
        if (n == q || (size_t) (q - n) >= size)
                return -EINVAL;
        snprintf(ret, size, "%.*s", (int) (q - n), n);
        return 0;
}
