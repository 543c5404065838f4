/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Adapter: ethtool generic netlink over libmnl, for channel counts, offload feature groups and the
 * monitor multicast group. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "ethtool-nl.h"
#include "macro.h"

/* Verbose FEATURES replies name every listed bit, four bitsets of them: far more than a page. */
#define RECEIVE_BUFFER_SIZE (64U * 1024U)
#define REQUEST_BUFFER_SIZE 4096U
/* netdev_features_t has 64 bits, so a group of more is a malformed reply (tcp segmentation has five). */
#define GROUP_BITS_MAX 64U
/* Every ethtool message, request, reply or notification, carries its header nest as attribute 1. */
#define ETHTOOL_HEADER_ATTR 1

/* A blocking or non-blocking generic netlink socket plus the buffer its datagrams land in. */
typedef struct GenlSocket {
        struct mnl_socket *nl;
        uint32_t portid;
        uint32_t seq;
        uint8_t buf[RECEIVE_BUFFER_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
} GenlSocket;

struct EthtoolNl {
        GenlSocket sock;
        uint16_t family;
};

struct EthtoolMonitor {
        GenlSocket sock;
        uint16_t family;
};

/* What one FEATURES reply says about our groups, plus which bits of each group may be changed. */
typedef struct FeaturesReply {
        int ifindex;
        OffloadState state[_OFFLOAD_MAX];
        unsigned n_changeable[_OFFLOAD_MAX];
        uint32_t changeable[_OFFLOAD_MAX][GROUP_BITS_MAX];
} FeaturesReply;

typedef enum FeaturesBitset {
        FEATURES_BITSET_HW,
        FEATURES_BITSET_WANTED,
        FEATURES_BITSET_ACTIVE,
} FeaturesBitset;

DEFINE_TRIVIAL_CLEANUP_FUNC(struct mnl_socket *, mnl_socket_close);

/* ---- attribute helpers ---- */

/* Checks that the attributes in [data, data + len) tile the area exactly (no overrun, no leftover). */
static int attrs_check(const void *data, size_t len) {
        const uint8_t *end = (const uint8_t *) data + len;
        const struct nlattr *a = data;

        if (len > INT_MAX)
                return -EBADMSG;
        while (mnl_attr_ok(a, (int) (end - (const uint8_t *) a)))
                a = mnl_attr_next(a);
        if ((const uint8_t *) a < end)
                return -EBADMSG;
        return 0;
}

/* Indexes the attributes in [data, data + len) by type into tb[0..max]; higher types are skipped. */
static int attrs_table(const void *data, size_t len, const struct nlattr **tb, uint16_t max) {
        const uint8_t *end = (const uint8_t *) data + len;
        int r;

        r = attrs_check(data, len);
        if (r < 0)
                return r;
        for (uint16_t i = 0; i <= max; i++)
                tb[i] = NULL;
        for (const struct nlattr *a = data; mnl_attr_ok(a, (int) (end - (const uint8_t *) a));
             a = mnl_attr_next(a))
                if (mnl_attr_get_type(a) <= max)
                        tb[mnl_attr_get_type(a)] = a;
        return 0;
}

static int nest_table(const struct nlattr *nest, const struct nlattr **tb, uint16_t max) {
        if (mnl_attr_validate(nest, MNL_TYPE_NESTED) < 0)
                return -EBADMSG;
        return attrs_table(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest), tb, max);
}

/* Checks that nest is a nest whose attributes tile its payload exactly. */
static int nest_check(const struct nlattr *nest) {
        if (mnl_attr_validate(nest, MNL_TYPE_NESTED) < 0)
                return -EBADMSG;
        return attrs_check(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest));
}

/* Iterates the attributes of a nest that passed nest_check(). */
#define NEST_FOREACH(a, nest)                                                                           \
        for (const struct nlattr *a = mnl_attr_get_payload(nest);                                       \
             mnl_attr_ok(a, (int) ((const uint8_t *) mnl_attr_get_payload(nest) +                       \
                                   mnl_attr_get_payload_len(nest) - (const uint8_t *) a));              \
             a = mnl_attr_next(a))

static int attr_get_u32(const struct nlattr *a, uint32_t *ret) {
        if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
                return -EBADMSG;
        *ret = mnl_attr_get_u32(a);
        return 0;
}

/* Splits a whole generic netlink message into its command and its attribute area. */
static int genl_msg_split(const void *buf, size_t len, uint8_t *ret_cmd, const void **ret_attrs,
                          size_t *ret_attrs_len) {
        const struct nlmsghdr *nlh = buf;
        const struct genlmsghdr *genl;

        if (!buf)
                return -EINVAL;
        if (len < NLMSG_HDRLEN)
                return -EBADMSG;
        if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN || nlh->nlmsg_len > len)
                return -EBADMSG;
        if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
                return -EBADMSG;

        genl = mnl_nlmsg_get_payload(nlh);
        *ret_cmd = genl->cmd;
        *ret_attrs = (const uint8_t *) genl + GENL_HDRLEN;
        *ret_attrs_len = nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
        return 0;
}

