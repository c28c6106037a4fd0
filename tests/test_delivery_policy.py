"""One policy for a failed send (bot/delivery.py), the same through every sender: a runner who blocked the
bot is marked inactive once and nothing more is tried; a message Telegram refuses is dropped; an
unreachable Telegram keeps what can be tried again."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError

from bot.broadcaster import RETRY, Broadcaster
from bot.clock import Clock
from bot.delivery import Outcome, attempt
from bot.outbox import Outbox
from bot.polling import PollingBot
from bot.scheduler import Scheduler
from bot.send_limiter import SendingStopped
from bot.sending import send_replies
from bot.store import Store
from bot.store.rows import ClaimedReminder, OwedMessage
from content import Content
from flows.replies import Reply

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


class FakeStore:
    """What the senders call, counted."""

    def __init__(self, owed: int = 0) -> None:
        self.inactive: list[int] = []
        self.owed = [
            OwedMessage(i, 7, json.dumps({"text": f"m{i}", "markup": None, "picture": None})) for i in range(owed)
        ]
        self.marked: list[int] = []
        self.finished: list[tuple[int, str]] = []
        self.deliveries: list[tuple[int, int, str]] = []
        self.released: list[tuple[int, ...]] = []  # claims given up: (user,) or (broadcast, user)

    async def set_active(self, user_id: int, active: bool) -> None:
        assert not active
        self.inactive.append(user_id)
        self.owed = []  # as the store does: someone who blocked the bot is owed nothing

    async def claim_owed(self, user_id: int, limit: int, sent: tuple[int, ...] = ()) -> list[OwedMessage]:
        for message_id in sent:
            await self.mark_sent(message_id)
        return self.owed[:limit]

    async def release_owed(self, user_id: int) -> None:
        self.released.append((user_id,))

    async def release_delivery(self, broadcast_id: int, user_id: int) -> None:
        self.released.append((broadcast_id, user_id))

    async def mark_sent(self, message_id: int) -> None:
        self.marked.append(message_id)
        self.owed = [m for m in self.owed if m.id != message_id]

    async def finish_reminder(self, log_id: int, status: str) -> None:
        self.finished.append((log_id, status))

    async def mark_delivery(self, broadcast_id: int, user_id: int, status: str) -> None:
        self.deliveries.append((broadcast_id, user_id, status))


class FakeBot:
    """A bot whose every send fails with `error` (None: succeeds); counts the tries."""

    rate_limiter = None

    def __init__(self, error: TelegramError | None, works_for: int = 0) -> None:
        self.error = error
        self.works_for = works_for  # sends that go through before the error starts
        self.tries = 0

    async def send_text(self, chat_id: int, text: str, markup: Any = None, lane: Any = None) -> None:
        self.tries += 1
        if self.error is not None and self.tries > self.works_for:
            raise self.error


def _store(fake: FakeStore) -> Store:
    return cast(Store, fake)


def _bot(fake: FakeBot) -> PollingBot:
    return cast(PollingBot, fake)


class _Clock:
    def now(self) -> datetime:
        return NOW


BLOCKED = Forbidden("Forbidden: bot was blocked by the user")


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (None, Outcome.SENT),
        (BLOCKED, Outcome.BLOCKED),
        (BadRequest("Bad Request: chat not found"), Outcome.REFUSED),
        (SendingStopped(), Outcome.STOPPED),
        (NetworkError("unreachable"), Outcome.UNREACHABLE),
        (TelegramError("something else"), Outcome.UNREACHABLE),
    ],
)
async def test_the_policy_names_every_failure(error: TelegramError | None, outcome: Outcome) -> None:
    store, bot = FakeStore(), FakeBot(error)
    assert await attempt(_store(store), 7, bot.send_text(7, "hi")) is outcome
    assert store.inactive == ([7] if outcome is Outcome.BLOCKED else [])
    assert outcome.final == (outcome in (Outcome.SENT, Outcome.BLOCKED, Outcome.REFUSED))


async def test_a_direct_reply_to_someone_who_blocked_the_bot() -> None:
    store, bot = FakeStore(), FakeBot(BLOCKED)
    assert not await send_replies(_bot(bot), _store(store), 7, [Reply("one"), Reply("two")])
    assert (store.inactive, bot.tries) == ([7], 1)


async def test_owed_replies_to_someone_who_blocked_the_bot_are_tried_once() -> None:
    """Three messages owed: the first send is refused with Forbidden; the runner is marked inactive once and
    the other two (dropped by that mark) are not tried."""
    store, bot = FakeStore(owed=3), FakeBot(BLOCKED)
    assert await Outbox(_store(store), _bot(bot)).flush(7)
    assert (store.inactive, bot.tries, store.marked) == ([7], 1, [])


async def test_owed_replies_refused_are_dropped_and_unreachable_ones_kept() -> None:
    store, bot = FakeStore(owed=2), FakeBot(BadRequest("Bad Request: message is too long"))
    assert await Outbox(_store(store), _bot(bot)).flush(7)
    assert (store.inactive, bot.tries, store.marked) == ([], 2, [0, 1])
    store, bot = FakeStore(owed=2), FakeBot(NetworkError("unreachable"))
    assert not await Outbox(_store(store), _bot(bot)).flush(7)
    assert (store.inactive, bot.tries, store.marked) == ([], 1, [])
    assert store.released == [(7,)], "kept, and its claim given up: any process may send them next"


async def test_owed_replies_sent_before_telegram_went_away_are_never_sent_again() -> None:
    store, bot = FakeStore(owed=3), FakeBot(NetworkError("unreachable"), works_for=2)
    assert not await Outbox(_store(store), _bot(bot)).flush(7)
    assert (bot.tries, store.marked) == (3, [0, 1]), "the two that went out are removed"
    assert [m.id for m in store.owed] == [2] and store.released == [(7,)]


def _scheduler(store: FakeStore, bot: FakeBot, content: Content) -> Scheduler:
    return Scheduler(_store(store), _bot(bot), lambda: content, cast(Clock, _Clock()))


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (BLOCKED, "blocked"),
        (BadRequest("Bad Request: chat not found"), "failed"),
        (NetworkError("unreachable"), "failed"),  # its moment passes: not tried again
        (SendingStopped(), None),  # stays claimed for after the restart
    ],
)
async def test_a_reminder_that_cannot_be_sent(error: TelegramError, status: str | None, content: Content) -> None:
    store, bot = FakeStore(), FakeBot(error)
    claimed = ClaimedReminder(3, 7, "morning", None, int((NOW - timedelta(minutes=1)).timestamp()))
    await _scheduler(store, bot, content)._send(claimed, NOW)
    assert store.finished == ([(3, status)] if status else [])
    assert (store.inactive, bot.tries) == ([7] if status == "blocked" else [], 1)


def _broadcaster(store: FakeStore, bot: FakeBot, content: Content) -> Broadcaster:
    make: Callable[[], Content] = lambda: content  # noqa: E731 - the broadcaster's content source
    return Broadcaster(_store(store), _bot(bot), cast(Clock, _Clock()), make)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (None, "sent"),
        (BLOCKED, "blocked"),
        # BadRequest is a NetworkError in PTB: it used to be retried in every round, forever
        (BadRequest("Bad Request: chat not found"), "failed"),
        (NetworkError("unreachable"), RETRY),
        (SendingStopped(), RETRY),
    ],
)
async def test_a_broadcast_delivery(error: TelegramError | None, status: str, content: Content) -> None:
    store, bot = FakeStore(), FakeBot(error)
    assert await _broadcaster(store, bot, content)._deliver(1, 7, "news") == status
    assert store.deliveries == ([] if status == RETRY else [(1, 7, status)])
    assert store.released == ([(1, 7)] if status == RETRY else []), "a delivery to try again is released"
    assert (store.inactive, bot.tries) == ([7] if status == "blocked" else [], 1)
