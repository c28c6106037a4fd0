"""The admin's questions in SQLite: statistics, one user in brief, the audit log."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from bot.store.rows import Adherence, AuditEntry, LastOutcome, PlanPosition, Stats, UserSummary
from bot.store.sqlite.connection import SqliteConnection, count, grouped
from bot.store.sqlite.quarantine import quarantined


def _stats(conn: sqlite3.Connection, now: datetime) -> Stats:
    week_ago = (now - timedelta(days=7)).isoformat()
    today = now.date()

    def adherence(days: int) -> Adherence:
        since = (today - timedelta(days=days - 1)).isoformat()
        done = count(conn, "SELECT count(*) FROM checkins WHERE day >= ? AND done = 'done'", since)
        planned = count(conn, "SELECT count(*) FROM flow_state WHERE plan_status = 'active'") * days
        return Adherence(done, planned)

    return Stats(
        users=count(conn, "SELECT count(*) FROM users"),
        active=count(conn, "SELECT count(*) FROM users WHERE active = 1"),
        blocked=count(conn, "SELECT count(*) FROM users WHERE active = 0"),
        new_week=count(conn, "SELECT count(*) FROM users WHERE created_at >= ?", week_ago),
        patterns=grouped(
            conn, "SELECT coalesce(pattern, 'unclear'), count(*) FROM outcomes GROUP BY 1 ORDER BY 2 DESC"
        ),
        red_flags=grouped(
            conn, "SELECT red_flag, count(*) FROM outcomes WHERE red_flag IS NOT NULL GROUP BY 1 ORDER BY 2 DESC"
        ),
        phases={
            str(PlanPosition(*position)): number
            for *position, number in conn.execute(
                "SELECT plan_pattern, plan_phase, plan_status, count(*) FROM flow_state "
                "WHERE plan_pattern IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
            )
        },
        adherence_7=adherence(7),
        adherence_30=adherence(30),
        reminders=grouped(conn, "SELECT status, count(*) FROM reminder_log GROUP BY 1 ORDER BY 1"),
    )


def _user_summary(conn: sqlite3.Connection, user_id: int) -> UserSummary | None:
    row = conn.execute(
        "SELECT u.consented, u.active, u.created_at, u.updated_at, f.state, "
        "f.plan_pattern, f.plan_phase, f.plan_status "
        "FROM users u LEFT JOIN flow_state f USING (user_id) WHERE u.user_id = ?",
        (user_id,),
    ).fetchone()
    if row is None:
        return None
    last = conn.execute(
        "SELECT urgency, pattern, red_flag, decided_at FROM outcomes WHERE user_id = ? ORDER BY id DESC LIMIT 1",
        (user_id,),
    ).fetchone()
    return UserSummary(
        consented=bool(row[0]),
        active=bool(row[1]),
        created=row[2],
        last_seen=row[3],
        where=row[4],
        plan=PlanPosition(*row[5:8]) if row[5] is not None else None,
        answers=count(conn, "SELECT count(*) FROM answers WHERE user_id = ?", user_id),
        checkins=count(conn, "SELECT count(*) FROM checkins WHERE user_id = ?", user_id),
        last_outcome=LastOutcome(*last) if last else None,
        reminders=tuple(r[0] for r in conn.execute("SELECT kind FROM reminders WHERE user_id = ?", (user_id,))),
        quarantined=tuple(quarantined(conn, user_id)),
    )


class SqliteAdminQueries(SqliteConnection):
    async def stats(self, now: datetime) -> Stats:
        return await self._run(lambda conn: _stats(conn, now))

    async def user_summary(self, user_id: int) -> UserSummary | None:
        return await self._run(lambda conn: _user_summary(conn, user_id))

    async def active_users(self) -> int:
        return await self._run(lambda conn: count(conn, "SELECT count(*) FROM users WHERE active = 1"))

    async def audit(self, actor_id: int | None, action: str, user_id: int | None, detail: str = "") -> None:
        await self._in_transaction(
            lambda conn: conn.execute(
                "INSERT INTO audit (at, actor_id, action, user_id, detail) VALUES (?, ?, ?, ?, ?)",
                (self._now(), actor_id, action, user_id, detail),
            )
        )

    async def audit_log(self, limit: int) -> list[AuditEntry]:
        rows = await self._rows(
            "SELECT at, actor_id, action, user_id, detail FROM audit ORDER BY id DESC LIMIT ?", limit
        )
        return [AuditEntry(*row) for row in rows]
