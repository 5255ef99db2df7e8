#!/usr/bin/env bash
# hyperfine's --prepare for "lsm apply from nothing": first records how long
# the previous run's lnd took from container start to SERVER_ACTIVE (if
# there was a previous run), then removes everything apply creates so the
# next run starts from nothing: container, volume, secrets, bundle, lock dir.
#
# Usage: apply_cycle.sh SIGNER_NAME WORK_DIR READINESS_FILE
set -euo pipefail
name="$1" work="$2" ready="$3"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if docker container inspect "$name" >/dev/null 2>&1; then
    "$here/readiness.py" "$name" >>"$ready"
fi
docker rm -f -v "$name" >/dev/null 2>&1 || true
docker volume rm -f "$name-data" >/dev/null 2>&1 || true
rm -rf "$work/secrets" "$work/out" "$work/state"
