#!/usr/bin/env bash
# Checks that every combination of the Cargo features builds (all 32 of mmap, pooling,
# batching, direct-writer, monitor; `tls` alone), with cargo-hack, installing it if missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! cargo hack --version >/dev/null 2>&1; then
    echo "+ cargo install cargo-hack --locked"
    cargo install cargo-hack --locked --quiet
fi
# `full` and `default` are shorthands (all five; `direct-writer`): leaving them out
# keeps the set at the 2^5 combinations of the five real features.
# `tls` touches none of the pipeline's features (it only changes the stream a session
# runs over), so it is checked alone and with all the others instead of doubling the set.
echo "+ cargo hack check --feature-powerset --exclude-features full,default,tls --lib --bins --examples"
cargo hack check --feature-powerset --exclude-features full,default,tls --lib --bins --examples
echo "+ cargo check --no-default-features --features tls --lib --bins"
cargo check --no-default-features --features tls --lib --bins
