#!/usr/bin/env bash
# `make bench-arm64`: builds the arm64 packages (`make package` into target/lambda-arm64) and
# records their sizes in bench/arm64.json, which BENCHMARKS.md shows beside the x86_64 binaries
# `make bench` measures. A full release build of its own, so `make bench` does not repeat it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh
started=$SECONDS
ARCH=arm64 LAMBDA_DIR=target/lambda-arm64 bash scripts/package.sh
use_toolchain_for aarch64-unknown-linux-gnu
compiler=$("${RUSTC:-rustc}" --version)
unset RUSTC
cargo build --package payrail-bench --bin payrail-bench --quiet
BENCH_RECORD_ARM64="$compiler" target/debug/payrail-bench
echo "== bench-arm64: done in $((SECONDS - started)) s"
