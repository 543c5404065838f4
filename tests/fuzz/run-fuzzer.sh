#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# One short libFuzzer run of a harness, seeded with its corpus in the tree (which it never writes:
# new inputs go to a scratch directory in the build tree). Any crash, leak, timeout or sanitizer report
# fails the test; the input that caused it is printed in hex and kept next to the scratch directory,
# ready to be added to tests/fuzz/corpus/NAME/ as a regression input.
# Usage: run-fuzzer.sh HARNESS-BINARY NAME     (VNT_FUZZ_SECONDS: run time, default 5)
set -u -o pipefail

bin=${1:?harness binary}
name=${2:?harness name}
seconds=${VNT_FUZZ_SECONDS:-5}
seeds=${VNT_FUZZ_CORPUS_DIR:?}/$name
work=$(dirname "$bin")/fuzz-work/$name
artifacts=$(dirname "$bin")/fuzz-artifacts/$name

[ -d "$seeds" ] || { echo "no seed corpus at $seeds" >&2; exit 1; }
mkdir -p "$work" "$artifacts" || exit 1

# -timeout: one input taking this long is a hang; -rss_limit_mb: a parser must not allocate without
# bound; -max_len: inputs up to the harnesses' own limit.
"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" "$seeds"
rc=$?
if [ $rc -ne 0 ]; then
        for f in "$artifacts"/*; do
                [ -f "$f" ] || continue
                echo "---- $f ($(stat -c %s "$f") bytes) ----"
                od -A d -t x1z -v "$f" | head -n 64
        done
        echo "fuzz-$name: libFuzzer exited with $rc; reproduce with: $bin $artifacts/<file>" >&2
fi
exit $rc
