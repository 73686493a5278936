#!/usr/bin/env bash
# Creates the project-local Python venv (.venv) with pinned tools, and reinstalls only when their
# requirements change: all of requirements-dev.txt by default, or only the files named
# (`scripts/venv.sh requirements-emulator.txt` for what `make bench` needs).
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "creating .venv (the local AWS emulator and linters)" >&2
  "$python" -m venv .venv
fi
for requirements in "${@:-requirements-dev.txt}"; do
  stamp=.venv/.$(basename "$requirements" .txt).sha256
  # The file and the ones it includes with `-r`.
  want=$(cat "$requirements" $(sed -n 's/^-r //p' "$requirements") | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
    # No bytecode compiled ahead: Python compiles what it imports, and moto is mostly unused.
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-compile -r "$requirements" >&2
    echo "$want" > "$stamp"
  fi
done
