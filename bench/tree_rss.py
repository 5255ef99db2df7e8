#!/usr/bin/env python3
"""Peak resident memory of a whole process tree, summed over its processes.

GNU time's %M is the largest single process of a tree (the kernel keeps the
maximum, not the sum, of a process and its waited-for children), so for a
fleet run, whose lsm starts one lsm child per node, it shows one process
only. This runs COMMAND in a session of its own and samples, every
INTERVAL, the resident set (RSS from /proc/PID/statm) of every process in
that session, and appends the largest sum seen, in KB, to OUT. Sampling can miss a
peak between two samples: the figure is a lower bound of the true peak.

Usage: tree_rss.py INTERVAL_MS OUT COMMAND [ARG...]
Exits with COMMAND's exit code (1 if it could not run; OUT is then left
alone); stdin, stdout and stderr are COMMAND's.
"""

import os
import subprocess
import sys
import time

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def session_rss_kb(sid):
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            # Fields after the command name, which is in parentheses and may
            # hold spaces: state ppid pgrp session ...
            if int(stat.rsplit(")", 1)[1].split()[3]) != sid:
                continue
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * PAGE_KB
        except (OSError, IndexError, ValueError):
            continue  # gone between listing and reading
    return total


def main(interval_ms, command):
    interval = float(interval_ms) / 1000
    try:
        child = subprocess.Popen(command, start_new_session=True)
    except OSError as e:
        print(f"tree_rss.py: cannot run {command[0]}: {e}", file=sys.stderr)
        return 1, 0
    peak = 0
    while child.poll() is None:
        peak = max(peak, session_rss_kb(child.pid))
        time.sleep(interval)
    return child.returncode, peak


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit("usage: tree_rss.py INTERVAL_MS OUT COMMAND [ARG...]")
    code, peak = main(sys.argv[1], sys.argv[3:])
    if code == 0:
        with open(sys.argv[2], "a") as f:
            f.write(f"{peak}\n")
    sys.exit(code)
