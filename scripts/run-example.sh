#!/usr/bin/env bash
# Builds wasmpipe and runs the bundled example: examples/fib.wat, compiled
# with wat2wasm and run by the engine through `wasmpipe exec --invoke`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
wat2wasm examples/fib.wat -o build/fib.wasm
echo "fib(30) = $(build/src/cli/wasmpipe exec --invoke fib build/fib.wasm 30)"
echo "sum(100000000) = $(build/src/cli/wasmpipe exec --invoke sum build/fib.wasm 100000000)"
