"""What can happen to a conversation. The shell turns updates into these; buttons carry them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Start:
    """/start: welcome, consent, or an offer to resume."""


@dataclass(frozen=True)
class Consent:
    accepted: bool


@dataclass(frozen=True)
class BeginTriage:
    """/triage, or "start again": a fresh set of questions."""


@dataclass(frozen=True)
class Resume:
    """Carry on with the questions where the user left off."""


@dataclass(frozen=True)
class Cancel:
    """/cancel: stop the questions, keep what was answered."""


@dataclass(frozen=True)
class Choose:
    """A tapped answer. `session` and `question` tell a stale keyboard from the current one."""

    session: int
    question: str
    value: str


@dataclass(frozen=True)
class Back:
    session: int
    question: str


@dataclass(frozen=True)
class WarningSigns:
    """Open the warning-signs checklist from the question the user is on."""

    session: int
    question: str


@dataclass(frozen=True)
class Text:
    """Anything typed."""

    text: str


@dataclass(frozen=True)
class Unsupported:
    """A sticker, photo, voice message or anything else the bot cannot read."""


@dataclass(frozen=True)
class ShowPlan:
    """/plan: the plan, today's session and progress (or an offer to start one)."""


@dataclass(frozen=True)
class StartPlan:
    """Start the plan for the last outcome. `mode`: "self_care", "seen" (checked by a clinician) or
    "caution" (going ahead unchecked after a warning)."""

    mode: str


@dataclass(frozen=True)
class ResumePlan:
    """The runner has been checked after a warning sign: the plan carries on."""


@dataclass(frozen=True)
class StartCheckIn:
    """/checkin: how today's session went."""


@dataclass(frozen=True)
class CheckInChoice:
    """A tapped check-in answer; `session` tells an old check-in's buttons from the current one."""

    session: int
    step: str
    value: str


@dataclass(frozen=True)
class ShowExercise:
    """A button under today's session: the how-to card of one exercise."""

    exercise: str


@dataclass(frozen=True)
class LogRun:
    """/log: record a run; with the run in `text` ("/log 5 km in 32 min"), in one go."""

    text: str = ""


@dataclass(frozen=True)
class ShowHistory:
    """/history: the pain trend."""


@dataclass(frozen=True)
class ShowReport:
    """/report: a one-page summary for a physiotherapist."""


@dataclass(frozen=True)
class OpenReminders:
    """/remind or /settings: set up or change daily reminders."""


@dataclass(frozen=True)
class SetZone:
    zone: str


@dataclass(frozen=True)
class SetReminderTime:
    time: str  # "HH:MM"


@dataclass(frozen=True)
class ChangeReminders:
    """A settings button: "time", "zone", "pause", "resume" or "morning"."""

    what: str


@dataclass(frozen=True)
class ReminderAction:
    """A button under a reminder: "done", "snooze", "skip" or "pause"."""

    action: str


Event = (
    Start
    | Consent
    | BeginTriage
    | Resume
    | Cancel
    | Choose
    | Back
    | WarningSigns
    | Text
    | Unsupported
    | ShowPlan
    | StartPlan
    | ResumePlan
    | StartCheckIn
    | CheckInChoice
    | ShowExercise
    | LogRun
    | ShowHistory
    | ShowReport
    | OpenReminders
    | SetZone
    | SetReminderTime
    | ChangeReminders
    | ReminderAction
)
