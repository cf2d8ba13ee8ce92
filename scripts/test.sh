#!/usr/bin/env bash
# Builds wasmpipe twice (optimised, and with AddressSanitizer +
# UndefinedBehaviorSanitizer) and runs every test in both builds.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
jobs=$(nproc 2>/dev/null || echo 2)

run_build() {
  local dir=$1; shift
  echo "== build $dir ($*)"
  cmake -S . -B "$dir" "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  echo "== test $dir"
  (cd "$dir" && ctest --output-on-failure -j "$jobs")
  # The spec runner's own count, so the log shows what was asserted.
  grep -E '^[0-9]+ passed, [0-9]+ failed' "$dir/Testing/Temporary/LastTest.log" | sed 's/^/spec suite: /' || true
}

# The runtime, WASI, processor and pipeline tests again with every
# module that does not pick its own tier on the JIT (the spec scripts have
# spec-jit; the fuzz replays and the stream tests run in the first pass only).
run_jit_pass() {
  local dir=$1
  grep -q '^WP_JIT:BOOL=ON' "$dir/CMakeCache.txt" || { echo "== no JIT in $dir: jit pass skipped"; return; }
  echo "== test $dir with WASMPIPE_TIER=jit"
  # test_nomem compiles once per injected failure; under the JIT each is an LLVM compile.
  (cd "$dir" && WASMPIPE_TIER=jit ctest --output-on-failure -j "$jobs" -E '^(spec|fuzz_|stream_|test_nomem$)')
}

run_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
run_jit_pass build
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_build build-sanitize -DCMAKE_BUILD_TYPE=Debug -DWP_SANITIZE=ON
echo "== all tests passed in both builds"
