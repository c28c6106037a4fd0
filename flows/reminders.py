"""Daily reminders: the runner's settings, local times across DST, and what is due when.

Times are the runner's wall-clock times in their IANA zone. A daily time that does not exist on a
spring-forward day (02:30 in Berlin) fires at the same minute one hour later, once; a time that
happens twice on an autumn day fires at its first occurrence, once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from pydantic import BaseModel, field_validator

DEFAULT_ZONE = "UTC"
SNOOZE = timedelta(hours=1)
LATE = timedelta(minutes=1)  # sent later than this after its time, a reminder counts as late
# kinds of scheduled reminder: the daily session, the morning check-in nudge, a one-off snooze
SESSION, MORNING, SNOOZED = "session", "morning", "snooze"


class ReminderSettings(BaseModel):
    zone: str | None = None
    time: str | None = None  # "HH:MM", the daily session reminder; None until chosen
    morning: str | None = None  # the next-morning check-in nudge: offered once the time is set, off until chosen
    days: list[int] = [0, 1, 2, 3, 4, 5, 6]  # Monday = 0
    quiet_start: str = "22:00"
    quiet_end: str = "07:00"
    paused: bool = False
    skip_on: date | None = None  # "skip today"
    done_on: date | None = None  # session reported done (before the reminder: no reminder that day)
    snooze_until: datetime | None = None

    @field_validator("zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None and zone_from_text(value) != value:
            raise ValueError(f"unknown time zone {value!r}")
        return value


def zone_of(settings: ReminderSettings | None) -> ZoneInfo:
    return ZoneInfo(settings.zone if settings and settings.zone else DEFAULT_ZONE)


def local_now(settings: ReminderSettings | None, now: datetime) -> datetime:
    return now.astimezone(zone_of(settings))


# matched against stripped text: `\s*` on both sides of an optional group backtracks quadratically
_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$", re.IGNORECASE)


def parse_time(text: str) -> str | None:
    """ "7", "07:30", "7.30pm", "19h30" -> "HH:MM"; None if it is not a time of day."""
    match = _TIME.match(text.strip().replace("h ", "h"))
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    suffix = (match.group(3) or "").lower().replace(".", "")
    if suffix and not 1 <= hour <= 12:
        return None
    if suffix == "pm" and hour != 12:
        hour += 12
    elif suffix == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


def _clock(hhmm: str) -> time:
    hour, minute = hhmm.split(":")
    return time(int(hour), int(minute))


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    """Lower-case zone names and their city parts ("new york") -> IANA zone. Only real zones: not
    the leap-second and POSIX copies (right/, posix/), nor files such as localtime or Factory."""
    names: dict[str, str] = {}
    for zone in sorted(available_timezones()):
        if zone.startswith(("right/", "posix/", "SystemV/")) or "/" not in zone:
            continue
        names[zone.lower()] = zone
        if not zone.startswith("Etc/"):
            names.setdefault(zone.rsplit("/", 1)[1].replace("_", " ").lower(), zone)
    for alias in ("UTC",):
        names[alias.lower()] = alias
    return names


def zone_from_text(text: str) -> str | None:
    """An IANA zone from a typed zone or city name ("Europe/Berlin", "berlin", "New York")."""
    wanted = " ".join(text.strip().lower().replace("_", " ").split())
    if not wanted or len(wanted) > 64:  # no zone or city name is longer
        return None
    names = _zone_names()
    return names.get(wanted) or names.get(wanted.replace(" ", "_"))


def occurrence(zone: ZoneInfo, day: date, hhmm: str) -> datetime:
    """The UTC instant of `hhmm` on `day` in `zone` (fold=0: the first of a repeated time, and the
    pre-transition offset for a skipped one, which lands the same minute an hour later)."""
    return datetime.combine(day, _clock(hhmm), tzinfo=zone).astimezone(UTC)


def next_occurrence(zone: ZoneInfo, hhmm: str, days: list[int], after: datetime) -> datetime | None:
    """The first daily occurrence strictly after `after` on an allowed weekday."""
    if not days:
        return None
    start = after.astimezone(zone).date() - timedelta(days=1)
    for offset in range(9):
        day = start + timedelta(days=offset)
        if day.weekday() not in days:
            continue
        instant = occurrence(zone, day, hhmm)
        if instant > after:
            return instant
    return None


def in_quiet_hours(settings: ReminderSettings, hhmm: str) -> bool:
    start, end, moment = _clock(settings.quiet_start), _clock(settings.quiet_end), _clock(hhmm)
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end


@dataclass(frozen=True)
class Scheduled:
    kind: str
    local_time: str | None
    due: datetime  # UTC


def schedule(settings: ReminderSettings | None, now: datetime) -> list[Scheduled]:
    """Every reminder the settings ask for, each at its next occurrence after `now`."""
    if settings is None or settings.paused or settings.zone is None:
        return []
    zone = zone_of(settings)
    rows = []
    for kind, hhmm in ((SESSION, settings.time), (MORNING, settings.morning)):
        if hhmm is None:
            continue
        due = next_occurrence(zone, hhmm, settings.days, now)
        if due is not None:
            rows.append(Scheduled(kind, hhmm, due))
    if settings.snooze_until is not None and settings.snooze_until > now:
        rows.append(Scheduled(SNOOZED, None, settings.snooze_until))
    return rows


def snooze_until(settings: ReminderSettings, now: datetime) -> datetime:
    """An hour from now, moved to the end of quiet hours if it would land inside them."""
    zone = zone_of(settings)
    target = (now + SNOOZE).astimezone(zone)
    if not in_quiet_hours(settings, target.strftime("%H:%M")):
        return (now + SNOOZE).astimezone(UTC)
    end = _clock(settings.quiet_end)
    day = target.date() if target.time() < end else target.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone).astimezone(UTC)


def skip_reason(
    settings: ReminderSettings | None, kind: str, local_day: date, checked_in: bool, plan_active: bool
) -> str | None:
    """Why a due reminder should not be sent, or None to send it."""
    if settings is None or settings.paused:
        return "paused"
    if not plan_active:
        return "no_plan"
    if checked_in:
        return "done"
    if kind in (SESSION, SNOOZED) and (settings.done_on == local_day or settings.skip_on == local_day):
        return "done" if settings.done_on == local_day else "skipped"
    return None


@dataclass(frozen=True)
class Due:
    """A reminder that has come due: its kind, the daily time it was set for (None for a snooze), its instant."""

    kind: str
    local_time: str | None
    at: datetime  # UTC


@dataclass(frozen=True)
class DueDecision:
    log_key: str  # the local date (or, for a snooze, the local minute) it counts for: once per key
    status: str  # "send", or why not: "missed", "done", "skipped", "paused", "no_plan", "inactive"
    follow: datetime | None  # the next occurrence of a daily reminder; None: no more
    late: bool = False  # sent, but later than LATE after its time


def decide_due(
    settings: ReminderSettings,
    due: Due,
    now: datetime,
    max_late: timedelta,
    *,
    active: bool,
    plan_active: bool,
    checked_in: Callable[[date], bool],
) -> DueDecision:
    """What to do with one due reminder, at `now`: send it, or why not, and when it comes next.

    A runner who blocked the bot is sent nothing; a reminder more than `max_late` late is missed (the
    bot was down); otherwise `skip_reason` decides. `checked_in(day)`: whether the runner checked in
    on that local day. A daily reminder comes next at its next occurrence after its own time, or after
    `now - max_late` when it is older (the days it missed are not all replayed)."""
    zone = zone_of(settings)
    local = due.at.astimezone(zone)
    follow = None
    if due.kind != SNOOZED and due.local_time is not None:
        follow = next_occurrence(zone, due.local_time, settings.days, max(due.at, now - max_late))
    log_key = local.strftime("%Y-%m-%dT%H:%M") if due.kind == SNOOZED else local.date().isoformat()
    if not active:
        return DueDecision(log_key, "inactive", None)
    if now - due.at > max_late:
        return DueDecision(log_key, "missed", follow)
    reason = skip_reason(settings, due.kind, local.date(), checked_in(local.date()), plan_active)
    if reason is not None:
        return DueDecision(log_key, reason, follow)
    return DueDecision(log_key, "send", follow, late=now - due.at > LATE)
