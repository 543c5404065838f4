/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* D-Bus glue shared by both daemons' *-bus.c: caller identity, the root check, object path ids,
 * and replies carrying plans and findings. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>
#include <systemd/sd-bus.h>

#include "diagnose.h"
#include "plan.h"

/* The effective uid of the sender. */
int bus_caller_uid(sd_bus_message *msg, uint32_t *ret);
/* Mutating methods are root's. The bus policy says so too; this holds on buses that do not load
 * our policy. what: "network tuning" etc. for the message. */
int bus_check_root(sd_bus_message *msg, const char *what, uint32_t *ret_uid, sd_bus_error *error);
/* The positive decimal id at the end of PREFIX/_<id> in its canonical encoding, else 0. */
int32_t bus_path_id(const char *path, const char *prefix);
/* Keeps a daemon on the bus: when the connection is lost (the bus daemon restarted), the old one is
 * dropped and setup() is called again after a delay that doubles from 1 s to 30 s until it works.
 * setup() connects, registers the objects and the name, attaches to the loop and sets *bus. */
typedef struct BusKeeper {
        sd_event *event;
        sd_bus **bus;
        int (*setup)(void *userdata);
        void *userdata;
        const char *name;               /* for the log */
        sd_event_source *timer;
        uint64_t delay_usec;
} BusKeeper;

/* Call after a successful setup (watches for the disconnection) or after a failed one (retries). */
int bus_keeper_start(BusKeeper *k, bool connected);
void bus_keeper_done(BusKeeper *k);

/* Replies a(issss): ifindex, setting, current, desired, why refused. */
int bus_reply_plan(sd_bus_message *msg, const Plan *plan, const int *ifindexes);
/* Replies a(ssssss) with the findings (or an error for error < 0). Does not unref msg. */
int bus_reply_findings(sd_bus_message *msg, int error, const Findings *f);
