#!/usr/bin/env bash
# Creates the project-local Python venv (.venv) with the pinned tools of requirements-dev.txt,
# and reinstalls only when that file changes.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "creating .venv (the local AWS emulator and linters)" >&2
  "$python" -m venv .venv
fi
stamp=.venv/.requirements.sha256
want=$(sha256sum requirements-dev.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt >&2
  echo "$want" > "$stamp"
fi
