#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A deliberately small D-Bus client speaking the wire protocol itself (no binding library), so tests
can send what well-behaved clients cannot: wrong signatures, huge arrays, invalid UTF-8, many calls
in flight at once. Used by tests/integration/test-authz.sh and test-bus-abuse.sh.

  dbus-raw.py methods XML CONF            the methods of XML's interfaces as "read|mutating IFACE MEMBER SIG",
                                          mutating = not opened to everyone (context="default") by CONF
  dbus-raw.py call DEST PATH IFACE MEMBER [SIG [JSON-ARGS]]
                                          one call; prints "return" or "error NAME: MESSAGE"; exit 0/1
  dbus-raw.py abuse DEST PATH IFACE       malformed and oversized calls; each must be answered with the
                                          expected error (or refused by the bus) and the service must keep
                                          answering in between; exit 0 when all held
  dbus-raw.py flood DEST PATH IFACE CLIENTS CALLS [IFINDEX]
                                          CLIENTS connections each with CALLS read calls in flight at once;
                                          exit 0 when every call got a method return

The bus address comes from --address or DBUS_SYSTEM_BUS_ADDRESS (unix:path=... only).
"""

import json
import os
import select
import socket
import struct
import sys
import time
import xml.etree.ElementTree as ET

METHOD_CALL, METHOD_RETURN, ERROR, SIGNAL = 1, 2, 3, 4
FIELD_PATH, FIELD_INTERFACE, FIELD_MEMBER, FIELD_ERROR_NAME = 1, 2, 3, 4
FIELD_REPLY_SERIAL, FIELD_DESTINATION, FIELD_SENDER, FIELD_SIGNATURE = 5, 6, 7, 8

ALIGN = {"y": 1, "b": 4, "n": 2, "q": 2, "i": 4, "u": 4, "x": 8, "t": 8, "d": 8, "h": 4,
         "s": 4, "o": 4, "g": 1, "a": 4, "(": 8, "{": 8, "v": 1}
FIXED = {"y": "B", "b": "I", "n": "h", "q": "H", "i": "i", "u": "I", "x": "q", "t": "Q", "d": "d", "h": "I"}


def split_types(sig):
    """'a(is)su' -> ['a(is)', 's', 'u']"""
    out, i = [], 0
    while i < len(sig):
        j = complete_type_end(sig, i)
        out.append(sig[i:j])
        i = j
    return out


def complete_type_end(sig, i):
    c = sig[i]
    if c == "a":
        return complete_type_end(sig, i + 1)
    if c in "({":
        close = ")" if c == "(" else "}"
        depth, j = 0, i
        while True:
            if sig[j] in "({":
                depth += 1
            elif sig[j] in ")}":
                depth -= 1
                if depth == 0:
                    return j + 1
            j += 1
    return i + 1


class Writer:
    def __init__(self):
        self.buf = bytearray()

    def pad(self, n):
        while len(self.buf) % n:
            self.buf.append(0)

    def put(self, t, v):
        c = t[0]
        self.pad(ALIGN[c])
        if c in FIXED:
            self.buf += struct.pack("<" + FIXED[c], v)
        elif c in "so":
            raw = v if isinstance(v, (bytes, bytearray)) else v.encode()
            self.buf += struct.pack("<I", len(raw)) + raw + b"\0"
        elif c == "g":
            raw = v.encode()
            self.buf += struct.pack("<B", len(raw)) + raw + b"\0"
        elif c == "v":
            sig, val = v
            self.put("g", sig)
            self.put(sig, val)
        elif c == "a":
            elem = t[1:]
            if elem == "y" and isinstance(v, (bytes, bytearray)):
                self.buf += struct.pack("<I", len(v))
                self.buf += v
                return
            at = len(self.buf)
            self.buf += b"\0\0\0\0"
            self.pad(ALIGN[elem[0]])
            start = len(self.buf)
            items = v.items() if elem[0] == "{" else v
            for item in items:
                self.put(elem, item)
            struct.pack_into("<I", self.buf, at, len(self.buf) - start)
        elif c in "({":
            for sub, val in zip(split_types(t[1:-1]), v):
                self.put(sub, val)
        else:
            raise ValueError("cannot marshal " + t)


class Reader:
    def __init__(self, buf, pos=0):
        self.buf, self.pos = buf, pos

    def align(self, n):
        self.pos = (self.pos + n - 1) // n * n

    def get(self, t):
        c = t[0]
        self.align(ALIGN[c])
        if c in FIXED:
            (v,) = struct.unpack_from("<" + FIXED[c], self.buf, self.pos)
            self.pos += struct.calcsize(FIXED[c])
            return v
        if c in "so":
            (n,) = struct.unpack_from("<I", self.buf, self.pos)
            v = bytes(self.buf[self.pos + 4:self.pos + 4 + n]).decode("utf-8", "replace")
            self.pos += 4 + n + 1
            return v
        if c == "g":
            n = self.buf[self.pos]
            v = bytes(self.buf[self.pos + 1:self.pos + 1 + n]).decode()
            self.pos += 1 + n + 1
            return v
        if c == "v":
            sig = self.get("g")
            return self.get(sig)
        if c == "a":
            (n,) = struct.unpack_from("<I", self.buf, self.pos)
            self.pos += 4
            elem = t[1:]
            self.align(ALIGN[elem[0]])
            end, out = self.pos + n, []
            while self.pos < end:
                out.append(self.get(elem))
            return out
        if c in "({":
            return tuple(self.get(sub) for sub in split_types(t[1:-1]))
        raise ValueError("cannot unmarshal " + t)


class Message:
    def __init__(self, mtype, serial, fields, body):
        self.type, self.serial, self.fields, self.body = mtype, serial, fields, body

    @property
    def reply_serial(self):
        return self.fields.get(FIELD_REPLY_SERIAL)

    @property
    def error_name(self):
        return self.fields.get(FIELD_ERROR_NAME)

    def args(self):
        sig = self.fields.get(FIELD_SIGNATURE, "")
        r = Reader(self.body)
        return [r.get(t) for t in split_types(sig)]

    def describe(self):
        if self.type == METHOD_RETURN:
            return "return"
        if self.type == ERROR:
            try:
                text = self.args()[0]
            except Exception:  # noqa: BLE001 - any body is fine here
                text = ""
            return "error %s: %s" % (self.error_name, text)
        return "type %d" % self.type


def build_message(mtype, serial, fields, sig="", args=(), raw_body=None, flags=0):
    body = Writer()
    if raw_body is not None:
        body.buf += raw_body
    else:
        for t, v in zip(split_types(sig), args):
            body.put(t, v)
    f = []
    for code, (ftype, val) in sorted(fields.items()):
        f.append((code, (ftype, val)))
    if sig:
        f.append((FIELD_SIGNATURE, ("g", sig)))
    h = Writer()
    h.buf += struct.pack("<cBBBII", b"l", mtype, flags, 1, len(body.buf), serial)
    h.put("a(yv)", f)
    h.pad(8)
    return bytes(h.buf + body.buf)


class Connection:
    def __init__(self, address):
        if not address.startswith("unix:path="):
            raise SystemExit("only unix:path= addresses are supported: " + address)
        path = address[len("unix:path="):].split(",")[0]
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.serial = 0
        self.inbuf = bytearray()
        self.queue = []
        self.sock.sendall(b"\0AUTH EXTERNAL " + str(os.geteuid()).encode().hex().encode() + b"\r\n")
        line = self._read_line()
        if not line.startswith(b"OK "):
            raise SystemExit("authentication refused: %r" % line)
        self.sock.sendall(b"BEGIN\r\n")
        self.unique = self.call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                "Hello").args()[0]

    def _read_line(self):
        while b"\r\n" not in self.inbuf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed during authentication")
            self.inbuf += chunk
        line, _, rest = bytes(self.inbuf).partition(b"\r\n")
        self.inbuf = bytearray(rest)
        return line

    def send(self, dest, path, iface, member, sig="", args=(), raw_body=None):
        self.serial += 1
        fields = {FIELD_PATH: ("o", path), FIELD_MEMBER: ("s", member)}
        if iface:
            fields[FIELD_INTERFACE] = ("s", iface)
        if dest:
            fields[FIELD_DESTINATION] = ("s", dest)
        self.sock.sendall(build_message(METHOD_CALL, self.serial, fields, sig, args, raw_body))
        return self.serial

    def parse_one(self):
        """A complete message from inbuf, or None."""
        if len(self.inbuf) < 16:
            return None
        _, mtype, _, _, body_len, serial, fields_len = struct.unpack_from("<cBBBIII", self.inbuf, 0)
        header_len = (16 + fields_len + 7) // 8 * 8
        if len(self.inbuf) < header_len + body_len:
            return None
        r = Reader(self.inbuf, 12)
        fields = dict(r.get("a(yv)"))
        msg = Message(mtype, serial, fields, bytes(self.inbuf[header_len:header_len + body_len]))
        del self.inbuf[:header_len + body_len]
        return msg

    def feed(self):
        """Reads what is there; False when the peer closed."""
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            return False
        self.inbuf += chunk
        return True

    def wait_reply(self, serial, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            for i, m in enumerate(self.queue):
                if m.reply_serial == serial:
                    return self.queue.pop(i)
            msg = self.parse_one()
            if msg is not None:
                if msg.type in (METHOD_RETURN, ERROR):
                    self.queue.append(msg)
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no reply to serial %d" % serial)
            if select.select([self.sock], [], [], left)[0] and not self.feed():
                raise ConnectionError("disconnected")

    def call(self, dest, path, iface, member, sig="", args=(), timeout=30, raw_body=None):
        return self.wait_reply(self.send(dest, path, iface, member, sig, args, raw_body), timeout)

    def close(self):
        self.sock.close()


def bus_address(argv):
    if len(argv) > 2 and argv[1] == "--address":
        return argv[2], argv[:1] + argv[3:]
    addr = os.environ.get("VNT_BUS_ADDRESS") or os.environ.get("DBUS_SYSTEM_BUS_ADDRESS")
    if not addr:
        raise SystemExit("no bus address (--address or DBUS_SYSTEM_BUS_ADDRESS)")
    return addr, argv


# ---- methods: the API contract against the bus policy ----

def cmd_methods(xml_path, conf_path):
    opened = set()
    for pol in ET.parse(conf_path).getroot().iter("policy"):
        if pol.get("context") != "default":
            continue
        for allow in pol.iter("allow"):
            iface, member = allow.get("send_interface"), allow.get("send_member")
            if allow.get("send_destination") and iface and member:
                opened.add((iface, member))
            elif allow.get("send_destination") and iface:
                opened.add((iface, "*"))
            elif allow.get("send_destination"):
                # everything of the destination opened to everyone: nothing is mutating-only
                opened.add(("*", "*"))
    for iface in ET.parse(xml_path).getroot().iter("interface"):
        name = iface.get("name")
        for m in iface.iter("method"):
            sig = "".join(a.get("type") for a in m.iter("arg") if a.get("direction", "in") == "in")
            member = m.get("name")
            is_open = (name, member) in opened or (name, "*") in opened or ("*", "*") in opened
            print("%s %s %s %s" % ("read" if is_open else "mutating", name, member, sig or "-"))
    return 0


def default_args(sig):
    out = []
    for t in split_types(sig):
        out.append(0 if t in ("i", "u", "x", "t", "n", "q", "y") else
                   False if t == "b" else "" if t in ("s",) else "/" if t == "o" else [] if t[0] == "a" else None)
    return out


def cmd_call(address, dest, path, iface, member, sig="", args_json="null"):
    c = Connection(address)
    sig = "" if sig == "-" else sig
    args = json.loads(args_json) if args_json != "null" else default_args(sig)
    m = c.call(dest, path, iface, member, sig, args)
    print(m.describe())
    return 0 if m.type == METHOD_RETURN else 1


# ---- abuse: malformed and oversized arguments ----

def cmd_abuse(address, dest, path, iface):
    failures = 0
    ping_member = "ListLinks"   # exists on both Manager interfaces

    def alive():
        c = Connection(address)
        m = c.call(dest, path, iface, ping_member)
        c.close()
        return m.type == METHOD_RETURN

    def expect(what, errors, member, sig="", args=(), raw_body=None, obj=None, interface=None,
               disconnect_ok=False):
        nonlocal failures
        c = Connection(address)
        try:
            m = c.call(dest, obj or path, interface or iface, member, sig, args, timeout=60, raw_body=raw_body)
            got = m.describe()
            ok = m.type == ERROR and m.error_name in errors
        except ConnectionError:
            got, ok = "disconnected by the bus", disconnect_ok
        c.close()
        still = alive()
        print("%s %-44s -> %s%s" % ("ok  " if ok and still else "FAIL", what, got[:150],
                                     "" if still else " (SERVICE STOPPED ANSWERING)"))
        if not (ok and still):
            failures += 1

    inval = ("org.freedesktop.DBus.Error.InvalidArgs",)
    expect("Plan with a string", inval, "Plan", "s", ["eth0"])
    expect("Plan with no argument", inval, "Plan")
    expect("Plan with two ints", inval, "Plan", "ii", [0, 0])
    expect("Plan i -1", inval, "Plan", "i", [-1])
    expect("Plan i INT32_MIN", inval, "Plan", "i", [-2**31])
    expect("Plan i INT32_MAX", ("org.vnettune.Guest1.NoSuchLink", "org.vnettune.Host1.NoSuchLink"),
           "Plan", "i", [2**31 - 1])
    expect("Apply with 1M ints", inval, "Apply", "ai", [list(range(1 << 20))])
    expect("Apply with 8 MiB of bytes", inval, "Apply", "ay", [bytes(8 << 20)])
    expect("Revert with 100k strings", inval, "Revert", "as", [["x" * 16] * 100000])
    expect("Reload with an argument", inval, "Reload", "i", [0])
    expect("ListLinks with a 1 MiB string", inval, ping_member, "s", ["n" * (1 << 20)])
    deep = 0
    for _ in range(8):
        deep = (deep,)
    expect("Plan with a deep struct", inval, "Plan", "(" * 8 + "i" + ")" * 8, [deep])
    # invalid UTF-8 in a string argument: the bus must refuse it before it reaches the service
    w = Writer()
    w.put("s", b"eth\xff\xfe0")
    expect("string argument with invalid UTF-8", inval, "Plan", "s", raw_body=bytes(w.buf),
           disconnect_ok=True)
    expect("unknown method", ("org.freedesktop.DBus.Error.UnknownMethod",), "Frobnicate")
    expect("Get of a 1 MiB property name", inval + ("org.freedesktop.DBus.Error.UnknownProperty",),
           "Get", "ss", [iface, "P" * (1 << 20)], interface="org.freedesktop.DBus.Properties")
    expect("Set of a read-only property", ("org.freedesktop.DBus.Error.PropertyReadOnly",
                                          "org.freedesktop.DBus.Error.AccessDenied"),
           "Set", "ssv", [iface, "Version", ("s", "evil")], interface="org.freedesktop.DBus.Properties")
    base = path.rsplit("/", 1)[0] if path.count("/") > 3 else path
    for bad in ("link/_3abc", "link/_30", "link/_399999999999999999999", "link/-1", "link/_2d1",
                "vm/_30", "vm/_399999999999999999999"):
        expect("Get on object %s" % bad, ("org.freedesktop.DBus.Error.UnknownObject",
                                          "org.freedesktop.DBus.Error.UnknownInterface",
                                          "org.freedesktop.DBus.Error.UnknownMethod"),
               "GetAll", "s", [iface.rsplit(".", 1)[0] + ".Link"], obj=base + "/" + bad,
               interface="org.freedesktop.DBus.Properties", disconnect_ok="-" in bad)
    print("%d malformed calls answered wrongly" % failures)
    return 1 if failures else 0


# ---- flood: many read calls in flight from many clients at once ----

def cmd_flood(address, dest, path, iface, n_clients, n_calls, ifindex="0"):
    n_clients, n_calls, ifindex = int(n_clients), int(n_calls), int(ifindex)
    calls = [
        (path, iface, "ListLinks", "", []),
        (path, "org.freedesktop.DBus.Properties", "Get", "ss", [iface, "Version"]),
        (path, "org.freedesktop.DBus.Properties", "GetAll", "s", [iface]),
        (path, "org.freedesktop.DBus.Introspectable", "Introspect", "", []),
        (path, iface, "Plan", "i", [ifindex]),
    ]
    conns = [Connection(address) for _ in range(n_clients)]
    pending = {}
    start = time.monotonic()
    for k, c in enumerate(conns):
        for j in range(n_calls):
            p, i, m, s, a = calls[(k + j) % len(calls)]
            pending[(k, c.send(dest, p, i, m, s, a))] = (m, time.monotonic())
    sent = len(pending)
    answered, errors, latencies = 0, [], []
    deadline = start + 120
    by_fd = {c.sock.fileno(): (k, c) for k, c in enumerate(conns)}
    while pending and time.monotonic() < deadline:
        ready = select.select(list(by_fd), [], [], 1.0)[0]
        for fd in ready:
            k, c = by_fd[fd]
            if not c.feed():
                errors.append("client %d disconnected" % k)
                del by_fd[fd]
                continue
            while True:
                msg = c.parse_one()
                if msg is None:
                    break
                key = (k, msg.reply_serial)
                if key not in pending:
                    continue
                member, t0 = pending.pop(key)
                latencies.append(time.monotonic() - t0)
                if msg.type == METHOD_RETURN:
                    answered += 1
                else:
                    errors.append("%s: %s" % (member, msg.describe()))
    took = time.monotonic() - start
    latencies.sort()
    p50 = latencies[len(latencies) // 2] if latencies else 0
    p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else 0
    print("%d calls from %d clients: %d answered, %d errors, %d unanswered in %.1f s (p50 %.0f ms, p99 %.0f ms)"
          % (sent, n_clients, answered, len(errors), len(pending), took, p50 * 1000, p99 * 1000))
    for e in errors[:10]:
        print("  " + e)
    for c in conns:
        c.close()
    return 0 if answered == sent else 1


def main(argv):
    address, argv = bus_address(argv)
    if len(argv) < 2:
        print(__doc__)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == "methods":
        return cmd_methods(*args)
    if cmd == "call":
        return cmd_call(address, *args)
    if cmd == "abuse":
        return cmd_abuse(address, *args)
    if cmd == "flood":
        return cmd_flood(address, *args)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
