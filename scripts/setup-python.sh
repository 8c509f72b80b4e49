#!/usr/bin/env bash
# Creates the repository's Python virtualenv (.venv) with psycopg 3, used by
# tests/python/test_psycopg.py. Idempotent: does nothing when already set up.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PSYCOPG_SPEC='psycopg[binary]==3.2.*'
PYTHON="${PYTHON:-python3}"

# Already set up: the venv imports psycopg 3.2 with its binary implementation.
if [ -x "$VENV/bin/python" ] &&
    "$VENV/bin/python" -c 'import psycopg, sys; sys.exit(0 if psycopg.__version__.startswith("3.2.") and psycopg.pq.__impl__ == "binary" else 1)' \
        >/dev/null 2>&1; then
    exit 0
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
run() {
    if ! "$@" >>"$log" 2>&1; then
        echo "setup-python.sh: failed: $*" >&2
        cat "$log" >&2
        exit 1
    fi
}

if [ ! -x "$VENV/bin/python" ]; then
    run "$PYTHON" -m venv "$VENV"
fi
run "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input --quiet "$PSYCOPG_SPEC"
run "$VENV/bin/python" -c 'import psycopg; assert psycopg.pq.__impl__ == "binary", psycopg.pq.__impl__'
