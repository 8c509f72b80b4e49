#!/usr/bin/env bash
# Creates the repository's Python virtualenv (.venv) with psycopg 3, psycopg2, asyncpg
# and SQLAlchemy 2, used by the scripts in tests/python/. Idempotent: does
# nothing when already set up.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PSYCOPG_SPEC='psycopg[binary]==3.2.*'
ASYNCPG_SPEC='asyncpg==0.30.0'
SQLALCHEMY_SPEC='sqlalchemy==2.0.58'
PSYCOPG2_SPEC='psycopg2-binary==2.9.13'
PYTHON="${PYTHON:-python3}"

# Already set up: the venv imports psycopg 3.2 with its binary implementation,
# asyncpg 0.30.0, SQLAlchemy 2.0.58 and psycopg2 2.9.13.
if [ -x "$VENV/bin/python" ] &&
    "$VENV/bin/python" -c 'import asyncpg, psycopg, psycopg2, sqlalchemy, sys; sys.exit(0 if psycopg.__version__.startswith("3.2.") and psycopg.pq.__impl__ == "binary" and asyncpg.__version__ == "0.30.0" and sqlalchemy.__version__ == "2.0.58" and psycopg2.__version__.startswith("2.9.13 ") else 1)' \
        >/dev/null 2>&1; then
    exit 0
fi

# Python itself (the venv module included) comes from Debian when it is missing;
# tests/exclusive_access.rs also runs python3's standard sqlite3 module.
if ! "$PYTHON" -c 'import venv, sqlite3' >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup-python.sh: installing python3 and python3-venv (apt-get)" >&2
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null
    else
        echo "setup-python.sh: $PYTHON with the venv and sqlite3 modules is required" >&2
        exit 1
    fi
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
run "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input --quiet "$PSYCOPG_SPEC" "$ASYNCPG_SPEC" "$SQLALCHEMY_SPEC" "$PSYCOPG2_SPEC"
run "$VENV/bin/python" -c 'import psycopg; assert psycopg.pq.__impl__ == "binary", psycopg.pq.__impl__'
