"""Runners put straight into a bot's database (SQLite file or PostgreSQL URL), for tests and benchmarks
that need many of them at once: as if each had consented, optionally with another runner's state and
reminders."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import asyncpg

from bot.store.url import parse

# (table, the columns copied from the runner `like`)
COPIED = (
    ("flow_state", "flow, state, data, version, plan_pattern, plan_phase, plan_status"),
    ("reminders", "kind, local_time, next_due_at"),
)


def add_runners(database: Path | str, users: range, like: int | None = None) -> None:
    """Active, consented runners `users`; with `like`, each gets that runner's state and reminders.
    `database`: an SQLite file, or a DATABASE_URL of either backend."""
    if isinstance(database, str):
        found = parse(database)
        if found.path is None:
            asyncio.run(_add_to_postgres(found.url, users, like))
            return
        database = found.path
    conn = sqlite3.connect(database, isolation_level=None, timeout=30)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO users (user_id, consented, active, created_at, updated_at) VALUES (?, 1, 1, '', '')",
            [(u,) for u in users],
        )
        for table, columns in COPIED if like is not None else ():
            conn.executemany(
                f"INSERT INTO {table} (user_id, {columns}) SELECT ?, {columns} FROM {table} WHERE user_id = ?",
                [(u, like) for u in users],
            )
        conn.execute("COMMIT")
    finally:
        conn.close()


async def _add_to_postgres(url: str, users: range, like: int | None) -> None:
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            await conn.executemany(
                "INSERT INTO users (user_id, consented, active, created_at, updated_at) "
                "VALUES ($1, true, true, now(), now())",
                [(u,) for u in users],
            )
            for table, columns in COPIED if like is not None else ():
                await conn.executemany(
                    f"INSERT INTO {table} (user_id, {columns}) SELECT $1, {columns} FROM {table} WHERE user_id = $2",
                    [(u, like) for u in users],
                )
    finally:
        await conn.close()
