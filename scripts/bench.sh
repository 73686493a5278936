#!/usr/bin/env bash
# `make bench`: builds the benchmark and the release binaries of the functions it runs (the
# profile `make package` ships), starts a fresh AWS emulator, and runs payrail-bench, which
# writes BENCHMARKS.md and bench/results.json. BENCH_ITERATIONS / BENCH_COLD_RUNS /
# BENCH_SWEEPS change the sample sizes.
#
# `make bench-peers` (BENCH_PEERS=1) also installs the same API in Python and Node.js
# (bench/peers, under target/peers) and measures them beside Payrail's create-payment; the
# result is recorded in bench/peers.json, which every later report shows.
#
# `make bench-baseline` (BASELINE=1) measures the same code built with cargo's default release
# profile into bench/baseline.json, the "before" the report compares against.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
source scripts/emulator.sh
mkdir -p .payrail

# What does not compile installs while cargo builds (mostly downloads): the emulator's venv
# (only the emulator: the linters and test tools of requirements-dev.txt are not needed here)
# and, for bench-peers, the Python and Node.js peers.
peers=0
if [ "${BENCH_PEERS:-}" = 1 ] && [ "${BASELINE:-}" != 1 ]; then peers=1; fi
(
  bash scripts/venv.sh requirements-emulator.txt
  if [ "$peers" = 1 ]; then bash bench/peers/install.sh target/peers; fi
) >.payrail/bench-install.log 2>&1 &
installing=$!

# The harness is built on its own, in the dev profile make test also builds: built with the
# functions, cargo would unify their features with its own (tokio's process support, the
# local stack's aws-config runtime) and the binaries measured would not be the ones shipped.
# Without the jitter-entropy setting (a build-script input of aws-lc-sys): changed, it would
# rebuild aws-lc and everything above it in the dev profile `make test` shares. Only the
# payrail-bench binary: the load and isolation tools are not needed here.
echo "== bench: building the benchmark"
env -u AWS_LC_SYS_NO_JITTER_ENTROPY cargo build --package payrail-bench --bin payrail-bench

# The functions it runs, and only those: fat LTO makes each binary a link of minutes here, and
# the sizes of the others come from their arm64 packages (make bench-arm64).
packages=()
for name in $(target/debug/payrail-bench functions); do packages+=(--package "$name"); done
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

if ! wait "$installing"; then
  cat .payrail/bench-install.log >&2
  echo "== bench: installing the emulator or the peers failed (above)" >&2
  exit 1
fi
if [ "$peers" = 1 ]; then export BENCH_PEERS_DIR="$PWD/target/peers"; fi

# The report says how long this took, builds included.
export BENCH_BUILD_SECONDS=$((SECONDS - started))
echo "== bench: built in $BENCH_BUILD_SECONDS s"

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
