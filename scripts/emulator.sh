#!/usr/bin/env bash
# Helpers to run the local AWS emulator (moto's server mode) on 127.0.0.1. Source this file.

# Points the AWS SDK at the emulator on port $1, with throwaway credentials.
emulator_env() {
  export AWS_ENDPOINT_URL="http://127.0.0.1:$1"
  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
  export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
  export AWS_EC2_METADATA_DISABLED=true
}

# A free TCP port on 127.0.0.1.
free_port() {
  .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until process $1 (named $2, logging to $3) answers HTTP at $4: any HTTP answer means it
# is up. Fails, with its log, if it exits or stays silent for 30 s.
wait_until_up() {
  local pid=$1 name=$2 log=$3 url=$4
  for _ in $(seq 1 150); do
    if .venv/bin/python - "$url" <<'PY' 2>/dev/null; then
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(sys.argv[1], timeout=1)
except urllib.error.HTTPError:
    pass
PY
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$name exited; its log:" >&2
      cat "$log" >&2
      return 1
    fi
    sleep 0.2
  done
  echo "$name did not answer at $url within 30 s" >&2
  return 1
}

# Starts the emulator on port $1, logging to $2, and waits until it answers. Sets EMULATOR_PID.
start_emulator() {
  local port=$1 log=$2
  .venv/bin/python scripts/emulator.py --port "$port" >"$log" 2>&1 &
  EMULATOR_PID=$!
  wait_until_up "$EMULATOR_PID" "the AWS emulator" "$log" "http://127.0.0.1:$port/moto-api/"
}

stop_emulator() {
  if [ -n "${EMULATOR_PID:-}" ] && kill -0 "$EMULATOR_PID" 2>/dev/null; then
    kill "$EMULATOR_PID" 2>/dev/null || true
    wait "$EMULATOR_PID" 2>/dev/null || true
  fi
}

# Starts localstripe (Stripe's API and Stripe.js, stand-in) on port $1, logging to $2, waits
# until it answers, and points Payrail at it. Sets LOCALSTRIPE_PID.
start_localstripe() {
  local port=$1 log=$2
  .venv/bin/python scripts/stripe-standin.py --port "$port" >"$log" 2>&1 &
  LOCALSTRIPE_PID=$!
  wait_until_up "$LOCALSTRIPE_PID" "localstripe" "$log" "http://127.0.0.1:$port/js.stripe.com/v3/" || return 1
  export PAYRAIL_STRIPE_API_BASE="http://127.0.0.1:$port"
  export PAYRAIL_STRIPE_JS_URL="http://127.0.0.1:$port/js.stripe.com/v3/"
}

stop_localstripe() {
  if [ -n "${LOCALSTRIPE_PID:-}" ] && kill -0 "$LOCALSTRIPE_PID" 2>/dev/null; then
    kill "$LOCALSTRIPE_PID" 2>/dev/null || true
    wait "$LOCALSTRIPE_PID" 2>/dev/null || true
  fi
}
