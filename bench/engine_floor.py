#!/usr/bin/env python3
"""What the Docker engine itself needs for the requests lsm makes, timed
with a raw HTTP client on its unix socket (no docker CLI, no lsm), so the
benchmark can say how much of lsm's time is the engine's.

Measures, RUNS times each, in milliseconds:
- version: GET /version (lsm's one connect-time request)
- archive: GET /containers/NAME/archive?path=/root/.lnd/lsm (one file read
  out of the volume; the engine runs a helper process for each)
- archive_x2: two such reads at once (a no-op observation makes two)
- start: POST /containers/ID/start of a container like the signer (same
  image, a volume at /root/.lnd, two ports published on 127.0.0.1), created
  beforehand and removed afterwards; its process is a shell that sleeps.

With --fleet, instead: the engine's share of a fleet plan. For every
CONTAINER, GET /version then its archive read (what each node's lsm asks
first and longest), PARALLEL containers at a time, as the fleet runs its
nodes; RUNS times the whole batch (after one warm-up), in milliseconds.

Usage: engine_floor.py SOCKET CONTAINER IMAGE RUNS OUT.json
       engine_floor.py --fleet SOCKET RUNS PARALLEL OUT.json CONTAINER...
"""

import concurrent.futures
import http.client
import json
import socket
import sys
import threading
import time
import urllib.parse


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=60)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def request(sock, method, path, body=None):
    conn = UnixConnection(sock)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    if resp.status >= 400:
        raise RuntimeError(f"{method} {path}: HTTP {resp.status}: {data[:200]!r}")
    return data


def timed(fn):
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def archive_path(api, container):
    return f"/v{api}/containers/{container}/archive?path=" + urllib.parse.quote("/root/.lnd/lsm", safe="")


def fleet(sock, runs, parallel, out, containers):
    api = json.loads(request(sock, "GET", "/version"))["ApiVersion"]

    def node(container):
        request(sock, "GET", "/version")
        request(sock, "GET", archive_path(api, container))

    def batch():
        with concurrent.futures.ThreadPoolExecutor(max_workers=int(parallel)) as pool:
            for f in [pool.submit(node, c) for c in containers]:
                f.result()

    batch()  # warm-up
    times = [timed(batch) for _ in range(int(runs))]
    with open(out, "w") as f:
        json.dump({"fleet": times, "parallel": int(parallel), "nodes": len(containers)}, f)


def main(sock, container, image, runs, out):
    runs = int(runs)
    api = json.loads(request(sock, "GET", "/version"))["ApiVersion"]
    v = f"/v{api}"
    archive = archive_path(api, container)

    def two_archives():
        threads = [threading.Thread(target=request, args=(sock, "GET", archive)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    result = {"version": [], "archive": [], "archive_x2": [], "start": []}
    for _ in range(2):  # warm-up
        request(sock, "GET", "/version")
        request(sock, "GET", archive)
    for _ in range(runs):
        result["version"].append(timed(lambda: request(sock, "GET", "/version")))
        result["archive"].append(timed(lambda: request(sock, "GET", archive)))
        result["archive_x2"].append(timed(two_archives))

    name = f"{container}-engine-floor"
    volume = f"{name}-data"
    try:
        for i in range(runs + 1):
            body = {
                "Image": image,
                "Entrypoint": ["/bin/sh"],
                "Cmd": ["-c", "sleep 600"],
                "HostConfig": {
                    "PortBindings": {
                        "10012/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(free_port())}],
                        "10013/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(free_port())}],
                    },
                    "Mounts": [{"Type": "volume", "Source": volume, "Target": "/root/.lnd"}],
                },
                "ExposedPorts": {"10012/tcp": {}, "10013/tcp": {}},
            }
            cid = json.loads(request(sock, "POST", f"{v}/containers/create?name={name}", body))["Id"]
            ms = timed(lambda: request(sock, "POST", f"{v}/containers/{cid}/start"))
            if i > 0:  # the first is a warm-up
                result["start"].append(ms)
            request(sock, "DELETE", f"{v}/containers/{cid}?force=true")
    finally:
        for path in (f"{v}/containers/{name}?force=true", f"{v}/volumes/{volume}?force=true"):
            try:
                request(sock, "DELETE", path)
            except Exception:
                pass
    with open(out, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    if len(sys.argv) >= 7 and sys.argv[1] == "--fleet":
        fleet(*sys.argv[2:6], sys.argv[6:])
        sys.exit(0)
    if len(sys.argv) != 6:
        sys.exit("usage: engine_floor.py SOCKET CONTAINER IMAGE RUNS OUT.json")
    main(*sys.argv[1:])
