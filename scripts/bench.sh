#!/usr/bin/env bash
# The end-to-end benchmark: `bash scripts/bench.sh`. Builds pgsqlite and the e2e bench in
# release mode, starts pgsqlite (file database) and a throwaway PostgreSQL 15 cluster with
# default settings, runs the tokio-postgres/rusqlite latency bench and the pgbench
# scenarios against both, prints one report and writes it to target/bench/e2e.md.
#
# Environment (all optional):
#   BENCH_SECONDS  duration of each pgbench run (default 3)
#   BENCH_REPEAT   runs per pgbench configuration and server, alternating between the
#                  servers; the best (highest TPS) is reported (default 2)
#   BENCH_ITERS    timed iterations per operation in the latency bench (default 2000)
#   BENCH_WARMUP   untimed iterations per operation in the latency bench (default 200)
#   BENCH_ROUNDS   rounds the latency bench alternates between targets (default 4)
#   BENCH_WAIT_QUIET  wait up to this many seconds for the 1-minute load average to drop
#                  below 0.5 before measuring (default 0: do not wait)
#   PG_BIN         PostgreSQL server binaries (default /usr/lib/postgresql/15/bin)
#   BENCH_PG_USER  unprivileged user that runs PostgreSQL when we are root
#                  (default: postgres if it exists, else pgbench-runner, created if missing)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib/pg-cluster.sh
source "$ROOT/scripts/lib/pg-cluster.sh"

BENCH_SECONDS="${BENCH_SECONDS:-3}"
BENCH_REPEAT="${BENCH_REPEAT:-2}"
BENCH_ITERS="${BENCH_ITERS:-2000}"
BENCH_WARMUP="${BENCH_WARMUP:-200}"
BENCH_ROUNDS="${BENCH_ROUNDS:-4}"
BENCH_WAIT_QUIET="${BENCH_WAIT_QUIET:-0}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
SQL_DIR="$ROOT/benches/sql"
OUT_DIR="$ROOT/target/bench"
OUT="$OUT_DIR/e2e.md"
NPROC="$(nproc)"
COMMAND="BENCH_SECONDS=$BENCH_SECONDS BENCH_REPEAT=$BENCH_REPEAT BENCH_ITERS=$BENCH_ITERS BENCH_WARMUP=$BENCH_WARMUP BENCH_ROUNDS=$BENCH_ROUNDS bash scripts/bench.sh"
STARTED="$(date -u '+%Y-%m-%d %H:%M:%S UTC')"

[[ "$BENCH_SECONDS" =~ ^[1-9][0-9]*$ && "$BENCH_ITERS" =~ ^[1-9][0-9]*$ \
    && "$BENCH_REPEAT" =~ ^[1-9][0-9]*$ && "$BENCH_ROUNDS" =~ ^[1-9][0-9]*$ \
    && "$BENCH_WARMUP" =~ ^[0-9]+$ && "$BENCH_WAIT_QUIET" =~ ^[0-9]+$ ]] || {
    echo "bench: BENCH_SECONDS, BENCH_REPEAT, BENCH_ITERS, BENCH_ROUNDS must be positive integers," \
        "BENCH_WARMUP and BENCH_WAIT_QUIET non-negative integers" >&2
    exit 2
}
PINNED=1
if ! command -v taskset > /dev/null || [[ "$NPROC" -lt 2 ]]; then
    PINNED=0
fi
for tool in pgbench psql jq awk; do
    command -v "$tool" > /dev/null || { echo "bench: $tool not found" >&2; exit 2; }
done
log() { echo "bench: $*" >&2; }
pg_cluster_require

