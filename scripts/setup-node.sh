#!/usr/bin/env bash
# Installs the Node.js clients (node-postgres and pg-copy-streams, pinned by
# tests/node/package-lock.json) into tests/node/node_modules for tests/node/copy.js
# (run by tests/copy_clients.rs). Idempotent: does nothing when already set up.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROJECT="$ROOT/tests/node"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "setup-node.sh: node and npm (Node.js 18 or newer) are required" >&2
    exit 1
fi

# Already set up: both modules resolve from the project folder.
if (cd "$PROJECT" && node -e 'require("pg"); require("pg-copy-streams")') >/dev/null 2>&1; then
    exit 0
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! (cd "$PROJECT" && npm ci --no-audit --no-fund) >"$log" 2>&1; then
    echo "setup-node.sh: failed: npm ci in $PROJECT" >&2
    cat "$log" >&2
    exit 1
fi
