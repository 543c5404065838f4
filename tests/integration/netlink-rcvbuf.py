#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fault injection from outside a running daemon: shrinks the receive buffer of its netlink sockets
of one protocol (15 = NETLINK_KOBJECT_UEVENT, the udev monitor) by taking a duplicate of each with
pidfd_getfd() (root, Linux >= 5.6) and setting SO_RCVBUF on the shared socket, so that a burst of
messages overflows it (ENOBUFS) as it would under a storm. Prints, per socket, the fd number in the
daemon, the new buffer size and the kernel's drop counter for it (/proc/net/netlink).

  netlink-rcvbuf.py PID PROTOCOL BYTES     shrink (BYTES 0: only report)
Exit status 77 when the kernel or Python lacks pidfd support, 1 when the daemon has no such socket."""

import ctypes
import os
import socket
import sys

SYS_PIDFD_GETFD = 438


def netlink_sockets(protocol):
    found = {}
    with open("/proc/net/netlink") as f:
        next(f)
        for line in f:
            col = line.split()
            if int(col[1]) == protocol:
                found[col[9]] = int(col[8])     # inode -> drops
    return found


def main(pid, protocol, size):
    pid, protocol, size = int(pid), int(protocol), int(size)
    socks = netlink_sockets(protocol)
    fds = []
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in socks:
            fds.append((int(fd), target[8:-1]))
    if not fds:
        print("process %d has no netlink socket of protocol %d" % (pid, protocol), file=sys.stderr)
        return 1
    if not hasattr(os, "pidfd_open"):
        print("SKIP: this Python has no os.pidfd_open", file=sys.stderr)
        return 77
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = os.pidfd_open(pid)
    for fd, inode in fds:
        rcvbuf = "-"
        if size > 0:
            mine = libc.syscall(SYS_PIDFD_GETFD, pidfd, fd, 0)
            if mine < 0:
                err = ctypes.get_errno()
                print("SKIP: pidfd_getfd: %s" % os.strerror(err), file=sys.stderr)
                return 77
            s = socket.socket(fileno=mine)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
            rcvbuf = s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
            s.detach()
            os.close(mine)
        print("fd %d rcvbuf %s drops %d" % (fd, rcvbuf, socks[inode]))
    os.close(pidfd)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