# ---------------------------------------------------------------------------------------
# Build (release), then copy the binaries so concurrent rebuilds cannot swap them mid-run.
# ---------------------------------------------------------------------------------------
log "building (cargo build --release --features full --bin pgsqlite --bench e2e)"
BUILD_JSON="$(cargo build --release --features full --bin pgsqlite --bench e2e --message-format=json-render-diagnostics)"
artifact() {
    jq -r --arg name "$1" --arg kind "$2" 'select(.reason == "compiler-artifact"
        and .target.name == $name and (.target.kind | index($kind)) and .executable != null)
        | .executable' <<< "$BUILD_JSON" | tail -n 1
}
SERVER_BIN="$(artifact pgsqlite bin)"
E2E_BIN="$(artifact e2e bench)"
[[ -x "$SERVER_BIN" && -x "$E2E_BIN" ]] || { log "build did not produce both binaries"; exit 1; }
GIT_REV="$(git rev-parse --short HEAD 2> /dev/null || echo unknown)"
if [[ -n "$(git status --porcelain --untracked-files=no 2> /dev/null)" ]]; then
    GIT_REV="$GIT_REV (with uncommitted changes)"
fi

WORK="$(mktemp -d /tmp/pgsqlite-bench.XXXXXX)"
chmod 755 "$WORK"
mkdir -p "$WORK/logs" "$WORK/lite-sock" "$OUT_DIR"
cp "$SERVER_BIN" "$WORK/pgsqlite"
cp "$E2E_BIN" "$WORK/e2e"

LITE_PID=""
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Microseconds per 4 kB O_DSYNC write in $WORK: the disk's sync cost at this moment.
fsync_probe() {
    local start end
    start="$(date +%s%N)"
    dd if=/dev/zero of="$WORK/fsync-probe" bs=4k count=200 oflag=dsync 2> /dev/null
    end="$(date +%s%N)"
    rm -f "$WORK/fsync-probe"
    awk -v ns=$((end - start)) 'BEGIN { printf "%.0f", ns / 200 / 1000 }'
}

if [[ "$BENCH_WAIT_QUIET" -gt 0 ]]; then
    log "waiting up to ${BENCH_WAIT_QUIET}s for the load average to drop below 0.5"
    deadline=$((SECONDS + BENCH_WAIT_QUIET))
    while awk '{ exit !($1 >= 0.5) }' /proc/loadavg && [[ "$SECONDS" -lt "$deadline" ]]; do
        sleep 5
    done
fi
FSYNC_BEFORE="$(fsync_probe)"
LOAD_BEFORE="$(cut -d ' ' -f 1-3 /proc/loadavg)"

# ---------------------------------------------------------------------------------------
# pgsqlite: file database (WAL, synchronous=FULL), TCP and Unix socket.
# ---------------------------------------------------------------------------------------
LITE_PORT="$(free_port)"
LITE_SOCK="$WORK/lite-sock"
LITE_DB="$WORK/pgsqlite.sqlite"
"$WORK/pgsqlite" --database "$LITE_DB" --port "$LITE_PORT" --listen 127.0.0.1 \
    --socket-dir "$LITE_SOCK" --log-level warn > "$WORK/logs/pgsqlite.log" 2>&1 &
LITE_PID=$!
wait_ready "$LITE_SOCK" "$LITE_PORT" bench bench
log "pgsqlite up (pid $LITE_PID, port $LITE_PORT, socket dir $LITE_SOCK)"

# ---------------------------------------------------------------------------------------
# PostgreSQL 15: throwaway cluster, default settings, private socket dir, free port.
# ---------------------------------------------------------------------------------------
pg_cluster_start "$LITE_PORT"

# Connection arguments per server and transport.
# Transports: unix, tcp, and pinned: the Unix socket with pgbench and the server (all
# pgsqlite threads; the postmaster, whose new backends inherit it) on CPU 0 only. On a
# VM, a 1-client round trip between two CPUs is dominated by waking an idle CPU; pinned
# runs show the per-request CPU cost instead.
conn() { # server transport -> "-h HOST -p PORT -U USER -d DB"
    case "$1/$2" in
        pgsqlite/unix | pgsqlite/pinned) echo "-h $LITE_SOCK -p $LITE_PORT -U bench -d bench" ;;
        pgsqlite/tcp) echo "-h 127.0.0.1 -p $LITE_PORT -U bench -d bench" ;;
        postgres/unix | postgres/pinned) echo "-h $PG_SOCK -p $PG_PORT -U postgres -d postgres" ;;
        postgres/tcp) echo "-h 127.0.0.1 -p $PG_PORT -U postgres -d postgres" ;;
    esac
}
sql() { # server statement -> one value
    # shellcheck disable=SC2046
    psql -X -q -A -t -v ON_ERROR_STOP=1 $(conn "$1" unix) -c "$2"
}

