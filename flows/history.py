"""/history: the pain trend of the check-ins as a text sparkline, the outcome scores and the tests passed."""

from __future__ import annotations

from content import Content
from flows.markup import fill, rich
from flows.plan import PlanState
from flows.replies import Reply

BARS = "▁▂▃▄▅▆▇█"
SHOWN = 30
SCORES_SHOWN = 8


def sparkline(values: list[int]) -> str:
    """One bar per value, 0 the lowest bar and 10 the highest."""
    return "".join(BARS[round(v / 10 * (len(BARS) - 1))] for v in values)


def history_reply(content: Content, plan: PlanState | None) -> Reply:
    strings = content.strings
    checkins = plan.checkins[-SHOWN:] if plan else []
    if not checkins:
        return Reply(rich(strings.history_empty))
    during = [c.pain_during for c in checkins]
    morning = [c.pain_morning for c in checkins]
    done = sum(1 for c in checkins if c.done == "done")
    lines = [
        rich(strings.history_heading),
        fill(strings.history_during, spark=sparkline(during), last=during[-1]),
        fill(strings.history_morning, spark=sparkline(morning), last=morning[-1]),
        fill(strings.history_adherence, done=done, days=len(checkins)),
    ]
    assert plan is not None
    for measure_id in dict.fromkeys(s.measure for s in plan.scores):
        measure = content.measure_by_id.get(measure_id)
        scores = [s for s in plan.scores if s.measure == measure_id][-SCORES_SHOWN:]
        if measure is not None:
            trend = " → ".join(f"{s.score} ({s.day:%d %b})" for s in scores)
            lines.append(fill(strings.history_score, name=measure.name, trend=trend))
    passed = [r for r in plan.milestones if r.passed and r.milestone in content.milestone_by_id]
    if passed:
        names = ", ".join(f"{content.milestone_by_id[r.milestone].name} ({r.day:%d %b})" for r in passed[-SHOWN:])
        lines.append(fill(strings.history_milestones, passed=names))
    return Reply("\n".join(lines))
