"""What the processes on one database would share: the send pace and the content version.

One process holds a SQLite file (the instance lock), so its send pace stays in memory (bot/pace.py):
no write, no wait for the database, a send at a time. The content version is a row all the same: the
same /reload, the same loop, on both backends.
"""

from __future__ import annotations

import sqlite3

from bot.store.rows import ContentVersion
from bot.store.sqlite.connection import SqliteConnection

PUBLISH = """
INSERT INTO content_version (id, version, digest, reloaded_at, reloaded_by) VALUES (1, 1, ?1, ?2, ?3)
ON CONFLICT (id) DO UPDATE SET version = version + 1, digest = ?1, reloaded_at = ?2, reloaded_by = ?3
RETURNING version
"""


class SqliteShared(SqliteConnection):
    async def reserve_send(self, interval: float, burst: int) -> float:
        return await self._send_pace.reserve_send(interval, burst)

    async def pause_sends(self, seconds: float) -> None:
        await self._send_pace.pause_sends(seconds)

    async def content_version(self) -> ContentVersion:
        rows = await self._rows("SELECT version, digest, reloaded_at, reloaded_by FROM content_version")
        if not rows:
            return ContentVersion(0, None, None, None)
        version, digest, at, by = rows[0]
        return ContentVersion(int(version), digest, at, by)

    async def publish_content(self, digest: str, admin_id: int | None) -> int:
        def publish(conn: sqlite3.Connection) -> int:
            return int(conn.execute(PUBLISH, (digest, self._now(), admin_id)).fetchone()[0])

        return await self._in_transaction(publish)
