#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs what building and testing need (Debian, skipped when all is there), configures and builds,
# runs every meson test suite, and ends with exactly one line: "N passed, N failed, N skipped".
# CI calls it through .ci/run; developers run it as root (tests that need root skip otherwise).

set -u -o pipefail

SRCDIR=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)


build_dir=${VNT_BUILD_DIR:-$SRCDIR/build-tests}
fresh=
install_deps=1
meson_test_args=()
[[ ${CI:-} == true ]] && fresh=1

usage() {
        cat <<EOF
Usage: $0 [--build-dir DIR] [--fresh] [--no-deps] [-- MESON-TEST-ARGS...]

  --build-dir DIR  build directory (default: \$VNT_BUILD_DIR or $SRCDIR/build-tests)
  --fresh          wipe the build directory first (default when CI=true)
  --no-deps        do not check or install Debian packages
  -- ARGS          passed to meson test (e.g. -- --suite unit)

Packages come from tests/helpers/install-deps.sh (shared with the demo), plus valgrind.
Run as root (sudo) for the netns and integration suites; without root they skip.
The last line of output is "N passed, N failed, N skipped"; the exit status is non-zero when
a test failed or none ran.
EOF
}

say() {
        echo "==> $*"
}

passed=0
failed=0
skipped=0

# Prints the summary as the very last line and exits: non-zero when something failed or nothing ran.
finish() {
        local rc=$1

        ((failed > 0 || passed + failed == 0)) && ((rc == 0)) && rc=1
        echo "$passed passed, $failed failed, $skipped skipped"
        exit "$rc"
}

ensure_packages() {
        bash "$SRCDIR/tests/helpers/install-deps.sh" valgrind
}

configure() {
        if [[ -n $fresh && -e $build_dir ]]; then
                # Only ever delete something that is recognisably a meson build directory.
                if [[ -d $build_dir/meson-private ]]; then
                        say "wiping $build_dir"
                        rm -rf -- "$build_dir" || return 1
                elif [[ -n $(ls -A "$build_dir" 2>/dev/null) ]]; then
                        echo "$build_dir exists and is not a meson build directory; not wiping it" >&2
                        return 1
                fi
        fi

        if [[ -e $build_dir/meson-private/coredata.dat ]]; then
                say "reconfiguring $build_dir"
                meson setup --reconfigure "$build_dir" "$SRCDIR"
        else
                say "configuring $build_dir"
                meson setup "$build_dir" "$SRCDIR"
        fi
}

count_results() {
        local log=$1

        # One JSON object per line, one line per test.
        python3 - "$log" <<'EOF'
import json
import sys

passed = failed = skipped = 0
with open(sys.argv[1], encoding="utf-8") as f:
    for n, line in enumerate(f, 1):
        line = line.strip()
        if not line:
            continue
        try:
            result = json.loads(line).get("result")
        except ValueError:
            print(f"{sys.argv[1]}:{n}: not JSON, counted as failed", file=sys.stderr)
            result = None
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:  # FAIL, TIMEOUT, UNEXPECTEDPASS, ERROR, or anything new
            failed += 1
print(passed, failed, skipped)
EOF
}

main() {
        local rc counts log

        while (($# > 0)); do
                case $1 in
                --build-dir)    (($# >= 2)) || { usage >&2; finish 2; }; build_dir=$2; shift ;;
                --build-dir=*)  build_dir=${1#*=} ;;
                --fresh)        fresh=1 ;;
                --no-deps)      install_deps= ;;
                -h|--help)      usage; exit 0 ;;
                --)             shift; meson_test_args=("$@"); break ;;
                *)              echo "unknown option '$1'" >&2; usage >&2; finish 2 ;;
                esac
                shift
        done
        [[ $build_dir == /* ]] || build_dir=$PWD/$build_dir

        ((EUID == 0)) || say "not running as root: the netns and integration suites will skip"

        if [[ -n $install_deps ]]; then
                ensure_packages || { echo "installing packages failed" >&2; finish 1; }
        fi
        configure || { echo "meson setup failed" >&2; finish 1; }

        say "building"
        meson compile -C "$build_dir" || { echo "build failed" >&2; finish 1; }

        log=$build_dir/meson-logs/testlog.json
        rm -f -- "$log"
        say "running the tests"
        meson test -C "$build_dir" --print-errorlogs "${meson_test_args[@]}"
        rc=$?

        if [[ -s $log ]]; then
                counts=$(count_results "$log") || { echo "cannot read $log" >&2; finish 1; }
                read -r passed failed skipped <<<"$counts"
        else
                echo "meson test wrote no $log" >&2
        fi
        ((rc != 0 && failed == 0)) && echo "meson test exited with status $rc" >&2
        finish "$rc"
}

main "$@"
