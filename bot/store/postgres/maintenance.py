"""The PostgreSQL database itself: migrations, backups (pg_dump), checks (`thigh-coach db`)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import threading
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit, urlunsplit

import asyncpg

from bot.store.base import StoreError
from bot.store.migrations import LATEST, STEPS
from bot.store.postgres.quarantine import quarantined
from bot.store.rows import Quarantined, TableRows
from bot.store.url import Database

R = TypeVar("R")

# taken by every migration, so two processes starting at once apply each step once; advisory locks
# with two int4 keys never meet the one-bigint locks a runner's turn takes (its user id)
MIGRATION_LOCK = (0x74686967, 0)  # "thig" in ASCII
BACKUP_TIMEOUT_SECONDS = 3600


def explain(error: BaseException, url: str) -> str:
    """One line an operator can act on, without the password."""
    where = Database("postgresql", url).shown
    text = " ".join(str(error).split()) or type(error).__name__
    if isinstance(error, OSError):
        return f"cannot reach the PostgreSQL server of {where} ({text}); is it running, and is DATABASE_URL right?"
    if isinstance(error, asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError):
        return f"PostgreSQL refused the login for {where} ({text}); check the user and password in DATABASE_URL"
    if isinstance(error, asyncpg.InvalidCatalogNameError):
        return f"database {where} does not exist ({text}); create it first (createdb)"
    return f"database {where}: {text}"


async def schema_version(conn: Any) -> int:
    """The version the database's schema is at; 0 for an empty database."""
    exists = await conn.fetchval("SELECT to_regclass('schema_version') IS NOT NULL")
    if not exists:
        return 0
    return int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_version"))


async def migrate(conn: Any, target: int = LATEST) -> int:
    """Apply the pending steps up to `target`, each in its own transaction. Returns the version now."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", *MIGRATION_LOCK)
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)"
        )
    current = await schema_version(conn)
    if current > LATEST:
        raise StoreError(f"database schema version {current} is newer than this bot knows ({LATEST})")
    for step in STEPS:
        version, sql = step.version, step.postgres
        if sql is None:  # SQLite's history before PostgreSQL databases begin
            continue
        if version > target:
            break
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", *MIGRATION_LOCK)
            if version <= await schema_version(conn):
                continue  # another process applied it while this one waited for the lock
            await conn.execute(sql)
            await conn.execute("INSERT INTO schema_version (version, applied_at) VALUES ($1, now())", version)
    return max(current, await schema_version(conn))


async def user_tables(conn: Any) -> list[str]:
    """Every table with a user_id column: together they hold all there is about a user."""
    rows = await conn.fetch(
        "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND column_name = 'user_id' ORDER BY table_name"
    )
    return [str(row[0]) for row in rows]


def _without_password(url: str) -> tuple[str, str | None]:
    """The URL with its password taken out, and the password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url, None
    user, _, host = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=f"{user.partition(':')[0]}@{host}")), unquote(parts.password)


def _in_own_loop(make: Callable[[], Coroutine[Any, Any, R]]) -> R:
    """Run a coroutine to the end from synchronous code, also when called inside an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    outcome: list[R] = []
    failure: list[BaseException] = []

    def work() -> None:
        try:
            outcome.append(asyncio.run(make()))
        except BaseException as exc:  # handed to the caller
            failure.append(exc)

    thread = threading.Thread(target=work, name="postgres-maintenance")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]


class PostgresMaintenance:
    """`thigh-coach db` on a PostgreSQL database: a connection per command, beside a running bot.
    Every driver error becomes a one-line StoreError."""

    def __init__(self, url: str) -> None:
        self.url = url

    def _with_connection(self, work: Callable[[Any], Awaitable[R]]) -> R:
        async def run() -> R:
            try:
                conn = await asyncpg.connect(self.url)
            except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
                raise StoreError(explain(exc, self.url)) from None
            try:
                return await work(conn)
            except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                raise StoreError(explain(exc, self.url)) from None
            finally:
                await conn.close()

        return _in_own_loop(run)

    def migrate(self) -> int:
        return self._with_connection(migrate)

    def backup(self, target: Path) -> None:
        """pg_dump's custom format (restore with pg_restore), written beside `target` first."""
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            raise StoreError(
                "pg_dump is not on PATH: install the PostgreSQL client tools (of the server's major version) "
                "to back up a PostgreSQL database"
            )
        target = Path(target)
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        try:
            # the password goes in the environment, not on the command line, where any user could read it
            url, password = _without_password(self.url)
            done = subprocess.run(
                [pg_dump, "--format=custom", "--no-owner", f"--file={partial}", f"--dbname={url}"],
                env=os.environ | ({"PGPASSWORD": password} if password else {}),
                capture_output=True,
                text=True,
                timeout=BACKUP_TIMEOUT_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            partial.unlink(missing_ok=True)
            raise StoreError(f"cannot back up {Database('postgresql', self.url).shown} ({exc})") from None
        if done.returncode != 0:
            partial.unlink(missing_ok=True)
            reason = " ".join(done.stderr.split()) or f"exit status {done.returncode}"
            raise StoreError(f"pg_dump failed for {Database('postgresql', self.url).shown}: {reason}")
        try:
            partial.chmod(0o600)  # a copy of health data is as private as the database
            partial.replace(target)
        except OSError as exc:
            raise StoreError(f"cannot write the backup {target} ({exc})") from None

    def problems(self) -> list[str]:
        async def check(conn: Any) -> list[str]:
            version = await schema_version(conn)
            if version > LATEST:
                return [f"schema version {version} is newer than this bot knows ({LATEST}): run the newer bot"]
            if version < LATEST:
                return [f"schema version {version}, this bot needs {LATEST}: run `thigh-coach db migrate`"]
            found = set(await user_tables(conn))
            expected = {"users", "flow_state", "answers", "outcomes", "checkins", "runs", "milestones", "scores"}
            return [f"table {name} is missing" for name in sorted(expected - found)]

        return self._with_connection(check)

    def copy_in(self, tables: list[TableRows]) -> int:
        """Fill this empty database with `tables` (`thigh-coach db copy`); returns the rows copied."""
        from bot.store.postgres.copy import copy_tables  # it builds on this module's migrate

        shown = Database("postgresql", self.url).shown
        return self._with_connection(lambda conn: copy_tables(conn, tables, shown))

    def quarantined(self) -> list[Quarantined]:
        async def read(conn: Any) -> list[Quarantined]:
            if await schema_version(conn) < LATEST:
                return []  # an empty database: a check changes nothing
            return await quarantined(conn)

        return self._with_connection(read)
