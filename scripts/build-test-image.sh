#!/usr/bin/env bash
# Builds the local test image that stands in for lightninglabs/lnd (issue 3
# §5): the lnd double installed as /bin/lnd, ENTRYPOINT ["lnd"], lnddir
# /root/.lnd (HOME=/root), VOLUME /root/.lnd, EXPOSE 9735 10009, and a
# /bin/sh (Debian's busybox-static, with its applets) so compose-style
# entrypoints work. Nothing is pulled: the image is FROM scratch plus a
# staged root filesystem holding the binary, the glibc libraries it links
# (as ldd lists them, loader included) and busybox.
#
# Usage: scripts/build-test-image.sh [TAG]      (default lsm-test/lnd:v0.20.0-beta)
#
# Environment:
#   LND_DOUBLE_BIN  use this lnd-double binary instead of building one
#   PROFILE         cargo profile to build (debug, the default, or release)
#
# The image carries the label io.lsm.test-image.hash, a SHA-256 over every
# input (binary, busybox, libraries, this script). If an image with TAG and
# that hash exists, nothing is built. Progress goes to stderr; the tag is
# printed on stdout.
set -euo pipefail

TAG="${1:-lsm-test/lnd:v0.20.0-beta}"
PROFILE="${PROFILE:-debug}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRIPT="$ROOT/scripts/$(basename "${BASH_SOURCE[0]}")"
LABEL=io.lsm.test-image.hash

say() { printf 'build-test-image: %s\n' "$*" >&2; }
die() { printf 'build-test-image: error: %s\n' "$*" >&2; exit 1; }

command -v docker >/dev/null || die "the docker CLI is not installed"
docker version --format '{{.Server.APIVersion}}' >/dev/null 2>&1 \
    || die "the Docker engine is unreachable (docker version failed); start Docker and retry"

# --- the double -------------------------------------------------------------
if [[ -n "${LND_DOUBLE_BIN:-}" ]]; then
    BIN="$LND_DOUBLE_BIN"
else
    case "$PROFILE" in
        debug) cargo_profile=() ;;
        release) cargo_profile=(--release) ;;
        *) die "PROFILE must be debug or release, not '$PROFILE'" ;;
    esac
    say "building lnd-double ($PROFILE)"
    (cd "$ROOT" && cargo build -p lnd-double "${cargo_profile[@]}" >&2) \
        || die "cargo build -p lnd-double failed"
    BIN="${CARGO_TARGET_DIR:-$ROOT/target}/$PROFILE/lnd-double"
    [[ "$BIN" = /* ]] || BIN="$ROOT/$BIN"
fi
[[ -x "$BIN" ]] || die "$BIN is not an executable lnd-double binary"

# --- busybox-static for /bin/sh ----------------------------------------------
BUSYBOX=/bin/busybox
is_static() { [[ -x "$1" ]] && ! ldd "$1" >/dev/null 2>&1; }
if ! is_static "$BUSYBOX"; then
    say "installing Debian's busybox-static (for the image's /bin/sh)"
    if command -v apt-get >/dev/null && [[ "$(id -u)" = 0 ]]; then
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static; } >&2 \
            || die "apt-get install busybox-static failed"
    else
        die "a static busybox is needed at /bin/busybox: install Debian's busybox-static (apt-get install busybox-static, as root)"
    fi
    is_static "$BUSYBOX" || die "/bin/busybox is still not a static binary after installing busybox-static"
fi

# --- the libraries the binary links, as ldd resolves them --------------------
mapfile -t LIBS < <(ldd "$BIN" | awk '
    $2 == "=>" && $3 ~ /^\// { print $3; next }
    $1 ~ /^\// { print $1 }')
[[ ${#LIBS[@]} -gt 0 ]] || die "ldd found no libraries for $BIN (is it a dynamic glibc binary?)"

# --- reuse an image built from the same inputs --------------------------------
HASH="$( { sha256sum "$BIN" "$BUSYBOX" "$SCRIPT"; for l in "${LIBS[@]}"; do sha256sum "$(readlink -f "$l")"; done; } \
    | awk '{print $1}' | sha256sum | awk '{print $1}')"
current="$(docker image inspect --format "{{ index .Config.Labels \"$LABEL\" }}" "$TAG" 2>/dev/null || true)"
previous_id="$(docker image inspect --format '{{.Id}}' "$TAG" 2>/dev/null || true)"
if [[ "$current" == "$HASH" ]]; then
    say "$TAG is up to date (inputs ${HASH:0:12})"
    echo "$TAG"
    exit 0
fi

# --- stage the root filesystem -------------------------------------------------
CTX="$(mktemp -d)"
trap 'rm -rf "$CTX"' EXIT
RFS="$CTX/rootfs"
mkdir -p "$RFS/bin" "$RFS/etc" "$RFS/root/.lnd" "$RFS/tmp"
chmod 1777 "$RFS/tmp"
chmod 0700 "$RFS/root"
cp "$BIN" "$RFS/bin/lnd"
if command -v strip >/dev/null; then strip --strip-debug "$RFS/bin/lnd"; fi
cp "$BUSYBOX" "$RFS/bin/busybox"
for applet in $("$BUSYBOX" --list); do
    [[ -e "$RFS/bin/$applet" ]] || ln -s busybox "$RFS/bin/$applet"
done
for lib in "${LIBS[@]}"; do
    mkdir -p "$RFS$(dirname "$lib")"
    cp -L "$lib" "$RFS$lib"
done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$RFS/etc/passwd"
printf 'root:x:0:\n' >"$RFS/etc/group"
# glibc resolves names from /etc/hosts first; Docker mounts hosts and resolv.conf.
printf 'hosts: files dns\n' >"$RFS/etc/nsswitch.conf"

cat >"$CTX/Dockerfile" <<'EOF'
FROM scratch
COPY rootfs/ /
ENV HOME=/root PATH=/bin:/usr/bin:/sbin:/usr/sbin
VOLUME /root/.lnd
EXPOSE 9735 10009
ENTRYPOINT ["lnd"]
EOF

say "building $TAG (inputs ${HASH:0:12})"
# The legacy builder needs no buildx plugin and works with old engines;
# FROM scratch pulls nothing.
DOCKER_BUILDKIT=0 docker build -q \
    --label "$LABEL=$HASH" \
    --label "io.lsm.test-image=lnd-double" \
    -t "$TAG" "$CTX" >&2 || die "docker build failed"
# The image this tag pointed to before is now untagged; drop it unless a
# container still uses it.
if [[ -n "$previous_id" ]]; then
    docker rmi "$previous_id" >/dev/null 2>&1 || true
fi
echo "$TAG"
