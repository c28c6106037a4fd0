"""/remind and /settings: choosing a time zone and a time, pausing, and the reminder's own buttons.

Not a `transitions` machine but a plain function per event, each answering in one step: the only state
is which question is open (`awaiting`: a typed zone, time, days or quiet hours), and every event leads
from any question to the same place, so a table would list each event once per question for nothing.
Each returns the flows' one `Result`, whose state is the settings and the question left open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from content import Content
from flows.events import ChangeReminders, ReminderAction, SetReminderTime, SetZone
from flows.evolve import evolve
from flows.language.times import time_said, weekdays_said
from flows.markup import fill, fill_markup, rich
from flows.places import zone_for_place
from flows.reminders import ReminderSettings, in_quiet_hours, local_now, parse_time, snooze_until, zone_from_text
from flows.replies import Button, Reply, Result

TIME_CHOICES = ("07:00", "12:00", "17:00", "19:00")
MORNING_TIME = "08:00"  # the next-morning check-in nudge, when the runner wants one


@dataclass(frozen=True)
class ReminderSetup:
    """Where the reminder settings stand after a step."""

    settings: ReminderSettings
    awaiting: str | None = None  # the question open while a typed answer is expected ("zone", "time"...)


Step = Result[ReminderSetup]


def _step(settings: ReminderSettings, replies: list[Reply], awaiting: str | None = None) -> Step:
    return Result(ReminderSetup(settings, awaiting), replies)


def zone_question(content: Content) -> Reply:
    zones = content.strings.common_zones
    rows = [
        tuple(Button(z.split("/")[-1].replace("_", " "), SetZone(z)) for z in zones[i : i + 2])
        for i in range(0, len(zones), 2)
    ]
    return Reply(rich(content.strings.reminder_zone_question), tuple(rows))


def time_question(content: Content) -> Reply:
    return Reply(
        rich(content.strings.reminder_time_question), (tuple(Button(t, SetReminderTime(t)) for t in TIME_CHOICES),)
    )


def overview(content: Content, settings: ReminderSettings) -> Reply:
    strings = content.strings
    names = strings.weekday_names.split()
    days = strings.reminder_every_day if len(settings.days) == 7 else " ".join(names[d] for d in sorted(settings.days))
    text = fill(
        strings.reminder_overview,
        time=settings.time or strings.reminder_not_set,
        morning=settings.morning or strings.reminder_off,
        zone=settings.zone or strings.reminder_not_set,
        days=days,
        start=settings.quiet_start,
        end=settings.quiet_end,
    )
    if settings.paused:
        text += "\n\n" + rich(strings.reminder_overview_paused)
    toggle = (
        Button(strings.reminder_resume_button, ChangeReminders("resume"))
        if settings.paused
        else Button(strings.reminder_pause_button, ChangeReminders("pause"))
    )
    rows = (
        (
            Button(strings.reminder_change_time_button, ChangeReminders("time")),
            Button(strings.reminder_change_zone_button, ChangeReminders("zone")),
        ),
        (
            Button(strings.reminder_days_button, ChangeReminders("days")),
            Button(strings.reminder_quiet_button, ChangeReminders("quiet")),
        ),
        (Button(strings.reminder_morning_toggle_button, ChangeReminders("morning")),),
        (toggle,),
    )
    return Reply(text, rows)


def days_question(content: Content, settings: ReminderSettings) -> Reply:
    """Seven on/off day buttons (✅ on) and Done."""
    strings = content.strings
    names = strings.weekday_names.split()
    days = tuple(
        Button(f"{'✅' if day in settings.days else '▫️'} {names[day]}", ChangeReminders(f"day:{day}"))
        for day in range(7)
    )
    rows = (days[:4], days[4:], (Button(strings.reminder_days_done_button, ChangeReminders("overview")),))
    return Reply(rich(strings.reminder_days_question), rows)


# split at the first separator; each side is read as a time (a pattern with `.+?` around the
# separator backtracks cubically on a long run of spaces)
_QUIET_SEPARATOR = re.compile(r"-|–|—|to|until", re.IGNORECASE)


def quiet_said(text: str) -> tuple[str, str] | None:
    """Quiet hours typed as two times: "22:00-07:00", "10pm to 6am"."""
    sides = _QUIET_SEPARATOR.split(text, maxsplit=1)
    start, end = (parse_time(sides[0]), parse_time(sides[1])) if len(sides) == 2 else (None, None)
    return (start, end) if start is not None and end is not None else None


def set_quiet(content: Content, settings: ReminderSettings, hours: tuple[str, str] | None) -> Step:
    strings = content.strings
    if hours is None:
        return _step(settings, [Reply(rich(strings.reminder_quiet_unknown))], "quiet")
    updated = evolve(settings, quiet_start=hours[0], quiet_end=hours[1])
    if settings.time is not None and in_quiet_hours(updated, settings.time):
        return _step(settings, [Reply(fill(strings.reminder_quiet_clash, time=settings.time))], "quiet")
    return _step(updated, [Reply(rich(strings.reminder_saved)), overview(content, updated)])


def open_settings(content: Content, settings: ReminderSettings) -> Step:
    """Ask for whatever is missing (zone, then time), else show the settings."""
    if settings.zone is None:
        return _step(settings, [zone_question(content)], "zone")
    if settings.time is None:
        return _step(settings, [time_question(content)], "time")
    return _step(settings, [overview(content, settings)])


def set_zone(content: Content, settings: ReminderSettings, zone: str | None) -> Step:
    if zone is None:
        return _step(settings, [Reply(rich(content.strings.reminder_zone_unknown)), zone_question(content)], "zone")
    return open_settings(content, evolve(settings, zone=zone))


def set_time(content: Content, settings: ReminderSettings, hhmm: str | None) -> Step:
    strings = content.strings
    if hhmm is None:
        return _step(settings, [Reply(rich(strings.reminder_time_unknown)), time_question(content)], "time")
    if in_quiet_hours(settings, hhmm):
        text = fill(strings.reminder_time_quiet, start=settings.quiet_start, end=settings.quiet_end)
        return _step(settings, [Reply(text), time_question(content)], "time")
    updated = evolve(settings, time=hhmm, paused=False)
    if settings.time is None and settings.morning is None:  # the first time: the morning nudge is offered
        return _step(updated, [Reply(rich(strings.reminder_saved)), morning_offer(content)], "morning")
    return _step(updated, [Reply(rich(strings.reminder_saved)), overview(content, updated)])


def morning_offer(content: Content) -> Reply:
    strings = content.strings
    buttons = (
        (
            Button(strings.reminder_morning_yes_button, ChangeReminders("morning_on")),
            Button(strings.reminder_morning_no_button, ChangeReminders("morning_off")),
        ),
    )
    return Reply(fill(strings.reminder_morning_offer, time=MORNING_TIME), buttons)


def set_days(content: Content, settings: ReminderSettings, days: list[int] | None) -> Step:
    if days is None:
        unknown = Reply(rich(content.strings.reminder_days_unknown))
        return _step(settings, [unknown, days_question(content, settings)], "days")
    updated = evolve(settings, days=days)
    return _step(updated, [Reply(rich(content.strings.reminder_saved)), overview(content, updated)])


def typed(content: Content, settings: ReminderSettings, awaiting: str, text: str) -> Step | None:
    """A typed answer to the reminder question open (a place or zone, a time of day, quiet hours, days), or
    None when the text holds no such value: it may name one of the question's buttons instead."""
    language = content.language
    match awaiting:
        case "zone":
            zone = zone_from_text(text) or zone_for_place(text)
            return set_zone(content, settings, zone) if zone else None
        case "quiet":
            hours = quiet_said(text)
            return set_quiet(content, settings, hours) if hours else None
        case "days":
            days = weekdays_said(text, language.times)
            return set_days(content, settings, days) if days else None
        case "time":
            hhmm = parse_time(text) or time_said(text, language.times, language.number_words)
            return set_time(content, settings, hhmm) if hhmm else None
    return None


