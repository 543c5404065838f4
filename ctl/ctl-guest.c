/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* How the guest agent's manager and links look to people, plus pieces the host renderer shares. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctl-daemon.h"
#include "ctl-json.h"
#include "ctl-output.h"

/* In the order the counts are shown. */
static const char *const link_states[] = {
        "tuned", "pending", "degraded", "drifted", "failed", "unmanaged", "reverted",
};

const char *path_basename(const char *path) {
        const char *slash = strrchr(path, '/');

        return slash ? slash + 1 : path;
}

static Color worse(Color a, Color b) {
        static const int rank[_COLOR_MAX] = {
                [COLOR_NONE] = 0, [COLOR_BOLD] = 0, [COLOR_GREEN] = 1, [COLOR_YELLOW] = 2, [COLOR_RED] = 3,
        };
        return rank[b] > rank[a] ? b : a;
}

/* "4 (3 tuned, 1 degraded)", coloured by the worst state present. */
int fields_add_link_states(Fields *f, const json_t *links) {
        _cleanup_free_ char *text = NULL;
        size_t n = json_array_size(links), len = 0;
        FILE *s;
        Color color = COLOR_NONE;
        bool any = false;

        s = open_memstream(&text, &len);
        if (!s)
                return -ENOMEM;
        fprintf(s, "%zu", n);
        for (size_t k = 0; k < ELEMENTSOF(link_states) + 1; k++) {
                const json_t *l;
                size_t i, count = 0;
                bool other = k == ELEMENTSOF(link_states);

                json_array_foreach(links, i, l) {
                        const char *st = json_get_str(l, "State");
                        bool known = false;

                        for (size_t j = 0; j < ELEMENTSOF(link_states); j++)
                                known = known || streq(st, link_states[j]);
                        if (other ? !known : streq(st, link_states[k]))
                                count++;
                }
                if (count == 0)
                        continue;
                fprintf(s, "%s%zu %s", any ? ", " : " (", count, other ? "other" : link_states[k]);
                any = true;
                if (!other)
                        color = worse(color, state_color(link_states[k]));
        }
        if (any)
                fputc(')', s);
        if (fclose(s) != 0)
                return -ENOMEM;
        return fields_add(f, "Links", color, text);
}

/* A list of strings, one per line; none when it is empty. */
int fields_add_lines(Fields *f, const char *key, Color color, const json_t *strings, const char *none) {
        _cleanup_free_ char *text = NULL;
        size_t len = 0, i;
        const json_t *v;
        FILE *s;

        if (json_array_size(strings) == 0)
                return fields_add(f, key, COLOR_NONE, none);
        s = open_memstream(&text, &len);
        if (!s)
                return -ENOMEM;
        json_array_foreach(strings, i, v)
                fprintf(s, "%s%s", i > 0 ? "\n" : "", json_string_value(v) ?: "");
        if (fclose(s) != 0)
                return -ENOMEM;
        return fields_add(f, key, color, text);
}

/* Sysctls a(sss): "KEY = VALUE", and the original when one is recorded. */
int fields_add_sysctls(Fields *f, const json_t *sysctls) {
        _cleanup_free_ char *text = NULL;
        size_t len = 0, i;
        const json_t *v;
        FILE *s;

        if (json_array_size(sysctls) == 0)
                return fields_add(f, "Sysctls", COLOR_NONE, "none");
        s = open_memstream(&text, &len);
        if (!s)
                return -ENOMEM;
        json_array_foreach(sysctls, i, v) {
                const char *orig = json_string_value(json_array_get(v, 2));

                fprintf(s, "%s%s = %s", i > 0 ? "\n" : "", json_string_value(json_array_get(v, 0)) ?: "",
                        json_string_value(json_array_get(v, 1)) ?: "");
                if (!isempty(orig))
                        fprintf(s, " (was %s)", orig);
        }
        if (fclose(s) != 0)
                return -ENOMEM;
        return fields_add(f, "Sysctls", COLOR_NONE, text);
}

/* "9000 bytes (device range 68 to 65535 bytes)", without the range when the maximum is unknown. */
int fields_add_mtu(Fields *f, const json_t *link) {
        int64_t mtu = json_get_int(link, "MTU"), min = json_get_int(link, "MinMTU");
        int64_t max = json_get_int(link, "MaxMTU");

        if (max <= 0)
                return fields_addf(f, "MTU", COLOR_NONE, "%" PRIi64 " bytes", mtu);
        return fields_addf(f, "MTU", COLOR_NONE,
                           "%" PRIi64 " bytes (device range %" PRIi64 " to %" PRIi64 " bytes)",
                           mtu, min, max);
}

int guest_status_fields(Fields *f, const json_t *manager, const json_t *links, const json_t *vms) {
        const json_t *warnings = json_object_get(manager, "ConfigWarnings");
        const json_t *files = json_object_get(manager, "PolicyFiles");
        bool revert = json_get_bool(manager, "RevertOnStop");
        int r;

        r = fields_add(f, "Version", COLOR_NONE, json_get_str(manager, "Version"));
        if (r >= 0)
                r = fields_add_link_states(f, links);
        if (r >= 0)
                r = fields_add(f, "Online CPUs", COLOR_NONE, json_get_str(manager, "OnlineCPUs"));
        if (r >= 0)
                r = fields_add(f, "Drift", COLOR_NONE, json_get_str(manager, "DefaultDrift"));
        if (r >= 0)
                r = fields_add(f, "Revert on stop", COLOR_NONE, revert ? "yes" : "no");
        if (r >= 0)
                r = fields_add_lines(f, "Policy files", COLOR_NONE, files, "none");
        if (r >= 0)
                r = fields_add_sysctls(f, json_object_get(manager, "Sysctls"));
        if (r >= 0)
                r = fields_add_lines(f, "Config warnings", COLOR_YELLOW, warnings, "none");
        return r;
}

