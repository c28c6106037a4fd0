"""/history: dates, phase changes, the pain trend as text sparklines, runs per week, adherence, the outcome
scores and the tests passed."""

from __future__ import annotations

from datetime import date, timedelta

from content import Content
from flows.markup import fill, rich
from flows.pictures import Chart, ChartWords, Mark, PainDay, WeekVolume
from flows.plan import PlanState
from flows.record import Record
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


def phases_reached(content: Content, record: Record) -> list[Mark]:
    """Each phase reached, named, and the first check-in in it."""
    reached: list[tuple[str, date]] = []
    for checkin in record.checkins:
        if not reached or reached[-1][0] != checkin.phase:
            reached.append((checkin.phase, checkin.day))
    names = content.phase_by_id
    return [Mark(day=d, label=names[p].name if p in names else p) for p, d in reached]


def _phases(content: Content, record: Record) -> str:
    """ "Protect 3 Nov → Early loading 7 Nov"."""
    return " → ".join(f"{m.label} {_day(m.day)}" for m in phases_reached(content, record))


def milestones_passed(content: Content, record: Record) -> list[Mark]:
    return [
        Mark(day=r.day, label=content.milestone_by_id[r.milestone].name)
        for r in record.milestones
        if r.passed and r.milestone in content.milestone_by_id
    ]


def running_per_week(plan: PlanState, record: Record) -> list[WeekVolume]:
    """Runs and minutes in each week since the plan started: runs logged, and the plan's own on days checked in."""
    runs = [(c.day, c.run_minutes) for c in record.checkins if c.run_minutes and c.done != "skipped"]
    runs += [(r.day, r.minutes) for r in record.runs]
    last = max([*(d for d, _ in runs), *(c.day for c in record.checkins)], default=plan.started_on)
    weeks = [plan.started_on + timedelta(days=7 * n) for n in range((last - plan.started_on).days // 7 + 1)]
    weekly = [[m for d, m in runs if week <= d < week + timedelta(days=7)] for week in weeks]
    return [WeekVolume(week=w, runs=len(m), minutes=sum(m)) for w, m in zip(weeks, weekly, strict=True)]


def chart(content: Content, plan: PlanState | None, record: Record) -> Chart | None:
    """The pain chart of the plan so far; None before the first check-in (nothing to draw)."""
    if plan is None or not record.checkins:
        return None
    words = content.strings.chart
    return Chart(
        words=ChartWords(
            title=words.title,
            pain_axis=words.pain_axis,
            during=words.during,
            morning=words.morning,
            volume_axis=words.volume_axis,
            milestone=words.milestone,
        ),
        pain=tuple(PainDay(day=c.day, during=c.pain_during, morning=c.pain_morning) for c in record.checkins),
        phases=tuple(phases_reached(content, record)),
        milestones=tuple(milestones_passed(content, record)),
        volume=tuple(running_per_week(plan, record)),
    )


def _runs_per_week(record: Record, today: date) -> list[int]:
    """Runs (logged, and the plan's own on days checked in) in each of the last weeks, oldest first."""
    days = {r.day for r in record.runs} | {c.day for c in record.checkins if c.run_minutes and c.done != "skipped"}
    return [
        sum(1 for d in days if today - timedelta(days=7 * (week + 1)) < d <= today - timedelta(days=7 * week))
        for week in reversed(range(WEEKS_SHOWN))
    ]


def history_replies(content: Content, plan: PlanState | None, record: Record, today: date | None = None) -> list[Reply]:
    """The chart, then the same story in words (for screen readers, and for a glance); `record` holds
    the plan's facts."""
    drawn = chart(content, plan, record)
    if plan is None or drawn is None:
        return [Reply(rich(content.strings.history_empty))]
    return [Reply(rich(content.strings.chart.caption), picture=drawn), history_reply(content, plan, record, today)]


def history_reply(content: Content, plan: PlanState, record: Record, today: date | None = None) -> Reply:
    strings = content.strings
    today = today or record.checkins[-1].day
    checkins = record.checkins[-SHOWN:]
    during = [c.pain_during for c in checkins]
    morning = [c.pain_morning for c in checkins]
    done = sum(1 for c in checkins if c.done == "done")
    partly = sum(1 for c in checkins if c.done == "partly")
    lines = [
        rich(strings.history_heading),
        fill(
            strings.history_dates,
            start=_day(plan.started_on),
            first=_day(record.checkins[0].day),
            last=_day(record.checkins[-1].day),
            count=len(record.checkins),
        ),
        fill(strings.history_phases, phases=_phases(content, record)),
        fill(strings.history_during, spark=sparkline(during), last=during[-1]),
        fill(strings.history_morning, spark=sparkline(morning), last=morning[-1]),
        fill(strings.history_runs, weeks=", ".join(str(n) for n in _runs_per_week(record, today))),
        fill(strings.history_adherence, done=done, partly=partly, days=len(checkins)),
    ]
    for measure_id in dict.fromkeys(s.measure for s in record.scores):
        measure = content.measure_by_id.get(measure_id)
        scores = [s for s in record.scores if s.measure == measure_id][-SCORES_SHOWN:]
        if measure is not None:
            trend = " → ".join(f"{s.score} ({_day(s.day)})" for s in scores)
            lines.append(fill(strings.history_score, name=measure.name, trend=trend))
    passed = milestones_passed(content, record)
    if passed:
        names = ", ".join(f"{m.label} ({_day(m.day)})" for m in passed[-SHOWN:])
        lines.append(fill(strings.history_milestones, passed=names))
    return Reply("\n".join(lines))
