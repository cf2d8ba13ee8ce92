#!/bin/sh
# Runs the official spec tests: converts the suite's .wast files with
# wast2json into BUILD_DIR/spec-json/<name>/ (only when the .wast is newer
# than its .json) and runs wp-spec over the results.
#
#   run-spec.sh BUILD_DIR [WP_SPEC [PART]]
#
# PART is `core` (the default): core/*.wast, the WebAssembly 2.0 suite, run
# with the engine's proposals turned off (wp-spec --wasm2), since those
# scripts assert 2.0's limits (one memory, a zero memory index byte). Or
# `proposals`: proposals/<proposal>/*.wast for the proposals the engine
# enables by default, run as the engine is configured by default, output in
# BUILD_DIR/spec-json-proposals/<proposal>-<name>/.
#
# The suite is $WASMPIPE_TESTSUITE_DIR (a directory holding core/), else
# shared/wasm-testsuite beside the checkout. Exit 77 (CTest's skip code) if
# neither exists. WP_SPEC_FLAGS adds options to wp-spec (e.g. "-v").
set -u

if [ $# -lt 1 ] || [ $# -gt 3 ]; then
    echo "usage: run-spec.sh BUILD_DIR [WP_SPEC [core|proposals]]" >&2
    exit 2
fi
build=$1
runner=${2:-$build/tests/spec/wp-spec}
part=${3:-core}
case $part in
core|proposals) ;;
*) echo "run-spec.sh: unknown part $part (core or proposals)" >&2; exit 2 ;;
esac
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

# The proposals the engine implements and enables by default. Every script
# in their directories runs; none needs a feature outside these three (a
# script that did would be listed in `excluded`, with the reason).
proposals="tail-call extended-const multi-memory"
excluded=""

converted=0
failed=0
jsons=

# convert WAST NAME OUT_ROOT: converts one script into OUT_ROOT/NAME/ and
# adds its .json to $jsons.
convert() {
    dir=$3/$2
    json=$dir/$2.json
    # find -newer is the POSIX spelling of test's -nt.
    if [ -z "$(find "$json" -newer "$1" 2>/dev/null)" ]; then
        # A fresh directory: stale .wasm files of an older conversion would
        # otherwise linger.
        rm -rf "$dir"
        mkdir -p "$dir" || exit 1
        if ! "$wast2json" --enable-all "$1" -o "$json" >"$dir/wast2json.log" 2>&1; then
            echo "spec: $2.wast failed to convert ($wast2json --enable-all):"
            sed -n '1,5s/^/  /p' "$dir/wast2json.log"
            rm -f "$json"
            failed=$((failed + 1))
            return
        fi
        converted=$((converted + 1))
    fi
    jsons="$jsons $json"
}

if [ "$part" = core ]; then
    out_root=$build/spec-json
    where=$suite/core
    mkdir -p "$out_root" || exit 1
    for wast in "$suite"/core/*.wast; do
        [ -f "$wast" ] || continue
        convert "$wast" "$(basename "$wast" .wast)" "$out_root"
    done
    set -- --wasm2
else
    out_root=$build/spec-json-proposals
    where="$suite/proposals/{$(echo $proposals | tr ' ' ',')}"
    mkdir -p "$out_root" || exit 1
    for p in $proposals; do
        if [ ! -d "$suite/proposals/$p" ]; then
            echo "spec: $suite/proposals/$p does not exist (counted as a failure)"
            failed=$((failed + 1))
            continue
        fi
        for wast in "$suite/proposals/$p"/*.wast; do
            [ -f "$wast" ] || continue
            name=$p-$(basename "$wast" .wast)
            case " $excluded " in *" $name "*) continue ;; esac
            convert "$wast" "$name" "$out_root"
        done
    done
    set --
fi

if [ -z "$jsons" ] && [ "$failed" -eq 0 ]; then
    echo "spec: no .wast files in $where"
    exit 1
fi
echo "spec: suite $where, $converted converted now, output in $out_root"

status=0
if [ -n "$jsons" ]; then
    # The paths come from this script and contain no spaces unless BUILD_DIR
    # or the suite does; word splitting is wanted for WP_SPEC_FLAGS.
    # shellcheck disable=SC2086
    "$runner" "$@" ${WP_SPEC_FLAGS:-} $jsons
    status=$?
fi
if [ "$failed" -ne 0 ]; then
    echo "spec: $failed .wast files failed to convert (counted as failures)"
    status=1
fi
exit $status
