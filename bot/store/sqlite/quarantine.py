"""Conversation states set aside because they could not be read (migration 7)."""

from __future__ import annotations

import sqlite3

from bot.store.rows import Quarantined


def quarantined(conn: sqlite3.Connection, user_id: int | None = None) -> list[Quarantined]:
    """States set aside, oldest first: one runner's, or everyone's."""
    rows = conn.execute(
        "SELECT user_id, data, reason, quarantined_at FROM quarantine WHERE ? IS NULL OR user_id = ? ORDER BY id",
        (user_id, user_id),
    )
    return [Quarantined(int(u), data, reason, at) for u, data, reason, at in rows]
