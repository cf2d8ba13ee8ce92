#!/usr/bin/env bash
# End-to-end tests of the JIT's compile cache through the wasmpipe program:
# `exec --cache-dir`, `process --cache-dir` and the `wasm` processor's
# `cache_dir` field, each in fresh processes, so a hit loads native code
# written by another process (another address layout).
#
#   cache_test.sh --wasmpipe BIN --module upper.wasm --wat2wasm BIN --fac fac.wat --jit ON|OFF
#
# A hit is seen as the cache file left alone (same inode) with no warning,
# or as the processor's debug event; a miss rewrites the file. Each check
# prints "ok" or "FAIL"; the exit status is the number of failures.
set -u

wasmpipe= module= wat2wasm= fac_wat= jit=OFF
while [ $# -gt 0 ]; do
  case $1 in
    --wasmpipe) wasmpipe=$2; shift 2 ;;
    --module) module=$2; shift 2 ;;
    --wat2wasm) wat2wasm=$2; shift 2 ;;
    --fac) fac_wat=$2; shift 2 ;;
    --jit) jit=$2; shift 2 ;;
    *) echo "unknown argument $1"; exit 2 ;;
  esac
done
[ -x "$wasmpipe" ] || { echo "no wasmpipe at '$wasmpipe'"; exit 2; }
[ -f "$module" ] || { echo "no module at '$module'"; exit 2; }

