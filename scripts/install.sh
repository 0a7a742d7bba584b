#!/usr/bin/env bash
# Install what Houqin needs into the checkout: a virtualenv in .venv with the package
# (editable, with the dev tools) and the front-end packages in node_modules from
# package-lock.json. Idempotent and quick when nothing changed; used by demo.sh and test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
mkdir -p "${HOUQIN_VAR_DIR:-var}"  # the SQLite database, uploads and static files live here
if [ ! -x .venv/bin/python ]; then
    if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        echo "Houqin needs Python 3.11 or newer as '$PYTHON' (set PYTHON=/path/to/python3.11)." >&2
        exit 1
    fi
    echo "==> Creating the virtualenv .venv"
    "$PYTHON" -m venv .venv
fi

# Reinstall when pyproject.toml changed since the last install, or when the package in
# .venv is not this checkout (a moved or copied tree).
stamp=.venv/.houqin-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] \
    || ! .venv/bin/python -c "import sys, houqin; sys.exit(not houqin.__file__.startswith('$PWD/src/'))" 2>/dev/null; then
    echo "==> Installing the Python packages"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
    touch "$stamp"
fi

if ! command -v npm >/dev/null 2>&1; then
    echo "npm is missing: install Node.js 18 or newer (Debian: apt-get install nodejs npm)." >&2
    exit 1
fi
if [ -f package-lock.json ]; then
    # npm ci writes node_modules/.package-lock.json; it is newer than the lock file when up to date.
    if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
        echo "==> Installing the front-end packages (npm ci)"
        npm ci --no-audit --no-fund --loglevel=error
    fi
elif [ ! -d node_modules ] || [ package.json -nt node_modules ]; then
    echo "==> Installing the front-end packages (npm install)"
    npm install --no-audit --no-fund --loglevel=error
fi
