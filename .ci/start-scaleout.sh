#!/usr/bin/env bash
# Starts the servers of the scale-out tests beside the test server (.ci/start-postgres.sh, port 54329):
# two shard servers (ports 54330, 54331; collections partitioned onto them with postgres_fdw) and a
# streaming replica of the test server (port 54332, hot standby). Idempotent; throw-away data under
# /tmp. Prints TARTAN_PG_SHARD_URLS (comma-separated) and TARTAN_PG_REPLICA_URL as shell assignments.
set -euo pipefail

PG_BIN=/usr/lib/postgresql/15/bin
PRIMARY_PORT="${TARTAN_PG_PORT:-54329}"
DB=tartan_test
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
psql_at() { local port=$1; shift; PGOPTIONS="-c client_min_messages=warning" "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres "$@"; }
OPTS="-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100 -c shared_buffers=64MB"

start() { # data dir, port
  local data=$1 port=$2
  if ! as_pg "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    as_pg "$PG_BIN/pg_ctl" -D "$data" -w -t 60 -l "$data/server.log" start -o "-p $port -c unix_socket_directories=$data $OPTS" >/dev/null
  fi
}

shard_urls=()
for i in 1 2; do
  data="/tmp/tartan-pg-shard$i" port=$((PRIMARY_PORT + i))
  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$data"
    chmod 700 "$data"
    as_pg "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  start "$data" "$port"
  if [ "$(psql_at "$port" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]; then
    psql_at "$port" -d postgres -c "CREATE DATABASE $DB"
  fi
  psql_at "$port" -d "$DB" -c 'CREATE EXTENSION IF NOT EXISTS vector' >/dev/null
  shard_urls+=("postgres://postgres@127.0.0.1:$port/$DB")
done

replica="/tmp/tartan-pg-replica" replica_port=$((PRIMARY_PORT + 3))
if [ ! -f "$replica/PG_VERSION" ]; then
  mkdir -p "$replica"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$replica"
  chmod 700 "$replica"
  # A base backup of the primary that streams its WAL from then on (-R writes the standby settings).
  as_pg "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$replica" -R -X stream >/dev/null
fi
start "$replica" "$replica_port"

echo "TARTAN_PG_SHARD_URLS=$(IFS=,; echo "${shard_urls[*]}")"
echo "TARTAN_PG_REPLICA_URL=postgres://postgres@127.0.0.1:$replica_port/$DB"
