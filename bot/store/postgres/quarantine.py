"""Conversation states set aside because they could not be read."""

from __future__ import annotations

from typing import Any

from bot.store.rows import Quarantined


async def quarantined(conn: Any, user_id: int | None = None) -> list[Quarantined]:
    """States set aside, oldest first: one runner's, or everyone's."""
    rows = await conn.fetch(
        "SELECT user_id, data, reason, quarantined_at FROM quarantine "
        "WHERE $1::bigint IS NULL OR user_id = $1 ORDER BY id",
        user_id,
    )
    return [Quarantined(int(u), data, reason, at.isoformat()) for u, data, reason, at in rows]
