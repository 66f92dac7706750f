#!/usr/bin/env bash
# (Re)starts tartan's test PostgreSQL server: a private cluster in
# $TARTAN_PG_DATA (default /tmp/tartan-pg) on 127.0.0.1:$TARTAN_PG_PORT
# (default 54329), trust authentication, database tartan_test.
# Needs PostgreSQL 15 + pgvector installed (.ci/install-postgres.sh).
# Prints the connection URL on its last line.
set -euo pipefail

PG_BIN=/usr/lib/postgresql/15/bin
DATA="${TARTAN_PG_DATA:-/tmp/tartan-pg}"
PORT="${TARTAN_PG_PORT:-54329}"
DB=tartan_test
# postgres refuses to run as root; run the server as the postgres system user when we are root.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ ! -f "$DATA/PG_VERSION" ]; then
  mkdir -p "$DATA"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$DATA"
  chmod 700 "$DATA"
  as_pg "$PG_BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
fi

if ! as_pg "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  # Small machine, tests only: modest memory, no fsync (data is disposable).
  as_pg "$PG_BIN/pg_ctl" -D "$DATA" -w -t 60 -l "$DATA/server.log" start \
    -o "-p $PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$DATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100 -c shared_buffers=256MB -c maintenance_work_mem=256MB" >/dev/null
fi

psql_pg() { PGOPTIONS="-c client_min_messages=warning" "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$PORT" -U postgres "$@"; }
if [ "$(psql_pg -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]; then
  psql_pg -d postgres -c "CREATE DATABASE $DB"
fi
psql_pg -d "$DB" -c 'CREATE EXTENSION IF NOT EXISTS vector' >/dev/null

echo "postgres://postgres@127.0.0.1:$PORT/$DB"