for server in pgsqlite postgres; do
    # shellcheck disable=SC2046
    psql -X -q -v ON_ERROR_STOP=1 $(conn "$server" unix) -f "$SQL_DIR/setup.sql" > /dev/null
done
PG_VERSION="$(sql postgres 'SHOW server_version')"
PG_SETTINGS="$(sql postgres "SELECT string_agg(name || '=' || current_setting(name), ', '
    ORDER BY name) FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit',
    'wal_sync_method', 'full_page_writes', 'shared_buffers', 'max_connections')")"
LITE_JOURNAL="$(sql pgsqlite 'PRAGMA journal_mode')"
LITE_SYNC="$(sql pgsqlite 'PRAGMA synchronous')"
LITE_GC="$(sql pgsqlite "SELECT value FROM pgsqlite_stats WHERE name = 'wal.group_commit'")"
FS_TYPE="$(df -T "$WORK" | awk 'NR == 2 { print $2 }')"

# ---------------------------------------------------------------------------------------
# 1. Latency per operation: tokio-postgres against both servers, rusqlite in-process.
# ---------------------------------------------------------------------------------------
log "latency bench self-check"
"$WORK/e2e" --check
log "latency bench ($BENCH_ITERS timed iterations per operation)"
E2E_PGSQLITE_URL="host=127.0.0.1 port=$LITE_PORT user=bench dbname=bench" \
    E2E_POSTGRES_URL="host=127.0.0.1 port=$PG_PORT user=postgres dbname=postgres" \
    E2E_SQLITE_PATH="$WORK/direct.sqlite" E2E_RESULTS="$WORK/e2e.tsv" \
    BENCH_ITERS="$BENCH_ITERS" BENCH_WARMUP="$BENCH_WARMUP" BENCH_ROUNDS="$BENCH_ROUNDS" \
    "$WORK/e2e" > "$WORK/e2e.md"

# ---------------------------------------------------------------------------------------
# 2./3. pgbench runs. Each configuration runs on pgsqlite, then at once on PostgreSQL.
# Raw results, one line per run: server scenario mode transport clients tps latency_ms
# status extra. RESULTS keeps the best run per server and configuration (see below).
# ---------------------------------------------------------------------------------------
RAW="$WORK/pgbench-runs.tsv"
RESULTS="$WORK/pgbench.tsv"
PROBLEMS="$WORK/problems.txt"
: > "$RAW"
: > "$PROBLEMS"
RUN_NO=0

