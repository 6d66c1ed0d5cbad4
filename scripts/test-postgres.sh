#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the tests (loopback only, trust auth) and print its URL.
# Usage: eval "$(scripts/test-postgres.sh start)"  → exports CONNECTOR_TEST_POSTGRES_URL
#        scripts/test-postgres.sh stop
set -euo pipefail
PGDATA_DIR=${PGDATA_DIR:-/tmp/connector-test-pg}
PGPORT=${PGPORT:-55432}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bindir" ]; then
  echo "echo 'PostgreSQL is not installed (apt-get install -y postgresql)' >&2; false"
  exit 1
fi
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
case "${1:-start}" in
  start)
    if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
      mkdir -p "$PGDATA_DIR"
      [ "$(id -u)" = 0 ] && chown postgres "$PGDATA_DIR"
      as_pg "$bindir/initdb -D $PGDATA_DIR -A trust -U postgres --no-sync >/dev/null"
    fi
    if ! as_pg "$bindir/pg_ctl -D $PGDATA_DIR status >/dev/null 2>&1"; then
      as_pg "$bindir/pg_ctl -D $PGDATA_DIR -l $PGDATA_DIR/server.log -w -o '-p $PGPORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off' start >/dev/null"
    fi
    as_pg "$bindir/psql -h 127.0.0.1 -p $PGPORT -U postgres -tAc \"SELECT 1 FROM pg_database WHERE datname='connector_test'\" | grep -q 1 || $bindir/createdb -h 127.0.0.1 -p $PGPORT -U postgres connector_test"
    echo "export CONNECTOR_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:$PGPORT/connector_test"
    ;;
  stop)
    as_pg "$bindir/pg_ctl -D $PGDATA_DIR -m fast stop >/dev/null" || true
    ;;
esac
