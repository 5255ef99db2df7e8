#!/usr/bin/env bash
# What the remote-engine tests (tests/it/remote_hosts.rs) need to build their
# hosts: iproute2 (`ip netns`, veth pairs) and the OpenSSH server and client
# (the ssh:// hosts). The https:// hosts' TLS proxy is Python's ssl
# (tests/it/support/engine_tls_proxy.py), already on the machine. Installs
# whatever is missing from Debian's packages; does nothing when all is there.
#
# The tests fail, not skip, without these; scripts/test.sh runs this first.
# Exit 0 when every tool is on PATH at the end.
set -uo pipefail

say() { printf 'test-hosts.sh: %s\n' "$*" >&2; }

need=()
command -v ip >/dev/null 2>&1 || need+=(iproute2)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
command -v python3 >/dev/null 2>&1 || need+=(python3)

if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        say "missing ${need[*]}; install them (Debian: apt-get install ${need[*]}) or run this as root"
        exit 1
    fi
    say "installing ${need[*]} from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null 2>&1 || true
    # openssh-server's postinst starts the system's ssh service; the tests
    # start their own sshd on their own addresses and want no sshd on port
    # 22. A policy-rc.d that refuses every start keeps it stopped (only
    # when the machine has none of its own).
    policy=/usr/sbin/policy-rc.d
    own_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && own_policy=1
    fi
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/tmp/test-hosts-apt.log 2>&1
    installed=$?
    [ "$own_policy" = 1 ] && rm -f "$policy"
    if [ "$installed" != 0 ]; then
        say "apt-get install failed:"
        tail -20 /tmp/test-hosts-apt.log >&2
        exit 1
    fi
fi

missing=0
for tool in ip ssh ssh-keygen python3; do
    command -v "$tool" >/dev/null 2>&1 || { say "$tool is still missing"; missing=1; }
done
[ -x /usr/sbin/sshd ] || { say "/usr/sbin/sshd is still missing"; missing=1; }
exit $missing
