/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test stand-in for a VMM: holds a multi-queue tap the way QEMU does, names threads like vCPUs and
 * vhost workers, and changes the active queue count on SIGUSR1/SIGUSR2 as a guest's `ethtool -L` would. */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "macro.h"

#define TAP_FLAGS (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE)
#define MAX_QUEUES 256U         /* the kernel's MAX_TAP_QUEUES */
#define MAX_THREADS 1024U
#define EXIT_SKIP 77

typedef struct Queue {
        int fd;
        bool attached;
} Queue;

typedef struct Holder {
        char ifname[IFNAMSIZ];
        Queue *queues;
        unsigned n_queues;
        unsigned n_attached;
} Holder;

typedef struct Worker {
        pthread_t thread;
        char name[32];          /* the kernel keeps 15 characters (TASK_COMM_LEN) */
        pthread_barrier_t *started;
} Worker;

static void holder_done(Holder *h) {
        for (unsigned i = 0; i < h->n_queues; i++)
                if (h->queues[i].fd >= 0)
                        close(h->queues[i].fd);
        free(h->queues);
        h->queues = NULL;
        h->n_queues = h->n_attached = 0;
}

/* Opens one more queue of the tap; the first call creates the device when it does not exist yet. */
static int holder_open_queue(Holder *h) {
        _cleanup_close_ int fd = -EBADF;
        struct ifreq ifr = {};

        fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return -errno;

        ifr.ifr_flags = TAP_FLAGS;
        memcpy(ifr.ifr_name, h->ifname, sizeof(ifr.ifr_name));
        if (ioctl(fd, TUNSETIFF, &ifr) < 0)
                return -errno;

        /* The kernel may have expanded a "%d" template: later queues must use the real name. */
        memcpy(h->ifname, ifr.ifr_name, sizeof(h->ifname));
        h->ifname[IFNAMSIZ - 1] = '\0';

        h->queues[h->n_queues++] = (Queue) { .fd = TAKE_FD(fd), .attached = true };
        h->n_attached++;
        return 0;
}

static int queue_set_attached(Queue *q, bool attach) {
        struct ifreq ifr = {
                .ifr_flags = attach ? IFF_ATTACH_QUEUE : IFF_DETACH_QUEUE,
        };

        if (ioctl(q->fd, TUNSETQUEUE, &ifr) < 0)
                return -errno;
        q->attached = attach;
        return 0;
}

/* Like a guest lowering its channel count: the highest attached queue goes away, one always stays. */
static int holder_detach_one(Holder *h) {
        if (h->n_attached <= 1)
                return -EBUSY;

        for (unsigned i = h->n_queues; i > 0; i--) {
                Queue *q = &h->queues[i - 1];
                int r;

                if (!q->attached)
                        continue;
                r = queue_set_attached(q, false);
                if (r < 0)
                        return r;
                h->n_attached--;
                return 0;
        }
        return -EBUSY;
}

/* The lowest detached queue comes back. */
static int holder_attach_one(Holder *h) {
        for (unsigned i = 0; i < h->n_queues; i++) {
                Queue *q = &h->queues[i];
                int r;

                if (q->attached)
                        continue;
                r = queue_set_attached(q, true);
                if (r < 0)
                        return r;
                h->n_attached++;
                return 0;
        }
        return -EBUSY;
}

static void *worker_main(void *userdata) {
        Worker *w = userdata;

        (void) prctl(PR_SET_NAME, (unsigned long) w->name, 0, 0, 0);
        (void) pthread_barrier_wait(w->started);

        /* Every signal this program handles is blocked here: the main thread takes them. */
        for (;;)
                pause();
        return NULL;
}

static int start_workers(Worker *workers, unsigned n_vcpus, unsigned n_vhost, pthread_barrier_t *started) {
        unsigned n = n_vcpus + n_vhost;

        for (unsigned i = 0; i < n; i++) {
                Worker *w = &workers[i];
                int r;

                if (i < n_vcpus)
                        snprintf(w->name, sizeof(w->name), "CPU %u/KVM", i);
                else
                        snprintf(w->name, sizeof(w->name), "vhost-%d", (int) getpid());
                w->started = started;

                r = pthread_create(&w->thread, NULL, worker_main, w);
                if (r != 0)
                        return -r;
        }
        return 0;
}

static int parse_count(const char *s, unsigned min, unsigned max, unsigned *ret) {
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < min || v > max)
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

