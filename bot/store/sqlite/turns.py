"""Conversation turns in SQLite: an event's state, facts, reminders and owed replies in one write."""

from __future__ import annotations

import sqlite3
from dataclasses import astuple
from functools import partial
from typing import Any, TypeVar

from bot.store.base import Decide, EventIsolation
from bot.store.rows import Change, OwedMessage, Stored
from bot.store.sqlite.facts import append_fact
from bot.store.sqlite.outbox import SqliteOwedReplies

T = TypeVar("T")

_DUPLICATE = object()


class SqliteTurns(SqliteOwedReplies):
    def isolation(self) -> EventIsolation:
        """In-process locks: one process holds the database file (its lock file says so), and its single
        writer applies each event whole."""
        return self._isolation

    async def apply(self, user_id: int, update_id: int | None, decide: Decide[T]) -> T | None:
        """Queue the event for the next group commit and wait until it is durable. The runner's owed
        messages are read in the same transaction, for the flush that follows (outbox.py)."""

        def committed(outcome: tuple[Any, list[OwedMessage] | None]) -> Any:
            result, owed = outcome
            if owed is not None:
                self._keep_read_at_turn(user_id, owed)
            return result

        write = partial(self._apply, user_id=user_id, update_id=update_id, decide=decide)
        outcome = await self._queued(write, committed)
        return None if outcome is _DUPLICATE else outcome

    def _apply(self, conn: sqlite3.Connection, user_id: int, update_id: int | None, decide: Decide[T]) -> Any:
        now = self._now()
        if update_id is not None:
            seen = conn.execute("SELECT 1 FROM handled_updates WHERE update_id = ?", (update_id,)).fetchone()
            if seen:
                return _DUPLICATE, None
            conn.execute(
                "INSERT INTO handled_updates (update_id, user_id, handled_at) VALUES (?, ?, ?)",
                (update_id, user_id, now),
            )
        change, result = decide(self._stored(conn, user_id))
        self._save(conn, user_id, change, now)
        # the only process on the file: the flush that follows takes the owed messages from here (outbox.py)
        return result, self._owed_at_turn(conn, user_id) if self.exclusive else None

    def _stored(self, conn: sqlite3.Connection, user_id: int) -> Stored:
        row = conn.execute(
            "SELECT f.data, f.version, u.active FROM users u LEFT JOIN flow_state f USING (user_id) "
            "WHERE u.user_id = ?",
            (user_id,),
        ).fetchone()
        if row is None:
            return Stored(user_id, None, 0, True)
        return Stored(user_id, row[0], int(row[1] or 0), bool(row[2]))

    def _save(self, conn: sqlite3.Connection, user_id: int, change: Change, now: str) -> None:
        plan = change.plan
        conn.execute(
            "INSERT INTO users (user_id, consented, active, created_at, updated_at) VALUES (?, ?, 1, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET consented = excluded.consented, updated_at = excluded.updated_at",
            (user_id, int(change.consented), now, now),
        )
        if change.active is not None:
            conn.execute("UPDATE users SET active = ? WHERE user_id = ?", (int(change.active), user_id))
        conn.execute(
            "INSERT INTO flow_state (user_id, flow, state, data, version, plan_pattern, plan_phase, plan_status) "
            "VALUES (?, 'conversation', ?, ?, 1, ?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET state = excluded.state, data = excluded.data, "
            "plan_pattern = excluded.plan_pattern, plan_phase = excluded.plan_phase, "
            "plan_status = excluded.plan_status, version = flow_state.version + 1",
            (user_id, change.state, change.data, *(astuple(plan) if plan else (None, None, None))),
        )
        if change.answers:
            conn.executemany(
                "INSERT INTO answers (user_id, session, question, value, answered_at) VALUES (?, ?, ?, ?, ?)",
                [(user_id, a.session, a.question, a.value, now) for a in change.answers],
            )
        for fact in change.facts:
            append_fact(conn, user_id, fact, now)
        if change.reminders is not None:
            conn.execute("DELETE FROM reminders WHERE user_id = ?", (user_id,))
            conn.executemany(
                "INSERT INTO reminders (user_id, kind, local_time, next_due_at) VALUES (?, ?, ?, ?)",
                [(user_id, r.kind, r.local_time, r.due) for r in change.reminders],
            )
        if change.outcomes:
            conn.executemany(
                "INSERT INTO outcomes (user_id, urgency, pattern, red_flag, decided_at) VALUES (?, ?, ?, ?, ?)",
                [(user_id, o.urgency, o.pattern, o.red_flag, now) for o in change.outcomes],
            )
        if change.set_aside is not None:
            conn.execute(
                "INSERT INTO quarantine (user_id, data, reason, quarantined_at) VALUES (?, ?, ?, ?)",
                (user_id, change.set_aside.data, change.set_aside.reason, now),
            )
        if change.outbox:
            conn.executemany(
                "INSERT INTO outbox (user_id, body, created_at) VALUES (?, ?, ?)",
                [(user_id, body, now) for body in change.outbox],
            )

    async def load(self, user_id: int) -> Stored:
        return await self._run(lambda conn: self._stored(conn, user_id))

    async def set_active(self, user_id: int, active: bool) -> None:
        def write(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE users SET active = ?, updated_at = ? WHERE user_id = ?", (int(active), self._now(), user_id)
            )
            if not active:  # someone who blocked the bot is not scheduled, nor owed anything, any more
                conn.execute("DELETE FROM reminders WHERE user_id = ?", (user_id,))
                self._read_at_turn.pop(user_id, None)
                conn.execute("DELETE FROM outbox WHERE user_id = ?", (user_id,))

        await self._in_transaction(write)
