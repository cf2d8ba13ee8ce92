#!/usr/bin/env bash
# Builds wasmpipe and runs the main job on the bundled example: a pipeline
# (examples/uppercase.yaml) that reads lines from stdin, calls the
# `process` function of examples/uppercase.c (compiled to WebAssembly) for
# each one, and writes the results to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null

cd build/examples
printf 'hello world\nstreams of messages\nthrough a wasm module\n' |
  ../src/cli/wasmpipe -c uppercase.yaml
