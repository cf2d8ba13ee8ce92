#!/usr/bin/env bash
# The http_server input on 127.0.0.1 with a free port: sync_response under
# 8 concurrent clients (every answer is its own body uppercased), an
# errored message answered 500 with its error, 413 for an oversized body,
# 404 and 405, 503 when the queue is full, and a SIGTERM that still
# answers what was taken.
#
#   http_server_test.sh --wasmpipe BIN --tool js_tool --module upper.wasm --spin spin.wasm
set -u
wasmpipe= tool= module= spin=
while [ $# -gt 0 ]; do
  case $1 in
    --wasmpipe) wasmpipe=$2; shift 2 ;;
    --tool) tool=$2; shift 2 ;;
    --module) module=$2; shift 2 ;;
    --spin) spin=$2; shift 2 ;;
    *) echo "unknown argument $1"; exit 2 ;;
  esac
done
tmp=$(mktemp -d /tmp/wp_https_XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fails=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

port=$("$tool" freeport)
base="http://127.0.0.1:$port"
cat > "$tmp/s.yaml" <<YAML
input:
  http_server:
    address: 127.0.0.1:$port
    sync_response: true
    max_body: 1KiB
pipeline:
  threads: 2
  processors:
    - wasm:
        module_path: $module
        function: process
output:
  drop: {}
YAML
"$wasmpipe" -c "$tmp/s.yaml" 2> "$tmp/s.err" &
wp=$!; pids+=($wp)
for _ in $(seq 50); do curl -s -o /dev/null "$base/" && break; sleep 0.1; done

# 8 clients, 25 requests each, each checking its own answers.
client() { # ID
  local bad=0
  for j in $(seq 1 25); do
    got=$(curl -s -m 10 -w ' %{http_code}' --data-binary "client $1 request $j" "$base/post")
    [ "$got" = "CLIENT $1 REQUEST $j 200" ] || { bad=$((bad + 1)); echo "client $1: '$got'" >> "$tmp/bad.txt"; }
  done
  echo $bad > "$tmp/client$1"
}
for i in $(seq 1 8); do client $i & done
wait $(jobs -p | grep -v -w -e "$wp") 2>/dev/null
total=0
for i in $(seq 1 8); do total=$((total + $(cat "$tmp/client$i" 2>/dev/null || echo 25))); done
[ $total = 0 ] && ok "sync_response: 8 concurrent clients, 200 answers, each its own body processed" ||
  fail "sync_response" "$total wrong: $(head -3 "$tmp/bad.txt")"

got=$(curl -s -w ' %{http_code}' --data-binary '!boom' "$base/post")
case $got in *"unreachable 500") ok "errored message: 500 with its error" ;; *) fail "errored" "'$got'" ;; esac
head -c 2000 /dev/zero | tr '\0' a > "$tmp/big"
code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$tmp/big" "$base/post")
[ "$code" = 413 ] && ok "oversized body: 413" || fail "oversized" "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary x "$base/other")
[ "$code" = 404 ] && ok "other path: 404" || fail "path" "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/post")
[ "$code" = 405 ] && ok "GET on a POST path: 405" || fail "verb" "$code"
kill -TERM $wp; wait $wp; rc=$?
[ $rc = 0 ] && grep -q 'event=summary in=201 out=200 errored=1 acked=200 nacked=1' "$tmp/s.err" &&
  ok "exit 0, summary counts every request" || fail "summary" "exit $rc: $(grep summary "$tmp/s.err")"

# Saturation: a slow processor, a queue of 2, 12 requests at once.
port=$("$tool" freeport)
base="http://127.0.0.1:$port"
cat > "$tmp/q.yaml" <<YAML
input:
  http_server:
    address: 127.0.0.1:$port
    queue: 2
    timeout: 20s
pipeline:
  threads: 1
  max_in_flight: 1
  processors:
    - wasm:
        module_path: $spin
        function: process
output:
  drop: {}
YAML
"$wasmpipe" -c "$tmp/q.yaml" 2> "$tmp/q.err" &
wp=$!; pids+=($wp)
for _ in $(seq 50); do curl -s -o /dev/null "$base/" && break; sleep 0.1; done
for i in $(seq 1 12); do curl -s -o /dev/null -w '%{http_code}\n' -m 30 --data-binary "m$i" "$base/post" > "$tmp/q$i" & done
wait $(jobs -p | grep -v -w -e "$wp") 2>/dev/null
n503=$(cat "$tmp"/q[0-9]* | grep -c 503)
n200=$(cat "$tmp"/q[0-9]* | grep -c 200)
[ "$n503" -ge 1 ] && [ $((n503 + n200)) = 12 ] && ok "saturated: $n503 of 12 refused with 503, $n200 answered 200" ||
  fail "saturation" "503: $n503, 200: $n200"
kill -TERM $wp; wait $wp
exit $fails
