/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host's performance tier (reference 001): KVM, vhost-net and multi-queue taps, with reasons. */
#pragma once

#include <stdbool.h>

typedef struct TierFacts {
        bool kvm_device;        /* /dev/kvm exists */
        bool kvm_usable;        /* it opens and KVM_GET_API_VERSION answers 12 */
        bool vhost_device;      /* /dev/vhost-net exists */
        bool vhost_module;      /* vhost_net loaded or built in */
        unsigned n_taps;        /* taps held by VMs */
        unsigned n_mq_taps;     /* of which multi-queue (more than one queue fd or IFF_MULTI_QUEUE) */
        unsigned n_vms;
        unsigned n_vms_tcg;     /* VMs whose vCPUs run under TCG */
} TierFacts;

typedef enum Tier {
        TIER_1A,                /* KVM + vhost-net + multi-queue */
        TIER_1B,                /* KVM + vhost-net */
        TIER_2,                 /* KVM only */
        TIER_3,                 /* emulation */
        _TIER_MAX,
        _TIER_INVALID = -22,
} Tier;

const char *tier_to_string(Tier t);     /* "1A", "1B", "2", "3" */

/* Pure decision: the tier and, in *ret_missing (NULL-terminated strv, caller frees), one
 * sentence per missing piece saying why and what to do ("vhost-net is not available: modprobe
 * vhost_net (shipped in /usr/lib/modules-load.d/vnettune.conf)"). */
int tier_decide(const TierFacts *f, Tier *ret, char ***ret_missing);
