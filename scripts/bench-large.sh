#!/usr/bin/env bash
# Reading a 1 GiB result: `bash scripts/bench-large.sh`. Builds pgsqlite (--features full)
# and the `large` bench in release mode, starts a throwaway PostgreSQL 15 cluster with
# default settings, and runs benches/large.rs: server peak RSS and throughput of
# pgsqlite with mmap on and off and of PostgreSQL on the same data (100,000 rows x 10 KiB
# bytea, 64 rows x 16 MiB bytea, 1,000 rows x 1 MiB text; text and binary format). Prints
# one report and writes it to target/bench/large.md. Moves about 24 GiB over loopback
# and needs about 7 GiB of disk in the temp dir.
#
# Environment (all optional):
#   LARGE_REPEAT   measurements per cell and target, alternating targets; the best
#                  throughput and the highest memory are reported (default 1)
#   PG_BIN         PostgreSQL server binaries (default /usr/lib/postgresql/15/bin)
#   BENCH_PG_USER  unprivileged user that runs PostgreSQL when we are root
#                  (default: postgres if it exists, else pgbench-runner, created if missing)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib/pg-cluster.sh
source "$ROOT/scripts/lib/pg-cluster.sh"

LARGE_REPEAT="${LARGE_REPEAT:-1}"
OUT_DIR="$ROOT/target/bench"
OUT="$OUT_DIR/large.md"
COMMAND="LARGE_REPEAT=$LARGE_REPEAT bash scripts/bench-large.sh"
STARTED="$(date -u '+%Y-%m-%d %H:%M:%S UTC')"

log() { echo "bench-large: $*" >&2; }
[[ "$LARGE_REPEAT" =~ ^[1-9][0-9]*$ ]] || { log "LARGE_REPEAT must be a positive integer"; exit 2; }
for tool in psql jq; do
    command -v "$tool" > /dev/null || { log "$tool not found"; exit 2; }
done
pg_cluster_require

# Build (release), then copy the binaries so concurrent rebuilds cannot swap them mid-run.
log "building (cargo build --release --features full --bin pgsqlite --bench large)"
BUILD_JSON="$(cargo build --release --features full --bin pgsqlite --bench large \
    --message-format=json-render-diagnostics)"
artifact() {
    jq -r --arg name "$1" --arg kind "$2" 'select(.reason == "compiler-artifact"
        and .target.name == $name and (.target.kind | index($kind)) and .executable != null)
        | .executable' <<< "$BUILD_JSON" | tail -n 1
}
SERVER_BIN="$(artifact pgsqlite bin)"
LARGE_BIN="$(artifact large bench)"
[[ -x "$SERVER_BIN" && -x "$LARGE_BIN" ]] || { log "build did not produce both binaries"; exit 1; }
GIT_REV="$(git rev-parse --short HEAD 2> /dev/null || echo unknown)"
if [[ -n "$(git status --porcelain --untracked-files=no 2> /dev/null)" ]]; then
    GIT_REV="$GIT_REV (with uncommitted changes)"
fi

WORK="$(mktemp -d /tmp/pgsqlite-bench-large.XXXXXX)"
chmod 755 "$WORK"
mkdir -p "$WORK/logs" "$WORK/data" "$OUT_DIR"
cp "$SERVER_BIN" "$WORK/pgsqlite"
cp "$LARGE_BIN" "$WORK/large"
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# PostgreSQL 15: throwaway cluster, default settings; the bench connects over TCP as
# role `bench` to database `bench` (trust authentication).
pg_cluster_start
psql -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d postgres \
    -c 'CREATE ROLE bench LOGIN' -c 'CREATE DATABASE bench OWNER bench' > /dev/null
LOAD_BEFORE="$(cut -d ' ' -f 1-3 /proc/loadavg)"

log "running the bench (about 24 GiB over loopback, per repetition; about a minute each)"
rc=0
LARGE_PGSQLITE_BIN="$WORK/pgsqlite" LARGE_POSTGRES_PORT="$PG_PORT" LARGE_DIR="$WORK/data" \
    LARGE_REPEAT="$LARGE_REPEAT" "$WORK/large" --bench > "$WORK/large.md" || rc=$?
LOAD_AFTER="$(cut -d ' ' -f 1-3 /proc/loadavg)"

{
    echo "# pgsqlite: reading a 1 GiB result"
    echo
    echo "- date: $STARTED"
    echo "- command: \`$COMMAND\`"
    echo "- machine: $(nproc) CPUs, $(grep -m 1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(awk '/^MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo), $(uname -srm); load average $LOAD_BEFORE before, $LOAD_AFTER after"
    echo "- pgsqlite: commit $GIT_REV, release build with \`--features full\`"
    echo
    cat "$WORK/large.md"
    if grep -q -i -e error -e panic "$WORK/data/pgsqlite.log" 2> /dev/null; then
        echo
        echo "pgsqlite log (warnings and errors):"
        echo
        echo '```'
        grep -i -e error -e panic "$WORK/data/pgsqlite.log" | sort | uniq -c | sort -rn | head -n 10
        echo '```'
    fi
} > "$OUT"

cat "$OUT"
log "report written to ${OUT#"$ROOT"/}"
exit "$rc"
