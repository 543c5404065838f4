/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Adapter reading VM processes out of /proc (tun fds, threads, names) and setting their threads' CPU affinity. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/kvm.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "procfs-vm.h"

#define PROC_ROOT_DEFAULT "/proc"

/* fdinfo, comm and stat are short; the tun "iff:" line follows four generic lines. */
#define SMALL_FILE_MAX 4096U
/* QEMU command lines run to a few KiB under libvirt; anything beyond this is not a VMM we understand. */
#define CMDLINE_MAX (1U << 20)
/* Bounds the affinity mask we are willing to grow to (matches common/cpuset.c's limit). */
#define AFFINITY_CPUS_MAX (1U << 16)

/* From the kernel's include/linux/sched.h: the task is a kernel thread (field 9 of /proc/PID/stat). */
#define PF_KTHREAD_FLAG 0x00200000U

static inline void closedirp(DIR **d) {
        if (*d)
                (void) closedir(*d);
}
#define _cleanup_closedir_ _cleanup_(closedirp)

static inline void cpu_set_freep(cpu_set_t **p) {
        if (*p)
                CPU_FREE(*p);
}

/* Our own shortage (memory, fds), as opposed to something about the process we looked at. */
static bool is_resource_error(int r) {
        return r == -ENOMEM || r == -EMFILE || r == -ENFILE;
}

static const char *proc_root(const char *procroot) {
        return procroot ?: PROC_ROOT_DEFAULT;
}

static bool endswith(const char *s, const char *suffix) {
        size_t n = strlen(s), m = strlen(suffix);

        return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* A /proc directory entry naming a number: decimal digits only, no leading zero, fits an int. */
static bool parse_number(const char *s, int *ret) {
        long v = 0;

        if (s[0] < '0' || s[0] > '9' || (s[0] == '0' && s[1] != 0))
                return false;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return false;
                v = v * 10 + (*p - '0');
                if (v > INT_MAX)
                        return false;
        }
        *ret = (int) v;
        return true;
}

static bool parse_pid(const char *s, pid_t *ret) {
        int v;

        if (!parse_number(s, &v) || v <= 0)
                return false;
        *ret = (pid_t) v;
        return true;
}

