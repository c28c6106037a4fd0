"""Several bot processes on one database, as the shell sees it: two of each sender (Outbox, Scheduler,
Broadcaster), each over its own store object (a process of its own) on one SQLite file, sending through
one Telegram (the in-process Bot API). One dies holding claims; the other sends everything once, after
the lease."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest

from bot.broadcaster import Broadcaster
from bot.clock import ManualClock
from bot.outbox import Outbox, render
from bot.polling import PollingBot
from bot.scheduler import Scheduler
from bot.store import Change, ReminderRow, SqliteStore, Stored
from bot.store.claims import LEASE
from bot.store.rows import DueReminder, OwedMessage, ReminderDecision
from content import Content
from flows.replies import Reply
from tests.fake_bot_api import FakeBotApi

NOW = datetime(2026, 3, 2, 18, tzinfo=UTC)
T = TypeVar("T")
RUNNER = 5


class Store(SqliteStore):
    """A process's store; `meanwhile`, when set, runs once as the first message it sends is marked sent
    (alone, or with the claim that follows the last of a batch): before that write (`before_mark`) or
    just after it."""

    meanwhile: Callable[[], Awaitable[None]] | None = None
    before_mark = True

    async def _marking(self, write: Awaitable[T]) -> T:
        during, self.meanwhile = self.meanwhile, None
        if during is not None and self.before_mark:
            await during()
        result = await write
        if during is not None and not self.before_mark:
            await during()
        return result

    async def mark_sent(self, message_id: int) -> None:
        await self._marking(super().mark_sent(message_id))

    async def claim_owed(self, user_id: int, limit: int, sent: tuple[int, ...] = ()) -> list[OwedMessage]:
        claiming = super().claim_owed(user_id, limit, sent)
        return await (self._marking(claiming) if sent else claiming)


@dataclass
class Process:
    store: Store
    outbox: Outbox
    scheduler: Scheduler
    broadcaster: Broadcaster


@dataclass
class Shared:
    api: FakeBotApi  # the one Telegram both processes send to
    clock: ManualClock
    a: Process
    b: Process

    def texts(self) -> list[str]:
        return [s.text for s in self.api.sent(RUNNER)]


@pytest.fixture
async def shared(tmp_path: Path, content: Content) -> AsyncIterator[Shared]:
    api, clock = FakeBotApi(), ManualClock(NOW)
    processes = []
    for name in ("host-a-1-aaaa", "host-b-2-bbbb"):
        # two store objects on one file stand for two processes (the instance lock allows one)
        store = Store(tmp_path / "shared.sqlite3", clock=clock, claimant=name, exclusive=False)
        await store.open()
        bot = PollingBot(token="1:test", request=api, get_updates_request=api)
        await bot.initialize()
        scheduler = Scheduler(store, bot, lambda: content, clock)
        processes.append(Process(store, Outbox(store, bot), scheduler, Broadcaster(store, bot, clock, lambda: content)))
    yield Shared(api, clock, *processes)
    for process in processes:
        await process.store.close()


def owing(*texts: str) -> Callable[[Stored], tuple[Change, None]]:
    """A turn that owes the runner these messages."""
    return lambda stored: (Change(data="{}", state="s", consented=True, outbox=render([Reply(t) for t in texts])), None)


async def test_owed_replies_a_dead_process_held_go_out_once_and_in_order_after_its_lease(shared: Shared) -> None:
    a, b = shared.a, shared.b
    await a.store.apply(RUNNER, None, owing("one", "two"))
    assert len(await a.store.claim_owed(RUNNER, 10)) == 2  # A claimed them, then was killed before sending
    await b.store.apply(RUNNER, None, owing("three"))  # the runner writes again; B handles it
    assert await b.outbox.flush(RUNNER)
    assert not await b.outbox.step(asyncio.Event())
    assert shared.texts() == [], "A's claim is live: B sends nothing, not even its own reply (it would overtake)"
    shared.clock.advance(LEASE + timedelta(seconds=1))
    await b.outbox.step(asyncio.Event())  # the sweep finds A's ended claim
    assert shared.texts() == ["one", "two", "three"], "everything, once, in order"
    await b.outbox.step(asyncio.Event())
    assert await a.outbox.flush(RUNNER)
    assert shared.texts() == ["one", "two", "three"] and await a.store.unsent() == []


@pytest.mark.parametrize("before_mark", [True, False], ids=["while-b-holds-it", "after-b-let-go"])
async def test_a_reply_committed_while_another_process_sends_is_not_left_behind(
    shared: Shared, before_mark: bool
) -> None:
    """B is sending the runner's message when A's turn for the same runner commits one more. While B still
    holds its claim, A's flush leaves the new one to B, whose claim after its last send takes it; once B has
    let go (its message deleted), A's flush sends it. Either way: each once, in order."""
    a, b = shared.a, shared.b
    await b.store.apply(RUNNER, None, owing("first"))
    a_sent: list[str] = []

    async def a_turn() -> None:
        await a.store.apply(RUNNER, None, owing("meanwhile"))
        assert await a.outbox.flush(RUNNER)
        a_sent.extend(shared.texts()[1:])

    b.store.meanwhile, b.store.before_mark = a_turn, before_mark
    assert await b.outbox.flush(RUNNER)
    assert shared.texts() == ["first", "meanwhile"]
    assert a_sent == ([] if before_mark else ["meanwhile"]), "who sent it"
    assert await a.store.unsent() == []


