#!/bin/sh
# Blocking WASI calls can be cut short: a guest sleeping in poll_oneoff is
# ended by the processor's timeout, by SIGTERM to `wasmpipe exec`, and by a
# pipeline shutdown. The guests say "sleeping" first, so the signals are
# only sent once they are blocked; every wait below is bounded, and no
# timing is asserted.
#
# usage: interrupt.sh WASMPIPE SLEEPER_COMMAND_WASM SLEEP_PROCESSOR_WASM
set -u
wasmpipe=$1 sleeper=$2 module=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wasi-interrupt.XXXXXX") || exit 2
pids=
trap 'for p in $pids; do kill $p 2>/dev/null; done; rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }

# Waits (at most 20 s) until FILE contains TEXT.
wait_for() {
    i=0
    while ! grep -q "$2" "$1" 2>/dev/null; do
        i=$((i + 1))
        [ $i -gt 200 ] && return 1
        sleep 0.1
    done
    return 0
}

# Waits (at most 30 s) for process $1 to end; its status in $rc.
wait_end() {
    i=0
    while kill -0 "$1" 2>/dev/null; do
        i=$((i + 1))
        if [ $i -gt 300 ]; then kill -KILL "$1"; wait "$1"; rc=timeout; return 1; fi
        sleep 0.1
    done
    wait "$1"
    rc=$?
}

# 1. The processor's timeout covers a sleep inside poll_oneoff (3 s each).
printf 'one\ntwo\n' | "$wasmpipe" process --module "$module" --timeout 200ms -t 1 \
    > "$tmp/t.out" 2> "$tmp/t.err"
grep -q 'timed out after 200 ms' "$tmp/t.err" || fail "timeout: no 'timed out after 200 ms'"
grep -q 'errored=2' "$tmp/t.err" || fail "timeout: summary is not errored=2"

# 2. SIGTERM interrupts `wasmpipe exec` of a guest sleeping an hour.
"$wasmpipe" exec "$sleeper" > "$tmp/e.out" 2> "$tmp/e.err" &
pid=$!
pids="$pids $pid"
if wait_for "$tmp/e.out" sleeping; then
    kill -TERM $pid
    wait_end $pid
    [ "$rc" = 143 ] || fail "exec: exit status $rc, expected 143"
    grep -q 'interrupted by SIGTERM' "$tmp/e.err" || fail "exec: stderr lacks 'interrupted by SIGTERM'"
else
    fail "exec: the guest never started sleeping"
fi

# 2b. The same for a guest blocked reading a pipe that never gets data.
mkfifo "$tmp/stdin"
( exec 3>"$tmp/stdin"; sleep 60 ) &
holder=$!
pids="$pids $holder"
"$wasmpipe" exec "$sleeper" read < "$tmp/stdin" > "$tmp/r.out" 2> "$tmp/r.err" &
pid=$!
pids="$pids $pid"
if wait_for "$tmp/r.out" sleeping; then
    kill -TERM $pid
    wait_end $pid
    [ "$rc" = 143 ] || fail "exec read: exit status $rc, expected 143"
    grep -q 'interrupted by SIGTERM' "$tmp/r.err" || fail "exec read: stderr lacks 'interrupted by SIGTERM'"
else
    fail "exec read: the guest never started reading"
fi

# 3. A pipeline shutdown ends a guest sleeping an hour in its process
#    function; the message is errored and the drain completes.
mkfifo "$tmp/fifo"
( exec 3>"$tmp/fifo"; printf 'a\n' >&3; sleep 60 ) &
writer=$!
pids="$pids $writer"
"$wasmpipe" process --module "$module" --function forever -t 1 \
    < "$tmp/fifo" > "$tmp/p.out" 2> "$tmp/p.err" &
pid=$!
pids="$pids $pid"
if wait_for "$tmp/p.err" sleeping; then
    kill -TERM $pid
    wait_end $pid
    [ "$rc" = 0 ] || fail "shutdown: exit status $rc, expected 0"
    grep -q 'cancelled' "$tmp/p.err" || fail "shutdown: the message was not errored as cancelled"
    grep -q 'in=1 out=0 errored=1' "$tmp/p.err" || fail "shutdown: summary is not in=1 out=0 errored=1"
else
    fail "shutdown: the guest never started sleeping"
fi

if [ "$failed" != 0 ]; then
    for f in t.err e.err r.err p.err; do echo "--- $f"; head -20 "$tmp/$f"; done
    exit 1
fi
exit 0
