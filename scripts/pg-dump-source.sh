#!/usr/bin/env bash
# Builds a PostgreSQL 15 database from an SQL file and dumps it, for
# tests/pg_dump_restore.rs: `bash scripts/pg-dump-source.sh SOURCE.sql OUT_DIR TABLE...`.
# Starts a throwaway cluster (scripts/lib/pg-cluster.sh; TimeZone UTC), runs SOURCE.sql
# in a new database, writes `pg_dump --no-owner --no-acl` (plain format) to
# OUT_DIR/dump.sql and `COPY public.TABLE TO STDOUT` of each TABLE to OUT_DIR/TABLE.copy,
# then stops the cluster. Exit status 2: PostgreSQL 15 is not installed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/pg-cluster.sh
source "$ROOT/scripts/lib/pg-cluster.sh"
unset PGTZ PGDATESTYLE PGOPTIONS PGCLIENTENCODING PGAPPNAME PGSERVICE PGSERVICEFILE
log() { echo "pg-dump-source: $*" >&2; }

[[ $# -ge 2 ]] || { log "usage: pg-dump-source.sh SOURCE.sql OUT_DIR TABLE..."; exit 2; }
SOURCE="$1"
OUT="$2"
shift 2
for tool in psql pg_dump; do
    command -v "$tool" > /dev/null || { log "$tool not found"; exit 2; }
done
pg_cluster_require

WORK="$(mktemp -d /tmp/pgsqlite-dump.XXXXXX)"
chmod 755 "$WORK"
trap cleanup EXIT
# Its log lines go to stderr, which the test shows when the script fails.
TZ=UTC LANG=C.UTF-8 LC_ALL=C.UTF-8 pg_cluster_start > /dev/null

pg() { psql -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres "$@"; }
pg -d postgres -c "CREATE DATABASE source" > /dev/null
pg -d source -f "$SOURCE" > /dev/null
pg_dump --no-owner --no-acl -h "$PG_SOCK" -p "$PG_PORT" -U postgres source > "$OUT/dump.sql"
for table in "$@"; do
    pg -d source -c "COPY public.$table TO STDOUT" > "$OUT/$table.copy"
done
