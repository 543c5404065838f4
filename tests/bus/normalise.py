#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Makes vnettunectl's human output comparable with a snapshot: the parts that differ between runs
and machines (time stamps, pids, CPU lists, the host's tier) become fixed text.

Usage: normalise.py [--word OLD=NEW]... [--field KEY]... [--drop-field KEY]... [--squeeze] < IN > OUT
  time stamps          always become TIME
  --word OLD=NEW       every whole-word OLD becomes NEW (pids, thread ids)
  --field KEY          the value of "KEY: value" (and its continuation lines) becomes "*"
  --drop-field KEY     the field and its continuation lines go
  --squeeze            runs of blanks become one (after --word changed the widths of table columns)"""
import argparse
import re
import sys

TIME = re.compile(r"\b[A-Z][a-z]{2} \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [A-Z]+\b")
KEY = re.compile(r"^( *)([^ :][^:]*?): (.*)$")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--word", action="append", default=[])
    p.add_argument("--field", action="append", default=[])
    p.add_argument("--drop-field", action="append", default=[])
    p.add_argument("--squeeze", action="store_true")
    a = p.parse_args()

    out = []
    value_col = None        # where values start in the current "Key: value" block
    mode = None             # what happens to continuation lines: keep, star, drop
    for line in sys.stdin.read().splitlines():
        if value_col and line.startswith(" " * value_col) and line[value_col:value_col + 1] not in ("", " "):
            if mode == "keep":
                out.append(line)
            continue
        m = KEY.match(line)
        if m:
            key = m.group(2)
            value_col = len(m.group(1)) + len(key) + 2
            if key in a.drop_field:
                mode = "drop"
                continue
            if key in a.field:
                mode = "star"
                out.append(f"{m.group(1)}{key}: *")
                continue
            mode = "keep"
        else:
            value_col = None
        out.append(line)

    text = "\n".join(out) + "\n"
    text = TIME.sub("TIME", text)
    for w in a.word:
        old, new = w.split("=", 1)
        text = re.sub(rf"(?<![\w.-]){re.escape(old)}(?![\w.-])", new, text)
    if a.squeeze:
        text = re.sub(r"[ \t]+", " ", text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
