#!/usr/bin/env python3
"""Turns the results scripts/bench.sh collected into BENCHMARKS.md's table.

Only the part between the markers <!-- bench:begin --> and
<!-- bench:end --> is replaced; anything written around it (notes, the
history of optimisations) is kept. A file without the markers gets them
appended.

Usage: report.py RESULTS_DIR BENCHMARKS_MD
"""

import json
import os
import statistics
import sys

BEGIN = "<!-- bench:begin -->"
END = "<!-- bench:end -->"


def load(results, name):
    path = os.path.join(results, name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f) if name.endswith(".json") else f.read()


def numbers(text):
    return [float(x) for x in (text or "").split()]


def hf_times(results, key):
    """Per-run wall times in ms of a hyperfine export, or None."""
    doc = load(results, f"hf_{key}.json")
    if not doc:
        return None
    return [t * 1000 for t in doc["results"][0]["times"]]


def spread(values):
    """(median, min, max) of a non-empty list."""
    return statistics.median(values), min(values), max(values)


def ms(v):
    return f"{v:.0f} ms" if v >= 100 else f"{v:.1f} ms"


def secs(v):
    return f"{v / 1000:.1f} s" if v >= 10000 else ms(v)


def row(figure, values, fmt, target="", met="", runs=True):
    if not values:
        return f"| {figure} | FAILED | | {target} | no |"
    med, lo, hi = spread(values)
    n = f" ({len(values)} runs)" if runs else ""
    return f"| {figure} | **{fmt(med)}** | {fmt(lo)} – {fmt(hi)}{n} | {target} | {met} |"


def verdict(ok):
    return "yes" if ok else "**no**"


def apply_split(results, key, readiness_file, warm, failures):
    """Apply-from-nothing wall times, lnd's part and lsm's overhead."""
    fresh = hf_times(results, key)
    ready_all = numbers(load(results, readiness_file))
    ready = ready_all[warm:] if ready_all else []
    if fresh and len(ready) == len(fresh):
        return fresh, ready, [t - r for t, r in zip(fresh, ready)]
    if fresh:
        failures.append(
            f"{key} overhead: {len(ready_all)} readiness samples for "
            f"{warm} warm-up + {len(fresh)} timed runs"
        )
    return fresh, None, None


def real_lnd_rows(results, m, double_plan, double_fresh, failures):
    """Rows against real lnd (built from Go modules), beside the double's
    rows above so the two can be compared."""
    version = m.get("real_lnd", "?")
    warm = int(m.get("real_apply_warmup", 0))
    fresh, ready, overhead = apply_split(
        results, "real_apply_fresh", "readiness_real.txt", warm, failures
    )
    plan = hf_times(results, "real_plan")
    out = [
        row(f"real lnd {version}: `lsm apply` from nothing, total wall time", fresh, ms),
        row("… of which lnd: container start → SERVER_ACTIVE", ready, ms),
        row("… lsm's overhead (total − lnd's part)", overhead, ms, "≤ 300 ms",
            verdict(spread(overhead)[0] <= 300) if overhead else "no"),
        row(f"real lnd {version}: `lsm plan --detailed-exitcode`, no-op", plan, ms),
    ]
    if plan and double_plan:
        ratio = spread(plan)[0] / spread(double_plan)[0]
        out.append(f"| no-op plan, real lnd ÷ the double (medians) | **{ratio:.2f}×** | | | |")
    if fresh and double_fresh:
        ratio = spread(fresh)[0] / spread(double_fresh)[0]
        out.append(f"| apply from nothing, real lnd ÷ the double (medians) | **{ratio:.1f}×** | | | |")
    return out


