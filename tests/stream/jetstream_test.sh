#!/usr/bin/env bash
# wasmpipe between JetStream streams, against a nats-server -js started
# here on 127.0.0.1 with a free port and a temporary store:
#   - round trip: 10,000 messages through the uppercase module, each in the
#     output stream exactly once, none left unacknowledged;
#   - scale-out and crash: three processes on one durable consumer, one
#     killed with SIGKILL mid-stream; every message arrives at least once
#     (duplicates are counted and reported);
#   - SIGTERM mid-stream with two threads: what was read is written and
#     acknowledged, exit 0; a second run delivers the rest;
#   - an unreachable broker: exit 2 with the URL in the error.
# A server that does not start is a failure.
#
#   jetstream_test.sh --wasmpipe BIN --tool js_tool --server nats-server --module upper.wasm
set -u
wasmpipe= tool= server= module= spin= trapmod=
while [ $# -gt 0 ]; do
  case $1 in
    --wasmpipe) wasmpipe=$2; shift 2 ;;
    --tool) tool=$2; shift 2 ;;
    --server) server=$2; shift 2 ;;
    --module) module=$2; shift 2 ;;
    --spin) spin=$2; shift 2 ;;
    --trap) trapmod=$2; shift 2 ;;
    *) echo "unknown argument $1"; exit 2 ;;
  esac
