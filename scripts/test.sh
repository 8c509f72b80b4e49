#!/usr/bin/env bash
# The project's test command: `bash scripts/test.sh`. Sets up the Python venv used by
# the psycopg test, then runs the Rust test suites with default features, all features
# (followed by the differential test against PostgreSQL 15), no features, and each
# feature alone.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

step() {
    echo "+ $*"
    "$@"
}

step bash scripts/setup-python.sh
step cargo test
step cargo test --all-features
# The differential test against PostgreSQL 15 (tests/differential), once: it runs the
# debug binary `cargo test --all-features` has just built (--features full is the same
# feature set, so cargo builds nothing again).
step env DIFFERENTIAL_PROFILE=dev bash scripts/differential.sh
step cargo test --no-default-features
for feature in direct-writer pooling batching mmap monitor; do
    step cargo test --no-default-features --features "$feature"
done
