"""A runner's data rights in PostgreSQL: everything about them, exported or deleted."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.store.postgres.connection import Connection, PostgresConnection
from bot.store.postgres.maintenance import user_tables
from bot.store.rows import Row


def _plain(value: Any) -> Any:
    """A value as the export (a JSON document) and SQLite's export write it: moments and days as ISO text."""
    return value.isoformat() if isinstance(value, datetime | date) else value


class PostgresDataRights(PostgresConnection):
    async def export_user(self, user_id: int) -> dict[str, list[Row]]:
        async def read(conn: Connection) -> dict[str, list[Row]]:
            export: dict[str, list[Row]] = {}
            for table in await user_tables(conn):
                # table names come from the catalogue, never from a runner; in insertion order
                rows = await conn.fetch(f'SELECT * FROM "{table}" WHERE user_id = $1 ORDER BY 1', user_id)
                export[table] = [{name: _plain(value) for name, value in row.items()} for row in rows]
            for row in export.get("audit", []):  # who looked the runner up is an admin, not an id
                if row["actor_id"] is not None and row["actor_id"] != user_id:
                    row["actor_id"] = "an admin"
            return export

        return await self._read(read)

    async def delete_user(self, user_id: int) -> int:
        async def delete(conn: Connection) -> int:
            await conn.execute("SELECT pg_advisory_xact_lock($1)", user_id)
            removed = 0
            # children before parents, so foreign keys never object
            for table in sorted(await user_tables(conn), key=lambda t: t == "users"):
                status = await conn.execute(f'DELETE FROM "{table}" WHERE user_id = $1', user_id)
                removed += int(status.rsplit(" ", 1)[-1])  # "DELETE n"
            await conn.execute(
                "INSERT INTO audit (at, actor_id, action, user_id, detail) "
                "VALUES ($1, NULL, 'user_data_deleted', NULL, $2)",
                self._now(),
                f"{removed} rows",
            )
            return removed

        return await self._in_transaction(delete)
