/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vnettune-guestd entry point: command line, logging setup, then the manager's event loop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "daemon.h"
#include "guest-manager.h"
#include "log.h"
#include "macro.h"

static const char help[] =
        "Usage: vnettune-guestd [OPTIONS...]\n\n"
        "Tunes virtio-net links of a KVM guest (channels, XPS, MTU, offloads, sysctls)\n"
        "at boot, on hotplug and on CPU hotplug, and keeps the declared policy true.\n\n"
        "  -h --help               Show this help and exit\n"
        "     --version            Show the version and exit\n"
        "     --config-root=DIR    Read policy from DIR/etc/vnettune, DIR/run/vnettune and\n"
        "                          DIR/usr/lib/vnettune instead of the real ones\n"
        "     --state-dir=DIR      Keep recorded originals in DIR (default /run/vnettune/guestd)\n"
        "     --log-target=TARGET  auto, journal or console (default auto)\n"
        "     --log-level=LEVEL    debug, info, notice, warning or err (default info)\n\n"
        "Policy: guestd.conf and *.link files, see vnettune-guestd(8).\n"
        "State and control: busctl tree org.vnettune.Guest1, vnettunectl.\n";

int main(int argc, char *argv[]) {
        DaemonArgs a;
        Manager *m = NULL;
        int r;

        r = daemon_parse_args(argc, argv, "vnettune-guestd", help, false, &a);
        if (r <= 0)
                return r < 0 ? 2 : EXIT_SUCCESS;
        log_setup("vnettune-guestd", a.log_target, a.log_level);

        r = manager_new(a.config_root, a.state_dir, &m);
        if (r < 0) {
                log_error_errno(r, "Cannot allocate the manager: %m");
                return EXIT_FAILURE;
        }
        r = manager_start(m);
        if (r >= 0)
                r = manager_run(m);
        if (r < 0) {
                log_error_errno(r, "Failed: %m");
                sd_notifyf(false, "STATUS=Failed: %s\nERRNO=%d", strerror(-r), -r);
        }
        manager_free(m);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
