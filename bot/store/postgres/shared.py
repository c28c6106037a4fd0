"""What every process on one PostgreSQL database shares: the send pace and the content version.

Each is one row, changed by one statement, so two processes never interleave a read and a write. The
pace's moments are the server's `clock_timestamp()`: the processes' own clocks never meet.
"""

from __future__ import annotations

from bot.store.postgres.connection import Connection, PostgresConnection, iso
from bot.store.rows import ContentVersion

# GCRA on the one row: the slot taken is due at greatest(next_at, now); wait until then, less the
# burst's allowance, or until the pause ends
RESERVE = """
WITH now AS (SELECT clock_timestamp() AS t)
UPDATE send_pace SET next_at = greatest(next_at, now.t) + make_interval(secs => $1::float8)
FROM now WHERE id = 1
RETURNING extract(epoch FROM
    greatest(next_at - make_interval(secs => $1::float8 * $2::int), now.t, paused_until) - now.t)
"""
PAUSE = """
UPDATE send_pace SET paused_until = greatest(paused_until, clock_timestamp() + make_interval(secs => $1::float8))
WHERE id = 1
"""
PUBLISH = """
INSERT INTO content_version AS v (id, version, digest, reloaded_at, reloaded_by) VALUES (1, 1, $1, $2, $3)
ON CONFLICT (id) DO UPDATE SET version = v.version + 1, digest = $1, reloaded_at = $2, reloaded_by = $3
RETURNING version
"""


class PostgresShared(PostgresConnection):
    async def reserve_send(self, interval: float, burst: int) -> float:
        # one statement, no transaction of its own: one round trip a send
        async with self._connected().acquire() as conn:
            return float(await conn.fetchval(RESERVE, interval, max(1, burst)))

    async def pause_sends(self, seconds: float) -> None:
        await self._execute(PAUSE, seconds)

    async def content_version(self) -> ContentVersion:
        rows = await self._rows("SELECT version, digest, reloaded_at, reloaded_by FROM content_version")
        if not rows:
            return ContentVersion(0, None, None, None)
        version, digest, at, by = rows[0]
        return ContentVersion(int(version), digest, iso(at), None if by is None else int(by))

    async def publish_content(self, digest: str, admin_id: int | None) -> int:
        async def publish(conn: Connection) -> int:
            return int(await conn.fetchval(PUBLISH, digest, self._now(), admin_id))

        return await self._in_transaction(publish)
