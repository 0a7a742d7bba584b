#!/usr/bin/env bash
# Bring up the Houqin demo from a fresh clone: install (into .venv and node_modules),
# migrate, load the demo data, print the logins and serve on http://127.0.0.1:8000/.
# Extra arguments go to `houqin demo` (e.g. --port 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install.sh
exec .venv/bin/houqin demo "$@"
