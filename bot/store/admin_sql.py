"""The SQL behind the admin commands: statistics, user lookup, audit, broadcasts (SQLite).

Plain functions on a connection; SqliteStore runs each in its writer thread in one hop.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from typing import Any


def _count(conn: sqlite3.Connection, sql: str, *args: Any) -> int:
    return int(conn.execute(sql, args).fetchone()[0] or 0)


def _grouped(conn: sqlite3.Connection, sql: str, *args: Any) -> dict[str, int]:
    return {str(key): int(count) for key, count in conn.execute(sql, args)}


def stats(conn: sqlite3.Connection, now: datetime) -> dict[str, Any]:
    week_ago = (now - timedelta(days=7)).isoformat()
    today = now.date()

    def adherence(days: int) -> tuple[int, int]:
        since = (today - timedelta(days=days - 1)).isoformat()
        done = _count(conn, "SELECT count(*) FROM checkins WHERE day >= ? AND done = 'done'", since)
        planned = _count(conn, "SELECT count(*) FROM flow_state WHERE plan LIKE '%:active'") * days
        return done, planned

    return {
        "users": _count(conn, "SELECT count(*) FROM users"),
        "active": _count(conn, "SELECT count(*) FROM users WHERE active = 1"),
        "blocked": _count(conn, "SELECT count(*) FROM users WHERE active = 0"),
        "new_week": _count(conn, "SELECT count(*) FROM users WHERE created_at >= ?", week_ago),
        "patterns": _grouped(
            conn, "SELECT coalesce(pattern, 'unclear'), count(*) FROM outcomes GROUP BY 1 ORDER BY 2 DESC"
        ),
        "red_flags": _grouped(
            conn, "SELECT red_flag, count(*) FROM outcomes WHERE red_flag IS NOT NULL GROUP BY 1 ORDER BY 2 DESC"
        ),
        "phases": _grouped(conn, "SELECT plan, count(*) FROM flow_state WHERE plan IS NOT NULL GROUP BY 1 ORDER BY 1"),
        "adherence_7": adherence(7),
        "adherence_30": adherence(30),
        "reminders": _grouped(conn, "SELECT status, count(*) FROM reminder_log GROUP BY 1 ORDER BY 1"),
    }


def user_summary(conn: sqlite3.Connection, user_id: int) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT u.consented, u.active, u.created_at, u.updated_at, f.state, f.plan "
        "FROM users u LEFT JOIN flow_state f USING (user_id) WHERE u.user_id = ?",
        (user_id,),
    ).fetchone()
    if row is None:
        return None
    last_outcome = conn.execute(
        "SELECT urgency, pattern, red_flag, decided_at FROM outcomes WHERE user_id = ? ORDER BY id DESC LIMIT 1",
        (user_id,),
    ).fetchone()
    return {
        "consented": bool(row[0]),
        "active": bool(row[1]),
        "created": row[2],
        "last_seen": row[3],
        "where": row[4],
        "plan": row[5],
        "answers": _count(conn, "SELECT count(*) FROM answers WHERE user_id = ?", user_id),
        "checkins": _count(conn, "SELECT count(*) FROM checkins WHERE user_id = ?", user_id),
        "last_outcome": last_outcome,
        "reminders": [r[0] for r in conn.execute("SELECT kind FROM reminders WHERE user_id = ?", (user_id,))],
    }


def audit_log(conn: sqlite3.Connection, limit: int) -> list[tuple[str, int | None, str, int | None, str]]:
    rows = conn.execute(
        "SELECT at, actor_id, action, user_id, detail FROM audit ORDER BY id DESC LIMIT ?", (limit,)
    ).fetchall()
    return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def create_broadcast(conn: sqlite3.Connection, admin: int, text: str, now: str) -> tuple[int, int]:
    """A draft broadcast and the number of runners it would reach now."""
    recipients = _count(conn, "SELECT count(*) FROM users WHERE active = 1")
    cursor = conn.execute(
        "INSERT INTO broadcasts (created_by, text, status, total, created_at) VALUES (?, ?, 'draft', ?, ?)",
        (admin, text, recipients, now),
    )
    return int(cursor.lastrowid or 0), recipients


def broadcast(conn: sqlite3.Connection, broadcast_id: int) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT id, created_by, text, status, total, progress_chat, progress_message FROM broadcasts WHERE id = ?",
        (broadcast_id,),
    ).fetchone()
    if row is None:
        return None
    keys = ("id", "created_by", "text", "status", "total", "progress_chat", "progress_message")
    return dict(zip(keys, row, strict=True))


def set_status(conn: sqlite3.Connection, broadcast_id: int, status: str, now: str, **progress: int) -> None:
    finished = now if status in ("done", "cancelled") else None
    conn.execute(
        "UPDATE broadcasts SET status = ?, finished_at = coalesce(?, finished_at), "
        "progress_chat = coalesce(?, progress_chat), progress_message = coalesce(?, progress_message) WHERE id = ?",
        (status, finished, progress.get("chat"), progress.get("message"), broadcast_id),
    )


def broadcasts_with_status(conn: sqlite3.Connection, status: str) -> list[int]:
    return [int(r[0]) for r in conn.execute("SELECT id FROM broadcasts WHERE status = ? ORDER BY id", (status,))]


def claim_recipients(conn: sqlite3.Connection, broadcast_id: int, limit: int) -> list[int]:
    """The next active runners who have not had this broadcast, marked as claimed."""
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
        "INSERT INTO broadcast_deliveries (broadcast_id, user_id, status) VALUES (?, ?, 'claimed')",
        [(broadcast_id, u) for u in users],
    )
    return users


def unfinished_claims(conn: sqlite3.Connection, broadcast_id: int) -> list[int]:
    rows = conn.execute(
        "SELECT user_id FROM broadcast_deliveries WHERE broadcast_id = ? AND status = 'claimed' ORDER BY user_id",
        (broadcast_id,),
    )
    return [int(r[0]) for r in rows]


def progress(conn: sqlite3.Connection, broadcast_id: int) -> dict[str, int]:
    return _grouped(
        conn, "SELECT status, count(*) FROM broadcast_deliveries WHERE broadcast_id = ? GROUP BY 1", broadcast_id
    )
