/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Adapter for the kernel's process events connector: subscribe, drain, and parse fork/exec/comm/exit events. */
#include <fcntl.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "macro.h"
#include "proc-events.h"

/* Fork storms on a busy host must not overflow us between two loop iterations. */
#define RCVBUF_SIZE (8 * 1024 * 1024)
/* One event is about a hundred bytes; the kernel sends one per datagram. */
#define DATAGRAM_MAX 8192
/* Bounds one receive call: the fd stays readable and the event loop calls us again. */
#define DATAGRAMS_PER_RECEIVE 4096U

/* proc_event up to its union, which holds the per-kind fields. */
#define PROC_EVENT_HEADER_SIZE offsetof(struct proc_event, event_data)
/* Bytes of a proc_event that must be present to read the given union member. */
#define PROC_EVENT_SIZE_FOR(member) (PROC_EVENT_HEADER_SIZE + sizeof(((struct proc_event *) NULL)->event_data.member))
/* Every kind but fork and ack starts with process_pid and process_tgid. */
#define PROC_EVENT_SIZE_FOR_IDS (PROC_EVENT_HEADER_SIZE + 2 * sizeof(__kernel_pid_t))

struct ProcEvents {
        int fd;
};

static int send_mcast_op(int fd, enum proc_cn_mcast_op op) {
        union {
                struct nlmsghdr nlh;
                uint8_t bytes[NLMSG_SPACE(sizeof(struct cn_msg) + sizeof(enum proc_cn_mcast_op))];
        } buf = {};
        struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
        struct cn_msg *cn = NLMSG_DATA(&buf.nlh);
        ssize_t n;

        buf.nlh.nlmsg_len = NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(op));
        buf.nlh.nlmsg_type = NLMSG_DONE;
        cn->id.idx = CN_IDX_PROC;
        cn->id.val = CN_VAL_PROC;
        cn->len = sizeof(op);
        memcpy(cn->data, &op, sizeof(op));

        do
                n = sendto(fd, &buf, buf.nlh.nlmsg_len, 0, (const struct sockaddr *) &kernel, sizeof(kernel));
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return negative_errno();
        if ((size_t) n != buf.nlh.nlmsg_len)
                return -EIO;
        return 0;
}

/* /proc/net/connector lists the connector's users; cn_proc is missing without CONFIG_PROC_EVENTS. The file
 * exists only in the initial network namespace: when it cannot be read, assume the best. */
static bool proc_connector_missing(void) {
        _cleanup_close_ int fd = -EBADF;
        char buf[4096];
        size_t n = 0;

        fd = open("/proc/net/connector", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return false;
        while (n < sizeof(buf) - 1) {
                ssize_t k = read(fd, buf + n, sizeof(buf) - 1 - n);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return false;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
        }
        buf[n] = 0;

        for (const char *line = buf; line;) {
                if (strncmp(line, "cn_proc ", 8) == 0)
                        return false;
                line = strchr(line, '\n');
                if (line)
                        line++;
        }
        return n < sizeof(buf) - 1;     /* a listing cut short proves nothing */
}

int proc_events_new(ProcEvents **ret) {
        struct sockaddr_nl sa = {
                .nl_family = AF_NETLINK,
                .nl_groups = CN_IDX_PROC,
        };
        _cleanup_close_ int fd = -EBADF;
        int size = RCVBUF_SIZE, r;
        ProcEvents *e;

        if (!ret)
                return -EINVAL;

        fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
        if (fd < 0)
                return negative_errno();
        if (proc_connector_missing())
                return -EPROTONOSUPPORT;

        /* Beyond rmem_max needs CAP_NET_ADMIN, which we need anyway; the default still works, just lossier. */
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
                (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));

        if (bind(fd, (const struct sockaddr *) &sa, sizeof(sa)) < 0)
                return negative_errno();

        r = send_mcast_op(fd, PROC_CN_MCAST_LISTEN);
        if (r < 0)
                return r;

        e = malloc(sizeof(ProcEvents));
        if (!e) {
                (void) send_mcast_op(fd, PROC_CN_MCAST_IGNORE);
                return -ENOMEM;
        }
        e->fd = TAKE_FD(fd);
        *ret = e;
        return 0;
}

ProcEvents *proc_events_free(ProcEvents *e) {
        if (!e)
                return NULL;

        if (e->fd >= 0) {
                /* Older kernels keep a global listener count: give our share back. */
                (void) send_mcast_op(e->fd, PROC_CN_MCAST_IGNORE);
                (void) close(e->fd);
        }
        free(e);
        return NULL;
}

int proc_events_fd(ProcEvents *e) {
        if (!e)
                return -EINVAL;
        return e->fd;
}

