"""What the bot owes runners, in SQLite: replies written with their turn, and due reminders, each
claimed for a lease (bot/store/claims.py). The one connection (writer.py) serializes every claim.

When this process is the only one on the file (its instance lock says so, as in production), the
claims of other processes cannot exist: the turn that writes a runner's owed messages reads them back in
its own transaction (turns.py), and the flush that follows takes them as its first claim without a trip
to the writer: one thread hop and one commit less per update. What a turn read is kept only once the turn
is committed, and only until the writer next claims, releases or removes the runner's owed messages
(each of those forgets it): what the flush takes is then exactly what a claim of its own would have
returned. A flush holds the runner (bot/outbox.py), so no other flush of this process claims in
between; the claim of a sweep is never used to send.

When that first claim was all the runner was owed and no turn of theirs has kept a read since, the
flush's last claim has nothing to find: it only queues the removal of what went out and returns, and
the removal joins the next group commit (one commit less again on the reply's path). Until it is
committed, a turn read that still lists those messages hands them out without them, and the removal
forgets such a read once done; closing the store waits for it. Owed messages are written only by turns,
and each turn is followed by its own flush."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from functools import partial

from bot.store.claims import OWED_AT_ONCE, SETTLED
from bot.store.rows import ClaimedReminder, DueReminder, OwedMessage, ReminderDecision
from bot.store.sqlite.connection import SqliteConnection

log = logging.getLogger(__name__)

# a runner whose messages someone else holds now
HELD_BY_ANOTHER = "SELECT 1 FROM outbox h WHERE h.user_id = {user} AND h.claimed_until > ? AND h.claimed_by <> ?"


class SqliteOwedReplies(SqliteConnection):
    async def unsent(self, user_id: int | None = None, limit: int = 100) -> list[OwedMessage]:
        def read(conn: sqlite3.Connection) -> list[OwedMessage]:
            if user_id is not None:
                return _owed(conn, user_id, limit)
            rows = conn.execute("SELECT id, user_id, body FROM outbox ORDER BY id LIMIT ?", (limit,)).fetchall()
            return [OwedMessage(int(i), int(u), b) for i, u, b in rows]

        # after the writes queued before it: the removal of messages sent may still be waiting there
        return await self._queued(read)

    def _claim_runner(self, conn: sqlite3.Connection, user_id: int, limit: int) -> list[OwedMessage]:
        self._read_at_turn.pop(user_id, None)
        now = self._now()
        if conn.execute(HELD_BY_ANOTHER.format(user="?"), (user_id, now, self.claimant)).fetchone():
            return []
        rows = conn.execute(
            "UPDATE outbox SET claimed_by = ?, claimed_until = ? "
            "WHERE id IN (SELECT id FROM outbox WHERE user_id = ? ORDER BY id LIMIT ?) RETURNING id, user_id, body",
            (self.claimant, self._lease_until(), user_id, limit),
        ).fetchall()
        return [OwedMessage(int(i), int(u), b) for i, u, b in sorted(rows)]

    def _remove_sent(self, user_id: int, sent: tuple[int, ...]) -> None:
        """Queue the removal of messages sent, and wait for nothing: it joins the next group commit, before
        any claim queued after it. Until it is committed, what a turn read is handed out without them."""
        self._removal_queued.setdefault(user_id, set()).update(sent)

        self._enqueue(partial(_delete_sent, user_id=user_id, sent=sent)).add_done_callback(
            partial(self._removed, user_id, sent)
        )

    def _removed(self, user_id: int, sent: tuple[int, ...], removal: asyncio.Future[None]) -> None:
        """In the loop, once the removal is committed or failed."""
        # a turn committed before the removal read them as owed
        self._read_at_turn.pop(user_id, None)
        removing = self._removal_queued.get(user_id, set())
        removing.difference_update(sent)
        if not removing:
            self._removal_queued.pop(user_id, None)
        if not removal.cancelled() and (error := removal.exception()) is not None:
            log.warning("user %s: messages sent but not removed, they may be sent again: %s", user_id, error)

    def _owed_at_turn(self, conn: sqlite3.Connection, user_id: int) -> list[OwedMessage]:
        """In the turn's transaction: what the flush that follows would claim first."""
        return _owed(conn, user_id, OWED_AT_ONCE)

    def _keep_read_at_turn(self, user_id: int, owed: list[OwedMessage]) -> None:
        """Right after the turn's commit, before any other use of the connection: what it read, for the
        flush that follows."""
        self._read_at_turn[user_id] = owed

    async def claim_owed(self, user_id: int, limit: int, sent: tuple[int, ...] = ()) -> list[OwedMessage]:
        handed_all = self._handed_all.pop(user_id, None)
        if not sent and limit == OWED_AT_ONCE and (read := self._read_at_turn.pop(user_id, None)) is not None:
            removing = self._removal_queued.get(user_id, ())
            kept = [message for message in read if message.id not in removing]
            if kept and len(read) < limit:  # all the runner was owed when the turn committed
                self._handed_all[user_id] = tuple(message.id for message in kept)
            if kept or len(read) < limit:
                return kept
        elif sent and sent == handed_all and user_id not in self._read_at_turn:
            # all that was owed went out, and no turn of the runner has kept a read since: nothing to claim
            self._remove_sent(user_id, sent)
            return []

        def claim(conn: sqlite3.Connection) -> list[OwedMessage]:
            _delete_sent(conn, user_id=user_id, sent=sent)
            return self._claim_runner(conn, user_id, limit)

        # one per turn: it joins the group commit instead of a transaction of its own
        return await self._queued(claim)

    async def sweep_owed(self, runners: int, limit: int, idle: timedelta) -> list[OwedMessage]:
        def sweep(conn: sqlite3.Connection) -> list[OwedMessage]:
            now, before = self._now(), (self.clock.now() - idle).isoformat()
            found = conn.execute(
                "SELECT o.user_id FROM outbox o WHERE (o.claimed_until <= ? OR "
                "(o.claimed_until IS NULL AND o.created_at <= ?)) "
                f"AND NOT EXISTS ({HELD_BY_ANOTHER.format(user='o.user_id')}) "
                "GROUP BY o.user_id ORDER BY min(o.id) LIMIT ?",
                (now, before, now, self.claimant, runners),
            ).fetchall()
            return [message for (user_id,) in found for message in self._claim_runner(conn, user_id, limit)]

        return await self._in_transaction(sweep)

    async def release_owed(self, user_id: int) -> None:
        def release(conn: sqlite3.Connection) -> None:
            self._read_at_turn.pop(user_id, None)
            conn.execute(
                "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE user_id = ? AND claimed_by = ?",
                (user_id, self.claimant),
            )

        await self._in_transaction(release)

    async def mark_sent(self, message_id: int) -> None:
        def remove(conn: sqlite3.Connection) -> None:
            for (user_id,) in conn.execute("DELETE FROM outbox WHERE id = ? RETURNING user_id", (message_id,)):
                self._read_at_turn.pop(user_id, None)

        # one per message sent: it joins the group commit instead of a transaction of its own
        await self._queued(remove)


