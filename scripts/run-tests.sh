#!/usr/bin/env bash
# The whole suite. Starts the PostgreSQL server the registry tests use, when this machine can.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${NELM_TEST_POSTGRES_URL:-}" ] && [ -x scripts/ci-postgres.sh ]; then
  if url=$(bash scripts/ci-postgres.sh); then
    export NELM_TEST_POSTGRES_URL="$url"
    echo "registry tests also run against PostgreSQL: $url"
  else
    echo "PostgreSQL could not be started: registry tests run on SQLite only" >&2
  fi
fi
.venv/bin/ruff check --quiet src tests benchmarks scripts
exec .venv/bin/python -m pytest -q -n 2 --dist loadfile "$@"
