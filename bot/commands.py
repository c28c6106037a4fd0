"""The runner's commands and the flow event each one stands for, shared by Telegram and the console."""

from __future__ import annotations

from flows.events import (
    BeginTriage,
    Cancel,
    Event,
    LogRun,
    OpenReminders,
    ShowHistory,
    ShowPlan,
    ShowReport,
    Start,
    StartCheckIn,
)

COMMAND_EVENTS: dict[str, Event] = {
    "start": Start(),
    "triage": BeginTriage(),
    "plan": ShowPlan(),
    "checkin": StartCheckIn(),
    "log": LogRun(),
    "history": ShowHistory(),
    "report": ShowReport(),
    "remind": OpenReminders(),
    "settings": OpenReminders(),
    "cancel": Cancel(),
}


def command_event(text: str) -> tuple[str, Event | None]:
    """ "/log@ThighCoachBot 5 km in 32 min" -> ("log", LogRun("5 km in 32 min")): the command's
    name and its event, None for a command the runner does not have. What follows /log is the run."""
    head, _, argument = text.strip().partition(" ")
    name = head.lstrip("/").split("@")[0].lower()
    if name == "log" and argument.strip():
        return name, LogRun(argument.strip())
    return name, COMMAND_EVENTS.get(name)
