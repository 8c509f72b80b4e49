#!/usr/bin/env bash
# Many clients at once: `bash scripts/bench-concurrency.sh`. Builds pgsqlite in release
# mode (--features full), starts it on a file database and a throwaway PostgreSQL 15
# cluster with default settings, and runs the same pgbench scripts against both over
# Unix sockets (-M prepared): a point select, a single-row autocommit UPDATE, the
# read-then-write transaction (BEGIN; SELECT; UPDATE; COMMIT) and a TPC-B-like
# transaction, at several client counts. Failed transactions are reported next to TPS.
# The report goes to stdout and target/bench/concurrency.md.
#
# Environment (all optional):
#   BENCH_SECONDS  duration of each pgbench run (default 5)
#   BENCH_CLIENTS  client counts (default "1 8 32")
#   BENCH_SCRIPTS  scripts from benches/sql/concurrency (default
#                  "point_select update read_then_write tpcb")
#   PG_BIN         PostgreSQL server binaries (default /usr/lib/postgresql/15/bin)
#   BENCH_PG_USER  unprivileged user that runs PostgreSQL when we are root
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib/pg-cluster.sh
source "$ROOT/scripts/lib/pg-cluster.sh"

BENCH_SECONDS="${BENCH_SECONDS:-5}"
BENCH_CLIENTS="${BENCH_CLIENTS:-1 8 32}"
BENCH_SCRIPTS="${BENCH_SCRIPTS:-point_select update read_then_write tpcb}"
SQL_DIR="$ROOT/benches/sql/concurrency"
OUT_DIR="$ROOT/target/bench"
OUT="$OUT_DIR/concurrency.md"
NPROC="$(nproc)"

[[ "$BENCH_SECONDS" =~ ^[1-9][0-9]*$ ]] || { echo "bench-concurrency: BENCH_SECONDS must be a positive integer" >&2; exit 2; }
for clients in $BENCH_CLIENTS; do
    [[ "$clients" =~ ^[1-9][0-9]*$ ]] || { echo "bench-concurrency: bad client count $clients" >&2; exit 2; }
done
for script in $BENCH_SCRIPTS; do
    [[ -f "$SQL_DIR/$script.sql" ]] || { echo "bench-concurrency: no script $SQL_DIR/$script.sql" >&2; exit 2; }
done
for tool in pgbench psql jq awk; do
    command -v "$tool" > /dev/null || { echo "bench-concurrency: $tool not found" >&2; exit 2; }
done
log() { echo "bench-concurrency: $*" >&2; }
pg_cluster_require

log "building (cargo build --release --features full --bin pgsqlite)"
BUILD_JSON="$(cargo build --release --features full --bin pgsqlite --message-format=json-render-diagnostics)"
SERVER_BIN="$(jq -r 'select(.reason == "compiler-artifact" and .target.name == "pgsqlite"
    and (.target.kind | index("bin")) and .executable != null) | .executable' <<< "$BUILD_JSON" | tail -n 1)"
[[ -x "$SERVER_BIN" ]] || { log "build did not produce the server binary"; exit 1; }
GIT_REV="$(git rev-parse --short HEAD 2> /dev/null || echo unknown)"
if [[ -n "$(git status --porcelain --untracked-files=no 2> /dev/null)" ]]; then
    GIT_REV="$GIT_REV (with uncommitted changes)"
fi

WORK="$(mktemp -d /tmp/pgsqlite-bench-conc.XXXXXX)"
chmod 755 "$WORK"
mkdir -p "$WORK/logs" "$WORK/lite-sock" "$OUT_DIR"
cp "$SERVER_BIN" "$WORK/pgsqlite"
LITE_PID=""
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

LITE_PORT="$(free_port)"
LITE_SOCK="$WORK/lite-sock"
"$WORK/pgsqlite" --database "$WORK/pgsqlite.sqlite" --port "$LITE_PORT" --listen 127.0.0.1 \
    --socket-dir "$LITE_SOCK" --log-level warn > "$WORK/logs/pgsqlite.log" 2>&1 &