def not_understood(content: Content, settings: ReminderSettings, awaiting: str) -> Step:
    """The question open again, with what can be typed."""
    match awaiting:
        case "zone":
            return set_zone(content, settings, None)
        case "quiet":
            return set_quiet(content, settings, None)
        case "days":
            return set_days(content, settings, None)
        case "morning":
            hint = Reply(rich(content.strings.typed_hint))
            return _step(settings, [hint, morning_offer(content)], "morning")
    return set_time(content, settings, None)


def question_for(content: Content, settings: ReminderSettings, awaiting: str) -> Reply:
    """What a typed answer is awaited for: the zone, the time, quiet hours, the days or the morning nudge."""
    match awaiting:
        case "days":
            return days_question(content, settings)
        case "quiet":
            return Reply(rich(content.strings.reminder_quiet_question))
        case "morning":
            return morning_offer(content)
        case "zone":
            return zone_question(content)
    return time_question(content)


def change(content: Content, settings: ReminderSettings, what: str) -> Step:
    strings = content.strings
    match what:
        case "time":
            return _step(settings, [time_question(content)], "time")
        case "zone":
            return _step(settings, [zone_question(content)], "zone")
        case "pause":
            paused = evolve(settings, paused=True)
            return _step(paused, [Reply(rich(strings.reminder_paused))])
        case "resume":
            resumed = evolve(settings, paused=False)
            return _step(resumed, [Reply(rich(strings.reminder_resumed)), overview(content, resumed)])
        case "morning":
            toggled = evolve(settings, morning=None if settings.morning else MORNING_TIME)
            return _step(toggled, [overview(content, toggled)])
        case "morning_on" | "morning_off":
            chosen = evolve(settings, morning=MORNING_TIME if what == "morning_on" else None)
            return _step(chosen, [Reply(rich(strings.reminder_saved)), overview(content, chosen)])
        case "days":
            return _step(settings, [days_question(content, settings)], "days")
        case "quiet":
            return _step(settings, [Reply(rich(strings.reminder_quiet_question))], "quiet")
        case _ if what.startswith("day:") and what[4:].isdigit() and 0 <= int(what[4:]) <= 6:
            day = int(what[4:])
            days = sorted(set(settings.days) ^ {day}) or settings.days  # at least one day stays on
            switched = evolve(settings, days=days)
            return _step(switched, [days_question(content, switched)], "days")
    return _step(settings, [overview(content, settings)])


