#!/usr/bin/env bash
# End-to-end tests of the pipeline commands of the wasmpipe program:
# `process`, `run` / `-c`, `lint` and `components`, over the test module
# wat/upper.wat and over the examples with their YAML configs.
#
#   cli_test.sh --wasmpipe BIN --module upper.wasm [--examples DIR --examples-c ON|OFF]
#
# Each check prints "ok" or "FAIL" with what was expected and found; the
# exit status is the number of failures (capped at 100).
set -u

wasmpipe= module= examples= examples_c=OFF
while [ $# -gt 0 ]; do
  case $1 in
    --wasmpipe) wasmpipe=$2; shift 2 ;;
    --module) module=$2; shift 2 ;;
    --examples) examples=$2; shift 2 ;;
    --examples-c) examples_c=$2; shift 2 ;;
    *) echo "unknown argument $1"; exit 2 ;;
  esac
done
[ -x "$wasmpipe" ] || { echo "no wasmpipe at '$wasmpipe'"; exit 2; }
[ -f "$module" ] || { echo "no module at '$module'"; exit 2; }
wasmpipe=$(readlink -f "$wasmpipe")
module=$(readlink -f "$module")

tmp=$(mktemp -d /tmp/wp_cli_XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0

ok() { echo "ok   $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

# wp ARGS... : runs wasmpipe with stdin from $tmp/in (or /dev/null),
# leaving stdout in $tmp/out, stderr in $tmp/err and the status in $rc.
wp() {
  local in=/dev/null
  [ -f "$tmp/in" ] && in=$tmp/in
  "$wasmpipe" "$@" <"$in" >"$tmp/out" 2>"$tmp/err"
  rc=$?
}
input() { printf "$@" > "$tmp/in"; }
no_input() { rm -f "$tmp/in"; }

expect_rc() { # name want
  if [ "$rc" = "$2" ]; then ok "$1: exit $2"; else
    fail "$1" "exit $rc, want $2; stderr: $(head -c 400 "$tmp/err")"; fi
}
expect_out() { # name want-text
  local got; got=$(cat "$tmp/out")
  if [ "$got" = "$2" ]; then ok "$1: output"; else
    fail "$1" "output '$(printf %s "$got" | head -c 300)', want '$(printf %s "$2" | head -c 300)'"; fi
}
expect_err() { # name grep-pattern (extended regex, on stderr)
  if grep -Eq -- "$2" "$tmp/err"; then ok "$1: stderr has /$2/"; else
    fail "$1" "stderr lacks /$2/: $(head -c 600 "$tmp/err")"; fi
}
expect_no_err() { # name pattern
  if grep -Eq -- "$2" "$tmp/err"; then fail "$1" "stderr has /$2/"; else ok "$1: no /$2/"; fi
}
count_err() { grep -Ec -- "$1" "$tmp/err"; }

# ---------------------------------------------------------------- process

input 'hello\nworld\n\nlast'
wp process --module "$module"
expect_rc "process basic" 0
expect_out "process basic" "$(printf 'HELLO\nWORLD\n\nLAST')"
expect_err "process summary" 'level=info event=summary in=4 out=4 errored=0 elapsed=[0-9.]+s'

input 'hello\r\nworld\r\n'
wp process -m "$module" --log-level warn
expect_out "process crlf" "$(printf 'HELLO\nWORLD')"
if [ -s "$tmp/err" ]; then fail "process --log-level warn" "stderr not empty"; else ok "process quiet"; fi

input 'keep\n'
wp process --module "$module" --function identity
expect_out "process --function" "keep"

# 20000 lines, every 7th traps: order kept with 4 threads, each trap logged
# with its line number.
awk 'BEGIN { for (i = 1; i <= 20000; i++) if (i % 7 == 0) print "!trap " i; else print "line " i }' > "$tmp/in"
awk '{ if ($0 !~ /^!/) print toupper($0) }' "$tmp/in" > "$tmp/want"
for t in 1 4; do
  wp process --module "$module" --threads $t --batch 100
  expect_rc "process threads=$t" 0
  if cmp -s "$tmp/out" "$tmp/want"; then ok "process threads=$t: order and content"; else
    fail "process threads=$t" "output differs from the expected lines"; fi
  n=$(count_err 'level=error event=message_error index=[0-9]+ error=')
  [ "$n" = 2857 ] && ok "process threads=$t: 2857 errors logged" || fail "process threads=$t" "$n errors logged"
  expect_err "process threads=$t" 'event=message_error index=7 error="process @0x[0-9a-f]+: unreachable'
  expect_err "process threads=$t" 'event=summary in=20000 out=17143 errored=2857'
done

# 1 s, not less: the timeout is wall time, and a loaded machine (or
# auto's background compile beside it) can hold a plain line up for longer.
input 'a\n~loop\nb\n'
wp process --module "$module" --timeout 1s
expect_rc "process timeout" 0
expect_out "process timeout" "$(printf 'A\nB')"
expect_err "process timeout" 'index=2 error="timed out'

input '0123456789abcdef\nshort\n'
wp process --module "$module" --max-line 8
expect_out "process --max-line" "SHORT"
expect_err "process --max-line" 'index=1 error=".*longer than max_buffer \(8 bytes\)'

no_input
wp process --module "$module"
expect_rc "process empty input" 0
expect_out "process empty input" ""
expect_err "process empty input" 'in=0 out=0 errored=0'

# Usage and module errors: exit 2, one line naming the flag.
wp process
expect_rc "process no module" 2
wp process --module "$tmp/none.wasm"
expect_rc "process missing module" 2
expect_err "process missing module" "event=config_error flag=--module msg=\"cannot open '$tmp/none.wasm': No such file"
[ "$(wc -l < "$tmp/err")" = 1 ] && ok "process missing module: one line" || fail "process missing module" "$(wc -l < "$tmp/err") lines"
printf 'not wasm' > "$tmp/bad.wasm"
wp process --module "$tmp/bad.wasm"
expect_rc "process invalid module" 2
expect_err "process invalid module" 'flag=--module msg=.*bad.wasm'
wp process --module "$module" --function nope
expect_rc "process missing function" 2
expect_err "process missing function" 'flag=--function msg=.*nope.*process'
wp process --module "$module" --timeout 5
expect_rc "process bad timeout" 2
expect_err "process bad timeout" 'flag=--timeout msg="expected a duration'
wp process --module "$module" --threads lots
expect_rc "process bad threads" 2
expect_err "process bad threads" 'flag=--threads'
wp process --module "$module" --max-memory 1.5GB
expect_rc "process bad size" 2
wp process --module "$module" --bogus
expect_rc "process unknown flag" 2

# ---------------------------------------------------------------- tiers
wp process --module "$module" --tier fast
expect_rc "process bad tier" 2
expect_err "process bad tier" "flag=--tier msg=\"must be one of auto, interp, jit, found 'fast'"
input 'ab\n'
for t in interp jit auto; do
  wp process --module "$module" --tier $t
  expect_rc "process --tier $t" 0
  expect_out "process --tier $t" "AB"
done
no_input
# The tier each run reported at the end (processor_stats).
wp process --module "$module" --tier interp --log-level debug
expect_err "process --tier interp reported" 'event=processor_stats .*tier=interp'
expect_no_err "process --tier interp: no JIT asked for" 'tier_note='
WASMPIPE_TIER=jit wp process --module "$module" --tier interp --log-level debug
expect_err "the flag wins over WASMPIPE_TIER" 'event=processor_stats .*tier=interp'
wp process --module "$module" --tier jit --log-level debug
expect_err "process --tier jit reported" 'tier=jit|runs on the interpreter: this build has no JIT'
cat > "$tmp/tier.yaml" <<'EOF'
input:
  stdin: {}
pipeline:
  processors:
    - wasm:
        module_path: ./m.wasm
        tier: fast
EOF
wp lint "$tmp/tier.yaml"
expect_rc "lint bad tier" 1
expect_out "lint bad tier" "$tmp/tier.yaml:7:15: pipeline.processors[0].wasm.tier: must be one of auto, interp, jit, found 'fast'"
wp components
expect_rc "components" 0
grep -Eq '^ +tier \(one of: auto, interp, jit; default auto\)' "$tmp/out" &&
  ok "components lists the wasm tier field" || fail "components" "no tier field"
# exec: a module with two memories, which the JIT leaves to the interpreter (and says so).
printf '\000\141\163\155\001\000\000\000\001\005\001\140\000\001\177\003\002\001\000\005\005\002\000\001\000\001\007\010\001\004\154\141\156\145\000\000\012\006\001\004\000\101\007\013' > "$tmp/simd.wasm"
for t in interp jit auto; do
  wp exec --tier $t --invoke lane "$tmp/simd.wasm"
  expect_rc "exec --tier $t" 0
  expect_out "exec --tier $t" "7"
done
wp exec --tier jit --invoke lane "$tmp/simd.wasm"
expect_err "exec --tier jit warns" 'warning: runs on the interpreter: .*(several memories|WP_JIT)'
wp exec --tier interp --invoke lane "$tmp/simd.wasm"
expect_no_err "exec --tier interp does not warn" 'warning'
wp exec --tier=fast --invoke lane "$tmp/simd.wasm"
expect_rc "exec bad tier" 125
expect_err "exec bad tier" "--tier 'fast': expected interp, jit or auto"
wp process --module "$module" --log-level loud
expect_rc "process bad level" 2
wp process --help
expect_rc "process --help" 0
grep -q "usage: wasmpipe process" "$tmp/out" && ok "process --help text" || fail "process --help" "no usage"

# ---------------------------------------------------------------- run

printf 'one\n!two\nthree\n' > "$tmp/a.txt"
printf 'four\n' > "$tmp/b.txt"
cat > "$tmp/full.yaml" <<EOF
input:
  label: files
  file:
    paths: [ "$tmp/a.txt", "$tmp/b*.txt" ]
pipeline:
  threads: \${WP_TEST_THREADS:2}
  processors:
    - label: upper
      wasm:
        module_path: \${WP_TEST_MODULE}
        function: process
        max_instances: 2
        timeout: 2s
        max_memory: 16MiB
output:
  file:
    path: "$tmp/out.txt"
    append: false
errors:
  file:
    path: "$tmp/errors.json"
    codec: json
    append: false
logger:
  level: INFO
EOF
no_input
WP_TEST_MODULE=$module wp -c "$tmp/full.yaml"
expect_rc "run full config" 0
if [ "$(cat "$tmp/out.txt")" = "$(printf 'ONE\nTHREE\nFOUR')" ]; then ok "run: output file"; else
  fail "run: output file" "$(cat "$tmp/out.txt")"; fi
if grep -Eq '"content":"!two","metadata":\{"path":"'"$tmp"'/a.txt","error":"process @0x[0-9a-f]+: unreachable' "$tmp/errors.json"; then
  ok "run: errors output with the error in metadata"; else fail "run: errors output" "$(cat "$tmp/errors.json")"; fi
expect_err "run full config" 'event=summary in=4 out=3 errored=1'
expect_no_err "run: routed errors are not logged at info" 'level=error event=message_error'

WP_TEST_MODULE=$module wp run -c "$tmp/full.yaml" --set pipeline.threads=1 --log-level debug
expect_rc "run --set --log-level debug" 0
expect_err "run --log-level debug" 'level=debug event=pipeline_start .*threads=1'
expect_err "run --log-level debug" 'level=debug event=processor_stats label=upper .*compiles=1'
expect_err "run --log-level debug" 'level=debug event=message_error index=2'

WP_TEST_MODULE=$module wp run --config="$tmp/full.yaml" --log-level=off
expect_rc "run --log-level=off" 0
[ -s "$tmp/err" ] && fail "run --log-level=off" "stderr: $(cat "$tmp/err")" || ok "run --log-level=off: silent"

wp -c "$tmp/full.yaml"
expect_rc "run unset variable" 2
expect_err "run unset variable" "event=config_error pos=$tmp/full.yaml:10:22 msg=\"environment variable 'WP_TEST_MODULE' is not set"

cat > "$tmp/stdin.yaml" <<EOF
pipeline:
  processors:
    - wasm: { module_path: "$module" }
EOF
input 'x\ny\n'
wp -c "$tmp/stdin.yaml"
expect_rc "run defaults (stdin to stdout)" 0
expect_out "run defaults" "$(printf 'X\nY')"
expect_no_err "run: unrouted errors" 'message_error'

input 'x\n!y\nz\n'
wp run "$tmp/stdin.yaml" --set errors.stdout.codec=json --set output.stdout.codec=json
# The error names the function and its code offset, which the compiler decides.
sed -i -E 's/"process @0x[0-9a-f]+: /"process @0xOFF: /' "$tmp/out"
expect_out "run: errors to stdout as json" "$(printf '%s\n' '{"content":"X","metadata":{}}' \
  '{"content":"!y","metadata":{"error":"process @0xOFF: unreachable"}}' '{"content":"Z","metadata":{}}')"

input 'x\n!y\nz\n'
wp run "$tmp/stdin.yaml" --set errors.drop=
expect_out "run: errors dropped quietly" "$(printf 'X\nZ')"
expect_err "run: errors dropped quietly" 'in=3 out=2 errored=1'

# Bad configurations: exit 2 and one line with the file position.
bad() { # name yaml pattern
  printf '%s' "$2" > "$tmp/bad.yaml"
  no_input
  wp -c "$tmp/bad.yaml"
  expect_rc "$1" 2
  expect_err "$1" "$3"
  [ "$(wc -l < "$tmp/err")" = 1 ] && ok "$1: one line" || fail "$1" "$(wc -l < "$tmp/err") lines on stderr"
}
bad "run: unknown input" $'input:\n  kafka: {}\n' "pos=$tmp/bad.yaml:2:3 field=input msg=\"unknown input type 'kafka' \\(known: stdin, file, "
bad "run: unknown output" $'output:\n  s3: {}\n' "unknown output type 's3' \\(known: stdout, file, drop, "
bad "run: unknown processor" $'pipeline:\n  processors:\n    - bloblang: root = this\n' "pos=$tmp/bad.yaml:3:7 .*unknown processor type 'bloblang' \\(known: wasm\\)"
bad "run: missing module" $'pipeline:\n  processors:\n    - wasm:\n        module_path: ./nope.wasm\n' "pos=$tmp/bad.yaml:4:22 field=pipeline.processors\\[0\\].wasm.module_path msg=\"cannot open './nope.wasm'"
bad "run: unknown key" $'pipeline:\n  thread: 2\n' "pos=$tmp/bad.yaml:2:3 field=pipeline.thread msg=\"unknown key 'thread'"
bad "run: wrong type" $'pipeline:\n  threads: [1]\n' "field=pipeline.threads msg=\"expected an integer, found a sequence\""
bad "run: syntax" $'input: {\n' "pos=$tmp/bad.yaml:2:1 msg=\"YAML:"
bad "run: missing file input" $'input:\n  file:\n    paths: [/nonexistent/x]\n' "pos=$tmp/bad.yaml:3:13 field=input.file.paths\\[0\\]"
bad "run: several problems" $'inptu: {}\npipeline: {thread: 1}\n' "more_problems=1"
wp -c "$tmp/nowhere.yaml"
expect_rc "run: no such config" 2
wp run
expect_rc "run: no config" 2
wp run -c
expect_rc "run: -c without a value" 2
wp run -c "$tmp/full.yaml" --set nope
expect_rc "run: bad --set" 2
wp run -c "$tmp/stdin.yaml" --set pipeline.threads.x=1
expect_rc "run: --set into a scalar" 2
wp run --help
expect_rc "run --help" 0
grep -q "usage: wasmpipe run" "$tmp/out" && ok "run --help text" || fail "run --help" "no usage"

# A signal stops reading; what was read is written and the summary logged.
mkfifo "$tmp/fifo"
( exec 3>"$tmp/fifo"; printf 'a\nb\n' >&3; sleep 5 ) &
writer=$!
"$wasmpipe" process --module "$module" <"$tmp/fifo" >"$tmp/out" 2>"$tmp/err" &
pid=$!
# Signal only once both lines came out: by then the signal handling is set
# up (a slow start, e.g. under a sanitizer, must not turn this into a kill).
for _ in $(seq 100); do
  [ "$(wc -l <"$tmp/out")" -ge 2 ] && break
  sleep 0.1
done
kill -TERM $pid
wait $pid
rc=$?
kill $writer 2>/dev/null
wait $writer 2>/dev/null
expect_rc "SIGTERM" 0
expect_out "SIGTERM" "$(printf 'A\nB')"
expect_err "SIGTERM" 'event=shutdown msg="received SIGTERM'
expect_err "SIGTERM" 'event=summary in=2 out=2 errored=0'

# ---------------------------------------------------------------- lint

cat > "$tmp/good.yaml" <<EOF
input:
  stdin: {}
pipeline:
  threads: 4
  processors:
    - wasm:
        module_path: ./not-opened-by-lint.wasm
output:
  stdout: {}
EOF
wp lint "$tmp/good.yaml"
expect_rc "lint valid" 0
expect_out "lint valid" ""
cat > "$tmp/lint.yaml" <<'EOF'
input:
  stdin:
    codec: lines
    bogus: 1
pipeline:
  threads: many
  processors:
    - wasm:
        function: process
    - label: x
      wsam: {}
    - wasm:
        module_path: m.wasm
        timeout: 5 seconds
output:
  stdout: {}
EOF
wp lint "$tmp/lint.yaml" "$tmp/good.yaml"
expect_rc "lint problems" 1
expect_out "lint problems" "$tmp/lint.yaml:4:5: input.stdin.bogus: unknown key 'bogus' (known: codec, max_buffer, max_message_size)
$tmp/lint.yaml:6:12: pipeline.threads: expected an integer, found 'many'
$tmp/lint.yaml:9:9: pipeline.processors[0].wasm.module_path: required field is missing
$tmp/lint.yaml:11:7: pipeline.processors[1]: unknown processor type 'wsam' (known: wasm)
$tmp/lint.yaml:14:18: pipeline.processors[2].wasm.timeout: expected a duration such as 500ms, 2s or 1m30s (units ns, us, ms, s, m, h), found '5 seconds'"
printf 'a: [\n' > "$tmp/syntax.yaml"
wp lint "$tmp/syntax.yaml"
expect_rc "lint syntax" 1
wp lint "$tmp/none.yaml"
expect_rc "lint missing file" 1
wp lint
expect_rc "lint no file" 2
wp lint --bogus
expect_rc "lint bad option" 2

# ---------------------------------------------------------------- components

wp components
expect_rc "components" 0
for word in stdin file stdout drop wasm module_path max_instances timeout max_memory codec paths errors; do
  grep -q "$word" "$tmp/out" || fail "components" "no '$word'"
done
ok "components lists every component"
wp components --markdown
grep -q '^#### `wasm`' "$tmp/out" && ok "components --markdown" || fail "components --markdown" "no wasm heading"
wp help
grep -q "process" "$tmp/out" && ok "help lists process" || fail "help" "no process"

# ---------------------------------------------------------------- examples

if [ -n "$examples" ] && [ -f "$examples/rot13.wasm" ]; then
  ( cd "$examples" && printf 'Hello\n' | "$wasmpipe" -c rot13.yaml >"$tmp/out" 2>"$tmp/err" ); rc=$?
  expect_rc "example rot13" 0
  expect_out "example rot13" "Uryyb"
fi
if [ "$examples_c" = ON ] && [ -n "$examples" ]; then
  ex() { # name input want
    ( cd "$examples" && printf "$2" | "$wasmpipe" -c "$1.yaml" >"$tmp/out" 2>"$tmp/err" ); rc=$?
    expect_rc "example $1" 0
    expect_out "example $1" "$3"
  }
  ex uppercase 'hello\nworld\n' "$(printf 'HELLO\nWORLD')"
  ex louder 'hello\n' 'HELLO!!!'
  ex metadata 'world\n' 'hello, world'
  ex trap '4\n0\nx\n5\n' "$(printf '100/4=25\n100/5=20')"
  expect_err "example trap" 'event=summary in=4 out=2 errored=2'
  expect_err "example trap" 'index=2 error=".*divide by zero'
  ( cd "$examples" && printf 'a\nb\n' | "$wasmpipe" process --module uppercase.wasm --threads 2 >"$tmp/out" 2>"$tmp/err" ); rc=$?
  expect_out "example uppercase through process" "$(printf 'A\nB')"
else
  echo "skip C examples (not built)"
fi

echo "$fails failure(s)"
[ $fails -gt 100 ] && fails=100
exit $fails
