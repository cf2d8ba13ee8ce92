#!/usr/bin/env bash
# Times the two paths that used to be quadratic, for one or two wasmpipe
# binaries in the same invocation (runs interleaved):
#   lint   `wasmpipe lint` of a configuration with N keys in one map
#   meta   one message through a guest that sets N metadata keys
# Usage: bench/scale_bench.sh [-n N] [--runs R] WASMPIPE [WASMPIPE_REF]
# Prints CPU seconds (user + system) per run and the median per binary.
set -euo pipefail
n=100000
runs=3
while [ $# -gt 0 ]; do
    case "$1" in
        -n) n=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        *) break ;;
    esac
done
[ $# -ge 1 ] || { echo "usage: $0 [-n N] [--runs R] WASMPIPE [WASMPIPE_REF]" >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The configuration: every key is unknown, so lint reports (a capped list of) problems.
{
    printf 'pipeline:\n  processors: []\n'
    seq 0 $((n - 1)) | sed 's/.*/  key&: &/'
} > "$tmp/keys.yaml"

# The guest: meta_many.wat with its 100k function resized to N.
sed "s/(i32.const 100000) (i32.const 0)/(i32.const $n) (i32.const 0)/" \
    "$here/tests/processor/meta_many.wat" > "$tmp/meta.wat"
wat2wasm "$tmp/meta.wat" -o "$tmp/meta.wasm"

cpu() {   # prints user+sys seconds of the command
    /usr/bin/time -f '%U %S' -o "$tmp/t" "$@" > /dev/null 2>&1 || true
    tail -1 "$tmp/t" | awk '{ printf "%.2f", $1 + $2 }'
}

declare -A all
for r in $(seq 1 "$runs"); do
    for bin in "$@"; do
        l=$(cpu "$bin" lint "$tmp/keys.yaml")
        m=$(echo x | cpu "$bin" process --module "$tmp/meta.wasm" --function set_100k)
        echo "run $r $bin: lint ${l}s meta ${m}s"
        all["$bin lint"]+="$l "
        all["$bin meta"]+="$m "
    done
done
for key in "${!all[@]}"; do
    med=$(echo "${all[$key]}" | tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
    echo "median $key (n=$n): ${med}s"
done | sort
