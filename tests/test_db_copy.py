"""`thigh-coach db copy --to postgresql://...`: a real SQLite file moved whole into a real PostgreSQL database."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.cli import main
from bot.clock import ManualClock
from bot.store import Change, PostgresStore, SqliteStore, Store, Stored
from bot.store.postgres.copy import OWN_TABLES
from bot.store.rows import AnswerRow, DueReminder, OutcomeRow, PlanPosition, ReminderDecision, ReminderRow, SetAside
from content import Content
from flows.record import MilestoneResult
from flows.stored_state import dump
from tests.chat import Chat
from tests.postgres_server import Server
from tests.twelve_weeks import days_of_history

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 4, 2, 9, 15, 30, 123456, tzinfo=UTC)
TRIAGE, PLANNED, SET_ASIDE, BLOCKED = 101, 202, 303, 404


@pytest.fixture
def url(postgres: Server) -> Iterator[str]:
    made = postgres.fresh_database()
    yield made
    postgres.drop_database(made)


def writes(change: Change) -> Callable[[Stored], tuple[Change, None]]:
    return lambda stored: (change, None)


def due_today(due: DueReminder) -> ReminderDecision:
    return ReminderDecision("2026-04-02", "send", None)


async def fill(path: Path, content: Content) -> None:
    """Every table of a SQLite database with something in it, written through the SQLite store."""
    store = SqliteStore(path, clock=ManualClock(NOW))
    await store.open()
    try:
        midway = Chat(content)  # consented, at the first triage question
        await store.apply(
            TRIAGE,
            1,
            writes(
                Change(
                    data=dump(midway.state),
                    state="triage",
                    consented=True,
                    answers=(AnswerRow(1, "onset", "gradual"), AnswerRow(1, "where", "back")),
                    reminders=(ReminderRow("session", "07:30", 1000), ReminderRow("checkin", "20:00", 2000)),
                    outbox=("Where does it hurt?",),
                )
            ),
        )
        runner = days_of_history(content, 30)
        milestone = MilestoneResult(day=date(2026, 3, 20), phase="load", milestone="hop_test", answer="ok", passed=True)
        facts = runner.record.facts
        assert {type(f).__name__ for f in facts} >= {"CheckIn", "RunLog", "Score"}, "check-ins, runs and scores"
        await store.apply(
            PLANNED,
            2,
            writes(
                Change(
                    data=dump(runner.state),
                    state="plan",
                    consented=True,
                    facts=(*facts, milestone),
                    outcomes=(OutcomeRow("self_care", "tendon", None),),
                    plan=PlanPosition("tendon", "load", "active"),
                    reminders=(ReminderRow("session", "07:00", 1500),),
                )
            ),
        )
        await store.apply(SET_ASIDE, 3, writes(Change(data='{"broken', state="s", consented=True)))
        kept = SetAside('{"broken', "not JSON")
        await store.apply(SET_ASIDE, 4, writes(Change(data="{}", state="idle", consented=False, set_aside=kept)))
        await store.apply(BLOCKED, None, writes(Change(data="{}", state="idle", consented=True)))
        await store.set_active(BLOCKED, False)
        # one reminder claimed and not yet sent: the process stopped in between
        assert len(await store.claim_reminders(1000, 1, due_today)) == 1
        broadcast_id, recipients = await store.create_broadcast(9, "Club run on Sunday", NOW)
        assert recipients == 3
        assert await store.claim_recipients(broadcast_id, 2) == [TRIAGE, PLANNED]
        await store.mark_delivery(broadcast_id, TRIAGE, "sent")
        await store.audit(4242, "user_lookup", PLANNED, "why")
        await store.publish_content("the content's digest", 4242)  # /reload
    finally:
        await store.close()


def sqlite_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: int(conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]) for n in names}
    finally:
        conn.close()


async def postgres_counts(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(url)
    try:
        names = [r[0] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return {n: int(await conn.fetchval(f'SELECT count(*) FROM "{n}"')) for n in names if n not in OWN_TABLES}
    finally:
        await conn.close()


async def seen(store: Store) -> dict[str, object]:
    """What the bot reads back about everyone, through the store's interface."""
    users = (TRIAGE, PLANNED, SET_ASIDE, BLOCKED)
    return {
        "load": [await store.load(u) for u in users],
        "record": [await store.record(u) for u in users],
        "answers": [await store.answers(u) for u in users],
        "outcomes": [await store.outcomes(u) for u in users],
        "summary": [await store.user_summary(u) for u in users],
        "stats": await store.stats(NOW),
        "unsent": await store.unsent(),
        "reclaimed_reminders": await store.reclaim_reminders(),
        "broadcast": await store.broadcast(1),
        "progress": await store.broadcast_progress(1),
        "reclaimed_deliveries": await store.reclaim_deliveries(1),
        "audit": await store.audit_log(10),
        "content": await store.content_version(),
        "export": {u: await store.export_user(u) for u in users},
    }


