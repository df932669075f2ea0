#!/usr/bin/env bash
# Everything CI checks, in order; stops at the first failure.
#   ./scripts/test.sh [extra cargo test args...]
# Installs test dependencies first (Debian), so it runs on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
# Each step says how much disk is left: the build is the suite's biggest
# writer, and a full disk shows up as odd linker crashes.
step() { printf '\n==> %s (disk free: %s)\n' "$*" "$(df -h --output=avail . | tail -1 | tr -d ' ')"; }

step "dependencies"
bash scripts/setup.sh test

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo build"
# The e2e tests run target/debug/diemcau (or $DIEMCAU_BIN).
cargo build --workspace

step "cargo test"
# diemcau-e2e is not a default member: --workspace includes it. Every
# harness wait is bounded; the outer timeout is the last guard against a hung
# peer eating CI's budget.
timeout --kill-after=30s "${DIEMCAU_TEST_TIMEOUT:-20m}" cargo test --workspace --no-fail-fast -- "$@"

step "fuzz (briefly)"
# cargo-fuzz targets of the H.225.0, Q.931 and H.245 decoders, 10 s each
# from the real captured messages; installs cargo-fuzz on first use.
bash scripts/fuzz.sh "${FUZZ_SECONDS:-10}"
step "done"
