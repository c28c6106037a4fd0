"""Reminders: local time across DST, exactly once a day, snooze, skip, pause, done, missed, blocked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.scheduler import decide
from bot.services import App, Services, installed
from bot.store import Change, ReminderRow, Store, Stored
from content import Content
from flows.conversation import Conversation, handle
from flows.events import (
    ChangeReminders,
    Consent,
    Event,
    OpenReminders,
    ReminderAction,
    SetReminderTime,
    SetZone,
    ShowPlan,
    Start,
    StartPlan,
    Text,
)
from flows.markup import plain
from flows.plan import PlanState
from flows.reminders import ReminderSettings, next_occurrence, parse_time, schedule, zone_from_text
from flows.replies import CameBack, Rescheduled
from tests.answer_sets import ANSWER_SETS, TYPED
from tests.bot_fixture import running_bot
from tests.fake_bot_api import FakeBotApi

BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- the documented instants -----------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "hhmm", "after", "expected"),
    [
        # Berlin, 29 March 2026: 02:00 jumps to 03:00; 02:30 fires at 03:30 CEST (01:30 UTC)
        (BERLIN, "02:30", "2026-03-28T02:00", "2026-03-29T01:30"),
        (BERLIN, "02:30", "2026-03-29T01:30", "2026-03-30T00:30"),
        # Berlin, 25 October 2026: 03:00 falls back to 02:00; 02:30 fires at the first one (CEST)
        (BERLIN, "02:30", "2026-10-24T01:00", "2026-10-25T00:30"),
        (BERLIN, "02:30", "2026-10-25T00:30", "2026-10-26T01:30"),
        # New York, 8 March 2026: 02:30 does not exist; it fires at 03:30 EDT (07:30 UTC)
        (NEW_YORK, "02:30", "2026-03-07T12:00", "2026-03-08T07:30"),
        # New York, 1 November 2026: 01:30 happens twice; it fires at the first (EDT, 05:30 UTC)
        (NEW_YORK, "01:30", "2026-10-31T12:00", "2026-11-01T05:30"),
        (NEW_YORK, "01:30", "2026-11-01T05:30", "2026-11-02T06:30"),
    ],
)
def test_next_occurrence_across_dst(zone: ZoneInfo, hhmm: str, after: str, expected: str) -> None:
    assert next_occurrence(zone, hhmm, list(range(7)), utc(after)) == utc(expected)


def test_weekdays_are_respected() -> None:
    # Thursday 2026-03-05 10:00 Berlin; reminders only on Mondays (0)
    assert next_occurrence(BERLIN, "18:00", [0], utc("2026-03-05T09:00")) == utc("2026-03-09T17:00")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7", "07:00"),
        ("18:30", "18:30"),
        ("7pm", "19:00"),
        ("7.30 pm", "19:30"),
        ("12am", "00:00"),
        ("25:00", None),
        ("soon", None),
        ("19h30", "19:30"),
    ],
)
def test_parse_time(text: str, expected: str | None) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Berlin", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("Europe/Rome", "Europe/Rome"),
        ("los angeles", "America/Los_Angeles"),
        ("Atlantis", None),
        ("", None),
    ],
)
def test_zone_from_text(text: str, expected: str | None) -> None:
    assert zone_from_text(text) == expected


# --- the scheduler over a real store and the in-process Bot API ---------------------------


@dataclass
class Rig:
    app: App
    api: FakeBotApi
    clock_file: Path

    @property
    def services(self) -> Services:
        return installed(self.app)

    def at(self, instant: datetime) -> None:
        self.clock_file.write_text(instant.isoformat())

    async def send(self, user: int, event: Event) -> str:
        """Dispatch as the handlers do; returns what the runner would read."""
        result = await self.services.dispatcher.dispatch(user, event)
        return "\n\n".join(plain(r.text) for r in result.replies) if result else ""

    async def tick(self) -> int:
        return await self.services.scheduler.tick()

    def reminders_to(self, user: int) -> list[str]:
        content = self.services.dispatcher.content
        marks = (content.strings.reminder_message, content.strings.morning_nudge.split("!")[0])
        return [s.text for s in self.api.sent(user) if s.text.startswith(marks)]


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    clock = tmp_path / "clock.txt"
    clock.write_text("2026-03-02T08:00:00+00:00")
    async with running_bot(tmp_path / "r.sqlite3", test_clock_file=clock, run_scheduler=False) as (app, api):
        yield Rig(app, api, clock)


async def finish_triage(rig: Rig, user: int) -> None:
    """Consent and a self-care triage (overuse), typed in the runner's words."""
    await rig.send(user, Consent(True))
    _, answers = ANSWER_SETS["overuse_mileage_jump"]
    for question, value in answers.items():  # in the order the triage asks
        await rig.send(user, Text(TYPED[(question, value)]))


