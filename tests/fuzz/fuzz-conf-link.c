/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz harness: conf_parse_link() on arbitrary *.link text, parsed twice on the same policy (as a
 * drop-in layers on its main file), then the parsed [Match] globs run against a few devices. */
#include <stdlib.h>

#include "conf-parser.h"
#include "fuzz.h"
#include "link-policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        ConfDiagnostics diag = {};
        LinkPolicy *p;
        char *text;
        int r;

        if (size > FUZZ_MAX_INPUT)
                return 0;
        text = fuzz_strndup(data, size);
        p = calloc(1, sizeof *p);
        if (!p)
                abort();
        link_settings_init(&p->settings);

        r = conf_parse_link("fuzz.link", text, p, &diag);
        FUZZ_CHECK(r >= 0 || r == -ENOMEM);
        r = conf_parse_link("fuzz.link.d/10-again.conf", text, p, &diag);
        FUZZ_CHECK(r >= 0 || r == -ENOMEM);

        for (size_t i = 0; i < diag.n; i++)
                FUZZ_CHECK(diag.items[i].file && diag.items[i].message);
        FUZZ_CHECK(p->settings.n_xps == 0 || p->settings.xps);

        (void) link_policy_matches(p, "eth0", "virtio_net", "52:54:00:12:34:56");
        (void) link_policy_matches(p, "", "", "");
        (void) link_policy_matches(p, "tap-with-a-long-nm", "tun", "");

        conf_diagnostics_done(&diag);
        link_policy_free(p);
        free(text);
        return 0;
}