static void help(void) {
        printf("Usage: vnt-tap-holder NAME QUEUES [--vcpus N] [--vhost N]\n\n"
               "Holds tap NAME open with QUEUES queues (IFF_TAP|IFF_MULTI_QUEUE|IFF_VNET_HDR|IFF_NO_PI),\n"
               "creating it if needed, and prints \"ready\". SIGUSR1 detaches one queue, SIGUSR2\n"
               "attaches one back; each prints \"queues N\" (the active count, also when refused).\n"
               "SIGTERM/SIGINT/SIGHUP exit. Exits 77 when /dev/net/tun is missing or not permitted.\n\n"
               "  --vcpus N   start N idle threads named \"CPU n/KVM\"\n"
               "  --vhost N   start N idle threads named \"vhost-PID\"\n");
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "vcpus", required_argument, NULL, 'c' },
                { "vhost", required_argument, NULL, 'v' },
                { "help",  no_argument,       NULL, 'h' },
                {}
        };
        unsigned n_queues = 0, n_vcpus = 0, n_vhost = 0;
        Holder holder = {};
        _cleanup_free_ Worker *workers = NULL;
        pthread_barrier_t started;
        sigset_t mask;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                case 'v':
                        if (parse_count(optarg, 0, MAX_THREADS, c == 'c' ? &n_vcpus : &n_vhost) < 0) {
                                fprintf(stderr, "vnt-tap-holder: invalid thread count '%s'\n", optarg);
                                return EXIT_FAILURE;
                        }
                        break;
                case 'h':
                        help();
                        return EXIT_SUCCESS;
                default:
                        return EXIT_FAILURE;
                }

        if (argc - optind != 2) {
                fprintf(stderr, "vnt-tap-holder: expected NAME QUEUES (see --help)\n");
                return EXIT_FAILURE;
        }
        if (strlen(argv[optind]) == 0 || strlen(argv[optind]) >= IFNAMSIZ) {
                fprintf(stderr, "vnt-tap-holder: invalid interface name '%s'\n", argv[optind]);
                return EXIT_FAILURE;
        }
        if (parse_count(argv[optind + 1], 1, MAX_QUEUES, &n_queues) < 0) {
                fprintf(stderr, "vnt-tap-holder: invalid queue count '%s' (1..%u)\n", argv[optind + 1], MAX_QUEUES);
                return EXIT_FAILURE;
        }

        /* A reader that went away must not kill us: the tap would vanish mid-test. */
        (void) signal(SIGPIPE, SIG_IGN);
        setvbuf(stdout, NULL, _IOLBF, 0);

        /* Blocked before any thread exists, so every thread inherits the mask and only sigwaitinfo() sees them. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGUSR1);
        sigaddset(&mask, SIGUSR2);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        r = pthread_sigmask(SIG_BLOCK, &mask, NULL);
        if (r != 0) {
                fprintf(stderr, "vnt-tap-holder: cannot block signals: %s\n", strerror(r));
                return EXIT_FAILURE;
        }

        snprintf(holder.ifname, sizeof(holder.ifname), "%s", argv[optind]);
        holder.queues = calloc(n_queues, sizeof(Queue));
        if (!holder.queues) {
                fprintf(stderr, "vnt-tap-holder: out of memory\n");
                return EXIT_FAILURE;
        }

        for (unsigned i = 0; i < n_queues; i++) {
                r = holder_open_queue(&holder);
                if (r < 0) {
                        fprintf(stderr, "vnt-tap-holder: cannot open queue %u of %s: %s%s\n",
                                i, holder.ifname, strerror(-r),
                                r == -EINVAL ? " (does it exist without multi_queue or vnet_hdr?)" : "");
                        holder_done(&holder);
                        return r == -ENOENT || r == -ENODEV || r == -EPERM || r == -EACCES ? EXIT_SKIP : EXIT_FAILURE;
                }
        }

        if (n_vcpus + n_vhost > 0) {
                workers = calloc(n_vcpus + n_vhost, sizeof(Worker));
                if (!workers) {
                        fprintf(stderr, "vnt-tap-holder: out of memory\n");
                        holder_done(&holder);
                        return EXIT_FAILURE;
                }
                r = pthread_barrier_init(&started, NULL, n_vcpus + n_vhost + 1);
                if (r != 0) {
                        fprintf(stderr, "vnt-tap-holder: cannot create barrier: %s\n", strerror(r));
                        holder_done(&holder);
                        return EXIT_FAILURE;
                }
                r = start_workers(workers, n_vcpus, n_vhost, &started);
                if (r < 0) {
                        /* Threads already started wait on the barrier forever; exiting ends them. */
                        fprintf(stderr, "vnt-tap-holder: cannot start threads: %s\n", strerror(-r));
                        holder_done(&holder);
                        return EXIT_FAILURE;
                }
                /* Names are set once everyone has passed the barrier: "ready" means visible in /proc. */
                (void) pthread_barrier_wait(&started);
        }

        printf("ready\n");

        for (;;) {
                siginfo_t si;
                int sig;

                sig = sigwaitinfo(&mask, &si);
                if (sig < 0) {
                        if (errno == EINTR)
                                continue;
                        fprintf(stderr, "vnt-tap-holder: sigwaitinfo: %s\n", strerror(errno));
                        holder_done(&holder);
                        return EXIT_FAILURE;
                }

                if (sig == SIGUSR1 || sig == SIGUSR2) {
                        bool attach = sig == SIGUSR2;

                        r = attach ? holder_attach_one(&holder) : holder_detach_one(&holder);
                        if (r == -EBUSY)
                                fprintf(stderr, "vnt-tap-holder: %s: %s, ignoring\n", holder.ifname,
                                        attach ? "all queues are attached already" : "the last queue stays attached");
                        else if (r < 0)
                                fprintf(stderr, "vnt-tap-holder: %s: cannot %s a queue: %s, ignoring\n",
                                        holder.ifname, attach ? "attach" : "detach", strerror(-r));
                        printf("queues %u\n", holder.n_attached);
                        continue;
                }

                break;          /* SIGTERM, SIGINT, SIGHUP */
        }

        holder_done(&holder);
        return EXIT_SUCCESS;
}
