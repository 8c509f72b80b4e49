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

# With PGSQLITE_PRUNE_TESTS=1 (set by .ci/run), the test executables of a feature set
# are deleted once that set has run: each set links its own ~25 binaries, and keeping
# all eight sets on disk at once is what a CI machine cannot always afford. Test
# executables are the extension-less files in target/debug/deps (libraries there end in
# .rlib, .rmeta, .so or .d); the server binary target/debug/pgsqlite is a separate link.
prune_tests() {
    if [ "${PGSQLITE_PRUNE_TESTS:-0}" = 1 ]; then
        find "${CARGO_TARGET_DIR:-$ROOT/target}/debug/deps" -maxdepth 1 -type f \
            -perm -u+x ! -name '*.*' -delete
        find "${CARGO_TARGET_DIR:-$ROOT/target}/debug/examples" -maxdepth 1 -type f \
            -perm -u+x ! -name '*.*' -delete 2>/dev/null || true
    fi
}

run_tests() {
    step cargo test "$@"
    prune_tests
}

step bash scripts/setup-python.sh
run_tests
step cargo test --all-features
# The differential test against PostgreSQL 15 (tests/differential), once: it runs the
# debug binary `cargo test --all-features` has just built (--features full is the same
# feature set, so cargo builds nothing again).
step env DIFFERENTIAL_PROFILE=dev bash scripts/differential.sh
prune_tests
run_tests --no-default-features
for feature in direct-writer pooling batching mmap monitor; do
    run_tests --no-default-features --features "$feature"
done
