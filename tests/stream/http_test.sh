#!/usr/bin/env bash
# The http section's endpoints on 127.0.0.1 with a free port: /ping,
# /version, /ready (200 while the input is connected, 503 when its NATS
# server is gone), /metrics (counts equal to the messages processed, in a
# format promtool parses), and a clear exit 2 for an address in use.
#
#   http_test.sh --wasmpipe BIN --tool js_tool --server nats-server --module upper.wasm
#                --promtool promtool
set -u
wasmpipe= tool= server= module= promtool=
while [ $# -gt 0 ]; do
  case $1 in
    --wasmpipe) wasmpipe=$2; shift 2 ;;
    --tool) tool=$2; shift 2 ;;
    --server) server=$2; shift 2 ;;
    --module) module=$2; shift 2 ;;
    --promtool) promtool=$2; shift 2 ;;
    *) echo "unknown argument $1"; exit 2 ;;
  esac
done
tmp=$(mktemp -d /tmp/wp_http_XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }
# get PATH: body in $body, status in $code
get() { body=$(curl -s -m 5 -o - -w '\n%{http_code}' "http://127.0.0.1:$hport$1"); code=${body##*$'\n'}; body=${body%$'\n'*}; }
metric() { curl -s -m 5 "http://127.0.0.1:$hport/metrics" | awk -v n="$1" '$1 ~ "^"n"[{]" { print $2; exit }'; }

hport=$("$tool" freeport)
nport=$("$tool" freeport)
url="nats://127.0.0.1:$nport"
"$server" -a 127.0.0.1 -p "$nport" > "$tmp/server.log" 2>&1 &
nats=$!; pids+=($nats)
up=0
for _ in $(seq 100); do
  if "$tool" "$url" count NONE 2>&1 | grep -qv "$url"; then up=1; break; fi
  sleep 0.1
done
[ $up = 1 ] || { fail "nats-server" "did not start on $url: $(tail -3 "$tmp/server.log")"; exit 1; }

# ---------------------------------------------------------------- stdin pipeline: metrics
cat > "$tmp/m.yaml" <<YAML
http:
  enabled: true
  address: 127.0.0.1:$hport
input:
  stdin: {}
pipeline:
  threads: 2
  processors:
    - label: upper
      wasm:
        module_path: $module
        function: process
output:
  file:
    path: $tmp/out.txt
YAML
mkfifo "$tmp/fifo"
"$wasmpipe" -c "$tmp/m.yaml" < "$tmp/fifo" 2> "$tmp/m.err" &
wp=$!; pids+=($wp)
exec 7> "$tmp/fifo"
for i in $(seq 1 100); do
  if [ $((i % 25)) = 0 ]; then echo "!trap $i" >&7; else echo "line $i" >&7; fi
done
for _ in $(seq 100); do [ "$(metric input_received)" = 100 ] && break; sleep 0.1; done
get /ping
[ "$code $body" = "200 pong" ] && ok "/ping" || fail "/ping" "$code '$body'"
get /version
[ "$code" = 200 ] && printf %s "$body" | grep -q '"version"' && ok "/version" || fail "/version" "$code '$body'"
get /ready
[ "$code" = 200 ] && ok "/ready while running" || fail "/ready" "$code '$body'"
get /nothing
[ "$code" = 404 ] && ok "unknown path: 404" || fail "unknown path" "$code"
# Counts once the workers are done with the batch.
for _ in $(seq 50); do [ "$(metric output_sent)" = 96 ] && break; sleep 0.1; done
want="100 100 96 4 96 0"
got="$(metric input_received) $(metric processor_received) $(metric processor_sent) $(metric processor_error) $(metric output_sent) $(metric output_error)"
[ "$got" = "$want" ] && ok "/metrics counts: in, processor received/sent/error, output sent/error = $got" ||
  fail "/metrics counts" "got '$got', want '$want'"
curl -s "http://127.0.0.1:$hport/metrics" > "$tmp/metrics.txt"
grep -q '^processor_latency_ns_count{label="upper",path="root.pipeline.processors.0"} [1-9]' "$tmp/metrics.txt" &&
  ok "processor_latency_ns with label and path" || fail "labels" "$(grep processor_latency "$tmp/metrics.txt")"
grep -q '^wasm_instances_discarded{label="upper",path="root.pipeline.processors.0"} 4$' "$tmp/metrics.txt" &&
  ok "wasm_instances_discarded counts the 4 traps" || fail "wasm metrics" "$(grep wasm_ "$tmp/metrics.txt")"
# promtool must parse it; its only complaints may be the lints Bento's own
# names draw (no _total suffix on counters, "ns" in a name).
"$promtool" check metrics < "$tmp/metrics.txt" > "$tmp/promtool.out" 2>&1
prc=$?
other=$(grep -v -e 'counter metrics should have "_total" suffix' \
                -e 'metric names should not contain abbreviated units' "$tmp/promtool.out")
if { [ $prc = 0 ] || [ $prc = 3 ]; } && [ -z "$other" ]; then
  ok "promtool check metrics: parsed (status $prc, only Bento-name lints)"
else
  fail "promtool" "status $prc: $(head -5 "$tmp/promtool.out")"
fi
exec 7>&-
wait $wp; rc=$?
[ $rc = 0 ] && ok "stdin pipeline exit 0" || fail "exit" "$rc"

# ---------------------------------------------------------------- readiness follows the input
cat > "$tmp/r.yaml" <<YAML
http:
  enabled: true
  address: 127.0.0.1:$hport
input:
  nats:
    urls: [ "$url" ]
    subject: jobs
output:
  drop: {}
YAML
"$wasmpipe" -c "$tmp/r.yaml" 2> "$tmp/r.err" &
wp=$!; pids+=($wp)
for _ in $(seq 50); do get /ready; [ "$code" = 200 ] && break; sleep 0.1; done
[ "$code" = 200 ] && ok "/ready 200 with the input connected" || fail "/ready connected" "$code"
kill -9 $nats; wait $nats 2>/dev/null
for _ in $(seq 50); do get /ready; [ "$code" = 503 ] && break; sleep 0.1; done
[ "$code" = 503 ] && ok "/ready 503 once the NATS server is gone" || fail "/ready disconnected" "$code"
kill -TERM $wp; wait $wp; rc=$?
[ $rc = 0 ] && ok "exit 0 after SIGTERM while disconnected" || fail "exit" "$rc"

# ---------------------------------------------------------------- bad addresses
cat > "$tmp/busy.yaml" <<YAML
http:
  enabled: true
  address: 127.0.0.1:$hport
YAML
"$wasmpipe" -c "$tmp/m.yaml" < "$tmp/fifo" 2> /dev/null &
holder=$!; pids+=($holder)
exec 7> "$tmp/fifo"
for _ in $(seq 50); do get /ping; [ "$code" = 200 ] && break; sleep 0.1; done
"$wasmpipe" -c "$tmp/busy.yaml" < /dev/null 2> "$tmp/busy.err"
rc=$?
[ $rc = 2 ] && grep -q "127.0.0.1:$hport" "$tmp/busy.err" && ok "address in use: exit 2 naming it" ||
  fail "address in use" "exit $rc: $(cat "$tmp/busy.err")"
exec 7>&-
wait $holder
printf 'http:\n  enabled: true\n  address: "127.0.0.1:port"\n' > "$tmp/bad.yaml"
"$wasmpipe" -c "$tmp/bad.yaml" < /dev/null 2> "$tmp/bad.err"
rc=$?
[ $rc = 2 ] && grep -q "expected host:port" "$tmp/bad.err" && ok "bad address: exit 2" ||
  fail "bad address" "exit $rc: $(cat "$tmp/bad.err")"
exit $fails
