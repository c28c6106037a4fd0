"""Button events <-> Telegram callback data (at most 64 bytes).

Answers carry the triage session and the question id, so a tap on an old keyboard is recognised
as stale instead of answering the wrong question.
"""

from __future__ import annotations

from flows.events import (
    Back,
    BeginTriage,
    Cancel,
    ChangeReminders,
    CheckInChoice,
    Choose,
    Consent,
    Event,
    LogRun,
    OpenReminders,
    ReminderAction,
    Resume,
    ResumePlan,
    SetReminderTime,
    SetZone,
    ShowExercise,
    ShowHistory,
    ShowPlan,
    StartCheckIn,
    StartPlan,
    WarningSigns,
)

LIMIT = 64
SEP = "|"

_FIXED: dict[str, Event] = {
    "y": Consent(True),
    "n": Consent(False),
    "t": BeginTriage(),
    "r": Resume(),
    "x": Cancel(),
    "k": StartCheckIn(),
    "pr": ResumePlan(),
    "rm": OpenReminders(),
    "sp": ShowPlan(),
    "sh": ShowHistory(),
    "lr": LogRun(),
}
# one-field events: prefix -> constructor
_SINGLE: dict[str, type[StartPlan | SetZone | SetReminderTime | ChangeReminders | ReminderAction | ShowExercise]] = {
    "p": StartPlan,
    "e": ShowExercise,
    "z": SetZone,
    "tm": SetReminderTime,
    "rc": ChangeReminders,
    "ra": ReminderAction,
}
_FIXED_CODES = {event: code for code, event in _FIXED.items()}


def encode(event: Event) -> str:
    match event:
        case Choose(session=session, question=question, value=value):
            data = SEP.join(("c", str(session), question, value))
        case Back(session=session, question=question):
            data = SEP.join(("b", str(session), question))
        case WarningSigns(session=session, question=question):
            data = SEP.join(("w", str(session), question))
        case StartPlan() | SetZone() | SetReminderTime() | ChangeReminders() | ReminderAction() | ShowExercise():
            prefix = next(p for p, kind in _SINGLE.items() if isinstance(event, kind))
            data = SEP.join((prefix, *(str(v) for v in vars(event).values())))
        case CheckInChoice(session=session, step=step, value=value):
            data = SEP.join(("i", str(session), step, value))
        case _ if event in _FIXED_CODES:
            data = _FIXED_CODES[event]
        case _:
            raise ValueError(f"{event!r} cannot be a button")
    if len(data.encode()) > LIMIT:
        raise ValueError(f"callback data over {LIMIT} bytes: {data!r}")
    return data


def decode(data: str | None) -> Event | None:
    """The event behind a button, or None for data this version does not understand."""
    if not data:
        return None
    if data in _FIXED:
        return _FIXED[data]
    kind, *parts = data.split(SEP)
    try:
        if kind == "c" and len(parts) == 3:
            return Choose(int(parts[0]), parts[1], parts[2])
        if kind == "b" and len(parts) == 2:
            return Back(int(parts[0]), parts[1])
        if kind == "w" and len(parts) == 2:
            return WarningSigns(int(parts[0]), parts[1])
        if kind in _SINGLE and len(parts) == 1:
            return _SINGLE[kind](parts[0])
        if kind == "i" and len(parts) == 3:
            return CheckInChoice(int(parts[0]), parts[1], parts[2])
    except ValueError:
        return None
    return None
