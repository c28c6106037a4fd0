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
    "remind": OpenReminders(),
    "settings": OpenReminders(),
    "cancel": Cancel(),
}
