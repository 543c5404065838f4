#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Compares live Introspect XML of our interfaces with the contract in dbus/: exit 1 and a diff if they differ.

Usage: introspect-diff.py CONTRACT.xml LIVE.xml [LIVE.xml...]  (the live files are merged)."""
import sys
import xml.etree.ElementTree as ET

DOC = "org.freedesktop.DBus.DocString"


def members(path):
    out = {}
    for iface in ET.parse(path).getroot().iter("interface"):
        name = iface.get("name")
        if name.startswith("org.freedesktop.DBus."):
            continue
        items = set()
        for m in iface:
            if m.tag == "annotation":
                continue
            args = tuple((a.get("name"), a.get("type"), a.get("direction", "")) for a in m.findall("arg"))
            notes = tuple(sorted((a.get("name"), a.get("value")) for a in m.findall("annotation")
                                 if a.get("name") != DOC))
            items.add((m.tag, m.get("name"), m.get("type", ""), m.get("access", ""), args, notes))
        out[name] = items
    return out


def main():
    contract = members(sys.argv[1])
    live = {}
    for p in sys.argv[2:]:
        for k, v in members(p).items():
            live.setdefault(k, set()).update(v)
    bad = False
    for iface in sorted(set(contract) | set(live)):
        c, l = contract.get(iface, set()), live.get(iface, set())
        for x in sorted(c - l):
            print(f"{iface}: in the contract, not served: {x}")
            bad = True
        for x in sorted(l - c):
            print(f"{iface}: served, not in the contract: {x}")
            bad = True
    if not contract:
        print("contract has no interfaces")
        bad = True
    print("introspection matches the contract" if not bad else "introspection differs from the contract")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
