#!/usr/bin/env bash
# Start a throw-away PostgreSQL server for the registry tests and print its SQLAlchemy URL on stdout.
# Idempotent: installs Debian's postgresql only if missing, reuses a server this script already started.
# Usage: NELM_TEST_POSTGRES_URL=$(bash scripts/ci-postgres.sh)
# Settings (environment): NELM_PG_DIR (data and socket dir, default /tmp/nelm-pg), NELM_PG_PORT (default 5432,
# another free port when taken), NELM_PG_DB (nelm_test), NELM_PG_USER (nelm), NELM_PG_PASSWORD (nelm).
set -euo pipefail
log() { echo "ci-postgres: $*" >&2; }

PG_DIR=${NELM_PG_DIR:-/tmp/nelm-pg}
DB=${NELM_PG_DB:-nelm_test}
ROLE=${NELM_PG_USER:-nelm}
PASSWORD=${NELM_PG_PASSWORD:-nelm}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

if [ -z "$(pg_bin)" ]; then
    log "installing postgresql (Debian package)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
fi
BIN=$(pg_bin)
[ -x "$BIN/initdb" ] || { log "no initdb under $BIN"; exit 1; }

# The server refuses to run as root: use the postgres account when we are root.
if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    as_pg() { runuser -u postgres -- "$@"; }
else
    as_pg() { "$@"; }
fi

mkdir -p "$PG_DIR"
[ "$(id -u)" = 0 ] && chown postgres: "$PG_DIR"
DATA="$PG_DIR/data"

port_free() {
    python3 - "$1" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does: TIME_WAIT leftovers do not block it
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
}

if as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    PORT=$(cat "$PG_DIR/port")
    log "server already running on port $PORT"
else
    if [ ! -s "$DATA/PG_VERSION" ]; then
        log "creating cluster in $DATA"
        as_pg "$BIN/initdb" -D "$DATA" -U postgres -A trust --no-sync -E UTF8 >/dev/null
    fi
    PORT=${NELM_PG_PORT:-5432}
    while ! port_free "$PORT"; do PORT=$((PORT + 1)); done
    echo "$PORT" > "$PG_DIR/port"
    log "starting server on 127.0.0.1:$PORT"
    as_pg "$BIN/pg_ctl" -D "$DATA" -l "$PG_DIR/server.log" -w -t 60 start \
        -o "-p $PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" >/dev/null
fi

psql_admin() { as_pg "$BIN/psql" -h "$PG_DIR" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != 1 ]; then
    psql_admin -c "CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD' CREATEDB"
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]; then
    psql_admin -c "CREATE DATABASE $DB OWNER $ROLE"
fi
echo "postgresql+psycopg://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB"
