/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* D-Bus values as jansson JSON, and typed reads of property objects for the human output. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "macro.h"

/* jansson itself provides json_decrefp() for _cleanup_(). */

/* Reads the next complete value of m. Numbers become integers (doubles reals), booleans booleans,
 * strings, object paths and signatures strings, arrays arrays, dictionaries objects (keys as text),
 * structs arrays of their fields in signature order, variants {"type": SIGNATURE, "data": VALUE}:
 * the data of `busctl --json=short`. */
int json_from_bus_value(sd_bus_message *m, json_t **ret);

/* Reads an a{sv} property dictionary into an object, each variant replaced by its value. */
int json_from_bus_properties(sd_bus_message *m, json_t **ret);

/* Typed lookups in an object: "" / 0 / false when the key is missing or of another type. */
const char *json_get_str(const json_t *o, const char *key);
int64_t json_get_int(const json_t *o, const char *key);
bool json_get_bool(const json_t *o, const char *key);

/* Store a new reference (NULL from a failed constructor included): -ENOMEM on failure. */
int json_put(json_t *o, const char *key, json_t *value);
int json_push(json_t *array, json_t *value);

/* Sorts an array of objects in place by the integer member key, ascending. */
int json_sort_by_int(json_t *array, const char *key);
