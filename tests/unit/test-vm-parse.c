/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of the VM /proc parsers (tun fdinfo, QEMU -name, thread names) on canned and malformed text. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "test-util.h"
#include "vm.h"

/* A file under tests/data/proc, NUL-terminated; *ret_len excludes that terminator. */
static char *read_data(const char *name, size_t *ret_len) {
        char path[4096], *buf;
        size_t used = 0, size = 65536;
        ssize_t n;
        int fd;

        snprintf(path, sizeof path, "%s/proc/%s", TEST_DATA_DIR, name);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                fprintf(stderr, "cannot open %s: %m\n", path);
                abort();
        }
        buf = malloc(size);
        ASSERT_TRUE(buf);
        while ((n = read(fd, buf + used, size - 1 - used)) > 0)
                used += (size_t) n;
        ASSERT_TRUE(n == 0);
        ASSERT_TRUE(used < size - 1);
        close(fd);
        buf[used] = 0;
        *ret_len = used;
        return buf;
}

typedef struct FdinfoCase {
        const char *file;       /* under tests/data/proc, or NULL for text */
        const char *text;
        int ret;
        const char *name;
} FdinfoCase;

static const FdinfoCase fdinfo_cases[] = {
        /* Captured from a real kernel. */
        { .file = "fdinfo-tun", .name = "vnet7" },
        { .file = "fdinfo-tun-unattached", .ret = -ENOENT },
        { .file = "fdinfo-eventfd", .ret = -ENOENT },
        { .file = "fdinfo-file", .ret = -ENOENT },
        /* Edges and malformed text. */
        { .text = "", .ret = -ENOENT },
        { .text = "pos:\t0\nflags:\t02\n", .ret = -ENOENT },
        { .text = "iff:\ttap0", .name = "tap0" },
        { .text = "iff:\ttap0\n", .name = "tap0" },
        { .text = "pos:\t0\niff:  tap0 \t\nino:\t9\n", .name = "tap0" },
        { .text = "pos:\t0\niff:\tfirst\niff:\tsecond\n", .name = "first" },
        { .text = "pos:\t0\niffy:\ttap0\n", .ret = -ENOENT },
        { .text = "pos:\t0\n iff:\ttap0\n", .ret = -ENOENT },
        { .text = "pos:\tiff:\ttap0\n", .ret = -ENOENT },
        { .text = "IFF:\ttap0\n", .ret = -ENOENT },
        { .text = "iff:\n", .ret = -ENOENT },
        { .text = "iff:\t \t\n", .ret = -ENOENT },
        { .text = "iff:\t123456789012345\n", .name = "123456789012345" },
        { .text = "iff:\t1234567890123456\n", .ret = -EINVAL },
        { .text = "iff:\ttap 0\n", .ret = -EINVAL },
        { .text = "iff:\ttap/0\n", .ret = -EINVAL },
};

static void test_fdinfo(void) {
        char buf[IFNAMSIZ];

        for (size_t i = 0; i < ELEMENTSOF(fdinfo_cases); i++) {
                const FdinfoCase *c = &fdinfo_cases[i];
                _cleanup_free_ char *data = NULL;
                const char *text = c->text;
                size_t len;
                int r;

                if (c->file)
                        text = data = read_data(c->file, &len);

                memset(buf, 'x', sizeof buf);
                r = vm_parse_fdinfo_iff(text, buf, sizeof buf);
                if (r != c->ret)
                        fprintf(stderr, "fdinfo case %zu (%s): got %d, want %d\n", i, c->file ?: c->text, r,
                                c->ret);
                ASSERT_EQ(r, c->ret);
                if (c->ret == 0)
                        ASSERT_STREQ(buf, c->name);
                else
                        ASSERT_EQ(buf[0], 'x');         /* untouched on failure */
        }

        /* The buffer size: exactly enough, one short, none. */
        ASSERT_OK(vm_parse_fdinfo_iff("iff:\tvnet7\n", buf, 6));
        ASSERT_STREQ(buf, "vnet7");
        memset(buf, 'x', sizeof buf);
        ASSERT_EQ(vm_parse_fdinfo_iff("iff:\tvnet7\n", buf, 5), -ENOBUFS);
        ASSERT_EQ(buf[0], 'x');
        ASSERT_EQ(vm_parse_fdinfo_iff("iff:\tvnet7\n", buf, 0), -ENOBUFS);
        ASSERT_EQ(buf[0], 'x');

        ASSERT_EQ(vm_parse_fdinfo_iff(NULL, buf, sizeof buf), -EINVAL);
        ASSERT_EQ(vm_parse_fdinfo_iff("iff:\tvnet7\n", NULL, 16), -EINVAL);
}

