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

run_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_build build-sanitize -DCMAKE_BUILD_TYPE=Debug -DWP_SANITIZE=ON
echo "== all tests passed in both builds"
