"""Polled updates the bot has read and not yet finished, so that a saturated bot leaves the rest at
Telegram.

PTB's Updater asks for the next updates as soon as it has handed the last ones over, however many the
bot is still handling. A bot that falls behind then holds every update it has read, parsed, each
waiting for its turn: the garbage collector walks them all on every pass (at 2,000 runners in
bench.updates, passes of 48-73 ms instead of 15-16 ms), and they are confirmed to Telegram by the next
getUpdates, so a crash loses them. With the backlog full, polling waits for one to finish: Telegram
keeps the rest (for 24 hours) until the bot has room.

Webhook updates are not counted: Telegram sends the next one only after the last is answered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from typing import Any

from telegram import Update
from telegram.ext import SimpleUpdateProcessor

# PTB's default for concurrent_updates=True: this many updates run at once, and this many read is a
# full backlog
CONCURRENT_UPDATES = 256


class Backlog(SimpleUpdateProcessor):
    """PTB's update processor (CONCURRENT_UPDATES at once) that also counts the polled updates read
    and not yet finished: `room()` returns once there are fewer than `most`."""

    def __init__(self, max_concurrent_updates: int = CONCURRENT_UPDATES, most: int = CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._most = most
        self._unfinished: set[int] = set()  # update ids: an update counts once, however it is handled
        self._room = asyncio.Event()

    @property
    def unfinished(self) -> int:
        return len(self._unfinished)

    def read(self, updates: Iterable[Update]) -> None:
        """Polling handed these updates over: they count until handled."""
        self._unfinished.update(update.update_id for update in updates)

    async def room(self) -> None:
        """Returns once fewer than `most` polled updates are unfinished."""
        while len(self._unfinished) >= self._most:
            self._room.clear()
            await self._room.wait()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            await coroutine
        finally:
            if isinstance(update, Update):
                self._unfinished.discard(update.update_id)
            if len(self._unfinished) < self._most:
                self._room.set()
