"""Waiting in tests for what a test cannot subscribe to, without guessing how long it takes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any


async def eventually(check: Callable[[], Any], timeout: float = 10.0) -> None:
    """Wait for a condition (an event we cannot subscribe to); fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while not await check() if asyncio.iscoroutinefunction(check) else not check():
        assert time.monotonic() < deadline, "the condition never came true"
        await asyncio.sleep(0.01)
