"""The triage questions as a state machine: ask, record, go back, escalate, conclude.

The machine is defined once (states and transitions as a table, see TRANSITIONS) and shared: each
event makes a fresh, light `_Turn` model and fires one of the machine's events on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel
from transitions import Machine

from content import Content
from content.checks import OUTCOME
from content.schema import Answer, Question, RedFlag
from flows.events import Back, Choose, Event, Text, WarningSigns
from flows.markup import rich
from flows.outcome import Outcome, assess, escalation_replies, outcome_replies
from flows.replies import AnswerRecorded, Button, Effect, RedFlagRaised, Reply, Result, TriageCompleted
from flows.understanding import understanding

Status = Literal["asking", "paused", "finished", "escalated"]

# a typed answer longer than this is not a short answer to a question; it is still read for red flags
LONG_TEXT = 500


class TriageState(BaseModel):
    session: int = 1
    status: Status = "asking"
    question: str
    answers: list[tuple[str, str]] = []
    # the question the user opened the warning-signs checklist from
    detour_from: str | None = None
    outcome: Outcome | None = None


STATES = ["asking", "paused", "finished", "escalated"]
TRANSITIONS: list[dict[str, Any]] = [
    # an answer fires one of three triggers, picked by `_answer_trigger`
    {"trigger": "answer", "source": "asking", "dest": "asking", "after": "ask_next"},
    {"trigger": "last_answer", "source": "asking", "dest": "finished", "after": "conclude"},
    {"trigger": "flagged_answer", "source": "asking", "dest": "escalated", "after": "escalate_answer"},
    {"trigger": "back", "source": "asking", "dest": "asking", "after": "step_back"},
    {"trigger": "open_checklist", "source": "asking", "dest": "asking", "after": "detour"},
    {"trigger": "report_flag", "source": STATES, "dest": "escalated", "after": "escalate"},
    {"trigger": "pause", "source": "asking", "dest": "paused"},
    {"trigger": "resume", "source": "paused", "dest": "asking", "after": "ask"},
]


@dataclass(eq=False)  # transitions compares models; identity keeps add/remove cheap
class _Turn:
    content: Content
    data: TriageState
    replies: list[Reply] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    state: str = "asking"

    # --- callbacks ---
    def ask(self) -> None:
        self.replies.append(question_reply(self.content, self.data))

    def ask_next(self, answer: Answer) -> None:
        if self.data.detour_from is not None:
            self.data.question, self.data.detour_from = self.data.detour_from, None
        else:
            target = _target(self.content, self.data, answer)
            self._record(answer)
            self.data.question = target
        self.ask()

    def step_back(self) -> None:
        if self.data.detour_from is not None:
            self.data.question, self.data.detour_from = self.data.detour_from, None
        else:
            self.data.question, _ = self.data.answers.pop()
        self.ask()

    def detour(self) -> None:
        self.data.detour_from = self.data.question
        self.data.question = self.content.triage.warning_signs
        self.ask()

    def escalate_answer(self, answer: Answer) -> None:
        self._record(answer)
        assert answer.red_flag is not None
        self.escalate(self.content.flags[answer.red_flag])

    def escalate(self, flag: RedFlag) -> None:
        self.data.detour_from = None
        self.data.outcome = assess(self.content, self.data.answers, flag)
        self.replies.extend(escalation_replies(self.content, flag, self.data.outcome))
        self.effects.append(RedFlagRaised(flag.id))
        self.effects.append(_completed(self.data.outcome))

    def conclude(self, answer: Answer) -> None:
        self._record(answer)
        self.data.outcome = assess(self.content, self.data.answers)
        self.replies.extend(outcome_replies(self.content, self.data.outcome))
        self.replies.append(Reply(rich(self.content.strings.triage_finished)))
        self.effects.append(_completed(self.data.outcome))

    def _record(self, answer: Answer) -> None:
        self.data.answers.append((self.data.question, answer.value))
        self.effects.append(AnswerRecorded(self.data.session, self.data.question, answer.value))


def _target(content: Content, state: TriageState, answer: Answer) -> str:
    target = answer.next or content.questions[state.question].next
    assert target is not None, "content checks guarantee every answer leads somewhere"
    return target


def _answer_trigger(content: Content, state: TriageState, answer: Answer) -> str:
    """A warning sign escalates; the last question concludes; anything else asks the next one."""
    if answer.red_flag is not None:
        return "flagged_answer"
    if state.detour_from is None and _target(content, state, answer) == OUTCOME:
        return "last_answer"
    return "answer"


MACHINE = Machine(
    model=None,
    states=STATES,
    transitions=TRANSITIONS,
    initial="asking",
    auto_transitions=False,
    send_event=False,
)


def _completed(outcome: Outcome) -> TriageCompleted:
    return TriageCompleted(outcome.urgency, outcome.pattern, outcome.red_flag)


def _run(content: Content, state: TriageState, trigger: str, *args: Any) -> Result[TriageState]:
    # answers is the only mutable part the callbacks touch (its items are tuples): copy just that
    turn = _Turn(content, state.model_copy(update={"answers": list(state.answers)}), state=state.status)
    # fire the shared machine's event on the turn directly: attaching the model (add_model) would
    # only decorate it with convenience methods, and costs more than the whole transition
    MACHINE.events[trigger].trigger(turn, *args)
    turn.data.status = turn.state  # type: ignore[assignment]
    return Result(turn.data, turn.replies, turn.effects)


def question_reply(content: Content, state: TriageState, prefix: str | None = None) -> Reply:
    """The current question with its answers, plus Back and Warning-signs where they apply."""
    question = content.questions[state.question]
    strings = content.strings
    text = rich(question.text)
    if question.hint:
        text += f"\n<i>{rich(question.hint)}</i>"
    if prefix:
        text = f"{prefix}\n\n{text}"
    rows: list[tuple[Button, ...]] = [
        (Button(a.label, Choose(state.session, question.id, a.value)),) for a in question.answers
    ]
    extras = []
    if state.answers or state.detour_from:
        extras.append(Button(strings.back_button, Back(state.session, question.id)))
    if question.id != content.triage.warning_signs:
        extras.append(Button(strings.warning_signs_button, WarningSigns(state.session, question.id)))
    if extras:
        rows.append(tuple(extras))
    return Reply(text, tuple(rows))


def begin(content: Content, previous: TriageState | None = None) -> Result[TriageState]:
    """A fresh set of questions; a new session number makes every older keyboard stale."""
    session = previous.session + 1 if previous else 1
    state = TriageState(session=session, question=content.triage.start)
    return Result(state, [question_reply(content, state)])


def resume(content: Content, state: TriageState) -> Result[TriageState]:
    if state.question not in content.questions:  # content was reloaded without this question
        return begin(content, state)
    return _run(content, state, "resume")


def pause(content: Content, state: TriageState) -> Result[TriageState]:
    return _run(content, state, "pause")


def escalate(content: Content, state: TriageState, flag: RedFlag) -> Result[TriageState]:
    return _run(content, state, "report_flag", flag)


def _is_current(state: TriageState, session: int, question: str) -> bool:
    return state.status == "asking" and state.session == session and state.question == question


def _stale(content: Content, state: TriageState) -> Result[TriageState]:
    """A tap on an old keyboard: the current question again, or where the answers led."""
    strings = content.strings
    if state.status == "asking":
        return Result(state, [question_reply(content, state, prefix=rich(strings.stale_answer))], stale=True)
    if state.outcome is not None and state.outcome.red_flag in content.flags:
        flag = content.flags[state.outcome.red_flag]
        return Result(state, escalation_replies(content, flag, state.outcome), stale=True)
    if state.outcome is not None:
        replies = [*outcome_replies(content, state.outcome), Reply(rich(strings.triage_finished))]
        return Result(state, replies, stale=True)
    return Result(state, [Reply(f"{rich(strings.stale_answer)}\n\n{rich(strings.triage_finished)}")], stale=True)


def _answer(question: Question, value: str) -> Answer | None:
    return next((a for a in question.answers if a.value == value), None)


def handle(content: Content, state: TriageState, event: Event) -> Result[TriageState]:
    """One event of an ongoing triage. Red flags in typed text are caught by the caller first."""
    if state.question not in content.questions:
        return begin(content, state)
    question = content.questions[state.question]
    strings = content.strings
    match event:
        case Choose(session=session, question=qid, value=value):
            answer = _answer(question, value)
            if answer is None or not _is_current(state, session, qid):
                return _stale(content, state)
            return _run(content, state, _answer_trigger(content, state, answer), answer)
        case Back(session=session, question=qid) | WarningSigns(session=session, question=qid) if not _is_current(
            state, session, qid
        ):
            return _stale(content, state)
        case Back():
            if not state.answers and state.detour_from is None:
                return Result(state, [question_reply(content, state, prefix=rich(strings.no_going_back))])
            return _run(content, state, "back")
        case WarningSigns():
            if question.id == content.triage.warning_signs:
                return Result(state, [question_reply(content, state)])
            return _run(content, state, "open_checklist")
        case Text(text=text) if state.status == "asking":
            typed = understanding(content).answer(question, text) if len(text) <= LONG_TEXT else None
            if typed is not None:
                return _run(content, state, _answer_trigger(content, state, typed), typed)
            notice = strings.text_too_long if len(text) > LONG_TEXT else strings.not_understood
            return Result(state, [question_reply(content, state, prefix=rich(notice))])
    return _stale(content, state)
