"""/log: a run typed in plain words ("5 km in 32 min"), checked against the running guards."""

from __future__ import annotations

import re
from datetime import date

from content import Content
from flows.evolve import evolve
from flows.markup import fill, rich
from flows.plan import PlanState, current_phase, kept
from flows.record import Recorded
from flows.replies import Reply, Result
from flows.running_guard import RunLog, WeeklyJump, run_warnings

KM_PER_MILE = 1.609344
# numbers are bounded and must start where a number starts: `\d+` tried at every digit of a long
# run of digits is quadratic
_DISTANCE = re.compile(r"(?<![\d.,])(\d{1,5}(?:[.,]\d{1,3})?)\s*(km|k|kilomet(?:er|re)s?|mi|miles?)\b", re.IGNORECASE)
_HOURS_MINUTES = re.compile(r"\b(\d{1,2}):(\d{2})(?::(\d{2}))?\b")
_HOURS = re.compile(r"(?<![\d.,])(\d{1,3}(?:[.,]\d{1,2})?)\s*(?:h|hr|hrs|hours?)\b", re.IGNORECASE)
_MINUTES = re.compile(r"(?<!\d)(\d{1,4})\s*(?:m|min|mins|minutes?)\b", re.IGNORECASE)


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def parse_run(text: str) -> tuple[float, int] | None:
    """(kilometres, minutes) from a message such as "5 km in 32 min", "3 miles 0:28", "10k 1h 5min"."""
    distance = _DISTANCE.search(text)
    if distance is None:
        return None
    km = _number(distance.group(1)) * (KM_PER_MILE if distance.group(2).lower().startswith("mi") else 1)
    rest = text[: distance.start()] + " " + text[distance.end() :]
    minutes = 0.0
    clock = _HOURS_MINUTES.search(rest)
    if clock and clock.group(3) is not None:  # h:mm:ss
        minutes = int(clock.group(1)) * 60 + int(clock.group(2)) + int(clock.group(3)) / 60
    elif clock:  # "1:05" is an hour and five minutes, "32:10" thirty-two minutes and ten seconds
        first, second = int(clock.group(1)), int(clock.group(2))
        minutes = first * 60 + second if first < 5 else first + second / 60
    else:
        hours = _HOURS.search(rest)
        minutes = _number(hours.group(1)) * 60 if hours else 0.0
        found_minutes = _MINUTES.search(rest)
        minutes += int(found_minutes.group(1)) if found_minutes else 0
    if not 0 < km <= 300 or not 0 < minutes <= 48 * 60:
        return None
    return round(km, 2), round(minutes)


def log_run(content: Content, plan: PlanState, text: str, today: date) -> Result[PlanState] | None:
    """The plan with the run added (and recorded) and what to say, or None if the text holds no run."""
    parsed = parse_run(text)
    if parsed is None:
        return None
    strings = content.strings
    run = RunLog(day=today, km=parsed[0], minutes=parsed[1])
    replies = [Reply(fill(strings.log_saved, distance=run.km, minutes=run.minutes))]
    if current_phase(content, plan).run is None:
        replies.append(Reply(rich(strings.guard_no_running)))
    for warning in run_warnings(content.plans.running, plan.runs, run):
        if isinstance(warning, WeeklyJump):
            text = fill(strings.guard_weekly, week=warning.week_km, last=warning.last_week_km, percent=warning.percent)
        else:
            text = fill(strings.guard_single, percent=warning.percent, longest=warning.longest_km)
        replies.append(Reply(text))
    return Result(kept(content, evolve(plan, runs=[*plan.runs, run]), today), replies, [Recorded(run)])
