#!/usr/bin/env python3
"""The https:// test host's engine endpoint: a TLS-terminating proxy that
requires a client certificate signed by the test CA, in front of the Docker
engine's unix socket (tests/it/test_hosts.rs starts one per host).

    engine_tls_proxy.py LISTEN_IP PORT CERT KEY CA ENGINE_SOCKET

Prints "ready" on stdout once it listens. Why Python's ssl and not socat:
socat 1.7.4 with verify=1 sets no session id context, so OpenSSL refuses
every resumed TLS session (rustls resumes), failing the second connection.
"""
import asyncio
import ssl
import sys


async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
        pass
    finally:
        try:
            if writer.can_write_eof():
                writer.write_eof()
            else:
                writer.close()
        except (OSError, RuntimeError):
            pass


async def serve(client_reader, client_writer, socket_path):
    try:
        engine_reader, engine_writer = await asyncio.open_unix_connection(socket_path)
    except OSError:
        client_writer.close()
        return
    await asyncio.gather(pipe(client_reader, engine_writer), pipe(engine_reader, client_writer))
    for w in (engine_writer, client_writer):
        w.close()


async def main():
    ip, port, cert, key, ca, socket_path = sys.argv[1:7]
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    ctx.load_verify_locations(ca)
    ctx.verify_mode = ssl.CERT_REQUIRED
    server = await asyncio.start_server(
        lambda r, w: serve(r, w, socket_path), ip, int(port), ssl=ctx, reuse_address=True
    )
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
