"""What a flow answers with: plain objects that know nothing of Telegram."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from flows.events import Event
from flows.pictures import Chart, Report
from flows.record import Recorded, RecordNeeded
from flows.reminders import Scheduled

S = TypeVar("S")


@dataclass(frozen=True)
class Button:
    label: str
    event: Event


@dataclass(frozen=True)
class Reply:
    """One message: text in the <b>/<i> subset of HTML, and rows of buttons; with a picture (a chart
    sent as a photo, a report as a PDF document) the text is its caption."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    picture: Chart | Report | None = None


@dataclass(frozen=True)
class TriageCompleted:
    """Effect: triage ended with an outcome (for statistics and the plan)."""

    urgency: str
    pattern: str | None
    red_flag: str | None


@dataclass(frozen=True)
class RedFlagRaised:
    """Effect: a warning sign was reported; anything scheduled for the user should pause."""

    red_flag: str


@dataclass(frozen=True)
class AnswerRecorded:
    """Effect: an answer became part of the triage (for the answer history)."""

    session: int
    question: str
    value: str


@dataclass(frozen=True)
class Rescheduled:
    """Effect: these reminders, at their next occurrences, replace every one scheduled for the runner (the
    settings changed, or /start brought the runner back)."""

    reminders: tuple[Scheduled, ...]


@dataclass(frozen=True)
class CameBack:
    """Effect: the runner wrote /start; someone who had blocked the bot is active again."""


Effect = TriageCompleted | RedFlagRaised | AnswerRecorded | Recorded | RecordNeeded | Rescheduled | CameBack


@dataclass(frozen=True)
class Result(Generic[S]):
    state: S
    replies: list[Reply] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    # the event came from a keyboard that no longer applies (the shell leaves that message's text as it was)
    stale: bool = False
