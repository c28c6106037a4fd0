"""SQLite specifics: concurrency, migrations, bad database paths, data rights over every table."""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.dispatch import Dispatcher
from bot.store import Change, SqliteStore, StoreError
from bot.store.claims import OWED_AT_ONCE
from bot.store.migrations import LATEST
from bot.store.sqlite import migrate
from bot.store.sqlite.checkpointer import COMMITS
from bot.store.sqlite.connection import HERE
from content import Content
from flows.conversation import Conversation, handle
from flows.events import BeginTriage, Consent, Event, Text
from flows.record import Record
from tests.chat import Chat

ROOT = Path(__file__).resolve().parent.parent


def scripted_events(content: Content, user_id: int, count: int) -> list[Event]:
    """A plausible run of `count` events: consent, taps on visible buttons, typed text, restarts."""
    rng = random.Random(user_id)
    chat = Chat(content, consent=False)
    events: list[Event] = [Consent(True)]
    chat.send(events[0])
    while len(events) < count:
        roll = rng.random()
        if roll < 0.1:
            event: Event = Text(rng.choice(["not sure", "🙂", "about 5/10", "sitting", "no"]))
        elif roll < 0.15 or not chat.buttons:
            event = BeginTriage()
        else:
            event = rng.choice(chat.buttons)
        chat.send(event)
        events.append(event)
    return events


def final_states(db: Path) -> dict[int, str]:
    conn = sqlite3.connect(db)
    try:
        return {uid: data for uid, data in conn.execute("SELECT user_id, data FROM flow_state")}
    finally:
        conn.close()


async def test_concurrent_users_end_where_a_serial_replay_ends(tmp_path: Path, content: Content) -> None:
    scripts = {user: scripted_events(content, user, 20) for user in range(1, 201)}

    concurrent_store = SqliteStore(tmp_path / "concurrent.sqlite3")
    await concurrent_store.open()
    dispatcher = Dispatcher(concurrent_store, content)
    # every event of every user at once: per-user locks must keep each user's order
    tasks = [
        dispatcher.dispatch(user, event)
        for step in range(20)
        for user, events in scripts.items()
        for event in events[step : step + 1]
    ]
    await asyncio.gather(*tasks)
    await concurrent_store.close()

    serial_store = SqliteStore(tmp_path / "serial.sqlite3")
    await serial_store.open()
    serial = Dispatcher(serial_store, content)
    for user, events in scripts.items():
        for event in events:
            await serial.dispatch(user, event)
    await serial_store.close()

    assert len(concurrent_store.isolation()) == 0, "idle locks are dropped"  # type: ignore[arg-type]
    concurrent_states = final_states(tmp_path / "concurrent.sqlite3")
    assert len(concurrent_states) == 200
    assert concurrent_states == final_states(tmp_path / "serial.sqlite3")


async def test_same_update_id_through_the_dispatcher(tmp_path: Path, content: Content) -> None:
    store = SqliteStore(tmp_path / "dup.sqlite3")
    await store.open()
    dispatcher = Dispatcher(store, content)
    await dispatcher.dispatch(1, Consent(True), update_id=10)
    first = await dispatcher.dispatch(1, Text("gradually"), update_id=11)
    again = await dispatcher.dispatch(1, Text("gradually"), update_id=11)
    assert first is not None and again is None
    assert len(await store.answers(1)) == 1
    await store.close()


