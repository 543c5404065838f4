/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A link under management, as both daemons keep it: snapshot, originals, state, and the steps that
 * make its policy true (apply with drift rules) or undo it (revert). The managers own the events. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "audit.h"
#include "link-policy.h"
#include "netdev.h"
#include "originals.h"
#include "tuner.h"

typedef enum LinkState {
        LINK_STATE_PENDING,     /* seen, waiting for udev or the first reconcile */
        LINK_STATE_TUNED,       /* policy true */
        LINK_STATE_DEGRADED,    /* some settings refused or failed, the rest applied */
        LINK_STATE_DRIFTED,     /* differs from policy and Drift=report|ignore left it */
        LINK_STATE_FAILED,      /* nothing could be applied */
        LINK_STATE_UNMANAGED,   /* no policy matches */
        LINK_STATE_REVERTED,    /* originals restored on request; left alone until Apply or Reload */
        _LINK_STATE_MAX,
        _LINK_STATE_INVALID = -EINVAL,
} LinkState;

const char *link_state_to_string(LinkState s);

typedef struct TunedLink {
        int ifindex;
        NetdevSnapshot snap;
        Originals originals;
        LinkState state;
        Reason reason;                  /* pending reconcile reason, NONE = clean */
        bool suspended;                 /* reverted: no tuning until Apply/Reload */
        char *last_error;
        uint64_t last_change_usec;      /* CLOCK_REALTIME */
        char **reported;                /* settings whose failure/refusal was already logged */
        uint32_t api_uid;               /* caller of the pending API request */
        bool identity_checked;          /* the records were matched against the device's address */
        const char *vm_name;            /* host: the VM holding it, for the journal */
        pid_t vm_pid;
} TunedLink;

/* Loads the originals recorded at originals_path (a broken file is logged and started afresh). */
int tuned_link_init(TunedLink *t, int ifindex, const char *originals_path);
/* The same for a daemon: originals under STATE_DIR/links/IFINDEX, and the link's D-Bus object path
 * BUS_PREFIX/_<ifindex> in *ret_path. */
int tuned_link_setup(TunedLink *t, int ifindex, const char *state_dir, const char *bus_prefix, char **ret_path);
void tuned_link_done(TunedLink *t);

/* Marks a reconcile reason; the stronger one wins. */
void tuned_link_mark(TunedLink *t, Reason reason);
/* Forgets which failures were logged (after a reload or an explicit Apply). */
void tuned_link_reset_reported(TunedLink *t);

/* Reads the snapshot. -ENODEV when the link is gone. */
int tuned_link_refresh(TunedLink *t, TunerKernel *k);

/* Makes settings true on a freshly refreshed link, for the reason pending on it (consumed): with
 * drift (reasons drift and cpu) only under Drift=enforce, else the link is left "drifted". NULL
 * settings: unmanaged. A suspended (reverted) link is left alone unless reason is api or reload.
 * Returns the number of changes made. */
int tuned_link_apply(TunedLink *t, TunerKernel *k, const LinkSettings *settings, DriftMode drift,
                     const CpuSet *online);

/* Restores every recorded original; on success forgets them and suspends the link. Returns the
 * number of settings that could not be restored (their originals are kept for another try);
 * *errors (may be NULL) gets the first reason. */
int tuned_link_revert(TunedLink *t, TunerKernel *k, uint32_t uid, char **errors);

/* True when an ethtool notification (the channel counts of a CHANNELS_NTF or the offload groups of a
 * FEATURES_NTF, whichever is non-NULL) only repeats the snapshot: the echo of our own SET, no drift. */
bool tuned_link_ethtool_ntf_is_echo(const TunedLink *t, const Channels *channels, const OffloadState *offloads);
