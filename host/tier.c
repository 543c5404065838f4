/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure decision of the host's performance tier (1A/1B/2/3) from probed facts, with each missing fix. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "macro.h"
#include "tier.h"

static const char *const tier_table[_TIER_MAX] = {
        [TIER_1A] = "1A",
        [TIER_1B] = "1B",
        [TIER_2] = "2",
        [TIER_3] = "3",
};

const char *tier_to_string(Tier t) {
        if (t < 0 || t >= _TIER_MAX)
                return NULL;
        return tier_table[t];
}

/* Appends a formatted sentence to the NULL-terminated *l of *n entries. */
_printf_(3, 4)
static int strv_appendf(char ***l, size_t *n, const char *fmt, ...) {
        char **nl, *s;
        va_list ap;
        int k;

        va_start(ap, fmt);
        k = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;

        nl = realloc(*l, (*n + 2) * sizeof(char *));
        if (!nl) {
                free(s);
                return -ENOMEM;
        }
        nl[(*n)++] = s;
        nl[*n] = NULL;
        *l = nl;
        return 0;
}

/* One sentence per piece between the host and tier 1A, most fundamental first. */
static int list_missing(const TierFacts *f, bool vhost, bool single_queue, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n = 0;
        int r;

        if (!f->kvm_usable) {
                if (!f->kvm_device)
                        r = strv_appendf(&l, &n, "/dev/kvm does not exist, so VMs run under emulation: "
                                         "enable hardware virtualization (VT-x/AMD-V) in the firmware and "
                                         "load kvm_intel or kvm_amd.");
                else
                        r = strv_appendf(&l, &n, "/dev/kvm exists but cannot be used, so VMs run under "
                                         "emulation: check its permissions (root:kvm, mode 0660) and the "
                                         "device cgroup, and that hardware virtualization is enabled in the "
                                         "firmware.");
                if (r < 0)
                        return r;
        } else if (f->n_vms_tcg > 0) {
                /* Without usable KVM every VM runs TCG and the sentence above is the fix; with it,
                 * these VMs were started without acceleration. */
                r = strv_appendf(&l, &n, "%u of %u VMs run their vCPUs under TCG emulation although KVM is "
                                 "usable: restart them with -accel kvm (libvirt: domain type 'kvm').",
                                 f->n_vms_tcg, f->n_vms);
                if (r < 0)
                        return r;
        }

        if (!vhost) {
                if (!f->vhost_module)
                        r = strv_appendf(&l, &n, "vhost-net is not available, so packets cross QEMU's main "
                                         "loop: modprobe vhost_net (shipped in "
                                         "/usr/lib/modules-load.d/vnettune.conf to load it at boot).");
                else
                        r = strv_appendf(&l, &n, "/dev/vhost-net is missing although vhost_net is loaded: "
                                         "mount devtmpfs on /dev or create the node (char 10:238, "
                                         "mode 0660).");
                if (r < 0)
                        return r;
        }

        if (single_queue) {
                r = strv_appendf(&l, &n, "%u of %u VM taps have a single queue: start QEMU with -netdev "
                                 "tap,queues=N,vhost=on and -device virtio-net-pci,mq=on,vectors=2N+2 "
                                 "(N up to the vCPU count).", f->n_taps - f->n_mq_taps, f->n_taps);
                if (r < 0)
                        return r;
        }

        /* An empty list rather than NULL, so that callers can always iterate it. */
        if (!l) {
                l = calloc(1, sizeof(char *));
                if (!l)
                        return -ENOMEM;
        }

        *ret = TAKE_PTR(l);
        return 0;
}

int tier_decide(const TierFacts *f, Tier *ret, char ***ret_missing) {
        bool vhost, all_tcg, single_queue;
        Tier tier;
        int r;

        if (!f || f->n_mq_taps > f->n_taps || f->n_vms_tcg > f->n_vms)
                return -EINVAL;

        /* Usable implies present: a probe that says otherwise is trusted on usability. */
        vhost = f->vhost_device && f->vhost_module;
        all_tcg = f->n_vms > 0 && f->n_vms_tcg == f->n_vms;
        /* With no taps held by VMs nothing is single-queue yet: the tier says what the host can
         * offer, so it is 1A, and a missing piece here would send the operator after a problem that
         * does not exist. Once VMs run with single-queue taps, they are the problem and are named. */
        single_queue = f->n_taps > 0 && f->n_mq_taps < f->n_taps;

        if (!f->kvm_usable || all_tcg)
                tier = TIER_3;
        else if (!vhost)
                tier = TIER_2;
        else if (single_queue)
                tier = TIER_1B;
        else
                tier = TIER_1A;

        if (ret_missing) {
                r = list_missing(f, vhost, single_queue, ret_missing);
                if (r < 0)
                        return r;
        }
        if (ret)
                *ret = tier;
        return 0;
}
