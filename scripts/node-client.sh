#!/usr/bin/env bash
# The Node.js client (clients/node): installs its pinned packages, checks that its generated
# types match docs/openapi.yaml and that its declarations compile, runs its unit tests, then
# its integration tests against payrail-local served as `make dev` serves it. Test output goes
# to $1 (default .payrail/node-client.log) as well, for make test's closing line.
# Expects the emulator's environment (scripts/emulator.sh) and a built payrail-local.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/emulator.sh
results=${1:-.payrail/node-client.log}
: >"$results"

if ! command -v npm >/dev/null 2>&1; then
  echo "the Node.js client tests need Node.js 18+ with npm (apt-get install nodejs npm)" >&2
  exit 1
fi

echo "== node client: npm ci, types current, declarations compile"
(cd clients/node && npm ci --no-audit --no-fund --loglevel=error)
if ! (cd clients/node && npm run --silent check); then
  echo "clients/node/src/schema.d.ts is not docs/openapi.yaml's (cd clients/node && npm run generate)," \
    "or src/index.d.ts no longer matches it" >&2
  exit 1
fi

echo "== node client: unit tests"
(cd clients/node && npm run --silent test) 2>&1 | tee -a "$results"

port=$(free_port)
admin=$(.venv/bin/python -c 'import secrets; print("adm_" + secrets.token_urlsafe(24))')
log=.payrail/node-client-server.log
PAYRAIL_PORT=$port PAYRAIL_ADMIN_TOKEN=$admin PAYRAIL_STACK_PREFIX="node$port" \
  PAYRAIL_ALLOW_PRIVATE_TARGETS=1 PAYRAIL_WEBHOOK_SCHEMES=http,https \
  target/debug/payrail-local >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do grep -q "listening on" "$log" && break; sleep 0.2; done
grep -q "listening on" "$log" || { cat "$log" >&2; exit 1; }

echo "== node client: integration tests against payrail-local"
(cd clients/node && PAYRAIL_BASE_URL="http://127.0.0.1:$port" PAYRAIL_ADMIN_TOKEN=$admin \
  npm run --silent test:integration) 2>&1 | tee -a "$results"
