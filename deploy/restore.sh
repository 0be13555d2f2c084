#!/usr/bin/env bash
# Restore a backup made by deploy/backup.sh (or `gongdan backup`), then migrate it to this
# version. The bot must not run meanwhile.
#
#   deploy/restore.sh FILE [--replace]              single machine (stop gongdan.service first)
#   deploy/restore.sh --compose FILE [--replace]    the compose setup: stops the bots, restores,
#                                                   starts them again
#
# --replace: overwrite a database that holds data (without it, restoring there is refused).
# A damaged or incomplete file, or a backup of the other engine, is refused and changes nothing.
set -euo pipefail

compose=
if [ "${1:-}" = "--compose" ]; then compose=1; shift; fi
[ $# -ge 1 ] || { sed -n '2,11p' "$0" >&2; exit 2; }
file="$1"; shift
gongdan="${GONGDAN:-gongdan}"

if [ -n "$compose" ]; then
    here="$(cd "$(dirname "$0")" && pwd)"
    dc() { docker compose -f "$here/compose.yaml" "$@"; }
    dc stop bot
    status=0
    dc run --rm -T --no-deps bot restore "$@" - <"$file" || status=$?
    dc up -d bot
    exit "$status"
fi

if command -v systemctl >/dev/null && systemctl is-active --quiet gongdan 2>/dev/null; then
    echo "gongdan.service is running: stop it first (systemctl stop gongdan)" >&2
    exit 1
fi
exec "$gongdan" restore "$@" "$file"
