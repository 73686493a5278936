#!/usr/bin/env bash
# `make test`: every unit and integration test, against a fresh AWS emulator. Exits non-zero
# on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/emulator.sh

bash scripts/venv.sh
# Build first so the emulator does not wait on the compiler.
cargo build --workspace --bins --quiet
cargo test --workspace --no-run --quiet

mkdir -p .payrail
port=$(free_port)
trap stop_emulator EXIT
start_emulator "$port" .payrail/emulator-test.log
emulator_env "$port"
export PAYRAIL_ALLOW_PRIVATE_TARGETS=1

cargo test --workspace --no-fail-fast
