"""The admin's questions in PostgreSQL: statistics, one user in brief, the audit log."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.store.postgres.connection import Connection, PostgresConnection, count, grouped, iso
from bot.store.postgres.quarantine import quarantined
from bot.store.rows import Adherence, AuditEntry, LastOutcome, PlanPosition, Stats, UserSummary


async def _stats(conn: Connection, now: datetime) -> Stats:
    today = now.date()

    async def adherence(days: int) -> Adherence:
        since = today - timedelta(days=days - 1)
        done = await count(conn, "SELECT count(*) FROM checkins WHERE day >= $1 AND done = 'done'", since)
        planned = await count(conn, "SELECT count(*) FROM flow_state WHERE plan_status = 'active'") * days
        return Adherence(done, planned)

    phases = await conn.fetch(
        "SELECT plan_pattern, plan_phase, plan_status, count(*) FROM flow_state "
        "WHERE plan_pattern IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
    )
    return Stats(
        users=await count(conn, "SELECT count(*) FROM users"),
        active=await count(conn, "SELECT count(*) FROM users WHERE active"),
        blocked=await count(conn, "SELECT count(*) FROM users WHERE NOT active"),
        new_week=await count(conn, "SELECT count(*) FROM users WHERE created_at >= $1", now - timedelta(days=7)),
        patterns=await grouped(
            conn, "SELECT coalesce(pattern, 'unclear'), count(*) FROM outcomes GROUP BY 1 ORDER BY 2 DESC, 1"
        ),
        red_flags=await grouped(
            conn,
            "SELECT red_flag, count(*) FROM outcomes WHERE red_flag IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1",
        ),
        phases={str(PlanPosition(pattern, phase, status)): int(n) for pattern, phase, status, n in phases},
        adherence_7=await adherence(7),
        adherence_30=await adherence(30),
        reminders=await grouped(conn, "SELECT status, count(*) FROM reminder_log GROUP BY 1 ORDER BY 1"),
    )


async def _user_summary(conn: Connection, user_id: int) -> UserSummary | None:
    row = await conn.fetchrow(
        "SELECT u.consented, u.active, u.created_at, u.updated_at, f.state, "
        "f.plan_pattern, f.plan_phase, f.plan_status "
        "FROM users u LEFT JOIN flow_state f USING (user_id) WHERE u.user_id = $1",
        user_id,
    )
    if row is None:
        return None
    last = await conn.fetchrow(
        "SELECT urgency, pattern, red_flag, decided_at FROM outcomes WHERE user_id = $1 ORDER BY id DESC LIMIT 1",
        user_id,
    )
    reminders = await conn.fetch("SELECT kind FROM reminders WHERE user_id = $1 ORDER BY id", user_id)
    return UserSummary(
        consented=bool(row[0]),
        active=bool(row[1]),
        created=str(iso(row[2])),
        last_seen=str(iso(row[3])),
        where=row[4],
        plan=PlanPosition(row[5], row[6], row[7]) if row[5] is not None else None,
        answers=await count(conn, "SELECT count(*) FROM answers WHERE user_id = $1", user_id),
        checkins=await count(conn, "SELECT count(*) FROM checkins WHERE user_id = $1", user_id),
        last_outcome=LastOutcome(last[0], last[1], last[2], str(iso(last[3]))) if last else None,
        reminders=tuple(r[0] for r in reminders),
        quarantined=tuple(await quarantined(conn, user_id)),
    )


class PostgresAdminQueries(PostgresConnection):
    async def stats(self, now: datetime) -> Stats:
        return await self._read(lambda conn: _stats(conn, now))

    async def user_summary(self, user_id: int) -> UserSummary | None:
        return await self._read(lambda conn: _user_summary(conn, user_id))

    async def active_users(self) -> int:
        return await self._read(lambda conn: count(conn, "SELECT count(*) FROM users WHERE active"))

    async def audit(self, actor_id: int | None, action: str, user_id: int | None, detail: str = "") -> None:
        await self._execute(
            "INSERT INTO audit (at, actor_id, action, user_id, detail) VALUES ($1, $2, $3, $4, $5)",
            self._now(),
            actor_id,
            action,
            user_id,
            detail,
        )

    async def audit_log(self, limit: int) -> list[AuditEntry]:
        rows = await self._rows(
            "SELECT at, actor_id, action, user_id, detail FROM audit ORDER BY id DESC LIMIT $1", limit
        )
        return [AuditEntry(at.isoformat(), actor, action, user, detail) for at, actor, action, user, detail in rows]
