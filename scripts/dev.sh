#!/usr/bin/env bash
# `make dev`: installs what is missing, builds, starts the AWS emulator, provisions
# template.yaml's resources in it, and serves every route on 127.0.0.1:${PAYRAIL_PORT:-3000}.
# Ctrl-C stops everything it started. It writes .payrail/env.json and .payrail/lambda.env for
# `sam local` and `cargo lambda` (docs/operate.md: "sam local and cargo lambda").
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/emulator.sh

bash scripts/venv.sh
cargo build --quiet -p payrail-local

mkdir -p .payrail
port=${PAYRAIL_EMULATOR_PORT:-$(free_port)}
trap 'stop_emulator; stop_localstripe' EXIT
trap 'exit 130' INT TERM
start_emulator "$port" .payrail/emulator.log
echo "AWS emulator on http://127.0.0.1:$port (log: .payrail/emulator.log)"
emulator_env "$port"

# Stripe: localstripe, unless PAYRAIL_STRIPE_API_BASE already names a Stripe to use.
if [ -z "${PAYRAIL_STRIPE_API_BASE:-}" ]; then
  start_localstripe "$(free_port)" .payrail/localstripe.log
  echo "Stripe stand-in (localstripe) on $PAYRAIL_STRIPE_API_BASE (log: .payrail/localstripe.log)"
fi

# Local mode: webhook receivers on loopback, over plain HTTP, are allowed.
export PAYRAIL_ALLOW_PRIVATE_TARGETS=${PAYRAIL_ALLOW_PRIVATE_TARGETS:-1}
export PAYRAIL_WEBHOOK_SCHEMES=${PAYRAIL_WEBHOOK_SCHEMES:-http,https}
# .payrail/env.json and .payrail/lambda.env: this stack's environment for `sam local` (the
# emulator reached from Docker at PAYRAIL_SAM_HOST) and `cargo lambda watch`.
target/debug/payrail-local --env-dir .payrail --sam-host "${PAYRAIL_SAM_HOST:-host.docker.internal}" &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; stop_emulator; stop_localstripe' EXIT
wait $server
