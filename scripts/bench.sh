#!/usr/bin/env bash
# `make bench`: builds the release binaries (the profile `make package` ships) and the
# benchmark, starts a fresh AWS emulator, and runs payrail-bench, which writes BENCHMARKS.md
# and bench/results.json. BENCH_ITERATIONS / BENCH_COLD_RUNS change the sample sizes.
# Beside Payrail's create-payment it measures the same API in Python and Node.js
# (bench/peers, installed here under target/peers); BENCH_PEERS=0 leaves them out.
#
# `make bench-baseline` (BASELINE=1) measures the same code built with cargo's default release
# profile into bench/baseline.json, the "before" the report compares against.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
source scripts/emulator.sh
# Only the emulator: the linters and test tools of requirements-dev.txt are not needed here.
bash scripts/venv.sh requirements-emulator.txt

packages=()
for name in $(ls functions); do packages+=(--package "$name"); done
if [ "${BASELINE:-}" = 1 ]; then
  profile=baseline
  export BENCH_LABEL=baseline BENCH_JSON=bench/baseline.json
  unset AWS_LC_SYS_NO_JITTER_ENTROPY
else
  profile=release
  # As make package builds them: no jitter-entropy self-test in aws-lc at start-up.
  export AWS_LC_SYS_NO_JITTER_ENTROPY=1
fi
echo "== bench: building the functions ($profile profile)"
cargo build --profile "$profile" "${packages[@]}"
export BENCH_BIN_DIR="$PWD/target/$profile"
# The harness is built on its own, in the dev profile make test also builds: built with the
# functions, cargo would unify their features with its own (the local stack enables webhook
# delivery in the shared crate) and the binaries measured would not be the ones shipped.
# Without the jitter-entropy setting (a build-script input of aws-lc-sys): changed, it would
# rebuild aws-lc and everything above it in the dev profile `make test` shares.
echo "== bench: building the benchmark"
env -u AWS_LC_SYS_NO_JITTER_ENTROPY cargo build --package payrail-bench

if [ "${BASELINE:-}" != 1 ] && [ "${BENCH_PEERS:-}" != 0 ]; then
  bash bench/peers/install.sh target/peers
  export BENCH_PEERS_DIR="$PWD/target/peers"
fi

echo "== bench: built in $((SECONDS - started)) s"

mkdir -p .payrail
port=$(free_port)
start_emulator "$port" .payrail/bench-emulator.log
trap stop_emulator EXIT
emulator_env "$port"
target/debug/payrail-bench
if [ "${BASELINE:-}" = 1 ] && [ -f bench/results.json ]; then
  # The report compares the last full run with the baseline just measured.
  BENCH_RENDER_ONLY=1 BENCH_JSON=bench/results.json target/debug/payrail-bench
fi
echo "== bench: done in $((SECONDS - started)) s"
