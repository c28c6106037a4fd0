"""The SQLite file itself: path checks, migrations, backups, integrity (`thigh-coach db`)."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.store.base import StoreError
from bot.store.migrations import LATEST, STEPS
from bot.store.rows import Quarantined, TableRows
from bot.store.sqlite.quarantine import quarantined


def explain(error: sqlite3.Error, path: Path) -> str:
    """One line an operator can act on."""
    text = str(error)
    if "not a database" in text or "malformed" in text:
        return f"database {path} is corrupt or not an SQLite file ({text}); restore a backup"
    if "locked" in text or "busy" in text:
        return f"database {path} is locked by another process; is another bot running?"
    if "readonly" in text or "read-only" in text:
        return f"database {path} is read-only; give the bot write access to the file and its directory"
    if "unable to open" in text:
        return f"cannot open database {path} ({text})"
    return f"database {path}: {text}"


def check_path(path: Path) -> None:
    """Refuse, in one line, a path the bot cannot use, before SQLite creates or touches anything."""
    if str(path) == ":memory:":
        return
    if not path.parent.is_dir():
        raise StoreError(f"database directory {path.parent} does not exist; create it first")
    if path.exists() and not path.is_file():
        raise StoreError(f"database path {path} is not a file")
    # the mode bits count too: root may write anyway, but a file marked read-only is not ours to change
    if path.exists() and (not os.access(path, os.R_OK | os.W_OK) or not path.stat().st_mode & stat.S_IWUSR):
        raise StoreError(f"database {path} is read-only; give the bot write access to the file")
    if not os.access(path.parent, os.W_OK):
        raise StoreError(f"database directory {path.parent} is read-only; the bot needs to write there")


def migrate(conn: sqlite3.Connection, target: int = LATEST) -> int:
    """Apply pending migrations up to `target`, each in its own transaction. Returns the new version."""
    current = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if current > LATEST:
        raise StoreError(f"database schema version {current} is newer than this bot knows ({LATEST})")
    for version in range(current + 1, target + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in STEPS[version - 1].sqlite.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return max(current, target)


def user_tables(conn: sqlite3.Connection) -> list[str]:
    """Every table with a user_id column: together they hold all there is about a user."""
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    return [n for n in names if any(col[1] == "user_id" for col in conn.execute(f"PRAGMA table_info({n})"))]


def backup_connection(source: sqlite3.Connection, destination: Path) -> None:
    """Online backup to `destination`, written beside it first so a failure leaves no half file."""
    destination = Path(destination)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    target = sqlite3.connect(partial)
    try:
        source.backup(target)
    finally:
        target.close()
    partial.chmod(0o600)  # a copy of health data is as private as the database
    partial.replace(destination)


def read_tables(conn: sqlite3.Connection) -> list[TableRows]:
    """Every table of the file, whole, read in one transaction so the tables agree with each other."""
    conn.execute("BEGIN")
    try:
        names = [
            str(r[0])
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        tables = []
        for name in names:
            columns = tuple(str(col[1]) for col in conn.execute(f'PRAGMA table_info("{name}")'))
            listed = ", ".join(f'"{c}"' for c in columns)
            rows = tuple(tuple(row) for row in conn.execute(f'SELECT {listed} FROM "{name}" ORDER BY rowid'))
            tables.append(TableRows(name, columns, rows))
        return tables
    finally:
        conn.execute("COMMIT")


def integrity_problems(conn: sqlite3.Connection) -> list[str]:
    rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    rows += [f"foreign key: {r}" for r in conn.execute("PRAGMA foreign_key_check")]
    return [] if rows == ["ok"] else [r for r in rows if r != "ok"]


class SqliteMaintenance:
    """`thigh-coach db` on one file: a plain connection per command, no instance lock, so a backup
    or a check works while the bot runs. Every SQLite error becomes a one-line StoreError."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        check_path(self.path)
        try:
            conn = sqlite3.connect(self.path, isolation_level=None)
            try:
                conn.execute("PRAGMA busy_timeout = 5000")
                yield conn
            finally:
                conn.close()
        except sqlite3.Error as exc:
            raise StoreError(explain(exc, self.path)) from None

    def migrate(self) -> int:
        with self._connection() as conn:
            return migrate(conn)

    def backup(self, target: Path) -> None:
        with self._connection() as conn:
            try:
                backup_connection(conn, target)
            except (sqlite3.Error, OSError) as exc:
                raise StoreError(f"cannot write the backup {target} ({exc})") from None

    def problems(self) -> list[str]:
        with self._connection() as conn:
            return integrity_problems(conn)

    def tables(self) -> list[TableRows]:
        """Every table, whole, for `thigh-coach db copy`; the file must be at this bot's schema version."""
        if not self.path.is_file():
            raise StoreError(f"database {self.path} does not exist")
        with self._connection() as conn:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version != LATEST:
                raise StoreError(
                    f"database {self.path} is at schema version {version}, this bot copies version {LATEST}: "
                    "run `thigh-coach db migrate` on it first (with the bot of the same version)"
                )
            return read_tables(conn)

    def quarantined(self) -> list[Quarantined]:
        with self._connection() as conn:
            if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'quarantine'").fetchone() is None:
                return []  # a file from before migration 7: a check changes nothing
            return quarantined(conn)
