"""/history tells a runner how the plan went: dates, phases, pain, runs per week and adherence (issue 14 item 7)."""

from __future__ import annotations

from datetime import date, timedelta

from content import Content
from flows.history import history_replies, history_reply
from flows.markup import rich
from flows.plan import PlanState
from flows.progression import Decision
from flows.record import CheckIn, Record
from flows.running_guard import RunLog

START = date(2026, 11, 2)


def checkin(offset: int, phase: str, pain: int, done: str = "done", run: int | None = None) -> CheckIn:
    return CheckIn(
        day=START + timedelta(days=offset),
        done=done,  # type: ignore[arg-type]
        pain_during=pain,
        pain_morning=max(0, pain - 1),
        phase=phase,
        decision=Decision.GOOD,
        run_minutes=run,
    )


def test_history_shows_dates_phases_pain_runs_and_adherence(content: Content) -> None:
    plan = PlanState(pattern="acute_strain", grade="moderate", started_on=START)
    record = Record(
        checkins=(
            checkin(1, "strain_protect", 4),
            checkin(2, "strain_protect", 3, done="partly"),
            checkin(4, "strain_load", 2),
            checkin(10, "strain_load", 2, run=20),
            checkin(12, "strain_load", 1, done="skipped"),
        ),
        runs=(RunLog(day=START + timedelta(days=11), km=3.0, minutes=20),),
    )
    text = history_reply(content, plan, record, today=START + timedelta(days=13)).text
    assert "Plan started 2 Nov; check-ins 3 Nov to 14 Nov (5 in all)." in text
    protect, load = content.phase_by_id["strain_protect"].name, content.phase_by_id["strain_load"].name
    assert f"Phases: {protect} 3 Nov → {load} 6 Nov" in text
    assert "latest 1/10" in text  # the pain trend ends with the last check-in
    assert "Runs per week, last four weeks: 0, 0, 0, 2" in text  # the plan's run and the logged one
    assert "Sessions: 3 done and 1 partly, of the last 5 check-ins." in text


def test_history_before_any_check_in_says_how_to_start(content: Content) -> None:
    plan = PlanState(pattern="overuse", started_on=START)
    assert [r.text for r in history_replies(content, plan, Record())] == [rich(content.strings.history_empty)]
