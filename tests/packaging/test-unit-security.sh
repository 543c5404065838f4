#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The sandbox of the units, scored the way "systemd-analyze security" does: at most 1.8 for the guest
# agent and 2.5 for the host service (the install test proves that both still work inside it).
# Usage: test-unit-security.sh GUEST-UNIT-FILE HOST-UNIT-FILE (as configured in the build directory)
set -u -o pipefail

command -v systemd-analyze >/dev/null 2>&1 || { echo "SKIP: systemd-analyze is missing (package systemd)"; exit 77; }

rc=0
check() {               # check UNIT-FILE MAX-EXPOSURE-TIMES-TEN
        local unit=$1 max=$2 report

        # --threshold compares with the exposure times ten (0-100).
        if report=$(systemd-analyze security --offline=true --threshold="$max" "$unit" 2>&1); then
                echo "ok: ${unit##*/}: ${report##*$'\n'}"
        else
                echo "$report"
                echo "FAIL: ${unit##*/}: exposure above $((max / 10)).$((max % 10))"
                rc=1
        fi
}

check "$1" 18
check "$2" 25
exit $rc
