"""Background loops that outlive transient failures, and sends that finish once started.

A loop's step may fail (the database locked by another process for a while, Telegram away): the
loop logs it, waits a little longer each time (up to a minute), and tries again. It says how it
is doing for /healthz: not running, failing, or fine.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_BACKOFF = 60.0


async def rest(seconds: float, *events: asyncio.Event) -> None:
    """Sleep `seconds`, or less when one of the events is set first (a sleep that can be woken, not an
    operation with a timeout: nothing is cancelled or raised when the time is up)."""
    waiters = [asyncio.create_task(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


class Loop:
    """Runs `step(stop)` until stopped. `step` returns True when there is more to do at once;
    otherwise the loop rests `pause` seconds, or until `wake` is set."""

    def __init__(
        self,
        name: str,
        step: Callable[[asyncio.Event], Awaitable[bool]],
        pause: float,
        wake: asyncio.Event | None = None,
    ) -> None:
        self.name, self.step, self.pause = name, step, pause
        self.wake = asyncio.Event()
        self.failures = 0
        self.error: str | None = None
        self.backoff = 1.0  # the first wait after a failure; doubled each time, up to MAX_BACKOFF
        self.task: asyncio.Task[None] | None = None

    def start(self, stop: asyncio.Event) -> asyncio.Task[None]:
        self.task = asyncio.create_task(self.run(stop), name=self.name)
        return self.task

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                busy = await self.step(stop)
            except Exception as exc:  # a transient failure must not end the loop
                self.failures += 1
                self.error = type(exc).__name__
                delay = min(MAX_BACKOFF, self.backoff * 2.0 ** (self.failures - 1))
                log.warning("%s loop failed (%s, %s in a row); again in %.0f s", self.name, exc, self.failures, delay)
                await rest(delay, stop)
                continue
            self.failures, self.error = 0, None
            if not busy:
                self.wake.clear()
                await rest(self.pause, stop, self.wake)

    def problem(self) -> str | None:
        """What /healthz says about this loop: None when it runs and its last step worked."""
        if self.task is None or self.task.done():
            return f"{self.name} loop not running"
        if self.failures:
            return f"{self.name} loop failing ({self.error}, {self.failures} times in a row)"
        return None


class InFlight:
    """Sends that, once started, finish and are marked even when the loop that started them is
    cancelled (a shutdown timeout): a message is never left sent but unmarked by a graceful stop."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    async def all(self, work: Iterable[Coroutine[Any, Any, T]]) -> list[T]:
        tasks = [asyncio.create_task(w) for w in work]
        self._tasks.update(tasks)
        for task in tasks:
            task.add_done_callback(self._tasks.discard)
        if tasks:
            await asyncio.wait(tasks)  # cancelling this wait leaves the sends running
        return [t.result() for t in tasks]

    async def settle(self) -> None:
        """Wait for every send still under way (at stop, after the loops were cancelled)."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))
