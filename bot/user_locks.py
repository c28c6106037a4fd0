"""One asyncio lock per user, shared by handlers and jobs, dropped when nobody holds or waits."""

from __future__ import annotations

import asyncio
from types import TracebackType


class _Held:
    """`async with locks.hold(user)`: a plain class, cheaper per update than a generator context."""

    def __init__(self, locks: UserLocks, user_id: int) -> None:
        self._locks, self._user_id = locks, user_id

    async def __aenter__(self) -> None:
        locks = self._locks
        lock = locks._locks.get(self._user_id)
        if lock is None:
            lock = locks._locks[self._user_id] = asyncio.Lock()
        locks._users[self._user_id] = locks._users.get(self._user_id, 0) + 1
        try:
            await lock.acquire()
        except BaseException:
            self._release_interest()
            raise

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._locks._locks[self._user_id].release()
        self._release_interest()

    def _release_interest(self) -> None:
        users = self._locks._users
        users[self._user_id] -= 1
        if users[self._user_id] == 0:
            del users[self._user_id]
            del self._locks._locks[self._user_id]


class UserLocks:
    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}

    def hold(self, user_id: int) -> _Held:
        return _Held(self, user_id)

    def __len__(self) -> int:
        return len(self._locks)
