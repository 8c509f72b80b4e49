#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL 15 cluster (scripts/lib/pg-cluster.sh),
# the oracle the client tests compare pgsqlite with. The command finds the server in
# PGSQLITE_TEST_HOST, PGSQLITE_TEST_PORT, PGSQLITE_TEST_USER and PGSQLITE_TEST_DB, the
# variables the tests/python scripts read; its status is this script's. Exits 2 when
# PostgreSQL 15 is not installed.
#
#   scripts/with-postgres.sh COMMAND [ARG...]
set -euo pipefail
log() { echo "with-postgres: $*" >&2; }
[[ $# -ge 1 ]] || { log "usage: $0 COMMAND [ARG...]"; exit 64; }
WORK="$(mktemp -d /tmp/pgsqlite-oracle.XXXXXX)"
chmod 755 "$WORK"
# shellcheck source=scripts/lib/pg-cluster.sh
source "$(dirname "$0")/lib/pg-cluster.sh"
trap cleanup EXIT
pg_cluster_require
pg_cluster_start 2> /dev/null
PGSQLITE_TEST_HOST=127.0.0.1 PGSQLITE_TEST_PORT="$PG_PORT" PGSQLITE_TEST_USER=postgres \
    PGSQLITE_TEST_DB=postgres "$@"
