/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libudev monitor and enumeration helpers (see udev-util.h). */
#include <errno.h>
#include <net/if.h>
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

/* The next device, NULL when drained; *ret_overflow when the kernel dropped events (ENOBUFS). */
static struct udev_device *udev_monitor_next(struct udev_monitor *mon, bool *ret_overflow) {
        struct udev_device *d;

        errno = 0;
        d = udev_monitor_receive_device(mon);
        if (!d && errno == ENOBUFS)
                *ret_overflow = true;
        return d;
}

void udev_monitor_dispatch(struct udev_monitor *mon, udev_device_cb cb, void (*overflow)(void *userdata),
                           void *userdata) {
        for (;;) {
                bool lost = false;
                struct udev_device *d = udev_monitor_next(mon, &lost);

                if (!d) {
                        if (!lost)
                                return;
                        overflow(userdata);
                        continue;
                }
                cb(d, userdata);
                udev_device_unref(d);
        }
}

/* By interface index rather than udev_enumerate_scan_devices(): the scan walks /sys path by path and
 * then every device is looked up again from its syspath, about 100 system calls per link; the
 * kernel's list (one netlink dump) and a lookup by device id take half of that. */
int udev_enumerate_net(struct udev *udev, udev_device_cb cb, void *userdata) {
        struct if_nameindex *ni = if_nameindex();

        if (!ni)
                return -errno;
        for (struct if_nameindex *p = ni; p->if_index != 0; p++) {
                char id[16];    /* "n" and a 32-bit index */
                struct udev_device *d;

                snprintf(id, sizeof id, "n%u", p->if_index);
                d = udev_device_new_from_device_id(udev, id);
                if (!d)
                        continue;       /* gone or renamed meanwhile: its uevent follows */
                cb(d, userdata);
                udev_device_unref(d);
        }
        if_freenameindex(ni);
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

bool udev_cpu_event_changes_online(const char *action) {
        return action && (strcmp(action, "online") == 0 || strcmp(action, "offline") == 0 ||
                          strcmp(action, "add") == 0 || strcmp(action, "remove") == 0);
}
