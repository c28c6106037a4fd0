"""What the bot owes runners, in PostgreSQL: replies written with their turn, and due reminders, each
claimed for a lease (bot/store/claims.py). A runner's owed replies are claimed under the same
`pg_advisory_xact_lock(user_id)` as their turns, so two processes never split them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from bot.store.claims import SETTLED
from bot.store.postgres.connection import Connection, PostgresConnection
from bot.store.rows import ClaimedReminder, DueReminder, OwedMessage, ReminderDecision

# a runner whose messages someone else holds now
HELD_BY_ANOTHER = "SELECT 1 FROM outbox h WHERE h.user_id = {user} AND h.claimed_until > $2 AND h.claimed_by <> $3"


class PostgresOwedReplies(PostgresConnection):
    async def unsent(self, user_id: int | None = None, limit: int = 100) -> list[OwedMessage]:
        rows = await self._rows(
            "SELECT id, user_id, body FROM outbox WHERE $1::bigint IS NULL OR user_id = $1 ORDER BY id LIMIT $2",
            user_id,
            limit,
        )
        return [OwedMessage(int(i), int(u), b) for i, u, b in rows]

    async def _claim_runner(self, conn: Connection, user_id: int, limit: int) -> list[OwedMessage]:
        """Inside a transaction that holds the runner's advisory lock."""
        rows = await conn.fetch(
            "UPDATE outbox SET claimed_by = $3, claimed_until = $4 "
            "WHERE id IN (SELECT id FROM outbox WHERE user_id = $1 ORDER BY id LIMIT $5) "
            f"AND NOT EXISTS ({HELD_BY_ANOTHER.format(user='$1')}) RETURNING id, user_id, body",
            user_id,
            self._now(),
            self.claimant,
            self._lease_until(),
            limit,
        )
        return [OwedMessage(int(i), int(u), b) for i, u, b in sorted(tuple(r) for r in rows)]

    async def claim_owed(self, user_id: int, limit: int, sent: tuple[int, ...] = ()) -> list[OwedMessage]:
        async def claim(conn: Connection) -> list[OwedMessage]:
            await conn.execute("SELECT pg_advisory_xact_lock($1)", user_id)
            if sent:
                await conn.execute("DELETE FROM outbox WHERE user_id = $1 AND id = ANY($2)", user_id, list(sent))
            return await self._claim_runner(conn, user_id, limit)

        return await self._in_transaction(claim)

    async def sweep_owed(self, runners: int, limit: int, idle: timedelta) -> list[OwedMessage]:
        """A runner whose turn holds their lock now is passed over (`pg_try_advisory_xact_lock`): that
        turn's own flush sends what they are owed, or the next sweep does."""

        async def sweep(conn: Connection) -> list[OwedMessage]:
            found = await conn.fetch(
                "SELECT o.user_id FROM outbox o WHERE (o.claimed_until <= $2 OR "
                "(o.claimed_until IS NULL AND o.created_at <= $1)) "
                f"AND NOT EXISTS ({HELD_BY_ANOTHER.format(user='o.user_id')}) "
                "GROUP BY o.user_id ORDER BY min(o.id) LIMIT $4",
                self._now() - idle,
                self._now(),
                self.claimant,
                runners,
            )
            claimed: list[OwedMessage] = []
            for (user_id,) in found:
                if await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", user_id):
                    claimed += await self._claim_runner(conn, int(user_id), limit)
            return claimed

        return await self._in_transaction(sweep)

    async def release_owed(self, user_id: int) -> None:
        await self._execute(
            "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE user_id = $1 AND claimed_by = $2",
            user_id,
            self.claimant,
        )

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
            logged_at, until = self._now(), self._lease_until()
            for row_id, user_id, kind, local_time, due, data, active in rows:
                decision = decide(DueReminder(int(user_id), kind, local_time, int(due), data, bool(active)))
                sending = decision.status == "send"
                log_id = await conn.fetchval(
                    "INSERT INTO reminder_log (user_id, kind, local_date, due_at, status, logged_at, claimed_by, "
                    "claimed_until) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                    "ON CONFLICT (user_id, kind, local_date) DO NOTHING RETURNING id",
                    *(user_id, kind, decision.log_key, due),
                    "claimed" if sending else decision.status,
                    logged_at,
                    *((self.claimant, until) if sending else (None, None)),
                )
                if log_id is not None and sending:
                    claimed.append(ClaimedReminder(int(log_id), int(user_id), kind, data, int(due)))
                if decision.next_due is None:
                    await conn.execute("DELETE FROM reminders WHERE id = $1", row_id)
                else:
                    await conn.execute("UPDATE reminders SET next_due_at = $1 WHERE id = $2", decision.next_due, row_id)
            return claimed

        return await self._in_transaction(claim)

    async def reclaim_reminders(self) -> list[ClaimedReminder]:
        """Two processes reclaiming at once: the second re-reads each row the first took (its lease is
        live now) and leaves it."""
        rows = await self._in_transaction(
            lambda conn: conn.fetch(
                "UPDATE reminder_log l SET claimed_by = $1, claimed_until = $2 "
                "WHERE l.status = 'claimed' AND (l.claimed_until IS NULL OR l.claimed_until <= $3) "
                "RETURNING l.id, l.user_id, l.kind, (SELECT f.data FROM flow_state f WHERE f.user_id = l.user_id), "
                "l.due_at",
                self.claimant,
                self._lease_until(),
                self._now(),
            )
        )
        return [ClaimedReminder(int(i), int(u), k, d, int(due)) for i, u, k, d, due in sorted(tuple(r) for r in rows)]

    async def finish_reminder(self, log_id: int, status: str) -> None:
        await self._execute(f"UPDATE reminder_log SET status = $1, {SETTLED} WHERE id = $2", status, log_id)
