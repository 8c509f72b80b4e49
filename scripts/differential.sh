#!/usr/bin/env bash
# The differential test: `bash scripts/differential.sh [HARNESS OPTIONS]`. Runs the SQL
# corpus (tests/differential/corpus) on a throwaway PostgreSQL 15 cluster and on pgsqlite
# (shared in-memory database, private Unix socket) over the simple and the extended query
# protocol, and compares what psycopg 3 sees: command status, column names and type OIDs,
# rows as the text the server sent, SQLSTATEs.
# Fails when a statement differs that tests/differential/known-differences.txt does not
# list, or when a listed one now matches. Options go to tests/differential/harness.py:
#   --update          rewrite known-differences.txt from this run (keeps the reasons)
#   --only CATEGORY   run one corpus file (repeatable)
#   --protocol P      simple or extended: compare over one query protocol (default: both)
#   --no-known        every difference fails
#   --verbose         also print the known differences (each with both answers)
#   --dump FILE       write every difference as JSON lines
#   --oracle-errors   list the statements that fail on PostgreSQL (corpus check)
#
# Environment (all optional):
#   PGSQLITE_BIN          the pgsqlite binary to test (default: build it, see next)
#   DIFFERENTIAL_PROFILE  cargo profile to build with --features full when PGSQLITE_BIN is
#                         unset: release (default) or dev (what `cargo test --all-features`
#                         already built)
#   DIFFERENTIAL_ORACLE   1: test PostgreSQL against itself (a check of the harness and
#                         corpus: everything must match); no pgsqlite is started
#   PG_BIN                PostgreSQL server binaries (default /usr/lib/postgresql/15/bin)
#   BENCH_PG_USER         unprivileged user that runs PostgreSQL when we are root
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib/pg-cluster.sh
source "$ROOT/scripts/lib/pg-cluster.sh"

# libpq settings from the caller's environment would reach both servers as session
# settings (and only one of them may know them): the comparison runs without them.
unset PGTZ PGDATESTYLE PGOPTIONS PGCLIENTENCODING PGAPPNAME PGSERVICE PGSERVICEFILE

PROFILE="${DIFFERENTIAL_PROFILE:-release}"
ORACLE_ONLY="${DIFFERENTIAL_ORACLE:-0}"
PYTHON="$ROOT/.venv/bin/python"
log() { echo "differential: $*" >&2; }

command -v psql > /dev/null || { log "psql not found"; exit 2; }
pg_cluster_require
bash "$ROOT/scripts/setup-python.sh"

if [[ "$ORACLE_ONLY" != 1 ]]; then
    if [[ -n "${PGSQLITE_BIN:-}" ]]; then
        SERVER_BIN="$PGSQLITE_BIN"
    else
        case "$PROFILE" in
            release) dir=release ;;
            dev) dir=debug ;;
            *) log "DIFFERENTIAL_PROFILE must be release or dev"; exit 2 ;;
        esac
        log "building (cargo build --profile $PROFILE --features full --bin pgsqlite)"
        cargo build --quiet --profile "$PROFILE" --features full --bin pgsqlite
        SERVER_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/$dir/pgsqlite"
    fi
    [[ -x "$SERVER_BIN" ]] || { log "$SERVER_BIN is not an executable"; exit 2; }
fi

WORK="$(mktemp -d /tmp/pgsqlite-differential.XXXXXX)"
chmod 755 "$WORK"
mkdir -p "$WORK/logs" "$WORK/lite-sock"
LITE_PID=""
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# PostgreSQL's TimeZone and locale come from initdb's environment: pin them, so that the
# oracle's answers (timestamptz output, to_char, collation) do not depend on the machine.
TZ=UTC LANG=C.UTF-8 LC_ALL=C.UTF-8 pg_cluster_start
PG_CONNINFO="host=$PG_SOCK port=$PG_PORT user=postgres dbname=postgres"

if [[ "$ORACLE_ONLY" == 1 ]]; then
    # Both sides on the same database (so current_database() agrees): each file drops and
    # recreates what it uses, so the second pass must see exactly what the first saw.
    TARGET_CONNINFO="$PG_CONNINFO"
    TARGET_LABEL="postgres-again"
    set -- --no-known "$@"
else
    # The copy keeps a concurrent rebuild from swapping the binary mid-run.
    cp "$SERVER_BIN" "$WORK/pgsqlite"
    LITE_PORT=5432
    "$WORK/pgsqlite" --port "$LITE_PORT" --listen none --socket-dir "$WORK/lite-sock" \
        --log-level warn > "$WORK/logs/pgsqlite.log" 2>&1 &
    LITE_PID=$!
    wait_ready "$WORK/lite-sock" "$LITE_PORT" postgres postgres
    log "pgsqlite up (pid $LITE_PID, socket dir $WORK/lite-sock)"
    TARGET_CONNINFO="host=$WORK/lite-sock port=$LITE_PORT user=postgres dbname=postgres"
    TARGET_LABEL="pgsqlite"
fi

status=0
timeout 100 "$PYTHON" "$ROOT/tests/differential/harness.py" \
    --pg "$PG_CONNINFO" --target "$TARGET_CONNINFO" --target-label "$TARGET_LABEL" "$@" \
    || status=$?
if [[ -n "$LITE_PID" ]] && ! kill -0 "$LITE_PID" 2> /dev/null; then
    log "pgsqlite exited during the run; its log:"
    cat "$WORK/logs/pgsqlite.log" >&2
    status=1
elif [[ "$status" -ne 0 && -s "$WORK/logs/pgsqlite.log" ]]; then
    log "pgsqlite's log (last lines):"
    tail -n 20 "$WORK/logs/pgsqlite.log" >&2
fi
[[ "$status" -eq 124 ]] && log "the harness ran past 100 s and was stopped"
exit "$status"
