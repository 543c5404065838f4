/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The commands of vnettunectl: one table row each, so that a new command is a row and a function. */
#pragma once

#include <stddef.h>

#include "ctl.h"

typedef enum VerbFlags {
        VERB_DEFAULT = 1 << 0,  /* runs when no command is given */
        VERB_READ = 1 << 1,     /* changes nothing: any user, --json, the pager */
        VERB_ROOT = 1 << 2,     /* changes tuning: root only, one daemon */
} VerbFlags;

typedef struct Verb {
        const char *name;
        const char *args;       /* argument synopsis for --help, "" for none */
        const char *help;       /* one line for --help */
        unsigned min_args;
        unsigned max_args;
        VerbFlags flags;
        unsigned daemons;       /* DAEMON_MASK()s of the daemons it applies to */
        int (*run)(Ctl *ctl, char **args, size_t n_args);
} Verb;

extern const Verb verbs[];
extern const size_t n_verbs;

/* The verb called name; NULL for the default verb. */
const Verb *verb_find(const char *name);

/* Checks the arguments, the options and the caller against the verb, connects and runs it. */
int verb_run(Ctl *ctl, const Verb *verb, char **args, size_t n_args);
