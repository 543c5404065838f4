/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtnetlink link adapter on libnl-route: reads a link's identity and MTU limits, sets the MTU, follows link events. */
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "rtnl-link.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct RtnlLink {
        struct nl_sock *sk;
};

struct RtnlMonitor {
        struct nl_sock *sk;
        rtnl_link_event_cb cb;
        void *userdata;
};

/* libnl's -NLE_* codes overlap errno numbers but mean other things: translate. */
static int nl_to_errno(int nle) {
        switch (abs(nle)) {
        case 0:
                return 0;
        case NLE_INTR:
                return -EINTR;
        case NLE_BAD_SOCK:
                return -EBADF;
        case NLE_AGAIN:
                return -EAGAIN;
        case NLE_NOMEM:
                return -ENOMEM;
        case NLE_EXIST:
                return -EEXIST;
        case NLE_INVAL:
                return -EINVAL;
        case NLE_RANGE:
                return -ERANGE;
        case NLE_MSGSIZE:
                return -EMSGSIZE;
        case NLE_OPNOTSUPP:
                return -EOPNOTSUPP;
        case NLE_AF_NOSUPPORT:
                return -EAFNOSUPPORT;
        case NLE_OBJ_NOTFOUND:
        case NLE_NODEV:
                return -ENODEV;
        case NLE_NOATTR:
                return -ENODATA;
        case NLE_PERM:
                return -EPERM;
        case NLE_NOACCESS:
                return -EACCES;
        case NLE_BUSY:
                return -EBUSY;
        case NLE_PROTO_MISMATCH:
                return -EPROTONOSUPPORT;
        case NLE_DUMP_INTR:
                return -EINTR;
        case NLE_MSG_TRUNC:
        case NLE_MSG_TOOSHORT:
        case NLE_MSG_OVERFLOW:
        case NLE_PARSE_ERR:
                return -EBADMSG;
        default:
                return -EIO;
        }
}

/* A private copy of a socket's callbacks. nl_socket_get_cb() takes a reference: give it back. */
static struct nl_cb *socket_cb_clone(struct nl_sock *sk) {
        struct nl_cb *orig = nl_socket_get_cb(sk), *c;

        c = nl_cb_clone(orig);
        nl_cb_put(orig);
        return c;
}

static struct nl_sock *socket_open(void) {
        struct nl_sock *sk = nl_socket_alloc();
        int one = 1;

        if (!sk)
                return NULL;
        if (nl_connect(sk, NETLINK_ROUTE) < 0) {
                nl_socket_free(sk);
                return NULL;
        }
        (void) setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
        /* One recvmsg per reply, not a MSG_PEEK to size the buffer first: a buffer that fits any
         * RTM_NEWLINK of one link. */
        nl_socket_disable_msg_peek(sk);
        (void) nl_socket_set_msg_buf_size(sk, 65536);
        /* Acknowledgements only where asked for (SETs): a GET's reply is its answer. */
        nl_socket_disable_auto_ack(sk);
        return sk;
}

int rtnl_link_adapter_new(RtnlLink **ret) {
        RtnlLink *r = calloc(1, sizeof *r);

        if (!r)
                return -ENOMEM;
        r->sk = socket_open();
        if (!r->sk) {
                free(r);
                return -EPROTONOSUPPORT;
        }
        *ret = r;
        return 0;
}

RtnlLink *rtnl_link_adapter_free(RtnlLink *r) {
        if (!r)
                return NULL;
        nl_socket_free(r->sk);
        free(r);
        return NULL;
}

/* Attribute lengths are checked before they are read: a short IFLA_MTU or an unterminated name is
 * a bad message, not a read past its end. */