async def test_a_message_still_being_read_holds_up_no_one_else(
    tmp_path: Path, content: Content, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Typed text is read before the event joins the store's writer: however long one runner's
    message takes to read, another runner's tap is answered and saved meanwhile."""
    store = SqliteStore(tmp_path / "slow.sqlite3")
    await store.open()
    dispatcher = Dispatcher(store, content)
    for user in (1, 2):
        await dispatcher.dispatch(user, Consent(True))
    reading, read = threading.Event(), threading.Event()

    def slow_reading(content: Content, state: Conversation, event: Event, now: datetime, record: Record | None) -> Any:
        if isinstance(event, Text) and event.text == "a very long message":
            reading.set()
            read.wait(30)  # held until the other runner has been answered
        return handle(content, state, event, now, record)

    monkeypatch.setattr("bot.dispatch.handle", slow_reading)
    slow = asyncio.create_task(dispatcher.dispatch(1, Text("a very long message")))
    try:
        assert await asyncio.to_thread(reading.wait, 10)
        other = await asyncio.wait_for(dispatcher.dispatch(2, BeginTriage()), 10)
        assert other is not None and other.replies, "the other runner got their first question"
        assert json.loads((await store.load(2)).data or "{}")["triage"] is not None, "and it was saved"
    finally:
        read.set()
        answered = await slow
        await store.close()
    assert answered is not None


# --- migrations ------------------------------------------------------------------------

SAMPLE_ROWS = {
    1: [
        "INSERT INTO users VALUES (7, 'en', 'Europe/Berlin', 1, 1, "
        "'2026-01-01T00:00:00+00:00', '2026-01-02T00:00:00+00:00')",
        "INSERT INTO flow_state VALUES (7, 'conversation', 'triage:asking', '{\"consented\": true}', 3)",
        "INSERT INTO answers VALUES (1, 7, 1, 'onset', 'gradual', '2026-01-01T00:00:00+00:00')",
        "INSERT INTO handled_updates VALUES (700, 7, '2026-01-01T00:00:00+00:00')",
        "INSERT INTO audit VALUES (1, '2026-01-01T00:00:00+00:00', 99, 'user_lookup', 7, '')",
    ],
    2: ["INSERT INTO outcomes VALUES (1, 7, 'self_care', 'overuse', NULL, '2026-01-01T00:00:00+00:00')"],
    3: [
        "UPDATE flow_state SET plan = 'overuse:reload:active' WHERE user_id = 7",
        "INSERT INTO checkins VALUES (1, 7, '2026-01-02', 'done', 2, 1, 'reload', 'good', '2026-01-02T08:00:00+00:00')",
    ],
    5: [
        "INSERT INTO broadcasts VALUES (1, 99, 'Hello runners', 'done', 1, '2026-01-01', '2026-01-01', 99, 5)",
        "INSERT INTO broadcast_deliveries VALUES (1, 7, 'sent')",
    ],
    6: ["INSERT INTO outbox VALUES (1, 7, '{\"text\": \"Hello\"}', '2026-01-01T00:00:00+00:00')"],
    4: [
        "INSERT INTO reminders VALUES (1, 7, 'session', '19:00', 1767290400)",
        "INSERT INTO reminder_log VALUES "
        "(1, 7, 'session', '2026-01-01', 1767290400, 'sent', '2026-01-01T18:00:01+00:00')",
    ],
    7: ["INSERT INTO quarantine VALUES (1, 7, '{\"plan\": 3}', 'invalid (plan: model_type)', '2026-01-02')"],
    8: [
        "INSERT INTO runs VALUES (1, 7, '2026-01-02', 4.2, 27, '2026-01-02T09:00:00+00:00')",
        "INSERT INTO milestones VALUES (1, 7, '2026-01-02', 'reload', 'hop_test', 'no_pain', 1, '2026-01-02')",
        "INSERT INTO scores VALUES (1, 7, '2026-01-02', 'pain_function', 80, '{\"running\": \"r75\"}', '2026-01-02')",
    ],
    9: [
        "UPDATE outbox SET claimed_by = 'host-1-aa', claimed_until = '2026-01-01T00:01:00+00:00'",
        "INSERT INTO reminder_log VALUES (2, 7, 'session', '2026-01-02', 1767376800, 'claimed', "
        "'2026-01-02T18:00:01+00:00', 'host-1-aa', '2026-01-02T18:01:01+00:00')",
    ],
    10: ["INSERT INTO content_version VALUES (1, 3, 'abc', '2026-01-02T09:00:00+00:00', 4242)"],
}


# columns a later step split into others: the old value, rebuilt from the new columns
RETIRED: dict[tuple[str, str], Callable[[dict[str, Any]], object]] = {
    ("flow_state", "plan"): lambda row: f"{row['plan_pattern']}:{row['plan_phase']}:{row['plan_status']}",
}


# one process holds a SQLite file: a claim found in it at open is a dead process's, released at once
RELEASED_AT_OPEN = {"claimed_by", "claimed_until"}


def dump(db: Path) -> dict[str, list[dict[str, object]]]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: [dict(row) for row in conn.execute(f"SELECT * FROM {t} ORDER BY rowid")] for t in tables}
    finally:
        conn.close()


