#!/usr/bin/env bash
# Start-up benchmark of `wasmpipe exec` on large modules (not part of CI).
#
#   bench/startup.sh [--build DIR] [--sizes "1 10 30"] [--runs R] [--ref BINARY] [--tiers]
#
# Generates modules of the given sizes in MB (bench/gen_module.py: ~700-byte
# functions, a name section and a .debug_info section; 30 MB has ~33,000
# functions), builds bench/startup_load.c against DIR's runtime library,
# and runs bench/startup.py: for each module, the time from starting
# `wasmpipe exec` to the guest's first instruction and to the process's
# exit, lazy (default) and --eager, against reading + validating the file
# in the same run, and memory. --ref adds another wasmpipe binary (for
# example an older build) as runner `ref`. --tiers adds the JIT's compile
# time per MB of code section and exec under --tier interp, jit and auto
# (see startup.py). Files go to a temporary
# directory that is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

build=build sizes="1 10 30" runs=5 ref= tiers=
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --ref) ref=$2; shift 2 ;;
    --tiers) tiers=--tiers; shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
wasmpipe=$build/src/cli/wasmpipe
lib=$build/libwasmpipe_runtime.a
[ -x "$wasmpipe" ] && [ -f "$lib" ] || { echo "no $wasmpipe or $lib: build first" >&2; exit 1; }

tmp=$(mktemp -d /tmp/wp_startup_XXXXXX)
trap 'rm -rf "$tmp"' EXIT

cc=${CC:-cc}
flags=(-O2 -std=c11 -Iinclude bench/startup_load.c "$lib" -lpthread -lm -o "$tmp/startup_load")
if ! "$cc" "${flags[@]}" 2>/dev/null; then
  # A runtime built with the LLVM tier needs LLVM at link time.
  llvm_lib=$(llvm-config-19 --libdir 2>/dev/null || true)
  "$cc" "${flags[@]}" -L"$llvm_lib" -lLLVM-19 -Wl,-rpath,"$llvm_lib"
fi

modules=()
for s in $sizes; do
  python3 bench/gen_module.py "$tmp/m${s}mb.wasm" "$s" >&2
  modules+=("$tmp/m${s}mb.wasm")
done

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
python3 bench/startup.py --wasmpipe "$wasmpipe" --load "$tmp/startup_load" --runs "$runs" \
  ${ref:+--ref "$ref"} $tiers "${modules[@]}"
echo "after: load average $(cut -d' ' -f1-3 /proc/loadavg)"
