"""The running guards: weekly increase and the single-run rule; runs typed in plain words."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from content import Content
from flows.run_log import parse_run
from flows.running_guard import LongRun, RunLog, WeeklyJump, run_warnings

DAY = date(2026, 5, 1)


def runs(*entries: tuple[int, float, int]) -> list[RunLog]:
    """(days before DAY, km, minutes) -> logged runs."""
    return [RunLog(day=DAY - timedelta(days=ago), km=km, minutes=minutes) for ago, km, minutes in entries]


def test_weekly_increase_over_ten_percent_warns(content: Content) -> None:
    earlier = runs((8, 5, 30), (10, 5, 30), (12, 5, 30), (2, 5, 30), (4, 6, 35))  # last week 15 km
    warnings = run_warnings(content.plans.running, earlier, RunLog(day=DAY, km=6, minutes=36))
    weekly = [w for w in warnings if isinstance(w, WeeklyJump)]
    assert weekly and weekly[0].week_km == 17 and weekly[0].last_week_km == 15 and weekly[0].percent == 13


def test_weekly_increase_within_ten_percent_is_fine(content: Content) -> None:
    earlier = runs((8, 5, 30), (10, 5, 30), (12, 5, 30), (2, 5, 30), (4, 5, 30))
    warnings = run_warnings(content.plans.running, earlier, RunLog(day=DAY, km=6.5, minutes=39))
    assert not any(isinstance(w, WeeklyJump) for w in warnings)


def test_single_run_longer_than_longest_of_30_days_warns(content: Content) -> None:
    earlier = runs((3, 8, 48), (10, 10, 60), (20, 9, 55))
    assert not any(
        isinstance(w, LongRun) for w in run_warnings(content.plans.running, earlier, RunLog(day=DAY, km=11, minutes=66))
    )
    long = [
        w
        for w in run_warnings(content.plans.running, earlier, RunLog(day=DAY, km=11.5, minutes=70))
        if isinstance(w, LongRun)
    ]
    assert long and long[0].longest_km == 10 and long[0].percent == 15


def test_runs_older_than_30_days_do_not_count(content: Content) -> None:
    earlier = runs((40, 20, 120), (5, 8, 48))
    long = [
        w
        for w in run_warnings(content.plans.running, earlier, RunLog(day=DAY, km=10, minutes=60))
        if isinstance(w, LongRun)
    ]
    assert long and long[0].longest_km == 8


def test_first_run_has_nothing_to_compare(content: Content) -> None:
    assert run_warnings(content.plans.running, [], RunLog(day=DAY, km=21, minutes=120)) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5 km in 32 min", (5.0, 32)),
        ("ran 5,5km, 31 minutes", (5.5, 31)),
        ("3 miles 28 min", (4.83, 28)),
        ("10k 1h 5min", (10.0, 65)),
        ("half marathon 21.1 km 1:52:30", (21.1, 112)),
        ("4 km 24:30", (4.0, 24)),
        ("just 5 km", None),
        ("30 minutes", None),
        ("🏃", None),
    ],
)
def test_parse_run(text: str, expected: tuple[float, int] | None) -> None:
    assert parse_run(text) == expected
