"""/healthz goes red on what really breaks the bot, and the health port survives odd requests."""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import health_problem
from bot.polling import PollingBot
from bot.services import App, installed
from bot.store import SqliteStore
from content import Content
from tests.bot_fixture import running_bot
from tests.fake_bot_api import FakeBotApi, message_update
from tests.waiting import eventually


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def watched_bot(database: Path, **overrides: Any) -> AsyncIterator[tuple[App, FakeBotApi, httpx.AsyncClient]]:
    port = free_port()
    async with (
        running_bot(database, health_port=port, send_rate_per_second=0, **overrides) as (app, api),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client,
    ):
        yield app, api, client


async def healthz(client: httpx.AsyncClient) -> tuple[int, str]:
    answer = await client.get("/healthz")
    return answer.status_code, answer.text


async def test_healthz_is_green_on_a_healthy_bot(tmp_path: Path) -> None:
    async with watched_bot(tmp_path / "h.sqlite3") as (app, _, client):
        await app.process_update(message_update(app.bot, 1, "/start"))
        assert await healthz(client) == (200, "ok\n")


@pytest.mark.parametrize("how", ["deleted", "replaced"])
async def test_a_deleted_or_replaced_database_file_is_noticed_at_once(
    tmp_path: Path, content: Content, how: str
) -> None:
    db = tmp_path / "h.sqlite3"
    async with watched_bot(db) as (app, api, client):
        await app.process_update(message_update(app.bot, 2, "/start"))
        db.unlink()
        if how == "replaced":
            sqlite3.connect(db).close()
        status, text = await healthz(client)
        assert status == 503 and f"database file {db} was {how}" in text
        # a runner's next message is not saved into a file nobody will read again: they hear of it
        await app.process_update(message_update(app.bot, 2, "yes"))
        assert api.sent(2)[-1].text == content.strings.error


async def test_a_full_disk_turns_health_red(tmp_path: Path, content: Content) -> None:
    async with watched_bot(tmp_path / "h.sqlite3") as (app, api, client):
        store = installed(app).store
        assert isinstance(store, SqliteStore)
        # SQLite's own "database or disk is full", exactly what a full disk gives: no page to grow
        # (set on the backend's own connection, which no interface offers)
        await store._run(lambda conn: conn.execute("PRAGMA max_page_count = 1").fetchone())
        for user in range(100, 400):  # runners arrive until the file can hold no more
            await app.process_update(message_update(app.bot, user, "/start"))
            if api.sent(user)[-1].text == content.strings.error:
                break
        status, text = await healthz(client)
        assert status == 503 and "database or disk is full" in text


async def test_little_free_space_turns_health_red(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with watched_bot(tmp_path / "h.sqlite3") as (_, _, client):
        almost_full = shutil._ntuple_diskusage(10**9, 10**9, 4096)
        monkeypatch.setattr(shutil, "disk_usage", lambda path: almost_full)
        status, text = await healthz(client)
        assert status == 503 and "disk full: 4096 bytes free" in text


@pytest.mark.parametrize(("sender", "name"), [("broadcaster", "broadcast"), ("outbox", "outbox")])
async def test_a_loop_that_is_not_running_turns_health_red(tmp_path: Path, sender: str, name: str) -> None:
    async with watched_bot(tmp_path / "h.sqlite3") as (app, _, client):
        loop = getattr(installed(app), sender).loop
        assert loop.task is not None
        loop.task.cancel()
        await asyncio.wait([loop.task])
        status, text = await healthz(client)
        assert status == 503 and f"{name} loop not running" in text


async def test_background_loops_survive_database_errors_with_backoff(tmp_path: Path) -> None:
    async with watched_bot(tmp_path / "h.sqlite3", admin_ids=frozenset({9})) as (app, api, client):
        found = installed(app)
        for loop in (found.broadcaster.loop, found.scheduler.loop):
            loop.backoff = 0.02
        store = found.store
        real_running, failures = store.broadcasts_with_status, [0]

        async def locked_for_a_while(status: str) -> list[int]:
            if failures[0] < 4:
                failures[0] += 1
                raise sqlite3.OperationalError("database is locked")
            return await real_running(status)

        store.broadcasts_with_status = locked_for_a_while  # type: ignore[method-assign]
        broadcast_id, _ = await store.create_broadcast(9, "Hi all", datetime.now(UTC))
        await store.set_broadcast_status(broadcast_id, "running", datetime.now(UTC))
        await app.process_update(message_update(app.bot, 9, "/start"))
        found.broadcaster.wake.set()
        await eventually(lambda: found.broadcaster.loop.failures > 0)
        status, text = await healthz(client)
        assert status == 503 and "broadcast loop failing (OperationalError" in text
        await eventually(lambda: any(c.text == "Hi all" for c in api.sent(9)))
        await eventually(lambda: found.broadcaster.loop.failures == 0)  # the step that worked has ended
        assert await healthz(client) == (200, "ok\n")
        assert found.broadcaster.loop.task is not None and not found.broadcaster.loop.task.done()


async def test_stalled_polling_turns_health_red(tmp_path: Path) -> None:
    async with watched_bot(tmp_path / "h.sqlite3") as (app, _, _):
        found = installed(app)
        polling = app.bot
        assert isinstance(polling, PollingBot)
        polling._last_poll = time.monotonic() - 120
        problem = await health_problem(found.store, [], polling)
        assert problem is not None and "polling stalled: no answer from Telegram for 120 s" in problem
        polling._waiting = True  # the bot has read all it can handle: not Telegram's fault
        problem = await health_problem(found.store, [], polling)
        assert problem is not None and "polling stalled: updates read and not finished" in problem
        polling._waiting = False
        polling._last_poll = time.monotonic()
        assert await health_problem(found.store, [], polling) is None


async def test_a_huge_request_line_gets_431_and_the_port_carries_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    async with watched_bot(tmp_path / "h.sqlite3") as (_, _, client):
        port = client.base_url.port
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\n\r\n")
        await writer.drain()
        answer = await reader.read()
        writer.close()
        assert answer.startswith(b"HTTP/1.1 431 ")
        assert await healthz(client) == (200, "ok\n")
    assert [r.getMessage() for r in caplog.records] == [], "no exception in the log"
