"""The store interface: what the shell needs from durable storage, whatever the backend."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

Row = dict[str, Any]


class StoreError(Exception):
    """A problem with the database that an operator must fix; the message is one line."""


@dataclass(frozen=True)
class Stored:
    """One user's conversation as stored: `data` is its JSON document, None for someone new."""

    user_id: int
    data: str | None
    version: int
    active: bool


@dataclass(frozen=True)
class AnswerRow:
    session: int
    question: str
    value: str


@dataclass(frozen=True)
class OutcomeRow:
    urgency: str
    pattern: str | None
    red_flag: str | None


@dataclass(frozen=True)
class CheckinRow:
    day: str
    done: str
    pain_during: int
    pain_morning: int
    phase: str
    decision: str


@dataclass(frozen=True)
class ReminderRow:
    kind: str
    local_time: str | None
    due: int  # UTC epoch seconds


@dataclass(frozen=True)
class DueReminder:
    """A reminder row that has come due, with what the scheduler needs to decide about it."""

    user_id: int
    kind: str
    local_time: str | None
    due: int
    data: str | None
    active: bool


@dataclass(frozen=True)
class ReminderDecision:
    log_key: str  # the local date (or, for a snooze, the local minute) it counts for
    status: str  # "send", or why not: "missed", "done", "skipped", "paused", "no_plan", "inactive"
    next_due: int | None  # the next occurrence; None removes the row


@dataclass(frozen=True)
class ClaimedReminder:
    log_id: int
    user_id: int
    kind: str
    data: str | None
    due: int  # UTC epoch seconds


@dataclass(frozen=True)
class OwedMessage:
    """A message owed to a user: stored with the change that produced it, removed once sent."""

    id: int
    user_id: int
    body: str  # the rendered message, in whatever form the shell wrote it


@dataclass(frozen=True)
class Change:
    """Everything one event changes for one user, written in a single transaction."""

    data: str  # the new conversation state, a JSON document
    state: str
    consented: bool
    active: bool | None = None
    answers: tuple[AnswerRow, ...] = ()
    outcomes: tuple[OutcomeRow, ...] = ()
    checkins: tuple[CheckinRow, ...] = ()
    # where the runner's plan stands ("pattern:phase:status"), None without a plan
    plan: str | None = None
    # the user's reminders, replacing all of them; None leaves them as they are
    reminders: tuple[ReminderRow, ...] | None = None
    # messages owed to the user because of this change, in the order they are to be sent
    outbox: tuple[str, ...] = ()


# runs inside the write transaction: must be pure and quick
Decide = Callable[[Stored], tuple[Change, T]]


class Store(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def problem(self) -> str | None:
        """Why the store cannot be trusted now (for /healthz); None when it reads and writes."""
        ...

    async def apply(self, user_id: int, update_id: int | None, decide: Decide[T]) -> T | None:
        """Load the user's state, let `decide` compute the change, write it; all or nothing.

        Returns None, and changes nothing, when `update_id` was handled before.
        """
        ...

    async def load(self, user_id: int) -> Stored: ...

    async def answers(self, user_id: int) -> list[AnswerRow]: ...

    async def set_active(self, user_id: int, active: bool) -> None:
        """Someone inactive (they blocked the bot) is owed no message and has no reminders."""
        ...

    async def unsent(self, user_id: int | None = None, limit: int = 100) -> list[OwedMessage]:
        """Messages owed and not yet sent, oldest first: one user's, or everyone's."""
        ...

    async def mark_sent(self, message_id: int) -> None:
        """The message went out (or never can): it is owed no more."""
        ...

    async def audit(self, actor_id: int | None, action: str, user_id: int | None, detail: str = "") -> None: ...

    async def export_user(self, user_id: int) -> dict[str, list[Row]]:
        """Every stored row about one user, by table."""
        ...

    async def delete_user(self, user_id: int) -> int:
        """Remove every row about one user; returns how many rows went."""
        ...

    async def claim_reminders(
        self, now: int, limit: int, decide: Callable[[DueReminder], ReminderDecision]
    ) -> list[ClaimedReminder]:
        """In one transaction: decide every due reminder, log it once per user, kind and local day,
        move it to its next occurrence; returns the ones to send now."""
        ...

    async def unsent_reminders(self) -> list[ClaimedReminder]:
        """Reminders claimed but never marked sent (the process stopped in between)."""
        ...

    async def finish_reminder(self, log_id: int, status: str) -> None: ...

    async def mark_delivery(self, broadcast_id: int, user_id: int, status: str) -> None:
        """One broadcast delivery is settled (sent, blocked, failed): never sent again."""
        ...