static struct nla_policy link_policy[IFLA_MAX + 1] = {
        [IFLA_IFNAME] = { .type = NLA_STRING, .maxlen = IFNAMSIZ },
        [IFLA_MTU] = { .type = NLA_U32 },
        [IFLA_MIN_MTU] = { .type = NLA_U32 },
        [IFLA_MAX_MTU] = { .type = NLA_U32 },
        [IFLA_NUM_TX_QUEUES] = { .type = NLA_U32 },
        [IFLA_TXQLEN] = { .type = NLA_U32 },
        [IFLA_MASTER] = { .type = NLA_U32 },
        [IFLA_LINKINFO] = { .type = NLA_NESTED },
};

static struct nla_policy linkinfo_policy[IFLA_INFO_MAX + 1] = {
        [IFLA_INFO_KIND] = { .type = NLA_STRING, .maxlen = 32 },
};

/* Fills the snapshot from one RTM_NEWLINK message. Returns the ifindex or -errno. */
static int parse_link_msg(struct nlmsghdr *nlh, NetdevSnapshot *snap) {
        struct nlattr *tb[IFLA_MAX + 1];
        struct ifinfomsg *ifi;

        if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
                return -EBADMSG;
        if (!nlmsg_valid_hdr(nlh, sizeof(struct ifinfomsg)))
                return -EBADMSG;
        if (nlmsg_parse(nlh, sizeof(struct ifinfomsg), tb, IFLA_MAX, link_policy) < 0)
                return -EBADMSG;
        ifi = nlmsg_data(nlh);
        if (!snap)
                return ifi->ifi_index;

        snap->ifindex = ifi->ifi_index;
        if (tb[IFLA_IFNAME])
                snprintf(snap->name, sizeof snap->name, "%s", nla_get_string(tb[IFLA_IFNAME]));
        if (tb[IFLA_MTU])
                snap->mtu = nla_get_u32(tb[IFLA_MTU]);
        if (tb[IFLA_MIN_MTU])
                snap->min_mtu = nla_get_u32(tb[IFLA_MIN_MTU]);
        if (tb[IFLA_MAX_MTU])
                snap->max_mtu = nla_get_u32(tb[IFLA_MAX_MTU]);
        if (tb[IFLA_NUM_TX_QUEUES])
                snap->num_tx_queues = nla_get_u32(tb[IFLA_NUM_TX_QUEUES]);
        if (tb[IFLA_TXQLEN])
                snap->txqueuelen = nla_get_u32(tb[IFLA_TXQLEN]);
        snap->master_ifindex = tb[IFLA_MASTER] ? (int) nla_get_u32(tb[IFLA_MASTER]) : 0;
        snap->kind[0] = 0;
        if (tb[IFLA_LINKINFO]) {
                struct nlattr *li[IFLA_INFO_MAX + 1];

                if (nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], linkinfo_policy) >= 0 &&
                    li[IFLA_INFO_KIND])
                        snprintf(snap->kind, sizeof snap->kind, "%s", nla_get_string(li[IFLA_INFO_KIND]));
        }
        snap->mac[0] = 0;
        if (tb[IFLA_ADDRESS] && nla_len(tb[IFLA_ADDRESS]) == 6) {
                const uint8_t *a = nla_data(tb[IFLA_ADDRESS]);
                snprintf(snap->mac, sizeof snap->mac, "%02x:%02x:%02x:%02x:%02x:%02x",
                         a[0], a[1], a[2], a[3], a[4], a[5]);
        }
        snap->have_link = true;
        return ifi->ifi_index;
}

int rtnl_link_parse_message(const void *buf, size_t len, NetdevSnapshot *snap) {
        const struct nlmsghdr *nlh = buf;
        NetdevSnapshot tmp = {};
        int r;

        if (!buf || len < NLMSG_HDRLEN || nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > len)
                return -EBADMSG;
        r = parse_link_msg((struct nlmsghdr *) nlh, &tmp);
        if (r < 0)
                return r;
        *snap = tmp;
        return r;
}

typedef struct Request {
        NetdevSnapshot *snap;
        int parsed;
        int error;
        char *extack;
} Request;

static int request_valid_cb(struct nl_msg *msg, void *arg) {
        Request *req = arg;

        req->parsed = parse_link_msg(nlmsg_hdr(msg), req->snap);
        return NL_OK;
}

