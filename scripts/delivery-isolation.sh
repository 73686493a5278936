#!/usr/bin/env bash
# Measures whether failing webhook endpoints delay a healthy one (bench/src/isolation.rs):
# a fresh emulator, a local stack with its consumers, everything on loopback.
# ISOLATION_PAYMENTS (default 50) and ISOLATION_LIMIT_SECONDS (default 120) bound the run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/emulator.sh
bash scripts/venv.sh
cargo build --quiet --package payrail-bench --bin payrail-isolation

mkdir -p .payrail
port=$(free_port)
start_emulator "$port" .payrail/isolation-emulator.log
trap stop_emulator EXIT
emulator_env "$port"
target/debug/payrail-isolation
