/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Scratch network namespace for kernel-object tests (see scratch-netns.h). */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scratch-netns.h"
#include "test-util.h"

void scratch_netns_enter(void) {
        if (geteuid() != 0)
                TEST_SKIP("needs root to create a network namespace");
        if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0)
                TEST_SKIP("cannot create network/mount namespace: %s", strerror(errno));
        if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                TEST_SKIP("cannot make mounts private: %s", strerror(errno));
        /* sysfs shows the net devices of the namespace that mounted it: mount a fresh one. */
        (void) umount2("/sys", MNT_DETACH);
        if (mount("sysfs", "/sys", "sysfs", 0, NULL) < 0)
                TEST_SKIP("cannot mount sysfs in the new namespace: %s", strerror(errno));
        if (access("/usr/sbin/ip", X_OK) < 0 && access("/sbin/ip", X_OK) < 0 && access("/bin/ip", X_OK) < 0)
                TEST_SKIP("iproute2 (ip) is not installed");
        scratch_run_ok("ip link set lo up");
}

static int run_va(const char *fmt, va_list ap) {
        char *cmd = NULL;
        int r;

        if (vasprintf(&cmd, fmt, ap) < 0)
                return -ENOMEM;
        r = system(cmd);
        free(cmd);
        if (r < 0)
                return -errno;
        if (!WIFEXITED(r))
                return -EINTR;
        return WEXITSTATUS(r);
}

int scratch_run(const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = run_va(fmt, ap);
        va_end(ap);
        return r;
}

void scratch_run_ok(const char *fmt, ...) {
        va_list ap;
        char buf[1024];
        int r;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        r = scratch_run("%s", buf);
        if (r != 0) {
                fprintf(stderr, "command failed (%d): %s\n", r, buf);
                abort();
        }
}

int scratch_capture(char *buf, size_t size, const char *fmt, ...) {
        char *cmd = NULL;
        va_list ap;
        FILE *f;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&cmd, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        f = popen(cmd, "r");
        free(cmd);
        if (!f)
                return -errno;
        buf[0] = 0;
        if (fgets(buf, (int) size, f))
                buf[strcspn(buf, "\n")] = 0;
        r = pclose(f);
        return WIFEXITED(r) ? WEXITSTATUS(r) : -EINTR;
}
