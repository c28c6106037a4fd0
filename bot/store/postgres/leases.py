"""Keeping this process's claims alive, in PostgreSQL (bot/store/claims.py)."""

from __future__ import annotations

from bot.store.claims import CLAIMED_TABLES
from bot.store.postgres.connection import Connection, PostgresConnection


class PostgresLeases(PostgresConnection):
    async def renew_claims(self) -> int:
        async def renew(conn: Connection) -> int:
            renewed = 0
            for table in CLAIMED_TABLES:
                status = await conn.execute(
                    f"UPDATE {table} SET claimed_until = $1 WHERE claimed_by = $2 AND claimed_until > $3",
                    self._lease_until(),
                    self.claimant,
                    self._now(),
                )
                renewed += int(status.split()[-1])  # "UPDATE n"
            return renewed

        return await self._in_transaction(renew)

    async def release_claims(self) -> None:
        async def release(conn: Connection) -> None:
            for table in CLAIMED_TABLES:
                await conn.execute(
                    f"UPDATE {table} SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = $1", self.claimant
                )

        await self._in_transaction(release)