def fleet_rows(results, m, plan):
    """The fleet of issue 15: a no-op plan of many converged signers, its
    ratio to one no-op plan of the same run, its memory and its Docker
    requests per node."""
    n = int(m.get("fleet_size", 0)) or None
    par = m.get("fleet_parallelism", "?")
    fleet = hf_times(results, "fleet_plan")
    out = [row(
        f"`lsm plan -f DIR --detailed-exitcode`, no-op fleet of {n} converged signers "
        f"(default `--parallelism` {par})", fleet, ms)]
    if fleet and plan:
        ratio = spread(fleet)[0] / spread(plan)[0]
        out.append(
            f"| fleet no-op plan ÷ one no-op plan (medians) | **{ratio:.1f}×** | | ≤ 3× | {verdict(ratio <= 3)} |"
        )
    else:
        out.append("| fleet no-op plan ÷ one no-op plan (medians) | FAILED | | ≤ 3× | no |")
    mb = lambda kb: f"{kb / 1024:.1f} MB"
    top = numbers(load(results, "rss_fleet_plan.txt"))
    out.append(row("peak RSS, fleet no-op plan: largest process (GNU time `%M`)", top, mb,
                   "≤ 30 MB", verdict(max(top) <= 30 * 1024) if top else "no"))
    tree = numbers(load(results, "rss_tree_fleet_plan.txt"))
    out.append(row("peak RSS, fleet no-op plan: lsm and its node processes summed (sampled)", tree, mb))
    counts = numbers(load(results, "requests_fleet_plan_counts.txt"))
    if counts and n:
        med, lo, hi = spread([c / n for c in counts])
        same = "" if lo == hi else f", varied {lo:.1f}–{hi:.1f}"
        out.append(
            f"| Docker API requests per node, fleet no-op plan (total ÷ {n}) | **{med:g}** "
            f"({spread(counts)[0]:.0f} in all{same}) | {len(counts)} runs | ≤ 5 | {verdict(hi <= 5)} |"
        )
    else:
        out.append("| Docker API requests per node, fleet no-op plan | FAILED | | ≤ 5 | no |")
    floor = load(results, "engine_floor_fleet.json")
    if floor:
        label = (f"engine alone, fleet: `GET /version` + one archive read of each of the "
                 f"{floor['nodes']} signers, {floor['parallel']} at a time")
        out.append(row(label, floor["fleet"], ms))
        if fleet:
            ratio = spread(fleet)[0] / spread(floor["fleet"])[0]
            out.append(f"| fleet no-op plan ÷ that engine floor (medians) | **{ratio:.2f}×** | | | |")
    else:
        out.append("| engine alone, fleet: `GET /version` + one archive read of each signer | FAILED | | | no |")
    setup = numbers(load(results, "fleet_apply_ms.txt"))
    label = (f"the fleet's set-up: `lsm apply -f DIR --auto-approve --parallelism "
             f"{m.get('fleet_apply_parallelism', '?')}` from nothing, {n} signers")
    # The first apply's summary up to the first node's reason (which the
    # kept run log has in full).
    retry = (load(results, "fleet_apply_retry.txt") or "").strip().split(" (")[0].replace("|", "\\|")
    if setup and retry:
        out.append(f"| {label} | **{secs(setup[0])}** | 1 run, 2 applies: a port chosen for a node "
                   f"was taken by another container before it was published, so those nodes got "
                   f"new ports (first apply: {retry}) | | |")
    elif setup:
        out.append(f"| {label} | **{secs(setup[0])}** | 1 run | | |")
    else:
        out.append(f"| {label} | FAILED | | | no |")
    return out


def fleet_requests(results, n):
    """The requests of one fleet plan, by kind, node names folded."""
    import re
    text = load(results, "requests_fleet_plan.log")
    if not text:
        return []
    kinds = {}
    for line in text.splitlines():
        kind = re.sub(r"lsm-benchfleet-\d+-\d+", "<node>", line)
        kinds[kind] = kinds.get(kind, 0) + 1
    lines = [f"The requests of one no-op fleet plan of {n} signers, by kind (`<node>` is each node's name):", "", "```"]
    lines.extend(f"{c:3d} × {k}" for k, c in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))
    lines.extend(["```", ""])
    return lines


def floor_rows(plan, floor):
    """The engine floor of one no-op plan, GET /version plus one archive
    read, run by run, and the plan's ratio to it."""
    version, archive = floor.get("version"), floor.get("archive")
    if not (version and archive and len(version) == len(archive)):
        return ["| engine floor: `GET /version` + one archive read | FAILED | | | |"]
    both = [a + b for a, b in zip(version, archive)]
    out = [row("engine floor of a no-op plan: `GET /version` + one archive read (run by run)", both, ms)]
    if plan:
        ratio = spread(plan)[0] / spread(both)[0]
        out.append(
            f"| `lsm plan` no-op ÷ engine floor (medians) | **{ratio:.2f}×** | | ≤ 1.2× | {verdict(ratio <= 1.2)} |"
        )
    else:
        out.append("| `lsm plan` no-op ÷ engine floor (medians) | FAILED | | ≤ 1.2× | no |")
    return out


