#!/usr/bin/env bash
# A local PostgreSQL (Debian packages) for development and tests, data under .pgdata/, port 54329.
# Usage: scripts/pg.sh start|stop|url
# Installs the server with apt-get when it is missing (needs root, as on CI and the dev machines).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${FIELD_APP_PG_PORT:-54329}
DATA=$PWD/.pgdata
URL="postgresql://postgres@127.0.0.1:$PORT/field_app"

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$dir" ]; then
    echo "PostgreSQL is not installed: installing Debian's postgresql ..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
    dir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  echo "$dir"
}

as_owner() {  # initdb/postgres refuse to run as root: run them as the postgres user then
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  local bin; bin=$(pg_bin)
  if [ ! -f "$DATA/PG_VERSION" ]; then
    mkdir -p "$DATA"
    [ "$(id -u)" = 0 ] && chown postgres "$DATA"
    as_owner "$bin/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! as_owner "$bin/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    as_owner "$bin/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
      -o "-p $PORT -k $DATA -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  fi
  for db in field_app field_app_test; do
    as_owner "$bin/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" postgres \
      | grep -q 1 || as_owner "$bin/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$db"
  done
  echo "$URL"
}

case "${1:-start}" in
  start) start ;;
  stop) as_owner "$(pg_bin)/pg_ctl" -D "$DATA" -m fast stop ;;
  url) echo "$URL" ;;
  *) echo "usage: scripts/pg.sh start|stop|url" >&2; exit 2 ;;
esac