run_pgbench() { # rep server scenario mode transport clients [extra pgbench args...]
    local rep=$1 server=$2 scenario=$3 mode=$4 transport=$5 clients=$6
    shift 6
    local threads=$((clients < NPROC ? clients : NPROC))
    local logf="$WORK/logs/$server-$scenario-$mode-$transport-$clients-$rep.log"
    local rc=0 tps lat status extra
    local pin=()
    RUN_NO=$((RUN_NO + 1))
    log "[$RUN_NO] $server $scenario -M $mode $transport -c $clients"
    if [[ "$transport" == pinned ]]; then
        pin_server "$server" 0
        pin=(taskset -c 0)
    fi
    # shellcheck disable=SC2046
    "${pin[@]}" pgbench -n -M "$mode" -c "$clients" -j "$threads" -T "$BENCH_SECONDS" "$@" \
        -f "$SQL_DIR/$scenario.sql" $(conn "$server" "$transport") > "$logf" 2>&1 || rc=$?
    if [[ "$transport" == pinned ]]; then
        pin_server "$server" "0-$((NPROC - 1))"
    fi
    tps="$(awk '/^tps = / { print $3 }' "$logf")"
    lat="$(awk '/^latency average = / { print $4 }' "$logf")"
    extra="$(awk '$2 ~ /^[0-9]+$/ && /INSERT INTO/ { i = $1 } $2 ~ /^[0-9]+$/ && /DELETE FROM/ { d = $1 }
        END { if (i != "") printf "INSERT %s ms, DELETE %s ms", i, d }' "$logf")"
    status=ok
    if [[ "$rc" -ne 0 ]] || grep -q -e 'aborted' -e '^pgbench: error' "$logf" \
        || ! grep -q '^number of failed transactions: 0 ' "$logf"; then
        status=error
        local head="- $server, \`pgbench -n -M $mode -c $clients -f benches/sql/$scenario.sql\` over $transport"
        if ! grep -q -F -- "$head" "$PROBLEMS"; then
            {
                echo "$head (run $rep, exit $rc):"
                grep -e 'error' -e 'aborted' -e 'failed' "$logf" | head -n 3 | sed 's/^/    /'
            } >> "$PROBLEMS"
        fi
        [[ -n "$tps" ]] || tps=nan
        [[ -n "$lat" ]] || lat=nan
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$server" "$scenario" "$mode" "$transport" \
        "$clients" "${tps:-nan}" "${lat:-nan}" "$status" "$extra" >> "$RAW"
}

pin_server() { # server cpu-list
    case "$1" in
        pgsqlite) taskset -a -p -c "$2" "$LITE_PID" > /dev/null ;;
        postgres) taskset -p -c "$2" "$(head -n 1 "$PG_DATA/postmaster.pid")" > /dev/null ;;
    esac
}

both() { # scenario mode transport clients [extra...]
    local rep
    for rep in $(seq "$BENCH_REPEAT"); do
        run_pgbench "$rep" pgsqlite "$@"
        run_pgbench "$rep" postgres "$@"
    done
}

# The floor runs right after the 1-client point select of the same mode and transport,
# so that the two are compared under the same machine conditions.
for mode in simple extended prepared; do
    for transport in unix tcp; do
        both point_select "$mode" "$transport" 1
        if [[ "$mode" != extended ]]; then
            both select_one "$mode" "$transport" 1
            both empty "$mode" "$transport" 1
        fi
        both point_select "$mode" "$transport" 8
    done
    if [[ "$PINNED" == 1 ]]; then
        both point_select "$mode" pinned 1
        if [[ "$mode" != extended ]]; then
            both select_one "$mode" pinned 1
        fi
    fi
done
for mode in simple extended prepared; do
    for transport in unix tcp; do
        for clients in 1 8; do
            both update "$mode" "$transport" "$clients"
        done
    done
done
for clients in 1 8; do
    both insert_delete prepared unix "$clients" -r
done

# ---------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------
FSYNC_AFTER="$(fsync_probe)"

# Best run per server and configuration (highest TPS; an error in any run wins), with
# the spread best/worst TPS in field 10.
awk -F '\t' -v OFS='\t' '
    {
        key = $1 OFS $2 OFS $3 OFS $4 OFS $5
        if (!(key in line)) order[++n] = key
        if ($8 != "ok") { bad[key] = 1; line[key] = $0; next }
        if (bad[key]) next
        if (!(key in line) || $6 + 0 > best[key]) { best[key] = $6 + 0; line[key] = $0 }
        if (!(key in worst) || $6 + 0 < worst[key]) worst[key] = $6 + 0
    }
    END {
        for (i = 1; i <= n; i++) {
            k = order[i]
            spread = (!bad[k] && worst[k] > 0) ? sprintf("%.2f", best[k] / worst[k]) : "nan"
            print line[k], spread
        }
    }' "$RAW" > "$RESULTS"
