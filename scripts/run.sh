#!/usr/bin/env bash
# One command for a newcomer: install, migrate the embedded SQLite database, load demo data, serve with
# gunicorn (workers from the CPU count; WEB_CONCURRENCY overrides). `scripts/run.sh --dev` serves with
# Flask's development server (Werkzeug, reloads on code changes) instead: for development only.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/evalplatform db upgrade
.venv/bin/evalplatform load-demo
export HOST=${HOST:-127.0.0.1} PORT=${PORT:-5000}
echo
if [[ "${1:-}" == "--dev" ]]; then
  echo "evalplatform development server (Werkzeug) on http://$HOST:$PORT  (Ctrl+C to stop)"
  exec .venv/bin/evalplatform run --host "$HOST" --port "$PORT" --reload
fi
echo "evalplatform (gunicorn) on http://$HOST:$PORT  (Ctrl+C to stop)"
exec .venv/bin/gunicorn --config python:evalplatform.gunicorn_conf evalplatform.wsgi:app
