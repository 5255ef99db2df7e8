#!/usr/bin/env bash
# The benchmark of issue 7: what lsm costs, side by side with docker-compose,
# measured on this machine in one run. It builds lsm and the lnd double
# (cargo build --release), packages the double as lsm-bench/lnd:v0.20.0-beta
# with the double's delays and windows at 0 (bench/image/Dockerfile), and
# measures with hyperfine:
#   1. lsm plan --detailed-exitcode, no-op, against docker-compose up -d,
#      no-op, on an equivalent container (bench/compose/docker-compose.yml)
#   2. lsm status --json
#   3. lsm apply from nothing to converged: wall time, and lsm's overhead
#      (wall time minus lnd's container start → SERVER_ACTIVE)
#   4. lsm apply, no-op
#   5. peak RSS (GNU time %M) and the Docker API requests of a no-op plan
#      (through bench/docker_count_proxy.py)
#   6. against real lnd (scripts/build-real-lnd.sh, lsm-test/lnd-real): apply
#      from nothing, split into lnd's own start → SERVER_ACTIVE and lsm's
#      overhead, and a no-op plan, beside the double's rows
#   7. a fleet (issue 15): BENCH_FLEET_SIZE converged signers set up with one
#      fleet apply, then a no-op `lsm plan -f DIR --detailed-exitcode` of
#      them all (its ratio to the no-op plan of 1.), its peak RSS and its
#      Docker requests per node; the fleet is removed afterwards
#   8. the engine's own share (bench/engine_floor.py), and the no-op plan's
#      ratio to it: GET /version plus one archive read
# and rewrites the table in BENCHMARKS.md. Exits non-zero if any step failed
# (the table then lists the failed steps).
#
# Usage: scripts/bench.sh
# Environment:
#   BENCH_RUNS (15), BENCH_WARMUP (3)           plan, status, apply no-op, compose
#   BENCH_APPLY_RUNS (10), BENCH_APPLY_WARMUP (2)  apply from nothing
#   BENCH_RSS_RUNS (10)                         GNU time runs per command
#   BENCH_REAL_APPLY_RUNS (5), BENCH_REAL_APPLY_WARMUP (1)  apply from nothing, real lnd
#   BENCH_FLEET_SIZE (50)                       signers in the fleet
#   BENCH_FLEET_APPLY_PARALLELISM (4)           --parallelism of the fleet's set-up apply
#   BENCH_OUT (BENCHMARKS.md)                   the file whose table is rewritten
#   BENCH_KEEP=1                                keep the work directory (results, logs)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"
RUNS="${BENCH_RUNS:-15}"
WARMUP="${BENCH_WARMUP:-3}"
APPLY_RUNS="${BENCH_APPLY_RUNS:-10}"
APPLY_WARMUP="${BENCH_APPLY_WARMUP:-2}"
RSS_RUNS="${BENCH_RSS_RUNS:-10}"
REAL_APPLY_RUNS="${BENCH_REAL_APPLY_RUNS:-5}"
REAL_APPLY_WARMUP="${BENCH_REAL_APPLY_WARMUP:-1}"
FLEET_SIZE="${BENCH_FLEET_SIZE:-50}"
FLEET_APPLY_PARALLELISM="${BENCH_FLEET_APPLY_PARALLELISM:-4}"
for v in FLEET_SIZE FLEET_APPLY_PARALLELISM; do
    [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_$v must be a positive integer" >&2; exit 1; }
done
OUT="${BENCH_OUT:-$ROOT/BENCHMARKS.md}"
BASE_IMAGE=lsm-bench/lnd-double:v0.20.0-beta
IMAGE_REPO=lsm-bench/lnd
IMAGE="$IMAGE_REPO:v0.20.0-beta"

say() { printf '\nbench: %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

# --- tools --------------------------------------------------------------------
need_pkg() { # command package
    command -v "$1" >/dev/null 2>&1 && return 0
    say "installing Debian's $2 (for $1)"
    if command -v apt-get >/dev/null && [[ "$(id -u)" = 0 ]]; then
        { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" \
            || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2"; }; } >&2 \
            || die "apt-get install $2 failed"
    else
        die "$1 is missing: install Debian's $2 (apt-get install $2, as root)"
    fi
}
command -v cargo >/dev/null || die "cargo not found; install Rust from https://rustup.rs"
command -v docker >/dev/null || die "the docker CLI is not installed"
command -v python3 >/dev/null || die "python3 is needed (results, the counting proxy)"
docker version >/dev/null 2>&1 || die "the Docker engine is unreachable; start dockerd and retry"
need_pkg hyperfine hyperfine
need_pkg docker-compose docker-compose
[[ -x /usr/bin/time ]] || need_pkg /usr/bin/time time

# --- build ----------------------------------------------------------------------
say "building lsm and the lnd double (cargo build --release)"
(cd "$ROOT" && cargo build --release --workspace --bins >&2) || die "cargo build --release failed"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
[[ "$TARGET" = /* ]] || TARGET="$ROOT/$TARGET"
LSM="$TARGET/release/lsm"
LND_DOUBLE_BIN="$TARGET/release/lnd-double" "$ROOT/scripts/build-test-image.sh" "$BASE_IMAGE" >/dev/null \
    || die "building the double's image failed (scripts/build-test-image.sh)"
DOCKER_BUILDKIT=0 docker build -q --build-arg "BASE=$BASE_IMAGE" -t "$IMAGE" "$BENCH/image" >/dev/null \
    || die "building $IMAGE failed"
say "building real lnd (scripts/build-real-lnd.sh; cached)"
REAL_ENV="$("$ROOT/scripts/build-real-lnd.sh")" || die "building real lnd failed (scripts/build-real-lnd.sh)"
REAL_IMAGE="$(sed -n 's/^LND_REAL_IMAGE=//p' "$REAL_ENV")"
REAL_VERSION="$(sed -n 's/^LND_REAL_VERSION=//p' "$REAL_ENV")"

# --- the signer's world -----------------------------------------------------------
WORK="$(mktemp -d /tmp/lsm-bench.XXXXXX)"
RESULTS="$WORK/results"
mkdir -p "$RESULTS"
NAME="lsm-bench-$$"
REAL_NAME="lsm-bench-real-$$"
COMPOSE_PROJECT="lsmbench$$"
COMPOSE_FILE="$BENCH/compose/docker-compose.yml"
export BENCH_IMAGE="$IMAGE"
export BENCH_COMPOSE_NAME="lsm-bench-compose-$$"
export BENCH_COMPOSE_VOLUME="lsm-bench-compose-$$-data"
# free_ports N [PORT...]: N free loopback ports, all different and none of PORT.
free_ports() {
    python3 - "$@" <<'EOF'
import socket, sys
n, taken = int(sys.argv[1]), set(sys.argv[2:])
socks, held = [], []  # all kept bound until the end, so none comes twice
while len(socks) < n:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    (held if str(s.getsockname()[1]) in taken else socks).append(s)
print(*[s.getsockname()[1] for s in socks])
EOF
}
read -r RPC_PORT REST_PORT BENCH_COMPOSE_RPC_PORT BENCH_COMPOSE_REST_PORT REAL_RPC_PORT REAL_REST_PORT < <(free_ports 6)
export BENCH_COMPOSE_RPC_PORT BENCH_COMPOSE_REST_PORT
# The fleet: FLEET_SIZE signers named lsm-benchfleet-PID-NN, their manifests
# side by side in one directory, each node's secrets and bundle in a
# directory of its own beside them.
FLEET_DIR="$WORK/fleet"
FLEET_NAMES=()
for ((i = 1; i <= FLEET_SIZE; i++)); do FLEET_NAMES+=("$(printf 'lsm-benchfleet-%s-%02d' $$ "$i")"); done
PROXY_PID=""

cleanup() {
    [[ -n "$PROXY_PID" ]] && kill "$PROXY_PID" 2>/dev/null || true
    docker-compose -p "$COMPOSE_PROJECT" -f "$COMPOSE_FILE" down >/dev/null 2>&1 || true
    docker rm -f -v "$NAME" "$BENCH_COMPOSE_NAME" "$REAL_NAME" >/dev/null 2>&1 || true
    docker volume rm -f "$NAME-data" "$BENCH_COMPOSE_VOLUME" "$REAL_NAME-data" >/dev/null 2>&1 || true
    fleet_remove
    if [[ "${BENCH_KEEP:-}" = 1 ]]; then
        say "kept $WORK"
    else
        rm -rf "$WORK"
    fi
}
# Removes the fleet's containers, volumes and directories (it may not exist).
fleet_remove() {
    docker rm -f -v "${FLEET_NAMES[@]}" >/dev/null 2>&1 || true
    docker volume rm -f "${FLEET_NAMES[@]/%/-data}" >/dev/null 2>&1 || true
    rm -rf "$FLEET_DIR"
}
trap cleanup EXIT

# manifest FILE NAME IMAGE_REPO VERSION RPC_PORT REST_PORT [DIR]
# Secrets and bundle go to DIR (default: the manifest's own directory).
manifest() {
    local sub="${7:-.}"
    mkdir -p "$(dirname "$1")"
    cat >"$1" <<EOF
version = 1

[signer]
name = "$2"
network = "regtest"
runtime = "docker"

[docker]
image = "$3"
version = "$4"

[rpc]
listen = "127.0.0.1:$5"

[rest]
listen = "127.0.0.1:$6"

[wallet]
secrets_dir = "$sub/secrets"

[bundle]
path = "$sub/out/credentials-bundle"
EOF
}
manifest "$WORK/signer.toml" "$NAME" "$IMAGE_REPO" v0.20.0-beta "$RPC_PORT" "$REST_PORT"
manifest "$WORK/real/signer.toml" "$REAL_NAME" "${REAL_IMAGE%:*}" "$REAL_VERSION" "$REAL_RPC_PORT" "$REAL_REST_PORT"
export LSM_STATE_DIR="$WORK/state" NO_COLOR=1
unset LSM_LOG
cd "$WORK"
M=(-f "$WORK/signer.toml")

FAILED=()
fail() { FAILED+=("$1"); printf '%s\n' "$1" >>"$RESULTS/failures.txt"; say "FAILED: $1"; }

# hyperfine KEY WARMUP RUNS [hyperfine options...] COMMAND
bench() {
    local key="$1" warmup="$2" runs="$3"
    shift 3
    hyperfine -N --style basic --warmup "$warmup" --runs "$runs" \
        --export-json "$RESULTS/hf_$key.json" "$@" >&2
}

# peak RSS (KB) of COMMAND, RSS_RUNS times; PREPARE runs before each.
rss() { # key prepare command...
    local key="$1" prepare="$2"
    shift 2
    local i
    for ((i = 0; i < RSS_RUNS; i++)); do
        [[ -z "$prepare" ]] || bash -c "$prepare"
        /usr/bin/time -o "$WORK/time.out" -f '%M' "$@" </dev/null >/dev/null 2>"$WORK/rss.err" \
            || { cat "$WORK/rss.err" >&2; return 1; }
        tail -n 1 "$WORK/time.out" >>"$RESULTS/rss_$key.txt"
    done
}

# --- 3. apply from nothing (it also prepares the converged signer) -----------------
say "3. lsm apply from nothing ($APPLY_WARMUP warm-up + $APPLY_RUNS runs)"
CYCLE="$BENCH/apply_cycle.sh $NAME $WORK $RESULTS/readiness.txt"
if bench apply_fresh "$APPLY_WARMUP" "$APPLY_RUNS" --prepare "bash $CYCLE" \
    "$LSM apply --auto-approve ${M[*]}"; then
    "$BENCH/readiness.py" "$NAME" >>"$RESULTS/readiness.txt" || fail "readiness of the last apply"
else
    fail "lsm apply from nothing"
fi

# The signer must now be converged: a plan with nothing to do.
if ! "$LSM" plan --detailed-exitcode "${M[@]}" </dev/null >"$WORK/plan.txt" 2>&1; then
    cat "$WORK/plan.txt" >&2
    die "the signer is not converged after apply; nothing else can be measured"
fi

# --- 1. no-op plan ---------------------------------------------------------------
say "1. lsm plan --detailed-exitcode, no-op"
bench plan "$WARMUP" "$RUNS" "$LSM plan --detailed-exitcode ${M[*]}" || fail "lsm plan no-op"

# --- 2. status ---------------------------------------------------------------------
say "2. lsm status --json"
bench status "$WARMUP" "$RUNS" "$LSM status --json ${M[*]}" || fail "lsm status --json"

# --- 4. apply no-op -------------------------------------------------------------------
say "4. lsm apply, no-op"
bench apply_noop "$WARMUP" "$RUNS" "$LSM apply --auto-approve --detailed-exitcode ${M[*]}" \
    || fail "lsm apply no-op"

# --- 5. Docker requests through the counting proxy ----------------------------------------
say "5. Docker API requests (counting proxy)"
case "${DOCKER_HOST:-unix:///var/run/docker.sock}" in
    unix://*) UPSTREAM="${DOCKER_HOST:-unix:///var/run/docker.sock}"; UPSTREAM="${UPSTREAM#unix://}" ;;
    *) UPSTREAM="" ;;
esac
PROXY_SOCK="$WORK/docker-proxy.sock"
# Starts the counting proxy in front of the engine's socket; 1 if it did not.
proxy_start() {
    rm -f "$WORK/proxy.out"
    python3 "$BENCH/docker_count_proxy.py" "$PROXY_SOCK" "$UPSTREAM" "$WORK/proxy.log" >"$WORK/proxy.out" 2>&1 &
    PROXY_PID=$!
    for _ in $(seq 100); do grep -q ready "$WORK/proxy.out" 2>/dev/null && break; sleep 0.05; done
    grep -q ready "$WORK/proxy.out" 2>/dev/null
}
proxy_stop() {
    if [[ -n "$PROXY_PID" ]]; then
        kill "$PROXY_PID" 2>/dev/null || true
        wait "$PROXY_PID" 2>/dev/null || true
    fi
    PROXY_PID=""
}
# Runs COMMAND through the proxy; its requests go to requests_KEY.log.
counted() { # key command...
    local key="$1"
    shift
    : >"$WORK/proxy.log"
    DOCKER_HOST="unix://$PROXY_SOCK" "$@" </dev/null >/dev/null 2>"$WORK/counted.err" \
        || { cat "$WORK/counted.err" >&2; return 1; }
    cp "$WORK/proxy.log" "$RESULTS/requests_$key.log"
}
if [[ -z "$UPSTREAM" ]]; then
    fail "request count: DOCKER_HOST=$DOCKER_HOST is not a unix socket the proxy can front"
else
    if proxy_start; then
        ok=1
        for ((i = 0; i < 5; i++)); do
            counted plan "$LSM" plan --detailed-exitcode "${M[@]}" || { ok=0; break; }
            wc -l <"$RESULTS/requests_plan.log" >>"$RESULTS/requests_plan_counts.txt"
        done
        [[ $ok = 1 ]] || fail "request count of lsm plan"
        counted status "$LSM" status --json "${M[@]}" || fail "request count of lsm status"
        counted apply_noop "$LSM" apply --auto-approve --detailed-exitcode "${M[@]}" \
            || fail "request count of lsm apply no-op"
    else
        fail "the counting proxy did not start: $(cat "$WORK/proxy.out")"
    fi
    proxy_stop
fi

# --- 7. a fleet of converged signers ---------------------------------------------------------
# The --parallelism a fleet plan runs with when not given, as lsm's help states it.
FLEET_DEFAULT_PARALLELISM="$("$LSM" plan --help | sed -n 's/.*nodes run at once (default \([0-9]*\)).*/\1/p' | head -n 1)"
say "7. a fleet of $FLEET_SIZE signers: set-up apply (--parallelism $FLEET_APPLY_PARALLELISM), then no-op fleet plans"
FM=(-f "$FLEET_DIR")
# fleet_manifests INDEX...: (re)writes those nodes' manifests with new free
# ports, chosen now: the engine is shared, and a port chosen minutes before
# may be published by someone else's container by the time it is used.
fleet_manifests() {
    local ports i k=0
    read -r -a ports < <(free_ports $((2 * $#)) "$RPC_PORT" "$REST_PORT" "$BENCH_COMPOSE_RPC_PORT" \
        "$BENCH_COMPOSE_REST_PORT" "$REAL_RPC_PORT" "$REAL_REST_PORT")
    for i in "$@"; do
        manifest "$FLEET_DIR/${FLEET_NAMES[i]}.toml" "${FLEET_NAMES[i]}" "$IMAGE_REPO" v0.20.0-beta \
            "${ports[k]}" "${ports[k + 1]}" "./${FLEET_NAMES[i]}"
        k=$((k + 2))
    done
}
# The fleet's last line: "Fleet: N nodes: ..."
fleet_summary() { grep '^Fleet:' "$1" | tail -n 1; }
fleet_apply() { # output file
    "$LSM" apply --auto-approve --parallelism "$FLEET_APPLY_PARALLELISM" "${FM[@]}" </dev/null >"$1" 2>&1
}
fleet_manifests $(seq 0 $((FLEET_SIZE - 1)))
t0="$(date +%s%N)"
fleet_ok=0
if fleet_apply "$WORK/fleet-apply.txt"; then
    fleet_ok=1
elif grep -q "port is already allocated" "$WORK/fleet-apply.txt"; then
    # Another container took a port between choosing and publishing it:
    # those nodes get new ports and the fleet is applied once more (the
    # others are converged by now, so it changes only those). The table
    # says so, with the first attempt's summary.
    fleet_summary "$WORK/fleet-apply.txt" >"$RESULTS/fleet_apply_retry.txt"
    say "a port was taken meanwhile; new ports and a second apply: $(cat "$RESULTS/fleet_apply_retry.txt")"
    retry=()
    for ((i = 0; i < FLEET_SIZE; i++)); do
        [[ "$(docker inspect -f '{{.State.Running}}' "${FLEET_NAMES[i]}" 2>/dev/null)" = true ]] || retry+=("$i")
    done
    ((${#retry[@]} == 0)) || fleet_manifests "${retry[@]}"
    fleet_apply "$WORK/fleet-apply-2.txt" && fleet_ok=1
    cp "$WORK/fleet-apply-2.txt" "$WORK/fleet-apply.txt"
fi
if [[ $fleet_ok = 1 ]]; then
    echo $((($(date +%s%N) - t0) / 1000000)) >"$RESULTS/fleet_apply_ms.txt"
    say "the fleet's apply took $(cat "$RESULTS/fleet_apply_ms.txt") ms: $(fleet_summary "$WORK/fleet-apply.txt")"
    # Every node must now be converged: the fleet plan exits 0.
    if "$LSM" plan --detailed-exitcode "${FM[@]}" </dev/null >"$WORK/fleet-plan.txt" 2>&1; then
        bench fleet_plan "$WARMUP" "$RUNS" "$LSM plan --detailed-exitcode ${FM[*]}" \
            || fail "lsm plan no-op, fleet of $FLEET_SIZE"
        rss fleet_plan "" "$LSM" plan --detailed-exitcode "${FM[@]}" || fail "peak RSS of the fleet plan"
        for ((i = 0; i < RSS_RUNS; i++)); do
            python3 "$BENCH/tree_rss.py" 5 "$RESULTS/rss_tree_fleet_plan.txt" \
                "$LSM" plan --detailed-exitcode "${FM[@]}" </dev/null >/dev/null 2>"$WORK/rss.err" \
                || { cat "$WORK/rss.err" >&2; fail "summed RSS of the fleet plan"; break; }
        done
        if [[ -z "$UPSTREAM" ]]; then
            fail "fleet request count: DOCKER_HOST=$DOCKER_HOST is not a unix socket the proxy can front"
        elif proxy_start; then
            for ((i = 0; i < 3; i++)); do
                counted fleet_plan "$LSM" plan --detailed-exitcode "${FM[@]}" \
                    || { fail "request count of the fleet plan"; break; }
                wc -l <"$RESULTS/requests_fleet_plan.log" >>"$RESULTS/requests_fleet_plan_counts.txt"
            done
            proxy_stop
        else
            fail "the counting proxy did not start: $(cat "$WORK/proxy.out")"
        fi
        # The engine's share of that plan, without lsm: /version and the
        # archive read of every node, as many at a time as the fleet runs.
        python3 "$BENCH/engine_floor.py" --fleet "${UPSTREAM:-/var/run/docker.sock}" 5 \
            "${FLEET_DEFAULT_PARALLELISM:-4}" "$RESULTS/engine_floor_fleet.json" "${FLEET_NAMES[@]}" \
            || fail "engine floor of the fleet"
    else
        tail -n 30 "$WORK/fleet-plan.txt" >&2
        fail "the fleet is not converged after its apply: $(fleet_summary "$WORK/fleet-plan.txt")"
    fi
else
    tail -n 30 "$WORK/fleet-apply.txt" >&2
    fail "the fleet's apply: $(fleet_summary "$WORK/fleet-apply.txt")"
fi
fleet_remove

# --- 6. real lnd ----------------------------------------------------------------------------
say "6. real lnd $REAL_VERSION: apply from nothing ($REAL_APPLY_WARMUP warm-up + $REAL_APPLY_RUNS runs), no-op plan"
RM=(-f "$WORK/real/signer.toml")
REAL_CYCLE="$BENCH/apply_cycle.sh $REAL_NAME $WORK/real $RESULTS/readiness_real.txt"
if bench real_apply_fresh "$REAL_APPLY_WARMUP" "$REAL_APPLY_RUNS" --prepare "bash $REAL_CYCLE" \
    "$LSM apply --auto-approve ${RM[*]}"; then
    "$BENCH/readiness.py" "$REAL_NAME" >>"$RESULTS/readiness_real.txt" || fail "readiness of the last real-lnd apply"
    if "$LSM" plan --detailed-exitcode "${RM[@]}" </dev/null >"$WORK/real-plan.txt" 2>&1; then
        bench real_plan "$WARMUP" "$RUNS" "$LSM plan --detailed-exitcode ${RM[*]}" || fail "lsm plan no-op, real lnd"
    else
        cat "$WORK/real-plan.txt" >&2
        fail "the real-lnd signer is not converged after apply"
    fi
else
    fail "lsm apply from nothing, real lnd"
fi
docker rm -f -v "$REAL_NAME" >/dev/null 2>&1 || true
docker volume rm -f "$REAL_NAME-data" >/dev/null 2>&1 || true

# --- the engine's own share ----------------------------------------------------------------
say "8. engine floor: /version, archive reads, container start (raw API, no lsm)"
ENGINE_SOCK="${UPSTREAM:-/var/run/docker.sock}"
python3 "$BENCH/engine_floor.py" "$ENGINE_SOCK" "$NAME" "$IMAGE" "$RUNS" "$RESULTS/engine_floor.json" \
    || fail "engine floor measurement"

# --- 5. peak RSS ------------------------------------------------------------------------------
say "5. peak RSS (GNU time, $RSS_RUNS runs each)"
rss plan "" "$LSM" plan --detailed-exitcode "${M[@]}" || fail "peak RSS of lsm plan"
rss status "" "$LSM" status --json "${M[@]}" || fail "peak RSS of lsm status"
rss apply_noop "" "$LSM" apply --auto-approve --detailed-exitcode "${M[@]}" || fail "peak RSS of lsm apply no-op"
rss apply_fresh "$BENCH/apply_cycle.sh $NAME $WORK /dev/null" "$LSM" apply --auto-approve "${M[@]}" || fail "peak RSS of lsm apply from nothing"

# --- 1. docker-compose no-op up -d on an equivalent container ---------------------------------
say "1. docker-compose up -d, no-op, on an equivalent container"
compose() { docker-compose -p "$COMPOSE_PROJECT" -f "$COMPOSE_FILE" "$@"; }
compose_setup() {
    docker volume create "$BENCH_COMPOSE_VOLUME" >/dev/null || return 1
    docker run --rm --entrypoint /bin/sh -v "$NAME-data:/from:ro" -v "$BENCH_COMPOSE_VOLUME:/to" \
        "$IMAGE" -c 'cp -a /from/. /to/' || return 1
    compose up -d >&2 || return 1
    # Wait (with a deadline) for its lnd to auto-unlock and become active,
    # so the container is as settled as lsm's.
    local deadline=$((SECONDS + 60))
    until docker logs "$BENCH_COMPOSE_NAME" 2>&1 | grep -q "BlockbeatDispatcher is starting"; do
        ((SECONDS < deadline)) || { docker logs "$BENCH_COMPOSE_NAME" >&2; return 1; }
        sleep 0.1
    done
    compose up -d 2>"$WORK/compose-second.txt" >&2 || return 1
    grep -q "up-to-date" "$WORK/compose-second.txt" \
        || { cat "$WORK/compose-second.txt" >&2; echo "the second up -d was not a no-op" >&2; return 1; }
}
if compose_setup; then
    before="$(docker inspect -f '{{.Id}} {{.State.StartedAt}}' "$BENCH_COMPOSE_NAME")"
    bench compose "$WARMUP" "$RUNS" \
        "docker-compose -p $COMPOSE_PROJECT -f $COMPOSE_FILE up -d" || fail "docker-compose up -d no-op"
    after="$(docker inspect -f '{{.Id}} {{.State.StartedAt}}' "$BENCH_COMPOSE_NAME")"
    [[ "$before" == "$after" ]] || fail "docker-compose recreated or restarted its container ($before → $after)"
else
    fail "setting up the docker-compose container"
fi
compose down >/dev/null 2>&1 || true

# --- report -------------------------------------------------------------------------------------
python3 - "$RESULTS/machine.json" <<EOF
import json, os, subprocess, sys, time
def out(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except Exception:
        return "?"
cpu = "?"
try:
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
except OSError:
    pass
commit = out("git", "-C", "$ROOT", "rev-parse", "--short", "HEAD")
# BENCHMARKS.md itself is what this run rewrites; it does not change what was measured.
if out("git", "-C", "$ROOT", "status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)BENCHMARKS.md"):
    commit += " + uncommitted changes"
json.dump({
    "date": time.strftime("%Y-%m-%d"),
    "commit": commit,
    "cores": os.cpu_count(),
    "cpu": cpu,
    "kernel": out("uname", "-r"),
    "docker": out("docker", "version", "--format", "{{.Server.Version}}"),
    "api": out("docker", "version", "--format", "{{.Server.APIVersion}}"),
    "compose": out("docker-compose", "version", "--short"),
    "hyperfine": out("hyperfine", "--version").replace("hyperfine ", ""),
    "runs": $RUNS, "warmup": $WARMUP,
    "apply_runs": $APPLY_RUNS, "apply_warmup": $APPLY_WARMUP,
    "rss_runs": $RSS_RUNS,
    "real_lnd": "$REAL_VERSION",
    "real_apply_runs": $REAL_APPLY_RUNS, "real_apply_warmup": $REAL_APPLY_WARMUP,
    "fleet_size": $FLEET_SIZE,
    "fleet_parallelism": "$FLEET_DEFAULT_PARALLELISM" or "?",
    "fleet_apply_parallelism": $FLEET_APPLY_PARALLELISM,
}, open(sys.argv[1], "w"))
EOF
python3 "$BENCH/report.py" "$RESULTS" "$OUT" || fail "writing $OUT"
say "wrote $OUT"
sed -n '/<!-- bench:begin -->/,/^### Method/p' "$OUT" | sed '$d' >&2

if ((${#FAILED[@]})); then
    say "${#FAILED[@]} step(s) failed: ${FAILED[*]}"
    exit 1
fi