async def test_a_sqlite_database_is_copied_whole_into_postgres(
    tmp_path: Path, url: str, content: Content, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bot.db"
    await fill(path, content)
    source = sqlite_counts(path)
    assert all(source[name] > 0 for name in source), f"every table has rows: {source}"

    assert main(["db", "copy", "--db", str(path), "--to", url]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out == [f"copied {sum(source.values())} rows of {len(source)} tables from {path} to {out[0].split()[-1]}"]

    assert await postgres_counts(url) == source

    # minutes later: the claims the filling process left (a reminder, a delivery) have ended on both sides,
    # and each side reclaims them under one name
    later, claimant = ManualClock(NOW + timedelta(minutes=2)), "host-1-copy"
    on_sqlite = SqliteStore(path, clock=later, claimant=claimant)
    on_postgres = PostgresStore(url, clock=later, claimant=claimant)
    await on_sqlite.open()
    await on_postgres.open()
    try:
        before, after = await seen(on_sqlite), await seen(on_postgres)
        assert after["load"] == before["load"]
        assert after["record"] == before["record"]
        assert after["summary"] == before["summary"]
        assert after["stats"] == before["stats"]
        assert after["unsent"] == before["unsent"]
        assert after["reclaimed_reminders"] == before["reclaimed_reminders"]
        assert after == before, "answers, outcomes, broadcasts, audit log and every runner's export too"
        # the same reminders are due, claimed under the same log ids
        assert await on_postgres.claim_reminders(5000, 10, due_today) == await on_sqlite.claim_reminders(
            5000, 10, due_today
        )
    finally:
        await on_sqlite.close()
        await on_postgres.close()


async def test_a_second_copy_is_refused_in_one_line(tmp_path: Path, url: str, content: Content) -> None:
    path = tmp_path / "bot.db"
    await fill(path, content)
    assert main(["db", "copy", "--db", str(path), "--to", url]) == 0
    counts = await postgres_counts(url)

    again = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "copy", "--db", str(path), "--to", url],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=os.environ | {"TELEGRAM_BOT_TOKEN": ""},
        timeout=120,
        check=False,
    )
    assert again.returncode == 2, again.stderr
    assert again.stdout == ""
    [line] = again.stderr.splitlines()
    assert "already holds 4 runners" in line and "never merges" in line
    assert await postgres_counts(url) == counts, "nothing merged"


async def test_new_rows_on_postgres_after_a_copy_get_new_ids(tmp_path: Path, url: str, content: Content) -> None:
    path = tmp_path / "bot.db"
    await fill(path, content)
    assert main(["db", "copy", "--db", str(path), "--to", url]) == 0
    before = await postgres_counts(url)
    runner = days_of_history(content, 30)
    store = PostgresStore(url, clock=ManualClock(NOW))
    await store.open()
    try:
        extra = runner.record.checkins[-1].model_copy(update={"day": date(2026, 4, 3)})
        change = Change(
            data=dump(runner.state),
            state="plan",
            consented=True,
            answers=(AnswerRow(2, "onset", "sudden"),),
            facts=(extra,),
            outcomes=(OutcomeRow("self_care", "tendon", None),),
            reminders=(ReminderRow("session", "07:00", 9000),),
            outbox=("Well done",),
        )
        await store.apply(PLANNED, 99, writes(change))  # a new turn: no id collides with a copied one
        await store.audit(4242, "stats", None)
        await store.create_broadcast(9, "Second", NOW)
        record = await store.record(PLANNED)
        assert record.checkins[-1] == extra
    finally:
        await store.close()
    after = await postgres_counts(url)
    for table in ("answers", "checkins", "outcomes", "outbox", "audit", "broadcasts", "handled_updates"):
        assert after[table] == before[table] + 1, table
    conn = await asyncpg.connect(url)
    try:
        for table in ("answers", "checkins", "outbox", "audit", "broadcasts"):
            ids = [r[0] for r in await conn.fetch(f"SELECT id FROM {table} ORDER BY id")]
            assert ids[-1] == max(ids) and len(set(ids)) == len(ids), table
    finally:
        await conn.close()


def test_copy_takes_sqlite_to_postgres_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "copy", "--db", str(tmp_path / "missing.db"), "--to", "postgresql://x@localhost/y"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    path = tmp_path / "bot.db"
    assert main(["db", "migrate", "--db", str(path)]) == 0
    capsys.readouterr()
    assert main(["db", "copy", "--db", str(path), "--to", f"sqlite:///{tmp_path / 'other.db'}"]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "postgresql://" in line


async def test_a_copy_that_fails_part_way_leaves_no_row_and_can_be_run_again(
    tmp_path: Path, url: str, content: Content, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bot.db"
    await fill(path, content)
    conn = sqlite3.connect(path)
    with conn:  # a day SQLite took as text but PostgreSQL's date cannot
        conn.execute("UPDATE scores SET day = 'someday' WHERE id = (SELECT max(id) FROM scores)")
    assert main(["db", "copy", "--db", str(path), "--to", url]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "scores.day" in line and "nothing was copied" in line and "someday" not in line
    assert set((await postgres_counts(url)).values()) == {0}, "users and the tables before scores rolled back"
    with conn:
        conn.execute("UPDATE scores SET day = '2026-03-30' WHERE day = 'someday'")
    conn.close()
    assert main(["db", "copy", "--db", str(path), "--to", url]) == 0
    assert await postgres_counts(url) == sqlite_counts(path)