LOAD_AFTER="$(cut -d ' ' -f 1-3 /proc/loadavg)"
# The machine is shared: say so when something else was using the CPUs or the disk, or
# when repeated runs of one configuration disagree.
NOISE="$(awk -F '\t' -v lb="${LOAD_BEFORE%% *}" -v fb="$FSYNC_BEFORE" -v fa="$FSYNC_AFTER" \
    -v n="$NPROC" '
    $10 != "nan" { runs++; if ($10 + 0 > 1.5) wild++ }
    END {
        if (lb > n / 2) why = "the CPUs were already busy when the run started (1-minute load " lb ")"
        if (fa >= 2 * fb || fb > 1000)
            why = why (why ? "; " : "") "the disk sync cost changed during the run (other writers)"
        if (wild * 10 > runs)
            why = why (why ? "; " : "") wild " of " runs " pgbench configurations differ by more than 1.5x between their runs"
        print why
    }' "$RESULTS")"

# pgbench table rows for the given scenarios (space-separated).
pgbench_table() {
    awk -F '\t' -v want=" $1 " '
        function num(x) { return x != "nan" && x != "" }
        function fmt(x, d) { return num(x) ? sprintf("%." d "f", x) : "ERR" }
        function ratio(a, b) { return num(a) && num(b) && b > 0 ? sprintf("%.2fx", a / b) : "-" }
        BEGIN {
            print "| scenario | mode | transport | clients | pgsqlite TPS | PostgreSQL TPS | TPS ratio | pgsqlite latency ms | PostgreSQL latency ms | latency ratio | best/worst run TPS (pgsqlite, PostgreSQL) |"
            print "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
        }
        index(want, " " $2 " ") {
            key = $2 SUBSEP $3 SUBSEP $4 SUBSEP $5
            if (!(key in seen)) { seen[key] = 1; order[++n] = key }
            tps[$1, key] = $6; lat[$1, key] = $7; extra[$1, key] = $9; spread[$1, key] = $10
            if ($8 != "ok") { tps[$1, key] = "nan"; lat[$1, key] = "nan" }
        }
        END {
            for (i = 1; i <= n; i++) {
                k = order[i]; split(k, f, SUBSEP)
                lt = tps["pgsqlite", k]; pt = tps["postgres", k]
                ll = lat["pgsqlite", k]; pl = lat["postgres", k]
                name = f[1]
                if (extra["pgsqlite", k] != "")
                    name = name " (pgsqlite " extra["pgsqlite", k] "; PostgreSQL " extra["postgres", k] ")"
                printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s, %s |\n", name, f[2], f[3], f[4],
                    fmt(lt, 0), fmt(pt, 0), ratio(lt, pt), fmt(ll, 3), fmt(pl, 3), ratio(ll, pl),
                    fmt(spread["pgsqlite", k], 2), fmt(spread["postgres", k], 2)
            }
        }' "$RESULTS"
}

# Field of one pgbench result: server scenario mode transport clients field(tps|lat)
get() {
    awk -F '\t' -v s="$1" -v sc="$2" -v m="$3" -v t="$4" -v c="$5" -v f="$6" '
        $1 == s && $2 == sc && $3 == m && $4 == t && $5 == c {
            v = (f == "tps") ? $6 : $7
            if ($8 != "ok") v = "nan"
            print v
        }' "$RESULTS"
}
# Mean microseconds of one latency-bench result: target op
e2e_mean() {
    awk -F '\t' -v t="$1" -v o="$2" '$1 == t && $2 == o { print $5 }' "$WORK/e2e.tsv"
}

TARGETS="$WORK/targets.md"
PASS_COUNT=0
FAIL_COUNT=0
# check "target" "what was measured" value op limit unit
#   PASS when value op limit ("<=" or ">="); value and limit already computed.
check() {
    local verdict
    verdict="$(awk -v v="$3" -v op="$4" -v l="$5" 'BEGIN {
        if (v == "" || v == "nan" || l == "" || l == "nan") { print "FAIL (no data)"; exit }
        ok = (op == "<=") ? (v + 0 <= l + 0) : (v + 0 >= l + 0)
        print ok ? "PASS" : "FAIL" }')"
    if [[ "$verdict" == PASS ]]; then
        PASS_COUNT=$((PASS_COUNT + 1))
    else
        FAIL_COUNT=$((FAIL_COUNT + 1))
    fi
    printf '| %s | %s | %s |\n' "$1" "$2" "$verdict" >> "$TARGETS"
}
mul() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || a == "nan") print "nan"; else printf "%.6f", a * b }'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN {
    if (a == "" || b == "" || a == "nan" || b == "nan" || b + 0 == 0) print "nan"; else printf "%.6f", a / b }'; }