/* The error callback only gets the nlmsgerr; the netlink header sits right before it. */
static int request_error_cb(struct sockaddr_nl *nla, struct nlmsgerr *err, void *arg) {
        struct nlmsghdr *nlh = (struct nlmsghdr *) ((uint8_t *) err - NLMSG_HDRLEN);
        Request *req = arg;

        req->error = err->error;
        if (err->error != 0 && (nlh->nlmsg_flags & NLM_F_ACK_TLVS)) {
                size_t off = sizeof(struct nlmsgerr);
                struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];

                if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
                        off += err->msg.nlmsg_len - NLMSG_HDRLEN;
                if (nlh->nlmsg_len > NLMSG_HDRLEN + off &&
                    nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *) ((uint8_t *) err + NLMSG_ALIGN(off)),
                              (int) (nlh->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(off)), NULL) >= 0 &&
                    tb[NLMSGERR_ATTR_MSG])
                        req->extack = strdup(nla_get_string(tb[NLMSGERR_ATTR_MSG]));
        }
        return NL_STOP;
}

/* Sends msg and reads the reply object (a GET) or the acknowledgement (a SET, built with NLM_F_ACK:
 * the socket adds none by itself). An error answers either. */
static int transact(RtnlLink *r, struct nl_msg *msg, Request *req) {
        struct nl_cb *cb;
        int k;

        cb = socket_cb_clone(r->sk);
        if (!cb)
                return -ENOMEM;
        nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, request_valid_cb, req);
        nl_cb_err(cb, NL_CB_CUSTOM, request_error_cb, req);

        k = nl_send_auto(r->sk, msg);
        if (k >= 0)
                k = nl_recvmsgs(r->sk, cb);
        nl_cb_put(cb);
        if (req->error < 0)
                return req->error;
        if (k < 0)
                return nl_to_errno(k);
        return 0;
}

int rtnl_link_read(RtnlLink *r, int ifindex, NetdevSnapshot *snap) {
        NetdevSnapshot tmp = {};
        Request req = { .snap = &tmp };
        struct nl_msg *msg = NULL;
        int k;

        if (ifindex <= 0)
                return -EINVAL;
        k = rtnl_link_build_get_request(ifindex, NULL, &msg);
        if (k < 0)
                return nl_to_errno(k);
        k = transact(r, msg, &req);
        nlmsg_free(msg);
        free(req.extack);
        if (k < 0)
                return k;
        if (req.parsed < 0)
                return req.parsed;
        if (!tmp.have_link)
                return -ENODEV;

        snap->ifindex = tmp.ifindex;
        memcpy(snap->name, tmp.name, sizeof snap->name);
        memcpy(snap->mac, tmp.mac, sizeof snap->mac);
        snap->mtu = tmp.mtu;
        snap->min_mtu = tmp.min_mtu;
        snap->max_mtu = tmp.max_mtu;
        snap->num_tx_queues = tmp.num_tx_queues;
        snap->txqueuelen = tmp.txqueuelen;
        snap->master_ifindex = tmp.master_ifindex;
        memcpy(snap->kind, tmp.kind, sizeof snap->kind);
        snap->have_link = true;
        return 0;
}

/* RTM_SETLINK by index with the attributes of change: a concurrent rename cannot make us hit another device. */
static int link_change_by_index(RtnlLink *r, int ifindex, struct rtnl_link *change, char **ret_error) {
        struct rtnl_link *orig = NULL;
        struct nl_msg *msg = NULL;
        Request req = {};
        int k;

        orig = rtnl_link_alloc();
        if (!orig)
                return -ENOMEM;
        rtnl_link_set_ifindex(orig, ifindex);
        k = rtnl_link_build_change_request(orig, change, NLM_F_ACK, &msg);
        if (k < 0) {
                k = nl_to_errno(k);
                goto finish;
        }
        nlmsg_hdr(msg)->nlmsg_type = RTM_SETLINK;
        k = transact(r, msg, &req);
        if (k < 0 && ret_error && req.extack)
                *ret_error = TAKE_PTR(req.extack);
finish:
        free(req.extack);
        nlmsg_free(msg);
        rtnl_link_put(orig);
        return k;
}

