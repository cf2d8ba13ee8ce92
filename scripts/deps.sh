#!/usr/bin/env bash
# Installs the Debian packages wasmpipe needs to build and test, when any is
# missing. Safe to run again: it does nothing when everything is present.
set -euo pipefail

pkgs=(cmake make gcc pkg-config libjansson-dev libyaml-dev wabt
      libnats-dev nats-server libmicrohttpd-dev libcurl4-openssl-dev prometheus curl
      clang lld wasi-libc libclang-rt-14-dev-wasm32
      rustc libstd-rust-dev-wasm32 llvm-19-dev)

missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
$sudo_cmd apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
