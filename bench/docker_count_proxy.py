#!/usr/bin/env python3
"""A counting proxy for the Docker Engine API on a unix socket.

lsm (or docker, or docker-compose) is pointed at it with
DOCKER_HOST=unix:///path/to/proxy.sock; every byte goes through unchanged to
the real engine socket, and every HTTP request the client sends is appended
to the log as one line "METHOD PATH?QUERY". The number of lines is the
number of Docker API requests, counted outside lsm (lsm's own counter,
DockerReader::stats, does not see the connect-time ping and version
negotiation).

Requests are found by parsing the client-to-engine direction as HTTP/1.1:
a header block, then a body of Content-Length bytes or a chunked body, then
the next request on the same keep-alive connection. A request that upgrades
the connection (attach, exec with Upgrade) switches that connection to raw
copying. Python standard library only.

Usage: docker_count_proxy.py LISTEN_SOCKET UPSTREAM_SOCKET LOG_FILE
It writes "ready" on stdout once it listens, and runs until killed.
"""

import asyncio
import os
import sys


async def pump(reader, writer):
    """Copies bytes one way until EOF."""
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        close_write(writer)


def close_write(writer):
    """Half-closes the copy's destination so the other side sees EOF."""
    try:
        writer.write_eof()
    except (OSError, RuntimeError):
        pass


async def copy_exact(reader, writer, n):
    while n > 0:
        data = await reader.read(min(n, 65536))
        if not data:
            raise asyncio.IncompleteReadError(b"", n)
        writer.write(data)
        n -= len(data)
    await writer.drain()


async def copy_chunked(reader, writer):
    """Copies a chunked body including its trailer."""
    while True:
        size_line = await reader.readuntil(b"\r\n")
        writer.write(size_line)
        size = int(size_line.split(b";")[0].strip(), 16)
        if size == 0:
            # Trailer lines until an empty line.
            while True:
                line = await reader.readuntil(b"\r\n")
                writer.write(line)
                if line == b"\r\n":
                    await writer.drain()
                    return
        await copy_exact(reader, writer, size + 2)


async def requests(reader, writer, log):
    """Copies the client's requests upstream, logging each one."""
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                break
            lines = head.decode("latin-1").split("\r\n")
            log(lines[0].rsplit(" ", 1)[0])
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    k, v = line.split(":", 1)
                    headers[k.strip().lower()] = v.strip()
            writer.write(head)
            if "chunked" in headers.get("transfer-encoding", "").lower():
                await copy_chunked(reader, writer)
            elif headers.get("content-length"):
                await copy_exact(reader, writer, int(headers["content-length"]))
            else:
                await writer.drain()
            if "upgrade" in headers.get("connection", "").lower():
                await pump(reader, writer)
                return
    except (ConnectionError, asyncio.IncompleteReadError, ValueError):
        pass
    finally:
        close_write(writer)


async def main(listen, upstream, log_path):
    log_file = open(log_path, "a", buffering=1)

    def log(line):
        log_file.write(line + "\n")

    async def handle(client_r, client_w):
        try:
            up_r, up_w = await asyncio.open_unix_connection(upstream)
        except OSError:
            client_w.close()
            return
        await asyncio.gather(requests(client_r, up_w, log), pump(up_r, client_w))
        for w in (up_w, client_w):
            w.close()

    if os.path.exists(listen):
        os.unlink(listen)
    server = await asyncio.start_unix_server(handle, path=listen)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: docker_count_proxy.py LISTEN_SOCKET UPSTREAM_SOCKET LOG_FILE")
    try:
        asyncio.run(main(*sys.argv[1:]))
    except KeyboardInterrupt:
        pass
