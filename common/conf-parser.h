/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* systemd-style INI files with layered directories and drop-ins; diagnostics instead of logging. */
#pragma once

#include <stddef.h>

#include "link-policy.h"

/* One problem found while parsing: "file:line: message". The setting it concerns is ignored. */
typedef struct ConfDiagnostic {
        char *file;
        unsigned line;          /* 0 when not about a line */
        char *message;          /* e.g. "Unknown key 'Foo' in section [Link], ignoring" */
} ConfDiagnostic;

typedef struct ConfDiagnostics {
        ConfDiagnostic *items;
        size_t n;
} ConfDiagnostics;

void conf_diagnostics_done(ConfDiagnostics *d);

/* Pure parsers over file contents. Each applies on top of what *ret already holds (so drop-ins
 * layer by calling again), and appends diagnostics for every unknown section, unknown key and bad
 * value; such a line is skipped and parsing goes on. They fail only on -ENOMEM. */
int conf_parse_daemon(const char *filename, const char *text, const char *main_section,
                      DaemonConfig *c, ConfDiagnostics *diag);
int conf_parse_link(const char *filename, const char *text, LinkPolicy *p, ConfDiagnostics *diag);

/* The layered search path: in order of priority, highest first. With root != NULL each is prefixed
 * by it (tests). */
extern const char *const conf_dirs[];   /* "/etc/vnettune", "/run/vnettune", "/usr/lib/vnettune" */

/* Loads the complete policy: <daemon>.conf (highest-priority copy) plus <daemon>.conf.d/ *.conf
 * drop-ins, and all *.link files with their NAME.link.d/ *.conf drop-ins. daemon is "guestd" or
 * "hostd". Same-name files in a higher-priority directory mask lower ones; an empty file or a
 * symlink to /dev/null masks too. Fails only on -ENOMEM or an unreadable directory other than
 * -ENOENT; unreadable files become diagnostics. */
int conf_load_policy(const char *root, const char *daemon, Policy *ret, ConfDiagnostics *diag);

/* Every key the parsers know, "Section.Key", NULL-terminated: the man page test checks each is documented. */
extern const char *const conf_known_keys[];