r2() { awk -v a="$1" 'BEGIN { if (a == "" || a == "nan") print "n/a"; else printf "%.2f", a }'; }
r3() { awk -v a="$1" 'BEGIN { if (a == "" || a == "nan") print "n/a"; else printf "%.3f", a }'; }
r0() { awk -v a="$1" 'BEGIN { if (a == "" || a == "nan") print "n/a"; else printf "%.0f", a }'; }

{
    echo "| target | measured (pgsqlite vs PostgreSQL) | result |"
    echo "|---|---|---|"
} > "$TARGETS"
for t in unix tcp pinned; do
    [[ "$t" != pinned || "$PINNED" == 1 ]] || continue
    l="$(get pgsqlite point_select prepared $t 1 lat)"
    p="$(get postgres point_select prepared $t 1 lat)"
    check "point select -M prepared, 1 client, latency <= 0.5x PostgreSQL ($t)" \
        "$(r3 "$l") ms vs $(r3 "$p") ms: $(r2 "$(div "$l" "$p")")x" "$l" "<=" "$(mul "$p" 0.5)"
done
for t in unix tcp; do
    l="$(get pgsqlite point_select prepared $t 8 tps)"
    p="$(get postgres point_select prepared $t 8 tps)"
    check "point select -M prepared, 8 clients, TPS >= 2x PostgreSQL ($t)" \
        "$(r0 "$l") vs $(r0 "$p") TPS: $(r2 "$(div "$l" "$p")")x" "$l" ">=" "$(mul "$p" 2)"
done
for t in unix tcp pinned; do
    [[ "$t" != pinned || "$PINNED" == 1 ]] || continue
    l="$(get pgsqlite point_select simple $t 1 lat)"
    p="$(get postgres point_select simple $t 1 lat)"
    check "point select -M simple, 1 client, latency <= 0.3x PostgreSQL ($t)" \
        "$(r3 "$l") ms vs $(r3 "$p") ms: $(r2 "$(div "$l" "$p")")x" "$l" "<=" "$(mul "$p" 0.3)"
done
for op in insert update delete; do
    lm="$(e2e_mean pgsqlite "$op")"
    pm="$(e2e_mean postgres "$op")"
    l="$(div 1000000 "$lm")"
    p="$(div 1000000 "$pm")"
    OPNAME="$(tr '[:lower:]' '[:upper:]' <<< "$op")"
    check "single-row $OPNAME autocommit, file database, TPS >= PostgreSQL (latency bench, 1 connection, TCP)" \
        "$(r0 "$l") vs $(r0 "$p") TPS (1e6 / mean µs): $(r2 "$(div "$l" "$p")")x" "$l" ">=" "$p"
done
for c in 1 8; do
    l="$(get pgsqlite update prepared unix $c tps)"
    p="$(get postgres update prepared unix $c tps)"
    check "single-row UPDATE autocommit, TPS >= PostgreSQL (pgbench -M prepared, $c client(s), unix)" \
        "$(r0 "$l") vs $(r0 "$p") TPS: $(r2 "$(div "$l" "$p")")x" "$l" ">=" "$p"
    l="$(get pgsqlite insert_delete prepared unix $c tps)"
    p="$(get postgres insert_delete prepared unix $c tps)"
    check "single-row INSERT + DELETE autocommit, TPS >= PostgreSQL (pgbench -M prepared, $c client(s), unix; 2 commits per transaction)" \
        "$(r0 "$l") vs $(r0 "$p") TPS: $(r2 "$(div "$l" "$p")")x" "$l" ">=" "$p"
