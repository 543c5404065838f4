/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests the host's process adapters (procfs-vm, proc-events) against VMM stand-ins holding real multi-queue taps
 * in a scratch network namespace, and against a fake /proc tree for what this kernel cannot show. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cpuset.h"
#include "macro.h"
#include "proc-events.h"
#include "procfs-vm.h"
#include "scratch-netns.h"
#include "test-util.h"

#define EVENT_TIMEOUT_MS 5000
#define READY_TIMEOUT_MS 10000

#define HOLDER_TAP "vnt0"
#define FAKE_VMM_TAP "fake0"

typedef struct Child {
        pid_t pid;
        int out;        /* its stdout, -EBADF when not captured */
} Child;

static long long now_ms(void) {
        struct timespec ts;

        ASSERT_TRUE(clock_gettime(CLOCK_MONOTONIC, &ts) >= 0);
        return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Starts argv[0] with its stdout on a pipe. It gets SIGKILL when we die, so an assertion failure
 * (abort) never leaves a tap holder behind. */
static Child spawn(char *const argv[]) {
        pid_t parent = getpid();
        int p[2];
        Child c;

        ASSERT_TRUE(pipe2(p, O_CLOEXEC) >= 0);
        c.pid = fork();
        ASSERT_TRUE(c.pid >= 0);
        if (c.pid == 0) {
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                        _exit(EXIT_FAILURE);
                if (dup2(p[1], STDOUT_FILENO) < 0)
                        _exit(EXIT_FAILURE);
                execv(argv[0], argv);
                _exit(127);
        }
        close(p[1]);
        c.out = p[0];
        return c;
}

/* A child that only waits to be killed: a real task for the fake /proc tree to name. */
static Child spawn_sleeper(void) {
        pid_t parent = getpid();
        Child c = { .out = -EBADF };

        c.pid = fork();
        ASSERT_TRUE(c.pid >= 0);
        if (c.pid == 0) {
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                        _exit(EXIT_FAILURE);
                for (;;)
                        pause();
        }
        return c;
}

/* Reads one line of the child's stdout; -ETIMEDOUT, or -EPIPE when it closed stdout (exited). */
static int child_read_line(Child *c, char *buf, size_t size, int timeout_ms) {
        long long deadline = now_ms() + timeout_ms;
        size_t n = 0;

        for (;;) {
                struct pollfd pfd = { .fd = c->out, .events = POLLIN };
                long long left = deadline - now_ms();
                ssize_t k;
                char ch;

                if (left <= 0)
                        return -ETIMEDOUT;
                if (poll(&pfd, 1, (int) left) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (pfd.revents == 0)
                        continue;
                k = read(c->out, &ch, 1);
                if (k < 0) {
                        if (errno == EINTR || errno == EAGAIN)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        return -EPIPE;
                if (ch == '\n') {
                        buf[n] = 0;
                        return 0;
                }
                if (n + 1 < size)
                        buf[n++] = ch;
        }
}

/* Waits for the child's exit; returns its exit status, or 128+signal. */
static int child_wait(Child *c) {
        int status;

        ASSERT_EQ(waitpid(c->pid, &status, 0), c->pid);
        if (c->out >= 0)
                close(c->out);
        c->out = -EBADF;
        c->pid = 0;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void child_stop(Child *c) {
        if (c->pid <= 0)
                return;
        ASSERT_TRUE(kill(c->pid, SIGTERM) >= 0);
        (void) child_wait(c);
}

/* Expects "ready" from a VMM stand-in; a stand-in that cannot open /dev/net/tun exits 77. */
static void child_expect_ready(Child *c, const char *what) {
        char line[256];
        int r;

        r = child_read_line(c, line, sizeof(line), READY_TIMEOUT_MS);
        if (r == -EPIPE) {
                int status = child_wait(c);

                if (status == EXIT_TEST_SKIP)
                        TEST_SKIP("%s cannot hold a tap here (/dev/net/tun missing or not permitted)", what);
                fprintf(stderr, "%s exited with status %d before it was ready\n", what, status);
                abort();
        }
        ASSERT_OK(r);
        ASSERT_STREQ(line, "ready");
}

/* ---- a second VMM stand-in, with a QEMU-style "-name" on its command line ---- */

static int fake_vmm_main(const char *ifname) {
        struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
        int fd;

        fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT || errno == EPERM || errno == EACCES ? EXIT_TEST_SKIP : EXIT_FAILURE;
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
        if (ioctl(fd, TUNSETIFF, &ifr) < 0)
                return EXIT_FAILURE;

        printf("ready\n");
        fflush(stdout);
        for (;;)
                pause();    /* SIGTERM's default action ends us */
}

/* ---- proc connector bookkeeping ---- */

typedef struct Watch {
        pid_t pid;                      /* the thread group we care about */
        bool forked, exited;
        unsigned n_thread_forks;
        pid_t comm_tids[32];            /* threads that renamed themselves */
        size_t n_comm;
        bool lost;
} Watch;

static void on_event(ProcEventKind kind, pid_t pid, pid_t tid, void *userdata) {
        Watch *w = userdata;

        if (w->pid <= 0 || pid != w->pid)
                return;

        switch (kind) {
        case PROC_EVENT_KIND_FORK:
                if (tid == pid)
                        w->forked = true;
                else
                        w->n_thread_forks++;
                break;
        case PROC_EVENT_KIND_COMM:
                if (tid != pid && w->n_comm < ELEMENTSOF(w->comm_tids))
                        w->comm_tids[w->n_comm++] = tid;
                break;
        case PROC_EVENT_KIND_EXIT:
                if (tid == pid)
                        w->exited = true;
                break;
        default:
                break;
        }
}

/* Receives events until done(w) holds; false after EVENT_TIMEOUT_MS. */
static bool watch_until(ProcEvents *ev, Watch *w, bool (*done)(const Watch *w)) {
        long long deadline = now_ms() + EVENT_TIMEOUT_MS;

        for (;;) {
                struct pollfd pfd = { .fd = proc_events_fd(ev), .events = POLLIN };
                long long left;
                int r;

                r = proc_events_receive(ev, on_event, w);
                if (r == -ENOBUFS) {
                        fprintf(stderr, "proc events were lost (busy host?)\n");
                        w->lost = true;
                } else
                        ASSERT_OK(r);
                if (done(w))
                        return true;

                left = deadline - now_ms();
                if (left <= 0)
                        return false;
                ASSERT_TRUE(poll(&pfd, 1, (int) left) >= 0 || errno == EINTR);
        }
}

static bool holder_started(const Watch *w) {
        return w->forked && w->n_comm >= 4;
}

static bool holder_exited(const Watch *w) {
        return w->exited;
}

static bool watch_saw_comm(const Watch *w, pid_t tid) {
        for (size_t i = 0; i < w->n_comm; i++)
                if (w->comm_tids[i] == tid)
                        return true;
        return false;
}

/* ---- helpers on snapshots ---- */

static const VmThread *vm_find_thread(const VmSnapshot *v, pid_t tid) {
        for (size_t i = 0; i < v->n_threads; i++)
                if (v->threads[i].tid == tid)
                        return &v->threads[i];
        return NULL;
}

static void vm_dump(const VmSnapshot *v) {
        fprintf(stderr, "vm pid %d name \"%s\" tcg %d\n", (int) v->pid, v->name, v->tcg);
        for (size_t i = 0; i < v->n_taps; i++)
                fprintf(stderr, "  tap %s fds %u\n", v->taps[i].name, v->taps[i].n_fds);
        for (size_t i = 0; i < v->n_threads; i++) {
                _cleanup_free_ char *list = NULL;

                ASSERT_OK(cpuset_format_list(&v->threads[i].affinity, &list));
                fprintf(stderr, "  thread %d \"%s\" role %d vcpu %d cpus %s\n", (int) v->threads[i].tid,
                        v->threads[i].comm, v->threads[i].role, v->threads[i].vcpu, list);
        }
}

static bool pids_contain(const pid_t *pids, size_t n, pid_t pid) {
        for (size_t i = 0; i < n; i++)
                if (pids[i] == pid)
                        return true;
        return false;
}

static void assert_sorted_threads(const VmSnapshot *v) {
        for (size_t i = 1; i < v->n_threads; i++)
                ASSERT_TRUE(v->threads[i - 1].tid < v->threads[i].tid);
}

/* The CPU to pin to: 0 when we may run there, else the first we may. */
static unsigned pick_cpu(void) {
        _cleanup_(cpuset_done) CpuSet mine = CPUSET_NULL;

        ASSERT_OK(procfs_get_affinity(getpid(), &mine));
        ASSERT_FALSE(cpuset_is_empty(&mine));
        for (unsigned cpu = 0;; cpu++)
                if (cpuset_isset(&mine, cpu))
                        return cpu;
}

/* ---- tests ---- */

static void test_tier_facts(void) {
        TierFacts f;
        bool usable = false;
        int fd;

        ASSERT_OK(probe_tier_facts(&f));
        fprintf(stderr, "tier facts: kvm %d usable %d vhost-net %d vhost_net module %d\n",
                f.kvm_device, f.kvm_usable, f.vhost_device, f.vhost_module);

        ASSERT_EQ(f.kvm_device, access("/dev/kvm", F_OK) == 0);
        fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
        if (fd >= 0) {
                usable = ioctl(fd, KVM_GET_API_VERSION, 0) == KVM_API_VERSION;
                close(fd);
        }
#if defined(__x86_64__) || defined(__i386__)
        /* ...and, on x86, only with VMX or SVM in the CPU flags (a stub /dev/kvm may answer). */
        usable = usable && system("grep -qE '^flags.* (vmx|svm)( |$)' /proc/cpuinfo") == 0;
#endif
        ASSERT_EQ(f.kvm_usable, usable);
        ASSERT_EQ(f.vhost_device, access("/dev/vhost-net", F_OK) == 0);
        ASSERT_EQ(f.vhost_module, access("/sys/module/vhost_net", F_OK) == 0);
        ASSERT_EQ(f.n_taps, 0);
        ASSERT_EQ(f.n_mq_taps, 0);
        ASSERT_EQ(f.n_vms, 0);
        ASSERT_EQ(f.n_vms_tcg, 0);
}

static void test_affinity_of_gone_task(void) {
        _cleanup_(cpuset_done) CpuSet one = CPUSET_NULL, got = CPUSET_NULL;
        pid_t pid;

        pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0)
                _exit(EXIT_SUCCESS);
        ASSERT_EQ(waitpid(pid, NULL, 0), pid);

        ASSERT_OK(cpuset_set(&one, pick_cpu()));
        ASSERT_EQ(procfs_set_affinity(pid, &one), -ESRCH);
        ASSERT_EQ(procfs_get_affinity(pid, &got), -ESRCH);
        ASSERT_TRUE(cpuset_is_empty(&got));     /* untouched */

        ASSERT_EQ(procfs_set_affinity(getpid(), &got), -EINVAL);       /* the empty set */
        ASSERT_EQ(procfs_read_vm(NULL, pid, &(VmSnapshot) {}), -ESRCH);
        ASSERT_EQ(procfs_holds_tap(NULL, pid, HOLDER_TAP), -ESRCH);
}

static void test_holder(ProcEvents *ev) {
        char *argv[] = { (char *) TAP_HOLDER, (char *) HOLDER_TAP, (char *) "4",
                         (char *) "--vcpus", (char *) "2", (char *) "--vhost", (char *) "2", NULL };
        _cleanup_(vm_snapshot_done) VmSnapshot v = {}, v2 = {};
        _cleanup_(cpuset_done) CpuSet pin = CPUSET_NULL, got = CPUSET_NULL;
        _cleanup_free_ pid_t *pids = NULL;
        Watch w = {};
        size_t n_pids;
        pid_t vhost_tid = 0, gone_tids[8];
        size_t n_gone = 0;
        unsigned cpu;
        char line[64];
        Child c;

        c = spawn(argv);
        w.pid = c.pid;
        child_expect_ready(&c, "vnt-tap-holder");

        /* Discovery. */
        ASSERT_OK(procfs_find_tap_holders(NULL, &pids, &n_pids));
        ASSERT_TRUE(pids_contain(pids, n_pids, c.pid));
        ASSERT_FALSE(pids_contain(pids, n_pids, getpid()));
        for (size_t i = 1; i < n_pids; i++)
                ASSERT_TRUE(pids[i - 1] < pids[i]);

        ASSERT_EQ(procfs_holds_tap(NULL, c.pid, HOLDER_TAP), 1);
        ASSERT_EQ(procfs_holds_tap(NULL, c.pid, "nosuchtap0"), 0);
        ASSERT_EQ(procfs_holds_tap(NULL, getpid(), HOLDER_TAP), 0);

        /* The snapshot. */
        ASSERT_OK(procfs_read_vm(NULL, c.pid, &v));
        vm_dump(&v);
        ASSERT_EQ(v.pid, c.pid);
        ASSERT_STREQ(v.name, "vnt-tap-holder");         /* no -name: the comm */
        ASSERT_FALSE(v.tcg);
        ASSERT_EQ(v.n_taps, 1);
        ASSERT_STREQ(v.taps[0].name, HOLDER_TAP);
        ASSERT_EQ(v.taps[0].n_fds, 4);
        ASSERT_EQ(v.n_threads, 5);
        ASSERT_EQ(vm_count_role(&v, THREAD_VCPU), 2);
        ASSERT_EQ(vm_count_role(&v, THREAD_VHOST), 2);
        ASSERT_EQ(vm_count_role(&v, THREAD_EMULATOR), 1);
        assert_sorted_threads(&v);
        ASSERT_EQ(v.threads[0].tid, c.pid);
        ASSERT_EQ(v.threads[0].role, THREAD_EMULATOR);
        ASSERT_EQ(v.threads[0].vcpu, -1);
        for (size_t i = 0, vcpus = 0; i < v.n_threads; i++) {
                const VmThread *t = &v.threads[i];

                ASSERT_FALSE(cpuset_is_empty(&t->affinity));
                if (t->role == THREAD_VCPU) {
                        /* Started in index order, so tids ascend with the index. */
                        ASSERT_EQ(t->vcpu, (int) vcpus);
                        vcpus++;
                } else
                        ASSERT_EQ(t->vcpu, -1);
                if (t->role == THREAD_VHOST && vhost_tid == 0)
                        vhost_tid = t->tid;
                if (t->tid != c.pid && n_gone < ELEMENTSOF(gone_tids))
                        gone_tids[n_gone++] = t->tid;
        }
        ASSERT_TRUE(vhost_tid > 0);

        /* The proc connector told us about the process and about every thread that renamed itself. */
        if (ev) {
                if (!watch_until(ev, &w, holder_started)) {
                        fprintf(stderr, "after %d ms: fork seen %d, %u thread forks, %zu comm events\n",
                                EVENT_TIMEOUT_MS, w.forked, w.n_thread_forks, w.n_comm);
                        ASSERT_FALSE(w.lost);
                        abort();
                }
                fprintf(stderr, "events: fork %d, %u thread forks, %zu comm\n", w.forked, w.n_thread_forks, w.n_comm);
                ASSERT_TRUE(w.n_thread_forks >= 4);
                for (size_t i = 0; i < v.n_threads; i++)
                        if (v.threads[i].role != THREAD_EMULATOR)
                                ASSERT_TRUE(watch_saw_comm(&w, v.threads[i].tid));
        }

        /* A guest lowering its queue count (TUNSETQUEUE IFF_DETACH_QUEUE) keeps the fd and its "iff:". */
        ASSERT_TRUE(kill(c.pid, SIGUSR1) >= 0);
        ASSERT_OK(child_read_line(&c, line, sizeof(line), READY_TIMEOUT_MS));
        ASSERT_STREQ(line, "queues 3");
        ASSERT_OK(procfs_read_vm(NULL, c.pid, &v2));
        ASSERT_EQ(v2.n_taps, 1);
        fprintf(stderr, "after detaching one queue: %u fds on %s\n", v2.taps[0].n_fds, v2.taps[0].name);
        ASSERT_EQ(v2.taps[0].n_fds, 4);
        vm_snapshot_done(&v2);
        ASSERT_TRUE(kill(c.pid, SIGUSR2) >= 0);
        ASSERT_OK(child_read_line(&c, line, sizeof(line), READY_TIMEOUT_MS));
        ASSERT_STREQ(line, "queues 4");

        /* Pinning a vhost worker. */
        cpu = pick_cpu();
        ASSERT_OK(cpuset_set(&pin, cpu));
        ASSERT_OK(procfs_set_affinity(vhost_tid, &pin));
        ASSERT_OK(procfs_get_affinity(vhost_tid, &got));
        ASSERT_TRUE(cpuset_equal(&got, &pin));
        {
                cpu_set_t raw;

                CPU_ZERO(&raw);
                ASSERT_TRUE(sched_getaffinity(vhost_tid, sizeof(raw), &raw) >= 0);
                ASSERT_EQ(CPU_COUNT(&raw), 1);
                ASSERT_TRUE(CPU_ISSET(cpu, &raw));
        }
        ASSERT_OK(procfs_read_vm(NULL, c.pid, &v2));
        ASSERT_TRUE(vm_find_thread(&v2, vhost_tid));
        ASSERT_TRUE(cpuset_equal(&vm_find_thread(&v2, vhost_tid)->affinity, &pin));
        /* Only that thread moved. */
        for (size_t i = 0; i < v.n_threads; i++)
                if (v.threads[i].tid != vhost_tid)
                        ASSERT_TRUE(cpuset_equal(&vm_find_thread(&v2, v.threads[i].tid)->affinity,
                                                 &v.threads[i].affinity));

        /* Exit. */
        child_stop(&c);
        if (ev) {
                ASSERT_TRUE(watch_until(ev, &w, holder_exited));
                fprintf(stderr, "events: exit seen\n");
        }
        ASSERT_EQ(procfs_read_vm(NULL, w.pid, &(VmSnapshot) {}), -ESRCH);
        ASSERT_EQ(procfs_holds_tap(NULL, w.pid, HOLDER_TAP), -ESRCH);
        for (size_t i = 0; i < n_gone; i++)
                ASSERT_EQ(procfs_set_affinity(gone_tids[i], &pin), -ESRCH);
}

static void test_named_vmm(void) {
        char self[PATH_MAX];
        char *argv[] = { self, (char *) "--fake-vmm", (char *) FAKE_VMM_TAP,
                         (char *) "-name", (char *) "guest=vm0,debug-threads=on", NULL };
        _cleanup_(vm_snapshot_done) VmSnapshot v = {};
        _cleanup_free_ pid_t *pids = NULL;
        ssize_t n;
        size_t n_pids;
        Child c;

        /* Our own binary, re-executed with a QEMU-like command line. */
        n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        ASSERT_TRUE(n > 0);
        self[n] = 0;

        c = spawn(argv);
        child_expect_ready(&c, "the fake VMM");

        ASSERT_OK(procfs_find_tap_holders(NULL, &pids, &n_pids));
        ASSERT_TRUE(pids_contain(pids, n_pids, c.pid));

        ASSERT_OK(procfs_read_vm(NULL, c.pid, &v));
        vm_dump(&v);
        ASSERT_STREQ(v.name, "vm0");
        ASSERT_EQ(v.n_taps, 1);
        ASSERT_STREQ(v.taps[0].name, FAKE_VMM_TAP);
        ASSERT_EQ(v.taps[0].n_fds, 1);
        ASSERT_EQ(v.n_threads, 1);
        ASSERT_EQ(v.threads[0].role, THREAD_EMULATOR);

        child_stop(&c);

        /* Not a VM. */
        ASSERT_EQ(procfs_read_vm(NULL, getpid(), &v), -ENOENT);
}

/* ---- a fake /proc: kernel-thread vhost workers (kernels < 6.4) and odd entries ---- */

static void put_file(const char *root, const char *rel, const void *data, size_t size) {
        _cleanup_free_ char *path = NULL;
        FILE *f;

        ASSERT_TRUE(asprintf(&path, "%s/%s", root, rel) >= 0);
        f = fopen(path, "we");
        ASSERT_TRUE(f);
        ASSERT_EQ(fwrite(data, 1, size, f), size);
        ASSERT_EQ(fclose(f), 0);
}

static void put_text(const char *root, const char *rel, const char *text) {
        put_file(root, rel, text, strlen(text));
}

static void put_dir(const char *root, const char *rel) {
        _cleanup_free_ char *path = NULL;

        ASSERT_TRUE(asprintf(&path, "%s/%s", root, rel) >= 0);
        ASSERT_TRUE(mkdir(path, 0755) >= 0);
}

static void put_link(const char *root, const char *rel, const char *target) {
        _cleanup_free_ char *path = NULL;

        ASSERT_TRUE(asprintf(&path, "%s/%s", root, rel) >= 0);
        ASSERT_TRUE(symlink(target, path) >= 0);
}

static void remove_path(const char *root, const char *rel) {
        _cleanup_free_ char *path = NULL;

        ASSERT_TRUE(asprintf(&path, "%s/%s", root, rel) >= 0);
        ASSERT_TRUE(unlink(path) >= 0);
}

#define FDINFO_TUN(name) "pos:\t0\nflags:\t02004002\nmnt_id:\t25\nino:\t1046\niff:\t" name "\n"
#define FDINFO_PLAIN "pos:\t0\nflags:\t0100002\nmnt_id:\t25\nino:\t4\n"
/* PF_KTHREAD | PF_NOFREEZE | PF_FORKNOEXEC, as a kernel vhost worker shows it. */
#define FLAGS_KTHREAD 0x208040U
/* PF_RANDOMIZE | PF_FORKNOEXEC: an ordinary process. */
#define FLAGS_USER 0x400040U

static void put_stat(const char *root, pid_t pid, const char *comm, unsigned flags) {
        char rel[64], text[256];

        snprintf(rel, sizeof(rel), "%d", (int) pid);
        put_dir(root, rel);
        snprintf(rel, sizeof(rel), "%d/stat", (int) pid);
        snprintf(text, sizeof(text), "%d (%s) S 2 0 0 0 -1 %u 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0\n",
                 (int) pid, comm, flags);
        put_text(root, rel, text);
}

static void test_fake_procroot(void) {
        static const char cmdline_named[] = "qemu-system-x86_64\0-machine\0q35\0-name\0guest=faked,debug-threads=on\0";
        static const char cmdline_plain[] = "qemu-system-x86_64\0-machine\0q35\0";
        char root[] = "/tmp/vnt-procroot-XXXXXX", rel[128], comm[32];
        _cleanup_(vm_snapshot_done) VmSnapshot v = {};
        _cleanup_free_ pid_t *pids = NULL;
        Child kids[5];
        pid_t vm = getpid(), vcpu, kworker, spoof, stranger, kworker2;
        size_t n_pids;

        for (size_t i = 0; i < ELEMENTSOF(kids); i++)
                kids[i] = spawn_sleeper();
        vcpu = kids[0].pid;
        kworker = kids[1].pid;          /* kernel thread "vhost-<vm>": ours */
        spoof = kids[2].pid;            /* a user process calling itself "vhost-<vm>": not ours */
        stranger = kids[3].pid;         /* kernel thread of somebody else's VM */
        kworker2 = kids[4].pid;         /* kernel thread named after our vCPU thread: ours */

        /* A tmpfs of our private mount namespace: nothing is left behind, whatever happens. */
        ASSERT_TRUE(mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") >= 0);
        ASSERT_TRUE(mkdtemp(root));
        put_link(root, "self", "1");

        snprintf(rel, sizeof(rel), "%d", (int) vm);
        put_dir(root, rel);
        snprintf(rel, sizeof(rel), "%d/cmdline", (int) vm);
        put_file(root, rel, cmdline_named, sizeof(cmdline_named));
        snprintf(rel, sizeof(rel), "%d/comm", (int) vm);
        put_text(root, rel, "qemu-system-x86\n");

        snprintf(rel, sizeof(rel), "%d/fd", (int) vm);
        put_dir(root, rel);
        snprintf(rel, sizeof(rel), "%d/fdinfo", (int) vm);
        put_dir(root, rel);
        static const struct {
                int fd;
                const char *target, *info;
        } fds[] = {
                { 0, "/dev/null", FDINFO_PLAIN },
                { 3, "/dev/net/tun", FDINFO_TUN("fake9") },
                { 4, "/dev/net/tun", FDINFO_TUN("fake9") },
                { 5, "/dev/vhost-net", FDINFO_PLAIN },
                { 6, "/dev/net/tun", "pos:\t0\nflags:\t02\nmnt_id:\t25\nino:\t1046\niff:\t\n" },  /* no TUNSETIFF yet */
                { 7, "socket:[4711]", FDINFO_PLAIN },
                { 8, "/dev/net/tun", NULL },                                            /* closed meanwhile */
                { 10, "/dev/net/tun", FDINFO_TUN("fake10") },
        };
        for (size_t i = 0; i < ELEMENTSOF(fds); i++) {
                snprintf(rel, sizeof(rel), "%d/fd/%d", (int) vm, fds[i].fd);
                put_link(root, rel, fds[i].target);
                if (fds[i].info) {
                        snprintf(rel, sizeof(rel), "%d/fdinfo/%d", (int) vm, fds[i].fd);
                        put_text(root, rel, fds[i].info);
                }
        }

        snprintf(rel, sizeof(rel), "%d/task", (int) vm);
        put_dir(root, rel);
        snprintf(rel, sizeof(rel), "%d/task/%d", (int) vm, (int) vm);
        put_dir(root, rel);
        snprintf(rel, sizeof(rel), "%d/task/%d/comm", (int) vm, (int) vm);
        put_text(root, rel, "qemu-system-x86\n");
        snprintf(rel, sizeof(rel), "%d/task/%d", (int) vm, (int) vcpu);
        put_dir(root, rel);
        snprintf(rel, sizeof(rel), "%d/task/%d/comm", (int) vm, (int) vcpu);
        put_text(root, rel, "CPU 0/TCG\n");

        snprintf(comm, sizeof(comm), "vhost-%d", (int) vm);
        put_stat(root, kworker, comm, FLAGS_KTHREAD);
        put_stat(root, spoof, comm, FLAGS_USER);
        put_stat(root, stranger, "vhost-1", FLAGS_KTHREAD);
        snprintf(comm, sizeof(comm), "vhost-%d", (int) vcpu);
        put_stat(root, kworker2, comm, FLAGS_KTHREAD);

        /* Discovery skips entries without fds and non-numeric ones. */
        ASSERT_OK(procfs_find_tap_holders(root, &pids, &n_pids));
        ASSERT_EQ(n_pids, 1);
        ASSERT_EQ(pids[0], vm);
        ASSERT_EQ(procfs_holds_tap(root, vm, "fake10"), 1);
        ASSERT_EQ(procfs_holds_tap(root, vm, "fake1"), 0);
        ASSERT_EQ(procfs_holds_tap(root, 999999999, "fake9"), -ESRCH);

        ASSERT_OK(procfs_read_vm(root, vm, &v));
        vm_dump(&v);
        ASSERT_STREQ(v.name, "faked");
        ASSERT_TRUE(v.tcg);
        ASSERT_EQ(v.n_taps, 2);
        ASSERT_STREQ(v.taps[0].name, "fake10");        /* by name */
        ASSERT_EQ(v.taps[0].n_fds, 1);
        ASSERT_STREQ(v.taps[1].name, "fake9");
        ASSERT_EQ(v.taps[1].n_fds, 2);
        ASSERT_EQ(v.n_threads, 4);
        assert_sorted_threads(&v);
        ASSERT_EQ(vm_find_thread(&v, vm)->role, THREAD_EMULATOR);
        ASSERT_EQ(vm_find_thread(&v, vcpu)->role, THREAD_VCPU);
        ASSERT_EQ(vm_find_thread(&v, vcpu)->vcpu, 0);
        ASSERT_EQ(vm_find_thread(&v, kworker)->role, THREAD_VHOST);
        ASSERT_EQ(vm_find_thread(&v, kworker2)->role, THREAD_VHOST);
        ASSERT_FALSE(vm_find_thread(&v, spoof));
        ASSERT_FALSE(vm_find_thread(&v, stranger));
        vm_snapshot_done(&v);

        /* Without /dev/vhost-net there is nobody to look for; without -name the comm names the VM. */
        snprintf(rel, sizeof(rel), "%d/fd/5", (int) vm);
        remove_path(root, rel);
        snprintf(rel, sizeof(rel), "%d/cmdline", (int) vm);
        remove_path(root, rel);
        put_file(root, rel, cmdline_plain, sizeof(cmdline_plain));
        ASSERT_OK(procfs_read_vm(root, vm, &v));
        ASSERT_STREQ(v.name, "qemu-system-x86");
        ASSERT_EQ(v.n_threads, 2);
        ASSERT_EQ(vm_count_role(&v, THREAD_VHOST), 0);

        ASSERT_EQ(procfs_read_vm(root, kworker, &(VmSnapshot) {}), -ESRCH);     /* no fd directory here */
        ASSERT_EQ(procfs_find_tap_holders("/nonexistent-procroot", &pids, &n_pids), -ENOENT);

        ASSERT_TRUE(umount2("/tmp", MNT_DETACH) >= 0);
        for (size_t i = 0; i < ELEMENTSOF(kids); i++)
                child_stop(&kids[i]);
}

int main(int argc, char *argv[]) {
        ProcEvents *ev = NULL;
        int r;

        if (argc == 3 + 2 && streq(argv[1], "--fake-vmm"))
                return fake_vmm_main(argv[2]);

        if (geteuid() != 0)
                TEST_SKIP("needs root for tap devices and the proc connector");

        /* The connector's kernel socket lives in the initial network namespace only: subscribe first. */
        r = proc_events_new(&ev);
        if (r == -EPROTONOSUPPORT)
                fprintf(stderr, "no proc connector (CONFIG_PROC_EVENTS), not testing events\n");
        else
                ASSERT_OK(r);

        scratch_netns_enter();

        test_tier_facts();
        test_affinity_of_gone_task();
        test_holder(ev);
        test_named_vmm();
        test_fake_procroot();

        proc_events_free(ev);
        return 0;
}
