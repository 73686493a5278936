#!/usr/bin/env bash
# Installs the create-payment peers `make bench` measures beside Payrail's, into $1
# (default target/peers), each laid out as Lambda would run it:
#   python/task     handler.py and its pinned packages: the function's zip contents
#   python/runtime  a virtualenv holding the runtime interface client (awslambdaric), which
#                   Lambda's Python runtime provides
#   node/task       index.mjs, package.json and `npm ci`'s node_modules: the function's zip
#                   contents (the Runtime API loop, runtime.mjs, runs from bench/peers/node)
# A part is reinstalled only when its sources changed (a digest beside it, <part>.installed).
# Needs python3 (with venv) and node with npm.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/../../target/peers}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

# The digest of a part's sources, so an unchanged part is not installed again.
stamp() { cat "$@" | sha256sum | cut -d' ' -f1; }
fresh() { [ -d "$1" ] && [ -f "$1.installed" ] && [ "$(cat "$1.installed")" = "$2" ]; }

py="$out/python"
want=$(stamp "$here/python/runtime-requirements.txt")
if ! fresh "$py/runtime" "$want"; then
  echo "== peers: python runtime interface client"
  rm -rf "$py/runtime"
  python3 -m venv "$py/runtime"
  "$py/runtime/bin/pip" install --quiet --disable-pip-version-check --no-deps \
    -r "$here/python/runtime-requirements.txt"
  echo "$want" >"$py/runtime.installed"
fi
want=$(stamp "$here/python/requirements.txt" "$here/python/handler.py")
if ! fresh "$py/task" "$want"; then
  echo "== peers: python function (boto3)"
  rm -rf "$py/task"
  "$py/runtime/bin/pip" install --quiet --disable-pip-version-check --no-deps \
    --target "$py/task" -r "$here/python/requirements.txt"
  cp "$here/python/handler.py" "$py/task/"
  echo "$want" >"$py/task.installed"
fi

node="$out/node"
want=$(stamp "$here/node/package.json" "$here/node/package-lock.json" "$here/node/index.mjs")
if ! fresh "$node/task" "$want"; then
  echo "== peers: node function (AWS SDK v3)"
  rm -rf "$node/task"
  mkdir -p "$node/task"
  cp "$here/node/package.json" "$here/node/package-lock.json" "$here/node/index.mjs" "$node/task/"
  (cd "$node/task" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
  echo "$want" >"$node/task.installed"
fi
