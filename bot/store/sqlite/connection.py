"""The SQLite connection every concern shares: one writer thread, WAL, BEGIN IMMEDIATE, at most one
thread hop per event, group commit, and what /healthz needs to know about the file.

The connection lives in a thread of its own (writer.py), opened and closed there. A hop to that
thread costs tens of µs each way; a whole event is therefore run as one function inside it: load,
decide, write, commit, in a single hop. (aiosqlite's public API hops once per statement, and running
a function on its thread needs its private `_execute`: this module owns its thread.)

A group commit whose writer is idle is written on the event loop's thread instead, with no hop at all
(`_commit_here`), when a commit only hands pages to the operating system: WAL with synchronous NORMAL
(the default; FULL waits for the disk at every commit, which the loop must not do). One update at a
time, the two hops were most of what a durable update cost over an in-memory one (bench.updates: p50
1.1-1.3 -> 0.7 ms). Only small batches (HERE): under load a big one is committed in the writer while
the loop goes on with everything else.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import IO, Any, TypeVar

from bot.clock import Clock, SystemClock
from bot.pace import LocalSendPace
from bot.store.base import StoreError
from bot.store.claims import CLAIMED_TABLES, LEASE, new_claimant
from bot.store.rows import OwedMessage
from bot.store.sqlite.checkpointer import Checkpointer
from bot.store.sqlite.maintenance import check_path, explain, migrate
from bot.store.sqlite.writer import Writer
from bot.user_locks import UserLocks

R = TypeVar("R")

HANDLED_UPDATES_KEPT = timedelta(days=14)
# less free space than this where the database lives, and health says the disk is full
MIN_FREE_BYTES = 1 << 20
# events per group commit: a commit wakes its whole batch, and the loop runs every woken update's next
# step before it looks at anything else: at 2,000 runners, no cap held it 110-150 ms, 32 held it 49-63
BATCH = 32
# at most this many events in a batch written on the loop's thread (see the module's doc); a bigger batch
# goes to the writer, where its commit does not hold the loop: at 2,000 runners the longest stall was
# 107-170 ms with every batch written on the loop, 67-81 ms with this (bench.updates, runs interleaved)
HERE = 8


class _Busy(Exception):
    """Another connection (a process other than thigh-coach) holds the file's write lock."""


@dataclass(frozen=True)
class _Pending:
    """A small write waiting for the next group commit: runs in a savepoint, in the writer thread or, when it
    is idle, the loop's (`_commit_here`)."""

    write: Callable[[sqlite3.Connection], Any]
    future: asyncio.Future[Any]
    # run once the batch is committed, by the thread that committed it, before any other use of the
    # connection, on what `write` returned; its result is the answer
    committed: Callable[[Any], Any] | None = None


