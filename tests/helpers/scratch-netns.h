/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Puts the calling test process into a fresh network + mount namespace with its own /sys, so every
 * device it creates dies with it; skips (77) without root or namespaces. */
#pragma once

#include <stddef.h>

/* Unshares CLONE_NEWNET|CLONE_NEWNS, makes mounts private, remounts /sys for the new netns and
 * brings lo up. Exits 77 with a reason when that is not possible. */
void scratch_netns_enter(void);

/* Runs a shell command (ip, ethtool) inside the namespace; returns its exit status, -errno on failure. */
int scratch_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Same, but aborts the test when the command fails. */
void scratch_run_ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Reads the first line of a command's output into buf (without newline). */
int scratch_capture(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
