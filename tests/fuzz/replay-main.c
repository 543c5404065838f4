/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Stand-alone driver for the fuzz harnesses when libFuzzer is not used: runs LLVMFuzzerTestOneInput
 * once on every file named on the command line (directories are walked one level deep, sorted), so
 * the seed corpus and every crash found so far are replayed by ordinary unit tests under any
 * compiler, sanitizer or valgrind. Exit status 0 when all ran, 1 when an input could not be read. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int read_file(const char *path, uint8_t **ret, size_t *ret_size) {
        uint8_t *buf = NULL;
        size_t size = 0, allocated = 0;
        FILE *f = fopen(path, "re");

        if (!f)
                return -errno;
        for (;;) {
                if (size == allocated) {
                        uint8_t *n;

                        allocated = allocated ? allocated * 2 : 4096;
                        n = realloc(buf, allocated);
                        if (!n) {
                                free(buf);
                                fclose(f);
                                return -ENOMEM;
                        }
                        buf = n;
                }
                size_t k = fread(buf + size, 1, allocated - size, f);
                if (k == 0)
                        break;
                size += k;
        }
        if (ferror(f)) {
                free(buf);
                fclose(f);
                return -EIO;
        }
        fclose(f);
        *ret = buf;
        *ret_size = size;
        return 0;
}

static int run_one(const char *path) {
        uint8_t *data = NULL, *exact;
        size_t size = 0;
        int r;

        r = read_file(path, &data, &size);
        if (r < 0) {
                fprintf(stderr, "cannot read %s: %s\n", path, strerror(-r));
                return r;
        }
        /* Same size as the input, so an overread is caught as it would be under libFuzzer. */
        exact = fuzz_memdup(data, size);
        free(data);
        fprintf(stderr, "replaying %s (%zu bytes)\n", path, size);
        (void) LLVMFuzzerTestOneInput(exact, size);
        free(exact);
        return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b) {
        return strcmp((*a)->d_name, (*b)->d_name);
}

static int skip_dot(const struct dirent *d) {
        return d->d_name[0] != '.';
}

int main(int argc, char *argv[]) {
        unsigned n_inputs = 0;
        int ret = 0;

        for (int i = 1; i < argc; i++) {
                struct dirent **entries;
                struct stat st;
                int n;

                if (stat(argv[i], &st) < 0) {
                        fprintf(stderr, "cannot stat %s: %m\n", argv[i]);
                        ret = 1;
                        continue;
                }
                if (!S_ISDIR(st.st_mode)) {
                        if (run_one(argv[i]) < 0)
                                ret = 1;
                        else
                                n_inputs++;
                        continue;
                }
                n = scandir(argv[i], &entries, skip_dot, by_name);
                if (n < 0) {
                        fprintf(stderr, "cannot list %s: %m\n", argv[i]);
                        ret = 1;
                        continue;
                }
                for (int j = 0; j < n; j++) {
                        char *path;

                        if (asprintf(&path, "%s/%s", argv[i], entries[j]->d_name) < 0)
                                abort();
                        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                                if (run_one(path) < 0)
                                        ret = 1;
                                else
                                        n_inputs++;
                        }
                        free(path);
                        free(entries[j]);
                }
                free(entries);
        }
        printf("%u inputs replayed\n", n_inputs);
        if (n_inputs == 0) {
                fprintf(stderr, "no input found: a replay that runs nothing proves nothing\n");
                return 1;
        }
        return ret;
}
