/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reads the CPU topology (possible/online/isolated CPUs, SMT siblings, NUMA nodes) from a sysfs tree. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "topology.h"

/* Bounds what a corrupt tree can make us allocate: the kernel's MAX_NUMNODES is 1024 at most. */
#define TOPOLOGY_NODES_MAX 4096U
/* Generous for any CPU list sysfs prints (a list of 8192 single CPUs is under 40 KiB). */
#define TOPOLOGY_FILE_MAX (1U << 20)

void topology_done(CpuTopology *t) {
        if (!t)
                return;

        cpuset_done(&t->online);
        cpuset_done(&t->isolated);
        if (t->node_cpus)
                for (unsigned n = 0; n < t->n_nodes; n++)
                        cpuset_done(&t->node_cpus[n]);
        free(t->node_cpus);
        free(t->node_of_cpu);
        if (t->siblings)
                for (unsigned i = 0; i < t->n_cpus; i++)
                        cpuset_done(&t->siblings[i]);
        free(t->siblings);
        *t = (CpuTopology) {};
}

static void dirp_close(DIR **d) {
        if (*d)
                closedir(*d);
}

/* The whole of a small text file below dir_fd, NUL-terminated. */
static int read_text(int dir_fd, const char *path, char **ret) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, used = 0;

        fd = openat(dir_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();

        for (;;) {
                ssize_t n;

                if (size - used < 2) {
                        size_t new_size = size ? size * 2 : 4096;
                        char *p;

                        if (new_size > TOPOLOGY_FILE_MAX)
                                return -EFBIG;
                        p = realloc(buf, new_size);
                        if (!p)
                                return -ENOMEM;
                        buf = p;
                        size = new_size;
                }

                n = read(fd, buf + used, size - used - 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                used += (size_t) n;
        }

        buf[used] = 0;
        *ret = TAKE_PTR(buf);
        return 0;
}

/* Drops CPUs >= n_cpus, so that every set of a topology stays within its arrays. */
static void cpuset_clamp(CpuSet *s, unsigned n_cpus) {
        size_t keep = (n_cpus + 31) / 32;

        for (size_t i = keep; i < s->n_words; i++)
                s->words[i] = 0;
        if (n_cpus % 32 != 0 && keep > 0 && keep <= s->n_words)
                s->words[keep - 1] &= (UINT32_C(1) << (n_cpus % 32)) - 1;
}

/* Parses the CPU list in file path (below dir_fd) into *ret (which must be empty), clamped to n_cpus
 * (0: no clamp). * A missing file is the empty set when missing_ok, an error otherwise. */
static int read_list(int dir_fd, const char *path, bool missing_ok, unsigned n_cpus, CpuSet *ret) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = read_text(dir_fd, path, &text);
        if (r == -ENOENT && missing_ok) {
                *ret = CPUSET_NULL;
                return 0;
        }
        if (r < 0)
                return r;

        r = cpuset_parse_list(text, ret);
        if (r < 0)
                return r;
        if (n_cpus > 0)
                cpuset_clamp(ret, n_cpus);
        return 0;
}

/* "node<N>" with N a plain decimal number below TOPOLOGY_NODES_MAX. */
static bool parse_node_name(const char *name, unsigned *ret) {
        unsigned v = 0;
        const char *p;

        if (strncmp(name, "node", 4) != 0 || !name[4])
                return false;
        for (p = name + 4; *p; p++) {
                if (*p < '0' || *p > '9')
                        return false;
                v = v * 10 + (unsigned) (*p - '0');
                if (v >= TOPOLOGY_NODES_MAX)
                        return false;
        }
        *ret = v;
        return true;
}

/* The node count: highest nodeN directory below dir_fd + 1 (0 when there is none). */
static int count_nodes(int dir_fd, unsigned *ret) {
        _cleanup_(dirp_close) DIR *d = NULL;
        unsigned n = 0;
        int fd;

        /* fdopendir() takes the fd over; keep dir_fd for the reads that follow. */
        fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        d = fdopendir(fd);
        if (!d) {
                int k = negative_errno();

                close(fd);
                return k;
        }

        for (;;) {
                struct dirent *de;
                unsigned id;

                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno != 0)
                                return negative_errno();
                        break;
                }
                if (parse_node_name(de->d_name, &id))
                        n = MAX(n, id + 1);
        }

        *ret = n;
        return 0;
}