/* The DEV_INDEX of an ETHTOOL_A_*_HEADER nest. */
static int header_parse(const struct nlattr *nest, int *ret_ifindex) {
        const struct nlattr *tb[ETHTOOL_A_HEADER_MAX + 1];
        uint32_t ifindex;
        int r;

        if (!nest)
                return -EBADMSG;
        r = nest_table(nest, tb, ETHTOOL_A_HEADER_MAX);
        if (r < 0)
                return r;
        if (!tb[ETHTOOL_A_HEADER_DEV_INDEX])
                return -EBADMSG;
        r = attr_get_u32(tb[ETHTOOL_A_HEADER_DEV_INDEX], &ifindex);
        if (r < 0)
                return r;
        if (ifindex == 0 || ifindex > INT_MAX)
                return -EBADMSG;
        *ret_ifindex = (int) ifindex;
        return 0;
}

/* Command and device of any ethtool message (reply or notification). */
static int ethtool_msg_ifindex(const void *buf, size_t len, uint8_t *ret_cmd, int *ret_ifindex) {
        const struct nlattr *tb[ETHTOOL_HEADER_ATTR + 1];
        const void *attrs;
        size_t attrs_len;
        uint8_t cmd;
        int ifindex, r;

        r = genl_msg_split(buf, len, &cmd, &attrs, &attrs_len);
        if (r < 0)
                return r;
        r = attrs_table(attrs, attrs_len, tb, ETHTOOL_HEADER_ATTR);
        if (r < 0)
                return r;
        r = header_parse(tb[ETHTOOL_HEADER_ATTR], &ifindex);
        if (r < 0)
                return r;
        *ret_cmd = cmd;
        *ret_ifindex = ifindex;
        return 0;
}

/* ---- pure parsers ---- */

int ethtool_parse_channels_reply(const void *buf, size_t len, int *ret_ifindex, Channels *ret) {
        static const struct {
                uint16_t type;
                size_t offset;
        } fields[] = {
                { ETHTOOL_A_CHANNELS_RX_MAX,         offsetof(Channels, max_rx)       },
                { ETHTOOL_A_CHANNELS_TX_MAX,         offsetof(Channels, max_tx)       },
                { ETHTOOL_A_CHANNELS_OTHER_MAX,      offsetof(Channels, max_other)    },
                { ETHTOOL_A_CHANNELS_COMBINED_MAX,   offsetof(Channels, max_combined) },
                { ETHTOOL_A_CHANNELS_RX_COUNT,       offsetof(Channels, rx)           },
                { ETHTOOL_A_CHANNELS_TX_COUNT,       offsetof(Channels, tx)           },
                { ETHTOOL_A_CHANNELS_OTHER_COUNT,    offsetof(Channels, other)        },
                { ETHTOOL_A_CHANNELS_COMBINED_COUNT, offsetof(Channels, combined)     },
        };
        const struct nlattr *tb[ETHTOOL_A_CHANNELS_MAX + 1];
        Channels c = {};
        const void *attrs;
        size_t attrs_len;
        uint8_t cmd;
        int ifindex, r;

        r = genl_msg_split(buf, len, &cmd, &attrs, &attrs_len);
        if (r < 0)
                return r;
        if (cmd != ETHTOOL_MSG_CHANNELS_GET_REPLY && cmd != ETHTOOL_MSG_CHANNELS_NTF)
                return -EBADMSG;
        r = attrs_table(attrs, attrs_len, tb, ETHTOOL_A_CHANNELS_MAX);
        if (r < 0)
                return r;
        r = header_parse(tb[ETHTOOL_A_CHANNELS_HEADER], &ifindex);
        if (r < 0)
                return r;

        /* The kernel leaves out the pair of attributes of a kind the driver does not have: 0. */
        for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
                if (!tb[fields[i].type])
                        continue;
                r = attr_get_u32(tb[fields[i].type], (uint32_t *) ((uint8_t *) &c + fields[i].offset));
                if (r < 0)
                        return r;
        }

        if (ret_ifindex)
                *ret_ifindex = ifindex;
        if (ret)
                *ret = c;
        return 0;
}

static Offload offload_of_feature(const char *name) {
        static const char prefix[] = "tx-tcp", suffix[] = "-segmentation";
        size_t n = strlen(name);

        /* tx-tcp-segmentation, tx-tcp-ecn-, -mangleid-, tx-tcp6-, tx-tcp-accecn-, and whatever comes. */
        if (n >= strlen(prefix) + strlen(suffix) && strncmp(name, prefix, strlen(prefix)) == 0 &&
            streq(name + n - strlen(suffix), suffix))
                return OFFLOAD_TSO;
        if (streq(name, "tx-generic-segmentation"))
                return OFFLOAD_GSO;
        if (streq(name, "rx-gro"))
                return OFFLOAD_GRO;
        if (streq(name, "rx-lro"))
                return OFFLOAD_LRO;
        return _OFFLOAD_INVALID;
}

