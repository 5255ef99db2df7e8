#!/usr/bin/env bash
# The one command that runs every test of the workspace (README quick start,
# .ci/run). Extra arguments go to the test runner, e.g.
#   scripts/test.sh manifest_errors
set -euo pipefail
cd "$(dirname "$0")/.."

die() {
    echo "scripts/test.sh: $*" >&2
    exit 1
}

command -v cargo >/dev/null 2>&1 || die "cargo not found; install Rust from https://rustup.rs"

if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace "$@" || die "tests failed (cargo nextest run --workspace)"
    # nextest does not run doctests.
    if [ "$#" -eq 0 ]; then
        cargo test --workspace --doc || die "doctests failed (cargo test --workspace --doc)"
    fi
else
    echo "scripts/test.sh: cargo-nextest not installed; using cargo test" >&2
    cargo test --workspace "$@" || die "tests failed (cargo test --workspace)"
fi
echo "scripts/test.sh: all tests passed" >&2
