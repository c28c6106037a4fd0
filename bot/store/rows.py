"""The rows that cross the store's interface: frozen dataclasses, whatever the backend."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flows.record import Fact

# one table's row in an export: column name to value (the export is a JSON document)
Row = dict[str, Any]


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
class ReminderRow:
    kind: str
    local_time: str | None
    due: int  # UTC epoch seconds


@dataclass(frozen=True)
class SetAside:
    """A stored state that could not be read: kept whole in quarantine instead of being dropped."""

    data: str
    reason: str  # where and how it failed to load, never the runner's text


@dataclass(frozen=True)
class TableRows:
    """One whole table as the source backend keeps it (`thigh-coach db copy`): its columns, in order,
    and every row's values, oldest id first, as the driver reads them (ISO text for moments, 0/1 for flags)."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True)
class Quarantined:
    user_id: int
    data: str
    reason: str
    at: str  # when it was set aside, ISO 8601


@dataclass(frozen=True)
class ContentVersion:
    """The content every instance should serve: the one /reload last published."""

    version: int  # 0 before the first /reload
    digest: str | None  # `Content.digest` of what was published
    reloaded_at: str | None  # ISO 8601
    reloaded_by: int | None  # the admin who sent /reload


@dataclass(frozen=True)
class PlanPosition:
    """Where a runner's plan stands, for statistics: columns, not a label to match."""

    pattern: str
    phase: str
    status: str  # "active" or "paused"

    def __str__(self) -> str:
        return f"{self.pattern}, {self.phase}, {self.status}"


@dataclass(frozen=True)
class Change:
    """Everything one event changes for one user, written in a single transaction."""

    data: str  # the new conversation state, a JSON document
    state: str
    consented: bool
    active: bool | None = None
    answers: tuple[AnswerRow, ...] = ()
    outcomes: tuple[OutcomeRow, ...] = ()
    # appended to the runner's record (flows/record.py), never rewritten
    facts: tuple[Fact, ...] = ()
    # where the runner's plan stands, None without a plan
    plan: PlanPosition | None = None
    # the user's reminders, replacing all of them; None leaves them as they are
    reminders: tuple[ReminderRow, ...] | None = None
    # messages owed to the user because of this change, in the order they are to be sent
    outbox: tuple[str, ...] = ()
    # the state stored before, when it could not be read: kept in quarantine
    set_aside: SetAside | None = None


@dataclass(frozen=True)
class OwedMessage:
    """A message owed to a user: stored with the change that produced it, removed once sent."""

    id: int
    user_id: int
    body: str  # the rendered message, in whatever form the shell wrote it


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
class ProgressMessage:
    """The admin's message that shows a broadcast's progress, edited as it goes."""

    chat_id: int
    message_id: int


@dataclass(frozen=True)
class Broadcast:
    id: int
    created_by: int
    text: str
    status: str  # "draft", "running", "done" or "cancelled"
    total: int
    progress: ProgressMessage | None


@dataclass(frozen=True)
class Adherence:
    done: int
    planned: int


@dataclass(frozen=True)
class Stats:
    users: int
    active: int
    blocked: int
    new_week: int
    patterns: Mapping[str, int]
    red_flags: Mapping[str, int]
    phases: Mapping[str, int]
    adherence_7: Adherence
    adherence_30: Adherence
    reminders: Mapping[str, int]


@dataclass(frozen=True)
class LastOutcome:
    urgency: str
    pattern: str | None
    red_flag: str | None
    decided_at: str


@dataclass(frozen=True)
class UserSummary:
    consented: bool
    active: bool
    created: str
    last_seen: str
    where: str | None
    plan: PlanPosition | None
    answers: int
    checkins: int
    last_outcome: LastOutcome | None
    reminders: tuple[str, ...]
    quarantined: tuple[Quarantined, ...]  # states of theirs that could not be read, oldest first


@dataclass(frozen=True)
class AuditEntry:
    at: str
    actor_id: int | None
    action: str
    user_id: int | None
    detail: str
