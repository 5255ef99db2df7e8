#!/usr/bin/env bash
# The one command that runs every test of the workspace (README quick start,
# .ci/run). lsm's integration tests are one binary, `it` (tests/it/main.rs),
# with a module per file. Extra arguments go to the test runner, e.g.
#   scripts/test.sh manifest_errors::
set -euo pipefail
cd "$(dirname "$0")/.."

die() {
    echo "scripts/test.sh: $*" >&2
    exit 1
}

command -v cargo >/dev/null 2>&1 || die "cargo not found; install Rust from https://rustup.rs"

# Build every binary once (lsm and the lnd double), then the lnd double's
# Docker image once for the whole run; the tests reuse both. The image
# script installs what it needs (busybox-static) and skips the build when an
# image of the same content exists.
# Test builds include lsm's crash points (tests/it/crash_safety.rs); release
# builds never do.
FEATURES=(--features lsm/failpoints)
cargo build --workspace --bins "${FEATURES[@]}" || die "build failed (cargo build --workspace --bins)"
if docker version >/dev/null 2>&1; then
    # LSM_TEST_IMAGE_REPO (default lsm-test/lnd) keeps checkouts that test
    # different doubles on one engine from replacing each other's image.
    LND_DOUBLE_BIN="${CARGO_TARGET_DIR:-$(pwd)/target}/debug/lnd-double" \
        scripts/build-test-image.sh "${LSM_TEST_IMAGE_REPO:-lsm-test/lnd}:v0.20.0-beta" \
        || die "building the test image failed (scripts/build-test-image.sh)"
elif [ "${LSM_SKIP_DOCKER_TESTS:-}" = "1" ]; then
    echo "scripts/test.sh: Docker engine unreachable; LSM_SKIP_DOCKER_TESTS=1, Docker tests skip" >&2
else
    die "the Docker engine is unreachable: run scripts/docker-engine.sh as root (it installs and starts one), or start your own; LSM_SKIP_DOCKER_TESTS=1 skips Docker tests on a developer's laptop"
fi

# Real lnd, lncli, btcd and btcctl from Go modules, and their images, once per
# run (cached by go.sum and tags; minutes the first time, a second after).
# Tests against real lnd fail, not skip, when this cannot be done.
command -v go >/dev/null 2>&1 || die "Go not found: the tests build real lnd from Go modules (install Go 1.24 or newer)"
if ! docker version >/dev/null 2>&1; then
    export LSM_REAL_LND_NO_IMAGES=1
fi
scripts/build-real-lnd.sh "${LSM_REAL_LND_VERSION:-}" >/dev/null \
    || die "building real lnd failed (scripts/build-real-lnd.sh)"
unset LSM_REAL_LND_NO_IMAGES

# ansible-core for the Ansible collection's tests (tests/ansible.rs) and
# PyYAML for the CI example's (tests/ci_examples.rs), pinned by
# contrib/ansible/requirements.txt, into <target>/ansible-venv once per run
# (from PyPI the first time, cached after). Those tests fail, not skip, when
# it cannot be installed.
scripts/ansible-env.sh >/dev/null \
    || die "installing ansible-core failed (scripts/ansible-env.sh)"

# iproute2, the OpenSSH server and client for the remote-engine tests
# hosts in network namespaces (tests/it/remote_hosts.rs), from Debian's
# packages when missing. Those tests fail, not skip, without them.
scripts/test-hosts.sh || die "installing the test hosts' tools failed (scripts/test-hosts.sh)"

if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace "${FEATURES[@]}" "$@" || die "tests failed (cargo nextest run --workspace)"
    # nextest does not run doctests.
    if [ "$#" -eq 0 ]; then
        cargo test --workspace --doc || die "doctests failed (cargo test --workspace --doc)"
    fi
else
    echo "scripts/test.sh: cargo-nextest not installed; using cargo test" >&2
    cargo test --workspace "${FEATURES[@]}" "$@" || die "tests failed (cargo test --workspace)"
fi
echo "scripts/test.sh: all tests passed" >&2
