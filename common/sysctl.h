/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Adapter: read and write /proc/sys by dotted key ("net.core.rmem_max"). */
#pragma once

/* -ENOENT if the key does not exist (e.g. not in this network namespace). Value without the
 * trailing newline, tabs folded to single spaces. */
int sysctl_read(const char *key, char **ret);
int sysctl_write(const char *key, const char *value);
/* Pure: compares two values the way the kernel prints them (whitespace-insensitive). */
int sysctl_value_equal(const char *a, const char *b);
