#!/usr/bin/env bash
# Builds real lnd and lncli (and btcd and btcctl, for regtest chains) from Go
# modules, and packages them as the local images the tests run:
#
#   lsm-test/lnd-real:<lnd version>   /bin/lnd, /bin/lncli; ENTRYPOINT ["lnd"],
#                                     data in /root/.lnd (what lsm expects of
#                                     lightninglabs/lnd)
#   lsm-test/btcd:<btcd version>      /bin/btcd, /bin/btcctl; ENTRYPOINT ["btcd"]
#
# Usage: scripts/build-real-lnd.sh [LND_VERSION]   (default: LND_VERSION in versions.env)
#
# The Go module testenv/realnode/<LND_VERSION>/ (go.mod, go.sum, tools.go) is
# ours; lnd's and btcd's code arrives through the Go module proxy at build
# time, like a crate. Its go.mod copies lnd's `replace` directives (the
# protobuf one is required: lnrpc uses the fork's UseHexForBytes), which is
# why `go install lnd@version` cannot be used. btcd is the version lnd's own
# go.mod pins. To test another lnd release, copy a module directory, change
# the version and the replaces to that release's, and run `go mod tidy` in it.
#
# Binaries are built with lnd's release tags (make/release_flags.mk) and
# CGO_ENABLED=0 -trimpath, into target/real-lnd/<LND_VERSION>/<key>/bin
# (LSM_REAL_LND_CACHE moves target/real-lnd), where <key> is a SHA-256 over
# go.mod, go.sum, the tags, the Go version and this script: binaries built
# from the same inputs are reused. Images carry io.lsm.test-image.hash over
# their inputs and are rebuilt only when those change.
#
# Writes target/real-lnd/<LND_VERSION>/real-lnd.env (LND_REAL_VERSION,
# LND_REAL_BIN_DIR, LND_REAL_IMAGE, BTCD_IMAGE, BTCD_VERSION), which the tests
# read, and prints its path on stdout. Progress goes to stderr.
#
# LSM_REAL_LND_NO_IMAGES=1 builds the binaries only (no Docker engine needed).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRIPT="$ROOT/scripts/$(basename "${BASH_SOURCE[0]}")"
LABEL=io.lsm.test-image.hash
# lnd's make/release_flags.mk RELEASE_TAGS. Without signrpc and walletrpc a
# signer answers "unimplemented"; lncli needs walletrpc for `wallet accounts`.
TAGS="autopilotrpc signrpc walletrpc chainrpc invoicesrpc watchtowerrpc neutrinorpc monitoring peersrpc kvdb_postgres kvdb_etcd kvdb_sqlite"

say() { printf 'build-real-lnd: %s\n' "$*" >&2; }
die() { printf 'build-real-lnd: error: %s\n' "$*" >&2; exit 1; }

VERSION="${1:-}"
if [[ -z "$VERSION" ]]; then
    VERSION="$(sed -n 's/^LND_VERSION=//p' "$ROOT/versions.env" | tail -n 1)"
    [[ -n "$VERSION" ]] || die "no LND_VERSION in $ROOT/versions.env; pass the version: $0 v0.20.0-beta"
fi
[[ "$VERSION" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[A-Za-z0-9.]+)?$ ]] \
    || die "'$VERSION' is not an lnd release tag such as v0.20.0-beta"

MODULE="$ROOT/testenv/realnode/$VERSION"
if [[ ! -f "$MODULE/go.mod" || ! -f "$MODULE/go.sum" ]]; then
    known="$(cd "$ROOT/testenv/realnode" && ls -d v* 2>/dev/null | tr '\n' ' ')"
    die "no Go module for lnd $VERSION at testenv/realnode/$VERSION (have: ${known:-none}). Copy one, set 'require github.com/lightningnetwork/lnd $VERSION', copy the replace directives of that release's go.mod, then run 'go mod tidy' there"
fi

command -v go >/dev/null || die "Go is not installed (the tests build lnd from Go modules; Go 1.24 or newer)"
export GOTOOLCHAIN=local GOWORK=off GOFLAGS=-mod=readonly CGO_ENABLED=0
GOVERSION="$(go env GOVERSION)"

CACHE_ROOT="${LSM_REAL_LND_CACHE:-$ROOT/target/real-lnd}"
KEY="$( { sha256sum "$MODULE/go.mod" "$MODULE/go.sum" "$SCRIPT" | awk '{print $1}'; echo "$TAGS" "$GOVERSION" "$(go env GOOS)/$(go env GOARCH)"; } \
    | sha256sum | cut -c1-16)"
OUT="$CACHE_ROOT/$VERSION/$KEY"
BIN="$OUT/bin"

BTCD_VERSION="$(cd "$MODULE" && go list -m -f '{{.Version}}' github.com/btcsuite/btcd)" \
    || die "go list could not resolve btcd in $MODULE (does the Go module proxy answer?)"

if [[ -x "$BIN/lnd" && -x "$BIN/lncli" && -x "$BIN/btcd" && -x "$BIN/btcctl" && -f "$OUT/built" ]]; then
    say "lnd $VERSION binaries are up to date ($KEY)"
