#!/usr/bin/env bash
# The whole test suite: SQLite always; PostgreSQL too when EVALPLATFORM_TEST_POSTGRES_URL is set.
# Without arguments: the suite in parallel (one worker per core, a test file per worker), then the tests
# that stop PostgreSQL alone. With arguments: pytest with them, as given.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
if (($#)); then
  exec .venv/bin/python -m pytest "$@"
fi
status=0
.venv/bin/python -m pytest -n "${EVALPLATFORM_TEST_WORKERS:-auto}" --dist loadfile -m "not serial" || status=$?
.venv/bin/python -m pytest -m serial || status=$((status ? status : $?))
exit "$status"
