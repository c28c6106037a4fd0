"""What the bot owes runners, in SQLite: replies written with their turn, and due reminders."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from bot.store.rows import ClaimedReminder, DueReminder, OwedMessage, ReminderDecision
from bot.store.sqlite.connection import SqliteConnection


class SqliteOwedReplies(SqliteConnection):
    async def unsent(self, user_id: int | None = None, limit: int = 100) -> list[OwedMessage]:
        if user_id is None:
            rows = await self._rows("SELECT id, user_id, body FROM outbox ORDER BY id LIMIT ?", limit)
        else:
            rows = await self._rows(
                "SELECT id, user_id, body FROM outbox WHERE user_id = ? ORDER BY id LIMIT ?", user_id, limit
            )
        return [OwedMessage(int(i), int(u), b) for i, u, b in rows]

    async def mark_sent(self, message_id: int) -> None:
        # one per message sent: it joins the group commit instead of a transaction of its own
        await self._queued(lambda conn: conn.execute("DELETE FROM outbox WHERE id = ?", (message_id,)))


class SqliteReminderQueue(SqliteConnection):
    async def claim_reminders(
        self, now: int, limit: int, decide: Callable[[DueReminder], ReminderDecision]
    ) -> list[ClaimedReminder]:
        def claim(conn: sqlite3.Connection) -> list[ClaimedReminder]:
            rows = conn.execute(
                "SELECT r.id, r.user_id, r.kind, r.local_time, r.next_due_at, f.data, u.active "
                "FROM reminders r JOIN users u USING (user_id) LEFT JOIN flow_state f USING (user_id) "
                "WHERE r.next_due_at <= ? ORDER BY r.next_due_at LIMIT ?",
                (now, limit),
            ).fetchall()
            claimed: list[ClaimedReminder] = []
            logged_at = self._now()
            for row_id, user_id, kind, local_time, due, data, active in rows:
                decision = decide(DueReminder(user_id, kind, local_time, due, data, bool(active)))
                status = "claimed" if decision.status == "send" else decision.status
                cursor = conn.execute(
                    "INSERT INTO reminder_log (user_id, kind, local_date, due_at, status, logged_at) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, kind, local_date) DO NOTHING",
                    (user_id, kind, decision.log_key, due, status, logged_at),
                )
                if cursor.rowcount == 1 and status == "claimed":
                    claimed.append(ClaimedReminder(int(cursor.lastrowid or 0), user_id, kind, data, due))
                if decision.next_due is None:
                    conn.execute("DELETE FROM reminders WHERE id = ?", (row_id,))
                else:
                    conn.execute("UPDATE reminders SET next_due_at = ? WHERE id = ?", (decision.next_due, row_id))
            return claimed

        return await self._in_transaction(claim)

    async def unsent_reminders(self) -> list[ClaimedReminder]:
        rows = await self._rows(
            "SELECT l.id, l.user_id, l.kind, f.data, l.due_at FROM reminder_log l "
            "LEFT JOIN flow_state f USING (user_id) WHERE l.status = 'claimed' ORDER BY l.id"
        )
        return [ClaimedReminder(int(i), int(u), k, d, int(due)) for i, u, k, d, due in rows]

    async def finish_reminder(self, log_id: int, status: str) -> None:
        await self._in_transaction(
            lambda conn: conn.execute("UPDATE reminder_log SET status = ? WHERE id = ?", (status, log_id))
        )