/* Folds one verbose bitset of a FEATURES reply into the groups. */
static int features_bitset_fold(const struct nlattr *nest, FeaturesBitset which, FeaturesReply *reply) {
        const struct nlattr *tb[ETHTOOL_A_BITSET_MAX + 1];
        const struct nlattr *bits;
        bool list;
        int r;

        r = nest_table(nest, tb, ETHTOOL_A_BITSET_MAX);
        if (r < 0)
                return r;
        if (!tb[ETHTOOL_A_BITSET_BITS])
                /* A compact bitset has no names to fold by; an empty verbose one has nothing. */
                return tb[ETHTOOL_A_BITSET_VALUE] ? -EBADMSG : 0;
        /* In a list (NOMASK) every bit named is set; otherwise VALUE says which of the named are. */
        list = tb[ETHTOOL_A_BITSET_NOMASK];

        bits = tb[ETHTOOL_A_BITSET_BITS];
        r = nest_check(bits);
        if (r < 0)
                return r;

        NEST_FOREACH(a, bits) {
                const struct nlattr *bit[ETHTOOL_A_BITSET_BIT_MAX + 1];
                OffloadState *s;
                const char *name;
                uint32_t index;
                Offload o;

                if (mnl_attr_get_type(a) != ETHTOOL_A_BITSET_BITS_BIT)
                        continue;
                r = nest_table(a, bit, ETHTOOL_A_BITSET_BIT_MAX);
                if (r < 0)
                        return r;
                if (!bit[ETHTOOL_A_BITSET_BIT_INDEX] || !bit[ETHTOOL_A_BITSET_BIT_NAME])
                        return -EBADMSG;
                r = attr_get_u32(bit[ETHTOOL_A_BITSET_BIT_INDEX], &index);
                if (r < 0)
                        return r;
                if (mnl_attr_validate(bit[ETHTOOL_A_BITSET_BIT_NAME], MNL_TYPE_NUL_STRING) < 0)
                        return -EBADMSG;
                if (bit[ETHTOOL_A_BITSET_BIT_VALUE] &&
                    mnl_attr_validate(bit[ETHTOOL_A_BITSET_BIT_VALUE], MNL_TYPE_FLAG) < 0)
                        return -EBADMSG;
                if (!list && !bit[ETHTOOL_A_BITSET_BIT_VALUE])
                        continue;

                name = mnl_attr_get_str(bit[ETHTOOL_A_BITSET_BIT_NAME]);
                o = offload_of_feature(name);
                if (o < 0)
                        continue;

                s = &reply->state[o];
                s->known = true;
                switch (which) {
                case FEATURES_BITSET_HW:
                        if (reply->n_changeable[o] >= GROUP_BITS_MAX)
                                return -EBADMSG;
                        reply->changeable[o][reply->n_changeable[o]++] = index;
                        s->changeable = true;
                        break;
                case FEATURES_BITSET_ACTIVE:
                        if (o != OFFLOAD_TSO || streq(name, "tx-tcp-segmentation"))
                                s->active = true;
                        break;
                case FEATURES_BITSET_WANTED:
                        break;
                }
        }
        return 0;
}

static int features_reply_parse(const void *buf, size_t len, FeaturesReply *ret) {
        const struct nlattr *tb[ETHTOOL_A_FEATURES_MAX + 1];
        FeaturesReply reply = {};
        const void *attrs;
        size_t attrs_len;
        uint8_t cmd;
        int r;

        r = genl_msg_split(buf, len, &cmd, &attrs, &attrs_len);
        if (r < 0)
                return r;
        if (cmd != ETHTOOL_MSG_FEATURES_GET_REPLY && cmd != ETHTOOL_MSG_FEATURES_NTF)
                return -EBADMSG;
        r = attrs_table(attrs, attrs_len, tb, ETHTOOL_A_FEATURES_MAX);
        if (r < 0)
                return r;
        r = header_parse(tb[ETHTOOL_A_FEATURES_HEADER], &reply.ifindex);
        if (r < 0)
                return r;
        if (!tb[ETHTOOL_A_FEATURES_HW] || !tb[ETHTOOL_A_FEATURES_ACTIVE])
                return -EBADMSG;

        r = features_bitset_fold(tb[ETHTOOL_A_FEATURES_HW], FEATURES_BITSET_HW, &reply);
        if (r < 0)
                return r;
        if (tb[ETHTOOL_A_FEATURES_WANTED]) {
                r = features_bitset_fold(tb[ETHTOOL_A_FEATURES_WANTED], FEATURES_BITSET_WANTED, &reply);
                if (r < 0)
                        return r;
        }
        r = features_bitset_fold(tb[ETHTOOL_A_FEATURES_ACTIVE], FEATURES_BITSET_ACTIVE, &reply);
        if (r < 0)
                return r;

        *ret = reply;
        return 0;
}

