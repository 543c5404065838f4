/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The life of a vnettunectl run: from -errno classes to exit statuses, and letting go of the bus. */
#include "ctl.h"

int ctl_exit_status(int r) {
        if (r >= 0)
                return r;
        switch (r) {
        case -EINVAL:
                return CTL_EXIT_USAGE;
        case -EHOSTDOWN:
                return CTL_EXIT_NO_DAEMON;
        case -EACCES:
        case -EPERM:
                return CTL_EXIT_ACCESS;
        case -ENXIO:
                return CTL_EXIT_NO_OBJECT;
        default:
                return CTL_EXIT_FAILURE;
        }
}

void ctl_done(Ctl *ctl) {
        ctl->bus = sd_bus_flush_close_unref(ctl->bus);
}
