/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests the process events parser on datagrams captured from a real kernel (tests/data/proc-events-*.hex)
 * and on ones built here from the kernel structs: every kind, batches, foreign messages, and every way
 * of being cut short or lying about lengths, which must give -EBADMSG and never a crash. */
#include <ctype.h>
#include <errno.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "proc-events.h"
#include "test-util.h"

#define EVENTS_MAX 16

typedef struct Event {
        ProcEventKind kind;
        pid_t pid, tid;
} Event;

typedef struct Log {
        Event events[EVENTS_MAX];
        size_t n;
} Log;

static void on_event(ProcEventKind kind, pid_t pid, pid_t tid, void *userdata) {
        Log *log = userdata;

        ASSERT_TRUE(log->n < EVENTS_MAX);
        log->events[log->n++] = (Event) { kind, pid, tid };
}

static void assert_event(const Log *log, size_t i, ProcEventKind kind, pid_t pid, pid_t tid) {
        ASSERT_TRUE(i < log->n);
        ASSERT_EQ(log->events[i].kind, kind);
        ASSERT_EQ(log->events[i].pid, pid);
        ASSERT_EQ(log->events[i].tid, tid);
}

/* A datagram in a heap block of exactly its size, so that any read past the end is a real overread. */
typedef struct Blob {
        uint8_t *data;
        size_t size;
} Blob;

static void blob_done(Blob *b) {
        free(b->data);
        *b = (Blob) {};
}

static Blob blob_copy(const void *p, size_t n) {
        Blob b = { .data = malloc(n ?: 1), .size = n };

        ASSERT_TRUE(b.data);
        if (n > 0)
                memcpy(b.data, p, n);
        return b;
}

/* Loads a tests/data file: lines starting with '#' are comments, everything else is blank-separated hex bytes. */
static Blob load_hex(const char *name) {
        _cleanup_free_ char *path = NULL;
        uint8_t bytes[4096];
        size_t n = 0;
        char line[1024];
        FILE *f;

        ASSERT_TRUE(asprintf(&path, "%s/%s", TEST_DATA_DIR, name) >= 0);
        f = fopen(path, "re");
        if (!f) {
                fprintf(stderr, "%s: %m\n", path);
                abort();
        }
        while (fgets(line, sizeof(line), f)) {
                char *p = line;

                if (line[0] == '#')
                        continue;
                for (;;) {
                        char *end;
                        unsigned long v;

                        while (isspace((unsigned char) *p))
                                p++;
                        if (*p == 0)
                                break;
                        v = strtoul(p, &end, 16);
                        ASSERT_EQ(end - p, 2);
                        ASSERT_TRUE(n < sizeof(bytes));
                        bytes[n++] = (uint8_t) v;
                        p = end;
                }
        }
        fclose(f);
        return blob_copy(bytes, n);
}

/* Appends one connector message (nlmsghdr of the given type, cn_msg with the given id and a payload
 * of len bytes) at buf + *offset, padded to NLMSG_ALIGNTO. */
static void put_message(uint8_t *buf, size_t size, size_t *offset, uint16_t type, uint32_t idx, uint32_t val,
                        const void *payload, size_t len) {
        struct nlmsghdr nlh = {
                .nlmsg_len = NLMSG_LENGTH(sizeof(struct cn_msg) + len),
                .nlmsg_type = type,
        };
        struct cn_msg cn = {
                .id = { .idx = idx, .val = val },
                .len = (uint16_t) len,
        };

        ASSERT_TRUE(*offset + NLMSG_ALIGN(nlh.nlmsg_len) <= size);
        memset(buf + *offset, 0, NLMSG_ALIGN(nlh.nlmsg_len));
        memcpy(buf + *offset, &nlh, sizeof(nlh));
        memcpy(buf + *offset + NLMSG_HDRLEN, &cn, sizeof(cn));
        memcpy(buf + *offset + NLMSG_HDRLEN + sizeof(cn), payload, len);
        *offset += NLMSG_ALIGN(nlh.nlmsg_len);
}

static Blob make_event(const struct proc_event *ev, size_t len) {
        uint8_t buf[256];
        size_t n = 0;

        put_message(buf, sizeof(buf), &n, NLMSG_DONE, CN_IDX_PROC, CN_VAL_PROC, ev, len);
        return blob_copy(buf, n);
}

static struct proc_event fork_event(pid_t parent, pid_t child_tgid, pid_t child_pid) {
        return (struct proc_event) {
                .what = PROC_EVENT_FORK,
                .event_data.fork = { parent, parent, child_pid, child_tgid },
        };
}

static struct proc_event comm_event(pid_t tgid, pid_t pid, const char *comm) {
        struct proc_event ev = {
                .what = PROC_EVENT_COMM,
                .event_data.comm = { .process_pid = pid, .process_tgid = tgid },
        };

