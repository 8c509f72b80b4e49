#!/usr/bin/env bash
# Loading and unloading by COPY: `bash scripts/bench-copy.sh`. Builds pgsqlite in release
# mode, starts a throwaway PostgreSQL 15 cluster with default settings and pgsqlite on a
# database file (WAL, group commit: their durable defaults), then times, on both, psql
# `\copy` of COPY_ROWS rows (an integer key, two text columns, a float, a timestamp)
# into a fresh table in text, CSV and binary, and `COPY ... TO STDOUT` of the table in
# text. Reports seconds per step and pgsqlite's peak RSS (VmHWM), as a Markdown table on
# stdout and in target/bench/copy.md.
#
# Environment (all optional):
#   COPY_ROWS      rows to load (default 1000000)
#   PG_BIN         PostgreSQL server binaries (default /usr/lib/postgresql/15/bin)
#   BENCH_PG_USER  unprivileged user that runs PostgreSQL when we are root
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib/pg-cluster.sh
source "$ROOT/scripts/lib/pg-cluster.sh"

COPY_ROWS="${COPY_ROWS:-1000000}"
OUT_DIR="$ROOT/target/bench"
OUT="$OUT_DIR/copy.md"

log() { echo "bench-copy: $*" >&2; }
[[ "$COPY_ROWS" =~ ^[1-9][0-9]*$ ]] || { log "COPY_ROWS must be a positive integer"; exit 2; }
command -v psql > /dev/null || { log "psql not found"; exit 2; }
pg_cluster_require

log "building (cargo build --release --bin pgsqlite)"
cargo build --release --bin pgsqlite > /dev/null 2>&1 || cargo build --release --bin pgsqlite
WORK="$(mktemp -d /tmp/pgsqlite-bench-copy.XXXXXX)"
chmod 755 "$WORK"
trap cleanup EXIT
cp target/release/pgsqlite "$WORK/pgsqlite"

pg_cluster_start
LITE_PORT="$(free_port "$PG_PORT")"
mkdir -p "$WORK/lite"
"$WORK/pgsqlite" --port "$LITE_PORT" --listen 127.0.0.1 --database "$WORK/lite/bench.sqlite" \
    --log-level warn > "$WORK/logs/pgsqlite.log" 2>&1 &
LITE_PID=$!
wait_ready 127.0.0.1 "$LITE_PORT" postgres postgres

log "writing $COPY_ROWS rows"
awk -v n="$COPY_ROWS" 'BEGIN {
    for (i = 1; i <= n; i++) {
        printf "%d\tname %d\tsome longer text value number %d\t%.3f\t2020-%02d-%02d %02d:%02d:%02d\n",
            i, i, i * 7, i / 8, 1 + i % 12, 1 + i % 28, i % 24, i % 60, (i * 7) % 60
    }
}' > "$WORK/rows.txt"
chmod 644 "$WORK/rows.txt"

DDL="CREATE TABLE bench (id int PRIMARY KEY, a text, b text, f float8, ts timestamp)"
pg() { psql -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d postgres "$@"; }
lite() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$LITE_PORT" -U postgres -d postgres "$@"; }
seconds() { # command...
    local start end
    start=$(date +%s.%N)
    "$@" > /dev/null
    end=$(date +%s.%N)
    printf '%.2f' "$(echo "$end - $start" | bc)"
}

# The CSV and binary inputs, as PostgreSQL writes them.
pg -c "$DDL" -c "\\copy bench from '$WORK/rows.txt'"
pg -c "\\copy bench to '$WORK/rows.csv' (format csv)" -c "\\copy bench to '$WORK/rows.bin' (format binary)"
pg -c "DROP TABLE bench"

mkdir -p "$OUT_DIR"
{
    echo "| step ($COPY_ROWS rows) | PostgreSQL 15 (s) | pgsqlite (s) |"
    echo "|---|---:|---:|"
    for format in text csv binary; do
        file="$WORK/rows.txt"
        [[ "$format" == csv ]] && file="$WORK/rows.csv"
        [[ "$format" == binary ]] && file="$WORK/rows.bin"
        pg -c "SET client_min_messages = warning" -c "DROP TABLE IF EXISTS bench" -c "$DDL"
        lite -c "DROP TABLE IF EXISTS bench" -c "$DDL"
        p=$(seconds pg -c "\\copy bench from '$file' (format $format)")
        l=$(seconds lite -c "\\copy bench from '$file' (format $format)")
        echo "| COPY FROM STDIN, $format | $p | $l |"
    done
    p=$(seconds pg -c "COPY bench TO STDOUT")
    l=$(seconds lite -c "COPY bench TO STDOUT")
    echo "| COPY TO STDOUT, text | $p | $l |"
    echo
    echo "pgsqlite peak RSS: $(awk '/VmHWM/ {print $2, $3}' "/proc/$LITE_PID/status")"
} | tee "$OUT"
