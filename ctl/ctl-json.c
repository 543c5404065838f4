/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Converts sd-bus messages into jansson values generically, so JSON output follows the API as it is. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctl-json.h"

static int read_basic(sd_bus_message *m, char type, json_t **ret) {
        union {
                uint8_t u8;
                int16_t i16;
                uint16_t u16;
                int32_t i32;
                uint32_t u32;
                int64_t i64;
                uint64_t u64;
                int b;
                double d;
                const char *s;
                int fd;
        } v;
        json_t *j;
        int r;

        r = sd_bus_message_read_basic(m, type, &v);
        if (r < 0)
                return r;
        switch (type) {
        case 'y': j = json_integer(v.u8); break;
        case 'n': j = json_integer(v.i16); break;
        case 'q': j = json_integer(v.u16); break;
        case 'i': j = json_integer(v.i32); break;
        case 'u': j = json_integer(v.u32); break;
        case 'x': j = json_integer(v.i64); break;
        case 't': j = json_integer((json_int_t) v.u64); break;
        case 'h': j = json_integer(v.fd); break;
        case 'b': j = json_boolean(v.b); break;
        case 'd': j = json_real(v.d); break;
        case 's':
        case 'o':
        case 'g': j = json_string(v.s); break;
        default: return -EBADMSG;
        }
        if (!j)
                return -ENOMEM;
        *ret = j;
        return 0;
}

/* A dictionary key as text: strings as they are, numbers in decimal. */
static int read_key(sd_bus_message *m, char **ret) {
        _cleanup_(json_decrefp) json_t *k = NULL;
        char type;
        int r;

        r = sd_bus_message_peek_type(m, &type, NULL);
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;
        r = read_basic(m, type, &k);
        if (r < 0)
                return r;
        if (json_is_string(k))
                *ret = strdup(json_string_value(k));
        else if (json_is_integer(k))
                r = asprintf(ret, "%" JSON_INTEGER_FORMAT, json_integer_value(k));
        else
                r = asprintf(ret, "%s", json_is_true(k) ? "true" : "false");
        return r < 0 || !*ret ? -ENOMEM : 0;
}

static int read_container(sd_bus_message *m, char type, const char *contents, json_t **ret) {
        _cleanup_(json_decrefp) json_t *j = NULL;
        bool dict = type == 'a' && contents[0] == '{';
        int r;

        r = sd_bus_message_enter_container(m, type, contents);
        if (r < 0)
                return r;

        if (type == 'v') {
                _cleanup_(json_decrefp) json_t *data = NULL;

                r = json_from_bus_value(m, &data);
                if (r < 0)
                        return r;
                j = json_pack("{s:s, s:O}", "type", contents, "data", data);
                if (!j)
                        return -ENOMEM;
        } else {
                j = dict ? json_object() : json_array();
                if (!j)
                        return -ENOMEM;
                while ((r = sd_bus_message_at_end(m, false)) == 0) {
                        _cleanup_(json_decrefp) json_t *v = NULL;

                        if (dict) {
                                _cleanup_free_ char *key = NULL;
                                char t;
                                const char *c;

                                r = sd_bus_message_peek_type(m, &t, &c);
                                if (r < 0)
                                        return r;
                                r = sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY, c);
                                if (r < 0)
                                        return r;
                                r = read_key(m, &key);
                                if (r < 0)
                                        return r;
                                r = json_from_bus_value(m, &v);
                                if (r < 0)
                                        return r;
                                r = sd_bus_message_exit_container(m);
                                if (r < 0)
                                        return r;
                                if (json_object_set(j, key, v) < 0)
                                        return -ENOMEM;
                        } else {
                                r = json_from_bus_value(m, &v);
                                if (r < 0)
                                        return r;
                                if (json_array_append(j, v) < 0)
                                        return -ENOMEM;
                        }
                }
                if (r < 0)
                        return r;
        }

        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(j);
        return 0;
}

int json_from_bus_value(sd_bus_message *m, json_t **ret) {
        const char *contents;
        char type;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        if (r == 0)
                return -EBADMSG;        /* nothing left to read */
        if (type == SD_BUS_TYPE_ARRAY || type == SD_BUS_TYPE_STRUCT || type == SD_BUS_TYPE_VARIANT)
                return read_container(m, type, contents, ret);
        return read_basic(m, type, ret);
}

int json_from_bus_properties(sd_bus_message *m, json_t **ret) {
        _cleanup_(json_decrefp) json_t *o = NULL;
        int r;

        o = json_object();
        if (!o)
                return -ENOMEM;
        r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY, "sv")) > 0) {
                _cleanup_(json_decrefp) json_t *v = NULL;
                const char *name, *contents;

                r = sd_bus_message_read_basic(m, SD_BUS_TYPE_STRING, &name);
                if (r < 0)
                        return r;
                r = sd_bus_message_peek_type(m, NULL, &contents);
                if (r < 0)
                        return r;
                r = sd_bus_message_enter_container(m, SD_BUS_TYPE_VARIANT, contents);
                if (r < 0)
                        return r;
                r = json_from_bus_value(m, &v);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
                if (json_object_set(o, name, v) < 0)
                        return -ENOMEM;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

const char *json_get_str(const json_t *o, const char *key) {
        const char *s = json_string_value(json_object_get(o, key));

        return s ?: "";
}

int64_t json_get_int(const json_t *o, const char *key) {
        return json_integer_value(json_object_get(o, key));
}

bool json_get_bool(const json_t *o, const char *key) {
        return json_is_true(json_object_get(o, key));
}

int json_put(json_t *o, const char *key, json_t *value) {
        return json_object_set_new(o, key, value) < 0 ? -ENOMEM : 0;
}

int json_push(json_t *array, json_t *value) {
        return json_array_append_new(array, value) < 0 ? -ENOMEM : 0;
}

static const char *sort_key;

static int compare_by_key(const void *a, const void *b) {
        json_int_t x = json_integer_value(json_object_get(*(json_t *const *) a, sort_key));
        json_int_t y = json_integer_value(json_object_get(*(json_t *const *) b, sort_key));

        return x < y ? -1 : x > y;
}

int json_sort_by_int(json_t *array, const char *key) {
        size_t n = json_array_size(array);
        _cleanup_free_ json_t **items = NULL;

        if (n < 2)
                return 0;
        items = calloc(n, sizeof(json_t *));
        if (!items)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                items[i] = json_incref(json_array_get(array, i));
        sort_key = key;
        qsort(items, n, sizeof(json_t *), compare_by_key);
        json_array_clear(array);
        for (size_t i = 0; i < n; i++)
                if (json_array_append_new(array, items[i]) < 0) {
                        for (size_t k = i + 1; k < n; k++)
                                json_decref(items[k]);
                        return -ENOMEM;
                }
        return 0;
}
