#!/usr/bin/env bash
# `make test`: every unit and integration test, against a fresh AWS emulator. Exits non-zero
# on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/emulator.sh

bash scripts/venv.sh

# The browser tests drive Debian's Chromium through chromedriver.
if ! command -v chromedriver >/dev/null 2>&1 && [ "${PAYRAIL_SKIP_BROWSER:-}" != 1 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium and chromium-driver for the browser tests" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "the browser tests need Chromium and chromedriver: install them" \
      "(apt-get install chromium chromium-driver) or set PAYRAIL_SKIP_BROWSER=1" >&2
  fi
fi
# Build first so the emulator does not wait on the compiler.
cargo build --workspace --bins --quiet
cargo test --workspace --no-run --quiet

mkdir -p .payrail
port=$(free_port)
trap 'stop_emulator; stop_localstripe' EXIT
start_emulator "$port" .payrail/emulator-test.log
emulator_env "$port"
start_localstripe "$(free_port)" .payrail/localstripe-test.log
export PAYRAIL_ALLOW_PRIVATE_TARGETS=1

results=.payrail/cargo-test.log
cargo test --workspace --no-fail-fast 2>&1 | tee "$results"

# The benchmark harness against today's handlers: a few invocations of each debug binary under
# the local Runtime API, with the run's own checks (statuses, every delivery arrived, the
# outbox emptied), so that a change the benchmark relies on fails here, not at `make bench`.
if ! BENCH_LABEL=smoke BENCH_BIN_DIR="$PWD/target/debug" BENCH_ITERATIONS=3 BENCH_COLD_RUNS=2 \
  BENCH_SWEEPS=2 BENCH_ZIP=0 BENCH_JSON=.payrail/bench-smoke.json \
  target/debug/payrail-bench >.payrail/bench-smoke.log 2>&1; then
  tail -40 .payrail/bench-smoke.log >&2
  echo "the benchmark's smoke run failed (above; all of it in .payrail/bench-smoke.log)" >&2
  exit 1
fi
echo "benchmark smoke run: ok"

# The OpenAPI document is valid OpenAPI 3.1, as an off-the-shelf validator reads it, so the
# reference, the Node client's types and schemathesis all read the same contract.
if ! .venv/bin/openapi-spec-validator docs/openapi.yaml >.payrail/openapi-validate.log 2>&1; then
  cat .payrail/openapi-validate.log >&2
  echo "docs/openapi.yaml is not valid OpenAPI (above)" >&2
  exit 1
fi
echo "openapi document: valid"

# The running API against its OpenAPI document (schemathesis).
bash scripts/contract.sh

# The Node.js client: its generated types are current, and it works against the running API.
node_results=.payrail/node-client.log
bash scripts/node-client.sh "$node_results"

# The PHP client: its webhook checks, and its calls against the running API (PAYRAIL_SKIP_PHP=1
# skips it).
php_results=.payrail/php-client.log
bash scripts/php-client.sh "$php_results"

# One closing line for the whole run, cargo's, node's and php's tests together (the contract
# run above prints its own summary).
awk '/^test result:/ { p += $4; f += $6 }
     /^ℹ pass [0-9]+$/ { p += $3 } /^ℹ fail [0-9]+$/ { f += $3 }
     /^php client: [0-9]+ passed, [0-9]+ failed$/ { p += $3; f += $5 }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$results" "$node_results" "$php_results"
