"""What only the PostgreSQL backend has: its schema steps, several processes on one database (turns
serialized per runner, an update handled once, reminders claimed once), `thigh-coach db` on it.

Runs on the throwaway server of tests/postgres_server.py, like the contract tests."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from bot.store import PostgresStore, StoreError, maintenance_for, store_for
from bot.store.migrations import LATEST, STEPS
from bot.store.rows import Change, DueReminder, ReminderDecision, ReminderRow, Stored
from tests.postgres_server import Server


@pytest.fixture
def url(postgres: Server) -> Iterator[str]:
    made = postgres.fresh_database()
    yield made
    postgres.drop_database(made)


@pytest.fixture
async def store(url: str) -> AsyncIterator[PostgresStore]:
    opened = PostgresStore(url)
    await opened.open()
    yield opened
    await opened.close()


def counting(stored: Stored) -> tuple[Change, int]:
    """A turn that reads the count in the state and writes it plus one: a lost update shows."""
    n = json.loads(stored.data)["n"] if stored.data else 0
    return Change(data=json.dumps({"n": n + 1}), state="s", consented=True, outbox=(f"turn {n + 1}",)), n + 1


def test_one_list_of_steps_serves_both_backends() -> None:
    """From the step PostgreSQL databases begin with, every step says what it does on both backends."""
    assert [s.version for s in STEPS] == list(range(1, LATEST + 1))
    first = next(s.version for s in STEPS if s.postgres is not None)
    assert all(s.postgres is not None and s.sqlite.strip() for s in STEPS[first - 1 :])


def test_database_url_names_the_backend(url: str) -> None:
    assert isinstance(store_for(url), PostgresStore)
    assert isinstance(store_for(url.replace("postgresql://", "postgres://", 1)), PostgresStore)


def test_migrate_from_empty_then_again_changes_nothing(url: str) -> None:
    database = maintenance_for(url)
    assert database.problems() == [f"schema version 0, this bot needs {LATEST}: run `thigh-coach db migrate`"]
    assert database.quarantined() == []
    assert database.migrate() == LATEST
    assert database.migrate() == LATEST
    assert database.problems() == []


async def test_the_schema_keeps_ids_as_bigint_and_moments_as_timestamptz(store: PostgresStore, url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        columns = {
            (table, column): kind
            for table, column, kind in await conn.fetch(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = current_schema()"
            )
        }
        versions = [row[0] for row in await conn.fetch("SELECT version FROM schema_version")]
    finally:
        await conn.close()
    assert versions == [s.version for s in STEPS if s.postgres is not None], "each step once"
    ids = {key: kind for key, kind in columns.items() if key[1] in ("user_id", "actor_id", "created_by")}
    assert len(ids) > 10 and set(ids.values()) == {"bigint"}
    moments = {key: kind for key, kind in columns.items() if key[1].endswith("_at") and key[1] not in ("due_at",)}
    moments.pop(("reminders", "next_due_at"))  # epoch seconds, as the rows carry them
    assert len(moments) > 10 and set(moments.values()) == {"timestamp with time zone"}
    leases = {kind for (_, column), kind in columns.items() if column == "claimed_until"}
    assert leases == {"timestamp with time zone"}, "a lease ends at a moment, on every queue"
    assert {kind for (_, column), kind in columns.items() if column == "day"} == {"date"}


async def test_one_runners_turns_from_several_processes_are_serialized(store: PostgresStore, url: str) -> None:
    """Three stores (as three bot processes) apply 60 turns of one runner at once: none is lost."""
    others = [PostgresStore(url) for _ in range(2)]
    for other in others:
        await other.open()
    try:
        stores = [store, *others]
        results = await asyncio.gather(*(stores[i % 3].apply(1, None, counting) for i in range(60)))
    finally:
        for other in others:
            await other.close()
    assert sorted(r for r in results if r is not None) == list(range(1, 61))
    stored = await store.load(1)
    assert stored.data == '{"n": 60}' and stored.version == 60
    assert len(await store.unsent(1, limit=100)) == 60


async def test_an_update_delivered_to_several_processes_has_one_effect(store: PostgresStore, url: str) -> None:
    other = PostgresStore(url)
    await other.open()
    try:
        results = await asyncio.gather(*(s.apply(1, 77, counting) for s in (store, other) * 5))
    finally:
        await other.close()
    assert sorted(results, key=lambda r: r is None) == [1] + [None] * 9
    assert [m.body for m in await store.unsent(1)] == ["turn 1"]


async def test_due_reminders_are_claimed_once_across_processes(store: PostgresStore, url: str) -> None:
    def with_reminder(stored: Stored) -> tuple[Change, None]:
        return Change(data="{}", state="s", consented=True, reminders=(ReminderRow("session", "07:30", 1000),)), None

    for user in range(1, 41):
        await store.apply(user, None, with_reminder)

    def decide(due: DueReminder) -> ReminderDecision:
        return ReminderDecision("2026-03-02", "send", 90_000)

    others = [PostgresStore(url) for _ in range(3)]
    for other in others:
        await other.open()
    try:
        batches = await asyncio.gather(*(s.claim_reminders(2000, 7, decide) for s in [store, *others] * 4))
    finally:
        for other in others:
            await other.close()
    claimed = [reminder.user_id for batch in batches for reminder in batch]
    assert sorted(claimed) == list(range(1, 41)), "every runner once, none twice"
    assert await store.claim_reminders(2000, 100, decide) == []


async def test_health_reports_a_database_gone(store: PostgresStore, postgres: Server, url: str) -> None:
    assert await store.problem() is None
    postgres.drop_database(url)
    assert (await store.problem() or "").startswith("store unreachable")


async def test_a_server_not_there_is_one_line(tmp_path: Path) -> None:
    missing = PostgresStore(f"postgresql://postgres@/thigh?host={tmp_path}")
    with pytest.raises(StoreError, match="cannot reach the PostgreSQL server") as caught:
        await missing.open()
    assert "\n" not in str(caught.value)


def test_backup_with_pg_dump_and_without(
    url: str, postgres: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = maintenance_for(url)
    database.migrate()
    monkeypatch.setenv("PATH", str(postgres.binaries.directory) + os.pathsep + os.environ.get("PATH", ""))
    database.backup(tmp_path / "backup.dump")
    copy = tmp_path / "backup.dump"
    assert copy.read_bytes().startswith(b"PGDMP") and copy.stat().st_mode & 0o077 == 0
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    with pytest.raises(StoreError, match="pg_dump is not on PATH"):
        database.backup(tmp_path / "again.dump")
    assert not (tmp_path / "again.dump").exists()


async def test_db_commands_on_postgres(store: PostgresStore, url: str) -> None:
    def set_aside(stored: Stored) -> tuple[Change, None]:
        from bot.store.rows import SetAside

        return Change(data="{}", state="idle", consented=False, set_aside=SetAside('{"broken', "not JSON")), None

    await store.apply(5, None, set_aside)
    database = maintenance_for(url)
    [kept] = await asyncio.to_thread(database.quarantined)
    assert (kept.user_id, kept.reason) == (5, "not JSON") and kept.at
    assert await asyncio.to_thread(database.problems) == []
    assert database.migrate() == LATEST, "called inside an event loop, it runs in a thread of its own"


def test_the_bot_in_the_terminal_on_postgres(url: str, postgres: Server, tmp_path: Path) -> None:
    """`thigh-coach chat` and `thigh-coach db` with DATABASE_URL=postgresql://: the whole bot, not the store alone."""
    from tests.test_console import chat

    settings = {"DATABASE_URL": url, "PATH": str(postgres.binaries.directory) + os.pathsep + os.environ["PATH"]}
    first = chat(tmp_path / "unused.sqlite3", ["1", "3", "/quit"], **settings)  # consent, "Slowly, over weeks"
    assert "How does walking feel right now?" in first
    second = chat(tmp_path / "unused.sqlite3", ["1", "/quit"], **settings)  # "Carry on"
    assert "Welcome back" in second and "How does walking feel right now?" in second.split("Welcome back", 1)[1]
    assert not (tmp_path / "unused.sqlite3").exists(), "DATABASE_URL wins over DATABASE_PATH"

    def db(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", "db", *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=dict(os.environ, **settings),
            timeout=60,
            check=False,
        )

    migrated = db("migrate")
    assert migrated.returncode == 0 and migrated.stdout.endswith(f"at schema version {LATEST}\n")
    assert "postgresql://postgres@" in migrated.stdout
    check = db("check")
    assert check.returncode == 0 and "integrity check: ok" in check.stdout and "quarantined states: 0" in check.stdout
    backup = db("backup", str(tmp_path / "bot.dump"))
    assert backup.returncode == 0, backup.stderr
    assert (tmp_path / "bot.dump").read_bytes().startswith(b"PGDMP")