@pytest.mark.parametrize("version", range(1, LATEST))
async def test_old_databases_upgrade_and_keep_their_data(tmp_path: Path, version: int) -> None:
    db = tmp_path / f"v{version}.sqlite3"
    conn = sqlite3.connect(db, isolation_level=None)
    for step in range(1, version + 1):  # each version's rows written by that version's schema
        migrate(conn, target=step)
        for statement in SAMPLE_ROWS.get(step, []):
            conn.execute(statement)
    conn.close()
    before = dump(db)

    # the day after the sample rows, so start-up pruning of old update ids leaves them be
    store = SqliteStore(db, clock=ManualClock(datetime(2026, 1, 2, tzinfo=UTC)))
    await store.open()
    await store.close()

    after = dump(db)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
    conn.close()
    for table, rows in before.items():
        # later steps may add columns; every value that was there is still there, a retired column's in
        # the columns that took its place
        for row, old in zip(after[table], rows, strict=True):
            for column, value in old.items():
                if (table, column) in RETIRED:
                    assert RETIRED[table, column](row) == value, f"{table}.{column} lost in the upgrade"
                elif column in RELEASED_AT_OPEN:
                    assert row[column] is None, f"{table}.{column}: a claim left in the file is released at open"
                else:
                    assert row[column] == value, f"{table}.{column} changed in the upgrade"
    assert set(after) > set(before) or any(set(after[t][0]) > set(rows[0]) for t, rows in before.items() if rows)


async def test_claims_left_by_a_bot_from_before_leases_are_taken_after_the_upgrade(tmp_path: Path) -> None:
    """Version 8 knew no claimants: a reminder it claimed and never sent, and the replies it owed, are free
    for the upgraded bot at once (no claimant, no lease)."""
    db = tmp_path / "v8.sqlite3"
    conn = sqlite3.connect(db, isolation_level=None)
    migrate(conn, target=8)
    day = "2026-01-02T18:00:00+00:00"
    conn.execute("INSERT INTO users (user_id, created_at, updated_at) VALUES (7, ?, ?)", (day, day))
    conn.execute("INSERT INTO outbox (user_id, body, created_at) VALUES (7, 'owed', ?)", (day,))
    conn.execute(
        "INSERT INTO reminder_log (user_id, kind, local_date, due_at, status, logged_at) "
        "VALUES (7, 'session', '2026-01-02', 1767376800, 'claimed', ?)",
        (day,),
    )
    conn.close()
    store = SqliteStore(db, clock=ManualClock(datetime(2026, 1, 2, 18, tzinfo=UTC)))
    await store.open()
    try:
        [reminder] = await store.reclaim_reminders()
        assert (reminder.user_id, reminder.kind, reminder.due) == (7, "session", 1767376800)
        assert [(m.user_id, m.body) for m in await store.claim_owed(7, 10)] == [(7, "owed")]
    finally:
        await store.close()


