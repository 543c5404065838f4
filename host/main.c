/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vnettune-hostd entry point: command line, logging setup, then the manager's event loop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "daemon.h"
#include "host-manager.h"
#include "log.h"
#include "macro.h"

static const char help[] =
        "Usage: vnettune-hostd [OPTIONS...]\n\n"
        "Tunes the host side of KVM virtio-net: finds each VM's taps, vCPU threads and\n"
        "vhost workers, places the workers NUMA-aware, keeps tap and bridge MTU and\n"
        "host sysctls as declared, and reports the host's tier.\n\n"
        "  -h --help               Show this help and exit\n"
        "     --version            Show the version and exit\n"
        "     --config-root=DIR    Read policy from DIR/etc/vnettune, DIR/run/vnettune and\n"
        "                          DIR/usr/lib/vnettune instead of the real ones\n"
        "     --state-dir=DIR      Keep recorded originals in DIR (default /run/vnettune/hostd)\n"
        "     --proc-events-netns=PATH\n"
        "                          Open the process events connector in the network\n"
        "                          namespace PATH (it serves only the initial one; tests)\n"
        "     --log-target=TARGET  auto, journal or console (default auto)\n"
        "     --log-level=LEVEL    debug, info, notice, warning or err (default info)\n\n"
        "Policy: hostd.conf and *.link files, see vnettune-hostd(8).\n"
        "State and control: busctl tree org.vnettune.Host1.\n";

int main(int argc, char *argv[]) {
        DaemonArgs a;
        Manager *m = NULL;
        int r;

        r = daemon_parse_args(argc, argv, "vnettune-hostd", help, true, &a);
        if (r <= 0)
                return r < 0 ? 2 : EXIT_SUCCESS;
        log_setup("vnettune-hostd", a.log_target, a.log_level);

        r = manager_new(a.config_root, a.state_dir, &m);
        if (r < 0) {
                log_error_errno(r, "Cannot allocate the manager: %m");
                return EXIT_FAILURE;
        }
        if (a.proc_events_netns && !(m->proc_events_netns = strdup(a.proc_events_netns))) {
                log_oom();
                manager_free(m);
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
