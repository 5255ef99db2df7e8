#!/usr/bin/env bash
# Makes sure a Docker engine answers; starts one when none does.
#
#   scripts/docker-engine.sh        # as root on a machine without an engine
#
# With an engine already answering it does nothing and exits 0 at once (a
# developer's own Docker, or a run before this one). Otherwise, as root, it
# installs what is missing from Debian's packages (docker.io, fuse-overlayfs,
# iptables), writes /etc/docker/daemon.json if there is none (fuse-overlayfs,
# the storage driver that works on a root file system that is itself an
# overlay; MTU 1400), mounts the cgroup v1 hierarchies dockerd needs when
# nothing did, and starts dockerd in the background with its log in
# /var/log/docker.log. It then waits for the engine to answer.
#
# It never stops or restarts a dockerd, and never starts a second one beside a
# running dockerd that does not answer yet: a second dockerd on the same host
# can delete the first one's docker0 bridge when it stops.
#
# Why not /etc/init.d/docker: it raises `ulimit -n` under `set -e`, which a
# container without CAP_SYS_RESOURCE refuses, so the script stops before it
# starts dockerd.
#
# Exit 0 when `docker version` answers at the end, 1 otherwise (with the end
# of dockerd's log). DOCKERD_WAIT_S bounds the wait (default 90).
set -uo pipefail

WAIT_S=${DOCKERD_WAIT_S:-90}
LOG=/var/log/docker.log

say() { printf 'docker-engine.sh: %s\n' "$*" >&2; }
answers() { docker version >/dev/null 2>&1; }

if answers; then
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    say "no Docker engine answers and this is not root: start dockerd yourself, or run this script as root"
    exit 1
fi

# The configuration first, so that a daemon started by the package's own
# postinst already uses it. An existing daemon.json is the machine's own.
mkdir -p /etc/docker
if [ ! -s /etc/docker/daemon.json ]; then
    cat >/etc/docker/daemon.json <<'JSON'
{"data-root": "/var/lib/docker", "storage-driver": "fuse-overlayfs", "mtu": 1400, "log-driver": "json-file", "log-opts": {"max-size": "10m", "max-file": "3"}}
JSON
fi

need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v fuse-overlayfs >/dev/null 2>&1 || need+=(fuse-overlayfs)
command -v iptables >/dev/null 2>&1 || need+=(iptables)
if [ ${#need[@]} -gt 0 ]; then
    say "installing ${need[*]} from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null 2>&1 || true
    # docker.io's own package pulls in containerd and runc.
    if ! apt-get install -y -qq --no-install-recommends "${need[@]}" >/tmp/docker-engine-apt.log 2>&1; then
        say "apt-get install ${need[*]} failed:"
        tail -n 20 /tmp/docker-engine-apt.log >&2
        exit 1
    fi
fi
command -v docker >/dev/null 2>&1 || { say "no docker client after the install"; exit 1; }

# The package's postinst may have started an engine by now.
if ! answers && ! pgrep -x dockerd >/dev/null 2>&1; then
    # What Debian's init script does before it starts dockerd: mount the
    # cgroup v1 hierarchies (cgroup v2 hosts have them under one mount).
    if [ -e /proc/cgroups ] && [ -d /sys/fs/cgroup ] && [ ! -e /sys/fs/cgroup/cgroup.controllers ]; then
        mountpoint -q /sys/fs/cgroup || mount -t tmpfs -o uid=0,gid=0,mode=0755 cgroup /sys/fs/cgroup
        for sys in $(awk '!/^#/ { if ($4 == 1) print $1 }' /proc/cgroups); do
            mkdir -p "/sys/fs/cgroup/$sys"
            mountpoint -q "/sys/fs/cgroup/$sys" \
                || mount -n -t cgroup -o "$sys" cgroup "/sys/fs/cgroup/$sys" 2>/dev/null \
                || rmdir "/sys/fs/cgroup/$sys" 2>/dev/null || true
        done
    fi
    say "starting dockerd (log: $LOG)"
    setsid nohup dockerd >>"$LOG" 2>&1 </dev/null &
fi

for _ in $(seq 1 "$WAIT_S"); do
    if answers; then
        say "engine answers ($(docker version --format '{{.Server.Version}}' 2>/dev/null), $(docker info --format '{{.Driver}}' 2>/dev/null))"
        exit 0
    fi
    sleep 1
done
say "no engine answered within ${WAIT_S}s; the end of $LOG:"
tail -n 30 "$LOG" >&2 2>/dev/null
exit 1
