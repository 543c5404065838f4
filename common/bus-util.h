/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* D-Bus glue shared by both daemons' *-bus.c: caller identity, the root check, object path ids,
 * and replies carrying plans and findings. */
#pragma once

#include <stdint.h>
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
/* Replies a(issss): ifindex, setting, current, desired, why refused. */
int bus_reply_plan(sd_bus_message *msg, const Plan *plan, const int *ifindexes);
/* Replies a(ssssss) with the findings (or an error for error < 0). Does not unref msg. */
int bus_reply_findings(sd_bus_message *msg, int error, const Findings *f);
