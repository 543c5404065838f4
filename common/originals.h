/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The values a setting had before we first changed it, persisted under /run so a restart still knows. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* One object's recorded originals: ordered "setting" -> "value". */
typedef struct Originals {
        char *path;             /* file it persists to */
        char **settings;
        char **values;
        size_t n;
} Originals;

/* Loads path if it exists (else empty). */
int originals_load(const char *path, Originals *ret);
void originals_done(Originals *o);
const char *originals_get(const Originals *o, const char *setting);
/* Records value for setting unless one is already recorded, then persists atomically
 * (write to a temp file, fsync-free rename: /run is tmpfs). Returns 1 if recorded, 0 if one existed. */
int originals_record(Originals *o, const char *setting, const char *value);
/* Drops one setting (after a successful revert of it) or all, and persists (removes the file when empty). */
int originals_forget(Originals *o, const char *setting);
int originals_forget_all(Originals *o);

/* Pure serialization: "setting=value\n" lines, values escaped (\\, \n). */
int originals_serialize(const Originals *o, char **ret);
int originals_deserialize(const char *text, Originals *o);