async def test_two_processes_migrating_at_once_apply_each_step_once(url: str) -> None:
    from bot.store.postgres import migrate

    conns = [await asyncpg.connect(url) for _ in range(3)]
    try:
        assert await asyncio.gather(*(migrate(conn) for conn in conns)) == [LATEST] * 3
        applied = [r[0] for r in await conns[0].fetch("SELECT version FROM schema_version")]
        assert applied == [s.version for s in STEPS if s.postgres is not None], "each step once"
    finally:
        for conn in conns:
            await conn.close()


def test_a_database_newer_than_the_bot_is_refused(url: str) -> None:
    database = maintenance_for(url)
    database.migrate()

    async def from_the_future() -> None:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("INSERT INTO schema_version (version, applied_at) VALUES ($1, now())", LATEST + 1)
        finally:
            await conn.close()

    asyncio.run(from_the_future())
    with pytest.raises(StoreError, match=f"schema version {LATEST + 1} is newer than this bot knows"):
        database.migrate()
    assert database.problems() == [
        f"schema version {LATEST + 1} is newer than this bot knows ({LATEST}): run the newer bot"
    ]


async def test_old_idempotency_records_are_pruned_at_start(url: str) -> None:
    from datetime import UTC, datetime, timedelta

    from bot.clock import ManualClock

    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    store = PostgresStore(url, clock=clock)
    await store.open()
    await store.apply(1, 11, counting)
    await store.close()
    clock.advance(timedelta(days=30))
    again = PostgresStore(url, clock=clock)
    await again.open()
    try:
        assert await again.apply(1, 11, counting) == 2, "a month-old update id is forgotten"
        assert await again.apply(1, 11, counting) is None, "a fresh one is not"
    finally:
        await again.close()


