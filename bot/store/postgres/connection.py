"""The PostgreSQL connection pool every concern shares, and what /healthz needs to know about it.

Each event is one transaction on one pooled connection (asyncpg). Several bot processes may share
the database: what must not run twice at once takes a transaction-scoped advisory lock, so a
process that dies lets go of it with its connection.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

import asyncpg

from bot.clock import Clock, SystemClock
from bot.store.base import StoreError
from bot.store.claims import LEASE, new_claimant
from bot.store.postgres.maintenance import explain, migrate
from bot.user_locks import UserLocks

R = TypeVar("R")

HANDLED_UPDATES_KEPT = timedelta(days=14)
POOL_SIZE = 10
# how long /healthz waits for the server to answer
HEALTH_TIMEOUT_SECONDS = 5.0

Connection = Any  # asyncpg.Connection: asyncpg ships no type information
Work = Callable[[Connection], Awaitable[R]]


class PostgresConnection:
    """The shared core; each concern of the store is a subclass (see bot/store/postgres/__init__.py)."""

    def __init__(
        self,
        url: str,
        clock: Clock | None = None,
        pool_size: int = POOL_SIZE,
        claimant: str | None = None,
        lease: timedelta = LEASE,
    ) -> None:
        self.url = url
        self.clock = clock or SystemClock()
        self._isolation = UserLocks()  # a runner's events, one at a time (see `isolation`)
        self.claimant = claimant or new_claimant()  # this process, in the claims it makes
        self.lease = lease
        self.pool_size = pool_size
        self._pool: Any = None  # asyncpg.Pool
        self._write_failure: str | None = None  # why the last write failed; None once one works

    # --- lifecycle ---------------------------------------------------------------------

    async def open(self) -> None:
        try:
            self._pool = await asyncpg.create_pool(self.url, min_size=1, max_size=self.pool_size)
            async with self._pool.acquire() as conn:
                await migrate(conn)
                # Telegram re-delivers an update for a day at most: older ids only take space
                cutoff = self.clock.now() - HANDLED_UPDATES_KEPT
                await conn.execute("DELETE FROM handled_updates WHERE handled_at < $1", cutoff)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
            await self.close()
            raise StoreError(explain(exc, self.url)) from None
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

    def _connected(self) -> Any:
        if self._pool is None:
            raise StoreError("the store is not open")
        return self._pool

    # --- work ----------------------------------------------------------------------------

    async def _in_transaction(self, work: Work[R]) -> R:
        """Run `work` in a transaction of its own: committed when it returns, rolled back when it raises."""
        async with self._connected().acquire() as conn:
            try:
                async with conn.transaction():
                    result = await work(conn)
            except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
                self._write_failure = str(exc) or type(exc).__name__
                raise
        self._write_failure = None
        return result

    async def _read(self, work: Work[R]) -> R:
        """Run `work` on one connection, in one snapshot of the database."""
        async with self._connected().acquire() as conn, conn.transaction(readonly=True, isolation="repeatable_read"):
            return await work(conn)

    async def _rows(self, sql: str, *args: Any) -> list[Any]:
        """One query's rows (asyncpg records: by position or by name)."""
        async with self._connected().acquire() as conn:
            return list(await conn.fetch(sql, *args))

    async def _execute(self, sql: str, *args: Any) -> None:
        """One statement in a transaction of its own."""

        async def run(conn: Connection) -> None:
            await conn.execute(sql, *args)

        await self._in_transaction(run)

    def _now(self) -> datetime:
        return self.clock.now()

    def _lease_until(self) -> datetime:
        """When a claim made now ends."""
        return self.clock.now() + self.lease

    async def problem(self) -> str | None:
        """What /healthz says about the store: None when it can read and write."""
        if self._write_failure is not None:
            return f"database writes failing: {self._write_failure}"
        try:
            async with self._connected().acquire(timeout=HEALTH_TIMEOUT_SECONDS) as conn:
                await conn.fetchval("SELECT 1", timeout=HEALTH_TIMEOUT_SECONDS)
        except Exception as exc:  # any failure here is exactly what health must report
            return f"store unreachable: {type(exc).__name__}"
        return None


async def count(conn: Connection, sql: str, *args: Any) -> int:
    return int(await conn.fetchval(sql, *args) or 0)


async def grouped(conn: Connection, sql: str, *args: Any) -> dict[str, int]:
    """A `SELECT key, count(*) ... GROUP BY` as a dict."""
    return {str(key): int(n) for key, n in await conn.fetch(sql, *args)}


def iso(moment: datetime | None) -> str | None:
    """A timestamptz as the ISO text the rows carry (as SQLite stores it)."""
    return None if moment is None else moment.isoformat()