int proc_events_receive(ProcEvents *e, proc_event_cb cb, void *userdata) {
        bool lost = false;

        if (!e)
                return -EINVAL;

        for (unsigned i = 0; i < DATAGRAMS_PER_RECEIVE; i++) {
                union {
                        struct nlmsghdr nlh;
                        uint8_t bytes[DATAGRAM_MAX];
                } buf;
                struct sockaddr_nl sender = {};
                struct iovec iov = {
                        .iov_base = &buf,
                        .iov_len = sizeof(buf),
                };
                struct msghdr mh = {
                        .msg_name = &sender,
                        .msg_namelen = sizeof(sender),
                        .msg_iov = &iov,
                        .msg_iovlen = 1,
                };
                ssize_t n;

                n = recvmsg(e->fd, &mh, MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN || errno == EWOULDBLOCK)
                                break;
                        if (errno == ENOBUFS) {
                                /* The queue overflowed: keep draining, then tell the caller to rescan. */
                                lost = true;
                                continue;
                        }
                        return negative_errno();
                }

                /* Only the kernel speaks on this protocol; a cut datagram cannot be parsed. */
                if (mh.msg_namelen < sizeof(sender) || sender.nl_pid != 0)
                        continue;
                if (mh.msg_flags & MSG_TRUNC)
                        continue;

                /* A malformed datagram is skipped; the ones after it are still good. */
                (void) proc_events_parse(&buf, (size_t) n, cb, userdata);
        }

        return lost ? -ENOBUFS : 0;
}

static void emit(proc_event_cb cb, void *userdata, ProcEventKind kind, __kernel_pid_t pid, __kernel_pid_t tid) {
        if (cb)
                cb(kind, (pid_t) pid, (pid_t) tid, userdata);
}

/* One proc_event of len bytes (possibly unaligned). */
static int parse_proc_event(const uint8_t *p, size_t len, proc_event_cb cb, void *userdata) {
        struct proc_event ev = {};

        if (len < PROC_EVENT_HEADER_SIZE)
                return -EBADMSG;
        memcpy(&ev, p, MIN(len, sizeof(ev)));

        switch (ev.what) {
        case PROC_EVENT_FORK:
                if (len < PROC_EVENT_SIZE_FOR(fork))
                        return -EBADMSG;
                emit(cb, userdata, PROC_EVENT_KIND_FORK, ev.event_data.fork.child_tgid, ev.event_data.fork.child_pid);
                break;

        case PROC_EVENT_EXEC:
                if (len < PROC_EVENT_SIZE_FOR(exec))
                        return -EBADMSG;
                emit(cb, userdata, PROC_EVENT_KIND_EXEC,
                     ev.event_data.exec.process_tgid, ev.event_data.exec.process_pid);
                break;

        case PROC_EVENT_COMM:
                if (len < PROC_EVENT_SIZE_FOR(comm))
                        return -EBADMSG;
                emit(cb, userdata, PROC_EVENT_KIND_COMM,
                     ev.event_data.comm.process_tgid, ev.event_data.comm.process_pid);
                break;

        case PROC_EVENT_EXIT:
                /* Only the ids are needed; older kernels sent a shorter exit record. */
                if (len < PROC_EVENT_SIZE_FOR_IDS)
                        return -EBADMSG;
                emit(cb, userdata, PROC_EVENT_KIND_EXIT,
                     ev.event_data.exit.process_tgid, ev.event_data.exit.process_pid);
                break;

        case PROC_EVENT_NONE:
                /* The kernel's answer to LISTEN/IGNORE (ours or another listener's): no task. */
                emit(cb, userdata, PROC_EVENT_KIND_OTHER, 0, 0);
                break;

        default:
                /* uid, gid, sid, ptrace, coredump, and whatever comes next: ids first when present. */
                if (len >= PROC_EVENT_SIZE_FOR_IDS)
                        emit(cb, userdata, PROC_EVENT_KIND_OTHER,
                             ev.event_data.exec.process_tgid, ev.event_data.exec.process_pid);
                else
                        emit(cb, userdata, PROC_EVENT_KIND_OTHER, 0, 0);
                break;
        }

        return 0;
}

/* The payload of one netlink message: a cn_msg and its data. Other connector users are ignored. */
static int parse_cn_msg(const uint8_t *p, size_t len, proc_event_cb cb, void *userdata) {
        struct cn_msg cn;

        if (len < sizeof(cn))
                return -EBADMSG;
        memcpy(&cn, p, sizeof(cn));
        if (cn.len > len - sizeof(cn))
                return -EBADMSG;

        if (cn.id.idx != CN_IDX_PROC || cn.id.val != CN_VAL_PROC)
                return 0;

        return parse_proc_event(p + sizeof(cn), cn.len, cb, userdata);
}

int proc_events_parse(const void *buf, size_t len, proc_event_cb cb, void *userdata) {
        const uint8_t *p = buf;

        if (!buf && len > 0)
                return -EINVAL;

        while (len > 0) {
                struct nlmsghdr nlh;
                size_t step;
                int r;

                if (len < sizeof(nlh))
                        return -EBADMSG;
                memcpy(&nlh, p, sizeof(nlh));
                if (nlh.nlmsg_len < NLMSG_HDRLEN || nlh.nlmsg_len > len)
                        return -EBADMSG;

                /* The connector sends each message as NLMSG_DONE; NOOP and the like carry nothing for us. */
                if (nlh.nlmsg_type == NLMSG_DONE) {
                        r = parse_cn_msg(p + NLMSG_HDRLEN, nlh.nlmsg_len - NLMSG_HDRLEN, cb, userdata);
                        if (r < 0)
                                return r;
                }

                step = NLMSG_ALIGN(nlh.nlmsg_len);
                if (step >= len)
                        break;
                p += step;
                len -= step;
        }

        return 0;
}
