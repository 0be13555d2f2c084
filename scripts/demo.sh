#!/usr/bin/env bash
# The main job: a simulated shift through the real bot, on a fresh SQLite file, no token needed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/gongdan demo "$@"
