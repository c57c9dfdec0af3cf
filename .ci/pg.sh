#!/usr/bin/env bash
# Start a throw-away PostgreSQL server, run a command against it, tear it down.
#
#   bash .ci/pg.sh make test
#   bash .ci/pg.sh .venv/bin/pytest -q tests/integration
#
# The command sees TEST_DATABASE_URL=postgresql+psycopg://complaints@127.0.0.1:PORT/complaints_test
# (plus PGHOST/PGPORT/PGUSER/PGDATABASE for psql). The role "complaints" owns the
# database and has CREATEDB and pg_signal_backend (the tests' DROP DATABASE … WITH (FORCE)
# may meet an autovacuum worker on a scratch database, which only that role may end).
# Auth is "trust": the server only listens on 127.0.0.1 and on a unix socket inside its
# private temp dir, and is destroyed on exit.
#
# Knobs (env):
#   CI_PG_PORT        first port to try (default 54329; the next free one is used)
#   CI_PG_SUPERUSER=1 make the "complaints" role a superuser
#   CI_PG_KEEP_LOG=1  print the server log on exit even when the command passed
# Exit status: the command's own status.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 2
fi

log() { echo "[pg.sh] $*" >&2; }

DB_NAME=complaints_test
DB_ROLE=complaints

# --- find (or install) the server binaries -----------------------------------
find_pg_bin() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
        echo "$d"
    fi
}

PG_BIN=$(find_pg_bin)
if [ -z "$PG_BIN" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        log "no PostgreSQL server under /usr/lib/postgresql/*/bin and not root: install the 'postgresql' package"
        exit 1
    fi
    log "PostgreSQL server not found: installing it with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends postgresql postgresql-client >/dev/null
    PG_BIN=$(find_pg_bin)
    if [ -z "$PG_BIN" ]; then
        log "PostgreSQL still not found after apt-get install"
        exit 1
    fi
fi
PSQL="$PG_BIN/psql"
[ -x "$PSQL" ] || PSQL=$(command -v psql)

# --- an unprivileged OS user to run the server as ----------------------------
# (postgres refuses to run as root)
if [ "$(id -u)" -eq 0 ]; then
    if id -u postgres >/dev/null 2>&1; then
        PG_OS_USER=postgres
    else
        if ! id -u ci >/dev/null 2>&1; then
            log "creating system user 'ci' to run PostgreSQL"
            useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin ci
        fi
        PG_OS_USER=ci
    fi
    as_pg() { (cd / && runuser -u "$PG_OS_USER" -- "$@"); }
else
    PG_OS_USER=$(id -un)
    as_pg() { (cd / && "$@"); }
fi

# --- a free port -------------------------------------------------------------
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORT=${CI_PG_PORT:-54329}
for _ in $(seq 1 100); do
    port_in_use "$PORT" || break
    PORT=$((PORT + 1))
done
if port_in_use "$PORT"; then
    log "no free port found"
    exit 1
fi

# --- data dir + cleanup ------------------------------------------------------
PG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ci-pg.XXXXXX")
PG_DATA="$PG_TMP/data"
PG_LOG="$PG_TMP/server.log"
[ "$(id -u)" -eq 0 ] && chown "$PG_OS_USER" "$PG_TMP"
chmod 700 "$PG_TMP"

STARTED=0
STATUS=1
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ "$STARTED" = 1 ]; then
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null 2>&1 \
            || as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w -t 30 stop >/dev/null 2>&1 \
            || log "warning: could not stop the server"
    fi
    if [ "${CI_PG_KEEP_LOG:-0}" = 1 ] || { [ "$STATUS" -ne 0 ] && [ -s "$PG_LOG" ]; }; then
        if [ -s "$PG_LOG" ]; then
            log "---- last lines of the PostgreSQL log ----"
            tail -n 40 "$PG_LOG" >&2 || true
            log "------------------------------------------"
        fi
    fi
    rm -rf "$PG_TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'STATUS=130; exit 130' INT
trap 'STATUS=143; exit 143' TERM

# --- initdb + start ----------------------------------------------------------
log "initdb ($PG_BIN, user $PG_OS_USER, dir $PG_TMP)"
as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U "$PG_OS_USER" --auth=trust \
    --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$PG_TMP/initdb.log" 2>&1 || {
    cat "$PG_TMP/initdb.log" >&2
    log "initdb failed"
    exit 1
}

# Durability is irrelevant for a throw-away server: trade it for speed.
cat >>"$PG_DATA/postgresql.conf" <<EOF

# --- added by .ci/pg.sh (throw-away test server) ---
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$PG_TMP'
max_connections = 200
shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
checkpoint_timeout = 30min
max_wal_size = 2GB
timezone = 'UTC'
log_timezone = 'UTC'
log_min_messages = warning
log_min_error_statement = error
EOF

log "starting server on 127.0.0.1:$PORT"
STARTED=1
if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start >/dev/null; then
    log "server failed to start"
    exit 1
fi

as_psql() {
    "$PSQL" -X -q -v ON_ERROR_STOP=1 -h "$PG_TMP" -p "$PORT" -U "$PG_OS_USER" -d postgres "$@"
}
as_psql -c "CREATE ROLE $DB_ROLE LOGIN CREATEDB$([ "${CI_PG_SUPERUSER:-0}" = 1 ] && echo ' SUPERUSER')" \
        -c "CREATE DATABASE $DB_NAME OWNER $DB_ROLE ENCODING 'UTF8' TEMPLATE template0" \
        -c "GRANT pg_signal_backend TO $DB_ROLE"

export TEST_DATABASE_URL="postgresql+psycopg://$DB_ROLE@127.0.0.1:$PORT/$DB_NAME"
export PGHOST=127.0.0.1 PGPORT="$PORT" PGUSER="$DB_ROLE" PGDATABASE="$DB_NAME"
log "TEST_DATABASE_URL=$TEST_DATABASE_URL"
log "running: $*"

# --- run the command ---------------------------------------------------------
set +e
"$@"
STATUS=$?
set -e
log "command exited with status $STATUS; stopping server"
exit "$STATUS"