done
for t in unix tcp pinned; do
    [[ "$t" != pinned || "$PINNED" == 1 ]] || continue
    l="$(get pgsqlite point_select prepared $t 1 lat)"
    f="$(get pgsqlite select_one prepared $t 1 lat)"
    check "pgsqlite point select latency <= 1.5x its own floor (-M prepared, 1 client, $t)" \
        "point select $(r3 "$l") ms vs SELECT 1 $(r3 "$f") ms: $(r2 "$(div "$l" "$f")")x" \
        "$l" "<=" "$(mul "$f" 1.5)"
done

{
    echo "# pgsqlite end-to-end benchmark"
    echo
    echo "- date: $STARTED"
    echo "- command: \`$COMMAND\`"
    echo "- machine: $NPROC CPUs, $(grep -m 1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(uname -srm), data on $FS_TYPE"
    echo "- pgsqlite: commit $GIT_REV, release build with --features full, default settings: file database with journal_mode=$LITE_JOURNAL; group commit $LITE_GC (connections run synchronous=$LITE_SYNC, and a commit is acknowledged only after an fdatasync of the WAL that covers it: the durability of synchronous=FULL, one sync shared by concurrent commits); exclusive file access; 50 µs busy poll; default workers. rusqlite in-process runs synchronous=FULL."
    echo "- PostgreSQL $PG_VERSION: throwaway cluster, settings left at defaults (postgresql.conf as initdb wrote it; only port, socket dir and listen_addresses=127.0.0.1 given on the command line): $PG_SETTINGS"
    echo "- disk: $FSYNC_BEFORE µs per 4 kB O_DSYNC write before the run, $FSYNC_AFTER µs after (dd probe; fsync cost drives the write rows); load average $LOAD_BEFORE before, $LOAD_AFTER after"
    if [[ -n "$NOISE" ]]; then
        echo "- **WARNING: noisy run: $NOISE. Numbers below are not reliable; rerun on a quiet machine.**"
    fi
    echo "- pgbench $(pgbench --version | awk '{ print $3 }'): \`-n -T $BENCH_SECONDS -j min(clients, $NPROC)\`, scripts in benches/sql/, 10,000-row accounts table; each configuration ran $BENCH_REPEAT time(s) per server, alternating servers, and the best run (highest TPS) is shown; ratios are pgsqlite / PostgreSQL (TPS: higher is better for pgsqlite; latency: lower is better)"
    echo
    echo "## Per-operation latency (1 connection, sequential)"
    echo
    echo "tokio-postgres over TCP 127.0.0.1 against each server; rusqlite in-process on its own file database with pgsqlite's settings. $BENCH_ITERS timed iterations after $BENCH_WARMUP warmup per operation and target, in $BENCH_ROUNDS rounds alternating between the targets; ratios use means."
    echo
    cat "$WORK/e2e.md"
    echo
    echo "## pgbench throughput"
    echo
    echo "Transport \"pinned\": Unix socket with pgbench and the server restricted to CPU 0 (\`taskset\`), which removes the cost of waking the other CPU on every round trip (on this kind of VM the largest part of a 1-client round trip)."
    echo
    pgbench_table "point_select update insert_delete"
    echo
    echo "## Floor: round trips with no SQL work (1 client)"
    echo
    pgbench_table "select_one empty"
    echo
    echo "## Targets"
    echo
    cat "$TARGETS"
    echo
    echo "$PASS_COUNT passed, $FAIL_COUNT failed."
    if [[ -s "$PROBLEMS" ]]; then
        echo
        echo "## Problems seen (ERR cells above)"
        echo
        cat "$PROBLEMS"
    fi
    if grep -q -i -e error -e panic "$WORK/logs/pgsqlite.log"; then
        echo
        echo "pgsqlite log (warnings and errors):"
        echo
        echo '```'
        grep -i -e error -e panic "$WORK/logs/pgsqlite.log" | sort | uniq -c | sort -rn | head -n 10
        echo '```'
    fi
} > "$OUT"

cat "$OUT"
log "report written to ${OUT#"$ROOT"/}"
