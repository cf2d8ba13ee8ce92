#!/usr/bin/env bash
# wasmpipe exec on a trapping guest, on every tier: the exit status, the
# trap line naming the function and offset, and the wasm call stack it
# prints, with the offsets checked against wasm-objdump's disassembly.
set -u
wasmpipe= wat2wasm= objdump= wat=
while [ $# -gt 0 ]; do
  case $1 in
    --wasmpipe) wasmpipe=$2; shift 2 ;;
    --wat2wasm) wat2wasm=$2; shift 2 ;;
    --objdump) objdump=$2; shift 2 ;;
    --wat) wat=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
tmp=$(mktemp -d /tmp/wp_stack_XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failures=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1: $2"; failures=$((failures + 1)); }

"$wat2wasm" --debug-names "$wat" -o "$tmp/trap.wasm" || { echo "wat2wasm failed" >&2; exit 2; }
"$objdump" -d "$tmp/trap.wasm" > "$tmp/dis" || { echo "wasm-objdump failed" >&2; exit 2; }
# The offset (as 0x.., no leading zeros) of the first line in function
# <fn> whose instruction matches the pattern.
at() {
  local hex
  hex=$(awk -v fn="<$1>:" -v pat="$2" '
    / func\[/ { infn = index($0, fn) > 0; next }
    infn && $0 ~ pat { sub(":", "", $1); print $1; exit }' "$tmp/dis")
  [ -n "$hex" ] && printf '0x%x\n' $((16#$hex))
}
div=$(at inner 'i32.div_s'); mid=$(at middle 'call 0'); go=$(at go 'call 1')
unr=$(at down 'unreachable'); rec=$(at down 'call 3')
[ -n "$div" ] && [ -n "$mid" ] && [ -n "$go" ] && [ -n "$unr" ] && [ -n "$rec" ] ||
  { echo "cannot find the instructions in the disassembly" >&2; cat "$tmp/dis" >&2; exit 2; }

for tier in interp jit auto; do
  "$wasmpipe" exec --tier $tier --invoke go "$tmp/trap.wasm" > /dev/null 2> "$tmp/err"
  rc=$?
  [ $rc = 134 ] && ok "$tier: a trap exits 134" || fail "$tier: exit status" "$rc"
  want="wasmpipe exec: $tmp/trap.wasm: trap: inner @$div: integer divide by zero
wasm stack (innermost first):
  #0 inner @$div
  #1 middle @$mid
  #2 go @$go"
  # A warning line (a build without the JIT) may come first.
  got=$(grep -v 'warning:' "$tmp/err")
  [ "$got" = "$want" ] && ok "$tier: trap line and three frames with objdump's offsets" ||
    fail "$tier: stack" "expected
$want
got
$got"

  "$wasmpipe" exec --tier $tier --invoke deep "$tmp/trap.wasm" > /dev/null 2> "$tmp/err"
  rc=$?
  [ $rc = 134 ] && ok "$tier: deep trap exits 134" || fail "$tier: deep exit status" "$rc"
  n=$(grep -c "^  #[0-9]* down @$rec\$" "$tmp/err")
  grep -q "^wasmpipe exec: .*: trap: down @$unr: unreachable\$" "$tmp/err" &&
    grep -q "^  #0 down @$unr\$" "$tmp/err" && [ "$n" = 15 ] &&
    grep -q '^  \.\.\. 26 more frames$' "$tmp/err" &&
    ok "$tier: 41 frames deep: the innermost 16 printed, then '... 26 more frames'" ||
    fail "$tier: deep stack" "$(cat "$tmp/err")"
done

[ $failures = 0 ] && echo "all passed" || echo "$failures failed"
[ $failures = 0 ]