def main(results, md_path):
    m = load(results, "machine.json") or {}
    failures = [l for l in (load(results, "failures.txt") or "").splitlines() if l.strip()]
    plan = hf_times(results, "plan")
    compose = hf_times(results, "compose")
    status = hf_times(results, "status")
    fresh = hf_times(results, "apply_fresh")
    noop = hf_times(results, "apply_noop")
    ready_all = numbers(load(results, "readiness.txt"))
    warm = int(m.get("apply_warmup", 0))
    ready = ready_all[warm:] if ready_all else []
    overhead = None
    if fresh and len(ready) == len(fresh):
        overhead = [t - r for t, r in zip(fresh, ready)]
    elif fresh:
        failures.append(
            f"apply overhead: {len(ready_all)} readiness samples for "
            f"{warm} warm-up + {len(fresh)} timed runs"
        )
    mb = lambda kb: f"{kb / 1024:.1f} MB"
    rss = {k: numbers(load(results, f"rss_{k}.txt")) for k in ("plan", "apply_fresh", "apply_noop", "status")}
    req_logs = {}
    for k in ("plan", "status", "apply_noop"):
        text = load(results, f"requests_{k}.log")
        req_logs[k] = text.splitlines() if text is not None else None
    req_counts = numbers(load(results, "requests_plan_counts.txt"))

    lines = [BEGIN, ""]
    lines.append(
        f"Measured {m.get('date', '?')} by `scripts/bench.sh` at lsm commit "
        f"`{m.get('commit', '?')}` (release build)."
    )
    lines.append("")
    lines.append(
        f"Machine: {m.get('cores', '?')} cores ({m.get('cpu', '?')}), kernel "
        f"{m.get('kernel', '?')}, Docker Engine {m.get('docker', '?')} (API "
        f"{m.get('api', '?')}), docker-compose {m.get('compose', '?')}, "
        f"hyperfine {m.get('hyperfine', '?')}. The machine is shared: other "
        "work may run on the same cores."
    )
    lines.append("")
    lines.append("| figure | median | min – max | target | met |")
    lines.append("|---|---|---|---|---|")
    plan_ok = bool(plan) and spread(plan)[0] <= 50
    lines.append(row("`lsm plan --detailed-exitcode`, no-op", plan, ms, "≤ 50 ms", verdict(plan_ok) if plan else "no"))
    lines.append(row("`docker-compose up -d`, no-op, equivalent container", compose, ms, "", ""))
    if plan and compose:
        ratio = spread(compose)[0] / spread(plan)[0]
        lines.append(
            f"| compose no-op ÷ lsm no-op plan (medians) | **{ratio:.1f}×** | | ≥ 5× | {verdict(ratio >= 5)} |"
        )
    else:
        lines.append("| compose no-op ÷ lsm no-op plan (medians) | FAILED | | ≥ 5× | no |")
    lines.append(row("`lsm status --json`", status, ms))
    lines.append(row("`lsm apply` from nothing, total wall time", fresh, ms))
    lines.append(row("… of which lnd: container start → SERVER_ACTIVE", ready if fresh else None, ms))
    ov_ok = bool(overhead) and spread(overhead)[0] <= 300
    lines.append(row("… lsm's overhead (total − lnd's part)", overhead, ms, "≤ 300 ms", verdict(ov_ok) if overhead else "no"))
    lines.append(row("`lsm apply` no-op (converged)", noop, ms))
    lines.extend(real_lnd_rows(results, m, plan, fresh, failures))
    for key, label in (
        ("plan", "peak RSS, `lsm plan` no-op"),
        ("apply_fresh", "peak RSS, `lsm apply` from nothing"),
        ("apply_noop", "peak RSS, `lsm apply` no-op"),
        ("status", "peak RSS, `lsm status --json`"),
    ):
        vals = rss[key]
        ok = bool(vals) and max(vals) <= 30 * 1024
        lines.append(row(label, vals, mb, "≤ 30 MB", verdict(ok) if vals else "no"))
    if req_counts:
        med, lo, hi = spread(req_counts)
        same = "" if lo == hi else f" (varied {lo:.0f}–{hi:.0f})"
        lines.append(
            f"| Docker API requests, `lsm plan` no-op | **{med:.0f}**{same} | {len(req_counts)} runs | ≤ 5 | {verdict(hi <= 5)} |"
        )
    else:
        lines.append("| Docker API requests, `lsm plan` no-op | FAILED | | ≤ 5 | no |")
    for k, label in (("status", "`lsm status --json`"), ("apply_noop", "`lsm apply` no-op")):
        if req_logs[k] is not None:
            lines.append(f"| Docker API requests, {label} | {len(req_logs[k])} | 1 run | | |")
    lines.extend(fleet_rows(results, m, plan))
    floor = load(results, "engine_floor.json")
    if floor:
        for key, label in (
            ("version", "engine alone: `GET /version`"),
            ("archive", "engine alone: one archive read of `/root/.lnd/lsm`"),
            ("archive_x2", "engine alone: two archive reads at once"),
            ("start", "engine alone: `POST /containers/…/start` of a like container"),
        ):
            lines.append(row(label, floor.get(key), ms))
        lines.extend(floor_rows(plan, floor))
    else:
        lines.append("| engine floor | FAILED | | | no |")
        lines.append("| `lsm plan` no-op ÷ engine floor (medians) | FAILED | | ≤ 1.2× | no |")
    doc = load(results, "hf_plan.json")
    if doc:
        r = doc["results"][0]
        lines.append(
            f"| `lsm plan` no-op, lsm's CPU time (user + system, mean) | {ms((r['user'] + r['system']) * 1000)} | | | |"
        )
    lines.append("")
    if req_logs["plan"]:
        lines.append("The requests of one no-op `lsm plan`, as the counting proxy saw them:")
        lines.append("")
        lines.append("```")
        lines.extend(req_logs["plan"])
        lines.append("```")
        lines.append("")
    lines.extend(fleet_requests(results, m.get("fleet_size", "?")))
    if failures:
        lines.append("**Failed steps** (the script exited non-zero):")
        lines.append("")
        lines.extend(f"- {f}" for f in failures)
        lines.append("")
    lines.append(METHOD.format(**{
        "runs": m.get("runs", "?"),
        "warmup": m.get("warmup", "?"),
        "apply_runs": m.get("apply_runs", "?"),
        "apply_warmup": m.get("apply_warmup", "?"),
        "rss_runs": m.get("rss_runs", "?"),
        "fleet_size": m.get("fleet_size", "?"),
        "fleet_parallelism": m.get("fleet_parallelism", "?"),
        "fleet_apply_parallelism": m.get("fleet_apply_parallelism", "?"),
    }).strip())
    lines.append("")
    lines.append(END)
    block = "\n".join(lines)

    old = open(md_path).read() if os.path.exists(md_path) else HEADER
    if BEGIN in old and END in old:
        pre, _, rest = old.partition(BEGIN)
        _, _, post = rest.partition(END)
        new = pre + block + post
    else:
        new = old.rstrip("\n") + "\n\n" + block + "\n"
    with open(md_path, "w") as f:
        f.write(new)