async def test_the_record_moves_from_the_documents_into_tables(tmp_path: Path) -> None:
    """Up to version 7 the conversation document held every fact; the upgrade copies them into the
    tables, fills in what the check-ins table lacked, and passes over a document that is not JSON."""
    db = tmp_path / "v7.sqlite3"
    conn = sqlite3.connect(db, isolation_level=None)
    migrate(conn, target=7)
    old = json.loads((Path(__file__).parent / "data" / "state" / "v0" / "plan_checkins.json").read_text())
    old["plan"]["milestones"] = [
        {"day": "2026-03-04", "phase": "tendon_calm", "milestone": "bridge", "answer": "no_pain", "passed": True}
    ]
    document = json.dumps(old)
    now = "2026-03-06T00:00:00+00:00"
    for user, data in ((7, document), (8, '{"broken')):
        conn.execute("INSERT INTO users VALUES (?, 'en', NULL, 1, 1, ?, ?)", (user, now, now))
        conn.execute("INSERT INTO flow_state VALUES (?, 'conversation', 'idle', ?, 1, NULL)", (user, data))
    # the first check-in was also counted in the table, without its run and answers
    conn.execute(
        "INSERT INTO checkins VALUES (1, 7, '2026-03-02', 'done', 2, 1, 'tendon_calm', 'good', '2026-03-02T08:00:00')"
    )
    conn.close()
    store = SqliteStore(db, clock=ManualClock(datetime(2026, 3, 6, tzinfo=UTC)))
    await store.open()
    try:
        record, broken = await store.record(7), await store.record(8)
    finally:
        await store.close()
    plan = json.loads(document)["plan"]
    assert [c.model_dump(mode="json") for c in record.checkins] == plan["checkins"], "each once, whole"
    assert [r.model_dump(mode="json") for r in record.runs] == plan["runs"]
    assert [m.model_dump(mode="json") for m in record.milestones] == plan["milestones"]
    assert [s.model_dump(mode="json") for s in record.scores] == plan["scores"]
    assert broken == Record()


def test_every_migration_step_has_sample_rows() -> None:
    assert set(SAMPLE_ROWS) == set(range(1, LATEST + 1))


async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "future.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this bot knows"):
        await SqliteStore(db).open()


# --- bad database paths ----------------------------------------------------------------


def run_cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", *args],
        input="/quit\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"DATABASE_PATH": str(db), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], words: str) -> None:
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("thigh-coach: ") and words in lines[0]


def test_corrupt_database(tmp_path: Path) -> None:
    db = tmp_path / "corrupt.sqlite3"
    garbage = b"this is not a database, it is a shopping list\n" * 200
    db.write_bytes(garbage)
    assert_one_line_error(run_cli(db), "corrupt")
    assert db.read_bytes() == garbage


def test_locked_database(tmp_path: Path) -> None:
    db = tmp_path / "locked.sqlite3"
    sqlite3.connect(db).close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                "import asyncio, sys\n"
                "from bot.store import SqliteStore, StoreError\n"
                "try:\n"
                f"    asyncio.run(SqliteStore({str(db)!r}, busy_timeout_ms=200).open())\n"
                "except StoreError as e:\n"
                "    print(e, file=sys.stderr); sys.exit(2)\n",
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        )
    finally:
        holder.rollback()
        holder.close()
    assert result.returncode == 2
    assert "locked by another process" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


async def test_second_bot_on_the_same_database_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "shared.sqlite3"
    first = SqliteStore(db)
    await first.open()
    try:
        assert_one_line_error(run_cli(db), "in use by another thigh-coach process")
    finally:
        await first.close()


def test_read_only_database(tmp_path: Path) -> None:
    db = tmp_path / "ro.sqlite3"
    sqlite3.connect(db).close()
    before = db.read_bytes()
    db.chmod(0o444)
    assert_one_line_error(run_cli(db), "read-only")
    assert db.read_bytes() == before


def test_missing_directory(tmp_path: Path) -> None:
    db = tmp_path / "nowhere" / "bot.sqlite3"
    assert_one_line_error(run_cli(db), "does not exist")
    assert not db.parent.exists()


# --- data rights over every table ------------------------------------------------------