int ethtool_parse_features_reply(const void *buf, size_t len, int *ret_ifindex,
                                 OffloadState ret[_OFFLOAD_MAX]) {
        FeaturesReply reply;
        int r;

        r = features_reply_parse(buf, len, &reply);
        if (r < 0)
                return r;
        if (ret_ifindex)
                *ret_ifindex = reply.ifindex;
        if (ret)
                memcpy(ret, reply.state, sizeof(reply.state));
        return 0;
}

/* ---- request/reply plumbing ---- */

typedef int (*reply_parse_t)(const struct nlmsghdr *nlh, void *userdata);

/* State of one request while its answer is read back. */
typedef struct Transaction {
        uint16_t family;                /* nlmsg_type of the data messages to hand to parse */
        reply_parse_t parse;
        void *userdata;
        int parse_error;
        unsigned n_messages;            /* data messages seen, good or bad */
        unsigned n_replies;
        char *extack;                   /* NLMSGERR_ATTR_MSG of a failed request */
} Transaction;

static int transaction_data_cb(const struct nlmsghdr *nlh, void *data) {
        Transaction *t = data;
        int r;

        if (nlh->nlmsg_type != t->family || !t->parse)
                return MNL_CB_OK;
        t->n_messages++;
        /* Keep reading up to the ACK even when a reply is bad, so no stale datagram stays queued. */
        r = t->parse(nlh, t->userdata);
        if (r < 0) {
                if (t->parse_error == 0)
                        t->parse_error = r;
        } else
                t->n_replies++;
        return MNL_CB_OK;
}

static int transaction_noop_cb(const struct nlmsghdr *nlh, void *data) {
        return MNL_CB_OK;
}

static int transaction_done_cb(const struct nlmsghdr *nlh, void *data) {
        return MNL_CB_STOP;
}

/* Where the extended ACK attributes of an NLMSG_ERROR begin, or 0 when it has none. */
static size_t nlmsgerr_tlv_offset(const struct nlmsghdr *nlh) {
        const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
        size_t offset = sizeof(struct nlmsgerr);

        if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
                return 0;
        if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
                /* The whole request is echoed after the error; its header is already counted. */
                if (err->msg.nlmsg_len < sizeof(struct nlmsghdr))
                        return 0;
                offset += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
        }
        offset = MNL_ALIGN(offset);
        if (offset >= mnl_nlmsg_get_payload_len(nlh))
                return 0;
        return offset;
}

static int transaction_error_cb(const struct nlmsghdr *nlh, void *data) {
        const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
        Transaction *t = data;
        const struct nlattr *tb[NLMSGERR_ATTR_MSG + 1];
        size_t offset;

        if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct nlmsgerr))) {
                errno = EBADMSG;
                return MNL_CB_ERROR;
        }
        if (err->error == 0)
                return MNL_CB_STOP;

        offset = nlmsgerr_tlv_offset(nlh);
        if (offset > 0 &&
            attrs_table((const uint8_t *) err + offset, mnl_nlmsg_get_payload_len(nlh) - offset, tb,
                        NLMSGERR_ATTR_MSG) >= 0 &&
            tb[NLMSGERR_ATTR_MSG] && mnl_attr_validate(tb[NLMSGERR_ATTR_MSG], MNL_TYPE_NUL_STRING) >= 0 &&
            !t->extack)
                t->extack = strdup(mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]));   /* best effort */

        errno = err->error < 0 ? -err->error : err->error;
        return MNL_CB_ERROR;
}

static int genl_socket_open(GenlSocket *s) {
        _cleanup_(mnl_socket_closep) struct mnl_socket *nl = NULL;
        int one = 1;

        nl = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
        if (!nl)
                return negative_errno();
        if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
                return negative_errno();
        /* Both are optional: without them errors just come without a message. */
        (void) setsockopt(mnl_socket_get_fd(nl), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
        (void) setsockopt(mnl_socket_get_fd(nl), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));

        s->portid = mnl_socket_get_portid(nl);
        s->nl = TAKE_PTR(nl);
        return 0;
}

static void genl_socket_close(GenlSocket *s) {
        if (s->nl)
                mnl_socket_close(s->nl);
        s->nl = NULL;
}

/* Sends req with NLM_F_ACK and reads up to the ACK, handing each data message of the family to parse.
 * Returns the number of replies parsed, or -errno; the kernel's extack text goes to *ret_error. */
