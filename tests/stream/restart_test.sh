#!/usr/bin/env bash
# JetStream -> uppercase -> JetStream while the broker restarts: a
# nats-server -js (127.0.0.1, a free port, a temporary store) is stopped
# mid-stream and started again on the same port with the same store.
# wasmpipe must reconnect and carry on: in the end every input message is
# in the output stream at least once (duplicates are counted and reported,
# none may be missing), nothing is left unacknowledged, and a SIGTERM then
# ends it with status 0. Done twice: the server stopped with SIGTERM and
# with SIGKILL.
#
#   restart_test.sh --wasmpipe BIN --tool js_tool --server nats-server --module upper.wasm
#                   --slow slow.wasm
set -u
wasmpipe= tool= server= module= slow=
while [ $# -gt 0 ]; do
  case $1 in
    --wasmpipe) wasmpipe=$2; shift 2 ;;
    --tool) tool=$2; shift 2 ;;
    --server) server=$2; shift 2 ;;
    --module) module=$2; shift 2 ;;
    --slow) slow=$2; shift 2 ;;
    *) echo "unknown argument $1"; exit 2 ;;
  esac
done
tmp=$(mktemp -d /tmp/wp_restart_XXXXXX)
pids=()
srv=
cleanup() {
  for p in "${pids[@]}" $srv; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  [ -n "${WP_KEEP_TMP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

port=$("$tool" freeport)
url="nats://127.0.0.1:$port"
start_server() {
  "$server" -js -a 127.0.0.1 -p "$port" -sd "$tmp/store" >> "$tmp/server.log" 2>&1 &
  srv=$!
  local up=0
  for _ in $(seq 300); do
    if "$tool" "$url" count PROBE >/dev/null 2>&1; then up=1; break; fi
    sleep 0.1
  done
  [ $up = 1 ]
}
"$server" -js -a 127.0.0.1 -p "$port" -sd "$tmp/store" >> "$tmp/server.log" 2>&1 &
srv=$!
up=0
for _ in $(seq 300); do
  if "$tool" "$url" add PROBE probe >/dev/null 2>&1; then up=1; break; fi
  sleep 0.1
done
if [ $up = 0 ]; then
  fail "nats-server" "did not start on $url: $(tail -5 "$tmp/server.log")"
  exit 1
fi
ok "nats-server -js on $url"
expected() { awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) printf "MESSAGE %d\n", i }' | sort; }

# round SIGNAME N: one pass with the server stopped by that signal.
round() {
  local sig=$1 N=$2 in=in_$1 out=out_$1 IN=IN_$1 OUT=OUT_$1
  "$tool" "$url" add $IN $in && "$tool" "$url" add $OUT $out || fail "$sig streams" "cannot add"
  "$tool" "$url" pub $in "$N" || fail "$sig publish" "$N to $in"
  # The slow processor keeps messages in flight when the server goes away.
  cat > "$tmp/$sig.yaml" <<YAML
input:
  nats_jetstream:
    urls: [ "$url" ]
    subject: $in
    stream: $IN
    durable: wp_$IN
    ack_wait: 5s
pipeline:
  threads: 2
  max_in_flight: 256
  processors:
    - wasm:
        module_path: $module
    - wasm:
        module_path: $slow
output:
  nats_jetstream:
    urls: [ "$url" ]
    subject: $out
YAML
  "$wasmpipe" -c "$tmp/$sig.yaml" 2> "$tmp/$sig.err" &
  local wp=$!
  pids+=($wp)
  "$tool" "$url" wait $OUT $((N / 5)) 120 >/dev/null || fail "$sig progress" "fewer than $((N / 5)) out before the stop"
  local before
  before=$("$tool" "$url" count $OUT)
  kill -"$sig" "$srv"; wait "$srv" 2>/dev/null
  # Down long enough for wasmpipe to notice (its fetches and publishes fail).
  local tries=0
  while ! grep -q 'input_retry' "$tmp/$sig.err" && [ $tries -lt 100 ]; do sleep 0.1; tries=$((tries + 1)); done
  sleep 1
  if start_server; then
    ok "$sig: server stopped at $before of $N out and started again"
  else
    fail "$sig restart" "the server did not come back: $(tail -5 "$tmp/server.log")"
    return
  fi
  # Every message out (perhaps more than once) and the consumer drained.
  local drained=0 c=
  for _ in $(seq 900); do
    if ! kill -0 $wp 2>/dev/null; then break; fi
    c=$("$tool" "$url" consumer $IN wp_$IN 2>/dev/null)
    local have
    have=$("$tool" "$url" count $OUT 2>/dev/null)
    if [ "$c" = "ack_pending=0 pending=0" ] && [ "${have:-0}" -ge "$N" ]; then drained=1; break; fi
    sleep 0.2
  done
  [ $drained = 1 ] && ok "$sig: the consumer drained" || fail "$sig drain" "consumer '$c'; wasmpipe: $(tail -3 "$tmp/$sig.err")"
  kill -TERM $wp 2>/dev/null; wait $wp; local rc=$?
  [ $rc = 0 ] && ok "$sig: wasmpipe exit 0 after SIGTERM" || fail "$sig exit" "$rc: $(tail -3 "$tmp/$sig.err")"
  "$tool" "$url" dump $OUT > "$tmp/$sig.out"
  local total dups missing extra
  total=$(wc -l < "$tmp/$sig.out")
  dups=$((total - $(sort -u "$tmp/$sig.out" | wc -l)))
  missing=$(comm -13 <(sort -u "$tmp/$sig.out") <(expected "$N") | wc -l)
  extra=$(comm -23 <(sort -u "$tmp/$sig.out") <(expected "$N") | wc -l)
  if [ "$missing" = 0 ] && [ "$extra" = 0 ]; then
    ok "$sig: all $N messages out at least once ($total written, $dups duplicates)"
  else
    fail "$sig delivery" "$missing missing, $extra unexpected, $total written"
  fi
  echo "report: broker $sig mid-stream: duplicates=$dups of $N; $(grep -o 'in=[0-9]* out=[0-9]*.*nacked=[0-9]*' "$tmp/$sig.err")"
}

round TERM 20000
round KILL 20000
exit $fails
