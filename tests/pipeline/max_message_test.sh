#!/usr/bin/env bash
# max_message_size of the stdin and file inputs: a line over it is one
# errored message whose error names the input, the line and the bound; the
# lines around it go on as usual and the run exits 0. The default (64 MiB)
# takes a 2 MB line whole (Bento's max_buffer default of 1000000 would cut
# it) and cuts a 65 MiB one; max_buffer, when given, also bounds.
#
#   max_message_test.sh --wasmpipe BIN
set -u
wasmpipe=
while [ $# -gt 0 ]; do
  case $1 in
    --wasmpipe) wasmpipe=$2; shift 2 ;;
    *) echo "unknown argument $1"; exit 2 ;;
  esac
done
tmp=$(mktemp -d /tmp/wp_maxmsg_XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 2
fails=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

line() { head -c "$1" /dev/zero | tr '\0' "$2"; echo; }
# short, 3000 bytes, short, 1000 bytes: with max_message_size 2000, line 2 is cut.
{ echo first; line 3000 x; echo third; line 1000 y; } > small.txt

cat > stdin.yaml <<YAML
input: { stdin: { max_message_size: 2000 } }
output: { stdout: {} }
errors: { file: { path: err.jsonl, codec: json } }
YAML
"$wasmpipe" -c stdin.yaml < small.txt > out.txt 2> log.txt; rc=$?
[ $rc = 0 ] && ok "stdin: exit 0 with a line over max_message_size" || fail "stdin exit" "$rc: $(tail -2 log.txt)"
grep -q 'event=summary in=4 out=3 errored=1' log.txt && ok "stdin: 3 out, 1 errored" || fail "stdin summary" "$(grep summary log.txt)"
[ "$(sed -n 1p out.txt)" = first ] && [ "$(sed -n 2p out.txt)" = third ] && [ "$(sed -n 3p out.txt | wc -c)" = 1001 ] &&
  ok "stdin: the other lines whole and in order" || fail "stdin lines" "$(cut -c1-20 out.txt)"
grep -q '"error":"stdin: line 2 is longer than max_message_size (2000 bytes); it was cut to that length"' err.jsonl &&
  ok "stdin: the error names the line and the bound" || fail "stdin error" "$(cut -c1-300 err.jsonl)"

cat > file.yaml <<YAML
input: { file: { paths: [ small.txt ], max_message_size: 2000 } }
output: { file: { path: fout.txt } }
YAML
"$wasmpipe" -c file.yaml 2> flog.txt; rc=$?
[ $rc = 0 ] && grep -q 'event=summary in=4 out=3 errored=1' flog.txt &&
  ok "file: exit 0, 3 out, 1 errored" || fail "file" "exit $rc: $(grep summary flog.txt)"
grep -q 'event=message_error index=2 file=small.txt line=2 error="small.txt: line 2 is longer than max_message_size (2000 bytes)' flog.txt &&
  ok "file: the logged error names the file, the line and the bound" || fail "file error" "$(grep message_error flog.txt)"

# max_buffer (Bento's name) bounds too; with both written the smaller applies and is named.
sed 's/max_message_size: 2000/max_message_size: 2000, max_buffer: 500/' file.yaml > both.yaml
"$wasmpipe" -c both.yaml 2> blog.txt
grep -q 'event=summary in=4 out=2 errored=2' blog.txt && grep -q 'line 4 is longer than max_buffer (500 bytes)' blog.txt &&
  ok "max_buffer smaller than max_message_size: it applies and is named" || fail "max_buffer" "$(grep -E 'summary|message_error' blog.txt)"

# The default: 64 MiB.
{ echo a; line 2000000 z; echo b; } > two_mb.txt
printf 'input: { file: { paths: [ two_mb.txt ] } }\noutput: { drop: {} }\n' > def.yaml
"$wasmpipe" -c def.yaml 2> dlog.txt
grep -q 'event=summary in=3 out=3 errored=0' dlog.txt && ok "default: a 2 MB line is one whole message" ||
  fail "default 2 MB" "$(grep -E 'summary|message_error' dlog.txt)"
{ echo a; line $((65 << 20)) w; echo b; } > big.txt
printf 'input: { file: { paths: [ big.txt ] } }\noutput: { drop: {} }\n' > big.yaml
"$wasmpipe" -c big.yaml 2> glog.txt; rc=$?
[ $rc = 0 ] && grep -q 'event=summary in=3 out=2 errored=1' glog.txt &&
  grep -q 'big.txt: line 2 is longer than max_message_size (67108864 bytes)' glog.txt &&
  ok "default: a 65 MiB line is errored at 64 MiB, the run goes on" ||
  fail "default 65 MiB" "exit $rc: $(grep -E 'summary|message_error' glog.txt | cut -c1-300)"

# max_buffer written alone replaces the default, even above it (Bento's way
# of taking long lines).
printf 'input: { file: { paths: [ big.txt ], max_buffer: 70MiB } }\noutput: { drop: {} }\n' > mb.yaml
"$wasmpipe" -c mb.yaml 2> mlog.txt
grep -q 'event=summary in=3 out=3 errored=0' mlog.txt && ok "max_buffer alone (70MiB): the 65 MiB line is whole" ||
  fail "max_buffer alone" "$(grep -E 'summary|message_error' mlog.txt | cut -c1-300)"
rm -f big.txt

printf 'input: { stdin: { max_message_size: 0 } }\n' > zero.yaml
"$wasmpipe" -c zero.yaml < /dev/null 2> zlog.txt; rc=$?
[ $rc = 2 ] && grep -q 'max_message_size.*must be at least 1 byte' zlog.txt &&
  ok "max_message_size 0: refused, exit 2" || fail "zero" "exit $rc: $(cat zlog.txt)"
exit $fails
