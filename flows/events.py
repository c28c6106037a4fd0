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


Event = Start | Consent | BeginTriage | Resume | Cancel | Choose | Back | WarningSigns | Text | Unsupported