async def runner_with_plan(rig: Rig, user: int, zone: str = "Europe/Berlin", hhmm: str = "19:00") -> None:
    """Consent, a self-care triage by typing, the plan, and reminders at `hhmm` in `zone`."""
    await finish_triage(rig, user)
    await rig.send(user, StartPlan("self_care"))
    await rig.send(user, SetZone(zone))
    await rig.send(user, SetReminderTime(hhmm))
    await rig.send(user, ChangeReminders("morning"))  # these tests watch the session reminder alone


async def test_reminder_fires_once_at_local_time(rig: Rig) -> None:
    await runner_with_plan(rig, 1)
    rig.at(utc("2026-03-02T17:59"))
    assert await rig.tick() == 0
    rig.at(utc("2026-03-02T18:00"))  # 19:00 in Berlin
    assert await rig.tick() == 1
    assert await rig.tick() == 0
    assert len(rig.reminders_to(1)) == 1
    rig.at(utc("2026-03-03T18:01"))
    await rig.tick()
    assert len(rig.reminders_to(1)) == 2


async def test_snooze_reminds_an_hour_later_without_moving_the_daily_time(rig: Rig) -> None:
    await runner_with_plan(rig, 2)
    rig.at(utc("2026-03-02T18:00"))
    await rig.tick()
    await rig.send(2, ReminderAction("snooze"))
    rig.at(utc("2026-03-02T18:59"))
    assert await rig.tick() == 0
    rig.at(utc("2026-03-02T19:00"))
    assert await rig.tick() == 1
    rig.at(utc("2026-03-03T18:00"))  # the next day: still 19:00 Berlin
    assert await rig.tick() == 1
    assert len(rig.reminders_to(2)) == 3


async def test_skip_today_silences_only_today(rig: Rig) -> None:
    await runner_with_plan(rig, 3)
    rig.at(utc("2026-03-02T10:00"))
    await rig.send(3, ReminderAction("skip"))
    rig.at(utc("2026-03-02T18:00"))
    await rig.tick()
    assert rig.reminders_to(3) == []
    rig.at(utc("2026-03-03T18:00"))
    await rig.tick()
    assert len(rig.reminders_to(3)) == 1


async def test_pause_and_resume(rig: Rig) -> None:
    await runner_with_plan(rig, 4)
    await rig.send(4, ChangeReminders("pause"))
    rig.at(utc("2026-03-02T18:00"))
    await rig.tick()
    assert rig.reminders_to(4) == []
    await rig.send(4, ChangeReminders("resume"))
    rig.at(utc("2026-03-03T18:00"))
    await rig.tick()
    assert len(rig.reminders_to(4)) == 1


async def test_done_before_the_reminder_suppresses_it(rig: Rig) -> None:
    await runner_with_plan(rig, 5)
    rig.at(utc("2026-03-02T12:00"))
    await rig.send(5, ReminderAction("done"))
    rig.at(utc("2026-03-02T18:00"))
    await rig.tick()
    assert rig.reminders_to(5) == []


async def test_missed_reminders_after_downtime(rig: Rig) -> None:
    await runner_with_plan(rig, 6)
    rig.at(utc("2026-03-02T19:30"))  # 90 min late: within the 2 h allowance
    assert await rig.tick() == 1
    rig.at(utc("2026-03-05T12:00"))  # down for days: the missed ones are skipped and logged
    assert await rig.tick() == 0
    conn_rows = await rig.services.store.export_user(6)
    statuses = [r["status"] for r in conn_rows["reminder_log"]]
    assert statuses.count("sent") == 1 and "missed" in statuses
    rig.at(utc("2026-03-05T18:00"))
    assert await rig.tick() == 1


