#!/usr/bin/env bash
# Prints the path of a Python >= 3.12 interpreter, or explains that there is none.
set -u

candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
for name in python3.14 python3.13 python3.12 python3 python; do
  path=$(command -v "$name" 2>/dev/null) && candidates+=("$path")
done
# pyenv installs interpreters that are not on PATH unless selected.
pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}
for dir in $(ls -d "$pyenv_root"/versions/3.* 2>/dev/null | sort -rV); do
  candidates+=("$dir/bin/python3")
done
for dir in /usr/local/bin /usr/bin /opt/homebrew/bin; do
  for name in python3.14 python3.13 python3.12; do
    [ -x "$dir/$name" ] && candidates+=("$dir/$name")
  done
done

for python in "${candidates[@]}"; do
  [ -x "$python" ] || continue
  if "$python" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
    echo "$python"
    exit 0
  fi
done

cat >&2 <<'MSG'
LeadFlow needs Python 3.12 or newer (Django 6.1 does not run on older versions), and none
was found on PATH, under pyenv, or in the usual places. Install one (e.g. `pyenv install 3.13`
or your system's python3.13 package), or point PYTHON at it: `make run PYTHON=/path/to/python3.13`.
MSG
exit 1