HEADER = """# Benchmarks

What lsm costs, measured by one command, `scripts/bench.sh` (see the
README's "Benchmarks" section). The table below is rewritten by every run.
"""

METHOD = """
### Method

- **Signer.** A regtest Docker signer from a fresh manifest (unique name,
  free loopback ports, its own secrets, bundle and lock directories) on the
  image `lsm-bench/lnd:v0.20.0-beta`: the lnd double built with
  `cargo build --release`, packaged by `scripts/build-test-image.sh`, plus
  `LND_DOUBLE_STARTUP_DELAY_MS=0` (`bench/image/Dockerfile`). lsm is the
  release build. Every lsm command runs with `-f signer.toml`, `NO_COLOR=1`,
  stdin from /dev/null (no terminal).
- **Timing.** hyperfine, without an intermediate shell (`-N`): {warmup}
  warm-up runs, then {runs} timed runs for plan, status, apply no-op and
  compose; {apply_warmup} warm-up and {apply_runs} timed runs for apply from
  nothing. Median and min – max of the timed runs. A run that exits
  non-zero fails the benchmark: `plan --detailed-exitcode` and
  `apply --detailed-exitcode` exit 2 if anything was (or would be) changed,
  so every timed no-op really was one.
- **compose.** `bench/compose/docker-compose.yml` declares the same
  container lsm runs (image, arguments, restart policy, ports published on
  127.0.0.1 — other port numbers, so both run side by side) on a volume
  holding a copy of the signer's volume (lnd.conf, the wallet-password copy
  and the wallet, so its lnd auto-unlocks like lsm's). The first `up -d`
  creates and starts it; the script checks that a second `up -d` reports
  "up-to-date" and that the container's id and start time are the same after
  all timed runs (no recreate, no restart).
- **apply from nothing.** Before each run (hyperfine `--prepare`,
  `bench/apply_cycle.sh`) the container, the volume, the secrets, the bundle
  and the lock directory are removed. lnd's part of each run is measured
  on the engine's clock by `bench/readiness.py`: from the container's
  `State.StartedAt` to the engine's timestamp on the log line the double
  prints when it enters SERVER_ACTIVE ("Server started, lnd is fully
  active", `docker logs --timestamps`). That window also contains what lsm
  does while lnd runs — GenSeed, writing seed.txt, InitWallet — and lnd's
  own wallet creation. lsm's overhead is, run by run, the wall time minus
  that window: everything before the container starts (observation, image
  check, volume, container creation, lnd.conf and password upload) and
  everything after lnd is active (re-observation, baking the macaroon,
  writing the bundle, the final convergence check).
- **Peak RSS.** GNU time's `%M` (maximum resident set size) over
  {rss_runs} runs of each command; apply from nothing is reset before each run.
  The table gives median and min – max; the target is checked against the max.
- **Engine floor.** `bench/engine_floor.py` times, over a raw HTTP client
  on the engine's socket (no docker CLI, no lsm), the requests lsm's time is
  made of: `GET /version`, an archive read of the signer's `/root/.lnd/lsm`
  (the engine runs a helper process, `docker-tar`, for every archive read),
  two at once, and the start of a container like the signer's (same image,
  a volume, two published ports). These rows are the engine's share, not lsm's.
- **Ratio to the engine floor.** A no-op plan cannot be faster than its
  connect-time `GET /version` followed by its one archive read of
  `/root/.lnd/lsm`, the long pole of the reads it makes at once (the
  container, volume and image inspects and lnd's gRPC run beside it). The
  floor is, run by run, the sum of the two times `bench/engine_floor.py`
  measured in the same iteration; the ratio is the no-op plan's median over
  the floor's median, both from this run.
- **Fleet.** {fleet_size} signers like the one above (names
  `lsm-benchfleet-<pid>-<n>`, free loopback ports, each with its own
  secrets and bundle directory; their lock files, in the one
  `LSM_STATE_DIR`, are per signer name), their manifests side by side in
  one directory. One fleet apply sets them up (its wall time is the set-up
  row): `lsm apply -f DIR --auto-approve --parallelism {fleet_apply_parallelism}`.
  The script then requires `lsm plan -f DIR --detailed-exitcode` to exit
  0, every node converged, before timing that plan with hyperfine as above
  ({warmup} warm-up, {runs} timed runs), at lsm's default parallelism:
  {fleet_parallelism} nodes at once, each its own `lsm` child process. The
  ratio is the fleet plan's median over the single no-op plan's median of
  this run. Its peak RSS is measured twice, {rss_runs} runs each: GNU
  time's `%M`, which for a tree of processes is its largest single process
  (the fleet's lsm or one node's), not their sum; and `bench/tree_rss.py`,
  which samples every 5 ms the resident memory of every process in the
  run's session (the fleet's lsm and the node children then running) and
  keeps the largest sum (a lower bound: a sample can miss a peak). Its
  Docker requests are counted through the proxy over 3 runs and divided by
  the number of nodes. The fleet's engine floor is timed by
  `bench/engine_floor.py --fleet` (5 runs after a warm-up): for every
  node, `GET /version` then its archive read, {fleet_parallelism} nodes at a
  time as the fleet runs them, without lsm. Afterwards the fleet's
  containers, volumes and directories are removed, by the exit trap too if
  a step fails.
- **Docker requests.** `bench/docker_count_proxy.py` listens on a unix
  socket, passes every byte to the engine's socket and logs each HTTP request
  it parses; lsm reaches it through `DOCKER_HOST=unix://…`. That counts
  every request, the connect-time handshake included, from outside lsm.
"""

if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: report.py RESULTS_DIR BENCHMARKS_MD")
    main(*sys.argv[1:])