async def test_blocked_user_becomes_inactive_and_is_no_longer_scheduled(rig: Rig) -> None:
    await runner_with_plan(rig, 7)
    rig.api.blocked.add(7)
    rig.at(utc("2026-03-02T18:00"))
    await rig.tick()
    stored = await rig.services.store.load(7)
    assert not stored.active
    assert (await rig.services.store.export_user(7))["reminders"] == []


async def test_reminder_shows_the_session_with_its_buttons(rig: Rig) -> None:
    await runner_with_plan(rig, 8)
    rig.at(utc("2026-03-02T18:00"))
    await rig.tick()
    sent = rig.api.sent(8)[-1]
    strings = rig.services.dispatcher.content.strings
    assert strings.today_heading in sent.text
    labels = {b["text"] for b in sent.buttons}
    assert labels == {
        strings.reminder_done_button,
        strings.reminder_snooze_button,
        strings.reminder_skip_button,
        strings.reminder_pause_button,
    }


async def test_settings_ask_zone_then_time_and_refuse_quiet_hours(rig: Rig) -> None:
    await finish_triage(rig, 9)
    strings = rig.services.dispatcher.content.strings
    assert plain(strings.reminder_zone_question) in await rig.send(9, StartPlan("self_care"))
    assert plain(strings.reminder_time_question) in await rig.send(9, Text("Lisbon"))
    assert "quiet hours" in await rig.send(9, Text("23:15"))
    await rig.send(9, Text("6.45pm"))
    overview = await rig.send(9, OpenReminders())
    assert "18:45" in overview and "Europe/Lisbon" in overview


# --- DST through the scheduler: exactly once per local day -------------------------------


async def dst_runner(rig: Rig, user: int, zone: str, hhmm: str, start: datetime) -> None:
    """A runner whose only reminder is `hhmm` in `zone` (written straight to the store: the
    settings screen would refuse a night-time reminder inside quiet hours)."""
    settings = ReminderSettings(zone=zone, time=hhmm, morning=None, quiet_start="00:00", quiet_end="00:00")
    state = Conversation(consented=True, plan=PlanState(pattern="overuse", started_on=start.date()), reminders=settings)

    def write(_: Stored) -> tuple[Change, None]:
        rows = tuple(ReminderRow(r.kind, r.local_time, int(r.due.timestamp())) for r in schedule(settings, start))
        return Change(data=state.model_dump_json(), state="idle", consented=True, reminders=rows), None

    await rig.services.store.apply(user, None, write)


@pytest.mark.parametrize(
    ("zone", "hhmm", "start", "expected"),
    [
        ("Europe/Berlin", "02:30", "2026-03-27T12:00", ["2026-03-28T01:30", "2026-03-29T01:30", "2026-03-30T00:30"]),
        ("Europe/Berlin", "02:30", "2026-10-23T12:00", ["2026-10-24T00:30", "2026-10-25T00:30", "2026-10-26T01:30"]),
        ("America/New_York", "02:30", "2026-03-06T12:00", ["2026-03-07T07:30", "2026-03-08T07:30", "2026-03-09T06:30"]),
        ("America/New_York", "01:30", "2026-10-30T12:00", ["2026-10-31T05:30", "2026-11-01T05:30", "2026-11-02T06:30"]),
    ],
)
async def test_dst_change_fires_once_per_local_day(
    rig: Rig, zone: str, hhmm: str, start: str, expected: list[str]
) -> None:
    begin = utc(start)
    await dst_runner(rig, 20, zone, hhmm, begin)
    fired = []
    moment = begin
    while moment < begin + timedelta(days=3, hours=12):
        moment += timedelta(minutes=15)
        rig.at(moment)
        if await rig.tick():
            fired.append(moment)
    assert fired == [utc(e) for e in expected]
    local_days = [f.astimezone(ZoneInfo(zone)).date() for f in fired]
    assert len(set(local_days)) == len(local_days)


