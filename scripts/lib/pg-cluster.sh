# shellcheck shell=bash
# A throwaway PostgreSQL cluster for the benchmark and differential-test scripts, and the
# helpers they share.
# Source it from a script running under `set -euo pipefail`, after defining `log` (one
# argument list, printed to stderr) and creating the script's temporary directory WORK.
#
#   pg_cluster_require          exit 2 unless initdb, pg_ctl and postgres are in PG_BIN
#   pg_cluster_start [PORT]     initdb + pg_ctl start with default settings, as PG_USER,
#                               private socket dir, a free port other than PORT,
#                               listen_addresses=127.0.0.1; sets PG_USER PG_PORT PG_SOCK
#                               PG_DATA PG_STARTED; logs in WORK/logs, data in WORK/pg
#   cleanup                     the EXIT trap: stops pgsqlite (LITE_PID, if set) and the
#                               cluster, deletes WORK, exits with the script's status
#   as_pg CMD...                runs CMD as PG_USER (when we are root) or as ourselves
#   free_port [EXCLUDE]         a TCP port nobody listens on
#   wait_ready HOST PORT USER DB   waits until psql can run SELECT 1 there
#
# Environment: PG_BIN (default /usr/lib/postgresql/15/bin); BENCH_PG_USER, the
# unprivileged user that runs PostgreSQL when we are root (default: postgres if it
# exists, else pgbench-runner, created if missing).

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
LITE_PID="${LITE_PID:-}"
PG_STARTED=""
PG_DATA=""

pg_cluster_require() {
    local tool
    for tool in initdb pg_ctl postgres; do
        [[ -x "$PG_BIN/$tool" ]] || { log "$PG_BIN/$tool not found"; exit 2; }
    done
}

as_pg() {
    if [[ "$EUID" -eq 0 ]]; then
        runuser -u "$PG_USER" -- "$@"
    else
        "$@"
    fi
}

cleanup() {
    local rc=$?
    if [[ -n "$LITE_PID" ]] && kill -0 "$LITE_PID" 2> /dev/null; then
        kill -TERM "$LITE_PID" 2> /dev/null || true
        wait "$LITE_PID" 2> /dev/null || true
    fi
    if [[ -n "$PG_STARTED" ]]; then
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop > /dev/null 2>&1 || true
    fi
    if [[ -n "${WORK:-}" ]]; then
        rm -rf "$WORK"
    fi
    exit "$rc"
}

# A TCP port nobody listens on (checked by connecting; good enough on a quiet machine).
free_port() {
    local port
    for _ in $(seq 200); do
        port=$((20000 + RANDOM % 30000))
        [[ "$port" == "${1:-}" ]] && continue
        if ! (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null; then
            echo "$port"
            return
        fi
    done
    log "no free port found"
    return 1
}

wait_ready() { # host port user db
    for _ in $(seq 100); do
        if psql -X -q -h "$1" -p "$2" -U "$3" -d "$4" -c 'SELECT 1' > /dev/null 2>&1; then
            return 0
        fi
        sleep 0.1
    done
    log "server at $1:$2 did not come up"
    return 1
}

pg_cluster_start() { # [port not to use]
    if [[ "$EUID" -eq 0 ]]; then
        PG_USER="${BENCH_PG_USER:-}"
        if [[ -z "$PG_USER" ]]; then
            if id postgres > /dev/null 2>&1; then PG_USER=postgres; else PG_USER=pgbench-runner; fi
        fi
        if ! id "$PG_USER" > /dev/null 2>&1; then
            log "creating system user $PG_USER"
            useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"
        fi
    else
        PG_USER="$(id -un)"
    fi
    PG_SOCK="$WORK/pg/sock"
    PG_DATA="$WORK/pg/data"
    mkdir -p "$WORK/pg" "$PG_SOCK" "$WORK/logs"
    if [[ "$EUID" -eq 0 ]]; then chown -R "$PG_USER" "$WORK/pg"; fi
    if ! as_pg "$PG_BIN/initdb" -D "$PG_DATA" -A trust -U postgres > "$WORK/logs/initdb.log" 2>&1; then
        log "initdb failed: $(tail -n 5 "$WORK/logs/initdb.log")"
        return 1
    fi
    # The port was free when free_port looked; a busy machine may take it before the
    # server binds it, so a failed start tries another one.
    local attempt
    for attempt in 1 2 3; do
        PG_PORT="$(free_port "${1:-}")"
        if as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$WORK/pg/server.log" \
            -o "-k $PG_SOCK -p $PG_PORT -c listen_addresses=127.0.0.1" -w start > /dev/null; then
            PG_STARTED=1
            break
        fi
        log "PostgreSQL did not start on port $PG_PORT (try $attempt): $(tail -n 3 "$WORK/pg/server.log" 2> /dev/null)"
    done
    [[ -n "$PG_STARTED" ]] || return 1
    wait_ready "$PG_SOCK" "$PG_PORT" postgres postgres
    log "PostgreSQL up (port $PG_PORT, socket dir $PG_SOCK, run as $PG_USER)"
}
