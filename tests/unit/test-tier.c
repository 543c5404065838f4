/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of tier_decide(): the decision table, the missing-piece sentences and bad facts. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "test-util.h"
#include "tier.h"

#define MISSING_MAX 5

typedef struct TierCase {
        const char *name;
        TierFacts facts;
        Tier tier;
        /* One distinctive fragment per expected sentence, in order. */
        const char *missing[MISSING_MAX];
} TierCase;

#define KVM .kvm_device = true, .kvm_usable = true
#define VHOST .vhost_device = true, .vhost_module = true

static const TierCase cases[] = {
        { "everything, multi-queue taps",
          { KVM, VHOST, .n_taps = 3, .n_mq_taps = 3, .n_vms = 2 }, TIER_1A, {} },
        { "everything, no VMs yet: capable of 1A, nothing to fix",
          { KVM, VHOST }, TIER_1A, {} },
        { "VMs without taps (user networking)",
          { KVM, VHOST, .n_vms = 1 }, TIER_1A, {} },
        { "one single-queue tap of three",
          { KVM, VHOST, .n_taps = 3, .n_mq_taps = 2, .n_vms = 2 }, TIER_1B,
          { "1 of 3 VM taps have a single queue: start QEMU with -netdev tap,queues=N,vhost=on and -device "
            "virtio-net-pci,mq=on,vectors=2N+2" } },
        { "only single-queue taps",
          { KVM, VHOST, .n_taps = 2, .n_vms = 2 }, TIER_1B, { "2 of 2 VM taps" } },
        { "vhost_net not loaded, no device",
          { KVM, .n_taps = 1, .n_mq_taps = 1, .n_vms = 1 }, TIER_2,
          { "modprobe vhost_net (shipped in /usr/lib/modules-load.d/vnettune.conf" } },
        { "device node present, module not loaded",
          { KVM, .vhost_device = true, .n_taps = 1, .n_mq_taps = 1, .n_vms = 1 }, TIER_2,
          { "modprobe vhost_net" } },
        { "module loaded, device node missing",
          { KVM, .vhost_module = true, .n_taps = 1, .n_mq_taps = 1, .n_vms = 1 }, TIER_2,
          { "/dev/vhost-net is missing although vhost_net is loaded" } },
        { "no vhost and single-queue taps",
          { KVM, .n_taps = 1, .n_vms = 1 }, TIER_2, { "modprobe vhost_net", "1 of 1 VM taps" } },
        { "no /dev/kvm",
          { VHOST, .n_taps = 1, .n_mq_taps = 1, .n_vms = 1, .n_vms_tcg = 1 }, TIER_3,
          { "/dev/kvm does not exist" } },
        { "no /dev/kvm, no VMs",
          { VHOST }, TIER_3, { "hardware virtualization (VT-x/AMD-V)" } },
        { "/dev/kvm present but unusable",
          { .kvm_device = true, VHOST }, TIER_3,
          { "/dev/kvm exists but cannot be used, so VMs run under emulation: check its permissions" } },
        { "nothing at all",
          { .n_taps = 2, .n_mq_taps = 1, .n_vms = 2, .n_vms_tcg = 2 }, TIER_3,
          { "/dev/kvm does not exist", "modprobe vhost_net", "1 of 2 VM taps" } },
        { "KVM usable but every VM runs TCG",
          { KVM, VHOST, .n_taps = 2, .n_mq_taps = 2, .n_vms = 2, .n_vms_tcg = 2 }, TIER_3,
          { "2 of 2 VMs run their vCPUs under TCG emulation although KVM is usable: restart them with "
            "-accel kvm" } },
        { "KVM usable, one VM of two runs TCG",
          { KVM, VHOST, .n_taps = 2, .n_mq_taps = 2, .n_vms = 2, .n_vms_tcg = 1 }, TIER_1A,
          { "1 of 2 VMs run their vCPUs under TCG" } },
        { "one VM runs TCG, no vhost, single queue",
          { KVM, .n_taps = 2, .n_mq_taps = 0, .n_vms = 2, .n_vms_tcg = 1 }, TIER_2,
          { "1 of 2 VMs", "modprobe vhost_net", "2 of 2 VM taps" } },
        { "usable without the device flag (probe trusted on usability)",
          { .kvm_usable = true, VHOST }, TIER_1A, {} },
};

static size_t strv_length(char **l) {
        size_t n = 0;

        while (l && l[n])
                n++;
        return n;
}

/* A sentence: a reason, a colon, the fix, a final full stop and no other sentence break. */
static void assert_sentence(const char *s) {
        size_t len = strlen(s);

        ASSERT_TRUE(len > 20);
        ASSERT_TRUE(strchr(s, ':'));
        ASSERT_EQ(s[len - 1], '.');
        ASSERT_TRUE(!strstr(s, ". "));
        ASSERT_TRUE(!strchr(s, '\n'));
}

