"""Broadcasts in PostgreSQL, tracked per recipient so a restart never sends anyone a second copy."""

from __future__ import annotations

from datetime import datetime

from bot.store.claims import NOTHING_LEFT, SETTLED
from bot.store.postgres.connection import Connection, PostgresConnection, count, grouped
from bot.store.rows import Broadcast, ProgressMessage


class PostgresBroadcastQueue(PostgresConnection):
    async def create_broadcast(self, admin_id: int, text: str, now: datetime) -> tuple[int, int]:
        async def create(conn: Connection) -> tuple[int, int]:
            recipients = await count(conn, "SELECT count(*) FROM users WHERE active")
            broadcast_id = await conn.fetchval(
                "INSERT INTO broadcasts (created_by, text, status, total, created_at) "
                "VALUES ($1, $2, 'draft', $3, $4) RETURNING id",
                admin_id,
                text,
                recipients,
                now,
            )
            return int(broadcast_id), recipients

        return await self._in_transaction(create)

    async def broadcast(self, broadcast_id: int) -> Broadcast | None:
        rows = await self._rows(
            "SELECT id, created_by, text, status, total, progress_chat, progress_message FROM broadcasts WHERE id = $1",
            broadcast_id,
        )
        if not rows:
            return None
        found, created_by, text, status, total, chat, message = rows[0]
        progress = ProgressMessage(int(chat), int(message)) if chat is not None else None
        return Broadcast(int(found), int(created_by), text, status, int(total), progress)

    async def broadcasts_with_status(self, status: str) -> list[int]:
        return [int(r[0]) for r in await self._rows("SELECT id FROM broadcasts WHERE status = $1 ORDER BY id", status)]

    async def set_broadcast_status(
        self, broadcast_id: int, status: str, now: datetime, progress: ProgressMessage | None = None
    ) -> None:
        finished = now if status in ("done", "cancelled") else None
        chat, message = (progress.chat_id, progress.message_id) if progress else (None, None)
        await self._execute(
            "UPDATE broadcasts SET status = $1, finished_at = coalesce($2, finished_at), "
            "progress_chat = coalesce($3, progress_chat), progress_message = coalesce($4, progress_message) "
            "WHERE id = $5",
            status,
            finished,
            chat,
            message,
            broadcast_id,
        )

    async def claim_recipients(self, broadcast_id: int, limit: int) -> list[int]:
        """A runner another process claims at the same moment is left to it (`ON CONFLICT DO NOTHING`)."""

        async def claim(conn: Connection) -> list[int]:
            rows = await conn.fetch(
                "INSERT INTO broadcast_deliveries (broadcast_id, user_id, status, claimed_by, claimed_until) "
                "SELECT $1, u.user_id, 'claimed', $3, $4 FROM users u WHERE u.active AND NOT EXISTS ("
                "SELECT 1 FROM broadcast_deliveries d WHERE d.broadcast_id = $1 AND d.user_id = u.user_id) "
                "ORDER BY u.user_id LIMIT $2 ON CONFLICT DO NOTHING RETURNING user_id",
                broadcast_id,
                limit,
                self.claimant,
                self._lease_until(),
            )
            return sorted(int(r[0]) for r in rows)

        return await self._in_transaction(claim)

    async def reclaim_deliveries(self, broadcast_id: int) -> list[int]:
        """Two processes reclaiming at once: the second re-reads each row the first took and leaves it."""
        rows = await self._in_transaction(
            lambda conn: conn.fetch(
                "UPDATE broadcast_deliveries SET claimed_by = $2, claimed_until = $3 WHERE broadcast_id = $1 "
                "AND status = 'claimed' AND (claimed_until IS NULL OR claimed_until <= $4) RETURNING user_id",
                broadcast_id,
                self.claimant,
                self._lease_until(),
                self._now(),
            )
        )
        return sorted(int(r[0]) for r in rows)

    async def release_delivery(self, broadcast_id: int, user_id: int) -> None:
        await self._execute(
            "UPDATE broadcast_deliveries SET claimed_by = NULL, claimed_until = NULL "
            "WHERE broadcast_id = $1 AND user_id = $2 AND claimed_by = $3",
            broadcast_id,
            user_id,
            self.claimant,
        )

    async def finish_broadcast(self, broadcast_id: int, now: datetime) -> bool:
        async def finish(conn: Connection) -> bool:
            done = await conn.fetchval(
                "UPDATE broadcasts SET status = 'done', finished_at = $2 WHERE id = $1 AND status = 'running' "
                f"AND {NOTHING_LEFT} RETURNING true",
                broadcast_id,
                now,
            )
            return done is not None

        return await self._in_transaction(finish)

    async def mark_delivery(self, broadcast_id: int, user_id: int, status: str) -> None:
        await self._execute(
            f"UPDATE broadcast_deliveries SET status = $1, {SETTLED} WHERE broadcast_id = $2 AND user_id = $3",
            status,
            broadcast_id,
            user_id,
        )

    async def broadcast_progress(self, broadcast_id: int) -> dict[str, int]:
        return await self._read(
            lambda conn: grouped(
                conn,
                "SELECT status, count(*) FROM broadcast_deliveries WHERE broadcast_id = $1 GROUP BY 1",
                broadcast_id,
            )
        )
