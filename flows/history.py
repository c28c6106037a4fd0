"""/history: dates, phase changes, the pain trend as text sparklines, runs per week, adherence, the outcome
scores and the tests passed."""

from __future__ import annotations

from datetime import date, timedelta

from content import Content
from flows.markup import fill, rich
from flows.plan import PlanState
from flows.replies import Reply

BARS = "▁▂▃▄▅▆▇█"
SHOWN = 30
SCORES_SHOWN = 8
WEEKS_SHOWN = 4


def sparkline(values: list[int]) -> str:
    """One bar per value, 0 the lowest bar and 10 the highest."""
    return "".join(BARS[round(v / 10 * (len(BARS) - 1))] for v in values)


def _day(day: date) -> str:
    return f"{day.day} {day:%b}"


def _phases(content: Content, plan: PlanState) -> str:
    """Each phase reached and the first check-in in it: "Protect 3 Nov → Early loading 7 Nov"."""
    reached: list[tuple[str, date]] = []
    for checkin in plan.checkins:
        if not reached or reached[-1][0] != checkin.phase:
            reached.append((checkin.phase, checkin.day))
    names = content.phase_by_id
    return " → ".join(f"{names[p].name if p in names else p} {_day(d)}" for p, d in reached)


def _runs_per_week(plan: PlanState, today: date) -> list[int]:
    """Runs (logged, and the plan's own on days checked in) in each of the last weeks, oldest first."""
    days = {r.day for r in plan.runs} | {c.day for c in plan.checkins if c.run_minutes and c.done != "skipped"}
    return [
        sum(1 for d in days if today - timedelta(days=7 * (week + 1)) < d <= today - timedelta(days=7 * week))
        for week in reversed(range(WEEKS_SHOWN))
    ]


def history_reply(content: Content, plan: PlanState | None, today: date | None = None) -> Reply:
    strings = content.strings
    if not plan or not plan.checkins:
        return Reply(rich(strings.history_empty))
    today = today or plan.checkins[-1].day
    checkins = plan.checkins[-SHOWN:]
    during = [c.pain_during for c in checkins]
    morning = [c.pain_morning for c in checkins]
    done = sum(1 for c in checkins if c.done == "done")
    partly = sum(1 for c in checkins if c.done == "partly")
    lines = [
        rich(strings.history_heading),
        fill(
            strings.history_dates,
            start=_day(plan.started_on),
            first=_day(plan.checkins[0].day),
            last=_day(plan.checkins[-1].day),
            count=len(plan.checkins),
        ),
        fill(strings.history_phases, phases=_phases(content, plan)),
        fill(strings.history_during, spark=sparkline(during), last=during[-1]),
        fill(strings.history_morning, spark=sparkline(morning), last=morning[-1]),
        fill(strings.history_runs, weeks=", ".join(str(n) for n in _runs_per_week(plan, today))),
        fill(strings.history_adherence, done=done, partly=partly, days=len(checkins)),
    ]
    for measure_id in dict.fromkeys(s.measure for s in plan.scores):
        measure = content.measure_by_id.get(measure_id)
        scores = [s for s in plan.scores if s.measure == measure_id][-SCORES_SHOWN:]
        if measure is not None:
            trend = " → ".join(f"{s.score} ({_day(s.day)})" for s in scores)
            lines.append(fill(strings.history_score, name=measure.name, trend=trend))
    passed = [r for r in plan.milestones if r.passed and r.milestone in content.milestone_by_id]
    if passed:
        names = ", ".join(f"{content.milestone_by_id[r.milestone].name} ({_day(r.day)})" for r in passed[-SHOWN:])
        lines.append(fill(strings.history_milestones, passed=names))
    return Reply("\n".join(lines))
