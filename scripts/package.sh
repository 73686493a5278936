#!/usr/bin/env bash
# `make package`: builds the Lambdas for arm64 (Graviton, as template.yaml deploys them) as zips
# with their `bootstrap`, in target/lambda/<function>/bootstrap.zip, for `sam deploy` or
# `cargo lambda deploy`. ARCH=x86_64 builds for x86_64; FUNCTIONS="a b" builds only those;
# LAMBDA_DIR=dir writes dir/<function>/bootstrap.zip instead.
#
# cargo-lambda and its zig linker (from PyPI) link against an old glibc, so the binaries run on
# Lambda's provided.al2023 (glibc 2.34); tests/it/packages.rs checks it. The arm64 standard library
# comes from rustup where its target is installed, otherwise from Debian (rustc-web and
# libstd-rust-web-dev:arm64, Rust 1.96), installed here when run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh
bash scripts/venv.sh requirements-package.txt
export PATH="$PWD/.venv/bin:$PATH"

case "${ARCH:-arm64}" in
  arm64 | aarch64) triple=aarch64-unknown-linux-gnu ;;
  x86_64 | x86-64 | amd64) triple=x86_64-unknown-linux-gnu ;;
  *) echo "ARCH must be arm64 or x86_64, not '$ARCH'" >&2; exit 2 ;;
esac
use_toolchain_for "$triple"

packages=()
for name in ${FUNCTIONS:-$(ls functions)}; do packages+=(--package "$name"); done
started=$SECONDS
# Skips aws-lc's jitter-entropy self-test at start-up, which can add tens of ms to a cold start.
# The target check is ours (use_toolchain_for): cargo-lambda's would ask rustup to download one.
lambda_dir=${LAMBDA_DIR:-target/lambda}
AWS_LC_SYS_NO_JITTER_ENTROPY=1 cargo lambda build --release --skip-target-check \
  --target "$triple" --output-format zip --lambda-dir "$lambda_dir" "${packages[@]}"
echo "== package: $triple built in $((SECONDS - started)) s with $("${RUSTC:-rustc}" --version)"
ls -l "$lambda_dir"/*/bootstrap.zip