done
tmp=$(mktemp -d /tmp/wp_js_XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  [ -n "${WP_KEEP_TMP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

port=$("$tool" freeport)
url="nats://127.0.0.1:$port"
"$server" -js -a 127.0.0.1 -p "$port" -sd "$tmp/store" > "$tmp/server.log" 2>&1 &
pids+=($!)
up=0
for _ in $(seq 100); do
  if "$tool" "$url" add PROBE probe >/dev/null 2>&1; then up=1; break; fi
  sleep 0.1
done
if [ $up = 0 ]; then
  fail "nats-server" "did not start on $url: $(tail -5 "$tmp/server.log")"
  exit 1
fi
ok "nats-server -js on $url"

# config NAME IN_SUBJECT IN_STREAM OUT_SUBJECT THREADS EXTRA_INPUT_LINES [MODULE]
config() {
  local mod=${7:-$module}
  cat > "$tmp/$1.yaml" <<YAML
input:
  nats_jetstream:
    urls: [ "$url" ]
    subject: $2
    stream: $3
    durable: wp_$3
    ack_wait: 3s
$6
pipeline:
  threads: $5
  processors:
    - wasm:
        module_path: $mod
        function: process
${8:-}
output:
  nats_jetstream:
    urls: [ "$url" ]
    subject: $4
YAML
}
expected() { awk -v a="$1" -v n="$2" 'BEGIN { for (i = a; i < a + n; i++) printf "MESSAGE %d\n", i }' | sort; }

# ---------------------------------------------------------------- round trip
"$tool" "$url" add IN1 in1 && "$tool" "$url" add OUT1 out1 || fail "streams" "cannot add"
"$tool" "$url" pub in1 10000 || fail "publish" "10000 to in1"
config rt in1 IN1 out1 2 ""
"$wasmpipe" -c "$tmp/rt.yaml" 2> "$tmp/rt.err" &
wp=$!; pids+=($wp)
n=$("$tool" "$url" wait OUT1 10000 180)
sleep 0.5   # let anything extra arrive: there must be none
kill -TERM $wp; wait $wp; rc=$?
[ $rc = 0 ] && ok "round trip: exit 0 after SIGTERM" || fail "round trip exit" "$rc: $(tail -3 "$tmp/rt.err")"
"$tool" "$url" dump OUT1 > "$tmp/rt.out"
total=$(wc -l < "$tmp/rt.out")
if [ "$total" = 10000 ] && diff -q <(sort "$tmp/rt.out") <(expected 0 10000) >/dev/null; then
  ok "round trip: 10000 messages, each exactly once, uppercased"
else
  fail "round trip" "$total messages in OUT1 (waited for $n); $(sort "$tmp/rt.out" | uniq -d | wc -l) duplicated"
fi
c=$("$tool" "$url" consumer IN1 wp_IN1)
[ "$c" = "ack_pending=0 pending=0" ] && ok "round trip: every message acknowledged" || fail "round trip acks" "$c"
grep -q 'event=summary in=10000 out=10000 errored=0 acked=10000 nacked=0' "$tmp/rt.err" &&
  ok "round trip: summary counts" || fail "round trip summary" "$(grep summary "$tmp/rt.err")"

# ---------------------------------------------------------------- scale-out and crash
N=30000
"$tool" "$url" add IN2 in2 && "$tool" "$url" add OUT2 out2 || fail "streams" "cannot add"
"$tool" "$url" pub in2 $N || fail "publish" "$N to in2"
config so in2 IN2 out2 1 "    max_ack_pending: 512"
# The one to be killed also runs a slow processor, so it always holds
# messages it has not written when the signal comes.
config victim in2 IN2 out2 1 "    max_ack_pending: 512" "$module" "    - wasm:
        module_path: $spin
        function: process"
sed -i 's/^  threads: 1/  threads: 1\n  max_in_flight: 32/' "$tmp/victim.yaml"
w=()
"$wasmpipe" -c "$tmp/victim.yaml" 2> "$tmp/so1.err" &
w+=($!); pids+=($!)
for i in 2 3; do
  "$wasmpipe" -c "$tmp/so.yaml" 2> "$tmp/so$i.err" &
  w+=($!); pids+=($!)
done
"$tool" "$url" wait OUT2 3000 180 >/dev/null
sleep 0.3
kill -9 "${w[0]}"; wait "${w[0]}" 2>/dev/null
ok "scale-out: one of three killed with SIGKILL at $("$tool" "$url" count OUT2) messages out"
done_=0
for _ in $(seq 1200); do
  c=$("$tool" "$url" consumer IN2 wp_IN2)
  [ "$c" = "ack_pending=0 pending=0" ] && { done_=1; break; }
  sleep 0.2
done
[ $done_ = 1 ] && ok "scale-out: the consumer drained" || fail "scale-out drain" "$c"
for i in 1 2; do kill -TERM "${w[$i]}"; done
# A failed exit shows the end of that process's log (so2.err, so3.err).
for i in 1 2; do
  wait "${w[$i]}"; r=$?
  [ $r = 0 ] || fail "scale-out exit" "process $i: $r; its log ends: $(tail -c 2000 "$tmp/so$((i + 1)).err")"
done
"$tool" "$url" dump OUT2 > "$tmp/so.out"
total=$(wc -l < "$tmp/so.out")
dups=$((total - $(sort -u "$tmp/so.out" | wc -l)))
missing=$(comm -13 <(sort -u "$tmp/so.out") <(expected 0 $N) | wc -l)
extra=$(comm -23 <(sort -u "$tmp/so.out") <(expected 0 $N) | wc -l)
if [ "$missing" = 0 ] && [ "$extra" = 0 ]; then
  ok "scale-out: all $N messages out at least once ($total written, $dups duplicates)"
else
  fail "scale-out" "$missing missing, $extra unexpected, $total written"
fi
echo "report: scale-out duplicates=$dups of $N"
for i in 2 3; do
  s=$(grep -o 'in=[0-9]* out=[0-9]*' "$tmp/so$i.err"); echo "report: process $i $s"
done

# ---------------------------------------------------------------- SIGTERM mid-stream
N=60000
"$tool" "$url" add IN3 in3 && "$tool" "$url" add OUT3 out3 || fail "streams" "cannot add"
"$tool" "$url" pub in3 $N || fail "publish" "$N to in3"
config st in3 IN3 out3 2 ""
"$wasmpipe" -c "$tmp/st.yaml" 2> "$tmp/st.err" &
wp=$!; pids+=($wp)
"$tool" "$url" wait OUT3 2000 180 >/dev/null
kill -TERM $wp; wait $wp; rc=$?
[ $rc = 0 ] && ok "SIGTERM: exit 0" || fail "SIGTERM exit" "$rc: $(tail -3 "$tmp/st.err")"
sum=$(grep 'event=summary' "$tmp/st.err")
in=$(printf '%s' "$sum" | sed -n 's/.* in=\([0-9]*\).*/\1/p')
out=$(printf '%s' "$sum" | sed -n 's/.* out=\([0-9]*\).*/\1/p')
acked=$(printf '%s' "$sum" | sed -n 's/.* acked=\([0-9]*\).*/\1/p')
have=$("$tool" "$url" count OUT3)
if [ -n "$in" ] && [ "$in" = "$out" ] && [ "$in" = "$acked" ] && [ "$have" = "$in" ] && [ "$in" -lt $N ]; then
  ok "SIGTERM: the $in messages read were written and acknowledged"
else
  fail "SIGTERM drain" "summary '$sum', $have in OUT3"
fi
c=$("$tool" "$url" consumer IN3 wp_IN3)
[ "${c%% *}" = "ack_pending=0" ] && ok "SIGTERM: nothing left unacknowledged" || fail "SIGTERM acks" "$c"
# A second run delivers the rest, exactly once in all.
"$wasmpipe" -c "$tmp/st.yaml" 2> "$tmp/st2.err" &
wp=$!; pids+=($wp)
"$tool" "$url" wait OUT3 $N 240 >/dev/null
sleep 0.5
kill -TERM $wp; wait $wp
"$tool" "$url" dump OUT3 > "$tmp/st.out"
total=$(wc -l < "$tmp/st.out")
if [ "$total" = $N ] && diff -q <(sort "$tmp/st.out") <(expected 0 $N) >/dev/null; then
  ok "SIGTERM: after a restart all $N exactly once"
else
  fail "SIGTERM restart" "$total in OUT3, $(sort "$tmp/st.out" | uniq -d | wc -l) duplicated"
fi

# ---------------------------------------------------------------- errored messages
# With an errors output: a trapping message goes there and is acknowledged.
"$tool" "$url" add IN4 in4 && "$tool" "$url" add OUT4 out4 && "$tool" "$url" add ERR4 err4 ||
  fail "streams" "cannot add"
"$tool" "$url" pub in4 10 && "$tool" "$url" pubraw in4 '!trap' && "$tool" "$url" pub in4 10 10
config er in4 IN4 out4 1 "" "$trapmod"
cat >> "$tmp/er.yaml" <<YAML
errors:
  nats_jetstream:
    urls: [ "$url" ]
    subject: err4
    metadata:
      include_prefixes: [ "error" ]
    headers:
      Source: wasmpipe test
YAML
"$wasmpipe" -c "$tmp/er.yaml" 2> "$tmp/er.err" &
wp=$!; pids+=($wp)
"$tool" "$url" wait OUT4 20 120 >/dev/null; "$tool" "$url" wait ERR4 1 60 >/dev/null
sleep 0.3
kill -TERM $wp; wait $wp
h=$("$tool" "$url" dump ERR4 Source)
[ "$h" = '!trap Source=wasmpipe test' ] && ok "output headers given as a map are set" ||
  fail "output headers" "ERR4 holds '$h'"
e=$("$tool" "$url" dump ERR4); o=$("$tool" "$url" count OUT4); c=$("$tool" "$url" consumer IN4 wp_IN4)
if [ "$e" = '!trap' ] && [ "$o" = 20 ] && [ "$c" = "ack_pending=0 pending=0" ]; then
  ok "errors output: the errored message routed there and acknowledged"
else
  fail "errors output" "ERR4 '$e', OUT4 $o, consumer $c"
fi
# Without one: it is nacked, so the server delivers it again.
"$tool" "$url" add IN5 in5 && "$tool" "$url" add OUT5 out5 || fail "streams" "cannot add"
"$tool" "$url" pubraw in5 '!trap' && "$tool" "$url" pub in5 5
config nk in5 IN5 out5 1 "" "$trapmod"
"$wasmpipe" -c "$tmp/nk.yaml" 2> "$tmp/nk.err" &
wp=$!; pids+=($wp)
"$tool" "$url" wait OUT5 5 120 >/dev/null
sleep 1
kill -TERM $wp; wait $wp
nacked=$(grep -a 'event=summary' "$tmp/nk.err" | sed -n 's/.* nacked=\([0-9]*\).*/\1/p')
c=$("$tool" "$url" consumer IN5 wp_IN5)
if [ -n "$nacked" ] && [ "$nacked" -ge 2 ] && [ "$c" != "ack_pending=0 pending=0" ]; then
  ok "no errors output: the errored message nacked and redelivered ($nacked times), never acknowledged"
else
  fail "nack" "nacked=$nacked, consumer $c: $(tail -3 "$tmp/nk.err")"
fi

# With max_deliver: the errored message is delivered that many times, then
# terminated (logged) and no longer pending; the good ones go through.
"$tool" "$url" add IN6 in6 && "$tool" "$url" add OUT6 out6 || fail "streams" "cannot add"
"$tool" "$url" pubraw in6 '!trap' && "$tool" "$url" pub in6 5
config md in6 IN6 out6 1 "    max_deliver: 3" "$trapmod"
"$wasmpipe" -c "$tmp/md.yaml" 2> "$tmp/md.err" &
wp=$!; pids+=($wp)
"$tool" "$url" wait OUT6 5 120 >/dev/null
for _ in $(seq 150); do
  [ "$("$tool" "$url" consumer IN6 wp_IN6)" = "ack_pending=0 pending=0" ] && break
  sleep 0.2
done
kill -TERM $wp; wait $wp
c=$("$tool" "$url" consumer IN6 wp_IN6)
tries=$(grep -c 'event=message_error' "$tmp/md.err")
terms=$(grep -c 'event=message_terminated.*sequence 1 errored on delivery 3 of max_deliver 3' "$tmp/md.err")
if [ "$c" = "ack_pending=0 pending=0" ] && [ "$tries" = 3 ] && [ "$terms" = 1 ] &&
   [ "$("$tool" "$url" count OUT6)" = 5 ]; then
  ok "max_deliver 3: the errored message delivered 3 times, then terminated and logged"
else
  fail "max_deliver" "consumer $c, $tries message_error lines, $terms terminated: $(grep -E 'message_|summary' "$tmp/md.err" | tail -3)"
fi

# ---------------------------------------------------------------- unreachable broker
dead=$("$tool" freeport)
sed "s#$url#nats://127.0.0.1:$dead#" "$tmp/rt.yaml" > "$tmp/dead.yaml"
"$wasmpipe" -c "$tmp/dead.yaml" 2> "$tmp/dead.err"
rc=$?
[ $rc = 2 ] && ok "unreachable broker: exit 2" || fail "unreachable exit" "$rc"
grep -q "cannot connect to NATS at nats://127.0.0.1:$dead" "$tmp/dead.err" &&
  ok "unreachable broker: the error names the URL" || fail "unreachable message" "$(cat "$tmp/dead.err")"

exit $fails
