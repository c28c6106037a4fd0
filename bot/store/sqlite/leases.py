"""Keeping this process's claims alive, in SQLite (bot/store/claims.py)."""

from __future__ import annotations

import sqlite3

from bot.store.claims import CLAIMED_TABLES
from bot.store.sqlite.connection import SqliteConnection


class SqliteLeases(SqliteConnection):
    async def renew_claims(self) -> int:
        def renew(conn: sqlite3.Connection) -> int:
            now, until = self._now(), self._lease_until()
            return sum(
                conn.execute(
                    f"UPDATE {table} SET claimed_until = ? WHERE claimed_by = ? AND claimed_until > ?",
                    (until, self.claimant, now),
                ).rowcount
                for table in CLAIMED_TABLES
            )

        return await self._in_transaction(renew)

    async def release_claims(self) -> None:
        def release(conn: sqlite3.Connection) -> None:
            self._read_at_turn.clear()
            for table in CLAIMED_TABLES:
                conn.execute(
                    f"UPDATE {table} SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = ?", (self.claimant,)
                )

        await self._in_transaction(release)
