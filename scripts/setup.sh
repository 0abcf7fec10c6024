#!/usr/bin/env bash
# Creates .venv with a suitable Python and installs the pinned requirements (only when they
# changed since the last install). Usage: scripts/setup.sh [requirements file]
set -euo pipefail
cd "$(dirname "$0")/.."

requirements=${1:-requirements.txt}
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
  python=$(scripts/find-python.sh)
  echo "Creating .venv with $python ($("$python" --version))"
  rm -rf .venv
  "$python" -m venv .venv
fi

stamp=.venv/.installed-$(basename "$requirements")
digest=$(cat requirements.txt "$requirements" | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r "$requirements"
  echo "$digest" > "$stamp"
fi

[ -f .env ] || { cp .env.example .env; echo "Wrote .env from .env.example (DEBUG and sandbox on)."; }
