"""The store interface, tested once and run against every backend: SQLite, and PostgreSQL on a throwaway
server the tests start themselves (tests/postgres_server.py)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import Clock, ManualClock
from bot.store import (
    AnswerRow,
    Change,
    Maintenance,
    OutcomeRow,
    PostgresStore,
    ReminderRow,
    SqliteStore,
    Store,
    Stored,
)
from bot.store.base import (
    AdminQueries,
    BroadcastQueue,
    ContentVersions,
    DataRights,
    Facts,
    Health,
    Leases,
    OwedReplies,
    ReminderQueue,
    SendPace,
    Turns,
)
from bot.store.migrations import LATEST
from bot.store.postgres import PostgresMaintenance
from bot.store.rows import (
    Adherence,
    Broadcast,
    ContentVersion,
    DueReminder,
    OwedMessage,
    PlanPosition,
    ProgressMessage,
    ReminderDecision,
    SetAside,
)
from bot.store.sqlite import SqliteMaintenance
from flows.progression import Decision
from flows.record import CheckIn, Fact, MilestoneResult, Record, Score
from flows.running_guard import RunLog
from tests.postgres_server import Server


@dataclass(frozen=True)
class Database:
    """A new, empty database of one backend for one test."""

    store: Store  # not yet opened
    maintenance: Maintenance  # `thigh-coach db` on the same database
    # another store object on the same database, as a bot process named `claimant` would open it
    instance: Callable[[str, Clock], Store]
    remove: Callable[[], None] = lambda: None  # what removes it after the test


Backend = Callable[[pytest.FixtureRequest, Path], Database]


def sqlite_backend(request: pytest.FixtureRequest, tmp: Path) -> Database:
    path = tmp / "contract.sqlite3"

    def instance(claimant: str, clock: Clock) -> Store:
        # several store objects on one file stand for several processes (the instance lock allows one)
        return SqliteStore(path, clock=clock, claimant=claimant, exclusive=False)

    return Database(SqliteStore(path), SqliteMaintenance(path), instance)


def postgres_backend(request: pytest.FixtureRequest, tmp: Path) -> Database:
    """A database of its own on the session's throwaway server (tests/postgres_server.py); the server's
    own pg_dump first on PATH, for backups."""
    server: Server = request.getfixturevalue("postgres")
    monkeypatch: pytest.MonkeyPatch = request.getfixturevalue("monkeypatch")
    monkeypatch.setenv("PATH", f"{server.binaries.directory}{os.pathsep}{os.environ.get('PATH', '')}")
    url = server.fresh_database()

    def instance(claimant: str, clock: Clock) -> Store:
        return PostgresStore(url, clock=clock, claimant=claimant)

    return Database(PostgresStore(url), PostgresMaintenance(url), instance, lambda: server.drop_database(url))


BACKENDS: dict[str, Backend] = {"sqlite": sqlite_backend, "postgresql": postgres_backend}


@pytest.fixture(params=sorted(BACKENDS))
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    made = BACKENDS[request.param](request, tmp_path)
    yield made
    made.remove()


@pytest.fixture
def backend(database: Database) -> Store:
    return database.store


@pytest.fixture
async def store(backend: Store) -> AsyncIterator[Store]:
    await backend.open()
    yield backend
    await backend.close()


def writes(data: str, answers: tuple[AnswerRow, ...] = ()) -> Callable[[Stored], tuple[Change, Stored]]:
    def decide(stored: Stored) -> tuple[Change, Stored]:
        return Change(data=data, state="s", consented=True, answers=answers), stored

    return decide


async def test_unknown_user_is_new(store: Store) -> None:
    stored = await store.load(42)
    assert stored.data is None and stored.active


async def test_apply_stores_state_and_answers_together(store: Store) -> None:
    seen = await store.apply(1, 100, writes('{"n": 1}', (AnswerRow(1, "onset", "gradual"),)))
    assert seen is not None and seen.data is None
    stored = await store.load(1)
    assert stored.data == '{"n": 1}'
    assert await store.answers(1) == [AnswerRow(1, "onset", "gradual")]


async def test_same_update_twice_has_one_effect(store: Store) -> None:
    first = await store.apply(1, 7, writes('{"n": 1}', (AnswerRow(1, "onset", "gradual"),)))
    second = await store.apply(1, 7, writes('{"n": 2}', (AnswerRow(1, "onset", "gradual"),)))
    assert first is not None and second is None
    assert (await store.load(1)).data == '{"n": 1}'
    assert len(await store.answers(1)) == 1


async def test_a_failing_decision_changes_nothing(store: Store) -> None:
    await store.apply(1, 1, writes('{"n": 1}'))

    def boom(stored: Stored) -> tuple[Change, None]:
        raise RuntimeError("flow bug")

    with pytest.raises(RuntimeError):
        await store.apply(1, 2, boom)
    assert (await store.load(1)).data == '{"n": 1}'
    # the failed update was not marked handled: a retry is processed
    assert await store.apply(1, 2, writes('{"n": 2}')) is not None


async def test_versions_count_writes(store: Store) -> None:
    for update in range(3):
        await store.apply(5, update, writes(f'{{"n": {update}}}'))
    assert (await store.load(5)).version == 3


async def test_active_flag(store: Store) -> None:
    await store.apply(3, None, writes("{}"))
    await store.set_active(3, False)
    assert not (await store.load(3)).active


async def test_export_then_delete_leaves_nothing(store: Store) -> None:
    def decide(stored: Stored) -> tuple[Change, None]:
        change = Change(
            data='{"k": "v"}',
            state="triage:finished",
            consented=True,
            answers=(AnswerRow(1, "onset", "gradual"),),
            outcomes=(OutcomeRow("self_care", "overuse", None),),
        )
        return change, None

    await store.apply(9, 900, decide)
    await store.apply(10, 1000, decide)
    await store.audit(1, "user_lookup", 9, "looked at user 9")
    exported = await store.export_user(9)
    assert {t for t, rows in exported.items() if rows} >= {"users", "flow_state", "answers", "outcomes", "audit"}
    assert all(row["user_id"] == 9 for rows in exported.values() for row in rows)
    removed = await store.delete_user(9)
    assert removed == sum(len(rows) for rows in exported.values())
    assert not any((await store.export_user(9)).values())
    assert (await store.load(10)).data == '{"k": "v"}', "other users are untouched"


async def test_old_idempotency_records_are_pruned_at_start(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from bot.clock import ManualClock

    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    store = SqliteStore(tmp_path / "prune.sqlite3", clock=clock)
    await store.open()
    await store.apply(1, 11, writes("{}"))
    await store.close()
    clock.advance(timedelta(days=30))
    again = SqliteStore(tmp_path / "prune.sqlite3", clock=clock)
    await again.open()
    assert await again.apply(1, 11, writes('{"n": 2}')) is not None, "a month-old update id is forgotten"
    await again.close()


def owing(data: str, *messages: str) -> Callable[[Stored], tuple[Change, bool]]:
    def decide(stored: Stored) -> tuple[Change, bool]:
        return Change(data=data, state="s", consented=True, outbox=messages), True

    return decide


async def test_owed_messages_are_written_with_the_state_in_order(store: Store) -> None:
    await store.apply(1, 10, owing('{"n": 1}', "first", "second"))
    await store.apply(2, 20, owing('{"n": 1}', "other"))
    await store.apply(1, 11, owing('{"n": 2}', "third"))
    assert [m.body for m in await store.unsent(1)] == ["first", "second", "third"]
    assert [(m.user_id, m.body) for m in await store.unsent()] == [
        (1, "first"),
        (1, "second"),
        (2, "other"),
        (1, "third"),
    ]


async def test_a_sent_message_is_owed_no_more(store: Store) -> None:
    await store.apply(1, 10, owing("{}", "first", "second"))
    first = (await store.unsent(1))[0]
    await store.mark_sent(first.id)
    assert [m.body for m in await store.unsent(1)] == ["second"]


async def test_a_duplicate_or_failed_update_owes_nothing(store: Store) -> None:
    assert await store.apply(1, 10, owing("{}", "once"))
    assert await store.apply(1, 10, owing("{}", "once")) is None

    def boom(stored: Stored) -> tuple[Change, None]:
        raise RuntimeError("flow bug")

    with pytest.raises(RuntimeError):
        await store.apply(1, 11, boom)
    assert [m.body for m in await store.unsent(1)] == ["once"]


async def test_someone_who_blocked_the_bot_is_owed_nothing(store: Store) -> None:
    await store.apply(1, 10, owing("{}", "hello"))
    await store.set_active(1, False)
    assert await store.unsent(1) == []


async def test_owed_messages_are_exported_and_deleted(store: Store) -> None:
    await store.apply(1, 10, owing("{}", "hello"))
    assert [row["body"] for row in (await store.export_user(1))["outbox"]] == ["hello"]
    await store.delete_user(1)
    assert await store.unsent() == []


async def test_an_export_says_an_admin_looked_not_which_one(store: Store) -> None:
    await store.apply(9, 900, writes("{}"))
    await store.audit(4242, "user_lookup", 9, "")
    audit = (await store.export_user(9))["audit"]
    assert [row["actor_id"] for row in audit] == ["an admin"]
    # no value anywhere is the admin's id (a substring search would find it inside a timestamp's digits)
    values = [value for rows in (await store.export_user(9)).values() for row in rows for value in row.values()]
    assert 4242 not in values and "4242" not in values


def runner(
    data: str = "{}",
    facts: tuple[Fact, ...] = (),
    outcomes: tuple[OutcomeRow, ...] = (),
    plan: PlanPosition | None = None,
    reminders: tuple[ReminderRow, ...] | None = None,
) -> Callable[[Stored], tuple[Change, None]]:
    def decide(stored: Stored) -> tuple[Change, None]:
        change = Change(
            data=data,
            state="s",
            consented=True,
            facts=facts,
            outcomes=outcomes,
            plan=plan,
            reminders=reminders,
        )
        return change, None

    return decide


DAY = date(2026, 3, 2)
CHECKIN = CheckIn(
    day=DAY,
    done="done",
    pain_during=3,
    pain_morning=2,
    phase="load",
    decision=Decision.HOLD,
    run_minutes=20,
    run_step=2,
    checks={"leg_map": "same"},
)
RUN = RunLog(day=DAY, km=4.5, minutes=28)
MILESTONE = MilestoneResult(day=DAY, phase="load", milestone="hop_test", answer="no_pain", passed=True)
SCORE = Score(day=DAY, measure="visa_h", score=71, answers={"sitting": "s2", "running": "r5"})
NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
LOADING = PlanPosition("tendon", "load", "active")


async def test_a_fresh_store_has_no_problem(store: Store) -> None:
    assert await store.problem() is None


async def test_facts_are_kept_whole_and_in_order(store: Store) -> None:
    later = CheckIn(
        day=DAY + timedelta(days=1),
        done="partly",
        pain_during=5,
        pain_morning=4,
        phase="load",
        decision=Decision.STEP_BACK,
    )
    failed = MilestoneResult(day=DAY, phase="load", milestone="bridge", answer="painful", passed=False)
    first = (CHECKIN, RUN, MILESTONE, failed, SCORE)
    await store.apply(1, None, runner(facts=first, outcomes=(OutcomeRow("self_care", "tendon", None),)))
    await store.apply(1, None, runner(facts=(later,), outcomes=(OutcomeRow("emergency", None, "dvt"),)))
    await store.apply(2, None, runner(facts=(CHECKIN,)))
    assert await store.record(1) == Record((CHECKIN, later), (RUN,), (MILESTONE, failed), (SCORE,))
    assert await store.outcomes(1) == [OutcomeRow("self_care", "tendon", None), OutcomeRow("emergency", None, "dvt")]
    assert await store.record(2) == Record((CHECKIN,))
    assert await store.record(3) == Record() and await store.outcomes(2) == [] and await store.answers(2) == []


async def test_a_day_logged_late_takes_its_place_by_date(store: Store) -> None:
    yesterday = RunLog(day=DAY - timedelta(days=1), km=3.0, minutes=20)
    await store.apply(1, None, runner(facts=(RUN,)))
    await store.apply(1, None, runner(facts=(yesterday,)))
    assert (await store.record(1)).runs == (yesterday, RUN)


def due_today(status: str = "send", next_due: int | None = 5000) -> Callable[[DueReminder], ReminderDecision]:
    return lambda due: ReminderDecision("2026-03-02", status, next_due)


async def test_a_due_reminder_is_claimed_once_a_day_and_finished(store: Store) -> None:
    await store.apply(1, None, runner('{"r": 1}', reminders=(ReminderRow("session", "07:30", 1000),)))
    assert await store.claim_reminders(999, 10, due_today()) == [], "not due yet"
    [claimed] = await store.claim_reminders(1000, 10, due_today())
    assert (claimed.user_id, claimed.kind, claimed.data, claimed.due) == (1, "session", '{"r": 1}', 1000)
    assert await store.reclaim_reminders() == [], "its claim is live: it is being sent"
    assert await store.claim_reminders(5000, 10, due_today()) == [], "the same local day is logged once"
    await store.finish_reminder(claimed.log_id, "sent")
    assert (await store.stats(NOW)).reminders == {"sent": 1}


async def test_a_reminder_decided_against_is_logged_and_can_end(store: Store) -> None:
    await store.apply(1, None, runner(reminders=(ReminderRow("session", "07:30", 1000),)))
    assert await store.claim_reminders(1000, 10, due_today("paused", None)) == []
    assert await store.claim_reminders(10**9, 10, due_today()) == [], "no next occurrence: the row is gone"
    assert (await store.stats(NOW)).reminders == {"paused": 1}


async def test_a_broadcast_goes_to_each_active_runner_once(store: Store) -> None:
    for user in (1, 2, 3):
        await store.apply(user, None, runner())
    await store.set_active(3, False)
    broadcast_id, recipients = await store.create_broadcast(9, "Club run on Sunday", NOW)
    assert recipients == 2
    assert await store.broadcast(broadcast_id) == Broadcast(broadcast_id, 9, "Club run on Sunday", "draft", 2, None)
    assert await store.broadcast(broadcast_id + 1) is None
    await store.set_broadcast_status(broadcast_id, "running", NOW, ProgressMessage(9, 55))
    found = await store.broadcast(broadcast_id)
    assert found is not None and found.status == "running" and found.progress == ProgressMessage(9, 55)
    assert await store.broadcasts_with_status("running") == [broadcast_id]
    assert await store.claim_recipients(broadcast_id, 1) == [1]
    assert await store.reclaim_deliveries(broadcast_id) == [], "a live claim: being sent"
    assert await store.claim_recipients(broadcast_id, 10) == [2], "the next runner, never one claimed"
    await store.release_delivery(broadcast_id, 1)  # not sent: Telegram was unreachable
    assert await store.reclaim_deliveries(broadcast_id) == [1], "released: tried again at once"
    await store.mark_delivery(broadcast_id, 1, "sent")
    assert await store.broadcast_progress(broadcast_id) == {"sent": 1, "claimed": 1}
    assert await store.claim_recipients(broadcast_id, 10) == []
    assert not await store.finish_broadcast(broadcast_id, NOW), "not done while a delivery is claimed"
    await store.mark_delivery(broadcast_id, 2, "failed")
    assert await store.finish_broadcast(broadcast_id, NOW)
    assert not await store.finish_broadcast(broadcast_id, NOW), "done once"
    assert await store.broadcasts_with_status("running") == [] and await store.broadcasts_with_status("done") == [
        broadcast_id
    ]
    await store.set_broadcast_status(broadcast_id, "done", NOW)
    done = await store.broadcast(broadcast_id)
    assert done is not None and done.progress == ProgressMessage(9, 55), "the progress message is kept"


async def test_stats_count_runners_outcomes_plans_and_adherence(store: Store) -> None:
    await store.apply(
        1,
        None,
        runner(facts=(CHECKIN,), outcomes=(OutcomeRow("self_care", "tendon", None),), plan=LOADING),
    )
    await store.apply(2, None, runner(outcomes=(OutcomeRow("emergency", None, "dvt"),)))
    await store.set_active(2, False)
    stats = await store.stats(NOW)
    assert (stats.users, stats.active, stats.blocked, stats.new_week) == (2, 1, 1, 2)
    assert stats.patterns == {"tendon": 1, "unclear": 1}
    assert stats.red_flags == {"dvt": 1}
    assert stats.phases == {"tendon, load, active": 1}
    assert stats.adherence_7 == Adherence(1, 7) and stats.adherence_30 == Adherence(1, 30)
    assert await store.active_users() == 1


async def test_a_user_in_brief(store: Store) -> None:
    await store.apply(
        9,
        None,
        runner(
            facts=(CHECKIN,),
            outcomes=(OutcomeRow("emergency", None, "dvt"),),
            plan=LOADING,
            reminders=(ReminderRow("session", "07:30", 1000),),
        ),
    )
    await store.apply(9, None, writes("{}", (AnswerRow(1, "onset", "gradual"),)))
    summary = await store.user_summary(9)
    assert summary is not None
    assert (summary.consented, summary.active, summary.where, summary.plan) == (True, True, "s", None)
    assert (summary.answers, summary.checkins, summary.reminders) == (1, 1, ("session",))
    assert summary.last_outcome is not None and summary.last_outcome.red_flag == "dvt"
    assert await store.user_summary(404) is None


async def test_the_audit_log_is_newest_first(store: Store) -> None:
    await store.audit(4242, "stats", None)
    await store.audit(4242, "user_lookup", 9, "why")
    log = await store.audit_log(10)
    assert [(e.actor_id, e.action, e.user_id, e.detail) for e in log] == [
        (4242, "user_lookup", 9, "why"),
        (4242, "stats", None, ""),
    ]
    assert len(await store.audit_log(1)) == 1


async def test_a_state_set_aside_is_kept_shown_exported_and_deleted(store: Store) -> None:
    await store.apply(7, None, runner('{"broken', facts=(CHECKIN, RUN)))

    def start_afresh(stored: Stored) -> tuple[Change, None]:
        assert stored.data is not None
        kept = SetAside(stored.data, "not JSON")
        return Change(data="{}", state="idle", consented=False, set_aside=kept), None

    await store.apply(7, None, start_afresh)
    summary = await store.user_summary(7)
    assert summary is not None
    [kept] = summary.quarantined
    assert (kept.user_id, kept.data, kept.reason) == (7, '{"broken', "not JSON") and kept.at
    assert await store.record(7) == Record((CHECKIN,), (RUN,)), "the facts stay"
    assert [row["data"] for row in (await store.export_user(7))["quarantine"]] == ['{"broken']
    await store.delete_user(7)
    assert await store.user_summary(7) is None


async def test_the_send_pace_spaces_slots_after_a_burst_and_a_pause_holds_them_all(store: Store) -> None:
    # ten seconds apart, bursts of three: what the calls themselves take is lost in the margins
    waits = [await store.reserve_send(10.0, 3) for _ in range(5)]
    assert all(0 <= wait < 1 for wait in waits[:3]), waits
    assert 9 < waits[3] <= 10 and 19 < waits[4] <= 20, waits
    await store.pause_sends(100.0)  # Telegram said 429: no slot before the pause ends
    assert 99 < await store.reserve_send(10.0, 3) <= 100
    await store.pause_sends(1.0)  # a shorter pause never cuts a longer one short
    assert 99 < await store.reserve_send(0.001, 1) <= 100


async def test_each_published_content_version_is_one_more_and_read_by_all(store: Store) -> None:
    assert await store.content_version() == ContentVersion(0, None, None, None), "nothing published yet"
    assert await store.publish_content("first digest", 4242) == 1
    first = await store.content_version()
    assert (first.version, first.digest, first.reloaded_by) == (1, "first digest", 4242) and first.reloaded_at
    # two at once (two admins, two processes): each gets a version of its own
    assert sorted(await asyncio.gather(*(store.publish_content(d, None) for d in ("a", "b")))) == [2, 3]
    latest = await store.content_version()
    assert latest.version == 3 and latest.digest in ("a", "b") and latest.reloaded_by is None


# --- claims with leases: two store objects on one database play two bot processes ----------------

LEASE = timedelta(seconds=60)
PAST_THE_LEASE = LEASE + timedelta(seconds=1)


@dataclass(frozen=True)
class Processes:
    store: Store  # process A
    peer: Store  # process B, on the same database
    clock: ManualClock  # both read it: advancing it ends A's leases


@pytest.fixture
async def processes(database: Database) -> AsyncIterator[Processes]:
    clock = ManualClock(NOW)
    first, second = database.instance("host-a-1-aaaa", clock), database.instance("host-b-2-bbbb", clock)
    await first.open()
    await second.open()
    yield Processes(first, second, clock)
    await second.close()
    await first.close()


def bodies(messages: list[OwedMessage]) -> list[str]:
    return [m.body for m in messages]


async def test_a_runners_owed_messages_are_one_processs_until_its_lease_ends(processes: Processes) -> None:
    store, peer = processes.store, processes.peer
    await store.apply(1, None, owing("{}", "first", "second"))
    await store.apply(2, None, owing("{}", "other"))
    assert bodies(await store.claim_owed(1, 10)) == ["first", "second"]
    assert await peer.claim_owed(1, 10) == [], "A holds runner 1"
    await peer.apply(1, None, owing("{}", "third"))  # B's turn for the same runner
    assert await peer.claim_owed(1, 10) == [], "never split: A's claim covers the runner, B's new message too"
    assert bodies(await peer.claim_owed(2, 10)) == ["other"], "another runner is free"
    assert await peer.sweep_owed(10, 10, timedelta(0)) == [], "the sweep passes over runners someone holds"
    assert bodies(await store.claim_owed(1, 10)) == ["first", "second", "third"], "A claims again: the rest too"
    processes.clock.advance(PAST_THE_LEASE)  # A died holding them
    taken = await peer.claim_owed(1, 10)
    assert bodies(taken) == ["first", "second", "third"], "after A's lease, B takes them, in order"
    assert await store.claim_owed(1, 10) == [], "and A, back, gets none of them"
    for message in taken:
        await peer.mark_sent(message.id)
    assert bodies(await store.unsent()) == ["other"]


async def test_a_claim_takes_the_oldest_first_and_holds_the_runner(processes: Processes) -> None:
    store, peer = processes.store, processes.peer
    await store.apply(1, None, owing("{}", "one", "two", "three"))
    assert bodies(await store.claim_owed(1, 2)) == ["one", "two"]
    assert await peer.claim_owed(1, 10) == [], "the unclaimed third stays behind A's claim"
    await store.release_owed(1)  # A could not reach Telegram
    assert bodies(await peer.claim_owed(1, 10)) == ["one", "two", "three"], "released: B takes them at once"


async def test_a_claim_removes_the_runners_messages_sent_in_the_same_trip(store: Store) -> None:
    await store.apply(1, None, owing("{}", "one", "two"))
    await store.apply(2, None, owing("{}", "other"))
    [one] = await store.claim_owed(1, 1)
    assert bodies(await store.claim_owed(1, 10, sent=(one.id,))) == ["two"], "one removed, two claimed"
    [other] = await store.claim_owed(2, 10)
    await store.claim_owed(1, 10, sent=(other.id,))
    assert bodies(await store.unsent()) == ["two", "other"], "another runner's message is not removed"


async def test_the_sweep_takes_what_nobody_sent_for_a_while(processes: Processes) -> None:
    store, peer = processes.store, processes.peer
    await store.apply(1, None, owing("{}", "left behind"))
    await store.apply(3, None, owing("{}", "held"))
    assert bodies(await store.claim_owed(3, 10)) == ["held"]
    processes.clock.advance(timedelta(seconds=30))
    await store.apply(2, None, owing("{}", "just written"))
    swept = await peer.sweep_owed(10, 10, timedelta(seconds=10))
    assert [(m.user_id, m.body) for m in swept] == [(1, "left behind")], "not the fresh one, nor a held one"
    assert await store.claim_owed(1, 10) == [], "swept means claimed"
    processes.clock.advance(PAST_THE_LEASE)
    assert {m.user_id for m in await store.sweep_owed(10, 10, timedelta(seconds=10))} == {1, 2, 3}


async def test_a_reminder_claim_is_taken_over_only_after_its_lease(processes: Processes) -> None:
    store, peer = processes.store, processes.peer
    for user in (1, 2):
        await store.apply(user, None, runner(reminders=(ReminderRow("session", "07:30", 1000),)))
    claimed = await store.claim_reminders(1000, 10, due_today())
    assert [c.user_id for c in claimed] == [1, 2]
    assert await peer.reclaim_reminders() == [], "A's claims are live: B never sends them"
    await store.finish_reminder(claimed[0].log_id, "sent")
    processes.clock.advance(PAST_THE_LEASE)  # A died before sending the second
    assert await peer.reclaim_reminders() == [claimed[1]], "B takes the one left, not the one sent"
    assert await store.reclaim_reminders() == [], "B holds it now, with a new lease"
    await peer.finish_reminder(claimed[1].log_id, "sent")
    assert (await store.stats(NOW)).reminders == {"sent": 2}, "each logged sent once"


async def test_a_broadcast_is_done_only_when_no_process_has_claims_left(processes: Processes) -> None:
    store, peer = processes.store, processes.peer
    for user in (1, 2, 3):
        await store.apply(user, None, runner())
    broadcast_id, _ = await store.create_broadcast(9, "Club run", NOW)
    await store.set_broadcast_status(broadcast_id, "running", NOW)
    assert await store.claim_recipients(broadcast_id, 2) == [1, 2]
    assert await peer.reclaim_deliveries(broadcast_id) == [], "A's claims are live"
    assert await peer.claim_recipients(broadcast_id, 10) == [3]
    await peer.mark_delivery(broadcast_id, 3, "sent")
    assert not await peer.finish_broadcast(broadcast_id, NOW), "A still sends to two runners"
    await store.mark_delivery(broadcast_id, 1, "sent")
    processes.clock.advance(PAST_THE_LEASE)  # A died before settling runner 2
    assert not await peer.finish_broadcast(broadcast_id, NOW)
    assert await peer.reclaim_deliveries(broadcast_id) == [2]
    assert await store.reclaim_deliveries(broadcast_id) == []
    await peer.mark_delivery(broadcast_id, 2, "sent")
    assert await peer.finish_broadcast(broadcast_id, NOW)
    assert await store.broadcast_progress(broadcast_id) == {"sent": 3}, "each runner once"


async def test_a_living_process_keeps_its_claims_by_renewing_them(processes: Processes) -> None:
    store, peer = processes.store, processes.peer
    await store.apply(1, None, owing("{}", "slow to send"))
    await store.apply(2, None, runner(reminders=(ReminderRow("session", "07:30", 1000),)))
    broadcast_id, _ = await store.create_broadcast(9, "Club run", NOW)
    assert len(await store.claim_owed(1, 10)) == 1
    assert len(await store.claim_reminders(1000, 10, due_today())) == 1
    assert await store.claim_recipients(broadcast_id, 10) == [1, 2]
    for _ in range(3):  # three leases long, renewed a few times a lease
        processes.clock.advance(LEASE / 2)
        assert await store.renew_claims() == 4
    assert await peer.claim_owed(1, 10) == [] and await peer.reclaim_reminders() == []
    assert await peer.reclaim_deliveries(broadcast_id) == [], "A lives: none of its claims is taken"
    processes.clock.advance(PAST_THE_LEASE)  # A died: no renewal
    assert await store.renew_claims() == 0, "an ended claim is not brought back"
    assert len(await peer.claim_owed(1, 10)) == 1 and len(await peer.reclaim_reminders()) == 1
    assert await peer.reclaim_deliveries(broadcast_id) == [1, 2]


async def test_a_process_that_stops_lets_go_of_its_claims(processes: Processes) -> None:
    store, peer = processes.store, processes.peer
    await store.apply(1, None, owing("{}", "not sent"))
    await store.apply(2, None, runner(reminders=(ReminderRow("session", "07:30", 1000),)))
    broadcast_id, _ = await store.create_broadcast(9, "Club run", NOW)
    await store.claim_owed(1, 10)
    await store.claim_reminders(1000, 10, due_today())
    await store.claim_recipients(broadcast_id, 10)
    await peer.claim_owed(2, 10)  # another process's claims stay its own
    await store.release_claims()  # a graceful stop
    assert [m.body for m in await peer.claim_owed(1, 10)] == ["not sent"], "at once, not after the lease"
    assert len(await peer.reclaim_reminders()) == 1 and await peer.reclaim_deliveries(broadcast_id) == [1, 2]


# the interface by concern: every method of every protocol is called above
PROTOCOLS = (
    Health,
    Turns,
    Facts,
    OwedReplies,
    ReminderQueue,
    BroadcastQueue,
    Leases,
    AdminQueries,
    DataRights,
    SendPace,
    ContentVersions,
)


async def test_maintenance_migrates_checks_backs_up_and_lists_what_was_set_aside(
    database: Database, tmp_path: Path
) -> None:
    store = database.store
    await store.open()
    try:
        await store.apply(7, None, runner('{"broken', facts=(CHECKIN,)))
        kept = SetAside('{"broken', "not JSON")
        await store.apply(7, None, lambda _: (Change(data="{}", state="idle", consented=False, set_aside=kept), None))
    finally:
        await store.close()
    maintenance = database.maintenance
    assert maintenance.migrate() == LATEST and maintenance.migrate() == LATEST, "a second run changes nothing"
    assert maintenance.problems() == []
    [quarantined] = maintenance.quarantined()
    assert (quarantined.user_id, quarantined.data, quarantined.reason) == (7, '{"broken', "not JSON")
    target = tmp_path / "backup"
    maintenance.backup(target)
    assert target.stat().st_size > 0 and maintenance.problems() == [], "the database is as it was"


async def test_one_runners_events_are_held_apart_and_no_one_elses(store: Store) -> None:
    isolation, order = store.isolation(), []
    held, release = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        async with isolation.hold(1):
            order.append("first in")
            held.set()
            await release.wait()
            order.append("first out")

    async def then(user_id: int, name: str) -> None:
        await held.wait()
        async with isolation.hold(user_id):
            order.append(name)

    holding = asyncio.ensure_future(first())
    same, other = asyncio.ensure_future(then(1, "same runner")), asyncio.ensure_future(then(2, "another runner"))
    await other  # another runner gets through while the first event still holds its runner
    release.set()
    await asyncio.gather(holding, same)
    assert order == ["first in", "another runner", "first out", "same runner"]


def test_every_store_method_is_under_contract() -> None:
    assert set(Store.__mro__) >= set(PROTOCOLS), "Store is every concern together"
    assert not [name for name in vars(Store) if not name.startswith("_")], "Store adds nothing of its own"
    methods = {name for protocol in PROTOCOLS for name in vars(protocol) if not name.startswith("_")}
    source = Path(__file__).read_text(encoding="utf-8")
    untested = sorted(name for name in methods if f"store.{name}(" not in source and f"backend.{name}(" not in source)
    assert len(methods) > 20 and untested == [], f"store methods without a contract test: {untested}"
    chores = [name for name in vars(Maintenance) if not name.startswith("_")]
    assert [name for name in chores if f"maintenance.{name}(" not in source] == [], "db commands without a test"


async def test_export_and_delete_cover_every_table_with_a_user_id(store: Store) -> None:
    """A runner with a row in every table that has a user_id: the export shows each, delete removes each."""

    def everything(stored: Stored) -> tuple[Change, None]:
        change = Change(
            data="{}",
            state="s",
            consented=True,
            answers=(AnswerRow(1, "onset", "gradual"),),
            outcomes=(OutcomeRow("self_care", "tendon", None),),
            facts=(CHECKIN, RUN, MILESTONE, SCORE),
            plan=LOADING,
            reminders=(ReminderRow("session", "07:30", 1000), ReminderRow("morning", "08:00", 1000)),
            outbox=("hello",),
            set_aside=SetAside('{"broken', "not JSON"),
        )
        return change, None

    await store.apply(6, 600, everything)
    await store.claim_reminders(1000, 10, due_today())
    await store.audit(4242, "user_lookup", 6, "")
    broadcast_id, _ = await store.create_broadcast(4242, "hi", NOW)
    await store.claim_recipients(broadcast_id, 10)
    await store.apply(8, 800, everything)
    other = await store.export_user(8)
    exported = await store.export_user(6)
    assert len(exported) >= 14 and [table for table, rows in exported.items() if not rows] == []
    assert await store.delete_user(6) == sum(len(rows) for rows in exported.values())
    assert not any((await store.export_user(6)).values())
    assert await store.export_user(8) == other, "another runner keeps everything"