/* Opens root/sub as a directory; -ENOENT when it is missing. */
static int open_dir(const char *root, const char *sub, int *ret) {
        _cleanup_free_ char *path = NULL;
        char *p;
        int fd;

        /* On failure asprintf() leaves p undefined: adopt it only on success. */
        if (asprintf(&p, "%s/%s", root, sub) < 0)
                return -ENOMEM;
        path = p;
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        *ret = fd;
        return 0;
}

int topology_read(const char *sysroot, CpuTopology *ret) {
        _cleanup_(topology_done) CpuTopology t = {};
        _cleanup_(cpuset_done) CpuSet possible = CPUSET_NULL;
        _cleanup_close_ int cpu_fd = -EBADF, node_fd = -EBADF;
        unsigned n_nodes = 0;
        char path[64];
        int r;

        if (!ret)
                return -EINVAL;
        if (!sysroot)
                sysroot = "";

        r = open_dir(sysroot, "sys/devices/system/cpu", &cpu_fd);
        if (r < 0)
                return r;

        r = read_list(cpu_fd, "possible", false, 0, &possible);
        if (r < 0)
                return r;
        t.n_cpus = cpuset_span(&possible);
        if (t.n_cpus == 0)
                return -EINVAL;

        r = read_list(cpu_fd, "online", false, t.n_cpus, &t.online);
        if (r < 0)
                return r;
        if (cpuset_is_empty(&t.online))
                return -EINVAL;

        /* Older kernels lack the file: nothing is isolated then. */
        r = read_list(cpu_fd, "isolated", true, t.n_cpus, &t.isolated);
        if (r < 0)
                return r;

        /* An offline CPU has no topology directory: it is only its own sibling then. */
        t.siblings = calloc(t.n_cpus, sizeof(CpuSet));
        if (!t.siblings)
                return -ENOMEM;
        for (unsigned i = 0; i < t.n_cpus; i++) {
                snprintf(path, sizeof path, "cpu%u/topology/thread_siblings_list", i);
                r = read_list(cpu_fd, path, true, t.n_cpus, &t.siblings[i]);
                if (r < 0)
                        return r;
                r = cpuset_set(&t.siblings[i], i);
                if (r < 0)
                        return r;
        }

        r = open_dir(sysroot, "sys/devices/system/node", &node_fd);
        if (r >= 0)
                r = count_nodes(node_fd, &n_nodes);
        if (r < 0 && r != -ENOENT)
                return r;

        t.node_of_cpu = malloc(t.n_cpus * sizeof(int));
        if (!t.node_of_cpu)
                return -ENOMEM;
        for (unsigned i = 0; i < t.n_cpus; i++)
                t.node_of_cpu[i] = -1;

        if (n_nodes == 0) {
                /* No NUMA information (no node directory): one node holding every CPU. */
                t.node_cpus = calloc(1, sizeof(CpuSet));
                if (!t.node_cpus)
                        return -ENOMEM;
                t.n_nodes = 1;
                r = cpuset_copy(&possible, &t.node_cpus[0]);
                if (r < 0)
                        return r;
        } else {
                /* Indexed by node id; ids missing from a sparse numbering are empty nodes. */
                t.node_cpus = calloc(n_nodes, sizeof(CpuSet));
                if (!t.node_cpus)
                        return -ENOMEM;
                t.n_nodes = n_nodes;
                for (unsigned n = 0; n < n_nodes; n++) {
                        snprintf(path, sizeof path, "node%u/cpulist", n);
                        r = read_list(node_fd, path, true, t.n_cpus, &t.node_cpus[n]);
                        if (r < 0)
                                return r;
                }
        }

        /* A CPU listed by two nodes (never seen in practice) belongs to the lower one. */
        for (unsigned n = t.n_nodes; n > 0; n--)
                for (unsigned i = 0; i < t.n_cpus; i++)
                        if (cpuset_isset(&t.node_cpus[n - 1], i))
                                t.node_of_cpu[i] = (int) (n - 1);

        /* Offline CPUs drop out of the node lists; with a single node there is no doubt where they are. */
        if (t.n_nodes == 1)
                for (unsigned i = 0; i < t.n_cpus; i++)
                        if (t.node_of_cpu[i] < 0) {
                                r = cpuset_set(&t.node_cpus[0], i);
                                if (r < 0)
                                        return r;
                                t.node_of_cpu[i] = 0;
                        }

        *ret = t;
        t = (CpuTopology) {};
        return 0;
}
