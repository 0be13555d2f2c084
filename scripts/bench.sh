#!/usr/bin/env bash
# Benchmarks (not tests): prints one table and writes bench/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/python -m bench "$@"