async def test_days_of_the_week_and_quiet_hours(rig: Rig) -> None:
    await runner_with_plan(rig, 10)
    for day in (0, 2, 3, 4, 5, 6):  # leave only Tuesday on; 2026-03-02 is a Monday
        await rig.send(10, ChangeReminders(f"day:{day}"))
    rig.at(utc("2026-03-02T18:00"))
    assert await rig.tick() == 0, "no reminder on a Monday"
    rig.at(utc("2026-03-03T18:00"))
    assert await rig.tick() == 1, "Tuesday is on"
    await rig.send(10, ChangeReminders("quiet"))
    assert "inside those quiet hours" in await rig.send(10, Text("18:00-23:00"))
    assert "Quiet hours: 21:30–06:00" in await rig.send(10, Text("21:30 to 6am"))
    await rig.send(10, ChangeReminders("quiet"))
    assert "couldn't read" in await rig.send(10, Text("later"))


async def test_a_forged_zone_button_is_refused(rig: Rig) -> None:
    await finish_triage(rig, 11)
    await rig.send(11, StartPlan("self_care"))
    assert "don't know that place" in await rig.send(11, SetZone("Not/AZone"))
    assert "Reminders" not in await rig.send(11, Text("hello"))  # still asking for the zone, nothing broke


async def restart(store: Store) -> None:
    """The process died and starts again on its SQLite file: the claims it left are a dead process's."""
    await store.close()
    await store.open()


async def test_a_reminder_a_crash_left_unsent_is_sent_only_while_on_time(rig: Rig) -> None:
    await runner_with_plan(rig, 11)
    await runner_with_plan(rig, 12)
    scheduler, store = rig.services.scheduler, rig.services.store
    due = utc("2026-03-02T18:00")
    # claimed, then the process died before sending
    claimed = await store.claim_reminders(int(due.timestamp()), 10, lambda row: decide(row, due, scheduler.max_late))
    assert {c.user_id for c in claimed} == {11, 12}
    await restart(store)
    rig.at(utc("2026-03-03T17:00"))  # 23 hours late: not sent, logged as missed
    await scheduler.reclaim()
    assert rig.reminders_to(11) == [] and rig.reminders_to(12) == []
    statuses = {(await store.export_user(u))["reminder_log"][0]["status"] for u in (11, 12)}
    assert statuses == {"missed"}


async def test_a_reminder_a_crash_left_unsent_goes_out_after_a_short_outage(rig: Rig) -> None:
    await runner_with_plan(rig, 13)
    scheduler, store = rig.services.scheduler, rig.services.store
    due = utc("2026-03-02T18:00")
    await store.claim_reminders(int(due.timestamp()), 10, lambda row: decide(row, due, scheduler.max_late))
    await restart(store)
    rig.at(utc("2026-03-02T19:30"))
    await scheduler.reclaim()
    await scheduler.reclaim()
    assert len(rig.reminders_to(13)) == 1


def test_the_flow_says_when_reminders_are_rescheduled_and_a_runner_came_back(content: Content) -> None:
    """The flow, not the shell, decides that reminders change: new settings, or /start (someone back)."""
    now = datetime(2026, 3, 2, 12, tzinfo=UTC)
    settings = ReminderSettings(zone="UTC", time="07:30")
    state = Conversation(consented=True, plan=PlanState(pattern="overuse", started_on=now.date()), reminders=settings)

    def effects(event: Event, before: Conversation = state) -> list[object]:
        return [e for e in handle(content, before, event, now).effects if isinstance(e, Rescheduled | CameBack)]

    assert effects(ShowPlan()) == [], "nothing about reminders changed"
    [rescheduled] = effects(ReminderAction("pause"))
    assert isinstance(rescheduled, Rescheduled) and rescheduled.reminders == (), "paused: none scheduled"
    back = effects(Start())
    assert back == [Rescheduled(tuple(schedule(settings, now))), CameBack()]
    assert isinstance(back[0], Rescheduled) and back[0].reminders[0].local_time == "07:30"
