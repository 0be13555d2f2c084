#!/usr/bin/env bash
# Benchmarks (not tests): prints one table and writes bench/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
# The PostgreSQL rows (fan-out and deployment shapes) run on a throwaway server on loopback.
export GONGDAN_BENCH_POSTGRES="${GONGDAN_BENCH_POSTGRES:-$(bash scripts/postgres.sh start)}"
exec .venv/bin/python -m bench "$@"