int rtnl_link_set_mtu_by_index(RtnlLink *r, int ifindex, uint32_t mtu, char **ret_error) {
        struct rtnl_link *change = rtnl_link_alloc();
        int k;

        if (!change)
                return -ENOMEM;
        rtnl_link_set_mtu(change, mtu);
        k = link_change_by_index(r, ifindex, change, ret_error);
        rtnl_link_put(change);
        return k;
}

int rtnl_link_set_txqueuelen_by_index(RtnlLink *r, int ifindex, uint32_t qlen, char **ret_error) {
        struct rtnl_link *change = rtnl_link_alloc();
        int k;

        if (!change)
                return -ENOMEM;
        rtnl_link_set_txqlen(change, qlen);
        k = link_change_by_index(r, ifindex, change, ret_error);
        rtnl_link_put(change);
        return k;
}

static int monitor_valid_cb(struct nl_msg *msg, void *arg) {
        RtnlMonitor *m = arg;
        struct nlmsghdr *nlh = nlmsg_hdr(msg);
        NetdevSnapshot snap = {};
        int ifindex;

        ifindex = parse_link_msg(nlh, &snap);
        if (ifindex <= 0)
                return NL_OK;
        m->cb(ifindex, nlh->nlmsg_type == RTM_DELLINK ? RTNL_EVENT_DEL : RTNL_EVENT_NEW, snap.name, snap.mtu,
              m->userdata);
        return NL_OK;
}

int rtnl_monitor_new(RtnlMonitor **ret) {
        RtnlMonitor *m = calloc(1, sizeof *m);
        int k;

        if (!m)
                return -ENOMEM;
        m->sk = nl_socket_alloc();
        if (!m->sk) {
                free(m);
                return -ENOMEM;
        }
        nl_socket_disable_seq_check(m->sk);
        nl_socket_disable_auto_ack(m->sk);
        k = nl_connect(m->sk, NETLINK_ROUTE);
        if (k >= 0)
                k = nl_socket_add_membership(m->sk, RTNLGRP_LINK);
        if (k >= 0)
                k = nl_socket_set_nonblocking(m->sk);
        if (k >= 0)
                (void) nl_socket_set_buffer_size(m->sk, 4 * 1024 * 1024, 0);
        if (k >= 0) {
                nl_socket_disable_msg_peek(m->sk);
                (void) nl_socket_set_msg_buf_size(m->sk, 65536);
        }
        if (k < 0) {
                nl_socket_free(m->sk);
                free(m);
                return nl_to_errno(k);
        }
        *ret = m;
        return 0;
}

RtnlMonitor *rtnl_monitor_free(RtnlMonitor *m) {
        if (!m)
                return NULL;
        nl_socket_free(m->sk);
        free(m);
        return NULL;
}

int rtnl_monitor_fd(RtnlMonitor *m) {
        return nl_socket_get_fd(m->sk);
}

int rtnl_monitor_receive(RtnlMonitor *m, rtnl_link_event_cb cb, void *userdata) {
        struct nl_cb *c;
        int k;

        c = socket_cb_clone(m->sk);
        if (!c)
                return -ENOMEM;
        m->cb = cb;
        m->userdata = userdata;
        nl_cb_set(c, NL_CB_VALID, NL_CB_CUSTOM, monitor_valid_cb, m);
        /* Drain: nl_recvmsgs_report() returns the number of messages read, 0 when none is queued. */
        do
                k = nl_recvmsgs_report(m->sk, c);
        while (k > 0);
        nl_cb_put(c);
        if (k == -NLE_NOMEM && errno == ENOBUFS)
                return -ENOBUFS;
        if (k < 0 && k != -NLE_AGAIN)
                return nl_to_errno(k);
        return 0;
}