class SqliteConnection:
    """The shared core; each concern of the store is a subclass (see bot/store/sqlite/__init__.py)."""

    def __init__(
        self,
        path: Path | str,
        clock: Clock | None = None,
        synchronous: str = "NORMAL",
        busy_timeout_ms: int = 5000,
        journal_mode: str = "WAL",
        claimant: str | None = None,
        lease: timedelta = LEASE,
        exclusive: bool = True,
    ) -> None:
        self.path = Path(path)
        self.clock = clock or SystemClock()
        self._isolation = UserLocks()  # a runner's events, one at a time (see `isolation`)
        self.claimant = claimant or new_claimant()  # this process, in the claims it makes
        self.lease = lease
        # the only store on the file (the instance lock proves it); False only where several store objects
        # play several processes on one file (tests), which then wait for each other's leases like PostgreSQL
        self.exclusive = exclusive
        self.synchronous = synchronous
        self.busy_timeout_ms = busy_timeout_ms
        self.journal_mode = journal_mode
        self._writer: Writer | None = None  # the one thread the connection is used in
        self._checkpointer: Checkpointer | None = None  # WAL checkpoints off the commit path
        self._conn: sqlite3.Connection | None = None
        self._instance_lock: IO[str] | None = None
        self._queue: list[_Pending] = []
        self._committer: asyncio.Task[None] | None = None
        self._file: tuple[int, int] | None = None  # (device, inode) of the file opened
        self._commits_here = False  # group commits may be written on the loop's thread (see the module's doc)
        self._write_failure: str | None = None  # why the last write failed; None once one works
        self._send_pace = LocalSendPace()  # see bot/store/sqlite/shared.py
        # see bot/store/sqlite/outbox.py
        self._read_at_turn: dict[int, list[OwedMessage]] = {}
        self._handed_all: dict[int, tuple[int, ...]] = {}
        self._removal_queued: dict[int, set[int]] = {}

    # --- lifecycle ---------------------------------------------------------------------

    async def open(self) -> None:
        check_path(self.path)
        if self.exclusive:
            self._take_instance_lock()
        self._make_private()
        try:
            self._writer = Writer()
            # used by one thread at a time (the writer's, or the loop's while it borrows it): writer.py
            connect = partial(sqlite3.connect, self.path, isolation_level=None, check_same_thread=False)
            self._conn = await self._in_writer(connect)
            self._file = self._identity()
            await self._run(self._setup)
            if self.journal_mode.upper() == "WAL" and str(self.path) != ":memory:":
                await self._run(lambda conn: conn.execute("PRAGMA wal_autocheckpoint = 0"))
                self._checkpointer = Checkpointer(self.path)
        except sqlite3.Error as exc:
            await self.close()
            raise StoreError(explain(exc, self.path)) from None
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
        mode = conn.execute(f"PRAGMA journal_mode = {self.journal_mode}").fetchone()[0]
        conn.execute(f"PRAGMA synchronous = {self.synchronous}")
        # only this process writes (its instance lock), and a commit waits for no disk
        self._commits_here = self.exclusive and str(mode).lower() == "wal" and self.synchronous.upper() == "NORMAL"
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn)
        # Telegram re-delivers an update for a day at most: older ids only take space
        cutoff = (self.clock.now() - HANDLED_UPDATES_KEPT).isoformat()
        self._write(conn, fn=lambda c: c.execute("DELETE FROM handled_updates WHERE handled_at < ?", (cutoff,)))
        if self.exclusive:
            self._write(conn, fn=release_every_claim)

    async def close(self) -> None:
        if self._conn is not None:
            await self._drain()
            conn, self._conn = self._conn, None
            if self._checkpointer is not None:  # first, so that the writer's is the last connection
                checkpointer, self._checkpointer = self._checkpointer, None
                await asyncio.to_thread(checkpointer.stop)
            await self._in_writer(conn.close)  # after every write queued before it
        if self._writer is not None:
            writer, self._writer = self._writer, None
            writer.stop()
        if self._instance_lock is not None:
            self._instance_lock.close()  # closing the file releases the lock
            self._instance_lock = None

    async def _run(self, fn: Callable[[sqlite3.Connection], R]) -> R:
        """Run `fn` with the raw connection in the writer thread: one hop, serialised with all others."""
        conn = self._conn
        if conn is None:
            raise StoreError("the store is not open")
        return await self._in_writer(partial(fn, conn))

    async def _in_writer(self, fn: Callable[[], R]) -> R:
        """Run `fn` in the writer thread, after everything queued before it."""
        if self._writer is None:
            raise StoreError("the store is not open")
        return await self._writer.run(fn)

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

    def _write(self, conn: sqlite3.Connection, *, fn: Callable[[sqlite3.Connection], R], wait: bool = True) -> R:
        """`fn` in a transaction of its own. `wait` False: _Busy at once if another connection holds the
        write lock, instead of waiting for it up to the busy timeout."""
        try:
            if problem := self._file_problem():  # refuse to save what would be lost at the restart
                raise StoreError(problem)
            if wait:
                conn.execute("BEGIN IMMEDIATE")
            else:
                self._begin_now(conn)
            try:
                result = fn(conn)
            except BaseException:
                if conn.in_transaction:  # SQLite ends it by itself on some errors (a full disk)
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            if self._checkpointer is not None:
                self._checkpointer.committed()
        except (sqlite3.Error, StoreError) as exc:
            self._write_failure = str(exc)
            raise
        self._write_failure = None
        return result

    def _begin_now(self, conn: sqlite3.Connection) -> None:
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode == sqlite3.SQLITE_BUSY:
                raise _Busy from None
            raise
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")

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

    def _lease_until(self) -> str:
        """When a claim made now ends."""
        return (self.clock.now() + self.lease).isoformat()

    async def _queued(
        self, write: Callable[[sqlite3.Connection], Any], committed: Callable[[Any], R] | None = None
    ) -> R:
        """Join the next group commit and wait until the write is durable. `committed`, if given, runs in
        the thread that committed right after the commit, before any other use of the connection (what it keeps
        is durable)."""
        result: R = await self._enqueue(write, committed)
        return result

    def _enqueue(
        self, write: Callable[[sqlite3.Connection], Any], committed: Callable[[Any], Any] | None = None
    ) -> asyncio.Future[Any]:
        """Join the next group commit; the future is done once the write is durable (or failed)."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(write, future, committed))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_queued())
        return future

    async def _drain(self) -> None:
        """Until every write queued so far is committed or failed: some have nobody waiting for them (the
        removal of sent messages, outbox.py). A write that does nothing, queued last, commits after them."""
        if self._queue or (self._committer is not None and not self._committer.done()):
            with suppress(Exception):  # each of them says for itself why it failed
                await self._queued(lambda conn: None)

    async def _commit_queued(self) -> None:
        """Group commit: every write waiting now goes into one transaction, in one thread hop or none.

        Each write runs in its own savepoint, so one failing decision rolls back only itself.
        Per-user locks guarantee a batch never holds two events of the same user.
        """
        while self._queue:
            batch, self._queue = self._queue[:BATCH], self._queue[BATCH:]
            try:
                outcomes = self._commit_here(batch)
                here = outcomes is not None
                if outcomes is None:
                    outcomes = await self._run(partial(self._commit_batch, batch=batch))
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
            if here:  # the events just committed go on before the next batch holds the loop
                await asyncio.sleep(0)

    def _commit_here(self, batch: list[_Pending]) -> list[tuple[bool, Any]] | None:
        """The batch committed on the event loop's thread, when commits may be (see the module's doc) and
        the writer has nothing to do; None: it goes to the writer, which is busy or must do it, or waits
        there for another process's write to end (the loop never waits for one)."""
        conn, writer = self._conn, self._writer
        if not self._commits_here or len(batch) > HERE or conn is None or writer is None:
            return None
        with writer.borrowed() as here, suppress(_Busy):
            if here:
                return self._commit_batch(conn, batch=batch, wait=False)
        return None

    def _commit_batch(
        self, conn: sqlite3.Connection, *, batch: list[_Pending], wait: bool = True
    ) -> list[tuple[bool, Any]]:
        outcomes = self._write(conn, fn=partial(self._apply_batch, batch=batch), wait=wait)
        return [
            (ok, pending.committed(value) if ok and pending.committed is not None else value)
            for pending, (ok, value) in zip(batch, outcomes, strict=True)
        ]

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

    async def _in_transaction(self, fn: Callable[[sqlite3.Connection], R]) -> R:
        """Run `fn` in a transaction of its own, in the writer thread."""
        return await self._run(partial(self._write, fn=fn))

    async def _rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        """One query's rows, read in the writer thread."""
        return await self._run(lambda conn: conn.execute(sql, args).fetchall())


def release_every_claim(conn: sqlite3.Connection) -> None:
    """At open, holding the instance lock: no other process uses the file, so every claim found is a
    dead process's. Released at once, not after its lease: a restart resends at once what was owed."""
    for table in CLAIMED_TABLES:
        conn.execute(f"UPDATE {table} SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by IS NOT NULL")


def count(conn: sqlite3.Connection, sql: str, *args: Any) -> int:
    return int(conn.execute(sql, args).fetchone()[0] or 0)


def grouped(conn: sqlite3.Connection, sql: str, *args: Any) -> dict[str, int]:
    """A `SELECT key, count(*) ... GROUP BY` as a dict."""
    return {str(key): int(n) for key, n in conn.execute(sql, args)}
