/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* D-Bus glue of vnettune-hostd: org.vnettune.Host1.Manager, .VM and .Link vtables. */
#pragma once

#include "host-manager.h"

int host_bus_setup(Manager *m);
/* Called once the start's tuning is done: requests the name and lets the signals out. */
void host_bus_start(Manager *m);
void host_bus_link_added(Manager *m, HostLink *l);
void host_bus_link_removed(Manager *m, HostLink *l);
void host_bus_link_changed(Manager *m, HostLink *l);
void host_bus_vm_added(Manager *m, Vm *v);
void host_bus_vm_removed(Manager *m, Vm *v);
void host_bus_vm_changed(Manager *m, Vm *v);
/* Tier, hugepages, sysctls or placement mode changed. */
void host_bus_manager_changed(Manager *m);
/* The *_changed calls only note a change; this sends one PropertiesChanged per noted object.
 * The manager calls it at the end of each reconcile. */
void host_bus_flush(Manager *m);
