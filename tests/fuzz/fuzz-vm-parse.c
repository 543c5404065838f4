/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz harness: the /proc text parsers of the host (host/vm-parse.c). Every input goes to all of
 * them: as /proc/PID/fdinfo text, as a NUL-separated /proc/PID/cmdline (exactly size bytes, so a
 * read past the end is caught), and as a thread comm; output buffers of the real size and tiny ones. */
#include <stdlib.h>

#include "fuzz.h"
#include "vm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const size_t sizes[] = { IFNAMSIZ, 128, 1, 2 };
        char *text, *cmdline, out[128];
        uint64_t mb;
        pid_t owner;
        bool tcg;
        int vcpu, r;

        if (size > FUZZ_MAX_INPUT)
                return 0;
        text = fuzz_strndup(data, size);
        cmdline = fuzz_memdup(data, size);

        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
                memset(out, 'X', sizeof out);
                r = vm_parse_fdinfo_iff(text, out, sizes[i]);
                if (r >= 0)
                        FUZZ_CHECK(memchr(out, 0, sizes[i]));

                memset(out, 'X', sizeof out);
                r = vm_parse_cmdline_name(cmdline, size, out, sizes[i]);
                if (r >= 0)
                        FUZZ_CHECK(memchr(out, 0, sizes[i]));
        }
        (void) vm_parse_cmdline_memory(cmdline, size, &mb);

        /* A comm is at most 15 characters; the parser must cope with any string all the same. */
        ThreadRole role = vm_parse_thread_comm(text, &vcpu, &owner, &tcg);
        FUZZ_CHECK(role >= 0 && role < _THREAD_ROLE_MAX);
        if (size > 15) {
                char comm[16];

                memcpy(comm, data, 15);
                comm[15] = 0;
                role = vm_parse_thread_comm(comm, &vcpu, &owner, &tcg);
                FUZZ_CHECK(role >= 0 && role < _THREAD_ROLE_MAX);
        }

        free(cmdline);
        free(text);
        return 0;
}