        snprintf(ev.event_data.comm.comm, sizeof(ev.event_data.comm.comm), "%s", comm);
        return ev;
}

static struct proc_event exit_event(pid_t tgid, pid_t pid) {
        return (struct proc_event) {
                .what = PROC_EVENT_EXIT,
                .event_data.exit = { .process_pid = pid, .process_tgid = tgid, .exit_code = 0, .exit_signal = 17 },
        };
}

static int parse(const Blob *b, Log *log) {
        *log = (Log) {};
        return proc_events_parse(b->data, b->size, on_event, log);
}

/* Every proper prefix of a one-message datagram is cut inside that message: -EBADMSG, no event. */
static void assert_prefixes_rejected(const Blob *b) {
        for (size_t n = 1; n < b->size; n++) {
                Blob cut = blob_copy(b->data, n);
                Log log;

                ASSERT_EQ(parse(&cut, &log), -EBADMSG);
                ASSERT_EQ(log.n, 0);
                blob_done(&cut);
        }
}

static void test_captured(void) {
        static const struct {
                const char *file;
                ProcEventKind kind;
        } table[] = {
                { "proc-events-fork.hex", PROC_EVENT_KIND_FORK },
                { "proc-events-comm.hex", PROC_EVENT_KIND_COMM },
                { "proc-events-exit.hex", PROC_EVENT_KIND_EXIT },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                Blob b = load_hex(table[i].file);
                Log log;

                ASSERT_EQ(b.size, 76);
                ASSERT_OK(parse(&b, &log));
                ASSERT_EQ(log.n, 1);
                assert_event(&log, 0, table[i].kind, 4168, 4168);
                assert_prefixes_rejected(&b);
                blob_done(&b);
        }
}

static void test_kinds(void) {
        struct proc_event ev;
        Blob b;
        Log log;

        /* A new thread: pid is the thread group it joined, tid the new task. */
        ev = fork_event(100, 100, 105);
        b = make_event(&ev, sizeof(ev));
        ASSERT_OK(parse(&b, &log));
        ASSERT_EQ(log.n, 1);
        assert_event(&log, 0, PROC_EVENT_KIND_FORK, 100, 105);
        assert_prefixes_rejected(&b);
        blob_done(&b);

        ev = (struct proc_event) { .what = PROC_EVENT_EXEC, .event_data.exec = { 200, 200 } };
        b = make_event(&ev, sizeof(ev));
        ASSERT_OK(parse(&b, &log));
        assert_event(&log, 0, PROC_EVENT_KIND_EXEC, 200, 200);
        assert_prefixes_rejected(&b);
        blob_done(&b);

        ev = comm_event(300, 301, "CPU 0/KVM");
        b = make_event(&ev, sizeof(ev));
        ASSERT_OK(parse(&b, &log));
        assert_event(&log, 0, PROC_EVENT_KIND_COMM, 300, 301);
        blob_done(&b);

        ev = exit_event(400, 401);
        b = make_event(&ev, sizeof(ev));
        ASSERT_OK(parse(&b, &log));
        assert_event(&log, 0, PROC_EVENT_KIND_EXIT, 400, 401);
        blob_done(&b);

        /* An older kernel's shorter exit record still names the task. */
        b = make_event(&ev, offsetof(struct proc_event, event_data) + 2 * sizeof(__kernel_pid_t));
        ASSERT_OK(parse(&b, &log));
        assert_event(&log, 0, PROC_EVENT_KIND_EXIT, 400, 401);
        blob_done(&b);

        /* The kernel's acknowledgement of LISTEN: no task. */
        ev = (struct proc_event) { .what = PROC_EVENT_NONE, .event_data.ack = { 0 } };
        b = make_event(&ev, sizeof(ev));
        ASSERT_OK(parse(&b, &log));
        assert_event(&log, 0, PROC_EVENT_KIND_OTHER, 0, 0);
        blob_done(&b);

        ev = (struct proc_event) { .what = PROC_EVENT_UID, .event_data.id = { 500, 500, { 0 }, { 1000 } } };
        b = make_event(&ev, sizeof(ev));
        ASSERT_OK(parse(&b, &log));
        assert_event(&log, 0, PROC_EVENT_KIND_OTHER, 500, 500);
        blob_done(&b);

        ev = (struct proc_event) { .what = PROC_EVENT_COREDUMP, .event_data.coredump = { 601, 600, 1, 1 } };
        b = make_event(&ev, sizeof(ev));
        ASSERT_OK(parse(&b, &log));
        assert_event(&log, 0, PROC_EVENT_KIND_OTHER, 600, 601);
        blob_done(&b);

        /* A kind from the future with nothing but the header. */
        ev = (struct proc_event) { .what = 0x00000400 };
        b = make_event(&ev, offsetof(struct proc_event, event_data));
        ASSERT_OK(parse(&b, &log));
        assert_event(&log, 0, PROC_EVENT_KIND_OTHER, 0, 0);
        blob_done(&b);

        /* A NULL callback only validates. */
        ev = fork_event(1, 2, 2);
        b = make_event(&ev, sizeof(ev));
        ASSERT_OK(proc_events_parse(b.data, b.size, NULL, NULL));
        blob_done(&b);
}

