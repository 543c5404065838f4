#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A small QMP client for the vm suite: the host's hands on the running guest (NIC and vCPU hotplug).

Usage: qmp.py SOCKET COMMAND [ARG...]

  exec NAME [JSON-ARGUMENTS]        run one QMP command, print its "return" as JSON
  hotplug-nic NETDEV DEVICE IFNAME QUEUES BUS MAC [PROP=VALUE...]
                                    netdev_add a multi-queue tap and device_add a virtio-net-pci on BUS
  unplug-nic NETDEV DEVICE          device_del, wait for DEVICE_DELETED, netdev_del
  hotplug-cpus COUNT                device_add COUNT vCPUs from the free slots query-hotpluggable-cpus
                                    lists; prints the new device ids
  count-cpus                        prints how many vCPUs are plugged (query-cpus-fast)

Exits 1 with QEMU's error message when a command fails. One connection per invocation: QEMU serves one
QMP client per socket at a time, and every command here waits for what it started.
"""

import json
import socket
import sys
import time


class QmpError(Exception):
    pass


class Qmp:
    def __init__(self, path, timeout=30.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""
        self.events = []
        greeting = self._read_message()
        if "QMP" not in greeting:
            raise QmpError(f"no QMP greeting: {greeting}")
        self.command("qmp_capabilities")

    def _read_message(self):
        # Messages are JSON objects, one per line (QEMU ends them with CRLF).
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise QmpError("QEMU closed the QMP connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        line = line.strip()
        if not line:
            return self._read_message()
        return json.loads(line)

    def command(self, name, **arguments):
        msg = {"execute": name}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\r\n")
        while True:
            reply = self._read_message()
            if "event" in reply:
                self.events.append(reply)
                continue
            if "error" in reply:
                err = reply["error"]
                raise QmpError(f"{name}: {err.get('class', '?')}: {err.get('desc', '?')}")
            if "return" in reply:
                return reply["return"]

    def wait_event(self, name, timeout, match=None):
        deadline = time.monotonic() + timeout
        while True:
            for i, ev in enumerate(self.events):
                if ev["event"] == name and (match is None or match(ev.get("data", {}))):
                    return self.events.pop(i)
            left = deadline - time.monotonic()
            if left <= 0:
                raise QmpError(f"no {name} event within {timeout} s")
            self.sock.settimeout(left)
            try:
                msg = self._read_message()
            except socket.timeout:
                continue
            if "event" in msg:
                self.events.append(msg)


def parse_value(v):
    if v in ("on", "off", "true", "false"):
        return v in ("on", "true")
    try:
        return int(v)
    except ValueError:
        return v


def hotplug_nic(q, netdev, device, ifname, queues, bus, mac, props):
    q.command("netdev_add", type="tap", id=netdev, ifname=ifname, script="no", downscript="no",
              vhost=False, queues=int(queues))
    args = {"driver": "virtio-net-pci", "id": device, "netdev": netdev, "bus": bus, "mac": mac,
            "mq": True, "vectors": 2 * int(queues) + 2}
    for p in props:
        k, _, v = p.partition("=")
        args[k] = parse_value(v)
    try:
        q.command("device_add", **args)
    except QmpError:
        q.command("netdev_del", id=netdev)
        raise


def unplug_nic(q, netdev, device):
    q.command("device_del", id=device)
    # The guest has to let go of the device first (PCIe native hotplug: attention button, ~5 s).
    q.wait_event("DEVICE_DELETED", 60, lambda d: d.get("device") == device)
    q.command("netdev_del", id=netdev)


def hotplug_cpus(q, count):
    slots = [s for s in q.command("query-hotpluggable-cpus") if "qom-path" not in s]
    # Lowest socket/core/thread first, so that the new CPUs get the next numbers.
    slots.sort(key=lambda s: tuple(sorted(s["props"].items())))
    if len(slots) < count:
        raise QmpError(f"only {len(slots)} free vCPU slots, {count} wanted")
    ids = []
    for n, slot in enumerate(slots[:count]):
        dev_id = f"vnt-cpu{n}-{int(time.time())}"
        q.command("device_add", driver=slot["type"], id=dev_id, **slot["props"])
        ids.append(dev_id)
    return ids


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    path, cmd, args = argv[1], argv[2], argv[3:]
    try:
        q = Qmp(path)
        if cmd == "exec":
            ret = q.command(args[0], **(json.loads(args[1]) if len(args) > 1 else {}))
            print(json.dumps(ret))
        elif cmd == "hotplug-nic" and len(args) >= 6:
            hotplug_nic(q, *args[:6], args[6:])
        elif cmd == "unplug-nic" and len(args) == 2:
            unplug_nic(q, *args)
        elif cmd == "hotplug-cpus" and len(args) == 1:
            print(" ".join(hotplug_cpus(q, int(args[0]))))
        elif cmd == "count-cpus":
            print(len(q.command("query-cpus-fast")))
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except (OSError, QmpError, json.JSONDecodeError) as e:
        print(f"qmp: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