/* Opens procroot/PID as a directory; -ESRCH when the process does not exist (any more). */
static int open_pid_dir(int rootfd, pid_t pid) {
        char name[16];
        int fd;

        snprintf(name, sizeof(name), "%d", (int) pid);
        fd = openat(rootfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? -ESRCH : negative_errno();
        return fd;
}

static int open_root(const char *procroot) {
        int fd = open(proc_root(procroot), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        return fd < 0 ? negative_errno() : fd;
}

/* Reads at most size - 1 bytes of dir_fd/path into buf, NUL-terminated; returns the length. */
static int read_small_at(int dir_fd, const char *path, char *buf, size_t size) {
        _cleanup_close_ int fd = -EBADF;
        size_t n = 0;

        fd = openat(dir_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();

        while (n < size - 1) {
                ssize_t k = read(fd, buf + n, size - 1 - n);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (k == 0)
                        break;
                n += (size_t) k;
        }
        buf[n] = 0;
        return (int) n;
}

/* Reads all of dir_fd/path (up to max bytes) into a new buffer; *ret_len excludes the NUL added after it. */
static int read_all_at(int dir_fd, const char *path, size_t max, char **ret, size_t *ret_len) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t n = 0, allocated = 0;

        fd = openat(dir_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();

        for (;;) {
                ssize_t k;

                if (n + 1 >= allocated) {
                        size_t m = allocated ? allocated * 2 : 4096;
                        char *p;

                        if (allocated >= max + 1)
                                return -EFBIG;
                        m = MIN(m, max + 1);
                        p = realloc(buf, m);
                        if (!p)
                                return -ENOMEM;
                        buf = p;
                        allocated = m;
                }

                k = read(fd, buf + n, allocated - 1 - n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (k == 0)
                        break;
                n += (size_t) k;
        }

        buf[n] = 0;
        *ret = TAKE_PTR(buf);
        *ret_len = n;
        return 0;
}

/* A comm file's content without the trailing newline. */
static int read_comm_at(int dir_fd, const char *path, char *buf, size_t size) {
        int r;

        r = read_small_at(dir_fd, path, buf, size);
        if (r < 0)
                return r;
        buf[strcspn(buf, "\n")] = 0;
        return 0;
}

/* Called with the tap name of each tun fd; a non-zero return stops the walk and is passed on. */
typedef int (*tun_fd_cb)(const char *tap, void *userdata);

/* Walks the fds of the process at piddir: tun fds (a link ending in "net/tun" whose fdinfo has a
 * non-empty "iff:") go to cb; *ret_vhost_net tells whether one of them is /dev/vhost-net. Fds closed
 * meanwhile are skipped. -ESRCH when the process is gone, -EACCES/-EPERM when we may not look. */
static int for_each_tun_fd(int piddir, tun_fd_cb cb, void *userdata, bool *ret_vhost_net) {
        _cleanup_closedir_ DIR *d = NULL;
        bool vhost_net = false;
        int fd;

        fd = openat(piddir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? -ESRCH : negative_errno();
        d = fdopendir(fd);
        if (!d) {
                int r = negative_errno();

                close(fd);
                return r;
        }

        for (;;) {
                char link[PATH_MAX], path[64], info[SMALL_FILE_MAX], tap[IFNAMSIZ];
                struct dirent *de;
                ssize_t n;
                int num, r;

                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno == ENOENT || errno == ESRCH)
                                return -ESRCH;
                        if (errno != 0)
                                return negative_errno();
                        break;
                }
                if (!parse_number(de->d_name, &num))
                        continue;

                n = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
                if (n < 0)
                        continue;       /* closed meanwhile */
                link[n] = 0;

                if (endswith(link, "/vhost-net")) {
                        vhost_net = true;
                        continue;
                }
                if (!endswith(link, "net/tun"))
                        continue;

                snprintf(path, sizeof(path), "fdinfo/%d", num);
                r = read_small_at(piddir, path, info, sizeof(info));
                if (is_resource_error(r))
                        return r;
                if (r < 0)
                        continue;       /* closed meanwhile */
                if (vm_parse_fdinfo_iff(info, tap, sizeof(tap)) < 0)
                        continue;       /* not attached to a device (yet) */

                r = cb(tap, userdata);
                if (r != 0)
                        return r;
        }

        if (ret_vhost_net)
                *ret_vhost_net = vhost_net;
        return 0;
}

static int stop_at_first_tap(const char *tap, void *userdata) {
        return 1;
}

static int stop_at_tap(const char *tap, void *userdata) {
        return streq(tap, userdata);
}

static int cmp_pid(const void *a, const void *b) {
        pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;

        return (x > y) - (x < y);
}

int procfs_find_tap_holders(const char *procroot, pid_t **ret, size_t *ret_n) {
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0, allocated = 0;
        int rootfd;

        if (!ret || !ret_n)
                return -EINVAL;

        rootfd = open_root(procroot);
        if (rootfd < 0)
                return rootfd;
        d = fdopendir(rootfd);
        if (!d) {
                int r = negative_errno();

                close(rootfd);
                return r;
        }

        for (;;) {
                _cleanup_close_ int piddir = -EBADF;
                struct dirent *de;
                pid_t pid;
                int r;

                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno != 0)
                                return negative_errno();
                        break;
                }
                if (!parse_pid(de->d_name, &pid))
                        continue;

                piddir = open_pid_dir(dirfd(d), pid);
                if (is_resource_error(piddir))
                        return piddir;
                if (piddir < 0)
                        continue;       /* vanished or hidden: not our business */

                r = for_each_tun_fd(piddir, stop_at_first_tap, NULL, NULL);
                if (is_resource_error(r))
                        return r;
                if (r <= 0)
                        continue;       /* no tap, gone, access denied, or unreadable */

                if (n >= allocated) {
                        size_t m = allocated ? allocated * 2 : 16;
                        pid_t *p = reallocarray(pids, m, sizeof(pid_t));

                        if (!p)
                                return -ENOMEM;
                        pids = p;
                        allocated = m;
                }
                pids[n++] = pid;
        }

        if (n > 1)
                qsort(pids, n, sizeof(pid_t), cmp_pid);

        *ret = TAKE_PTR(pids);
        *ret_n = n;
        return 0;
}

int procfs_holds_tap(const char *procroot, pid_t pid, const char *tap) {
        _cleanup_close_ int rootfd = -EBADF, piddir = -EBADF;
        int r;

        if (pid <= 0 || isempty(tap))
                return -EINVAL;

        rootfd = open_root(procroot);
        if (rootfd < 0)
                return rootfd;
        piddir = open_pid_dir(rootfd, pid);
        if (piddir < 0)
                return piddir;

        r = for_each_tun_fd(piddir, stop_at_tap, (void *) tap, NULL);
        if (r < 0)
                return r;
        return r > 0;
}

static int add_tap(const char *tap, void *userdata) {
        VmSnapshot *v = userdata;
        VmTap *t;

        for (size_t i = 0; i < v->n_taps; i++)
                if (streq(v->taps[i].name, tap)) {
                        v->taps[i].n_fds++;
                        return 0;
                }

        t = reallocarray(v->taps, v->n_taps + 1, sizeof(VmTap));
        if (!t)
                return -ENOMEM;
        v->taps = t;
        t = &v->taps[v->n_taps++];
        *t = (VmTap) { .n_fds = 1 };
        snprintf(t->name, sizeof(t->name), "%s", tap);
        return 0;
}

/* Appends a thread with its affinity; a thread that exited meanwhile is left out (returns 0). */
static int add_thread(VmSnapshot *v, pid_t tid, const char *comm, ThreadRole role, int vcpu) {
        _cleanup_(cpuset_done) CpuSet affinity = CPUSET_NULL;
        VmThread *t;
        int r;

        r = procfs_get_affinity(tid, &affinity);
        if (r == -ESRCH)
                return 0;
        if (r < 0)
                return r;

        t = reallocarray(v->threads, v->n_threads + 1, sizeof(VmThread));
        if (!t)
                return -ENOMEM;
        v->threads = t;
        t = &v->threads[v->n_threads++];
        *t = (VmThread) {
                .tid = tid,
                .role = role,
                .vcpu = role == THREAD_VCPU ? vcpu : -1,
                .affinity = affinity,
        };
        affinity = CPUSET_NULL;
        snprintf(t->comm, sizeof(t->comm), "%s", comm);
        return 1;
}

static int read_name(int piddir, VmSnapshot *v) {
        _cleanup_free_ char *cmdline = NULL;
        size_t len;
        int r;

        r = read_all_at(piddir, "cmdline", CMDLINE_MAX, &cmdline, &len);
        if (r == -ENOENT || r == -ESRCH)
                return -ESRCH;
        if (r >= 0)
                (void) vm_parse_cmdline_memory(cmdline, len, &v->memory_mb);
        if (r >= 0 && vm_parse_cmdline_name(cmdline, len, v->name, sizeof(v->name)) >= 0)
                return 0;

        /* No -name (or an unreadable command line): the process name will do. */
        r = read_comm_at(piddir, "comm", v->name, sizeof(v->name));
        if (r == -ENOENT)
                return -ESRCH;
        return r;
}

static int read_threads(int piddir, VmSnapshot *v) {
        _cleanup_closedir_ DIR *d = NULL;
        int fd;

        fd = openat(piddir, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? -ESRCH : negative_errno();
        d = fdopendir(fd);
        if (!d) {
                int r = negative_errno();

                close(fd);
                return r;
        }

        for (;;) {
                char path[64], comm[64];
                struct dirent *de;
                ThreadRole role;
                pid_t tid, owner = 0;
                bool tcg = false;
                int vcpu = -1, r;

                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno == ENOENT || errno == ESRCH)
                                return -ESRCH;
                        if (errno != 0)
                                return negative_errno();
                        break;
                }
                if (!parse_pid(de->d_name, &tid))
                        continue;

                snprintf(path, sizeof(path), "task/%d/comm", (int) tid);
                r = read_comm_at(piddir, path, comm, sizeof(comm));
                if (r == -ENOENT || r == -ESRCH)
                        continue;       /* the thread exited meanwhile */
                if (r < 0)
                        return r;

                role = vm_parse_thread_comm(comm, &vcpu, &owner, &tcg);
                if (role < 0)
                        role = THREAD_EMULATOR;

                r = add_thread(v, tid, comm, role, vcpu);
                if (r < 0)
                        return r;
                if (r > 0 && role == THREAD_VCPU && tcg)
                        v->tcg = true;
        }

        return 0;
}

