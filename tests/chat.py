"""A runner talking to the pure conversation flow: tap buttons by answer value, or type."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from content import Content
from flows.conversation import Conversation, handle
from flows.events import Choose, Consent, Event, Text, WarningSigns
from flows.markup import plain
from flows.record import CheckIn, Fact, MilestoneResult, Record, Recorded, RecordNeeded, Score
from flows.replies import Reply, Result
from flows.running_guard import RunLog


def appended(record: Record, facts: list[Fact]) -> Record:
    """The record with new facts at the end of their lists, as the store appends them."""
    return Record(
        (*record.checkins, *(f for f in facts if isinstance(f, CheckIn))),
        (*record.runs, *(f for f in facts if isinstance(f, RunLog))),
        (*record.milestones, *(f for f in facts if isinstance(f, MilestoneResult))),
        (*record.scores, *(f for f in facts if isinstance(f, Score))),
    )


class Chat:
    def __init__(self, content: Content, consent: bool = True, today: date = date(2026, 3, 2)) -> None:
        self.content = content
        self.today = today
        self.state = Conversation()
        self.last: Result[Conversation] | None = None
        self.transcript: list[Reply] = []
        self.record = Record()
        if consent:
            self.send(Consent(True))

    def send(self, event: Event) -> Result[Conversation]:
        """The event at noon today; the record is kept as the store keeps it, and given when asked for."""
        now = datetime.combine(self.today, time(12), UTC)
        self.last = handle(self.content, self.state, event, now)
        if any(isinstance(e, RecordNeeded) for e in self.last.effects):
            self.last = handle(self.content, self.state, event, now, self.record)
        self.record = appended(self.record, [e.fact for e in self.last.effects if isinstance(e, Recorded)])
        self.state = self.last.state
        self.transcript.extend(self.last.replies)
        return self.last

    @property
    def buttons(self) -> list[Event]:
        for reply in reversed(self.last.replies if self.last else []):
            if reply.buttons:
                return [b.event for row in reply.buttons for b in row]
        return []

    def tap(self, value: str) -> Result[Conversation]:
        event = next((e for e in self.buttons if isinstance(e, Choose) and e.value == value), None)
        assert event is not None, f"no button {value!r} on the current question {self.question!r}"
        return self.send(event)

    def open_warning_signs(self) -> Result[Conversation]:
        event = next(e for e in self.buttons if isinstance(e, WarningSigns))
        return self.send(event)

    def say(self, text: str) -> Result[Conversation]:
        return self.send(Text(text))

    @property
    def question(self) -> str | None:
        triage = self.state.triage
        return triage.question if triage and triage.status == "asking" else None

    @property
    def status(self) -> str | None:
        return self.state.triage.status if self.state.triage else None

    @property
    def text(self) -> str:
        """Everything the last event answered, as plain text."""
        return "\n".join(plain(r.text) for r in (self.last.replies if self.last else []))
