#!/usr/bin/env bash
# `make load`: a bounded load run against the local stack as `make dev` runs it (a fresh
# emulator, payrail-local with its stream and queue consumers, webhooks to loopback over HTTP).
# payrail-load (bench/src/load.rs) writes bench/load.json and fails on any 5xx or broken
# invariant; BENCHMARKS.md is then re-rendered from bench/results.json with the load section.
# LOAD_REQUESTS (5000), LOAD_CONCURRENCY (32), LOAD_MERCHANTS (4) and LOAD_WAIT_SECONDS (180:
# the pipeline drains most of its backlog after the requests) shape the run. Dev builds, as
# `make dev` runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
source scripts/emulator.sh
bash scripts/venv.sh requirements-emulator.txt
# Built one at a time, as `make dev` and `make bench` build them, so cargo does not unify
# their features into other binaries than those the other targets reuse.
cargo build --quiet -p payrail-local
cargo build --quiet -p payrail-bench --bin payrail-load --bin payrail-bench
echo "== load: built in $((SECONDS - started)) s"

mkdir -p .payrail
port=$(free_port)
start_emulator "$port" .payrail/load-emulator.log
emulator_env "$port"

server_port=$(free_port)
admin=$(.venv/bin/python -c 'import secrets; print("adm_" + secrets.token_urlsafe(24))')
log=.payrail/load-server.log
PAYRAIL_PORT=$server_port PAYRAIL_ADMIN_TOKEN=$admin PAYRAIL_STACK_PREFIX="load$server_port" \
  PAYRAIL_ALLOW_PRIVATE_TARGETS=1 PAYRAIL_WEBHOOK_SCHEMES=http,https \
  target/debug/payrail-local >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; stop_emulator' EXIT
for _ in $(seq 1 100); do grep -q "listening on" "$log" && break; sleep 0.2; done
grep -q "listening on" "$log" || { cat "$log" >&2; exit 1; }

status=0
PAYRAIL_BASE_URL="http://127.0.0.1:$server_port" PAYRAIL_ADMIN_TOKEN=$admin \
  LOAD_WATCH="emulator=$EMULATOR_PID,payrail-local=$server" target/debug/payrail-load || status=$?
if [ -f bench/load.json ] && [ -f bench/results.json ]; then
  BENCH_RENDER_ONLY=1 BENCH_JSON=bench/results.json target/debug/payrail-bench
  echo "== load: BENCHMARKS.md re-rendered with bench/load.json"
fi
echo "== load: done in $((SECONDS - started)) s"
exit $status