DUE = int((NOW - timedelta(minutes=5)).timestamp())


def reminder_due(stored: Stored) -> tuple[Change, None]:
    return Change(data="{}", state="s", consented=True, reminders=(ReminderRow("morning", "19:00", DUE),)), None


def send_it(due: DueReminder) -> ReminderDecision:
    return ReminderDecision("2026-03-02", "send", None)


async def test_a_reminder_a_dead_process_claimed_is_sent_once_by_another_after_the_lease(shared: Shared) -> None:
    a, b = shared.a, shared.b
    await a.store.apply(RUNNER, None, reminder_due)
    assert len(await a.store.claim_reminders(DUE, 10, send_it)) == 1  # A claimed it, then was killed
    assert not await b.scheduler.step(asyncio.Event())
    assert shared.texts() == [], "A's claim is live: B does not send it"
    shared.clock.advance(LEASE + timedelta(seconds=1))  # still on time (REMINDER_MAX_LATE_HOURS)
    await b.scheduler.step(asyncio.Event())
    await b.scheduler.step(asyncio.Event())
    await a.scheduler.step(asyncio.Event())
    assert len(shared.texts()) == 1, "sent once, by B"
    assert [row["status"] for row in (await a.store.export_user(RUNNER))["reminder_log"]] == ["sent"]


async def test_a_broadcast_a_dead_process_was_sending_is_finished_by_another_once(shared: Shared) -> None:
    a, b = shared.a, shared.b
    runners = (11, 12, 13)
    for runner in runners:
        await a.store.apply(runner, None, lambda stored: (Change(data="{}", state="s", consented=True), None))
    broadcast_id, _ = await a.store.create_broadcast(9, "Club run on Sunday", NOW)
    await a.store.set_broadcast_status(broadcast_id, "running", NOW)
    assert await a.store.claim_recipients(broadcast_id, 2) == [11, 12]  # A claimed two, then was killed

    def copies() -> dict[int, int]:
        return {r: sum("Club run" in s.text for s in shared.api.sent(r)) for r in runners}

    await b.broadcaster.step(asyncio.Event())
    assert copies() == {11: 0, 12: 0, 13: 1}, "B sends to the runner nobody had; A's claims are live"
    assert await b.store.broadcasts_with_status("running") == [broadcast_id], "not done: A's sends are in flight"
    shared.clock.advance(LEASE + timedelta(seconds=1))
    await b.broadcaster.step(asyncio.Event())
    await a.broadcaster.step(asyncio.Event())
    assert copies() == {11: 1, 12: 1, 13: 1}, "each runner once"
    assert await b.store.broadcasts_with_status("done") == [broadcast_id]
