"""One limiter for every message the bot sends: replies, reminders and broadcasts alike.

Telegram allows about 30 messages a second across chats and about one a second in one chat
(short bursts are tolerated). Above that it answers 429 with `retry_after`; then *every* sender
waits, not only the one that was told, and the request is tried again.

Sends take the global rate's slots one at a time, as each comes free, in two lanes: a runner's
reply goes before every reminder or broadcast still waiting, so a burst of background sends never
holds a reply up for longer than one slot.

Several processes of one bot share its rate (Telegram counts per bot): given a shared `SendPace`
(PostgreSQL's one row), each process books one global slot at a time, for the send at the head of
its own queue when the slot comes due, so none books ahead and a reply waits for at most about one
slot per process. A 429 seen by any process pauses them all. The per-chat pace stays in each
process: a runner's updates mostly reach one process at a time (their replies are sent from there).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import heapq
import itertools
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

from bot.pace import Pace
from bot.store.base import SendPace

log = logging.getLogger(__name__)

JSONDict = dict[str, Any]


class Lane(enum.Enum):
    """Who is waiting for a send: a runner (their reply) or no one in particular."""

    REPLY = 0
    BACKGROUND = 1  # reminders, broadcasts and the admin's progress line


class SendingStopped(NetworkError):
    """The bot is stopping: a message still waiting for its turn is not sent now (its sender
    keeps it for after the restart)."""

    def __init__(self) -> None:
        super().__init__("the bot is stopping; not sent")


class SendLimiter(BaseRateLimiter[Lane]):
    def __init__(
        self,
        per_second: float,
        per_chat_per_second: float = 1.0,
        per_chat_burst: int = 5,
        max_retries: int = 5,
        stopping: asyncio.Event | None = None,
        shared: SendPace | None = None,
    ) -> None:
        self.per_second = per_second
        # once set, waiting sends give up (SendingStopped); sends already on the wire finish
        self.stopping = stopping or asyncio.Event()
        # a burst of a tenth of a second's worth: smooth, yet no wait for a reply or two
        burst = max(1, round(per_second / 10))
        self._global = Pace(per_second, burst=burst)
        # the whole bot's pace, when other processes send too; this process's own pace still holds
        self._shared = shared
        self._shared_failing = False
        # when the sends of many slots went out together; on a busy machine sleepers wake late, and
        # all at once: the window keeps any one second to the rate and its burst even then
        self._window: deque[float] = deque(maxlen=max(1, int(per_second) + burst - 1))
        self._per_chat_rate = per_chat_per_second
        self._per_chat_burst = per_chat_burst
        self._chats: dict[int | str, Pace] = {}
        self._max_retries = max_retries
        self._paused_until = 0.0
        # sends waiting for a global slot: (lane, arrival order, the turn it is given)
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._arrivals = itertools.count()
        self._giver: asyncio.Task[None] | None = None
        self.sent = 0  # requests that went through (for benchmarks)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def _chat(self, chat_id: int | str, now: float) -> Pace:
        if len(self._chats) > 10_000:  # forget idle chats so the table stays small
            self._chats = {k: v for k, v in self._chats.items() if not v.idle_since(now)}
        pace = self._chats.get(chat_id)
        if pace is None:
            pace = self._chats[chat_id] = Pace(self._per_chat_rate, self._per_chat_burst)
        return pace

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)
        if self.stopping.is_set():
            raise SendingStopped

    def _global_delay(self, now: float) -> float:
        """How long until the next global slot is free: a flood pause, the rate, the window."""
        window = self._window
        gap = 1.0 - (now - window[0]) if len(window) == window.maxlen else 0.0
        return max(self._paused_until - now, self._global.delay(now), gap, 0.0)

    def _take_slot(self, now: float) -> None:
        self._global.reserve(now)
        self._window.append(now)

    async def _give_turns(self) -> None:
        """Hands each global slot, as it comes free, to the first waiting send of the first lane."""
        try:
            with contextlib.suppress(SendingStopped):
                while self._waiting:
                    if self.stopping.is_set():
                        raise SendingStopped
                    if (wait := self._global_delay(time.monotonic())) > 0:
                        await self._sleep(wait)
                        continue
                    if self._shared is not None and (wait := await self._shared_slot()) > 0:
                        await self._sleep(wait)  # whoever is first when it comes due takes it
                        if time.monotonic() < self._paused_until:
                            continue  # a 429 came meanwhile: the slot booked before it goes unused
                    self._hand_turn(time.monotonic())
        finally:  # stopping (or cancelled at shutdown): whoever still waits is not sent now
            self._giver = None
            for _, _, turn in self._waiting:
                if not turn.done():
                    turn.set_exception(SendingStopped())
            self._waiting.clear()

    def _hand_turn(self, now: float) -> None:
        """The slot goes to the first waiting send of the first lane."""
        while self._waiting:
            _, _, turn = heapq.heappop(self._waiting)
            if not turn.done():  # a sender cancelled while waiting needs no slot
                self._take_slot(now)
                turn.set_result(None)
                return

    async def _shared_slot(self) -> float:
        """Book the bot's next slot; how long until it is due. With the database away, this
        process goes on at its own pace alone (said once, not at every send)."""
        assert self._shared is not None
        try:
            wait = await self._shared.reserve_send(self._global.interval, self._global.burst)
        except Exception as exc:
            if not self._shared_failing:
                log.warning("shared send pace unreachable (%s); this process paces itself alone", exc)
            self._shared_failing = True
            return 0.0
        self._shared_failing = False
        return wait

    async def _pause_everyone(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)
        if self._shared is not None:
            try:
                await self._shared.pause_sends(seconds)
            except Exception as exc:  # this process pauses all the same
                log.warning("flood pause not shared (%s)", exc)
        log.warning("flood limit: Telegram asked to wait %.1f s; all sends paused", seconds)

    async def _wait_turn(self, chat_id: int | str, lane: Lane) -> None:
        if self.stopping.is_set():
            raise SendingStopped
        now = time.monotonic()
        # booking a chat's slot ahead delays that chat alone
        if (wait := self._chat(chat_id, now).reserve(now)) > 0:
            await self._sleep(wait)
        now = time.monotonic()
        # a free slot is taken at once, unless the slot must be booked with the other processes
        if self._shared is None and not self._waiting and self._global_delay(now) == 0:
            self._take_slot(now)
            return
        turn = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (lane.value, next(self._arrivals), turn))
        if self._giver is None:
            self._giver = asyncio.create_task(self._give_turns(), name="send turns")
        await turn

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Lane | None,
    ) -> bool | JSONDict | list[JSONDict]:
        chat_id = data.get("chat_id")
        if chat_id is None:  # getUpdates, answerCallbackQuery, setMyCommands: not message sends
            return await callback(*args, **kwargs)
        lane = rate_limit_args or Lane.REPLY
        for attempt in range(self._max_retries + 1):
            await self._wait_turn(chat_id, lane)
            try:
                result = await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == self._max_retries:
                    raise
                delay = exc.retry_after if isinstance(exc.retry_after, int | float) else exc.retry_after.total_seconds()
                await self._pause_everyone(float(delay))  # everybody waits, not only this sender
                continue
            self.sent += 1
            return result
        raise AssertionError("unreachable")
