"""SQLite backend: one aiosqlite writer connection, WAL, BEGIN IMMEDIATE, one thread hop per event.

aiosqlite hops to its thread on every awaited call (~70 µs here). A whole event is therefore run
as one function inside the connection's thread: load, decide, write, commit, in a single hop.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import shutil
import sqlite3
import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import IO, Any, TypeVar

import aiosqlite

from bot.clock import Clock, SystemClock
from bot.store.base import (
    AnswerRow,
    Change,
    ClaimedReminder,
    Decide,
    DueReminder,
    OwedMessage,
    ReminderDecision,
    Row,
    Stored,
    StoreError,
)
from bot.store.migrations import LATEST, MIGRATIONS

T = TypeVar("T")
R = TypeVar("R")

_DUPLICATE = object()
HANDLED_UPDATES_KEPT = timedelta(days=14)
# less free space than this where the database lives, and health says the disk is full
MIN_FREE_BYTES = 1 << 20


@dataclass(frozen=True)
class _Pending:
    """A small write waiting for the next group commit: runs in the writer thread, in a savepoint."""

    write: Callable[[sqlite3.Connection], Any]
    future: asyncio.Future[Any]


def _explain(error: sqlite3.Error, path: Path) -> str:
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
            for statement in MIGRATIONS[version - 1].split(";"):
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


class SqliteStore:
    def __init__(
        self,
        path: Path | str,
        clock: Clock | None = None,
        synchronous: str = "NORMAL",
        busy_timeout_ms: int = 5000,
        journal_mode: str = "WAL",
    ) -> None:
        self.path = Path(path)
        self.clock = clock or SystemClock()
        self.synchronous = synchronous
        self.busy_timeout_ms = busy_timeout_ms
        self.journal_mode = journal_mode
        self._db: aiosqlite.Connection | None = None
        self._instance_lock: IO[str] | None = None
        self._queue: list[_Pending] = []
        self._committer: asyncio.Task[None] | None = None
        self._file: tuple[int, int] | None = None  # (device, inode) of the file opened
        self._write_failure: str | None = None  # why the last write failed; None once one works

    # --- lifecycle ---------------------------------------------------------------------

    async def open(self) -> None:
        check_path(self.path)
        self._take_instance_lock()
        self._make_private()
        try:
            self._db = await aiosqlite.connect(self.path, isolation_level=None)
            self._file = self._identity()
            await self._run(self._setup)
        except sqlite3.Error as exc:
            await self.close()
            raise StoreError(_explain(exc, self.path)) from None
        except StoreError:
            await self.close()
            raise

    def _make_private(self) -> None:
        """Health data: the database and the files beside it are the bot's user's alone (0600),
        also when an older version created them readable by others."""
        for name in ("", "-wal", "-shm", ".lock"):
            path = self.path.with_name(self.path.name + name)
            if path.is_file() and path.stat().st_mode & 0o077:
                path.chmod(0o600)

    def _take_instance_lock(self) -> None:
        """One bot process per database: a second one would answer the same users twice."""
        if str(self.path) == ":memory:":
            return
        handle = open(self.path.with_name(self.path.name + ".lock"), "a+")  # noqa: SIM115 - held until close()
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise StoreError(f"database {self.path} is in use by another thigh-coach process") from None
        self._instance_lock = handle

    def _setup(self, conn: sqlite3.Connection) -> None:
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # fails early on a corrupt file
        conn.execute(f"PRAGMA journal_mode = {self.journal_mode}")
        conn.execute(f"PRAGMA synchronous = {self.synchronous}")
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn)
        # Telegram re-delivers an update for a day at most: older ids only take space
        cutoff = (self.clock.now() - HANDLED_UPDATES_KEPT).isoformat()
        self._write(conn, fn=lambda c: c.execute("DELETE FROM handled_updates WHERE handled_at < ?", (cutoff,)))

    async def close(self) -> None:
        if self._db is not None:
            db, self._db = self._db, None
            await db.close()
        if self._instance_lock is not None:
            self._instance_lock.close()  # closing the file releases the lock
            self._instance_lock = None

    async def _run(self, fn: Callable[[sqlite3.Connection], R]) -> R:
        """Run `fn` with the raw connection in the writer thread: one hop, serialised with all others."""
        if self._db is None:
            raise StoreError("the store is not open")
        db = self._db
        # aiosqlite's own dispatch into its thread; its public API offers one hop per statement only
        return await db._execute(lambda: fn(db._conn))  # type: ignore[no-any-return, no-untyped-call]

    def _identity(self) -> tuple[int, int] | None:
        try:
            found = os.stat(self.path)
        except FileNotFoundError:
            return None
        return found.st_dev, found.st_ino

    def _file_problem(self) -> str | None:
        """The file open is no longer the one at the path: whatever is written now would be lost."""
        if str(self.path) == ":memory:":
            return None
        now = self._identity()
        if now is None:
            return f"database file {self.path} was deleted"
        return f"database file {self.path} was replaced" if now != self._file else None

    def _write(self, conn: sqlite3.Connection, *, fn: Callable[[sqlite3.Connection], R]) -> R:
        try:
            if problem := self._file_problem():  # refuse to save what would be lost at the restart
                raise StoreError(problem)
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = fn(conn)
            except BaseException:
                if conn.in_transaction:  # SQLite ends it by itself on some errors (a full disk)
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except (sqlite3.Error, StoreError) as exc:
            self._write_failure = str(exc)
            raise
        self._write_failure = None
        return result

    async def problem(self) -> str | None:
        """What /healthz says about the store: None when it can read and write."""
        if problem := self._file_problem():
            return problem
        if self._write_failure is not None:
            return f"database writes failing: {self._write_failure}"
        free = shutil.disk_usage(self.path.parent).free
        if free < MIN_FREE_BYTES:
            return f"disk full: {free} bytes free for {self.path}"
        try:
            await self._run(lambda conn: conn.execute("SELECT 1").fetchone())
        except Exception as exc:  # any failure here is exactly what health must report
            return f"store unreachable: {type(exc).__name__}"
        return None

    def _now(self) -> str:
        return self.clock.now().isoformat()

    # --- conversation ------------------------------------------------------------------

    async def apply(self, user_id: int, update_id: int | None, decide: Decide[T]) -> T | None:
        """Queue the event for the next group commit and wait until it is durable."""
        outcome = await self._queued(partial(self._apply, user_id=user_id, update_id=update_id, decide=decide))
        return None if outcome is _DUPLICATE else outcome

    async def _queued(self, write: Callable[[sqlite3.Connection], R]) -> R:
        """Join the next group commit and wait until the write is durable."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(write, future))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_queued())
        result: R = await future
        return result

    async def _commit_queued(self) -> None:
        """Group commit: every write waiting now goes into one transaction, in one thread hop.

        Each write runs in its own savepoint, so one failing decision rolls back only itself.
        Per-user locks guarantee a batch never holds two events of the same user.
        """
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                outcomes = await self._run(partial(self._write, fn=partial(self._apply_batch, batch=batch)))
            except BaseException as exc:  # the whole transaction failed: every event in it hears why
                for pending in batch:
                    if not pending.future.done():
                        pending.future.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            for pending, (ok, value) in zip(batch, outcomes, strict=True):
                if pending.future.done():
                    continue
                if ok:
                    pending.future.set_result(value)
                else:
                    pending.future.set_exception(value)

    def _apply_batch(self, conn: sqlite3.Connection, *, batch: list[_Pending]) -> list[tuple[bool, Any]]:
        outcomes: list[tuple[bool, Any]] = []
        for pending in batch:
            conn.execute("SAVEPOINT event")
            try:
                outcomes.append((True, pending.write(conn)))
            except Exception as exc:
                if not conn.in_transaction:  # SQLite rolled the whole transaction back (a full disk)
                    raise
                conn.execute("ROLLBACK TO event")
                outcomes.append((False, exc))
            conn.execute("RELEASE event")
        return outcomes

    def _apply(self, conn: sqlite3.Connection, user_id: int, update_id: int | None, decide: Decide[T]) -> Any:
        now = self._now()
        if update_id is not None:
            seen = conn.execute("SELECT 1 FROM handled_updates WHERE update_id = ?", (update_id,)).fetchone()
            if seen:
                return _DUPLICATE
            conn.execute(
                "INSERT INTO handled_updates (update_id, user_id, handled_at) VALUES (?, ?, ?)",
                (update_id, user_id, now),
            )
        change, result = decide(self._stored(conn, user_id))
        self._save(conn, user_id, change, now)
        return result

    def _stored(self, conn: sqlite3.Connection, user_id: int) -> Stored:
        row = conn.execute(
            "SELECT f.data, f.version, u.active FROM users u LEFT JOIN flow_state f USING (user_id) "
            "WHERE u.user_id = ?",
            (user_id,),
        ).fetchone()
        if row is None:
            return Stored(user_id, None, 0, True)
        return Stored(user_id, row[0], int(row[1] or 0), bool(row[2]))

    def _save(self, conn: sqlite3.Connection, user_id: int, change: Change, now: str) -> None:
        conn.execute(
            "INSERT INTO users (user_id, consented, active, created_at, updated_at) VALUES (?, ?, 1, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET consented = excluded.consented, updated_at = excluded.updated_at",
            (user_id, int(change.consented), now, now),
        )
        if change.active is not None:
            conn.execute("UPDATE users SET active = ? WHERE user_id = ?", (int(change.active), user_id))
        conn.execute(
            "INSERT INTO flow_state (user_id, flow, state, data, version, plan) "
            "VALUES (?, 'conversation', ?, ?, 1, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET state = excluded.state, data = excluded.data, "
            "plan = excluded.plan, version = flow_state.version + 1",
            (user_id, change.state, change.data, change.plan),
        )
        if change.answers:
            conn.executemany(
                "INSERT INTO answers (user_id, session, question, value, answered_at) VALUES (?, ?, ?, ?, ?)",
                [(user_id, a.session, a.question, a.value, now) for a in change.answers],
            )
        if change.checkins:
            conn.executemany(
                "INSERT INTO checkins (user_id, day, done, pain_during, pain_morning, phase, decision, recorded_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (user_id, c.day, c.done, c.pain_during, c.pain_morning, c.phase, c.decision, now)
                    for c in change.checkins
                ],
            )
        if change.reminders is not None:
            conn.execute("DELETE FROM reminders WHERE user_id = ?", (user_id,))
            conn.executemany(
                "INSERT INTO reminders (user_id, kind, local_time, next_due_at) VALUES (?, ?, ?, ?)",
                [(user_id, r.kind, r.local_time, r.due) for r in change.reminders],
            )
        if change.outcomes:
            conn.executemany(
                "INSERT INTO outcomes (user_id, urgency, pattern, red_flag, decided_at) VALUES (?, ?, ?, ?, ?)",
                [(user_id, o.urgency, o.pattern, o.red_flag, now) for o in change.outcomes],
            )
        if change.outbox:
            conn.executemany(
                "INSERT INTO outbox (user_id, body, created_at) VALUES (?, ?, ?)",
                [(user_id, body, now) for body in change.outbox],
            )

    async def load(self, user_id: int) -> Stored:
        return await self._run(lambda conn: self._stored(conn, user_id))

    async def answers(self, user_id: int) -> list[AnswerRow]:
        def read(conn: sqlite3.Connection) -> list[AnswerRow]:
            rows = conn.execute(
                "SELECT session, question, value FROM answers WHERE user_id = ? ORDER BY id", (user_id,)
            )
            return [AnswerRow(int(s), q, v) for s, q, v in rows]

        return await self._run(read)

    async def set_active(self, user_id: int, active: bool) -> None:
        def write(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE users SET active = ?, updated_at = ? WHERE user_id = ?", (int(active), self._now(), user_id)
            )
            if not active:  # someone who blocked the bot is not scheduled, nor owed anything, any more
                conn.execute("DELETE FROM reminders WHERE user_id = ?", (user_id,))
                conn.execute("DELETE FROM outbox WHERE user_id = ?", (user_id,))

        await self._run(lambda conn: self._write(conn, fn=write))

    # --- the outbox --------------------------------------------------------------------

    async def unsent(self, user_id: int | None = None, limit: int = 100) -> list[OwedMessage]:
        def read(conn: sqlite3.Connection) -> list[OwedMessage]:
            if user_id is None:
                rows = conn.execute("SELECT id, user_id, body FROM outbox ORDER BY id LIMIT ?", (limit,))
            else:
                rows = conn.execute(
                    "SELECT id, user_id, body FROM outbox WHERE user_id = ? ORDER BY id LIMIT ?", (user_id, limit)
                )
            return [OwedMessage(int(i), int(u), b) for i, u, b in rows]

        return await self._run(read)

    async def mark_sent(self, message_id: int) -> None:
        # one per message sent: it joins the group commit instead of a transaction of its own
        await self._queued(lambda conn: conn.execute("DELETE FROM outbox WHERE id = ?", (message_id,)))

    # --- reminders ---------------------------------------------------------------------

    async def claim_reminders(
        self, now: int, limit: int, decide: Callable[[DueReminder], ReminderDecision]
    ) -> list[ClaimedReminder]:
        def claim(conn: sqlite3.Connection) -> list[ClaimedReminder]:
            rows = conn.execute(
                "SELECT r.id, r.user_id, r.kind, r.local_time, r.next_due_at, f.data, u.active "
                "FROM reminders r JOIN users u USING (user_id) LEFT JOIN flow_state f USING (user_id) "
                "WHERE r.next_due_at <= ? ORDER BY r.next_due_at LIMIT ?",
                (now, limit),
            ).fetchall()
            claimed: list[ClaimedReminder] = []
            logged_at = self._now()
            for row_id, user_id, kind, local_time, due, data, active in rows:
                decision = decide(DueReminder(user_id, kind, local_time, due, data, bool(active)))
                status = "claimed" if decision.status == "send" else decision.status
                cursor = conn.execute(
                    "INSERT INTO reminder_log (user_id, kind, local_date, due_at, status, logged_at) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, kind, local_date) DO NOTHING",
                    (user_id, kind, decision.log_key, due, status, logged_at),
                )
                if cursor.rowcount == 1 and status == "claimed":
                    claimed.append(ClaimedReminder(int(cursor.lastrowid or 0), user_id, kind, data, due))
                if decision.next_due is None:
                    conn.execute("DELETE FROM reminders WHERE id = ?", (row_id,))
                else:
                    conn.execute("UPDATE reminders SET next_due_at = ? WHERE id = ?", (decision.next_due, row_id))
            return claimed

        return await self._run(lambda conn: self._write(conn, fn=claim))

    async def unsent_reminders(self) -> list[ClaimedReminder]:
        def read(conn: sqlite3.Connection) -> list[ClaimedReminder]:
            rows = conn.execute(
                "SELECT l.id, l.user_id, l.kind, f.data, l.due_at FROM reminder_log l "
                "LEFT JOIN flow_state f USING (user_id) WHERE l.status = 'claimed' ORDER BY l.id"
            )
            return [ClaimedReminder(int(i), int(u), k, d, int(due)) for i, u, k, d, due in rows]

        return await self._run(read)

    async def finish_reminder(self, log_id: int, status: str) -> None:
        await self._run(
            lambda conn: self._write(
                conn, fn=lambda c: c.execute("UPDATE reminder_log SET status = ? WHERE id = ?", (status, log_id))
            )
        )

    async def mark_delivery(self, broadcast_id: int, user_id: int, status: str) -> None:
        await self._queued(
            lambda conn: conn.execute(
                "UPDATE broadcast_deliveries SET status = ? WHERE broadcast_id = ? AND user_id = ?",
                (status, broadcast_id, user_id),
            )
        )

    async def audit(self, actor_id: int | None, action: str, user_id: int | None, detail: str = "") -> None:
        await self._run(
            lambda conn: self._write(
                conn,
                fn=lambda c: c.execute(
                    "INSERT INTO audit (at, actor_id, action, user_id, detail) VALUES (?, ?, ?, ?, ?)",
                    (self._now(), actor_id, action, user_id, detail),
                ),
            )
        )

    # --- data rights -------------------------------------------------------------------

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
            # children before parents, so foreign keys never object
            for table in sorted(user_tables(conn), key=lambda t: t == "users"):
                removed += conn.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,)).rowcount
            conn.execute(
                "INSERT INTO audit (at, actor_id, action, user_id, detail) "
                "VALUES (?, NULL, 'user_data_deleted', NULL, ?)",
                (self._now(), f"{removed} rows"),
            )
            return removed

        return await self._run(lambda conn: self._write(conn, fn=delete))

    # --- admin ---------------------------------------------------------------------------

    async def active_users(self) -> int:
        return await self._run(
            lambda conn: int(conn.execute("SELECT count(*) FROM users WHERE active = 1").fetchone()[0])
        )

    async def read(self, fn: Callable[[sqlite3.Connection], R]) -> R:
        """Run a read-only query function (see admin_sql) in the writer thread."""
        return await self._run(fn)

    async def write(self, fn: Callable[[sqlite3.Connection], R]) -> R:
        """Run a writing function (see admin_sql) in one transaction."""
        return await self._run(partial(self._write, fn=fn))


# --- maintenance, used by `thigh-coach db backup` and `db check` ------------------------


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


def integrity_problems(conn: sqlite3.Connection) -> list[str]:
    rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    rows += [f"foreign key: {r}" for r in conn.execute("PRAGMA foreign_key_check")]
    return [] if rows == ["ok"] else [r for r in rows if r != "ok"]