typedef struct CmdlineCase {
        const char *file;       /* under tests/data/proc, or NULL for bytes/len */
        const char *bytes;
        size_t len;
        int ret;
        const char *name;
} CmdlineCase;

/* A literal with embedded NULs, its length counting the final NUL as /proc/PID/cmdline does. */
#define ARGS(s) .bytes = (s), .len = sizeof(s)

static const CmdlineCase cmdline_cases[] = {
        { .file = "cmdline-libvirt", .name = "vm1" },
        { .file = "cmdline-plain", .name = "plain" },
        { .file = "cmdline-escaped", .name = "web,prod" },
        { .file = "cmdline-noname", .ret = -ENOENT },
        { .file = "cmdline-dangling", .ret = -ENOENT },

        { ARGS("qemu\0-name\0vm1"), .name = "vm1" },
        { ARGS("qemu\0--name\0vm1"), .name = "vm1" },
        { ARGS("-name\0vm1"), .name = "vm1" },
        { ARGS("qemu\0-name\0guest=vm1"), .name = "vm1" },
        { ARGS("qemu\0-name\0debug-threads=on,guest=vm2"), .name = "vm2" },
        { ARGS("qemu\0-name\0process=qemu:vm3,guest=vm3,debug-threads=on"), .name = "vm3" },
        { ARGS("qemu\0-name\0guest=a,,b,,,,c,debug-threads=on"), .name = "a,b,,c" },
        { ARGS("qemu\0-name\0a,,b"), .name = "a,b" },
        { ARGS("qemu\0-name\0,,"), .name = "," },
        { ARGS("qemu\0-name\0vm1,"), .name = "vm1" },
        { ARGS("qemu\0-name\0vm1,debug-threads"), .name = "vm1" },
        { ARGS("qemu\0-name\0vm=1"), .ret = -ENOENT },          /* key "vm", no guest */
        { ARGS("qemu\0-name\0debug-threads=on"), .ret = -ENOENT },
        { ARGS("qemu\0-name\0guest="), .ret = -ENOENT },
        { ARGS("qemu\0-name\0guest=,debug-threads=on"), .ret = -ENOENT },
        { ARGS("qemu\0-name\0"), .ret = -ENOENT },              /* an empty argument */
        { ARGS("qemu\0-name\0first\0-m\0512\0-name\0second"), .name = "second" },
        { ARGS("qemu\0-name\0guest=first\0-name\0debug-threads=on"), .name = "first" },
        { ARGS("qemu\0-name\0vm1\0-name"), .name = "vm1" },     /* dangling: ignored */
        { ARGS("qemu\0-append\0-name x"), .ret = -ENOENT },     /* inside another argument */
        { ARGS("qemu\0-namex\0vm1"), .ret = -ENOENT },
        { ARGS("qemu\0-NAME\0vm1"), .ret = -ENOENT },
        { ARGS("qemu\0-name"), .ret = -ENOENT },
        /* No trailing NUL (as if truncated). */
        { .bytes = "qemu\0-name\0vm1", .len = 14, .name = "vm1" },
        { .bytes = "qemu\0-name\0vm1", .len = 12, .name = "v" },
        { .bytes = "qemu\0-name\0vm1", .len = 11, .ret = -ENOENT },
        { .bytes = "", .len = 0, .ret = -ENOENT },
};

