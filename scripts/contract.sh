#!/usr/bin/env bash
# Property-based contract test: schemathesis drives the running API (the local server, as
# `make dev` serves it) from docs/openapi.yaml, and fails on any 5xx, any response that breaks
# the documented schema, status, content type or headers, and any authorization slip.
# Expects the emulator's environment (scripts/emulator.sh) and a built payrail-local.
# It presents thousands of invalid credentials from one address, which a deployment throttles
# after a few (429): the run raises that limit to check each route's own 401 and 403.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/emulator.sh

port=$(free_port)
admin=$(.venv/bin/python -c 'import secrets; print("adm_" + secrets.token_urlsafe(24))')
log=.payrail/contract-server.log
PAYRAIL_PORT=$port PAYRAIL_ADMIN_TOKEN=$admin PAYRAIL_STACK_PREFIX="contract$port" \
  PAYRAIL_ALLOW_PRIVATE_TARGETS=1 PAYRAIL_WEBHOOK_SCHEMES=http,https \
  PAYRAIL_FAILED_AUTH_PER_MINUTE=1000000 \
  target/debug/payrail-local >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do grep -q "listening on" "$log" && break; sleep 0.2; done
grep -q "listening on" "$log" || { cat "$log" >&2; exit 1; }
base="http://127.0.0.1:$port"

# A merchant with a full key and a limit high enough for the run.
key=$(.venv/bin/python - "$base" "$admin" <<'PY'
import json, sys, urllib.request
base, admin = sys.argv[1], sys.argv[2]
def call(method, path, body):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {admin}", "Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))["data"]
m = call("POST", "/api/v1/merchants", {"name": "Contract", "rate_limit_per_minute": 100000})
print(call("POST", "/api/v1/keys", {"merchant_id": m["id"], "label": "contract"})["key"])
PY
)

# Opaque cursors and amounts of "0" are schema-valid strings the API rightly refuses, and
# undeclared methods get API Gateway's own 404, so those three checks do not apply.
checks=(--checks all
  --exclude-checks positive_data_acceptance,unsupported_method,allow_header_conformance
  --max-examples "${PAYRAIL_CONTRACT_EXAMPLES:-10}"
  --seed "${PAYRAIL_CONTRACT_SEED:-20261122}"
  --no-color)
echo "== contract: merchant routes (API key)"
.venv/bin/st run "$base/api/v1/openapi.json" --url "$base" -H "Authorization: Bearer $key" \
  --exclude-path-regex '^/api/v1/merchants|^/payment-request-api' "${checks[@]}"
# The compatibility route answers a validation failure with 200 and status false, as the
# gateways it stands in for do (documented in its 200 response), so refusing invalid data with
# a 4xx is not its contract.
echo "== contract: compatibility route"
.venv/bin/st run "$base/api/v1/openapi.json" --url "$base" -H "Authorization: Bearer $key" \
  --include-path-regex '^/payment-request-api' "${checks[@]}" \
  --exclude-checks positive_data_acceptance,unsupported_method,allow_header_conformance,negative_data_rejection
echo "== contract: admin routes (admin token)"
.venv/bin/st run "$base/api/v1/openapi.json" --url "$base" -H "Authorization: Bearer $admin" \
  --include-path-regex '^/api/v1/merchants' "${checks[@]}"