else
    say "building lnd, lncli $VERSION and btcd, btcctl $BTCD_VERSION with $GOVERSION (the first build takes minutes)"
    start=$(date +%s)
    rm -rf "$OUT.tmp"
    mkdir -p "$OUT.tmp/bin"
    # Release builds set build.Commit to the tag, so `lnd --version` prints
    # `commit=v0.20.0-beta` as lightninglabs/lnd's binaries do.
    (cd "$MODULE" && go build -trimpath -tags "$TAGS" \
        -ldflags "-s -w -X github.com/lightningnetwork/lnd/build.Commit=$VERSION" \
        -o "$OUT.tmp/bin/" \
        github.com/lightningnetwork/lnd/cmd/lnd \
        github.com/lightningnetwork/lnd/cmd/lncli \
        github.com/btcsuite/btcd \
        github.com/btcsuite/btcd/cmd/btcctl) >&2 \
        || die "go build failed in $MODULE"
    "$OUT.tmp/bin/lnd" --version | grep -q "${VERSION#v}" \
        || die "the lnd built does not report ${VERSION#v}: $("$OUT.tmp/bin/lnd" --version)"
    date -u +%FT%TZ >"$OUT.tmp/built"
    rm -rf "$OUT"
    mv "$OUT.tmp" "$OUT"
    say "built in $(( $(date +%s) - start )) s into $BIN"
fi

LND_IMAGE="lsm-test/lnd-real:$VERSION"
BTCD_IMAGE="lsm-test/btcd:$BTCD_VERSION"

# --- images --------------------------------------------------------------------
# A static busybox gives the images /bin/sh and cat (tests read files with
# `docker exec`, as an operator would); nothing is pulled: FROM scratch.
BUSYBOX=/bin/busybox
ensure_busybox() {
    is_static() { [[ -x "$1" ]] && ! ldd "$1" >/dev/null 2>&1; }
    is_static "$BUSYBOX" && return 0
    say "installing Debian's busybox-static (for the images' /bin/sh)"
    if command -v apt-get >/dev/null && [[ "$(id -u)" = 0 ]]; then
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static; } >&2 \
            || die "apt-get install busybox-static failed"
    else
        die "a static busybox is needed at /bin/busybox: install Debian's busybox-static (as root)"
    fi
    is_static "$BUSYBOX" || die "/bin/busybox is still not a static binary after installing busybox-static"
}

# build_image TAG ENTRYPOINT DATADIR BINARY...
build_image() {
    local tag="$1" entry="$2" datadir="$3"
    shift 3
    local hash current previous_id ctx rfs
    hash="$( { sha256sum "$@" "$BUSYBOX" "$SCRIPT" | awk '{print $1}'; echo "$tag $entry $datadir"; } | sha256sum | cut -c1-64)"
    current="$(docker image inspect --format "{{ index .Config.Labels \"$LABEL\" }}" "$tag" 2>/dev/null || true)"
    if [[ "$current" == "$hash" ]]; then
        say "$tag is up to date (inputs ${hash:0:12})"
        return 0
    fi
    previous_id="$(docker image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)"
    ctx="$(mktemp -d)"
    rfs="$ctx/rootfs"
    mkdir -p "$rfs/bin" "$rfs/etc" "$rfs/tmp" "$rfs$datadir"
    chmod 1777 "$rfs/tmp"
    chmod 0700 "$rfs/root"
    local b
    for b in "$@"; do cp "$b" "$rfs/bin/"; done
    cp "$BUSYBOX" "$rfs/bin/busybox"
    for applet in $("$BUSYBOX" --list); do
        [[ -e "$rfs/bin/$applet" ]] || ln -s busybox "$rfs/bin/$applet"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\n' >"$rfs/etc/passwd"
    printf 'root:x:0:\n' >"$rfs/etc/group"
    printf 'hosts: files dns\n' >"$rfs/etc/nsswitch.conf"
    {
        echo "FROM scratch"
        echo "COPY rootfs/ /"
        echo "ENV HOME=/root PATH=/bin:/usr/bin:/sbin:/usr/sbin"
        echo "VOLUME $datadir"
        [[ "$entry" == lnd ]] && echo "EXPOSE 9735 10009"
        echo "ENTRYPOINT [\"$entry\"]"
    } >"$ctx/Dockerfile"
    say "building $tag (inputs ${hash:0:12})"
    if ! DOCKER_BUILDKIT=0 docker build -q --label "$LABEL=$hash" \
        --label "io.lsm.test-image=$entry-real" -t "$tag" "$ctx" >&2; then
        rm -rf "$ctx"
        die "docker build of $tag failed"
    fi
    rm -rf "$ctx"
    if [[ -n "$previous_id" ]]; then
        docker rmi "$previous_id" >/dev/null 2>&1 || true
    fi
}

if [[ "${LSM_REAL_LND_NO_IMAGES:-}" != 1 ]]; then
    command -v docker >/dev/null || die "the docker CLI is not installed (LSM_REAL_LND_NO_IMAGES=1 builds the binaries only)"
    docker version >/dev/null 2>&1 \
        || die "the Docker engine is unreachable: run scripts/docker-engine.sh (as root), or set LSM_REAL_LND_NO_IMAGES=1 to build the binaries only"
    ensure_busybox
    build_image "$LND_IMAGE" lnd /root/.lnd "$BIN/lnd" "$BIN/lncli"
    build_image "$BTCD_IMAGE" btcd /root/.btcd "$BIN/btcd" "$BIN/btcctl"
fi

ENV_FILE="$CACHE_ROOT/$VERSION/real-lnd.env"
cat >"$ENV_FILE.tmp" <<EOF
LND_REAL_VERSION=$VERSION
LND_REAL_BIN_DIR=$BIN
LND_REAL_IMAGE=$LND_IMAGE
BTCD_IMAGE=$BTCD_IMAGE
BTCD_VERSION=$BTCD_VERSION
EOF
mv "$ENV_FILE.tmp" "$ENV_FILE"
echo "$ENV_FILE"