int guest_links_table(const json_t *links, Table **ret) {
        _cleanup_(table_freep) Table *t = NULL;
        const json_t *l;
        size_t i;
        int r;

        r = table_new(&t, "IDX", "LINK", "DRIVER", "STATE", "CHANNELS", "MTU", "POLICY", NULL);
        if (r < 0)
                return r;
        table_align_right(t, 0);
        table_align_right(t, 4);
        table_align_right(t, 5);
        json_array_foreach(links, i, l) {
                const char *state = json_get_str(l, "State");
                bool channels = !streq(json_get_str(l, "ChannelKind"), "none");
                int64_t current = json_get_int(l, "Channels"), max = json_get_int(l, "MaxChannels");

                r = table_addf(t, COLOR_NONE, "%" PRIi64, json_get_int(l, "Index"));
                if (r >= 0)
                        r = table_add(t, COLOR_NONE, json_get_str(l, "Name"));
                if (r >= 0)
                        r = table_add(t, COLOR_NONE, json_get_str(l, "Driver"));
                if (r >= 0)
                        r = table_add(t, state_color(state), state);
                if (r >= 0)
                        r = channels ? table_addf(t, COLOR_NONE, "%" PRIi64 "/%" PRIi64, current, max)
                                     : table_add(t, COLOR_NONE, NULL);
                if (r >= 0)
                        r = table_addf(t, COLOR_NONE, "%" PRIi64 " bytes", json_get_int(l, "MTU"));
                if (r >= 0)
                        r = table_add(t, COLOR_NONE, path_basename(json_get_str(l, "Policy")));
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(t);
        return 0;
}

int guest_link_fields(Fields *f, const json_t *link) {
        const char *state = json_get_str(link, "State"), *kind = json_get_str(link, "ChannelKind");
        const char *error = json_get_str(link, "LastError"), *policy = json_get_str(link, "Policy");
        int64_t channels = json_get_int(link, "Channels"), max_channels = json_get_int(link, "MaxChannels");
        const json_t *xps = json_object_get(link, "XPS"), *offloads = json_object_get(link, "Offloads");
        _cleanup_free_ char *xps_text = NULL, *offload_text = NULL;
        char when[64];
        size_t len = 0, i;
        const char *key;
        const json_t *v;
        FILE *s;
        int r;

        s = open_memstream(&xps_text, &len);
        if (!s)
                return -ENOMEM;
        json_array_foreach(xps, i, v)
                fprintf(s, "%stx-%zu: %s", i > 0 ? "\n" : "", i, json_string_value(v) ?: "");
        if (fclose(s) != 0)
                return -ENOMEM;

        s = open_memstream(&offload_text, &len);
        if (!s)
                return -ENOMEM;
        i = 0;
        json_object_foreach((json_t *) offloads, key, v)
                fprintf(s, "%s%s %s", i++ > 0 ? ", " : "", key, json_string_value(v) ?: "");
        if (fclose(s) != 0)
                return -ENOMEM;

        format_usec(json_get_int(link, "LastChangeUSec"), when, sizeof when);

        r = fields_add(f, "State", state_color(state), state);
        if (r >= 0 && !isempty(error))
                r = fields_add(f, "Last error", COLOR_RED, error);
        if (r >= 0)
                r = fields_add(f, "Driver", COLOR_NONE, json_get_str(link, "Driver"));
        if (r >= 0)
                r = fields_add(f, "MAC address", COLOR_NONE, json_get_str(link, "MACAddress"));
        if (r >= 0)
                r = fields_add(f, "Policy", COLOR_NONE, isempty(policy) ? "none" : policy);
        if (r >= 0)
                r = fields_add(f, "Drift", COLOR_NONE, json_get_str(link, "Drift"));
        if (r >= 0 && streq(kind, "none"))
                r = fields_add(f, "Channels", COLOR_NONE, "none (no channel settings)");
        else if (r >= 0)
                r = fields_addf(f, "Channels", COLOR_NONE, "%" PRIi64 " of %" PRIi64 " (%s)", channels,
                                max_channels, streq(kind, "rxtx") ? "rx and tx" : kind);
        if (r >= 0)
                r = fields_addf(f, "TX queues", COLOR_NONE, "%" PRIi64, json_get_int(link, "TxQueues"));
        if (r >= 0)
                r = fields_add(f, "XPS", COLOR_NONE, xps_text);
        if (r >= 0)
                r = fields_add_mtu(f, link);
        if (r >= 0)
                r = fields_add(f, "Offloads", COLOR_NONE, offload_text);
        if (r >= 0)
                r = fields_add(f, "Last change", COLOR_NONE, when);
        return r;
}
