"""Conversation turns in PostgreSQL: an event's state, facts, reminders and owed replies in one transaction.

The transaction first takes `pg_advisory_xact_lock(user_id)`: one runner's turns are serialized across
every process sharing the database, and the lock goes with the transaction (or a dead connection).
"""

from __future__ import annotations

from dataclasses import astuple
from datetime import datetime
from typing import Any, TypeVar

from bot.store.base import Decide, EventIsolation
from bot.store.postgres.connection import Connection, PostgresConnection
from bot.store.postgres.facts import append_fact
from bot.store.rows import Change, Stored

T = TypeVar("T")

_DUPLICATE = object()


async def stored(conn: Connection, user_id: int) -> Stored:
    row = await conn.fetchrow(
        "SELECT f.data, f.version, u.active FROM users u LEFT JOIN flow_state f USING (user_id) WHERE u.user_id = $1",
        user_id,
    )
    if row is None:
        return Stored(user_id, None, 0, True)
    return Stored(user_id, row[0], int(row[1] or 0), bool(row[2]))


async def save(conn: Connection, user_id: int, change: Change, now: datetime) -> None:
    plan = change.plan
    await conn.execute(
        "INSERT INTO users (user_id, consented, active, created_at, updated_at) VALUES ($1, $2, true, $3, $3) "
        "ON CONFLICT (user_id) DO UPDATE SET consented = excluded.consented, updated_at = excluded.updated_at",
        user_id,
        change.consented,
        now,
    )
    if change.active is not None:
        await conn.execute("UPDATE users SET active = $1 WHERE user_id = $2", change.active, user_id)
    await conn.execute(
        "INSERT INTO flow_state (user_id, flow, state, data, version, plan_pattern, plan_phase, plan_status) "
        "VALUES ($1, 'conversation', $2, $3, 1, $4, $5, $6) "
        "ON CONFLICT (user_id) DO UPDATE SET state = excluded.state, data = excluded.data, "
        "plan_pattern = excluded.plan_pattern, plan_phase = excluded.plan_phase, "
        "plan_status = excluded.plan_status, version = flow_state.version + 1",
        user_id,
        change.state,
        change.data,
        *(astuple(plan) if plan else (None, None, None)),
    )
    if change.answers:
        await conn.executemany(
            "INSERT INTO answers (user_id, session, question, value, answered_at) VALUES ($1, $2, $3, $4, $5)",
            [(user_id, a.session, a.question, a.value, now) for a in change.answers],
        )
    for fact in change.facts:
        await append_fact(conn, user_id, fact, now)
    if change.reminders is not None:
        await conn.execute("DELETE FROM reminders WHERE user_id = $1", user_id)
        await conn.executemany(
            "INSERT INTO reminders (user_id, kind, local_time, next_due_at) VALUES ($1, $2, $3, $4)",
            [(user_id, r.kind, r.local_time, r.due) for r in change.reminders],
        )
    if change.outcomes:
        await conn.executemany(
            "INSERT INTO outcomes (user_id, urgency, pattern, red_flag, decided_at) VALUES ($1, $2, $3, $4, $5)",
            [(user_id, o.urgency, o.pattern, o.red_flag, now) for o in change.outcomes],
        )
    if change.set_aside is not None:
        await conn.execute(
            "INSERT INTO quarantine (user_id, data, reason, quarantined_at) VALUES ($1, $2, $3, $4)",
            user_id,
            change.set_aside.data,
            change.set_aside.reason,
            now,
        )
    if change.outbox:
        await conn.executemany(
            "INSERT INTO outbox (user_id, body, created_at) VALUES ($1, $2, $3)",
            [(user_id, body, now) for body in change.outbox],
        )


class PostgresTurns(PostgresConnection):
    def isolation(self) -> EventIsolation:
        """In-process locks first, so a runner's burst of events waits here rather than on pooled
        connections; across processes, every transaction that writes about a runner (a turn, `set_active`)
        takes `pg_advisory_xact_lock(user_id)`, and a decision made before its turn is re-made when the
        state changed meanwhile (the stored version differs)."""
        return self._isolation

    async def apply(self, user_id: int, update_id: int | None, decide: Decide[T]) -> T | None:
        """Lock the runner, mark the update handled, load, decide, write: one transaction."""

        async def turn(conn: Connection) -> Any:
            await conn.execute("SELECT pg_advisory_xact_lock($1)", user_id)
            now = self._now()
            if update_id is not None:
                fresh = await conn.fetchval(
                    "INSERT INTO handled_updates (update_id, user_id, handled_at) VALUES ($1, $2, $3) "
                    "ON CONFLICT (update_id) DO NOTHING RETURNING true",
                    update_id,
                    user_id,
                    now,
                )
                if fresh is None:
                    return _DUPLICATE
            change, result = decide(await stored(conn, user_id))
            await save(conn, user_id, change, now)
            return result

        outcome = await self._in_transaction(turn)
        return None if outcome is _DUPLICATE else outcome

    async def load(self, user_id: int) -> Stored:
        return await self._read(lambda conn: stored(conn, user_id))

    async def set_active(self, user_id: int, active: bool) -> None:
        async def write(conn: Connection) -> None:
            await conn.execute("SELECT pg_advisory_xact_lock($1)", user_id)
            await conn.execute(
                "UPDATE users SET active = $1, updated_at = $2 WHERE user_id = $3", active, self._now(), user_id
            )
            if not active:  # someone who blocked the bot is not scheduled, nor owed anything, any more
                await conn.execute("DELETE FROM reminders WHERE user_id = $1", user_id)
                await conn.execute("DELETE FROM outbox WHERE user_id = $1", user_id)

        await self._in_transaction(write)