static void test_table(void) {
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const TierCase *c = &cases[i];
                _cleanup_strv_free_ char **missing = NULL;
                size_t n_expected = 0;
                Tier tier = _TIER_INVALID;

                fprintf(stderr, "tier case: %s\n", c->name);
                ASSERT_OK(tier_decide(&c->facts, &tier, &missing));
                ASSERT_EQ(tier, c->tier);
                ASSERT_TRUE(missing);

                while (n_expected < MISSING_MAX && c->missing[n_expected])
                        n_expected++;
                for (size_t k = 0; missing[k]; k++)
                        fprintf(stderr, "  missing: %s\n", missing[k]);
                ASSERT_EQ(strv_length(missing), n_expected);
                for (size_t k = 0; k < n_expected; k++) {
                        ASSERT_TRUE(strstr(missing[k], c->missing[k]));
                        assert_sentence(missing[k]);
                }

                /* The missing list is optional; the tier does not depend on it. */
                tier = _TIER_INVALID;
                ASSERT_OK(tier_decide(&c->facts, &tier, NULL));
                ASSERT_EQ(tier, c->tier);
        }
}

/* Every combination of the facts against the table written the other way round: the conditions
 * each tier needs, checked from the best tier down. */
static void test_exhaustive(void) {
        static const unsigned taps[][2] = { { 0, 0 }, { 2, 2 }, { 2, 1 }, { 2, 0 } };
        static const unsigned vms[][2] = { { 0, 0 }, { 2, 0 }, { 2, 1 }, { 2, 2 } };
        unsigned count[_TIER_MAX] = {};

        for (unsigned bits = 0; bits < 16; bits++)
                for (size_t t = 0; t < ELEMENTSOF(taps); t++)
                        for (size_t v = 0; v < ELEMENTSOF(vms); v++) {
                                TierFacts f = {
                                        .kvm_device = bits & 1,
                                        .kvm_usable = bits & 2,
                                        .vhost_device = bits & 4,
                                        .vhost_module = bits & 8,
                                        .n_taps = taps[t][0],
                                        .n_mq_taps = taps[t][1],
                                        .n_vms = vms[v][0],
                                        .n_vms_tcg = vms[v][1],
                                };
                                _cleanup_strv_free_ char **missing = NULL;
                                bool emulated = !f.kvm_usable || (f.n_vms > 0 && f.n_vms_tcg == f.n_vms);
                                bool vhost = f.vhost_device && f.vhost_module;
                                bool mq = f.n_mq_taps == f.n_taps;
                                Tier expected, tier;
                                size_t pieces;

                                if (!emulated && vhost && mq)
                                        expected = TIER_1A;
                                else if (!emulated && vhost)
                                        expected = TIER_1B;
                                else if (!emulated)
                                        expected = TIER_2;
                                else
                                        expected = TIER_3;

                                pieces = !f.kvm_usable + (f.kvm_usable && f.n_vms_tcg > 0) + !vhost + !mq;

                                ASSERT_OK(tier_decide(&f, &tier, &missing));
                                ASSERT_EQ(tier, expected);
                                ASSERT_EQ(strv_length(missing), pieces);
                                for (size_t k = 0; missing[k]; k++)
                                        assert_sentence(missing[k]);
                                /* Only 1A can come without a missing piece. */
                                if (pieces == 0)
                                        ASSERT_EQ(tier, TIER_1A);
                                count[tier]++;
                        }

        /* Every tier was reached. */
        for (Tier t = 0; t < _TIER_MAX; t++)
                ASSERT_TRUE(count[t] > 0);
}

static void test_invalid(void) {
        static const TierFacts bad[] = {
                { KVM, VHOST, .n_taps = 1, .n_mq_taps = 2, .n_vms = 1 },
                { KVM, VHOST, .n_taps = 1, .n_mq_taps = 1, .n_vms = 1, .n_vms_tcg = 2 },
                { KVM, VHOST, .n_mq_taps = 1 },
                { KVM, VHOST, .n_vms_tcg = 1 },
        };
        char *sentinel[] = { NULL };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char **missing = sentinel;
                Tier tier = TIER_2;

                ASSERT_EQ(tier_decide(&bad[i], &tier, &missing), -EINVAL);
                ASSERT_EQ(tier, TIER_2);                /* untouched */
                ASSERT_TRUE(missing == sentinel);
        }

        {
                char **missing = sentinel;
                Tier tier = TIER_2;

                ASSERT_EQ(tier_decide(NULL, &tier, &missing), -EINVAL);
                ASSERT_EQ(tier, TIER_2);
                ASSERT_TRUE(missing == sentinel);
        }
}

static void test_strings(void) {
        ASSERT_STREQ(tier_to_string(TIER_1A), "1A");
        ASSERT_STREQ(tier_to_string(TIER_1B), "1B");
        ASSERT_STREQ(tier_to_string(TIER_2), "2");
        ASSERT_STREQ(tier_to_string(TIER_3), "3");
        ASSERT_TRUE(tier_to_string(_TIER_MAX) == NULL);
        ASSERT_TRUE(tier_to_string(_TIER_INVALID) == NULL);
}

int main(void) {
        test_table();
        test_exhaustive();
        test_invalid();
        test_strings();
        return 0;
}