LITE_PID=$!
wait_ready "$LITE_SOCK" "$LITE_PORT" bench bench
log "pgsqlite up (pid $LITE_PID, socket dir $LITE_SOCK)"
pg_cluster_start "$LITE_PORT"

conn() { # server -> connection arguments (Unix socket)
    case "$1" in
        pgsqlite) echo "-h $LITE_SOCK -p $LITE_PORT -U bench -d bench" ;;
        postgres) echo "-h $PG_SOCK -p $PG_PORT -U postgres -d postgres" ;;
    esac
}

setup() { # server
    # shellcheck disable=SC2046
    psql -X -q -v ON_ERROR_STOP=1 $(conn "$1") -f "$SQL_DIR/setup.sql" > /dev/null
}

# One line per run: script clients server tps failed status
RESULTS="$WORK/results.tsv"
: > "$RESULTS"
for script in $BENCH_SCRIPTS; do
    for clients in $BENCH_CLIENTS; do
        threads=$((clients < NPROC ? clients : NPROC))
        for server in pgsqlite postgres; do
            setup "$server"
            logf="$WORK/logs/$server-$script-$clients.log"
            log "$server $script -c $clients"
            rc=0
            # shellcheck disable=SC2046
            pgbench -n -M prepared -c "$clients" -j "$threads" -T "$BENCH_SECONDS" \
                -f "$SQL_DIR/$script.sql" $(conn "$server") > "$logf" 2>&1 || rc=$?
            tps="$(awk '/^tps = / { printf "%.0f", $3 }' "$logf")"
            failed="$(awk -F': ' '/^number of failed transactions/ { split($2, a, " "); print a[1] }' "$logf")"
            status=ok
            if [[ "$rc" -ne 0 ]]; then
                status="exit $rc: $(grep -m 1 -E 'ERROR|error|aborted' "$logf" | tr '\t' ' ' | cut -c 1-100)"
            fi
            printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$script" "$clients" "$server" "${tps:-0}" "${failed:-0}" "$status" >> "$RESULTS"
        done
    done
done

{
    echo "## Concurrency: pgsqlite vs PostgreSQL $(psql -X -A -t $(conn postgres) -c 'SHOW server_version')"
    echo
    echo "pgbench -M prepared -T $BENCH_SECONDS over Unix sockets, file database (pgsqlite"
    echo "release --features full, default settings; PostgreSQL default settings), $NPROC CPUs,"
    echo "pgsqlite $GIT_REV, $(date -u '+%Y-%m-%d %H:%M UTC')."
    echo
    echo "| script | clients | pgsqlite TPS | failed | PostgreSQL TPS | failed | pgsqlite / PG |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    awk -F'\t' '
        { key = $1 "\t" $2; if (!(key in seen)) { seen[key] = 1; order[n++] = key }
          tps[key, $3] = $4; failed[key, $3] = $5; status[key, $3] = $6 }
        END {
            for (i = 0; i < n; i++) {
                k = order[i]; split(k, p, "\t")
                lf = failed[k, "pgsqlite"]; pf = failed[k, "postgres"]
                if (status[k, "pgsqlite"] != "ok") lf = lf " (" status[k, "pgsqlite"] ")"
                if (status[k, "postgres"] != "ok") pf = pf " (" status[k, "postgres"] ")"
                ratio = tps[k, "postgres"] > 0 ? sprintf("%.2fx", tps[k, "pgsqlite"] / tps[k, "postgres"]) : "-"
                printf "| %s | %s | %s | %s | %s | %s | %s |\n", p[1], p[2], tps[k, "pgsqlite"], lf, tps[k, "postgres"], pf, ratio
            }
        }' "$RESULTS"
    echo
    echo "pgsqlite: $(psql -X -A -t $(conn pgsqlite) -c "SELECT name || ' = ' || value FROM pgsqlite_stats WHERE name IN ('transactions.snapshot_restarts', 'wal.commits_per_flush')" | paste -sd ', ')"
} | tee "$OUT"
log "report written to $OUT"
