#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the .deb and .rpm packages with packaging/build-packages.sh into OUT-DIR and lints them
# (lintian must be clean; rpmlint's known complaints are explained in packaging/rpm/rpmlint.toml).
# Skips when the tools it needs are missing and cannot be installed (not root, no package archive).
# Usage: test-build-packages.sh OUT-DIR
set -u -o pipefail

SRCDIR=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
build=$SRCDIR/packaging/build-packages.sh
out=${1:?usage: $0 OUT-DIR}

missing=()
for p in $("$build" --print-deps); do
        status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
        [[ $status == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
        ((EUID == 0)) || { echo "SKIP: needs ${missing[*]}; run as root so they can be installed"; exit 77; }
        echo "==> installing ${missing[*]}"
        { DEBIAN_FRONTEND=noninteractive apt-get update -q &&
                DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; } \
                >/dev/null 2>&1 || { echo "SKIP: cannot install ${missing[*]} with apt-get"; exit 77; }
fi

rm -rf -- "$out"
exec "$build" --no-deps --out "$out"
