#!/bin/sh
# Fuzz regression 0002 through the CLI: `wasmpipe exec --timeout` bounds a
# start function that never returns (exit 124, saying so). Without the fix
# this hangs, and CTest's timeout fails it.
#
# usage: regress_exec.sh WASMPIPE MODULE.wasm
set -u
out=$("$1" exec --timeout 200ms "$2" 2>&1)
rc=$?
if [ "$rc" != 124 ]; then
    echo "FAIL: exit status $rc, expected 124: $out"
    exit 1
fi
case "$out" in
*"timed out (--timeout)"*) echo "ok: $out" ;;
*) echo "FAIL: no 'timed out' in: $out"; exit 1 ;;
esac