static int genl_transact(GenlSocket *s, struct nlmsghdr *req, uint16_t family, reply_parse_t parse,
                         void *userdata, char **ret_error) {
        mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
                [NLMSG_NOOP] = transaction_noop_cb,
                [NLMSG_ERROR] = transaction_error_cb,
                [NLMSG_DONE] = transaction_done_cb,
                [NLMSG_OVERRUN] = transaction_noop_cb,
        };
        Transaction t = {
                .family = family,
                .parse = parse,
                .userdata = userdata,
        };
        _cleanup_free_ char *extack = NULL;
        uint32_t seq;
        int r;

        seq = ++s->seq;
        if (seq == 0)   /* 0 would switch libmnl's sequence check off */
                seq = s->seq = 1;
        /* A GET is answered by its one reply (or an error): an acknowledgement after it would only
         * cost another datagram. A SET is answered by the acknowledgement. */
        req->nlmsg_flags |= NLM_F_REQUEST | (parse ? 0 : NLM_F_ACK);
        req->nlmsg_seq = seq;
        req->nlmsg_pid = 0;

        if (mnl_socket_sendto(s->nl, req, req->nlmsg_len) < 0)
                return negative_errno();

        for (;;) {
                const struct nlmsghdr *first = (const struct nlmsghdr *) s->buf;
                ssize_t n;

                n = mnl_socket_recvfrom(s->nl, s->buf, sizeof(s->buf));
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        r = errno == ENOSPC ? -EMSGSIZE : negative_errno();
                        break;
                }
                /* A late answer to an earlier request that failed half way: not ours, skip it. */
                if ((size_t) n >= sizeof(struct nlmsghdr) && first->nlmsg_seq != seq)
                        continue;

                r = mnl_cb_run2(s->buf, (size_t) n, seq, s->portid, transaction_data_cb, &t, ctl,
                                ELEMENTSOF(ctl));
                if (r < 0) {
                        r = negative_errno();
                        break;
                }
                if (r == MNL_CB_STOP || (parse && t.n_messages > 0)) {
                        r = 0;
                        break;
                }
        }
        extack = TAKE_PTR(t.extack);

        if (r < 0) {
                if (ret_error && extack)
                        *ret_error = TAKE_PTR(extack);
                return r;
        }
        if (t.parse_error < 0)
                return t.parse_error;
        return (int) t.n_replies;
}

/* ---- family resolution ---- */

typedef struct FamilyReply {
        const char *group_name;         /* multicast group to look for, or NULL */
        uint16_t id;
        uint32_t group_id;
        bool have_id, have_group;
} FamilyReply;

static int family_groups_parse(const struct nlattr *groups, FamilyReply *f) {
        int r;

        r = nest_check(groups);
        if (r < 0)
                return r;

        NEST_FOREACH(a, groups) {
                const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1];

                r = nest_table(a, tb, CTRL_ATTR_MCAST_GRP_MAX);
                if (r < 0)
                        return r;
                if (!tb[CTRL_ATTR_MCAST_GRP_NAME] || !tb[CTRL_ATTR_MCAST_GRP_ID])
                        continue;
                if (mnl_attr_validate(tb[CTRL_ATTR_MCAST_GRP_NAME], MNL_TYPE_NUL_STRING) < 0)
                        return -EBADMSG;
                if (!streq(mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]), f->group_name))
                        continue;
                r = attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID], &f->group_id);
                if (r < 0)
                        return r;
                f->have_group = true;
        }
        return 0;
}

static int family_reply_parse(const struct nlmsghdr *nlh, void *userdata) {
        const struct nlattr *tb[CTRL_ATTR_MCAST_GROUPS + 1];
        FamilyReply *f = userdata;
        const void *attrs;
        size_t attrs_len;
        uint8_t cmd;
        int r;

        r = genl_msg_split(nlh, nlh->nlmsg_len, &cmd, &attrs, &attrs_len);
        if (r < 0)
                return r;
        if (cmd != CTRL_CMD_NEWFAMILY)
                return -EBADMSG;
        r = attrs_table(attrs, attrs_len, tb, CTRL_ATTR_MCAST_GROUPS);
        if (r < 0)
                return r;
        if (!tb[CTRL_ATTR_FAMILY_ID] || mnl_attr_validate(tb[CTRL_ATTR_FAMILY_ID], MNL_TYPE_U16) < 0)
                return -EBADMSG;
        f->id = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
        f->have_id = true;

        if (f->group_name && tb[CTRL_ATTR_MCAST_GROUPS])
                return family_groups_parse(tb[CTRL_ATTR_MCAST_GROUPS], f);
        return 0;
}

