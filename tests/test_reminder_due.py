"""The reminder-due decision as a pure function of the flow (flows/reminders.decide_due): no store, no bot."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from flows.reminders import MORNING, SESSION, SNOOZED, Due, DueDecision, ReminderSettings, decide_due

BERLIN = ReminderSettings(zone="Europe/Berlin", time="18:00", days=[0, 1, 2, 3, 4, 5, 6])
# Monday 2 March 2026, 18:00 in Berlin
AT = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
NEXT_DAY = datetime(2026, 3, 3, 17, 0, tzinfo=UTC)
MAX_LATE = timedelta(hours=2)


def decided(
    now: datetime = AT,
    settings: ReminderSettings = BERLIN,
    kind: str = SESSION,
    active: bool = True,
    plan_active: bool = True,
    checked_in_on: date | None = None,
) -> DueDecision:
    local_time = None if kind == SNOOZED else "18:00"
    return decide_due(
        settings,
        Due(kind, local_time, AT),
        now,
        MAX_LATE,
        active=active,
        plan_active=plan_active,
        checked_in=lambda day: day == checked_in_on,
    )


def test_on_time_it_is_sent_and_comes_again_tomorrow() -> None:
    assert decided() == DueDecision("2026-03-02", "send", NEXT_DAY, late=False)


def test_a_few_minutes_late_it_is_sent_and_counted_late() -> None:
    assert decided(now=AT + timedelta(minutes=5)) == DueDecision("2026-03-02", "send", NEXT_DAY, late=True)


def test_beyond_max_late_it_is_missed_and_not_replayed() -> None:
    now = AT + timedelta(days=2, hours=3)  # the bot was down for two days
    decision = decided(now=now)
    assert (decision.status, decision.log_key) == ("missed", "2026-03-02")
    assert decision.follow == datetime(2026, 3, 5, 17, 0, tzinfo=UTC)  # after now - max_late, not 3 March


def test_someone_who_blocked_the_bot_gets_nothing_more() -> None:
    assert decided(active=False) == DueDecision("2026-03-02", "inactive", None)


@pytest.mark.parametrize(
    ("settings", "plan_active", "checked_in_on", "status"),
    [
        (BERLIN.model_copy(update={"paused": True}), True, None, "paused"),
        (BERLIN, False, None, "no_plan"),
        (BERLIN, True, date(2026, 3, 2), "done"),
        (BERLIN.model_copy(update={"done_on": date(2026, 3, 2)}), True, None, "done"),
        (BERLIN.model_copy(update={"skip_on": date(2026, 3, 2)}), True, None, "skipped"),
        (BERLIN, True, date(2026, 3, 1), "send"),  # yesterday's check-in does not count
    ],
)
def test_why_a_reminder_is_not_sent(
    settings: ReminderSettings, plan_active: bool, checked_in_on: date | None, status: str
) -> None:
    decision = decided(settings=settings, plan_active=plan_active, checked_in_on=checked_in_on)
    assert (decision.status, decision.follow) == (status, NEXT_DAY)


def test_a_snooze_counts_per_local_minute_and_does_not_repeat() -> None:
    assert decided(kind=SNOOZED) == DueDecision("2026-03-02T18:00", "send", None)


def test_the_morning_nudge_is_sent_after_a_skipped_session() -> None:
    skipped = BERLIN.model_copy(update={"skip_on": date(2026, 3, 2)})
    assert decided(settings=skipped, kind=MORNING).status == "send"
