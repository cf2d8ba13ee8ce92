#!/bin/sh
# Runs one WASI guest under `wasmpipe exec` in a fresh temporary directory
# and checks what it did: its exit status, its stdout against an expected
# file and, when a native build of the same program is given, against the
# native run byte for byte.
#
# usage: run_guest.sh --wasmpipe BIN --wasm MODULE [options] [-- guest args]
#   --native BIN       also run the native build; stdout and status must match
#   --expect FILE      stdout must equal FILE
#   --code N           expected exit status (default 0)
#   --stdin FILE       feed FILE to stdin (default: empty)
#   --sandbox          preopen TMP/sandbox as /sandbox (the native run gets
#                      TMP/native); @DIR@ in guest args becomes that directory
#                      (and an argument @EMPTY@ becomes "", which CMake
#                      cannot pass)
#   --escape-fixture   put outside.txt beside the sandbox and, inside it,
#                      abs-link -> TMP, dotdot-link -> .. and sub/
#   --absent NAME      TMP/NAME must not exist afterwards (an escape's trace)
#   --stderr TEXT      stderr of the wasm run must contain TEXT
#   --env K=V          environment for the guest (the native run gets only these)
#   --opt OPTION       pass OPTION to wasmpipe exec before the module
set -u

wasmpipe= wasm= native= expect= code=0 stdin=/dev/null sandbox=0 fixture=0
absent= stderr_text= envs= opts=
while [ $# -gt 0 ]; do
    case $1 in
    --wasmpipe) wasmpipe=$2; shift 2 ;;
    --wasm) wasm=$2; shift 2 ;;
    --native) native=$2; shift 2 ;;
    --expect) expect=$2; shift 2 ;;
    --code) code=$2; shift 2 ;;
    --stdin) stdin=$2; shift 2 ;;
    --sandbox) sandbox=1; shift ;;
    --escape-fixture) sandbox=1; fixture=1; shift ;;
    --absent) absent="$absent $2"; shift 2 ;;
    --stderr) stderr_text=$2; shift 2 ;;
    --env) envs="$envs $2"; shift 2 ;;
    --opt) opts="$opts $2"; shift 2 ;;
    --) shift; break ;;
    *) echo "run_guest.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[ -n "$wasmpipe" ] && [ -n "$wasm" ] || { echo "run_guest.sh: --wasmpipe and --wasm are required" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/wasi-guest.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() {
    echo "FAIL: $*"
    failed=1
}

# Runs "$@" after replacing @DIR@ in every argument with $dir, and @EMPTY@
# with an empty argument.
with_dir() {
    n=$#
    while [ "$n" -gt 0 ]; do
        a=$1
        shift
        case $a in
        @EMPTY@) a= ;;
        *@DIR@*) a=$(printf '%s\n' "$a" | sed "s|@DIR@|$dir|g") ;;
        esac
        set -- "$@" "$a"
        n=$((n - 1))
    done
    "$@"
}

wasm_opts=
for e in $envs; do wasm_opts="$wasm_opts --env $e"; done
if [ "$sandbox" = 1 ]; then
    mkdir "$tmp/sandbox" "$tmp/native"
    wasm_opts="$wasm_opts --dir $tmp/sandbox::/sandbox"
fi
if [ "$fixture" = 1 ]; then
    echo secret > "$tmp/outside.txt"
    ln -s "$tmp" "$tmp/sandbox/abs-link"
    ln -s .. "$tmp/sandbox/dotdot-link"
    mkdir "$tmp/sandbox/sub"
fi

# shellcheck disable=SC2086 # the option lists are split on purpose
(cd "$tmp" && dir=/sandbox with_dir "$wasmpipe" exec $wasm_opts $opts "$wasm" "$@" \
    < "$stdin" > "$tmp/wasm.out" 2> "$tmp/wasm.err")
got=$?
if [ "$got" != "$code" ]; then
    fail "$(basename "$wasm"): exit status $got, expected $code"
fi
if [ -n "$expect" ] && ! cmp -s "$expect" "$tmp/wasm.out"; then
    fail "stdout differs from $expect:"
    diff -u "$expect" "$tmp/wasm.out" | head -40
fi
if [ -n "$stderr_text" ] && ! grep -qF -- "$stderr_text" "$tmp/wasm.err"; then
    fail "stderr lacks '$stderr_text'"
fi
for a in $absent; do
    if [ -e "$tmp/$a" ] || [ -L "$tmp/$a" ]; then fail "$a was created outside the sandbox"; fi
done

if [ -n "$native" ]; then
    # shellcheck disable=SC2086
    (cd "$tmp" && dir=$tmp/native with_dir env -i $envs "$native" "$@" \
        < "$stdin" > "$tmp/native.out" 2> "$tmp/native.err")
    ngot=$?
    if [ "$ngot" != "$got" ]; then fail "exit status $got under wasmpipe, $ngot natively"; fi
    if ! cmp -s "$tmp/native.out" "$tmp/wasm.out"; then
        fail "stdout differs from the native run:"
        diff -u "$tmp/native.out" "$tmp/wasm.out" | head -40
    fi
fi

if [ "$failed" != 0 ]; then
    echo "--- stderr of the wasm run:"
    head -20 "$tmp/wasm.err"
    exit 1
fi
exit 0
