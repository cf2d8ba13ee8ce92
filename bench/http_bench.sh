#!/usr/bin/env bash
# Benchmark (not part of CI): http_server with sync_response -> uppercase,
# loaded by wrk on loopback (POST of a 16-byte body, 8 connections, 2 wrk
# threads) for each of 1 and 2 pipeline threads. Prints wrk's requests/s
# and its latency percentiles.
#
#   bench/http_bench.sh [--build DIR] [--seconds S] [--connections C]
set -euo pipefail
cd "$(dirname "$0")/.."
build=build seconds=5 conns=8
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --connections) conns=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
wasmpipe=$build/src/cli/wasmpipe tool=$build/tests/stream/js_tool
module=$build/examples/uppercase.wasm
[ -f "$module" ] || module=$build/tests/pipeline/wat/upper.wasm
tmp=$(mktemp -d /tmp/wp_http_bench_XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill -9 $p 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"' EXIT
cat > "$tmp/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = "hello from wrk!!"
LUA
for threads in 1 2; do
  port=$("$tool" freeport)
  cat > "$tmp/c.yaml" <<YAML
input:
  http_server:
    address: 127.0.0.1:$port
    sync_response: true
pipeline:
  threads: $threads
  processors:
    - wasm:
        module_path: $module
        function: process
output:
  drop: {}
logger:
  level: warn
YAML
  "$wasmpipe" -c "$tmp/c.yaml" & w=$!; pids+=($w)
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
  body=$(curl -s --data-binary abc "http://127.0.0.1:$port/post")
  [ "$body" = ABC ] || { echo "wrong answer '$body'" >&2; exit 1; }
  echo "== pipeline threads $threads, $conns connections, ${seconds}s"
  wrk -t2 -c"$conns" -d"${seconds}s" --latency -s "$tmp/post.lua" "http://127.0.0.1:$port/post" |
    grep -E "Requests/sec|50%|90%|99%|requests in|Non-2xx"
  kill -TERM $w; wait $w
done
