#!/usr/bin/env bash
# The http_client output against a local server (http_sink) on 127.0.0.1:
# one that fails the first two attempts (the retries deliver every message
# once, exit 0) and one that always fails (the output fails after its
# retries: exit 1, the message counted as dropped, nothing written).
#
#   http_client_test.sh --wasmpipe BIN --sink http_sink --tool js_tool
set -u
wasmpipe= sink= tool=
while [ $# -gt 0 ]; do
  case $1 in
    --wasmpipe) wasmpipe=$2; shift 2 ;;
    --sink) sink=$2; shift 2 ;;
    --tool) tool=$2; shift 2 ;;
    *) echo "unknown argument $1"; exit 2 ;;
  esac
done
tmp=$(mktemp -d /tmp/wp_httpc_XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fails=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

# start_sink FAIL NAME: a server on a free port in $port
start_sink() {
  port=$("$tool" freeport)
  "$sink" "$port" "$1" "$tmp/$2.txt" 2> "$tmp/$2.sink.err" &
  pids+=($!)
  for _ in $(seq 50); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && break
    sleep 0.1
  done
  # The probe was a request too: count it out.
  rm -f "$tmp/$2.txt"
}
config() { # NAME PORT
  cat > "$tmp/$1.yaml" <<YAML
input:
  stdin: {}
output:
  http_client:
    url: http://127.0.0.1:$2/post
    verb: POST
    headers:
      Content-Type: text/plain
      X-Wasmpipe-Test: "a value: with a colon"
    timeout: 2s
    retries: 3
    retry_period: 20ms
YAML
}

start_sink 3 flaky       # the probe takes the first failure
config flaky "$port"
printf 'one\ntwo\nthree\n' | "$wasmpipe" -c "$tmp/flaky.yaml" 2> "$tmp/flaky.err"
rc=$?
got=$(cat "$tmp/flaky.txt" 2>/dev/null)
[ $rc = 0 ] && [ "$got" = "$(printf 'one\ntwo\nthree')" ] &&
  ok "a server failing twice: the retries deliver every message once" ||
  fail "retries" "exit $rc, server got '$got': $(tail -2 "$tmp/flaky.err")"
reqs=$(cat "$tmp/flaky.txt.count")
[ "$reqs" = 6 ] && ok "two failed attempts and three successes (6 requests with the probe)" ||
  fail "attempts" "$reqs requests"
grep -qx 'Content-Type: text/plain' "$tmp/flaky.txt.headers" &&
  grep -qx 'X-Wasmpipe-Test: a value: with a colon' "$tmp/flaky.txt.headers" &&
  ok "headers given as a map are sent" ||
  fail "headers map" "the server got: $(cat "$tmp/flaky.txt.headers" 2>/dev/null)"
# The list form ("Name: value" strings) still works.
sed -i 's/^    headers:$/    headers: [ "X-Listed: yes" ]/; /^      Content-Type: text\/plain$/d; /^      X-Wasmpipe-Test/d' "$tmp/flaky.yaml"
printf 'four\n' | "$wasmpipe" -c "$tmp/flaky.yaml" 2> "$tmp/flaky2.err"
grep -qx 'X-Listed: yes' "$tmp/flaky.txt.headers" && ok "headers given as a list are sent" ||
  fail "headers list" "exit $?, the server got: $(cat "$tmp/flaky.txt.headers" 2>/dev/null); $(tail -2 "$tmp/flaky2.err")"

start_sink -1 down
config down "$port"
printf 'lost\n' | "$wasmpipe" -c "$tmp/down.yaml" 2> "$tmp/down.err"
rc=$?
[ $rc = 1 ] && grep -q "status 500 after 3 retries" "$tmp/down.err" && grep -q "dropped=1" "$tmp/down.err" &&
  [ ! -s "$tmp/down.txt" ] && ok "a server always failing: exit 1, status named, message dropped" ||
  fail "always failing" "exit $rc: $(tail -3 "$tmp/down.err")"
reqs=$(cat "$tmp/down.txt.count")
[ "$reqs" = 5 ] && ok "1 + 3 retries attempted (5 requests with the probe)" || fail "attempts" "$reqs requests"

dead=$("$tool" freeport)
config dead "$dead"
sed -i 's/retries: 3/retries: 1/' "$tmp/dead.yaml"
printf 'x\n' | "$wasmpipe" -c "$tmp/dead.yaml" 2> "$tmp/dead.err"
rc=$?
[ $rc = 1 ] && grep -q "127.0.0.1:$dead" "$tmp/dead.err" && ok "no server: exit 1 naming the URL" ||
  fail "no server" "exit $rc: $(tail -2 "$tmp/dead.err")"
exit $fails
