/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz harness: conf_parse_daemon() on arbitrary guestd.conf / hostd.conf text, with both main
 * sections, layered twice (as drop-ins do). */
#include <stdlib.h>

#include "conf-parser.h"
#include "fuzz.h"
#include "link-policy.h"

static void parse_as(const char *text, const char *section) {
        ConfDiagnostics diag = {};
        DaemonConfig c;
        int r;

        daemon_config_init(&c);
        r = conf_parse_daemon("fuzz.conf", text, section, &c, &diag);
        FUZZ_CHECK(r >= 0 || r == -ENOMEM);
        r = conf_parse_daemon("fuzz.conf.d/50-again.conf", text, section, &c, &diag);
        FUZZ_CHECK(r >= 0 || r == -ENOMEM);

        FUZZ_CHECK(c.n_sysctls == 0 || c.sysctls);
        for (size_t i = 0; i < c.n_sysctls; i++) {
                FUZZ_CHECK(c.sysctls[i].key && c.sysctls[i].value);
                /* a key appears once: later lines replace earlier ones */
                for (size_t j = i + 1; j < c.n_sysctls; j++)
                        FUZZ_CHECK(strcmp(c.sysctls[i].key, c.sysctls[j].key) != 0);
        }
        FUZZ_CHECK(drift_mode_to_string(c.drift));
        for (size_t i = 0; i < diag.n; i++)
                FUZZ_CHECK(diag.items[i].file && diag.items[i].message);

        conf_diagnostics_done(&diag);
        daemon_config_done(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *text;

        if (size > FUZZ_MAX_INPUT)
                return 0;
        text = fuzz_strndup(data, size);
        parse_as(text, "Guest");
        parse_as(text, "Host");
        free(text);
        return 0;
}
