"""The stored conversation is versioned and validated: every earlier version loads, and a state that
cannot be read is set aside in quarantine (never dropped) while the runner's facts stay."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest

from bot.dispatch import Dispatcher
from bot.store import AnswerRow, Change, OutcomeRow, ReminderRow, SqliteStore, Stored
from content import Content
from flows.conversation import VERSION, Conversation
from flows.events import ShowHistory, Text
from flows.markup import rich
from flows.progression import Decision
from flows.record import CheckIn, Record
from flows.running_guard import RunLog
from flows.stored_state import UPGRADES, Unreadable, dump, load

FIXTURES = Path(__file__).parent / "data" / "state"
EARLIER_FILES = sorted(p for version in range(VERSION) for p in (FIXTURES / f"v{version}").glob("*.json"))


def test_every_earlier_version_has_fixtures_and_an_upgrade() -> None:
    assert len(UPGRADES) == VERSION
    for version in range(VERSION):
        names = {p.stem for p in (FIXTURES / f"v{version}").glob("*.json")}
        assert {"mid_triage", "plan_checkins", "reminders"} <= names, f"fixtures of version {version}"


def _as_expected(name: str, state: Conversation) -> None:
    """What each fixture holds, read back after its upgrade."""
    assert state.consented
    if name == "mid_triage":
        assert state.triage is not None and state.triage.status == "asking" and state.triage.question == "nerves"
        assert len(state.triage.answers) == 5 and state.plan is None
    if name == "plan_checkins":
        assert state.plan is not None and state.plan.pattern == "tendinopathy"
        assert len(state.plan.checkins) == 3 and len(state.plan.runs) == 1
    if name == "reminders":
        assert (state.reminders.zone, state.reminders.time) == ("Europe/Berlin", "07:30")
        assert state.plan is not None and len(state.plan.checkins) == 3


@pytest.mark.parametrize("path", EARLIER_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_an_earlier_version_is_upgraded_and_validated(path: Path) -> None:
    state = load(path.read_text(encoding="utf-8"))
    _as_expected(path.stem, state)
    again = dump(state)
    assert again.startswith(f'{{"schema_version":{VERSION},')
    assert load(again) == state


@pytest.mark.parametrize("path", EARLIER_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
async def test_a_stored_state_of_an_earlier_version_loads_through_the_store(
    path: Path, tmp_path: Path, content: Content
) -> None:
    store = SqliteStore(tmp_path / "versions.sqlite3")
    await store.open()
    try:
        old = path.read_text(encoding="utf-8")
        await store.apply(1, None, lambda stored: (Change(data=old, state="idle", consented=True), None))
        result = await Dispatcher(store, content).dispatch(1, ShowHistory())
        assert result is not None
        assert rich(content.strings.state_set_aside) not in [r.text for r in result.replies]
        stored = await store.load(1)
        assert stored.data is not None and stored.data.startswith(f'{{"schema_version":{VERSION},')
        _as_expected(path.stem, load(stored.data))
        summary = await store.user_summary(1)
        assert summary is not None and summary.quarantined == ()
    finally:
        await store.close()


SECRET = "my neighbour Bob kicked me"
CORRUPT = {
    "not_json": '{"consented": true, "story": "' + SECRET,
    "not_an_object": '["' + SECRET + '"]',
    "a_newer_version": '{"schema_version": 99, "consented": true, "story": "' + SECRET + '"}',
    "a_wrong_value": '{"schema_version": 1, "consented": true, "awaiting": "' + SECRET + '"}',
    "an_old_wrong_value": '{"consented": true, "story": "' + SECRET + '", "plan": {"phase": "three"}}',
}


@pytest.mark.parametrize("text", CORRUPT.values(), ids=list(CORRUPT))
def test_what_cannot_be_read_says_why_without_the_runners_words(text: str) -> None:
    with pytest.raises(Unreadable) as caught:
        load(text)
    assert caught.value.reason and SECRET not in caught.value.reason and "Bob" not in caught.value.reason


FACTS = (
    (AnswerRow(1, "onset", "gradual"), AnswerRow(1, "walking", "normal")),
    (OutcomeRow("self_care", "tendinopathy", None),),
    Record(
        checkins=tuple(
            CheckIn(day=day, done="done", pain_during=3, pain_morning=2, phase="load", decision=Decision.GOOD)
            for day in (date(2026, 3, 2), date(2026, 3, 3))
        ),
        runs=(RunLog(day=date(2026, 3, 3), km=5.0, minutes=31),),
    ),
)


@pytest.mark.parametrize("text", CORRUPT.values(), ids=list(CORRUPT))
async def test_a_corrupt_state_is_quarantined_the_runner_told_and_the_facts_kept(
    text: str, tmp_path: Path, content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    store = SqliteStore(tmp_path / "quarantine.sqlite3")
    await store.open()
    try:
        answers, outcomes, record = FACTS

        def runner_with_facts(stored: Stored) -> tuple[Change, None]:
            change = Change(
                data=text,
                state="idle",
                consented=True,
                answers=answers,
                outcomes=outcomes,
                facts=(*record.checkins, *record.runs),
                reminders=(ReminderRow("session", "07:30", 1000),),
            )
            return change, None

        await store.apply(7, None, runner_with_facts)
        caplog.set_level(logging.DEBUG)
        result = await Dispatcher(store, content).dispatch(7, Text("hello"), update_id=70)
        assert result is not None
        assert result.replies[0].text == rich(content.strings.state_set_aside)
        assert result.state.schema_version == VERSION and result.state.plan is None, "a fresh state"
        summary = await store.user_summary(7)
        assert summary is not None
        [kept] = summary.quarantined
        assert kept.data == text and kept.reason
        assert summary.reminders == (), "no reminder of the state set aside"
        assert (await store.answers(7), await store.outcomes(7), await store.record(7)) == (
            list(answers),
            list(outcomes),
            record,
        ), "the facts are all still there"
        stored = await store.load(7)
        assert stored.data is not None and load(stored.data) == result.state
        assert "set aside" in caplog.text and SECRET not in caplog.text and "Bob" not in caplog.text
        # the next turn reads the fresh state: nothing more is set aside
        again = await Dispatcher(store, content).dispatch(7, Text("hello"), update_id=71)
        assert again is not None and rich(content.strings.state_set_aside) not in [r.text for r in again.replies]
        summary = await store.user_summary(7)
        assert summary is not None and len(summary.quarantined) == 1
        exported = await store.export_user(7)
        assert [row["data"] for row in exported["quarantine"]] == [text], "the runner can export it"
    finally:
        await store.close()
