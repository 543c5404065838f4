/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz harness: proc_events_parse() on arbitrary datagrams, as the proc connector socket delivers them. */
#include <stdlib.h>

#include "fuzz.h"
#include "proc-events.h"

static void on_event(ProcEventKind kind, pid_t pid, pid_t tid, void *userdata) {
        unsigned *n = userdata;

        FUZZ_CHECK(kind >= PROC_EVENT_KIND_FORK && kind <= PROC_EVENT_KIND_OTHER);
        (*n)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        unsigned n = 0;
        void *buf;
        int r;

        if (size > FUZZ_MAX_INPUT)
                return 0;
        buf = fuzz_memdup(data, size);
        r = proc_events_parse(buf, size, on_event, &n);
        (void) r;
        /* Validation only, with no callback. */
        (void) proc_events_parse(buf, size, NULL, NULL);
        free(buf);
        return 0;
}
