"""A small HTTP port for operators: GET /healthz and GET /metrics (Prometheus).

/healthz answers 200 only when the store reads and writes (its file still the one opened, the disk
not full), every background loop runs and polling moves; otherwise 503 with the reasons. Nothing
about any runner is ever in these answers. A request line or header over 8 KiB gets 431.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.metrics import ACTIVE_USERS, REGISTRY

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[str | None]]  # None when healthy, else the reason
LINE_LIMIT = 8192
REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    431: "Request Header Fields Too Large",
    503: "Service Unavailable",
}
Count = Callable[[], Awaitable[int]]


class HealthServer:
    def __init__(self, host: str, port: int, check: Check, active_users: Count) -> None:
        self.host, self.port = host, port
        self.check, self.active_users = check, active_users
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, self.host, self.port, limit=LINE_LIMIT)
        sockets = self._server.sockets
        if sockets:
            self.port = sockets[0].getsockname()[1]
        log.info("health and metrics on http://%s:%s", self.host, self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readline(), timeout=5)
            while (await asyncio.wait_for(reader.readline(), timeout=5)).strip():
                pass  # headers are not needed
            parts = request.decode("latin-1").split()
            path = parts[1] if len(parts) > 1 else ""
            status, kind, body = await self._answer(path)
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            status, kind, body = 400, "text/plain", b"bad request\n"
        except ValueError:  # a line longer than LINE_LIMIT (latin-1 decodes any byte)
            status, kind, body = 431, "text/plain", b"request header fields too large\n"
        head = f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}\r\nContent-Type: {kind}\r\n"
        head += f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        with contextlib.suppress(ConnectionError):
            writer.write(head.encode() + body)
            await writer.drain()
            writer.close()

    async def _answer(self, path: str) -> tuple[int, str, bytes]:
        if path == "/healthz":
            problem = await self.check()
            return (200, "text/plain", b"ok\n") if problem is None else (503, "text/plain", f"{problem}\n".encode())
        if path == "/metrics":
            with contextlib.suppress(Exception):  # metrics still answer if the store is briefly unhappy
                ACTIVE_USERS.set(await self.active_users())
            return 200, CONTENT_TYPE_LATEST, generate_latest(REGISTRY)
        return 404, "text/plain", b"not found\n"
