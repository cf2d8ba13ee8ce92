#!/usr/bin/env bash
# Benchmark (not part of CI): JetStream -> uppercase -> JetStream through
# 1 and 2 wasmpipe processes sharing one durable consumer, against a
# nats-server -js started here on 127.0.0.1 (temporary store). For each
# process count: N messages published as fast as the publish acks allow
# (throughput, and latency under that load), then M messages at a fixed
# rate (latency when not saturated). Latency is publish to arrival on the
# output subject, both timed by the same client (tests/stream/js_tool).
#
#   bench/jetstream_bench.sh [--build DIR] [--messages N] [--paced M] [--rate R]
set -euo pipefail
cd "$(dirname "$0")/.."
build=build n=100000 paced=5000 rate=2000
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2; shift 2 ;;
    --messages) n=$2; shift 2 ;;
    --paced) paced=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
wasmpipe=$build/src/cli/wasmpipe tool=$build/tests/stream/js_tool
module=$build/examples/uppercase.wasm
[ -f "$module" ] || module=$build/tests/pipeline/wat/upper.wasm
tmp=$(mktemp -d /tmp/wp_js_bench_XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill -9 $p 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"' EXIT
port=$("$tool" freeport); url=nats://127.0.0.1:$port
nats-server -js -a 127.0.0.1 -p "$port" -sd "$tmp/store" > "$tmp/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do "$tool" "$url" add PROBE probe >/dev/null 2>&1 && break; sleep 0.1; done
echo "module: $module; $(nproc) CPUs; nats-server $(nats-server --version)"
for procs in 1 2; do
  for kind in full paced; do
    name=S${procs}${kind}
    "$tool" "$url" add "IN$name" "in.$name" && "$tool" "$url" add "OUT$name" "out.$name"
    cat > "$tmp/$name.yaml" <<YAML
input:
  nats_jetstream:
    urls: [ "$url" ]
    subject: in.$name
    stream: IN$name
    durable: bench
    max_ack_pending: 4096
pipeline:
  threads: 1
  processors:
    - wasm:
        module_path: $module
        function: process
output:
  nats_jetstream:
    urls: [ "$url" ]
    subject: out.$name
logger:
  level: warn
YAML
    w=()
    for i in $(seq "$procs"); do "$wasmpipe" -c "$tmp/$name.yaml" & w+=($!); pids+=($!); done
    sleep 0.5
    if [ $kind = full ]; then count=$n r=0; else count=$paced r=$rate; fi
    printf 'processes=%s load=%s ' "$procs" "$([ $r = 0 ] && echo full || echo "$r/s")"
    "$tool" "$url" bench "in.$name" "out.$name" "$count" "$r"
    for p in "${w[@]}"; do kill -TERM "$p"; done
    for p in "${w[@]}"; do wait "$p"; done
  done
done