async def test_delete_leaves_no_row_in_any_table(tmp_path: Path, content: Content) -> None:
    db = tmp_path / "rights.sqlite3"
    store = SqliteStore(db)
    await store.open()
    dispatcher = Dispatcher(store, content)
    for user in (5, 6):
        for number, event in enumerate(scripted_events(content, user, 15)):
            await dispatcher.dispatch(user, event, update_id=user * 100 + number)
        await dispatcher.dispatch(user, Text("my calf is swollen after the flight"), update_id=user * 100 + 99)
    await store.audit(1, "user_lookup", 5)
    exported = await store.export_user(5)
    json.dumps(exported)  # the export is plain JSON
    await store.delete_user(5)
    await store.close()

    conn = sqlite3.connect(db)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    for table in tables:
        columns = [c[1] for c in conn.execute(f"PRAGMA table_info({table})")]
        for column in columns:
            if column.endswith("user_id") or column == "actor_id":
                hits = conn.execute(f"SELECT count(*) FROM {table} WHERE {column} = 5").fetchone()[0]
                assert hits == 0, f"{table}.{column} still names user 5"
    # the export had every row that was there, and user 6 keeps theirs
    assert sum(len(rows) for rows in exported.values()) > 15
    assert conn.execute("SELECT count(*) FROM answers WHERE user_id = 6").fetchone()[0] > 0
    conn.close()


# --- maintenance commands --------------------------------------------------------------


async def test_backup_and_check_while_the_store_is_open(tmp_path: Path, content: Content) -> None:
    db = tmp_path / "live.sqlite3"
    store = SqliteStore(db)
    await store.open()
    dispatcher = Dispatcher(store, content)
    await dispatcher.dispatch(1, Consent(True))
    await dispatcher.dispatch(1, Text("gradually"))
    copy = tmp_path / "copy.sqlite3"
    env = {"DATABASE_PATH": str(db), "PATH": "/usr/bin:/bin"}
    backup = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "backup", str(copy)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    check = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "check"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    await store.close()
    assert backup.returncode == 0, backup.stderr
    assert check.returncode == 0 and "integrity check: ok" in check.stdout
    conn = sqlite3.connect(copy)
    assert conn.execute("SELECT question, value FROM answers").fetchall() == [("onset", "gradual")]
    conn.close()


async def test_typed_text_is_read_without_holding_the_writer(
    tmp_path: Path, content: Content, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading a message (every warning sign is looked for) happens before the event joins the
    writer: a slow read holds up nobody else's turn."""
    import threading

    import bot.dispatch

    reading, release = threading.Event(), threading.Event()
    from flows.conversation import handle as real_handle

    def slow_reader(*args: Any) -> Any:
        event = args[2]
        if isinstance(event, Text) and event.text == "a long message":
            reading.set()
            assert release.wait(timeout=30)
        return real_handle(*args)

    monkeypatch.setattr(bot.dispatch, "handle", slow_reader)
    store = SqliteStore(tmp_path / "w.sqlite3")
    await store.open()
    dispatcher = Dispatcher(store, content)
    try:
        await dispatcher.dispatch(1, Consent(True))
        slow = asyncio.create_task(dispatcher.dispatch(1, Text("a long message")))
        await asyncio.to_thread(reading.wait, 30)
        # someone else's turn is stored while that message is still being read
        assert await asyncio.wait_for(dispatcher.dispatch(2, Consent(True)), timeout=20) is not None
        assert not slow.done()
        release.set()
        assert await slow is not None
    finally:
        release.set()
        await store.close()


async def test_wal_checkpoints_run_beside_the_writer_not_in_a_runners_commit(tmp_path: Path) -> None:
    """The commit that crossed SQLite's checkpoint threshold used to copy the WAL into the file while that
    runner waited; now the writer never checkpoints and a thread of its own does, every COMMITS commits."""
    store = SqliteStore(tmp_path / "wal.sqlite3")
    await store.open()
    try:
        assert await store._run(lambda conn: conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]) == 0
        checkpointer = store._checkpointer
        assert checkpointer is not None and checkpointer.checkpoints == 0
        state = json.dumps({"notes": "x" * 3000})
        for user in range(COMMITS):
            await store.apply(user, None, lambda _: (Change(data=state, state="idle", consented=True), None))
        assert await asyncio.to_thread(checkpointer.wait_for, 1, 60), "a checkpoint ran after COMMITS commits"
    finally:
        await store.close()
    assert not (tmp_path / "wal.sqlite3-wal").exists() or (tmp_path / "wal.sqlite3-wal").stat().st_size == 0
    again = SqliteStore(tmp_path / "wal.sqlite3")
    await again.open()
    try:
        assert (await again.load(COMMITS - 1)).data == state, "every commit is in the file"
    finally:
        await again.close()


