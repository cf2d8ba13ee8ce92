#!/usr/bin/env bash
# SIGTERM in the middle of a stdin -> file stream with two threads: every
# message read before the signal is written, the summary is printed and the
# exit status is 0.
#
#   shutdown_test.sh --wasmpipe BIN --module upper.wasm
set -u
wasmpipe= module=
while [ $# -gt 0 ]; do
  case $1 in
    --wasmpipe) wasmpipe=$2; shift 2 ;;
    --module) module=$2; shift 2 ;;
    *) echo "unknown argument $1"; exit 2 ;;
  esac
done
tmp=$(mktemp -d /tmp/wp_shutdown_XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

cat > "$tmp/c.yaml" <<YAML
input:
  stdin: {}
pipeline:
  threads: 2
  processors:
    - wasm:
        module_path: $module
        function: process
output:
  file:
    path: $tmp/out.txt
YAML

# A writer that never ends: the pipeline is mid-stream when the signal comes.
mkfifo "$tmp/fifo"
( i=0; while :; do printf 'line %d\n' $i; i=$((i + 1)); [ $((i % 500)) -eq 0 ] && sleep 0.05; done ) \
  > "$tmp/fifo" 2>/dev/null &
feeder=$!
"$wasmpipe" -c "$tmp/c.yaml" < "$tmp/fifo" 2> "$tmp/err" &
wp=$!
# Wait until something was written, then stop it.
for _ in $(seq 100); do [ -s "$tmp/out.txt" ] && break; sleep 0.1; done
kill -TERM $wp
wait $wp
rc=$?
kill $feeder 2>/dev/null; wait $feeder 2>/dev/null
[ "$rc" = 0 ] && ok "exit 0 after SIGTERM" || fail "exit status" "$rc, want 0: $(head -c 400 "$tmp/err")"
sum=$(grep 'event=summary' "$tmp/err")
[ -n "$sum" ] && ok "summary printed" || fail "summary" "none in: $(head -c 400 "$tmp/err")"
in=$(printf '%s' "$sum" | sed -n 's/.* in=\([0-9]*\).*/\1/p')
out=$(printf '%s' "$sum" | sed -n 's/.* out=\([0-9]*\).*/\1/p')
lines=$(wc -l < "$tmp/out.txt")
if [ -n "$in" ] && [ "$in" -gt 0 ] && [ "$in" = "$out" ] && [ "$lines" = "$in" ]; then
  ok "all $in messages read were written"
else
  fail "drain" "in=$in out=$out lines in file=$lines"
fi
# The file holds the messages in order, processed: line 0 .. line in-1.
want=$(awk -v n="$in" 'BEGIN { for (i = 0; i < n; i++) printf "LINE %d\n", i }' | md5sum)
got=$(md5sum < "$tmp/out.txt")
[ "$want" = "$got" ] && ok "written in order and processed" || fail "content" "differs from LINE 0..$((in - 1))"
exit $fails