static void test_batch(void) {
        struct proc_event fork_ev = fork_event(10, 11, 11), comm_ev = comm_event(11, 12, "vhost-11"),
                          exit_ev = exit_event(11, 12), uid_ev = { .what = PROC_EVENT_UID };
        uint8_t buf[1024];
        size_t n = 0, boundaries[8], n_boundaries = 0;
        Log log;
        Blob b;

        put_message(buf, sizeof(buf), &n, NLMSG_DONE, CN_IDX_PROC, CN_VAL_PROC, &fork_ev, sizeof(fork_ev));
        boundaries[n_boundaries++] = n;
        /* Somebody else's connector message and a NOOP in between are skipped. */
        put_message(buf, sizeof(buf), &n, NLMSG_DONE, CN_IDX_PROC + 1, CN_VAL_PROC, &uid_ev, sizeof(uid_ev));
        boundaries[n_boundaries++] = n;
        put_message(buf, sizeof(buf), &n, NLMSG_NOOP, CN_IDX_PROC, CN_VAL_PROC, &uid_ev, sizeof(uid_ev));
        boundaries[n_boundaries++] = n;
        put_message(buf, sizeof(buf), &n, NLMSG_DONE, CN_IDX_PROC, CN_VAL_PROC, &comm_ev, sizeof(comm_ev));
        boundaries[n_boundaries++] = n;
        /* Odd payload length: the next message starts at the aligned offset. */
        put_message(buf, sizeof(buf), &n, NLMSG_DONE, CN_IDX_PROC, CN_VAL_PROC + 1, "abc", 3);
        boundaries[n_boundaries++] = n - 1;
        boundaries[n_boundaries++] = n;
        put_message(buf, sizeof(buf), &n, NLMSG_DONE, CN_IDX_PROC, CN_VAL_PROC, &exit_ev, sizeof(exit_ev));

        b = blob_copy(buf, n);
        ASSERT_OK(parse(&b, &log));
        ASSERT_EQ(log.n, 3);
        assert_event(&log, 0, PROC_EVENT_KIND_FORK, 11, 11);
        assert_event(&log, 1, PROC_EVENT_KIND_COMM, 11, 12);
        assert_event(&log, 2, PROC_EVENT_KIND_EXIT, 11, 12);
        blob_done(&b);

        /* Cut anywhere: whole messages before the cut are delivered, the cut one is refused, and a
         * cut on a message boundary is simply a shorter batch. */
        for (size_t len = 1; len < n; len++) {
                bool on_boundary = false;
                int r;

                for (size_t i = 0; i < n_boundaries; i++)
                        if (boundaries[i] == len)
                                on_boundary = true;

                b = blob_copy(buf, len);
                r = parse(&b, &log);
                ASSERT_EQ(r, on_boundary ? 0 : -EBADMSG);
                ASSERT_TRUE(log.n <= 3);
                blob_done(&b);
        }

        /* The last message need not be padded. */
        n = 0;
        put_message(buf, sizeof(buf), &n, NLMSG_DONE, CN_IDX_PROC, CN_VAL_PROC, &fork_ev, sizeof(fork_ev));
        put_message(buf, sizeof(buf), &n, NLMSG_DONE, CN_IDX_PROC, CN_VAL_PROC + 1, "abc", 3);
        b = blob_copy(buf, n - 1);
        ASSERT_OK(parse(&b, &log));
        ASSERT_EQ(log.n, 1);
        blob_done(&b);
}