def owes(*bodies: str) -> Callable[[Any], tuple[Change, None]]:
    """A turn that owes the runner these messages."""
    return lambda stored: (Change(data="{}", state="s", consented=True, outbox=bodies), None)


async def owed_bodies(store: SqliteStore, user_id: int, sent: tuple[int, ...] = ()) -> list[str]:
    return [m.body for m in await store.claim_owed(user_id, OWED_AT_ONCE, sent)]


async def test_what_a_turn_read_for_its_flush_is_never_handed_out_after_it_was_sent(tmp_path: Path) -> None:
    """The flush after a turn takes the owed messages that turn read; a later turn of the same runner
    reads them again while the first flush is still sending them. Whatever the first flush does next
    (finishes, or fails half-way), the second flush never gets a message already sent."""
    store = SqliteStore(tmp_path / "bot.sqlite3")
    await store.open()
    try:
        await store.apply(1, None, owes("one", "two"))
        sending = await store.claim_owed(1, OWED_AT_ONCE)
        assert [m.body for m in sending] == ["one", "two"]
        await store.apply(1, None, owes("three"))  # the runner's next turn, while "one" and "two" go out
        await store.mark_sent(sending[0].id)
        assert await owed_bodies(store, 1) == ["two", "three"], "the first flush failed after sending one"
        await store.apply(1, None, owes("four"))
        assert await owed_bodies(store, 1, sent=(sending[1].id,)) == ["three", "four"], "two went out last"
        assert await owed_bodies(store, 1) == ["three", "four"], "the next flush: nothing sent comes back"
    finally:
        await store.close()


@pytest.mark.parametrize("gone", ["blocked the bot", "deleted their data"])
async def test_what_a_turn_read_is_forgotten_once_nothing_is_owed(tmp_path: Path, gone: str) -> None:
    store = SqliteStore(tmp_path / "bot.sqlite3")
    await store.open()
    try:
        await store.apply(1, None, owes("one"))
        if gone == "blocked the bot":
            await store.set_active(1, False)
        else:
            await store.delete_user(1)
        assert await owed_bodies(store, 1) == []
    finally:
        await store.close()


async def test_another_programs_write_lock_never_holds_up_the_event_loop(tmp_path: Path) -> None:
    """A group commit is written on the loop's thread when the writer is idle. If another program (an
    admin's sqlite3 shell) holds the file's write lock, the commit waits for it in the writer instead:
    the loop goes on meanwhile, and the turn is stored once the lock is let go."""
    db = tmp_path / "bot.sqlite3"
    store = SqliteStore(db)
    await store.open()
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        turn = asyncio.create_task(store.apply(1, None, owes("hello")))
        for _ in range(5):  # the turn is queued, and its group commit tried
            await asyncio.sleep(0)
        assert not turn.done(), "the turn waits for the lock; it neither failed nor held the loop"
        holder.execute("COMMIT")
        await asyncio.wait_for(turn, timeout=30)
        assert await owed_bodies(store, 1) == ["hello"]
    finally:
        holder.close()
        await store.close()


@pytest.mark.parametrize(
    ("synchronous", "turns", "on_the_loop"),
    [
        ("NORMAL", 1, True),
        # every commit waits for the disk: the loop must not
        ("FULL", 1, False),
        # under load a batch of many turns would hold the loop for its whole commit
        ("NORMAL", HERE + 1, False),
    ],
)
async def test_only_small_commits_that_wait_for_no_disk_are_written_on_the_event_loop(
    tmp_path: Path, synchronous: str, turns: int, on_the_loop: bool
) -> None:
    store = SqliteStore(tmp_path / "bot.sqlite3", synchronous=synchronous)
    await store.open()
    threads: list[threading.Thread] = []

    def decide(stored: Any) -> tuple[Change, None]:
        threads.append(threading.current_thread())
        return Change(data="{}", state="s", consented=True), None

    try:
        await asyncio.gather(*(store.apply(user, None, decide) for user in range(turns)))
    finally:
        await store.close()
    assert len(threads) == turns
    assert all(thread is threading.current_thread() for thread in threads) is on_the_loop


