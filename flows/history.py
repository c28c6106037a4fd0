"""/history: the pain trend of the check-ins as a text sparkline."""

from __future__ import annotations

from content import Content
from flows.markup import fill, rich
from flows.plan import PlanState
from flows.replies import Reply

BARS = "▁▂▃▄▅▆▇█"
SHOWN = 30


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
    return Reply("\n".join(lines))
