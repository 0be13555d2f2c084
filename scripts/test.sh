#!/usr/bin/env bash
# Every check: lint, the dependency rule, and the test suite (domain, handlers, end-to-end).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
# The shop-floor board's browser test drives Debian's chromium, headless.
if ! command -v chromium >/dev/null 2>&1; then
    echo "== installing chromium (apt-get)"
    as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >/dev/null
fi
echo "== ruff"
.venv/bin/ruff check domain handlers scheduler bot tests bench
echo "== mypy (strict on domain/)"
.venv/bin/mypy
echo "== import-linter (the dependency rule)"
.venv/bin/lint-imports
# The whole suite runs on each engine: SQLite files, then a PostgreSQL server on loopback.
# GONGDAN_TEST_ENGINES=sqlite (or postgres) runs one of them.
for engine in ${GONGDAN_TEST_ENGINES:-sqlite postgres}; do
    if [ "$engine" = postgres ]; then
        echo "== starting PostgreSQL"
        export GONGDAN_TEST_POSTGRES="$(bash scripts/postgres.sh start)"
    fi
    echo "== pytest ($engine)"
    .venv/bin/python -m pytest -q "$@"
done