/* Resolves the ethtool family id and, when ret_group is given, its "monitor" multicast group. */
static int ethtool_family_resolve(GenlSocket *s, uint16_t *ret_family, uint32_t *ret_group) {
        uint32_t req_buf[REQUEST_BUFFER_SIZE / sizeof(uint32_t)];
        FamilyReply f = {
                .group_name = ret_group ? ETHTOOL_MCGRP_MONITOR_NAME : NULL,
        };
        struct genlmsghdr *genl;
        struct nlmsghdr *nlh;
        int r;

        nlh = mnl_nlmsg_put_header(req_buf);
        nlh->nlmsg_type = GENL_ID_CTRL;
        genl = mnl_nlmsg_put_extra_header(nlh, sizeof(struct genlmsghdr));
        genl->cmd = CTRL_CMD_GETFAMILY;
        genl->version = 1;
        mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, ETHTOOL_GENL_NAME);

        r = genl_transact(s, nlh, GENL_ID_CTRL, family_reply_parse, &f, NULL);
        if (r == -ENOENT)
                return -EOPNOTSUPP;     /* kernel built without ethtool netlink */
        if (r < 0)
                return r;
        if (!f.have_id)
                return -EBADMSG;
        if (ret_group && !f.have_group)
                return -EOPNOTSUPP;

        *ret_family = f.id;
        if (ret_group)
                *ret_group = f.group_id;
        return 0;
}

/* ---- request socket ---- */

