#!/usr/bin/env bash
# A backup of Gongdan's database (SQLite or PostgreSQL: whatever DATABASE_URL names), written
# while the bot runs, and the old ones pruned.
#
#   deploy/backup.sh [DIR] [KEEP_DAYS]              single machine: `gongdan backup` directly
#   deploy/backup.sh --compose [DIR] [KEEP_DAYS]    the compose setup: inside a running bot
#
# DIR defaults to var/backups, KEEP_DAYS to 14 (older gongdan-*.tar files there are deleted).
# The settings come from the environment (systemd: EnvironmentFile), as for `gongdan run`.
set -euo pipefail

compose=
if [ "${1:-}" = "--compose" ]; then compose=1; shift; fi
dir="${1:-var/backups}"
keep="${2:-14}"
gongdan="${GONGDAN:-gongdan}"
mkdir -p "$dir"

if [ -n "$compose" ]; then
    here="$(cd "$(dirname "$0")" && pwd)"
    file="$dir/gongdan-postgresql-$(date -u +%Y%m%dT%H%M%SZ).tar"
    # Written beside the target and renamed when complete: never a half-written backup.
    (umask 077; docker compose -f "$here/compose.yaml" exec -T bot gongdan backup -o - >"$file.part")
    mv "$file.part" "$file"
    echo "$file"
else
    "$gongdan" backup -o "$dir/"
fi

find "$dir" -maxdepth 1 -name 'gongdan-*.tar' -mtime "+$keep" -print -delete