static void test_cmdline(void) {
        char buf[128];

        for (size_t i = 0; i < ELEMENTSOF(cmdline_cases); i++) {
                const CmdlineCase *c = &cmdline_cases[i];
                _cleanup_free_ char *data = NULL;
                const char *bytes = c->bytes;
                size_t len = c->len;
                int r;

                if (c->file)
                        bytes = data = read_data(c->file, &len);

                memset(buf, 'x', sizeof buf);
                r = vm_parse_cmdline_name(bytes, len, buf, sizeof buf);
                if (r != c->ret)
                        fprintf(stderr, "cmdline case %zu (%s): got %d, want %d\n", i,
                                c->file ?: "inline", r, c->ret);
                ASSERT_EQ(r, c->ret);
                if (c->ret == 0)
                        ASSERT_STREQ(buf, c->name);
                else
                        ASSERT_EQ(buf[0], 'x');
        }

        /* Sizes count the decoded name: "web,prod" is 8 bytes plus the NUL. */
        {
                _cleanup_free_ char *data = NULL;
                size_t len;

                data = read_data("cmdline-escaped", &len);
                ASSERT_OK(vm_parse_cmdline_name(data, len, buf, 9));
                ASSERT_STREQ(buf, "web,prod");
                memset(buf, 'x', sizeof buf);
                ASSERT_EQ(vm_parse_cmdline_name(data, len, buf, 8), -ENOBUFS);
                ASSERT_EQ(buf[0], 'x');
                ASSERT_EQ(vm_parse_cmdline_name(data, len, buf, 0), -ENOBUFS);
                ASSERT_EQ(buf[0], 'x');
        }

        ASSERT_EQ(vm_parse_cmdline_name(NULL, 0, buf, sizeof buf), -ENOENT);
        ASSERT_EQ(vm_parse_cmdline_name(NULL, 5, buf, sizeof buf), -EINVAL);
        ASSERT_EQ(vm_parse_cmdline_name("-name\0x", 8, NULL, 16), -EINVAL);
}

typedef struct CommCase {
        const char *comm;
        ThreadRole role;
        int vcpu;
        pid_t owner;
        bool tcg;
} CommCase;

#define EMULATOR(s) { s, THREAD_EMULATOR, -1, 0, false }

static const CommCase comm_cases[] = {
        { "CPU 3/KVM", THREAD_VCPU, 3, 0, false },
        { "CPU 0/KVM", THREAD_VCPU, 0, 0, false },
        { "CPU 0/TCG", THREAD_VCPU, 0, 0, true },
        { "CPU 127/TCG", THREAD_VCPU, 127, 0, true },
        { "CPU 4095/KVM", THREAD_VCPU, 4095, 0, false },
        { "vhost-1234", THREAD_VHOST, -1, 1234, false },
        { "vhost-1", THREAD_VHOST, -1, 1, false },
        { "vhost-4194304", THREAD_VHOST, -1, 4194304, false },
        EMULATOR("qemu-system-x86"),
        EMULATOR("IO mon_iothread"),
        EMULATOR("SPICE Worker"),
        EMULATOR("worker"),
        EMULATOR("kvm-nx-lpage-re"),
        EMULATOR(""),
        EMULATOR("CPU"),
        EMULATOR("CPU 3"),
        EMULATOR("CPU 3/"),
        EMULATOR("CPU /KVM"),
        EMULATOR("CPU -1/KVM"),
        EMULATOR("CPU +1/KVM"),
        EMULATOR("CPU 3/kvm"),
        EMULATOR("CPU 3/KVM "),
        EMULATOR("CPU 3/KVMX"),
        EMULATOR("CPU 3/HVF"),
        EMULATOR("CPU 3/KVM/1"),
        EMULATOR("CPU  3/KVM"),
        EMULATOR("cpu 3/KVM"),
        EMULATOR("CPU 99999999999"),
        EMULATOR("CPU 9999999999/K"),
        EMULATOR("vhost-"),
        EMULATOR("vhost-0"),
        EMULATOR("vhost--1"),
        EMULATOR("vhost-12a"),
        EMULATOR("vhost-1234 "),
        EMULATOR("vhost-99999999999"),
        EMULATOR("vhost"),
        EMULATOR("vhostx-1234"),
};

static void test_comm(void) {
        for (size_t i = 0; i < ELEMENTSOF(comm_cases); i++) {
                const CommCase *c = &comm_cases[i];
                pid_t owner = 777;
                bool tcg = !c->tcg;
                int vcpu = 777;
                ThreadRole role;

                role = vm_parse_thread_comm(c->comm, &vcpu, &owner, &tcg);
                if (role != c->role)
                        fprintf(stderr, "comm case \"%s\": got role %d, want %d\n", c->comm, role, c->role);
                ASSERT_EQ(role, c->role);
                ASSERT_EQ(vcpu, c->vcpu);
                ASSERT_EQ(owner, c->owner);
                ASSERT_EQ(tcg, c->tcg);

                /* The same answer without out parameters. */
                ASSERT_EQ(vm_parse_thread_comm(c->comm, NULL, NULL, NULL), c->role);
        }

        {
                int vcpu = 777;

                ASSERT_EQ(vm_parse_thread_comm(NULL, &vcpu, NULL, NULL), _THREAD_ROLE_INVALID);
                ASSERT_EQ(vcpu, 777);
        }
}

