#!/usr/bin/env bash
# Run the whole test suite: install if needed, ruff, the migrations check, then pytest.
# Extra arguments go to pytest (e.g. ./scripts/test.sh tests/cli -q).
# DATABASE_URL selects the database (default SQLite; CI also runs it on PostgreSQL);
# browser tests drive the system Chromium at $CHROMIUM_PATH (default /usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install.sh
export PATH="$PWD/.venv/bin:$PATH"
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"

echo "==> ruff check src tests"
ruff check src tests
echo "==> houqin makemigrations --check --dry-run"
houqin makemigrations --check --dry-run
echo "==> pytest ${*:-} (database: ${DATABASE_URL:-SQLite})"
exec pytest -n "${PYTEST_WORKERS:-auto}" "$@"
