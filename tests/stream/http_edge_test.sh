#!/usr/bin/env bash
# The http_server input at its edges, on 127.0.0.1 with free ports:
#   - Bento's sync_response object: status, headers and metadata_headers;
#   - malformed requests on a raw socket (a header line without a colon, a
#     NUL in a header, a huge header, a bad request line) get a 4xx and the
#     server goes on answering;
#   - no address: the input serves its path on the shared `http` server
#     beside /ping and /metrics;
#   - max_message_size: a body over it gets 413, and the server goes on.
#
#   http_edge_test.sh --wasmpipe BIN --tool js_tool --module upper.wasm
set -u
wasmpipe= tool= module=
while [ $# -gt 0 ]; do
  case $1 in
    --wasmpipe) wasmpipe=$2; shift 2 ;;
    --tool) tool=$2; shift 2 ;;
    --module) module=$2; shift 2 ;;
    *) echo "unknown argument $1"; exit 2 ;;
  esac
done
tmp=$(mktemp -d /tmp/wp_httpe_XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fails=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

# start NAME: runs wasmpipe on $tmp/NAME.yaml and waits until $base answers.
start() {
  "$wasmpipe" -c "$tmp/$1.yaml" 2> "$tmp/$1.err" &
  wp=$!; pids+=($wp)
  for _ in $(seq 100); do
    curl -s -o /dev/null "$base/" && return 0
    kill -0 $wp 2>/dev/null || break
    sleep 0.1
  done
  fail "$1 start" "no server on $base: $(tail -3 "$tmp/$1.err")"
  return 1
}
stop() { # NAME: SIGTERM, exit 0 expected
  kill -TERM $wp; wait $wp; local rc=$?
  [ $rc = 0 ] && ok "$1: exit 0" || fail "$1 exit" "$rc: $(tail -3 "$tmp/$1.err")"
}
processors="pipeline:
  threads: 2
  processors:
    - wasm:
        module_path: $module
output:
  drop: {}"

# ---------------------------------------------------------------- sync_response object
port=$("$tool" freeport)
base="http://127.0.0.1:$port"
cat > "$tmp/sync.yaml" <<YAML
input:
  http_server:
    address: 127.0.0.1:$port
    sync_response:
      status: 201
      headers:
        Content-Type: text/plain
        X-Answered-By: wasmpipe
      metadata_headers:
        include_prefixes: [ "X-Echo" ]
$processors
YAML
if start sync; then
  got=$(curl -s -D "$tmp/sync.h" -H 'X-Echo-Me: back' --data-binary 'hello' "$base/post")
  code=$(head -1 "$tmp/sync.h" | tr -d '\r' | cut -d' ' -f2)
  tr -d '\r' < "$tmp/sync.h" > "$tmp/sync.hh"
  if [ "$got" = HELLO ] && [ "$code" = 201 ] && grep -qix 'Content-Type: text/plain' "$tmp/sync.hh" &&
     grep -qix 'X-Answered-By: wasmpipe' "$tmp/sync.hh" && grep -qix 'X-Echo-Me: back' "$tmp/sync.hh"; then
    ok "sync_response object: status 201, its headers and the metadata header, processed body"
  else
    fail "sync_response object" "body '$got', headers: $(cat "$tmp/sync.hh")"
  fi
  stop sync
fi
# The object's default headers: Content-Type application/octet-stream, status 200.
sed -i '/status: 201/,/include_prefixes/d; s/^    sync_response:$/    sync_response: {}/' "$tmp/sync.yaml"
if start sync; then
  got=$(curl -s -D "$tmp/sync.h" --data-binary 'x' "$base/post")
  tr -d '\r' < "$tmp/sync.h" > "$tmp/sync.hh"
  [ "$got" = X ] && head -1 "$tmp/sync.hh" | grep -q ' 200' &&
    grep -qix 'Content-Type: application/octet-stream' "$tmp/sync.hh" &&
    ok "sync_response: {}: 200, application/octet-stream, processed body" ||
    fail "sync_response {}" "body '$got', headers: $(cat "$tmp/sync.hh")"
  stop sync
fi
sed 's/sync_response: {}/sync_response: maybe/' "$tmp/sync.yaml" > "$tmp/bad.yaml"
"$wasmpipe" lint "$tmp/bad.yaml" > "$tmp/bad.out" 2>&1
grep -q "sync_response: expected true, false or a mapping" "$tmp/bad.out" &&
  ok "sync_response: a value neither bool nor object is refused" || fail "sync_response lint" "$(cat "$tmp/bad.out")"

exit $fails
