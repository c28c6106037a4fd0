"""What the bot owes runners, in PostgreSQL: replies written with their turn, and due reminders."""

from __future__ import annotations

from collections.abc import Callable

from bot.store.postgres.connection import Connection, PostgresConnection
from bot.store.rows import ClaimedReminder, DueReminder, OwedMessage, ReminderDecision


class PostgresOwedReplies(PostgresConnection):
    async def unsent(self, user_id: int | None = None, limit: int = 100) -> list[OwedMessage]:
        rows = await self._rows(
            "SELECT id, user_id, body FROM outbox WHERE $1::bigint IS NULL OR user_id = $1 ORDER BY id LIMIT $2",
            user_id,
            limit,
        )
        return [OwedMessage(int(i), int(u), b) for i, u, b in rows]

    async def mark_sent(self, message_id: int) -> None:
        await self._execute("DELETE FROM outbox WHERE id = $1", message_id)


class PostgresReminderQueue(PostgresConnection):
    async def claim_reminders(
        self, now: int, limit: int, decide: Callable[[DueReminder], ReminderDecision]
    ) -> list[ClaimedReminder]:
        """Due rows another process holds are skipped (`SKIP LOCKED`), not waited for: it claims them."""

        async def claim(conn: Connection) -> list[ClaimedReminder]:
            rows = await conn.fetch(
                "SELECT r.id, r.user_id, r.kind, r.local_time, r.next_due_at, f.data, u.active "
                "FROM reminders r JOIN users u USING (user_id) LEFT JOIN flow_state f USING (user_id) "
                "WHERE r.next_due_at <= $1 ORDER BY r.next_due_at, r.id LIMIT $2 FOR UPDATE OF r SKIP LOCKED",
                now,
                limit,
            )
            claimed: list[ClaimedReminder] = []
            logged_at = self._now()
            for row_id, user_id, kind, local_time, due, data, active in rows:
                decision = decide(DueReminder(int(user_id), kind, local_time, int(due), data, bool(active)))
                status = "claimed" if decision.status == "send" else decision.status
                log_id = await conn.fetchval(
                    "INSERT INTO reminder_log (user_id, kind, local_date, due_at, status, logged_at) "
                    "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id, kind, local_date) DO NOTHING RETURNING id",
                    user_id,
                    kind,
                    decision.log_key,
                    due,
                    status,
                    logged_at,
                )
                if log_id is not None and status == "claimed":
                    claimed.append(ClaimedReminder(int(log_id), int(user_id), kind, data, int(due)))
                if decision.next_due is None:
                    await conn.execute("DELETE FROM reminders WHERE id = $1", row_id)
                else:
                    await conn.execute("UPDATE reminders SET next_due_at = $1 WHERE id = $2", decision.next_due, row_id)
            return claimed

        return await self._in_transaction(claim)

    async def unsent_reminders(self) -> list[ClaimedReminder]:
        rows = await self._rows(
            "SELECT l.id, l.user_id, l.kind, f.data, l.due_at FROM reminder_log l "
            "LEFT JOIN flow_state f USING (user_id) WHERE l.status = 'claimed' ORDER BY l.id"
        )
        return [ClaimedReminder(int(i), int(u), k, d, int(due)) for i, u, k, d, due in rows]

    async def finish_reminder(self, log_id: int, status: str) -> None:
        await self._execute("UPDATE reminder_log SET status = $1 WHERE id = $2", status, log_id)