EthtoolNl *ethtool_nl_free(EthtoolNl *e) {
        if (!e)
                return NULL;
        genl_socket_close(&e->sock);
        free(e);
        return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(EthtoolNl *, ethtool_nl_free);

int ethtool_nl_new(EthtoolNl **ret) {
        _cleanup_(ethtool_nl_freep) EthtoolNl *e = NULL;
        int r;

        if (!ret)
                return -EINVAL;
        e = calloc(1, sizeof(EthtoolNl));
        if (!e)
                return -ENOMEM;
        r = genl_socket_open(&e->sock);
        if (r < 0)
                return r;
        r = ethtool_family_resolve(&e->sock, &e->family, NULL);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(e);
        return 0;
}

/* Starts an ethtool request for one device: netlink + genl headers and the header nest. */
static struct nlmsghdr *ethtool_request_start(void *buf, uint16_t family, uint8_t cmd, int ifindex,
                                              uint32_t header_flags) {
        struct genlmsghdr *genl;
        struct nlmsghdr *nlh;
        struct nlattr *nest;

        nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = family;
        genl = mnl_nlmsg_put_extra_header(nlh, sizeof(struct genlmsghdr));
        genl->cmd = cmd;
        genl->version = ETHTOOL_GENL_VERSION;

        nest = mnl_attr_nest_start(nlh, ETHTOOL_HEADER_ATTR);
        mnl_attr_put_u32(nlh, ETHTOOL_A_HEADER_DEV_INDEX, (uint32_t) ifindex);
        if (header_flags != 0)
                mnl_attr_put_u32(nlh, ETHTOOL_A_HEADER_FLAGS, header_flags);
        mnl_attr_nest_end(nlh, nest);
        return nlh;
}

typedef struct ChannelsReply {
        int ifindex;
        Channels channels;
} ChannelsReply;

static int channels_reply_cb(const struct nlmsghdr *nlh, void *userdata) {
        ChannelsReply *c = userdata;

        return ethtool_parse_channels_reply(nlh, nlh->nlmsg_len, &c->ifindex, &c->channels);
}

int ethtool_nl_get_channels(EthtoolNl *e, int ifindex, Channels *ret) {
        uint32_t req_buf[REQUEST_BUFFER_SIZE / sizeof(uint32_t)];
        ChannelsReply reply = {};
        struct nlmsghdr *nlh;
        int r;

        if (!e || ifindex <= 0 || !ret)
                return -EINVAL;

        nlh = ethtool_request_start(req_buf, e->family, ETHTOOL_MSG_CHANNELS_GET, ifindex, 0);
        r = genl_transact(&e->sock, nlh, e->family, channels_reply_cb, &reply, NULL);
        if (r < 0)
                return r;
        if (r == 0 || reply.ifindex != ifindex)
                return -EBADMSG;

        *ret = reply.channels;
        return 0;
}

int ethtool_nl_set_channels(EthtoolNl *e, int ifindex, const Channels *c, char **ret_error) {
        uint32_t req_buf[REQUEST_BUFFER_SIZE / sizeof(uint32_t)];
        struct nlmsghdr *nlh;
        unsigned n = 0;
        int r;

        if (!e || ifindex <= 0 || !c)
                return -EINVAL;

        nlh = ethtool_request_start(req_buf, e->family, ETHTOOL_MSG_CHANNELS_SET, ifindex, 0);
        switch (channels_kind(c)) {
        case CHANNEL_KIND_COMBINED:
                if (c->combined > 0) {
                        mnl_attr_put_u32(nlh, ETHTOOL_A_CHANNELS_COMBINED_COUNT, c->combined);
                        n++;
                }
                break;
        case CHANNEL_KIND_RXTX:
                if (c->rx > 0) {
                        mnl_attr_put_u32(nlh, ETHTOOL_A_CHANNELS_RX_COUNT, c->rx);
                        n++;
                }
                if (c->tx > 0) {
                        mnl_attr_put_u32(nlh, ETHTOOL_A_CHANNELS_TX_COUNT, c->tx);
                        n++;
                }
                break;
        default:
                return -EOPNOTSUPP;     /* no maxima: the device has no channels to set */
        }
        if (n == 0)
                return -EINVAL;

        r = genl_transact(&e->sock, nlh, e->family, NULL, NULL, ret_error);
        return r < 0 ? r : 0;
}

static int features_reply_cb(const struct nlmsghdr *nlh, void *userdata) {
        return features_reply_parse(nlh, nlh->nlmsg_len, userdata);
}

static int ethtool_nl_get_features(EthtoolNl *e, int ifindex, FeaturesReply *ret) {
        uint32_t req_buf[REQUEST_BUFFER_SIZE / sizeof(uint32_t)];
        FeaturesReply reply = {};
        struct nlmsghdr *nlh;
        int r;

        /* No ETHTOOL_FLAG_COMPACT_BITSETS: verbose bitsets name their bits, which is how we group them. */
        nlh = ethtool_request_start(req_buf, e->family, ETHTOOL_MSG_FEATURES_GET, ifindex, 0);
        r = genl_transact(&e->sock, nlh, e->family, features_reply_cb, &reply, NULL);
        if (r < 0)
                return r;
        if (r == 0 || reply.ifindex != ifindex)
                return -EBADMSG;

        *ret = reply;
        return 0;
}

int ethtool_nl_get_offloads(EthtoolNl *e, int ifindex, OffloadState ret[_OFFLOAD_MAX]) {
        FeaturesReply reply;
        int r;

        if (!e || ifindex <= 0 || !ret)
                return -EINVAL;

        r = ethtool_nl_get_features(e, ifindex, &reply);
        if (r < 0)
                return r;
        memcpy(ret, reply.state, sizeof(reply.state));
        return 0;
}

/* Fails with r, handing a message of our own to the caller (who gets one only when given ret_error). */
static int fail_with_message(int r, char **ret_error, const char *format, ...) _printf_(3, 4);
static int fail_with_message(int r, char **ret_error, const char *format, ...) {
        va_list ap;
        char *m;

        if (!ret_error)
                return r;
        va_start(ap, format);
        if (vasprintf(&m, format, ap) >= 0)
                *ret_error = m;
        va_end(ap);
        return r;
}

int ethtool_nl_set_offload(EthtoolNl *e, int ifindex, Offload o, bool on, char **ret_error) {
        uint32_t req_buf[REQUEST_BUFFER_SIZE / sizeof(uint32_t)];
        struct nlattr *wanted, *bits;
        FeaturesReply before, after;
        struct nlmsghdr *nlh;
        int r;

        if (!e || ifindex <= 0 || o < 0 || o >= _OFFLOAD_MAX)
                return -EINVAL;

        r = ethtool_nl_get_features(e, ifindex, &before);
        if (r < 0)
                return r;
        if (before.n_changeable[o] == 0)
                return fail_with_message(-EOPNOTSUPP, ret_error,
                                         "no %s feature bit is changeable on this device",
                                         offload_to_string(o));

        /* A bitset with a mask (no NOMASK): bits we do not name keep their wanted state. */
        nlh = ethtool_request_start(req_buf, e->family, ETHTOOL_MSG_FEATURES_SET, ifindex,
                                    ETHTOOL_FLAG_OMIT_REPLY);
        wanted = mnl_attr_nest_start_check(nlh, sizeof(req_buf), ETHTOOL_A_FEATURES_WANTED);
        if (!wanted)
                return -ENOBUFS;
        bits = mnl_attr_nest_start_check(nlh, sizeof(req_buf), ETHTOOL_A_BITSET_BITS);
        if (!bits)
                return -ENOBUFS;
        for (unsigned i = 0; i < before.n_changeable[o]; i++) {
                struct nlattr *bit;

                bit = mnl_attr_nest_start_check(nlh, sizeof(req_buf), ETHTOOL_A_BITSET_BITS_BIT);
                if (!bit)
                        return -ENOBUFS;
                if (!mnl_attr_put_u32_check(nlh, sizeof(req_buf), ETHTOOL_A_BITSET_BIT_INDEX,
                                            before.changeable[o][i]))
                        return -ENOBUFS;
                if (on && !mnl_attr_put_check(nlh, sizeof(req_buf), ETHTOOL_A_BITSET_BIT_VALUE, 0, NULL))
                        return -ENOBUFS;
                mnl_attr_nest_end(nlh, bit);
        }
        mnl_attr_nest_end(nlh, bits);
        mnl_attr_nest_end(nlh, wanted);

        r = genl_transact(&e->sock, nlh, e->family, NULL, NULL, ret_error);
        if (r < 0)
                return r;

        /* The kernel takes the wanted bits and then lets the driver and dependencies decide. */
        r = ethtool_nl_get_features(e, ifindex, &after);
        if (r < 0)
                return r;
        if (after.state[o].active != on)
                return fail_with_message(-EIO, ret_error,
                                         "kernel accepted %s %s but it stayed %s "
                                         "(held by the driver or by a feature it depends on)",
                                         offload_to_string(o), on ? "on" : "off", on ? "off" : "on");
        return 0;
}

/* ---- monitor ---- */

EthtoolMonitor *ethtool_monitor_free(EthtoolMonitor *m) {
        if (!m)
                return NULL;
        genl_socket_close(&m->sock);
        free(m);
        return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(EthtoolMonitor *, ethtool_monitor_free);

int ethtool_monitor_new(EthtoolMonitor **ret) {
        _cleanup_(ethtool_monitor_freep) EthtoolMonitor *m = NULL;
        uint32_t group;
        int fd, flags, r;

        if (!ret)
                return -EINVAL;
        m = calloc(1, sizeof(EthtoolMonitor));
        if (!m)
                return -ENOMEM;
        r = genl_socket_open(&m->sock);
        if (r < 0)
                return r;
        /* Resolve on this socket while it is still blocking and not yet a group member. */
        r = ethtool_family_resolve(&m->sock, &m->family, &group);
        if (r < 0)
                return r;
        if (mnl_socket_setsockopt(m->sock.nl, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0)
                return negative_errno();

        fd = mnl_socket_get_fd(m->sock.nl);
        flags = fcntl(fd, F_GETFL);
        if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
                return negative_errno();

        *ret = TAKE_PTR(m);
        return 0;
}

int ethtool_monitor_fd(EthtoolMonitor *m) {
        if (!m)
                return -EINVAL;
        return mnl_socket_get_fd(m->sock.nl);
}

static EthtoolEvent ethtool_event_from_cmd(uint8_t cmd) {
        switch (cmd) {
        case ETHTOOL_MSG_CHANNELS_NTF:
                return ETHTOOL_EVENT_CHANNELS;
        case ETHTOOL_MSG_FEATURES_NTF:
                return ETHTOOL_EVENT_FEATURES;
        default:
                return ETHTOOL_EVENT_OTHER;
        }
}

/* Hands every well-formed notification of one datagram to cb; malformed ones are skipped. */
static void monitor_dispatch(EthtoolMonitor *m, size_t n, ethtool_nl_event_cb cb, void *userdata) {
        int len = (int) n;

        for (const struct nlmsghdr *nlh = (const struct nlmsghdr *) m->sock.buf; mnl_nlmsg_ok(nlh, len);
             nlh = mnl_nlmsg_next(nlh, &len)) {
                uint8_t cmd;
                int ifindex;

                if (nlh->nlmsg_type != m->family)
                        continue;
                OffloadState offloads[_OFFLOAD_MAX];
                const OffloadState *o = NULL;
                const Channels *c = NULL;
                Channels channels;

                if (ethtool_msg_ifindex(nlh, nlh->nlmsg_len, &cmd, &ifindex) < 0)
                        continue;
                if (cmd == ETHTOOL_MSG_CHANNELS_NTF &&
                    ethtool_parse_channels_reply(nlh, nlh->nlmsg_len, NULL, &channels) >= 0)
                        c = &channels;
                else if (cmd == ETHTOOL_MSG_FEATURES_NTF &&
                         ethtool_parse_features_reply(nlh, nlh->nlmsg_len, NULL, offloads) >= 0)
                        o = offloads;
                if (cb)
                        cb(ifindex, ethtool_event_from_cmd(cmd), c, o, userdata);
        }
}

int ethtool_monitor_receive(EthtoolMonitor *m, ethtool_nl_event_cb cb, void *userdata) {
        if (!m)
                return -EINVAL;

        for (;;) {
                struct sockaddr_nl sa = {};
                struct iovec iov = {
                        .iov_base = m->sock.buf,
                        .iov_len = sizeof(m->sock.buf),
                };
                struct msghdr mh = {
                        .msg_name = &sa,
                        .msg_namelen = sizeof(sa),
                        .msg_iov = &iov,
                        .msg_iovlen = 1,
                };
                ssize_t n;

                n = recvmsg(mnl_socket_get_fd(m->sock.nl), &mh, MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                return 0;
                        /* ENOBUFS: the kernel dropped notifications, the caller must rescan. */
                        return negative_errno();
                }
                if (mh.msg_flags & MSG_TRUNC)
                        return -ENOBUFS;        /* lost the tail of a notification: as bad as an overrun */
                if (sa.nl_pid != 0)
                        continue;               /* only the kernel speaks on this group */
                monitor_dispatch(m, (size_t) n, cb, userdata);
        }
}