static void test_lies(void) {
        struct proc_event ev = fork_event(1, 42, 43);
        const size_t cn_off = NLMSG_HDRLEN, ev_off = NLMSG_HDRLEN + sizeof(struct cn_msg);
        struct nlmsghdr nlh;
        struct cn_msg cn;
        Blob good = make_event(&ev, sizeof(ev));
        Log log;

        /* nlmsg_len of 0, below the header, and beyond the datagram. */
        static const uint32_t bad_nlmsg_len[] = { 0, 1, NLMSG_HDRLEN - 1, 1000, UINT32_MAX };
        for (size_t i = 0; i < ELEMENTSOF(bad_nlmsg_len); i++) {
                Blob b = blob_copy(good.data, good.size);

                memcpy(&nlh, b.data, sizeof(nlh));
                nlh.nlmsg_len = bad_nlmsg_len[i];
                memcpy(b.data, &nlh, sizeof(nlh));
                ASSERT_EQ(parse(&b, &log), -EBADMSG);
                ASSERT_EQ(log.n, 0);
                blob_done(&b);
        }

        /* nlmsg_len too short for the cn_msg header. */
        for (uint32_t len = NLMSG_HDRLEN; len < ev_off; len++) {
                Blob b = blob_copy(good.data, good.size);

                memcpy(&nlh, b.data, sizeof(nlh));
                nlh.nlmsg_len = len;
                memcpy(b.data, &nlh, sizeof(nlh));
                ASSERT_EQ(proc_events_parse(b.data, len, on_event, &log), -EBADMSG);
                blob_done(&b);
        }

        /* cn_msg.len beyond the message, and too short for the event header or the fork fields. */
        static const uint16_t bad_cn_len[] = {
                UINT16_MAX, sizeof(struct proc_event) + 1, 0, 1, offsetof(struct proc_event, event_data) - 1,
                offsetof(struct proc_event, event_data), offsetof(struct proc_event, event_data) + 12,
        };
        for (size_t i = 0; i < ELEMENTSOF(bad_cn_len); i++) {
                Blob b = blob_copy(good.data, good.size);

                memcpy(&cn, b.data + cn_off, sizeof(cn));
                cn.len = bad_cn_len[i];
                memcpy(b.data + cn_off, &cn, sizeof(cn));
                log = (Log) {};
                ASSERT_EQ(proc_events_parse(b.data, b.size, on_event, &log), -EBADMSG);
                ASSERT_EQ(log.n, 0);
                blob_done(&b);
        }

        /* The same holds for exec, comm and exit records cut inside their fields. */
        static const struct {
                uint32_t what;
                size_t need;
        } kinds[] = {
                { PROC_EVENT_EXEC, sizeof(struct exec_proc_event) },
                { PROC_EVENT_COMM, sizeof(struct comm_proc_event) },
                { PROC_EVENT_EXIT, 2 * sizeof(__kernel_pid_t) },
        };
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++)
                for (size_t len = 0; len < offsetof(struct proc_event, event_data) + kinds[i].need; len++) {
                        struct proc_event e = { .what = kinds[i].what };
                        Blob b = make_event(&e, len);

                        ASSERT_EQ(parse(&b, &log), -EBADMSG);
                        ASSERT_EQ(log.n, 0);
                        blob_done(&b);
                }

        /* Nothing at all is an empty batch. */
        ASSERT_OK(proc_events_parse(NULL, 0, on_event, &log));
        ASSERT_EQ(proc_events_parse(NULL, 16, on_event, &log), -EINVAL);

        /* Unaligned input parses the same. */
        {
                uint8_t *odd = malloc(good.size + 1);

                ASSERT_TRUE(odd);
                memcpy(odd + 1, good.data, good.size);
                log = (Log) {};
                ASSERT_OK(proc_events_parse(odd + 1, good.size, on_event, &log));
                assert_event(&log, 0, PROC_EVENT_KIND_FORK, 42, 43);
                free(odd);
        }

        blob_done(&good);
}

/* Random corruption of good datagrams and random garbage: an answer, never a crash. */
static void test_garbage(void) {
        struct proc_event fork_ev = fork_event(1, 2, 3), exit_ev = exit_event(2, 3);
        uint8_t buf[512];
        size_t n = 0;
        unsigned seed = 12345;

        put_message(buf, sizeof(buf), &n, NLMSG_DONE, CN_IDX_PROC, CN_VAL_PROC, &fork_ev, sizeof(fork_ev));
        put_message(buf, sizeof(buf), &n, NLMSG_DONE, CN_IDX_PROC, CN_VAL_PROC, &exit_ev, sizeof(exit_ev));

        for (unsigned i = 0; i < 200000; i++) {
                uint8_t copy[512];
                size_t len = n;
                Blob b;
                Log log = {};
                int r;

                memcpy(copy, buf, n);
                if (i % 4 == 0) {
                        len = (size_t) rand_r(&seed) % (n + 1);
                        for (size_t k = 0; k < len; k++)
                                copy[k] = (uint8_t) rand_r(&seed);
                } else
                        for (unsigned k = 1 + (unsigned) rand_r(&seed) % 4; k > 0; k--)
                                copy[(size_t) rand_r(&seed) % n] = (uint8_t) rand_r(&seed);

                b = blob_copy(copy, len);
                r = proc_events_parse(b.data, b.size, on_event, &log);
                ASSERT_TRUE(r == 0 || r == -EBADMSG);
                ASSERT_TRUE(log.n <= 2);
                blob_done(&b);
        }
}

int main(void) {
        test_captured();
        test_kinds();
        test_batch();
        test_lies();
        test_garbage();
        return 0;
}
