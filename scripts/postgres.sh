#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback for the test run: Debian's postgresql, a fresh cluster
# under var/, trust auth on 127.0.0.1 only. Prints the URL to connect to.
#   bash scripts/postgres.sh start   → postgresql://postgres@127.0.0.1:PORT/postgres
#   bash scripts/postgres.sh stop
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${GONGDAN_PG_PORT:-54329}"
# Outside the checkout: the postgres user may not be able to enter it.
DATA="${GONGDAN_PG_DATA:-/tmp/gongdan-pg-test}"
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

bin_dir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

# The server refuses to run as root: run it as the postgres user then.
as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-start}" in
start)
    if [ -z "$(bin_dir)" ]; then
        echo "== installing postgresql (apt-get)" >&2
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql >/dev/null
    fi
    BIN="$(bin_dir)"
    if ! "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
        rm -rf "$DATA"
        mkdir -p "$DATA"
        if [ "$(id -u)" = 0 ]; then chown postgres: "$DATA"; fi
        as_owner "$BIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
        # Enough connections for several bot processes and parallel tests; fsync off: a test
        # cluster is thrown away, and it makes CREATE DATABASE per test cheap.
        as_owner "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -o \
            "-p $PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$DATA -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            start >/dev/null
    fi
    echo "postgresql://postgres@127.0.0.1:$PORT/postgres"
    ;;
stop)
    BIN="$(bin_dir)"
    [ -n "$BIN" ] && as_owner "$BIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null 2>&1 || true
    ;;
esac
