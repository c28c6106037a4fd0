"""The thread the SQLite connection lives in: opened and closed there, and never used by two threads at once.

Work is queued in order and each result is handed back to the event loop that asked for it. This is
what aiosqlite does inside (a thread, a SimpleQueue, `call_soon_threadsafe`), kept here so that a
whole event can run as one function in one hop through public APIs only. A `ThreadPoolExecutor` of
one thread does the same but measured ~12 µs more per hop (futures wrapped twice).

When the thread has nothing to do, the event loop may borrow the connection for a short write instead
of hopping there and back (`borrowed`): the lock says who holds it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from queue import SimpleQueue
from typing import Any, TypeVar

R = TypeVar("R")

_Job = tuple[Callable[[], Any], asyncio.Future[Any]]


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():  # the caller stopped waiting (cancelled): the work was done all the same
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class Writer:
    def __init__(self, name: str = "sqlite-writer") -> None:
        self._jobs: SimpleQueue[_Job | None] = SimpleQueue()
        self._holding = threading.Lock()  # held by whichever thread uses the connection
        self._thread = threading.Thread(target=self._work, name=name)
        self._thread.start()

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            fn, future = job
            try:
                with self._holding:
                    result = fn()
            except BaseException as exc:  # handed to the caller, whatever it is
                future.get_loop().call_soon_threadsafe(_settle, future, None, exc)
            else:
                future.get_loop().call_soon_threadsafe(_settle, future, result, None)

    async def run(self, fn: Callable[[], R]) -> R:
        """Run `fn` in the thread, after everything queued before it."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._jobs.put((fn, future))
        return await future

    @contextmanager
    def borrowed(self) -> Iterator[bool]:
        """True while the calling thread may use the connection: nothing is queued for the thread and it
        is not running anything. False (nothing held) otherwise: then the work goes through `run`."""
        if not self._jobs.empty() or not self._holding.acquire(blocking=False):
            yield False
            return
        try:
            yield True
        finally:
            self._holding.release()

    def stop(self) -> None:
        """The thread ends once what is queued is done."""
        self._jobs.put(None)
