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

# ---------------------------------------------------------------- malformed requests
port=$("$tool" freeport)
base="http://127.0.0.1:$port"
cat > "$tmp/raw.yaml" <<YAML
input:
  http_server:
    address: 127.0.0.1:$port
    sync_response:
      metadata_headers: { include_prefixes: [ "X-Echo" ] }
$processors
YAML
# raw TEXT: sends TEXT (printf format) on a new connection and prints the
# status of the answer ("none" when the connection closes without one).
raw() {
  exec 3<>"/dev/tcp/127.0.0.1/$port" || { echo noconnect; return; }
  printf "$1" >&3
  local line
  line=$(timeout 10 head -1 <&3 | tr -d '\r')
  exec 3>&- 3<&-
  [ -n "$line" ] && echo "$line" | cut -d' ' -f2 || echo none
}
alive() { # LABEL: a well-formed request is still answered
  local got
  got=$(curl -s -m 10 -w ' %{http_code}' --data-binary 'still here' "$base/post")
  [ "$got" = "STILL HERE 200" ] || fail "$1" "the next request got '$got'"
}
if start raw; then
  big=$(head -c 100000 /dev/zero | tr '\0' a)
  checks=(
    "no colon|400|POST /post HTTP/1.1\r\nHost: x\r\nBadHeaderNoColon\r\n\r\n"
    "NUL in a name|400|POST /post HTTP/1.1\r\nHost: x\r\nX-\0A: ab\r\n\r\n"
    "HTTP/1.1 without Host|400|POST /post HTTP/1.1\r\n\r\n"
    "100 KB header|431|POST /post HTTP/1.1\r\nHost: x\r\nX-Big: $big\r\n\r\n"
    "bad Content-Length|400|POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"
    "not HTTP|none|GARBAGE\r\n\r\n"
  )
  for c in "${checks[@]}"; do
    what=${c%%|*}; rest=${c#*|}; want=${rest%%|*}; req=${rest#*|}
    got=$(raw "$req")
    # A server that answers before reading the whole request and closes may
    # reset the connection, and the reset can discard the answer: try again.
    for _ in 1 2; do
      case $got in [0-9][0-9][0-9]) ;; *) [ "$want" != none ] && got=$(raw "$req") ;; esac
    done
    [ "$got" = "$want" ] && ok "malformed request ($what): $want" || fail "malformed ($what)" "answer $got, want $want"
    alive "after $what"
  done
  # libmicrohttpd cuts a header value at a NUL byte (documented): the
  # request is served, with the value up to the NUL.
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'POST /post HTTP/1.1\r\nHost: x\r\nX-Echo-A: a\0b\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx' >&3
  timeout 10 cat <&3 | tr -d '\r' > "$tmp/nul.txt"
  exec 3>&- 3<&-
  head -1 "$tmp/nul.txt" | grep -q ' 200 ' && grep -qx 'X-Echo-A: a' "$tmp/nul.txt" &&
    ok "NUL in a header value: served, the value cut at the NUL" || fail "NUL in a value" "$(cat "$tmp/nul.txt")"
  alive "after a NUL in a value"
  # Only the well-formed requests became messages.
  kill -TERM $wp; wait $wp; rc=$?
  [ $rc = 0 ] && grep -q 'event=summary in=8 out=8 errored=0' "$tmp/raw.err" &&
    ok "malformed requests: exit 0, only the 8 good requests were messages" ||
    fail "malformed summary" "exit $rc: $(grep summary "$tmp/raw.err")"
fi

# ---------------------------------------------------------------- the shared http server
port=$("$tool" freeport)
base="http://127.0.0.1:$port"
cat > "$tmp/shared.yaml" <<YAML
http:
  address: 127.0.0.1:$port
input:
  http_server:
    sync_response: true
$processors
YAML
if start shared; then
  got=$(curl -s -w ' %{http_code}' --data-binary 'shared' "$base/post")
  [ "$got" = "SHARED 200" ] && ok "no address: the input's path on the http server" || fail "shared post" "'$got'"
  got=$(curl -s "$base/ping")
  [ "$got" = pong ] && ok "no address: /ping on the same server" || fail "shared ping" "'$got'"
  curl -s "$base/metrics" | grep -q '^input_received{label="",path="root.input"} 1$' &&
    ok "no address: /metrics counts the request" || fail "shared metrics" "$(curl -s "$base/metrics" | grep input_received)"
  code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary x "$base/other")
  [ "$code" = 404 ] && ok "no address: other paths 404" || fail "shared 404" "$code"
  stop shared
fi
sed 's#^    sync_response: true#    path: /metrics#' "$tmp/shared.yaml" > "$tmp/clash.yaml"
"$wasmpipe" -c "$tmp/clash.yaml" 2> "$tmp/clash.err"; rc=$?
[ $rc = 2 ] && grep -q "path '/metrics' is one of the http service's endpoints" "$tmp/clash.err" &&
  ok "no address: a path that is an endpoint is refused (exit 2)" || fail "clash" "exit $rc: $(cat "$tmp/clash.err")"

# ---------------------------------------------------------------- max_message_size
port=$("$tool" freeport)
base="http://127.0.0.1:$port"
cat > "$tmp/size.yaml" <<YAML
input:
  http_server:
    address: 127.0.0.1:$port
    sync_response: true
    max_message_size: 1KiB
$processors
YAML
if start size; then
  head -c 1024 /dev/zero | tr '\0' a > "$tmp/fits"
  head -c 1025 /dev/zero | tr '\0' a > "$tmp/over"
  got=$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$tmp/fits" "$base/post")
  [ "$got" = 200 ] && ok "max_message_size: a body of exactly 1KiB is taken" || fail "size fits" "$got"
  got=$(curl -s -w ' %{http_code}' --data-binary @"$tmp/over" "$base/post")
  [ "$got" = "body too large: over max_message_size (1024 bytes)
 413" ] && ok "max_message_size: 1 byte over gets 413 naming the bound" || fail "size over" "'$got'"
  # Chunked (no Content-Length): refused once the body grows past the bound.
  got=$(curl -s -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' --data-binary @"$tmp/over" "$base/post")
  [ "$got" = 413 ] && ok "max_message_size: a chunked body over it gets 413" || fail "size chunked" "$got"
  alive "after 413"
  kill -TERM $wp; wait $wp; rc=$?
  [ $rc = 0 ] && grep -q 'event=summary in=2 out=2 errored=0' "$tmp/size.err" &&
    ok "max_message_size: exit 0, the refused bodies were no messages" ||
    fail "size summary" "exit $rc: $(grep summary "$tmp/size.err")"
fi

exit $fails
