/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vnettunectl's side of the bus: connecting, finding the daemons, calling them, fetching objects. */
#pragma once

#include <jansson.h>
#include <systemd/sd-bus.h>

#include "ctl-daemon.h"
#include "ctl.h"

/* Connects to the system bus ($DBUS_SYSTEM_BUS_ADDRESS when set) and records which daemons own
 * their names. -EHOSTDOWN (after saying why) when there is no bus. */
int ctl_connect(Ctl *ctl);

/* Calls a method of daemon d without bus activation, waiting up to ctl->call_timeout_usec. On failure
 * error holds the bus error and the return value is classified as for ctl_bus_errno(). */
int ctl_call(Ctl *ctl, DaemonId d, const char *path, const char *iface, const char *member,
             sd_bus_error *error, sd_bus_message **ret_reply, const char *types, ...);

/* Our errno class of a failed call: -EACCES (access denied), -ENXIO (no such link or VM), -EHOSTDOWN (the
 * daemon left the bus), the errno of a local failure, else -EIO. */
int ctl_bus_errno(const sd_bus_error *error, int r);

/* Prints "WHAT: MESSAGE" for a failed call, with a hint for the classes above; returns the class. */
int ctl_log_call_error(DaemonId d, const char *what, const sd_bus_error *error, int r);

/* Manager properties, and the link and VM objects (property objects sorted by Index and Pid; vms is
 * NULL for a daemon without VMs), each in one call. */
int ctl_fetch_manager(Ctl *ctl, DaemonId d, json_t **ret);
int ctl_fetch_objects(Ctl *ctl, DaemonId d, json_t **ret_links, json_t **ret_vms);

/* Says that daemon d is not on the bus (and how to start it when the bus knows it); -EHOSTDOWN. */
int ctl_log_not_running(const Ctl *ctl, DaemonId d);

/* The link among links called name, or with that ifindex when name is a number: NULL if none. */
const json_t *ctl_find_link(const json_t *links, const char *name);
/* The VM among vms called name, or with that pid when name is a number. */
const json_t *ctl_find_vm(const json_t *vms, const char *name);