async def test_a_database_from_version_8_upgrades_and_its_claims_are_free(url: str) -> None:
    """Version 8 knew no claimants: its rows keep their values, and a reminder it claimed and never sent,
    and the replies it owed, are free for the upgraded bot at once (no claimant, no lease)."""
    from datetime import UTC, datetime

    from bot.clock import ManualClock
    from bot.store.postgres import migrate

    day = datetime(2026, 1, 2, 18, tzinfo=UTC)
    conn = await asyncpg.connect(url)
    try:
        assert await migrate(conn, target=8) == 8
        await conn.execute("INSERT INTO users (user_id, created_at, updated_at) VALUES (7, $1, $1)", day)
        await conn.execute("INSERT INTO outbox (user_id, body, created_at) VALUES (7, 'owed', $1)", day)
        await conn.execute(
            "INSERT INTO reminder_log (user_id, kind, local_date, due_at, status, logged_at) "
            "VALUES (7, 'session', '2026-01-02', 1767376800, 'claimed', $1)",
            day,
        )
    finally:
        await conn.close()
    store = PostgresStore(url, clock=ManualClock(day))
    await store.open()
    try:
        assert maintenance_for(url).problems() == [], f"at version {LATEST}"
        [reminder] = await store.reclaim_reminders()
        assert (reminder.user_id, reminder.kind, reminder.due) == (7, "session", 1767376800)
        assert [(m.user_id, m.body) for m in await store.claim_owed(7, 10)] == [(7, "owed")]
    finally:
        await store.close()
