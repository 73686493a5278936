#!/usr/bin/env bash
# `make package`: builds the Lambdas for arm64 (Graviton, as template.yaml deploys them) as zips
# with their `bootstrap`, in target/lambda/<function>/bootstrap.zip, for `sam deploy` or
# `cargo lambda deploy`. ARCH=x86-64 builds for x86_64; FUNCTIONS="a b" builds only those.
# Cross-compiling needs the Rust standard library of the target (`rustup target add
# aarch64-unknown-linux-gnu`); cargo-lambda and its zig linker come from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/venv.sh
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-package.txt
export PATH="$PWD/.venv/bin:$PATH"
arch=${ARCH:-arm64}
packages=()
for name in ${FUNCTIONS:-$(ls functions)}; do packages+=(--package "$name"); done
# Skips aws-lc's jitter-entropy self-test at start-up, which can add tens of ms to a cold start.
AWS_LC_SYS_NO_JITTER_ENTROPY=1 cargo lambda build --release "--$arch" --output-format zip "${packages[@]}"
ls -l target/lambda/*/bootstrap.zip
