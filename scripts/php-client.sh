#!/usr/bin/env bash
# The PHP client (clients/php): its unit tests, then its integration tests against payrail-local
# served as `make dev` serves it, all with plain php (tests/run.php). Test output goes to $1
# (default .payrail/php-client.log) as well, for make test's closing line.
# Needs php 8.2+ with Guzzle 7: Debian's php-cli and php-guzzlehttp-guzzle, installed here when
# run as root; PAYRAIL_SKIP_PHP=1 skips it.
# Expects the emulator's environment (scripts/emulator.sh) and a built payrail-local.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/emulator.sh
mkdir -p .payrail
results=${1:-.payrail/php-client.log}
: >"$results"

if [ "${PAYRAIL_SKIP_PHP:-}" = 1 ]; then
  echo "== php client: skipped (PAYRAIL_SKIP_PHP=1)"
  exit 0
fi

php_ready() {
  command -v php >/dev/null 2>&1 &&
    php -r 'require "clients/php/autoload.php"; exit(PHP_VERSION_ID >= 80200 && class_exists(GuzzleHttp\Client::class) ? 0 : 1);' 2>/dev/null
}

if ! php_ready; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing php-cli and php-guzzlehttp-guzzle for the PHP client's tests" >&2
    # Only refresh the package lists when the install cannot find what it needs.
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq php-cli php-guzzlehttp-guzzle >/dev/null 2>&1; then
      apt-get update -qq >/dev/null || true
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq php-cli php-guzzlehttp-guzzle >/dev/null || true
    fi
  fi
  if ! php_ready; then
    echo "the PHP client's tests need php 8.2+ with Guzzle 7: install them" \
      "(apt-get install php-cli php-guzzlehttp-guzzle) or set PAYRAIL_SKIP_PHP=1" >&2
    exit 1
  fi
fi

port=$(free_port)
admin=$(.venv/bin/python -c 'import secrets; print("adm_" + secrets.token_urlsafe(24))')
log=.payrail/php-client-server.log
PAYRAIL_PORT=$port PAYRAIL_ADMIN_TOKEN=$admin PAYRAIL_STACK_PREFIX="php$port" \
  PAYRAIL_ALLOW_PRIVATE_TARGETS=1 PAYRAIL_WEBHOOK_SCHEMES=http,https \
  target/debug/payrail-local >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do grep -q "listening on" "$log" && break; sleep 0.2; done
grep -q "listening on" "$log" || { cat "$log" >&2; exit 1; }

echo "== php client: unit tests, then integration tests against payrail-local"
PAYRAIL_BASE_URL="http://127.0.0.1:$port" PAYRAIL_ADMIN_TOKEN=$admin \
  php clients/php/tests/run.php 2>&1 | tee -a "$results"
