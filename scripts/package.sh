#!/usr/bin/env bash
# `make package`: builds every Lambda for arm64 (Graviton) as a zip with its `bootstrap`, in
# target/lambda/<function>/bootstrap.zip, ready for `sam deploy` or `cargo lambda deploy`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/venv.sh
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-package.txt
export PATH="$PWD/.venv/bin:$PATH"
functions=()
for dir in functions/*/; do functions+=(--package "$(basename "$dir")"); done
# Skips aws-lc's jitter-entropy self-test at start-up, which can add tens of ms to a cold start.
AWS_LC_SYS_NO_JITTER_ENTROPY=1 cargo lambda build --release --arm64 --output-format zip "${functions[@]}"
ls -l target/lambda/*/bootstrap.zip