async def test_the_loop_never_uses_the_connection_while_the_writer_does(tmp_path: Path) -> None:
    """While the writer runs something long (an export, a sweep), a turn waits for it in the writer's
    queue instead of writing on the loop's thread at the same time."""
    store = SqliteStore(tmp_path / "bot.sqlite3")
    await store.open()
    started, release = threading.Event(), threading.Event()

    def long_read(conn: sqlite3.Connection) -> None:
        started.set()
        assert release.wait(timeout=30)

    try:
        reading = asyncio.create_task(store._run(long_read))
        await asyncio.to_thread(started.wait, 30)
        turn = asyncio.create_task(store.apply(1, None, owes("hello")))
        for _ in range(5):
            await asyncio.sleep(0)
        assert not turn.done(), "the turn waits for the writer"
        release.set()
        await asyncio.wait_for(asyncio.gather(reading, turn), timeout=30)
        assert await owed_bodies(store, 1) == ["hello"]
    finally:
        release.set()
        await store.close()


@pytest.mark.parametrize("removed", ["before the next flush", "after it"])
async def test_a_turn_that_read_messages_as_their_removal_was_queued_never_gets_them_again(
    tmp_path: Path, removed: str
) -> None:
    """A flush that sent all a turn owed queues their removal and waits for nothing. The runner's next turn,
    committed before that removal (the writer was busy), read them as still owed: its flush skips them,
    whether the removal is committed by then or still waits behind more of the writer's work."""
    store = SqliteStore(tmp_path / "bot.sqlite3")
    await store.open()
    gates = [(threading.Event(), threading.Event()) for _ in range(2)]

    def hold(gate: tuple[threading.Event, threading.Event], conn: sqlite3.Connection) -> None:
        started, release = gate
        started.set()
        assert release.wait(timeout=30)

    def releasing(gate: tuple[threading.Event, threading.Event]) -> None:
        gate[1].set()

    try:
        await store.apply(1, None, owes("one"))
        sending = await store.claim_owed(1, OWED_AT_ONCE)
        holds = [asyncio.create_task(store._run(partial(hold, gates[0])))]
        await asyncio.to_thread(gates[0][0].wait, 30)
        next_turn = asyncio.create_task(store.apply(1, None, owes("two")))  # queued behind the first hold
        for _ in range(5):
            await asyncio.sleep(0)
        assert await owed_bodies(store, 1, sent=tuple(m.id for m in sending)) == [], "all it owed went out"
        if removed == "after it":
            holds.append(asyncio.create_task(store._run(partial(hold, gates[1]))))  # the removal waits behind it
        for _ in range(5):
            await asyncio.sleep(0)
        releasing(gates[0])
        await asyncio.wait_for(next_turn, timeout=30)
        assert await owed_bodies(store, 1) == ["two"], "the next turn's flush"
        releasing(gates[1])
        await asyncio.wait_for(asyncio.gather(*holds), timeout=30)
        assert [m.body for m in await store.unsent(1)] == ["two"]
    finally:
        for gate in gates:
            releasing(gate)
        await store.close()


async def test_sent_messages_are_removed_before_the_store_closes(tmp_path: Path) -> None:
    """Nothing waits for the removal of what went out, so closing the store waits for it: a restart
    right after a reply does not send the reply again."""
    db = tmp_path / "bot.sqlite3"
    store = SqliteStore(db)
    await store.open()
    await store.apply(1, None, owes("hello"))
    sent = await store.claim_owed(1, OWED_AT_ONCE)
    assert await owed_bodies(store, 1, sent=tuple(m.id for m in sent)) == []
    await store.close()
    again = SqliteStore(db)
    await again.open()
    try:
        assert await again.unsent() == []
    finally:
        await again.close()