static bool vm_has_tid(const VmSnapshot *v, pid_t tid) {
        for (size_t i = 0; i < v->n_threads; i++)
                if (v->threads[i].tid == tid)
                        return true;
        return false;
}

/* Kernel-thread vhost workers (kernels before 6.4) are named "vhost-TID" after the VMM thread that called
 * VHOST_SET_OWNER and live outside the VMM's thread group: look for them among all processes. */
static int read_kthread_vhost_workers(int rootfd, VmSnapshot *v) {
        _cleanup_closedir_ DIR *d = NULL;
        size_t n_group = v->n_threads;
        int fd;

        fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        d = fdopendir(fd);
        if (!d) {
                int r = negative_errno();

                close(fd);
                return r;
        }

        for (;;) {
                char path[64], text[SMALL_FILE_MAX], comm[64];
                const char *b, *e;
                unsigned flags;
                struct dirent *de;
                pid_t pid, owner = 0;
                bool owned = false;
                int r;

                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno != 0)
                                return negative_errno();
                        break;
                }
                if (!parse_pid(de->d_name, &pid) || pid == v->pid)
                        continue;

                /* One file gives both the name and the flags: "PID (COMM) S PPID PGRP SID TTY TPGID FLAGS ...". */
                snprintf(path, sizeof(path), "%d/stat", (int) pid);
                if (read_small_at(rootfd, path, text, sizeof(text)) < 0)
                        continue;
                b = strchr(text, '(');
                e = strrchr(text, ')');
                if (!b || !e || e < b || (size_t) (e - b - 1) >= sizeof(comm))
                        continue;
                memcpy(comm, b + 1, (size_t) (e - b - 1));
                comm[e - b - 1] = 0;

                if (vm_parse_thread_comm(comm, NULL, &owner, NULL) != THREAD_VHOST)
                        continue;
                for (size_t i = 0; i < n_group && !owned; i++)
                        owned = v->threads[i].tid == owner;
                if (!owned)
                        continue;
                /* Only a kernel thread is trusted: any process may call itself "vhost-1234". */
                if (sscanf(e + 1, " %*c %*d %*d %*d %*d %*d %u", &flags) != 1 || !(flags & PF_KTHREAD_FLAG))
                        continue;
                if (vm_has_tid(v, pid))
                        continue;

                r = add_thread(v, pid, comm, THREAD_VHOST, -1);
                if (r < 0)
                        return r;
        }

        return 0;
}

