"""The record in tables, the position in the state (issue 15 item 3): a year of check-ins and runs is kept
whole in the record while the state keeps only the recent facts its rules look back on, and keeping
fewer changes no decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

import flows.checkin
import flows.run_log
from content import Content
from flows.events import ShowHistory
from flows.pictures import Chart
from flows.plan import PlanState
from tests.chat import Chat
from tests.twelve_weeks import days_of_history

YEAR = 365


@dataclass(frozen=True)
class Year:
    kept: Chat
    whole: Chat


@pytest.fixture(scope="module")
def year(content: Content) -> Year:
    """The same year played twice: as the bot does, and with the state keeping every fact."""
    kept = days_of_history(content, YEAR)
    with pytest.MonkeyPatch.context() as patch:
        for module in (flows.checkin, flows.run_log):
            patch.setattr(module, "kept", lambda _content, state, _today: state)
        whole = days_of_history(content, YEAR)
    return Year(kept, whole)


def test_a_year_keeps_the_state_small_and_the_record_whole(year: Year, content: Content) -> None:
    plan = year.kept.state.plan
    assert plan is not None
    oldest = year.kept.today - timedelta(days=content.plans.running.lookback_days)
    older = [c for c in plan.checkins if c.day < oldest]
    assert len(older) <= 1 and all(c.run_minutes for c in older), "only recent check-ins, and the last run day"
    assert len(plan.scores) == 1 and plan.scores[0] == year.kept.record.scores[-1], "the latest score"
    assert len(year.kept.record.checkins) > 300 and len(year.kept.record.runs) == 52
    assert len(year.kept.state.model_dump_json()) * 4 < len(year.whole.state.model_dump_json())


def test_keeping_only_recent_facts_changes_no_decision(year: Year) -> None:
    assert year.kept.record == year.whole.record, "every check-in, decision, run, test and score alike"
    kept, whole = year.kept.state.plan, year.whole.state.plan
    assert kept is not None and whole is not None
    position = ("phase", "good_days", "status", "moved_on")
    assert [getattr(kept, f) for f in position] == [getattr(whole, f) for f in position]


def test_history_shows_the_whole_year(year: Year) -> None:
    chart = next(r.picture for r in year.kept.send(ShowHistory()).replies if r.picture is not None)
    assert isinstance(chart, Chart) and len(chart.pain) == len(year.kept.record.checkins)
    assert f"({len(year.kept.record.checkins)} in all)" in year.kept.text


def test_the_state_of_a_year_loads_as_a_state(year: Year) -> None:
    plan = year.kept.state.plan
    assert plan is not None and PlanState.model_validate_json(plan.model_dump_json()) == plan
