/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* D-Bus glue of vnettune-guestd: org.vnettune.Guest1.Manager and .Link vtables. */
#pragma once

#include "guest-manager.h"

/* Connects, registers the objects; the name is requested only once the first tuning is done. */
int guest_bus_setup(Manager *m);
/* Requests org.vnettune.Guest1 (after the first tuning, so that its owner has every link tuned). */
int guest_bus_request_name(Manager *m);
void guest_bus_link_added(Manager *m, Link *l);
void guest_bus_link_removed(Manager *m, Link *l);
/* Queues one PropertiesChanged for the link (sent once per object per loop iteration). */
void guest_bus_link_changed(Manager *m, Link *l);