static int cmp_tap(const void *a, const void *b) {
        const VmTap *x = a, *y = b;

        return strcmp(x->name, y->name);
}

static int cmp_thread(const void *a, const void *b) {
        const VmThread *x = a, *y = b;

        return (x->tid > y->tid) - (x->tid < y->tid);
}

int procfs_read_vm(const char *procroot, pid_t pid, VmSnapshot *ret) {
        _cleanup_(vm_snapshot_done) VmSnapshot v = {};
        _cleanup_close_ int rootfd = -EBADF, piddir = -EBADF;
        bool vhost_net = false;
        int r;

        if (pid <= 0 || !ret)
                return -EINVAL;

        rootfd = open_root(procroot);
        if (rootfd < 0)
                return rootfd;
        piddir = open_pid_dir(rootfd, pid);
        if (piddir < 0)
                return piddir;

        v.pid = pid;

        r = for_each_tun_fd(piddir, add_tap, &v, &vhost_net);
        if (r < 0)
                return r;
        if (v.n_taps == 0)
                return -ENOENT;

        r = read_name(piddir, &v);
        if (r < 0)
                return r;

        r = read_threads(piddir, &v);
        if (r < 0)
                return r;
        if (v.n_threads == 0)
                return -ESRCH;  /* every thread exited while we looked */

        /* Without a vhost-net fd there are no vhost workers anywhere. With one, they are inside the thread
         * group unless the kernel runs them as kernel threads (before 6.4, or newer ones that still offer
         * that mode): only then is a scan of every process worth it. */
        if (vhost_net && vm_count_role(&v, THREAD_VHOST) == 0) {
                r = read_kthread_vhost_workers(rootfd, &v);
                if (r < 0)
                        return r;
        }

        /* Stable order whatever the order of fds and tasks in /proc. */
        qsort(v.taps, v.n_taps, sizeof(VmTap), cmp_tap);
        qsort(v.threads, v.n_threads, sizeof(VmThread), cmp_thread);

        *ret = v;
        v = (VmSnapshot) {};
        return 0;
}

int procfs_set_affinity(pid_t tid, const CpuSet *cpus) {
        _cleanup_(cpu_set_freep) cpu_set_t *mask = NULL;
        unsigned span;
        size_t size;

        if (tid <= 0 || !cpus)
                return -EINVAL;

        span = cpuset_span(cpus);
        if (span == 0)
                return -EINVAL;

        mask = CPU_ALLOC(span);
        if (!mask)
                return -ENOMEM;
        size = CPU_ALLOC_SIZE(span);
        CPU_ZERO_S(size, mask);
        for (unsigned cpu = 0; cpu < span; cpu++)
                if (cpuset_isset(cpus, cpu))
                        CPU_SET_S(cpu, size, mask);

        if (sched_setaffinity(tid, size, mask) < 0)
                return negative_errno();
        return 0;
}