def _delete_sent(conn: sqlite3.Connection, *, user_id: int, sent: tuple[int, ...]) -> None:
    conn.executemany("DELETE FROM outbox WHERE user_id = ? AND id = ?", [(user_id, i) for i in sent])


def _owed(conn: sqlite3.Connection, user_id: int, limit: int) -> list[OwedMessage]:
    """The runner's first `limit` owed messages, oldest first, claimed or not."""
    rows = conn.execute(
        "SELECT id, user_id, body FROM outbox WHERE user_id = ? ORDER BY id LIMIT ?", (user_id, limit)
    ).fetchall()
    return [OwedMessage(int(i), int(u), b) for i, u, b in rows]


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
            logged_at, until = self._now(), self._lease_until()
            for row_id, user_id, kind, local_time, due, data, active in rows:
                decision = decide(DueReminder(user_id, kind, local_time, due, data, bool(active)))
                sending = decision.status == "send"
                cursor = conn.execute(
                    "INSERT INTO reminder_log (user_id, kind, local_date, due_at, status, logged_at, "
                    "claimed_by, claimed_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (user_id, kind, local_date) DO NOTHING",
                    (
                        *(user_id, kind, decision.log_key, due),
                        "claimed" if sending else decision.status,
                        logged_at,
                        *((self.claimant, until) if sending else (None, None)),
                    ),
                )
                if cursor.rowcount == 1 and sending:
                    claimed.append(ClaimedReminder(int(cursor.lastrowid or 0), user_id, kind, data, due))
                if decision.next_due is None:
                    conn.execute("DELETE FROM reminders WHERE id = ?", (row_id,))
                else:
                    conn.execute("UPDATE reminders SET next_due_at = ? WHERE id = ?", (decision.next_due, row_id))
            return claimed

        return await self._in_transaction(claim)

    async def reclaim_reminders(self) -> list[ClaimedReminder]:
        def reclaim(conn: sqlite3.Connection) -> list[ClaimedReminder]:
            rows = conn.execute(
                "SELECT l.id, l.user_id, l.kind, f.data, l.due_at FROM reminder_log l "
                "LEFT JOIN flow_state f USING (user_id) "
                "WHERE l.status = 'claimed' AND (l.claimed_until IS NULL OR l.claimed_until <= ?) ORDER BY l.id",
                (self._now(),),
            ).fetchall()
            conn.executemany(
                "UPDATE reminder_log SET claimed_by = ?, claimed_until = ? WHERE id = ?",
                [(self.claimant, self._lease_until(), row[0]) for row in rows],
            )
            return [ClaimedReminder(int(i), int(u), k, d, int(due)) for i, u, k, d, due in rows]

        return await self._in_transaction(reclaim)

    async def finish_reminder(self, log_id: int, status: str) -> None:
        await self._in_transaction(
            lambda conn: conn.execute(
                f"UPDATE reminder_log SET status = ?, {SETTLED} WHERE id = ?",
                (status, log_id),
            )
        )
