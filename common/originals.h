/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The values a setting had before we first changed it, persisted under /run so a restart still knows. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* One object's recorded originals: ordered "setting" -> "value". */
typedef struct Originals {
        char *path;             /* file it persists to */
        char *identity;         /* what the records belong to (a link's MAC, a process's start time) */
        char **settings;
        char **values;
        size_t n;
} Originals;

/* Loads path if it exists (else empty). -EBADMSG for a file that is not a complete record (a
 * record ends with an end marker, so a truncated file is detected too). */
int originals_load(const char *path, Originals *ret);
/* The same, but a file that cannot be read is moved aside (to PATH.corrupt-TIME, so the values in
 * it are not overwritten by fresh records) and an empty set is returned: 1 and *ret_moved (the new
 * name, caller frees) when that happened, 0 otherwise. Fails only on -ENOMEM. */
int originals_load_or_quarantine(const char *path, Originals *ret, char **ret_moved);
/* Moves the file aside as above and empties the set (keeping its path). */
int originals_quarantine(Originals *o, char **ret_moved);
/* Sets what the records belong to; persisted with them. */
int originals_set_identity(Originals *o, const char *identity);
void originals_done(Originals *o);
const char *originals_get(const Originals *o, const char *setting);
/* Records value for setting unless one is already recorded, then persists atomically
 * (write to a temp file, fsync-free rename: /run is tmpfs). Returns 1 if recorded, 0 if one existed. */
int originals_record(Originals *o, const char *setting, const char *value);
/* The two halves of originals_record() for recording several settings with one write: add in memory
 * (1 if added, 0 if one existed), then save; undo an add that could not be saved with originals_drop(). */
int originals_add(Originals *o, const char *setting, const char *value);
int originals_save(const Originals *o);
void originals_drop(Originals *o, const char *setting);
/* Drops one setting (after a successful revert of it) or all, and persists (removes the file when empty). */
int originals_forget(Originals *o, const char *setting);
int originals_forget_all(Originals *o);

/* Pure serialization: an optional "#identity X" line, "setting=value" lines (\\, \n and \= escaped)
 * and a closing "#end" line. */
int originals_serialize(const Originals *o, char **ret);
int originals_deserialize(const char *text, Originals *o);