int procfs_get_affinity(pid_t tid, CpuSet *ret) {
        if (tid <= 0 || !ret)
                return -EINVAL;

        /* The kernel refuses (EINVAL) a mask shorter than its nr_cpu_ids: grow until it fits. */
        for (unsigned n_cpus = CPU_SETSIZE; n_cpus <= AFFINITY_CPUS_MAX; n_cpus *= 2) {
                _cleanup_(cpu_set_freep) cpu_set_t *mask = NULL;
                _cleanup_(cpuset_done) CpuSet s = CPUSET_NULL;
                size_t size;

                mask = CPU_ALLOC(n_cpus);
                if (!mask)
                        return -ENOMEM;
                size = CPU_ALLOC_SIZE(n_cpus);

                if (sched_getaffinity(tid, size, mask) < 0) {
                        if (errno == EINVAL)
                                continue;
                        return negative_errno();
                }

                for (unsigned cpu = 0; cpu < size * 8; cpu++)
                        if (CPU_ISSET_S(cpu, size, mask)) {
                                int r = cpuset_set(&s, cpu);

                                if (r < 0)
                                        return r;
                        }

                *ret = s;
                s = CPUSET_NULL;
                return 0;
        }

        return -ERANGE;
}

static bool path_exists(const char *path) {
        return access(path, F_OK) >= 0;
}

/* On x86 a /dev/kvm that answers is not enough (a paravirtual or nested stub may answer while
 * no guest can run): the CPU must also offer VMX or SVM. Elsewhere the device's answer counts. */
static bool cpu_has_virtualization(void) {
#if defined(__x86_64__) || defined(__i386__)
        _cleanup_free_ char *line = NULL;
        size_t size = 0;
        bool found = false;
        FILE *f = fopen("/proc/cpuinfo", "re");

        if (!f)
                return true;    /* cannot tell: trust the device */
        while (!found && getline(&line, &size, f) > 0)
                if (strncmp(line, "flags", 5) == 0)
                        found = strstr(line, " vmx") || strstr(line, " svm");
        fclose(f);
        return found;
#else
        return true;
#endif
}

static bool kvm_answers(void) {
        _cleanup_close_ int fd = -EBADF;

        fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return false;
        return ioctl(fd, KVM_GET_API_VERSION, 0) == KVM_API_VERSION && cpu_has_virtualization();
}

int probe_tier_facts(TierFacts *ret) {
        TierFacts f = {};

        if (!ret)
                return -EINVAL;

        f.kvm_device = path_exists("/dev/kvm");
        f.kvm_usable = f.kvm_device && kvm_answers();
        f.vhost_device = path_exists("/dev/vhost-net");
        /* Present for a loaded module, and for a built-in one (it has parameters). */
        f.vhost_module = path_exists("/sys/module/vhost_net");

        *ret = f;
        return 0;
}

int procfs_read_hugepages(const char *procroot, uint64_t *ret_total, uint64_t *ret_free, uint64_t *ret_size_kb) {
        _cleanup_free_ char *path = NULL;
        uint64_t total = 0, free_ = 0, size = 0;
        char line[256];
        FILE *f;

        if (asprintf(&path, "%s/meminfo", procroot ?: "/proc") < 0)
                return -ENOMEM;
        f = fopen(path, "re");
        if (!f)
                return -errno;
        while (fgets(line, sizeof line, f)) {
                unsigned long long v;

                if (sscanf(line, "HugePages_Total: %llu", &v) == 1)
                        total = v;
                else if (sscanf(line, "HugePages_Free: %llu", &v) == 1)
                        free_ = v;
                else if (sscanf(line, "Hugepagesize: %llu kB", &v) == 1)
                        size = v;
        }
        fclose(f);
        *ret_total = total;
        *ret_free = free_;
        *ret_size_kb = size;
        return 0;
}

int procfs_same_netns(const char *procroot, pid_t pid) {
        char path[PATH_MAX];
        struct stat a, b;

        snprintf(path, sizeof path, "%s/%d/ns/net", procroot ?: "/proc", (int) pid);
        if (stat(path, &a) < 0)
                return errno == ENOENT ? -ESRCH : -errno;
        if (stat("/proc/self/ns/net", &b) < 0)
                return -errno;
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int procfs_process_start_time(pid_t pid, uint64_t *ret) {
        char path[64], buf[1024];
        unsigned long long start;
        const char *p;
        ssize_t n;

        snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? -ESRCH : -errno;
        n = read(fd, buf, sizeof buf - 1);
        if (n < 0)
                return -errno;
        buf[n] = 0;
        /* Field 22 (starttime), counted after the ")" that closes the comm: field 3 is the state. */
        p = strrchr(buf, ')');
        if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
                         &start) != 1)
                return -EBADMSG;
        *ret = start;
        return 0;
}
