"""The generic cell rate algorithm (GCRA), and the send pace of a bot that runs as one process.

A pace hands out slots `interval` seconds apart on average; up to `burst` may be taken at once.
It remembers one moment only: when the next slot would be due if none were taken early.
"""

from __future__ import annotations

import time


def take_slot(next_at: float, now: float, interval: float, burst: int) -> tuple[float, float]:
    """Take a slot: returns the pace's new `next_at` and how long to wait before using the slot."""
    due = max(next_at, now)
    return due + interval, max(0.0, due - (max(1, burst) - 1) * interval - now)


class Pace:
    """`rate` per second on average, bursts of up to `burst`."""

    def __init__(self, rate: float, burst: int = 1) -> None:
        self.interval = 1.0 / rate
        self.burst = max(1, burst)
        self._next = 0.0  # theoretical arrival time of the next request

    def delay(self, now: float) -> float:
        """How long until a slot is free, without taking it."""
        return take_slot(self._next, now, self.interval, self.burst)[1]

    def reserve(self, now: float) -> float:
        """Take a slot; returns how long to wait before using it."""
        self._next, wait = take_slot(self._next, now, self.interval, self.burst)
        return wait

    def idle_since(self, now: float) -> bool:
        return self._next <= now


class LocalSendPace:
    """`bot.store.base.SendPace` for a bot that is the only process sending (SQLite: the instance lock
    keeps a second one off the database), kept in memory: nothing to share, nothing to write."""

    def __init__(self) -> None:
        self._next = 0.0
        self._paused_until = 0.0

    async def reserve_send(self, interval: float, burst: int) -> float:
        now = time.monotonic()
        self._next, wait = take_slot(self._next, now, interval, burst)
        return max(wait, self._paused_until - now)

    async def pause_sends(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)
