#!/usr/bin/env bash
# End-to-end benchmark of `wasmpipe process` (not part of CI): N lines of a
# fixed size through the uppercase example, from a file on stdin to a file
# on stdout, against `cat` doing the same copy in the same run.
#
#   bench/process_bench.sh [--build DIR] [--lines N] [--size BYTES]
#                          [--threads "1 2"] [--runs R] [--batch B]
#                          [--tier jit|interp|auto] [--ref DIR]
#
# For each runner it prints the median wall time of R runs, lines per
# second of wall time, lines per CPU-second (user + system, all threads)
# and the ratio to cat's wall time. Each wasmpipe runner also runs on an
# empty input in the same session (start-up: reading and compiling the
# module, the first instance); the last two columns are the rates with
# that median start-up subtracted, i.e. the per-line cost alone. The
# first wasmpipe run's output is checked against `tr a-z A-Z` of the
# input. The module is DIR/examples/uppercase.wasm (built by `cmake
# --build DIR`); --tier (default jit) is passed to `wasmpipe process`.
# --ref DIR adds the same runners for another build (e.g. of an older
# commit), interleaved run by run with this one, for before/after.
set -euo pipefail
cd "$(dirname "$0")/.."

build=build lines=5000000 size=16 threads="1 2" runs=3 batch= tier=jit ref=
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2; shift 2 ;;
    --lines) lines=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --tier) tier=$2; shift 2 ;;
    --ref) ref=$2; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
builds=("$build")
[ -n "$ref" ] && builds+=("$ref")
for b in "${builds[@]}"; do
  [ -x "$b/src/cli/wasmpipe" ] || { echo "no $b/src/cli/wasmpipe: build first (cmake --build $b)" >&2; exit 1; }
  [ -f "$b/examples/uppercase.wasm" ] || { echo "no $b/examples/uppercase.wasm: the C examples need clang for wasm32-wasi" >&2; exit 1; }
done
[ "$size" -ge 8 ] || { echo "--size must be at least 8" >&2; exit 2; }

tmp=$(mktemp -d /tmp/wp_process_bench_XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# Lines of exactly $size bytes (before the newline): a counter, padded.
awk -v n="$lines" -v size="$size" 'BEGIN {
  pad = ""; for (i = 0; i < size - 8; i++) pad = pad "x";
  for (i = 0; i < n; i++) printf "%08d%s\n", i % 100000000, pad }' > "$tmp/in"
bytes=$(wc -c < "$tmp/in")
: > "$tmp/empty"
echo "input: $lines lines of $size bytes ($((bytes / 1000000)) MB), $runs runs each, median, tier $tier"
echo "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

# once INPUT CMD...: one timed run; prints "wall cpu".
once() {
  local input=$1; shift
  /usr/bin/time -o "$tmp/time" -f "%e %U %S" "$@" < "$input" > "$tmp/out" 2>/dev/null
  tail -1 "$tmp/time" | awk '{ print $1, $2 + $3 }'
}
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# The runners: cat, then for each build and thread count the full input
# and the empty one. Runs are interleaved (round r of every runner before
# round r + 1), so that a change in the machine's load hits all alike.
names=(cat) inputs=("$tmp/in") cmds=("cat")
for b in "${builds[@]}"; do
  tag=""
  [ "$b" != "$build" ] && tag="-ref"
  for t in $threads; do
    extra=""
    [ -n "$batch" ] && extra="--batch $batch"
    cmd="$b/src/cli/wasmpipe process --module $b/examples/uppercase.wasm --threads $t --tier $tier --log-level error $extra"
    names+=("wasmpipe$tag-t$t" "wasmpipe$tag-t$t-start")
    inputs+=("$tmp/in" "$tmp/empty")
    cmds+=("$cmd" "$cmd")
  done
done
declare -A walls cpus
for ((r = 0; r < runs; r++)); do
  for i in "${!names[@]}"; do
    # shellcheck disable=SC2086
    read -r w c < <(once "${inputs[$i]}" ${cmds[$i]})
    walls[$i]+="$w "
    cpus[$i]+="$c "
    if [ "$r" = 0 ] && [ "${inputs[$i]}" = "$tmp/in" ] && [ "$i" != 0 ]; then
      if ! tr a-z A-Z < "$tmp/in" | cmp -s - "$tmp/out"; then
        echo "!!! OUTPUT MISMATCH for ${names[$i]}" >&2; exit 1; fi
    fi
  done
done
echo "output checked: uppercase of the input, every wasmpipe runner"

med() { printf '%s\n' $1 | median; }
cat_wall=$(med "${walls[0]}")
printf '\n%-20s %8s %8s %12s %12s %8s %12s %14s\n' runner "wall s" "cpu s" "lines/s" "lines/cpu-s" \
  "vs cat" "net lines/s" "net lines/cpu-s"
for i in "${!names[@]}"; do
  case ${names[$i]} in *-start) continue ;; esac
  w=$(med "${walls[$i]}") c=$(med "${cpus[$i]}") sw=0 sc=0
  if [ "$i" != 0 ]; then sw=$(med "${walls[$((i + 1))]}") sc=$(med "${cpus[$((i + 1))]}"); fi
  awk -v name="${names[$i]}" -v n="$lines" -v cw="$cat_wall" -v w="$w" -v c="$c" -v sw="$sw" \
      -v sc="$sc" -v first="$i" 'BEGIN {
    ww = w > 0 ? w : 0.001; uu = c > 0 ? c : 0.001;
    nw = w - sw > 0.001 ? w - sw : 0.001; nc = c - sc > 0.001 ? c - sc : 0.001;
    printf "%-20s %8.2f %8.2f %12.0f %12.0f %7.1fx", name, w, c, n / ww, n / uu,
           ww / (cw > 0 ? cw : 0.001);
    if (first == 0) printf "\n";
    else printf " %12.0f %14.0f   (start-up %.2f s wall, %.2f s cpu)\n", n / nw, n / nc, sw, sc }'
done
