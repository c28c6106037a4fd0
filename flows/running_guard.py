"""Guards on running load for /log: the weekly increase and the single-run rule (numbers from content).

A 2025 cohort study in runners found that one run more than about 10% longer than the longest run
of the previous 30 days raised injury risk, more than weekly increases did; both are checked. The
plan keeps its own runs under the same single-run rule (flows/session.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict

from content.schema import RunningRules


class RunLog(BaseModel):
    model_config = ConfigDict(frozen=True)

    day: date
    km: float
    minutes: int


@dataclass(frozen=True)
class WeeklyJump:
    week_km: float
    last_week_km: float
    percent: int


@dataclass(frozen=True)
class LongRun:
    km: float
    longest_km: float
    percent: int


Warning = WeeklyJump | LongRun


# the weekly rule compares the last 7 days with the 7 before them
WEEKS_COMPARED_DAYS = 14


def _km_between(runs: Sequence[RunLog], first: date, last: date) -> float:
    return sum(r.km for r in runs if first <= r.day <= last)


def _percent_over(value: float, base: float) -> int:
    return round((value / base - 1) * 100)


def run_warnings(rules: RunningRules, earlier: Sequence[RunLog], run: RunLog) -> list[Warning]:
    """Warnings for a logged run, given the runs logged before it."""
    warnings: list[Warning] = []
    week = _km_between([*earlier, run], run.day - timedelta(days=6), run.day)
    last_week = _km_between(earlier, run.day - timedelta(days=WEEKS_COMPARED_DAYS - 1), run.day - timedelta(days=7))
    if last_week > 0 and week > last_week * (1 + rules.weekly_increase_max_percent / 100):
        warnings.append(WeeklyJump(round(week, 1), round(last_week, 1), _percent_over(week, last_week)))
    window = [r for r in earlier if run.day - timedelta(days=rules.lookback_days) <= r.day < run.day]
    longest = max((r.km for r in window), default=0.0)
    if longest > 0 and run.km > longest * (1 + rules.single_run_increase_max_percent / 100):
        warnings.append(LongRun(run.km, longest, _percent_over(run.km, longest)))
    return warnings
