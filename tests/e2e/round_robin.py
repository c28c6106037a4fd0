"""A small HTTP load balancer for the end-to-end tests: what Caddy does in deploy/compose.yaml.

Each request goes to the next backend in turn. A backend that refuses the connection (a killed
instance) is skipped for the next one, as Caddy's `lb_try_duration` does; a backend that dies while
answering gets the client a 502, and the client (the Bot API peer, like Telegram) posts again.

Usage: python -m tests.e2e.round_robin PORT BACKEND_URL... ; prints "listening PORT" when ready.
"""

from __future__ import annotations

import asyncio
import itertools
import sys

import httpx

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class Balancer:
    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self.turns = itertools.cycle(range(len(backends)))
        # no pooled connection outlives a killed backend for long; every request is short
        self.client = httpx.AsyncClient(timeout=60.0)

    async def forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> httpx.Response | None:
        """The first backend, in turn, that takes the connection answers; None when none does."""
        first = next(self.turns)
        for offset in range(len(self.backends)):
            backend = self.backends[(first + offset) % len(self.backends)]
            try:
                return await self.client.request(method, backend + path, headers=headers, content=body)
            except httpx.ConnectError:
                continue  # down: the next one
            except httpx.TransportError:
                return None  # died while answering: the request may have been handled; the client decides
        return None

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while request := await reader.readline():
                method, path, _ = request.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while (line := await reader.readline()).strip():
                    name, _, value = line.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                forwarded = {k: v for k, v in headers.items() if k not in HOP_BY_HOP}
                answer = await self.forward(method, path, forwarded, body)
                status, content = (answer.status_code, answer.content) if answer is not None else (502, b"")
                writer.write(
                    f"HTTP/1.1 {status} X\r\nContent-Length: {len(content)}\r\n\r\n".encode("latin-1") + content
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass  # the client went away or spoke nonsense: drop the connection
        finally:
            writer.close()


async def main(port: int, backends: list[str]) -> None:
    balancer = Balancer(backends)
    server = await asyncio.start_server(balancer.serve, "127.0.0.1", port)
    print(f"listening {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2:]))