def reminder_buttons(content: Content) -> tuple[tuple[Button, ...], ...]:
    """The buttons under a session reminder."""
    strings = content.strings
    return (
        (
            Button(strings.reminder_done_button, ReminderAction("done")),
            Button(strings.reminder_snooze_button, ReminderAction("snooze")),
        ),
        (
            Button(strings.reminder_skip_button, ReminderAction("skip")),
            Button(strings.reminder_pause_button, ReminderAction("pause")),
        ),
    )


def act(content: Content, settings: ReminderSettings, action: str, now: datetime) -> Step:
    """Snooze, skip or pause from a reminder message ("done" is the caller's: it opens a check-in)."""
    strings = content.strings
    today = local_now(settings, now).date()
    match action:
        case "snooze":
            until = snooze_until(settings, now)
            text = fill(strings.reminder_snoozed, time=local_now(settings, until).strftime("%H:%M"))
            return _step(evolve(settings, snooze_until=until), [Reply(text)])
        case "skip":
            return _step(
                evolve(settings, skip_on=today, snooze_until=None),
                [Reply(rich(strings.reminder_skipped))],
            )
        case "pause":
            return change(content, settings, "pause")
    done = evolve(settings, done_on=today, snooze_until=None)
    return _step(done, [Reply(fill_markup(strings.reminder_done))])
