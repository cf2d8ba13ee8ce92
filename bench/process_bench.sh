#!/usr/bin/env bash
# End-to-end benchmark of `wasmpipe process` (not part of CI): N lines of a
# fixed size through the uppercase example, from a file on stdin to a file
# on stdout, against `cat` doing the same copy in the same run.
#
#   bench/process_bench.sh [--build DIR] [--lines N] [--size BYTES]
#                          [--threads "1 2"] [--runs R] [--batch B]
#
# For each runner it prints the median wall time of R runs, lines per
# second of wall time, lines per CPU-second (user + system, all threads)
# and the ratio to cat's wall time. The first wasmpipe run's output is
# checked against `tr a-z A-Z` of the input. The module is
# DIR/examples/uppercase.wasm (built by `cmake --build DIR`).
set -euo pipefail
cd "$(dirname "$0")/.."

build=build lines=5000000 size=16 threads="1 2" runs=3 batch=
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2; shift 2 ;;
    --lines) lines=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
wasmpipe=$build/src/cli/wasmpipe
module=$build/examples/uppercase.wasm
[ -x "$wasmpipe" ] || { echo "no $wasmpipe: build first (cmake --build $build)" >&2; exit 1; }
[ -f "$module" ] || { echo "no $module: the C examples need clang for wasm32-wasi" >&2; exit 1; }
[ "$size" -ge 8 ] || { echo "--size must be at least 8" >&2; exit 2; }

tmp=$(mktemp -d /tmp/wp_process_bench_XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# Lines of exactly $size bytes (before the newline): a counter, padded.
awk -v n="$lines" -v size="$size" 'BEGIN {
  pad = ""; for (i = 0; i < size - 8; i++) pad = pad "x";
  for (i = 0; i < n; i++) printf "%08d%s\n", i % 100000000, pad }' > "$tmp/in"
bytes=$(wc -c < "$tmp/in")
echo "input: $lines lines of $size bytes ($((bytes / 1000000)) MB), $runs runs each, median"
echo "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

# run NAME CMD...: median wall and CPU seconds over $runs runs.
results=()
run() {
  local name=$1; shift
  local walls=() cpus=()
  for ((r = 0; r < runs; r++)); do
    local t
    /usr/bin/time -o "$tmp/time" -f "%e %U %S" "$@" < "$tmp/in" > "$tmp/out" 2>/dev/null
    t=$(tail -1 "$tmp/time")
    walls+=("$(echo "$t" | awk '{ print $1 }')")
    cpus+=("$(echo "$t" | awk '{ print $2 + $3 }')")
  done
  local wall cpu
  wall=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  cpu=$(printf '%s\n' "${cpus[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  results+=("$name $wall $cpu")
}

run cat cat
for t in $threads; do
  extra=()
  [ -n "$batch" ] && extra=(--batch "$batch")
  run "wasmpipe-t$t" "$wasmpipe" process --module "$module" --threads "$t" --log-level error "${extra[@]}"
  if [ "$t" = "${threads%% *}" ]; then
    if tr a-z A-Z < "$tmp/in" | cmp -s - "$tmp/out"; then echo "output checked: uppercase of the input"; else
      echo "!!! OUTPUT MISMATCH for threads=$t" >&2; exit 1; fi
  fi
done

cat_wall=$(echo "${results[0]}" | awk '{ print $2 }')
printf '\n%-14s %9s %9s %14s %16s %10s\n' runner "wall s" "cpu s" "lines/s" "lines/cpu-s" "vs cat"
for line in "${results[@]}"; do
  echo "$line" | awk -v n="$lines" -v c="$cat_wall" '{
    w = $2 > 0 ? $2 : 0.001; u = $3 > 0 ? $3 : 0.001;
    printf "%-14s %9.2f %9.2f %14.0f %16.0f %9.1fx\n", $1, $2, $3, n / w, n / u, w / (c > 0 ? c : 0.001) }'
done
