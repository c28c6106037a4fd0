"""Reading what getUpdates answers: each update once, a few at a time, an unreadable one skipped for good,
and no more while the backlog is full."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.backlog import CONCURRENT_UPDATES, Backlog
from bot.polling import READ_AT_ONCE, PollingBot
from tests.bot_fixture import running_bot
from tests.fake_bot_api import FakeBotApi, raw_message_update
from tests.waiting import eventually


def raw_message(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    """A runner's message as Telegram sends it, with the update id the test needs."""
    return {**raw_message_update(user_id, text), "update_id": update_id}


@pytest.fixture
async def polled() -> AsyncIterator[tuple[PollingBot, FakeBotApi]]:
    api = FakeBotApi()
    bot = PollingBot(token="1:test", request=api, get_updates_request=api)
    async with bot:
        yield bot, api


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every update PTB builds from raw JSON, in order."""
    seen: list[object] = []
    original = Update.de_json

    def counted(data: Any, bot: Any = None) -> Update | None:
        seen.append(data.get("update_id") if isinstance(data, dict) else data)
        return original(data, bot)

    monkeypatch.setattr(Update, "de_json", counted)
    return seen


async def test_each_update_is_read_once_and_an_unreadable_one_is_never_asked_for_again(
    polled: tuple[PollingBot, FakeBotApi], reads: list[object]
) -> None:
    bot, api = polled
    unreadable = {"update_id": 11, "message": {"message_id": 1, "date": "soon", "chat": {"id": 5}}}
    api.pending_updates = [raw_message(10, 5, "/start"), unreadable, raw_message(12, 6, "/help")]
    updates = await bot.get_updates(offset=10, timeout=0)
    assert [(u.update_id, u.effective_message.text if u.effective_message else None) for u in updates] == [
        (10, "/start"),
        (12, "/help"),
    ]
    assert reads == [10, 11, 12]  # checked and handed over in one read each
    await bot.get_updates(offset=11, timeout=0)
    asked = [c.params for c in api.calls if c.method == "getUpdates"]
    assert int(asked[-1]["offset"]) == 12


async def test_reading_a_full_answer_lets_other_work_run_in_between(
    polled: tuple[PollingBot, FakeBotApi], reads: list[object]
) -> None:
    bot, api = polled
    api.pending_updates = [raw_message(100 + n, 5, f"update {n}") for n in range(100)]
    order: list[object] = reads

    async def reply_waiting_to_go() -> None:
        order.append("reply")

    waiting = asyncio.create_task(reply_waiting_to_go())
    updates = await bot.get_updates(timeout=0)
    await waiting
    assert len(updates) == 100
    # the reply got its turn after the first few updates were read, not after all of them
    assert order.index("reply") == READ_AT_ONCE


async def test_a_full_backlog_leaves_updates_at_telegram_until_one_is_finished() -> None:
    api = FakeBotApi()
    backlog = Backlog(max_concurrent_updates=2, most=3)
    bot = PollingBot(token="1:test", request=api, get_updates_request=api, backlog=backlog)
    async with bot:
        api.pending_updates = [raw_message(20 + n, 5, f"update {n}") for n in range(3)]
        read = await bot.get_updates(timeout=0)
        assert backlog.unfinished == 3
        api.pending_updates = [raw_message(30, 6, "/start")]
        asking = asyncio.create_task(bot.get_updates(timeout=0))
        await eventually(lambda: bot.waiting_for_room)
        assert sum(c.method == "getUpdates" for c in api.calls) == 1  # Telegram keeps the next one

        async def handled() -> None:
            return None

        await backlog.process_update(read[0], handled())
        assert [u.update_id for u in await asking] == [30]
        assert not bot.waiting_for_room and backlog.unfinished == 3


async def test_the_bot_reads_more_only_as_its_application_finishes_what_it_read(tmp_path: Path) -> None:
    async with running_bot(tmp_path / "p.sqlite3", run_scheduler=False) as (app, api):
        api.pending_updates = [raw_message(1_000 + n, 1_000 + n, "/help") for n in range(CONCURRENT_UPDATES)]
        read = await app.bot.get_updates(timeout=0)
        api.pending_updates = [raw_message(2_000, 7, "/help")]
        assert isinstance(app.bot, PollingBot)
        asking = asyncio.create_task(app.bot.get_updates(timeout=0))
        await eventually(lambda: isinstance(app.bot, PollingBot) and app.bot.waiting_for_room)
        await app.start()  # PTB's update fetcher hands what polling put on the queue to the backlog
        try:
            for update in read:
                await app.update_queue.put(update)
            assert [u.update_id for u in await asking] == [2_000]
            await app.update_queue.join()
            assert len(api.sent(1_000)) == 1 and len(api.sent(1_255)) == 1
        finally:
            await app.stop()
