#!/usr/bin/env bash
# Every check: lint, the dependency rule, and the test suite (domain, handlers, end-to-end).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
echo "== ruff"
.venv/bin/ruff check domain handlers scheduler bot tests bench
echo "== import-linter (the dependency rule)"
.venv/bin/lint-imports
echo "== pytest"
exec .venv/bin/python -m pytest -q "$@"
