#!/usr/bin/env bash
# End-to-end tests of the pipeline's input and output edges with the
# wasmpipe program: files shared between input and outputs, write errors
# and exact counts, closed standard streams, SIGPIPE, message size bounds,
# byte-exact round trips, and errors that name their source.
#
#   io_test.sh --wasmpipe BIN --module upper.wasm
#
# Each check prints "ok" or "FAIL" with what was expected and found; the
# exit status is the number of failures (capped at 100).
set -u

wasmpipe= module=
while [ $# -gt 0 ]; do
  case $1 in
    --wasmpipe) wasmpipe=$2; shift 2 ;;
    --module) module=$2; shift 2 ;;
    *) echo "unknown argument $1"; exit 2 ;;
  esac
done
[ -x "$wasmpipe" ] || { echo "no wasmpipe at '$wasmpipe'"; exit 2; }
[ -f "$module" ] || { echo "no module at '$module'"; exit 2; }
wasmpipe=$(readlink -f "$wasmpipe")
module=$(readlink -f "$module")

tmp=$(mktemp -d /tmp/wp_io_XXXXXX)
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 2
fails=0

ok() { echo "ok   $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }
check() { # name condition-status detail
  if [ "$2" = 0 ]; then ok "$1"; else fail "$1" "$3"; fi
}

# wp ARGS... : wasmpipe with stdin from $tmp/in (or /dev/null), stdout in
# out, stderr in err, the status in $rc; at most 60 s.
wp() {
  local in=/dev/null
  [ -f in ] && in=in
  timeout 60 "$wasmpipe" "$@" <"$in" >out 2>err
  rc=$?
}
expect_rc() {
  if [ "$rc" = "$2" ]; then ok "$1: exit $2"; else
    fail "$1" "exit $rc, want $2; stderr: $(head -c 600 err)"; fi
}
expect_err() { # name extended-regex on stderr
  if grep -Eq -- "$2" err; then ok "$1: stderr has /$2/"; else
    fail "$1" "stderr lacks /$2/: $(head -c 800 err)"; fi
}
field() { # name: the value of name= in the summary line of err
  sed -n 's/.*event=summary.* '"$1"'=\([0-9]*\).*/\1/p' err | head -1
}

cat > up.yaml <<EOF
pipeline:
  processors:
    - wasm: { module_path: "$module" }
EOF
printf 'input: { stdin: {} }\n' > cat.yaml

# ---------------------------------------------------------------- shared files

printf 'a\nb\n' > same.txt
ln -s same.txt link.txt
ln same.txt hard.txt
refused() { # name yaml pattern
  printf '%s\n' "$2" > shared.yaml
  wp -c shared.yaml
  expect_rc "$1" 2
  expect_err "$1" "$3"
  if [ "$(cat same.txt)" = "$(printf 'a\nb')" ]; then ok "$1: input untouched"; else
    fail "$1" "same.txt now holds '$(head -c 100 same.txt)'"; fi
}
refused "same file in and out" \
  'input: { file: { paths: [ same.txt ] } }
output: { file: { path: same.txt } }' \
  "field=output.file.path msg=\"input.file.paths\\[0\\] \\('same.txt'\\) and output.file.path \\('same.txt'\\) are the same file"
refused "in and out through a symlink, append: false" \
  'input: { file: { paths: [ same.txt ] } }
output: { file: { path: link.txt, append: false } }' \
  "input.file.paths\\[0\\] \\('same.txt'\\) and output.file.path \\('link.txt'\\) are the same file"
refused "in and errors through a hard link" \
  'input: { file: { paths: [ "s*.txt" ] } }
errors: { file: { path: hard.txt } }' \
  "field=errors.file.path .*and errors.file.path \\('hard.txt'\\) are the same file"
refused "output and errors on one existing file" \
  'output: { file: { path: same.txt } }
errors: { file: { path: ./link.txt, codec: json } }' \
  "output.file.path \\('same.txt'\\) and errors.file.path \\('./link.txt'\\) are the same file: the two outputs"
rm -f new.txt
refused "output and errors on one new file" \
  'output: { file: { path: new.txt } }
errors: { file: { path: ../'"$(basename "$tmp")"'/new.txt } }' \
  "output.file.path \\('new.txt'\\) and errors.file.path .* are the same file"
[ -e new.txt ] && fail "one new file" "new.txt was created" || ok "one new file: not created"
printf 'input: { file: { paths: [ same.txt ] } }\n' > shared.yaml
timeout 60 "$wasmpipe" -c shared.yaml >>same.txt 2>err; rc=$?
expect_rc "file input, stdout appending to it" 2
expect_err "file input, stdout appending to it" "output.stdout \\(standard output, a file\\) are the same file"
timeout 60 "$wasmpipe" -c cat.yaml <same.txt >>hard.txt 2>err; rc=$?
expect_rc "stdin and stdout on one file" 2
expect_err "stdin and stdout on one file" "input.stdin \\(standard input, a file\\) and output.stdout"
[ "$(cat same.txt)" = "$(printf 'a\nb')" ] && ok "stdin/stdout: file untouched" || fail "stdin/stdout" "same.txt changed"
# What may be shared: a new output next to an input, /dev/null twice,
# output and errors both on stdout.
printf 'input: { file: { paths: [ same.txt, same.txt ] } }\noutput: { file: { path: other.txt } }\nerrors: { file: { path: /dev/null } }\n' > shared.yaml
wp -c shared.yaml
expect_rc "distinct files" 0
[ "$(cat other.txt)" = "$(printf 'a\nb\na\nb')" ] && ok "distinct files: output" || fail "distinct files" "$(cat other.txt)"
printf 'input: { file: { paths: [ /dev/null ] } }\noutput: { file: { path: /dev/null } }\n' > shared.yaml
wp -c shared.yaml
expect_rc "/dev/null in and out" 0
printf 'x\n!y\n' > in
wp -c up.yaml --set errors.stdout.codec=json
rm -f in
expect_rc "output and errors both on stdout" 0

# ---------------------------------------------------------------- write errors

seq 1 100000 > lines.txt
timeout 60 "$wasmpipe" -c cat.yaml <lines.txt >/dev/full 2>err; rc=$?
expect_rc "/dev/full" 1
expect_err "/dev/full" 'event=summary in=[0-9]+ out=0 errored=0 dropped=[0-9]+'
expect_err "/dev/full" 'event=pipeline_error msg="writing to stdout: No space left on device \(0 messages written in full; [0-9]+ not written\)'
in=$(field in) dropped=$(field dropped)
[ -n "$in" ] && [ "$in" = "$dropped" ] && ok "/dev/full: every message read is dropped" || fail "/dev/full" "in=$in dropped=$dropped"

printf 'output: { file: { path: /dev/full } }\n' > full.yaml
timeout 60 "$wasmpipe" -c full.yaml <lines.txt >/dev/null 2>err; rc=$?
expect_rc "/dev/full as the output file" 1
expect_err "/dev/full as the output file" 'writing to /dev/full: No space left on device'

# A file that can take 4096 bytes (ulimit -f, SIGXFSZ ignored): the write
# stops inside a line. out counts exactly the whole lines in the file, the
# partial line is cut off again and the log says so.
rm -f small.txt
printf 'output: { file: { path: small.txt } }\n' > small.yaml
( trap '' XFSZ; ulimit -f 4; exec timeout 60 "$wasmpipe" -c small.yaml <lines.txt >/dev/null 2>err ); rc=$?
expect_rc "file size limit" 1
expect_err "file size limit" 'writing to small.txt: File too large \([0-9]+ messages written in full; the [0-9]+ bytes written of the next one were cut off again; [0-9]+ not written\)'
out=$(field out) in=$(field in) dropped=$(field dropped)
lines=$(wc -l < small.txt)
[ -n "$out" ] && [ "$out" = "$lines" ] && ok "file size limit: out=$out is the lines in the file" || fail "file size limit" "out=$out, file has $lines lines"
[ "$(tail -c 1 small.txt | od -An -c | tr -d ' ')" = '\n' ] && ok "file size limit: no torn last line" || fail "file size limit" "the file ends inside a line"
cmp -s small.txt <(head -n "$lines" lines.txt) && ok "file size limit: content" || fail "file size limit" "content differs"
[ -n "$in" ] && [ $((out + dropped)) = "$in" ] && ok "file size limit: in = out + dropped" || fail "file size limit" "in=$in out=$out dropped=$dropped"

# fsync: accepted for files, same output.
printf 'output: { file: { path: synced.txt, fsync: true, append: false } }\n' > sync.yaml
timeout 60 "$wasmpipe" -c sync.yaml <lines.txt >/dev/null 2>err; rc=$?
expect_rc "fsync" 0
cmp -s synced.txt lines.txt && ok "fsync: content" || fail "fsync" "content differs"
expect_err "fsync" 'in=100000 out=100000 errored=0'

# ---------------------------------------------------------------- closed streams, SIGPIPE

timeout 20 "$wasmpipe" -c cat.yaml <&- >out 2>err; rc=$?
expect_rc "stdin closed" 0
expect_err "stdin closed" 'event=summary in=0 out=0 errored=0'
printf 'a\nb\n' > two.txt
printf 'input: { file: { paths: [ two.txt ] } }\noutput: { file: { path: copy.txt, append: false } }\n' > closed.yaml
timeout 20 "$wasmpipe" -c closed.yaml <&- >&- 2>err; rc=$?
expect_rc "stdin and stdout closed, files" 0
cmp -s copy.txt two.txt && ok "stdin and stdout closed: the output file is right" || fail "stdin and stdout closed" "copy.txt: $(head -c 100 copy.txt)"

timeout 60 bash -c 'yes | "$1" -c "$2" 2>err | head -1 >out; echo "${PIPESTATUS[1]}" >status' _ "$wasmpipe" up.yaml
rc=$(cat status 2>/dev/null)
expect_rc "yes | wasmpipe | head -1" 1
[ "$(cat out)" = Y ] && ok "| head -1: first line" || fail "| head -1" "got '$(head -c 50 out)'"
expect_err "| head -1" 'event=summary in=[0-9]+ out=[0-9]+ errored=0 dropped=[0-9]+'
expect_err "| head -1" 'event=pipeline_error msg="writing to stdout: Broken pipe'

# ---------------------------------------------------------------- message size bounds

head -c 3000000 /dev/zero | tr '\0' 'x' > big.bin
cat > allbytes.yaml <<EOF
input: { stdin: { codec: all-bytes, max_buffer: 1MB } }
output: { stdout: { codec: raw } }
errors: { stdout: { codec: json } }
EOF
cp big.bin in
wp -c allbytes.yaml
rm -f in
expect_rc "all-bytes over max_buffer" 0
expect_err "all-bytes over max_buffer" 'in=1 out=0 errored=1'
grep -q '"error":"stdin: longer than max_buffer (1000000 bytes)' out && ok "all-bytes over max_buffer: the error says why" || fail "all-bytes over max_buffer" "$(tail -c 300 out)"

printf 'input: { file: { paths: [ big.bin ], max_buffer: 1000 } }\n' > longline.yaml
wp -c longline.yaml
expect_rc "line over max_buffer" 0
expect_err "line over max_buffer" 'event=message_error index=1 file=big.bin line=1 error="big.bin: line 1 is longer than max_buffer \(1000 bytes\)'

if /usr/bin/time -v true >/dev/null 2>&1 && ! ldd "$wasmpipe" 2>/dev/null | grep -q asan; then
  head -c 100000000 /dev/zero | tr '\0' 'y' > huge.bin
  for codec in all-bytes lines; do
    printf 'input: { stdin: { codec: %s, max_buffer: 200MB } }\noutput: { stdout: { codec: raw } }\n' "$codec" > huge.yaml
    /usr/bin/time -v "$wasmpipe" -c huge.yaml <huge.bin >/dev/null 2>err; rc=$?
    kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' err)
    expect_rc "100 MB message ($codec)" 0
    [ -n "$kb" ] && [ "$kb" -lt 195312 ] && ok "100 MB message ($codec): peak RSS ${kb} KiB < 2x" || fail "100 MB message ($codec)" "peak RSS ${kb} KiB"
  done
  rm -f huge.bin
else
  echo "skip peak RSS (no GNU time, or a sanitizer build)"
fi

# ---------------------------------------------------------------- byte-exact

printf 'a\r\nb\0c\xff\xfe\n\xc3\x28 end\r\n\r\nno newline' > odd.bin
printf 'input: { stdin: { codec: all-bytes } }\noutput: { stdout: { codec: raw } }\n' > raw.yaml
cp odd.bin in
wp -c raw.yaml
expect_rc "all-bytes to raw" 0
cmp -s out odd.bin && ok "all-bytes to raw: byte-exact" || fail "all-bytes to raw" "$(od -c out | head -3)"
wp -c cat.yaml
rm -f in
printf 'a\nb\0c\xff\xfe\n\xc3\x28 end\n\nno newline\n' > want.bin
cmp -s out want.bin && ok "lines: NUL and invalid UTF-8 kept, CR before LF dropped" || fail "lines" "$(od -c out | head -3)"

# ---------------------------------------------------------------- bad inputs, errors named

mkdir adir
printf 'input: { file: { paths: [ adir ] } }\n' > dir.yaml
wp -c dir.yaml
expect_rc "input is a directory" 2
expect_err "input is a directory" "field=input.file.paths\\[0\\] msg=\"'adir' is a directory"
printf 'input: { file: { paths: [ /proc/self/mem ] } }\n' > eio.yaml
wp -c eio.yaml
expect_rc "input that cannot be read" 1
expect_err "input that cannot be read" 'event=pipeline_error msg="reading /proc/self/mem: Input/output error'
if [ "$(id -u)" != 0 ]; then
  printf 'x\n' > secret.txt; chmod 000 secret.txt
  printf 'input: { file: { paths: [ secret.txt ] } }\n' > perm.yaml
  wp -c perm.yaml
  expect_rc "unreadable input" 2
  expect_err "unreadable input" "cannot open 'secret.txt': Permission denied"
fi

printf 'one\n!two\n' > f1.txt
printf 'three\nfour\n!five\n' > f2.txt
cat > two.yaml <<EOF
input: { file: { paths: [ f1.txt, f2.txt ] } }
pipeline:
  processors:
    - wasm: { module_path: "$module" }
EOF
wp -c two.yaml
expect_rc "errors name the file" 0
expect_err "errors name the file" 'event=message_error index=2 file=f1.txt line=2 error="process @0x[0-9a-f]+: unreachable'
expect_err "errors name the file" 'event=message_error index=5 file=f2.txt line=3 error="process @0x[0-9a-f]+: unreachable'

# ---------------------------------------------------------------- threads

# Each waiting worker is woken only for its own turn.
seq 1 200000 > in
wp -c up.yaml --set pipeline.threads=64 --log-level debug
rm -f in
expect_rc "64 threads" 0
cmp -s out <(seq 1 200000) && ok "64 threads: order" || fail "64 threads" "output differs"
futile=$(sed -n 's/.*event=pipeline_stats.* futile_wakeups=\([0-9]*\).*/\1/p' err)
batches=$(sed -n 's/.*event=pipeline_stats.* batches=\([0-9]*\).*/\1/p' err)
[ -n "$futile" ] && [ -n "$batches" ] && [ "$futile" -lt $((batches / 4 + 8)) ] && ok "64 threads: $futile futile wakeups for $batches batches" || fail "64 threads" "futile_wakeups=$futile batches=$batches"

echo "$fails failure(s)"
[ $fails -gt 100 ] && fails=100
exit $fails