static void test_snapshot(void) {
        VmSnapshot v = { .pid = 42 };
        static const struct {
                const char *comm;
                ThreadRole role;
        } threads[] = {
                { "qemu-system-x86", THREAD_EMULATOR },
                { "CPU 0/KVM", THREAD_VCPU },
                { "CPU 1/KVM", THREAD_VCPU },
                { "IO mon_iothread", THREAD_EMULATOR },
                { "vhost-42", THREAD_VHOST },
                { "CPU 2/KVM", THREAD_VCPU },
        };

        ASSERT_EQ(vm_count_role(NULL, THREAD_VCPU), 0);
        ASSERT_EQ(vm_count_role(&v, THREAD_VCPU), 0);

        v.threads = calloc(ELEMENTSOF(threads), sizeof(VmThread));
        ASSERT_TRUE(v.threads);
        v.n_threads = ELEMENTSOF(threads);
        for (size_t i = 0; i < ELEMENTSOF(threads); i++) {
                VmThread *t = &v.threads[i];

                t->tid = 42 + (pid_t) i;
                snprintf(t->comm, sizeof t->comm, "%s", threads[i].comm);
                t->role = vm_parse_thread_comm(t->comm, &t->vcpu, NULL, NULL);
                ASSERT_EQ(t->role, threads[i].role);
                ASSERT_OK(cpuset_set(&t->affinity, (unsigned) i));
        }
        v.taps = calloc(2, sizeof(VmTap));
        ASSERT_TRUE(v.taps);
        v.n_taps = 2;

        ASSERT_EQ(vm_count_role(&v, THREAD_VCPU), 3);
        ASSERT_EQ(vm_count_role(&v, THREAD_VHOST), 1);
        ASSERT_EQ(vm_count_role(&v, THREAD_EMULATOR), 2);
        ASSERT_EQ(vm_count_role(&v, _THREAD_ROLE_INVALID), 0);

        vm_snapshot_done(&v);
        ASSERT_TRUE(v.threads == NULL);
        ASSERT_TRUE(v.taps == NULL);
        ASSERT_EQ(v.n_threads, 0);
        ASSERT_EQ(v.n_taps, 0);
        ASSERT_EQ(v.pid, 0);
        vm_snapshot_done(&v);           /* twice is harmless */
        vm_snapshot_done(NULL);
}

static void test_memory(void) {
        static const struct {
                const char *args;       /* spaces become NULs */
                int r;
                uint64_t mb;
        } t[] = {
                { "qemu -m 4096 -smp 4", 0, 4096 },
                { "qemu -m 4G", 0, 4096 },
                { "qemu -m 2048M", 0, 2048 },
                { "qemu -m size=8G,slots=2,maxmem=16G", 0, 8192 },
                { "qemu -m 1024,slots=4,maxmem=8G", 0, 1024 },
                { "qemu -m 1048576k", 0, 1024 },
                { "qemu -m 1T", 0, 1048576 },
                { "qemu -m 512 -m 1G", 0, 1024 },       /* the last one wins */
                { "qemu -smp 4", -ENOENT, 0 },
                { "qemu -m", -ENOENT, 0 },
                { "qemu -m lots", -ENOENT, 0 },
                { "qemu -m 4X", -ENOENT, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                char buf[128];
                size_t n = strlen(t[i].args) + 1;
                uint64_t mb = 7;

                memcpy(buf, t[i].args, n);
                for (size_t k = 0; k < n; k++)
                        if (buf[k] == ' ')
                                buf[k] = 0;
                ASSERT_EQ(vm_parse_cmdline_memory(buf, n, &mb), t[i].r);
                ASSERT_EQ(mb, t[i].r == 0 ? t[i].mb : 7);   /* untouched on failure */
        }
        ASSERT_EQ(vm_parse_cmdline_memory(NULL, 0, NULL), -EINVAL);
}

int main(void) {
        test_memory();
        test_fdinfo();
        test_cmdline();
        test_comm();
        test_snapshot();
        return 0;
}
