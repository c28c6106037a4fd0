"""Broadcasts in SQLite, tracked per recipient so a restart never sends anyone a second copy."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.store.claims import NOTHING_LEFT, SETTLED
from bot.store.rows import Broadcast, ProgressMessage
from bot.store.sqlite.connection import SqliteConnection, count, grouped


class SqliteBroadcastQueue(SqliteConnection):
    async def create_broadcast(self, admin_id: int, text: str, now: datetime) -> tuple[int, int]:
        def create(conn: sqlite3.Connection) -> tuple[int, int]:
            recipients = count(conn, "SELECT count(*) FROM users WHERE active = 1")
            cursor = conn.execute(
                "INSERT INTO broadcasts (created_by, text, status, total, created_at) VALUES (?, ?, 'draft', ?, ?)",
                (admin_id, text, recipients, now.isoformat()),
            )
            return int(cursor.lastrowid or 0), recipients

        return await self._in_transaction(create)

    async def broadcast(self, broadcast_id: int) -> Broadcast | None:
        rows = await self._rows(
            "SELECT id, created_by, text, status, total, progress_chat, progress_message FROM broadcasts WHERE id = ?",
            broadcast_id,
        )
        if not rows:
            return None
        found, created_by, text, status, total, chat, message = rows[0]
        progress = ProgressMessage(int(chat), int(message)) if chat is not None else None
        return Broadcast(int(found), int(created_by), text, status, int(total), progress)

    async def broadcasts_with_status(self, status: str) -> list[int]:
        return [int(r[0]) for r in await self._rows("SELECT id FROM broadcasts WHERE status = ? ORDER BY id", status)]

    async def set_broadcast_status(
        self, broadcast_id: int, status: str, now: datetime, progress: ProgressMessage | None = None
    ) -> None:
        finished = now.isoformat() if status in ("done", "cancelled") else None
        chat, message = (progress.chat_id, progress.message_id) if progress else (None, None)
        await self._in_transaction(
            lambda conn: conn.execute(
                "UPDATE broadcasts SET status = ?, finished_at = coalesce(?, finished_at), "
                "progress_chat = coalesce(?, progress_chat), progress_message = coalesce(?, progress_message) "
                "WHERE id = ?",
                (status, finished, chat, message, broadcast_id),
            )
        )

    async def claim_recipients(self, broadcast_id: int, limit: int) -> list[int]:
        def claim(conn: sqlite3.Connection) -> list[int]:
            users = [
                int(r[0])
                for r in conn.execute(
                    "SELECT u.user_id FROM users u WHERE u.active = 1 AND NOT EXISTS ("
                    "SELECT 1 FROM broadcast_deliveries d WHERE d.broadcast_id = ? AND d.user_id = u.user_id) "
                    "ORDER BY u.user_id LIMIT ?",
                    (broadcast_id, limit),
                )
            ]
            conn.executemany(
                "INSERT INTO broadcast_deliveries (broadcast_id, user_id, status, claimed_by, claimed_until) "
                "VALUES (?, ?, 'claimed', ?, ?)",
                [(broadcast_id, u, self.claimant, self._lease_until()) for u in users],
            )
            return users

        return await self._in_transaction(claim)

    async def reclaim_deliveries(self, broadcast_id: int) -> list[int]:
        rows = await self._in_transaction(
            lambda conn: conn.execute(
                "UPDATE broadcast_deliveries SET claimed_by = ?, claimed_until = ? WHERE broadcast_id = ? "
                "AND status = 'claimed' AND (claimed_until IS NULL OR claimed_until <= ?) RETURNING user_id",
                (self.claimant, self._lease_until(), broadcast_id, self._now()),
            ).fetchall()
        )
        return sorted(int(r[0]) for r in rows)

    async def release_delivery(self, broadcast_id: int, user_id: int) -> None:
        await self._queued(
            lambda conn: conn.execute(
                "UPDATE broadcast_deliveries SET claimed_by = NULL, claimed_until = NULL "
                "WHERE broadcast_id = ? AND user_id = ? AND claimed_by = ?",
                (broadcast_id, user_id, self.claimant),
            )
        )

    async def finish_broadcast(self, broadcast_id: int, now: datetime) -> bool:
        def finish(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                "UPDATE broadcasts SET status = 'done', finished_at = ? WHERE id = ? AND status = 'running' "
                f"AND {NOTHING_LEFT}",
                (now.isoformat(), broadcast_id),
            )
            return cursor.rowcount == 1

        return await self._in_transaction(finish)

    async def mark_delivery(self, broadcast_id: int, user_id: int, status: str) -> None:
        await self._queued(
            lambda conn: conn.execute(
                f"UPDATE broadcast_deliveries SET status = ?, {SETTLED} WHERE broadcast_id = ? AND user_id = ?",
                (status, broadcast_id, user_id),
            )
        )

    async def broadcast_progress(self, broadcast_id: int) -> dict[str, int]:
        return await self._run(
            lambda conn: grouped(
                conn,
                "SELECT status, count(*) FROM broadcast_deliveries WHERE broadcast_id = ? GROUP BY 1",
                broadcast_id,
            )
        )
