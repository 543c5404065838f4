/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What vnettunectl knows of each daemon: bus names and interfaces, and how its objects are shown. */
#pragma once

#include <jansson.h>

#include "ctl-table.h"
#include "ctl.h"

typedef struct DaemonInfo {
        const char *key;                /* "guest", "host": the JSON key and the --guest/--host option */
        const char *program;            /* "vnettune-guestd" */
        const char *bus_name;
        const char *path;
        const char *manager_iface;
        const char *link_iface;
        const char *vm_iface;           /* NULL when the daemon has no VMs */

        /* The human output. The JSON output is the properties themselves. */
        int (*status_fields)(Fields *f, const json_t *manager, const json_t *links, const json_t *vms);
        int (*links_table)(const json_t *links, Table **ret);
        int (*link_fields)(Fields *f, const json_t *link);
} DaemonInfo;

extern const DaemonInfo daemon_info[_DAEMON_MAX];

/* Renderers, in ctl-guest.c and ctl-host.c. */
int guest_status_fields(Fields *f, const json_t *manager, const json_t *links, const json_t *vms);
int guest_links_table(const json_t *links, Table **ret);
int guest_link_fields(Fields *f, const json_t *link);

int host_status_fields(Fields *f, const json_t *manager, const json_t *links, const json_t *vms);
int host_links_table(const json_t *links, Table **ret);
int host_link_fields(Fields *f, const json_t *link);
int host_vms_table(const json_t *vms, Table **ret);
int host_vm_fields(Fields *f, const json_t *vm);

/* Shared pieces of the renderers (ctl-guest.c). */
int fields_add_link_states(Fields *f, const json_t *links);
int fields_add_lines(Fields *f, const char *key, Color color, const json_t *strings, const char *none);
int fields_add_sysctls(Fields *f, const json_t *sysctls);
int fields_add_mtu(Fields *f, const json_t *link);
const char *path_basename(const char *path);
