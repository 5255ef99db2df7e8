#!/usr/bin/env python3
"""How long lnd took from its container's start to SERVER_ACTIVE.

Both ends come from the engine's clock: the container's State.StartedAt
(docker inspect), and the engine's own timestamp (`docker logs
--timestamps`) on the last line lnd logs before it turns SERVER_ACTIVE.
lnd logs nothing at the transition itself (lnd.go: server.Start returns,
then SetServerActive); the last line of server.Start in v0.20.0-beta is the
block beat dispatcher starting, which the lnd double logs too. Prints
milliseconds. Fails when the container restarted (the window would be
ambiguous) or never got there.

Usage: readiness.py CONTAINER
"""

import subprocess
import sys

ACTIVE_LINE = "BlockbeatDispatcher is starting"


def nanos(rfc3339):
    """RFC 3339 with up to nanoseconds, UTC ('Z'), as integer ns since epoch."""
    import calendar

    date, _, rest = rfc3339.strip().partition("T")
    if not rest.endswith("Z"):
        raise ValueError(f"not a UTC timestamp: {rfc3339!r}")
    clock, _, frac = rest[:-1].partition(".")
    y, mo, d = (int(x) for x in date.split("-"))
    h, mi, s = (int(x) for x in clock.split(":"))
    secs = calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0))
    return secs * 1_000_000_000 + int((frac or "0").ljust(9, "0")[:9])


def main(name):
    fmt = "{{.State.StartedAt}} {{.RestartCount}}"
    out = subprocess.run(
        ["docker", "inspect", "-f", fmt, name], check=True, capture_output=True, text=True
    ).stdout.split()
    started, restarts = nanos(out[0]), int(out[1])
    if restarts != 0:
        sys.exit(f"readiness: {name} restarted {restarts} time(s); the window is ambiguous")
    logs = subprocess.run(
        ["docker", "logs", "--timestamps", name], check=True, capture_output=True, text=True
    )
    for line in (logs.stdout + logs.stderr).splitlines():
        if ACTIVE_LINE in line:
            active = nanos(line.split(" ", 1)[0])
            if active < started:
                continue
            print(f"{(active - started) / 1e6:.3f}")
            return
    sys.exit(f"readiness: {name} never logged {ACTIVE_LINE!r}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: readiness.py CONTAINER")
    main(sys.argv[1])
