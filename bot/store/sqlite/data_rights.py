"""A runner's data rights in SQLite: everything about them, exported or deleted."""

from __future__ import annotations

import sqlite3

from bot.store.rows import Row
from bot.store.sqlite.connection import SqliteConnection
from bot.store.sqlite.maintenance import user_tables


class SqliteDataRights(SqliteConnection):
    async def export_user(self, user_id: int) -> dict[str, list[Row]]:
        def read(conn: sqlite3.Connection) -> dict[str, list[Row]]:
            export: dict[str, list[Row]] = {}
            for table in user_tables(conn):
                cursor = conn.execute(f"SELECT * FROM {table} WHERE user_id = ? ORDER BY rowid", (user_id,))
                columns = [d[0] for d in cursor.description]
                export[table] = [dict(zip(columns, row, strict=True)) for row in cursor]
            for row in export.get("audit", []):  # who looked the runner up is an admin, not an id
                if row["actor_id"] is not None and row["actor_id"] != user_id:
                    row["actor_id"] = "an admin"
            return export

        return await self._run(read)

    async def delete_user(self, user_id: int) -> int:
        def delete(conn: sqlite3.Connection) -> int:
            removed = 0
            self._read_at_turn.pop(user_id, None)  # nothing is owed to them any more
            # children before parents, so foreign keys never object
            for table in sorted(user_tables(conn), key=lambda t: t == "users"):
                removed += conn.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,)).rowcount
            conn.execute(
                "INSERT INTO audit (at, actor_id, action, user_id, detail) "
                "VALUES (?, NULL, 'user_data_deleted', NULL, ?)",
                (self._now(), f"{removed} rows"),
            )
            return removed

        return await self._in_transaction(delete)
