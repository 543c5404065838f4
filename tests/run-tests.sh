#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs what building and testing need (Debian, skipped when all is there), configures and builds,
# runs every meson test suite, and ends with exactly one line: "N passed, N failed, N skipped".
# CI calls it through .ci/run; developers run it as root (tests that need root skip otherwise).
#
# Three passes, each a meson test run whose results all count in the closing line (a test run in two
# passes counts twice: each run is a separate verdict):
#   1. the whole suite in the build directory (gcc, as shipped);
#   2. the unit suite again under valgrind (memcheck, definite and indirect leaks are errors);
#   3. the whole suite but vm and packaging (which run their own builds, not this build's binaries)
#      in BUILD-DIR-asan, built with clang, -Db_sanitize=address,undefined and
#      -Dfuzz=true (the daemons the integration tests start are the sanitized ones; the fuzz suite runs
#      each libFuzzer harness for VNT_FUZZ_SECONDS, default 5), then one more counted test,
#      "sanitizer-reports", failing if any sanitized process anywhere in the pass (also a daemon a test
#      stopped or killed without looking at its exit status) wrote an ASan/LSan/UBSan report.
# --quick runs the first pass only.

set -u -o pipefail

SRCDIR=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)


build_dir=${VNT_BUILD_DIR:-$SRCDIR/build-tests}
fresh=
install_deps=1
quick=
meson_test_args=()
[[ ${CI:-} == true ]] && fresh=1

usage() {
        cat <<EOF
Usage: $0 [--build-dir DIR] [--fresh] [--no-deps] [--quick] [-- MESON-TEST-ARGS...]

  --build-dir DIR  build directory (default: \$VNT_BUILD_DIR or $SRCDIR/build-tests)
  --fresh          wipe the build directory first (default when CI=true)
  --no-deps        do not check or install Debian packages
  --quick          only the plain pass: no valgrind pass, no sanitizer/fuzz build
  -- ARGS          passed to meson test (e.g. -- --suite unit)

Packages come from tests/helpers/install-deps.sh (shared with the demo), plus valgrind and clang
with its compiler-rt (libFuzzer, sanitizers).
Passes: the whole suite; the unit suite under valgrind; the whole suite built with clang, ASan+UBSan
and the fuzz harnesses (in DIR-asan), then the check that no sanitizer report was written. The
closing line sums every test run of every pass.
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
        bash "$SRCDIR/tests/helpers/install-deps.sh" valgrind clang libclang-rt-14-dev
}

# configure [DIR [MESON-SETUP-ARGS...]]: the build directory, wiped first with --fresh.
configure() {
        local build_dir=${1:-$build_dir}
        local -a setup_args=("${@:2}")

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
                meson setup --reconfigure "${setup_args[@]}" "$build_dir" "$SRCDIR"
        else
                say "configuring $build_dir"
                meson setup "${setup_args[@]}" "$build_dir" "$SRCDIR"
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
                --quick)        quick=1 ;;
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

        say "running the tests"
        run_pass "$build_dir" testlog "${meson_test_args[@]}"
        rc=$?

        if [[ -z $quick ]]; then
                valgrind_pass || rc=1
                sanitizer_pass || rc=1
        fi
        finish "$rc"
}

# run_pass DIR LOGBASE MESON-TEST-ARGS...: one meson test run, its results added to the totals.
# With --wrapper meson appends the wrapper's name to the log's name: LOGBASE-valgrind.json.
run_pass() {
        local dir=$1 logbase=$2 rc counts p=0 f=0 s=0
        local log=$dir/meson-logs/$logbase.json
        shift 2
        [[ " $* " == *" --wrapper valgrind"* ]] && log=$dir/meson-logs/$logbase-valgrind.json

        rm -f -- "$log"
        meson test -C "$dir" --print-errorlogs --logbase "$logbase" "$@"
        rc=$?
        if [[ -s $log ]]; then
                counts=$(count_results "$log") || { echo "cannot read $log" >&2; failed=$((failed + 1)); return 1; }
                read -r p f s <<<"$counts"
                passed=$((passed + p))
                failed=$((failed + f))
                skipped=$((skipped + s))
                say "$logbase: $p passed, $f failed, $s skipped"
        else
                echo "meson test wrote no $log" >&2
                failed=$((failed + 1))
        fi
        ((rc != 0 && f == 0)) && echo "meson test exited with status $rc" >&2
        return "$rc"
}

# The unit suite under valgrind: memory errors and definite/indirect leaks fail a test.
valgrind_pass() {
        if ! command -v valgrind >/dev/null; then
                echo "valgrind is not installed: the valgrind pass is counted as failed" >&2
                failed=$((failed + 1))
                return 1
        fi
        say "running the unit suite under valgrind"
        run_pass "$build_dir" testlog --suite unit --timeout-multiplier 10 \
                --wrapper "valgrind --error-exitcode=66 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --track-origins=yes --quiet"
}

# The whole suite again, built with the sanitizers (and, under clang, the fuzz harnesses).
sanitizer_pass() {
        local dir=$build_dir-asan logs rc n_reports f
        local -a setup=(-Db_sanitize=address,undefined -Db_lundef=false)

        if command -v clang >/dev/null; then
                CC=clang configure "$dir" "${setup[@]}" -Dfuzz=true
        else
                echo "clang is not installed: sanitizer build with the default compiler, no fuzzing" >&2
                configure "$dir" "${setup[@]}"
        fi || { echo "meson setup of $dir failed" >&2; failed=$((failed + 1)); return 1; }
        say "building $dir (ASan, UBSan)"
        meson compile -C "$dir" || { echo "build of $dir failed" >&2; failed=$((failed + 1)); return 1; }

        # Reports go to files as well as failing the process: a daemon that a test kills or stops
        # without looking at its exit status cannot hide one.
        logs=$dir/sanitizer-logs
        rm -rf -- "$logs"
        mkdir -p "$logs"
        say "running the tests under ASan and UBSan"
        ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=1:strict_string_checks=1:log_path=$logs/asan" \
        LSAN_OPTIONS="print_suppressions=0" \
        UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$logs/ubsan" \
                run_pass "$dir" testlog-asan --timeout-multiplier 3 --no-suite vm --no-suite packaging \
                "${meson_test_args[@]}"
        rc=$?

        n_reports=0
        for f in "$logs"/*; do
                [[ -s $f ]] || continue
                n_reports=$((n_reports + 1))
                echo "---- sanitizer report $f ----" >&2
                head -n 60 "$f" >&2
        done
        if ((n_reports > 0)); then
                echo "sanitizer-reports: FAIL ($n_reports report files in $logs)" >&2
                failed=$((failed + 1))
                return 1
        fi
        say "sanitizer-reports: none"
        passed=$((passed + 1))
        return "$rc"
}

main "$@"
