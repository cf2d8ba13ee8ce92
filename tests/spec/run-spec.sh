#!/bin/sh
# Runs the official spec tests: converts the suite's core/*.wast files with
# wast2json into BUILD_DIR/spec-json/<name>/ (only when the .wast is newer
# than its .json) and runs wp-spec over the results.
#
#   run-spec.sh BUILD_DIR [WP_SPEC]
#
# The suite is $WASMPIPE_TESTSUITE_DIR (a directory holding core/), else
# shared/wasm-testsuite beside the checkout. Exit 77 (CTest's skip code) if
# neither exists. WP_SPEC_FLAGS adds options to wp-spec (e.g. "-v").
set -u

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: run-spec.sh BUILD_DIR [WP_SPEC]" >&2
    exit 2
fi
build=$1
runner=${2:-$build/tests/spec/wp-spec}
wast2json=${WAST2JSON:-wast2json}

script_dir=$(cd "$(dirname "$0")" && pwd)
checkout=$(cd "$script_dir/../.." && pwd)
beside=$(dirname "$checkout")/shared/wasm-testsuite

suite=
looked=
if [ -n "${WASMPIPE_TESTSUITE_DIR:-}" ]; then
    if [ -d "$WASMPIPE_TESTSUITE_DIR/core" ]; then
        suite=$WASMPIPE_TESTSUITE_DIR
    else
        looked="$WASMPIPE_TESTSUITE_DIR/core (from WASMPIPE_TESTSUITE_DIR), "
    fi
fi
if [ -z "$suite" ]; then
    if [ -d "$beside/core" ]; then
        suite=$beside
        [ -n "$looked" ] && echo "spec: WASMPIPE_TESTSUITE_DIR has no core/; using $suite"
    else
        echo "spec: the spec suite was not found; looked in ${looked}$beside/core" \
             "(set WASMPIPE_TESTSUITE_DIR to a directory holding core/*.wast)"
        exit 77
    fi
fi

if ! command -v "$wast2json" >/dev/null 2>&1; then
    echo "spec: $wast2json was not found; install wabt (it converts the .wast scripts)"
    exit 1
fi
if [ ! -x "$runner" ]; then
    echo "spec: the runner $runner does not exist; build the wp-spec target first"
    exit 1
fi

out_root=$build/spec-json
mkdir -p "$out_root" || exit 1

converted=0
failed=0
jsons=
for wast in "$suite"/core/*.wast; do
    [ -f "$wast" ] || continue
    name=$(basename "$wast" .wast)
    dir=$out_root/$name
    json=$dir/$name.json
    # find -newer is the POSIX spelling of test's -nt.
    if [ -z "$(find "$json" -newer "$wast" 2>/dev/null)" ]; then
        # A fresh directory: stale .wasm files of an older conversion would
        # otherwise linger.
        rm -rf "$dir"
        mkdir -p "$dir" || exit 1
        if ! "$wast2json" --enable-all "$wast" -o "$json" >"$dir/wast2json.log" 2>&1; then
            echo "spec: $name.wast failed to convert ($wast2json --enable-all):"
            sed -n '1,5s/^/  /p' "$dir/wast2json.log"
            rm -f "$json"
            failed=$((failed + 1))
            continue
        fi
        converted=$((converted + 1))
    fi
    jsons="$jsons $json"
done

if [ -z "$jsons" ] && [ "$failed" -eq 0 ]; then
    echo "spec: no .wast files in $suite/core"
    exit 1
fi
echo "spec: suite $suite/core, $converted converted now, output in $out_root"

status=0
if [ -n "$jsons" ]; then
    # The paths come from this script and contain no spaces unless BUILD_DIR
    # or the suite does; word splitting is wanted for WP_SPEC_FLAGS.
    # shellcheck disable=SC2086
    "$runner" ${WP_SPEC_FLAGS:-} $jsons
    status=$?
fi
if [ "$failed" -ne 0 ]; then
    echo "spec: $failed .wast files failed to convert (counted as failures)"
    status=1
fi
exit $status
