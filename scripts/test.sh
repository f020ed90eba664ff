#!/usr/bin/env bash
# The whole test suite: SQLite always; PostgreSQL too when EVALPLATFORM_TEST_POSTGRES_URL is set.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
exec .venv/bin/python -m pytest "$@"