tmp=$(mktemp -d /tmp/wp_cache_XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

"$wat2wasm" "$fac_wat" -o "$tmp/fac.wasm" || { echo "wat2wasm failed"; exit 2; }

# The JIT tier, whatever the environment says; a build without it has
# nothing to cache.
[ "$jit" = ON ] || { echo "skipped: this build has no JIT tier"; exit 77; }
export WASMPIPE_TIER=jit

run() { # args...: stdout in $tmp/out, stderr in $tmp/err, status in $rc
  "$wasmpipe" "$@" <"${stdin:-/dev/null}" >"$tmp/out" 2>"$tmp/err"
  rc=$?
}
expect() { # name want-rc want-out
  if [ "$rc" != "$2" ]; then fail "$1" "exit $rc, want $2; stderr: $(head -c 400 "$tmp/err")"
  elif [ "$(cat "$tmp/out")" != "$3" ]; then fail "$1" "output '$(head -c 200 "$tmp/out")', want '$3'"
  else ok "$1: exit $2, output right"; fi
}
expect_err() { # name pattern
  if grep -Eq -- "$2" "$tmp/err"; then ok "$1: stderr has /$2/"
  else fail "$1" "stderr lacks /$2/: $(head -c 400 "$tmp/err")"; fi
}
expect_quiet() { # name
  if [ -s "$tmp/err" ]; then fail "$1" "stderr: $(head -c 400 "$tmp/err")"; else ok "$1: no warning"; fi
}
the_file() { ls "$1"/*.wpjit 2>/dev/null | head -1; }
count() { ls "$1" 2>/dev/null | wc -l; }
ino() { stat -c %i "$1" 2>/dev/null; }
flip() { # file offset-from-end: xors one byte
  local size off b
  size=$(stat -c %s "$1"); off=$((size - $2))
  b=$(od -An -tu1 -j "$off" -N1 "$1" | tr -d ' ')
  printf "$(printf '\\%03o' $((b ^ 16)))" | dd of="$1" bs=1 seek="$off" conv=notrunc 2>/dev/null
}

fac20=2432902008176640000

# ---- exec
c=$tmp/exec-cache/sub
run exec --cache-dir "$c" --invoke fac "$tmp/fac.wasm" 20
expect "exec miss" 0 "$fac20"
expect_quiet "exec miss"
f=$(the_file "$c")
if [ -n "$f" ] && [ "$(count "$c")" = 1 ]; then ok "exec miss: one cache file, directory created"
else fail "exec miss" "expected one .wpjit file in $c: $(ls -la "$c" 2>&1)"; fi
i1=$(ino "$f")
run exec --cache-dir "$c" --invoke fac "$tmp/fac.wasm" 20
expect "exec hit" 0 "$fac20"
expect_quiet "exec hit"
if [ "$(ino "$f")" = "$i1" ]; then ok "exec hit: the file was not rewritten"
else fail "exec hit" "the cache file was replaced, so it was not used"; fi
run exec --cache-dir="$c" --invoke fac "$tmp/fac.wasm" 5
expect "exec hit, --cache-dir=DIR" 0 120

flip "$f" 20
run exec --cache-dir "$c" --invoke fac "$tmp/fac.wasm" 20
expect "exec, a flipped bit" 0 "$fac20"
expect_err "exec, a flipped bit" "warning: compile cache: ignored .*checksum mismatch"
i2=$(ino "$f")
if [ -n "$i2" ] && [ "$i2" != "$i1" ]; then ok "exec, a flipped bit: file replaced"
else fail "exec, a flipped bit" "the damaged file was not replaced"; fi
run exec --cache-dir "$c" --invoke fac "$tmp/fac.wasm" 20
expect "exec after the repair" 0 "$fac20"
expect_quiet "exec after the repair"
[ "$(ino "$f")" = "$i2" ] && ok "exec after the repair: a hit" || fail "exec after the repair" "not a hit"

truncate -s 60 "$f"
run exec --cache-dir "$c" --invoke fac "$tmp/fac.wasm" 20
expect "exec, truncated" 0 "$fac20"
expect_err "exec, truncated" "ignored .*truncated"
printf '%0200d' 0 > "$f"   # longer than a header, not a cache file
run exec --cache-dir "$c" --invoke fac "$tmp/fac.wasm" 20
expect "exec, foreign file" 0 "$fac20"
expect_err "exec, foreign file" "ignored .*wrong magic"

# Another module (one byte differs) gets its own file and its own result.
sed 's/(then (i64.const 1))/(then (i64.const 2))/' "$fac_wat" > "$tmp/fac2.wat"
"$wat2wasm" "$tmp/fac2.wat" -o "$tmp/fac2.wasm"
run exec --cache-dir "$c" --invoke fac "$tmp/fac2.wasm" 5
expect "exec, another module" 0 240
[ "$(count "$c")" = 2 ] && ok "exec, another module: a second file" ||
  fail "exec, another module" "$(count "$c") files in $c"

: > "$tmp/plain"
run exec --cache-dir "$tmp/plain/sub" --invoke fac "$tmp/fac.wasm" 20
expect "exec, cache dir not creatable" 0 "$fac20"
expect_err "exec, cache dir not creatable" "warning: compile cache: not stored: cannot create"
run exec --cache-dir "" --invoke fac "$tmp/fac.wasm" 20
expect "exec, empty --cache-dir" 125 ""
run exec --invoke fac "$tmp/fac.wasm" 20 --cache-dir
[ "$rc" = 0 ] || [ "$rc" = 125 ] && ok "exec, --cache-dir after the module is an argument" ||
  fail "exec, --cache-dir after the module" "exit $rc"

# ---- exec under auto: a miss compiles in the background, and exec waits
# for that compile after the guest so that the cache is filled. The
# environment would otherwise make auto the suite's tier.
a=$tmp/auto-cache
WASMPIPE_TIER=auto run exec --tier auto --cache-dir "$a" --invoke fac "$tmp/fac.wasm" 20
expect "exec auto miss" 0 "$fac20"
expect_quiet "exec auto miss"
f=$(the_file "$a")
[ -n "$f" ] && ok "exec auto miss: stored" || fail "exec auto miss" "no cache file in $a"
i1=$(ino "$f")
WASMPIPE_TIER=auto run exec --tier auto --cache-dir "$a" --invoke fac "$tmp/fac.wasm" 20
expect "exec auto hit" 0 "$fac20"
expect_quiet "exec auto hit"
[ -n "$i1" ] && [ "$(ino "$f")" = "$i1" ] && ok "exec auto hit: the file was not rewritten" ||
  fail "exec auto hit" "the cache file was replaced, so it was not used"
WASMPIPE_TIER=auto run exec --tier auto --cache-dir "$tmp/plain/sub" --invoke fac "$tmp/fac.wasm" 20
expect "exec auto, cache dir not creatable" 0 "$fac20"
expect_err "exec auto, cache dir not creatable" "warning: compile cache: not stored: cannot create"

# ---- process
p=$tmp/proc-cache
printf 'hello\nworld\n' > "$tmp/in"
stdin=$tmp/in
run process --module "$module" --cache-dir "$p" --log-level debug
expect "process miss" 0 "$(printf 'HELLO\nWORLD')"
expect_err "process miss" "event=compile_cache .*: miss"
run process --module "$module" --cache-dir "$p" --log-level debug
expect "process hit" 0 "$(printf 'HELLO\nWORLD')"
expect_err "process hit" "event=compile_cache .*: hit"
f=$(the_file "$p")
flip "$f" 3
run process --module "$module" --cache-dir "$p"
expect "process, a flipped bit" 0 "$(printf 'HELLO\nWORLD')"
expect_err "process, a flipped bit" "level=warn event=compile_cache .*checksum mismatch"

# ---- the wasm processor's cache_dir field
cat > "$tmp/c.yaml" <<YAML
input:
  stdin:
    codec: lines
pipeline:
  threads: 1
  processors:
    - wasm:
        module_path: $module
        cache_dir: $p
output:
  stdout:
    codec: lines
YAML
run lint "$tmp/c.yaml"
expect "lint with cache_dir" 0 ""
run -c "$tmp/c.yaml"
expect "config cache_dir" 0 "$(printf 'HELLO\nWORLD')"
i1=$(ino "$f")
run -c "$tmp/c.yaml"
expect "config cache_dir again" 0 "$(printf 'HELLO\nWORLD')"
if grep -q compile_cache "$tmp/err"; then fail "config cache_dir again" "$(cat "$tmp/err")"
else ok "config cache_dir again: no warning"; fi
[ "$(ino "$f")" = "$i1" ] && ok "config cache_dir: a hit" || fail "config cache_dir" "not a hit"
stdin=

echo "$fails failures"
[ $fails -gt 100 ] && fails=100
exit $fails
