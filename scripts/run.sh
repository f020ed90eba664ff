#!/usr/bin/env bash
# One command for a newcomer: install, migrate the embedded SQLite database, load demo data, serve.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/evalplatform db upgrade
.venv/bin/evalplatform load-demo
echo
echo "evalplatform is starting on http://${HOST:-127.0.0.1}:${PORT:-5000}  (Ctrl+C to stop)"
exec .venv/bin/evalplatform run --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}"
