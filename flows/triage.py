"""The triage questions as a state machine: ask, record, go back, screen for warning signs, conclude.

The machine is defined once (states and transitions as a table, see TRANSITIONS) and shared: each
event makes a fresh, light `_Turn` model and fires one of the machine's events on it.

The most urgent warning sign wins. An emergency ends the questions at once. A same-day sign first asks
the warning-sign questions that could still raise something more urgent, then concludes. A within-days
sign lets the questions carry on and leads the outcome.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel
from transitions import Machine

from content import Content
from content.checks import OUTCOME
from content.schema import Answer, Question, RedFlag, Urgency
from flows.events import Back, Choose, Event, Text, WarningSigns
from flows.evolve import evolve
from flows.language.text import words
from flows.markup import bold, rich
from flows.outcome import Outcome, assess, escalation_replies, outcome_replies, urgent
from flows.replies import AnswerRecorded, Button, Effect, RedFlagRaised, Reply, Result, TriageCompleted
from flows.screening import raised, worth_asking
from flows.understanding import understanding

Status = Literal["asking", "paused", "finished", "escalated"]

# a typed answer longer than this is not a short answer to a question; it is still read for red flags
LONG_TEXT = 500
STORY_WORDS = 12  # a message this long may tell more than the question asked; a shorter one is a reply


class TriageState(BaseModel):
    session: int = 1
    status: Status = "asking"
    question: str
    answers: list[tuple[str, str]] = []
    # findings the runner typed (answers' own findings are read from content, so Back undoes them)
    typed_findings: list[str] = []
    # the question the user opened the warning-signs questions from
    detour_from: str | None = None
    # answers read from what the runner wrote for questions not reached yet: taken when the route gets there
    prefilled: dict[str, str] = {}
    outcome: Outcome | None = None


STATES = ["asking", "paused", "finished", "escalated"]
TRANSITIONS: list[dict[str, Any]] = [
    # an answer fires one of three triggers, picked by `_answer_trigger`
    {"trigger": "answer", "source": "asking", "dest": "asking", "after": "ask_next"},
    {"trigger": "last_answer", "source": "asking", "dest": "finished", "after": "conclude"},
    {"trigger": "urgent_answer", "source": "asking", "dest": "escalated", "after": "conclude"},
    # a warning sign typed: noted and the questions go on (or jump to the more urgent ones), or the end
    {"trigger": "note_flag", "source": "asking", "dest": "asking", "after": "note"},
    {"trigger": "report_flag", "source": STATES, "dest": "escalated", "after": "escalate"},
    {"trigger": "back", "source": "asking", "dest": "asking", "after": "step_back"},
    {"trigger": "open_checklist", "source": "asking", "dest": "asking", "after": "detour"},
    {"trigger": "pause", "source": "asking", "dest": "paused"},
    {"trigger": "resume", "source": "paused", "dest": "asking", "after": "ask"},
]


def findings_of(content: Content, state: TriageState) -> set[str]:
    """Everything reported so far: the answers' findings and the typed ones."""
    found = set(state.typed_findings)
    by_answer = content.answer_findings
    for answer in state.answers:
        found.update(by_answer.get(answer, ()))  # an answer the content no longer has reports nothing
    return found


def _answered(state: TriageState) -> set[str]:
    return {question for question, _ in state.answers}


def _remaining(content: Content, state: TriageState, findings: set[str], level: str) -> list[str]:
    """Questions not yet answered that could still raise something more urgent than `level`, in route order."""
    done = _answered(state)
    open_questions = [q for q in content.triage.questions if q.id not in done and q.id != content.triage.checkin_screen]
    wanted = worth_asking(content, open_questions, findings, level)
    return [q.id for q in open_questions if q.id in wanted]


def _routine_target(content: Content, state: TriageState, answer: Answer) -> str:
    """Where the answer leads without any warning sign: on along the route (past warning-sign questions
    already answered through the button), or on through the warning-sign questions of a detour."""
    done = _answered(state) | {state.question}
    later = [q for q in content.triage.safety if q not in done]
    if state.detour_from is not None:
        return later[0] if later else state.detour_from
    target = answer.next or content.questions[state.question].next
    assert target is not None, "content checks guarantee every answer leads somewhere"
    if target in content.triage.safety and target in done:
        return later[0] if later else OUTCOME
    return target


def _target(content: Content, state: TriageState, findings: set[str], routine: str) -> str:
    """The next question, or OUTCOME: a same-day sign skips to the more urgent questions left."""
    flags = raised(content, findings)
    if flags and urgent(flags[0]):
        remaining = _remaining(content, state, findings, flags[0].urgency.value)
        return remaining[0] if remaining else OUTCOME
    return routine


@dataclass(eq=False)  # transitions compares models; identity keeps add/remove cheap
class _Turn:
    content: Content
    data: TriageState
    replies: list[Reply] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    state: str = "asking"

    # --- callbacks ---
    def ask(self, prefix: str | None = None) -> None:
        self.replies.append(question_reply(self.content, self.data, prefix))

    def ask_next(self, target: str, chain: Chain, echo: list[str]) -> None:
        leaving_detour = self.data.detour_from is not None and target == self.data.detour_from
        self._record(chain)
        self.data.question = target
        if leaving_detour or target not in self.content.triage.safety:
            self.data.detour_from = None
        self._flag_effects(set())
        self.ask(self._echo(chain, echo))

    def step_back(self) -> None:
        if self.data.detour_from is not None and self.data.question == self.content.triage.warning_signs:
            self.data.question, self.data.detour_from = self.data.detour_from, None
        else:
            self.data.question, _ = self.data.answers.pop()
        self.ask()

    def detour(self) -> None:
        self.data.detour_from = self.data.question
        self.data.question = self.content.triage.warning_signs
        self.ask()

    def note(self, flag: RedFlag, target: str, known_before: set[str]) -> None:
        """A typed warning sign that does not end the questions yet."""
        self._flag_effects(known_before)
        strings = self.content.strings
        short = self.content.red_flags.urgencies[flag.urgency].short
        template = strings.flag_pending if urgent(flag) else strings.flag_noted
        prefix = rich(template).replace("{sign}", bold(flag.title)).replace("{urgency}", rich(short))
        if target != self.data.question:
            self.data.question = target
        if target not in self.content.triage.safety:  # off the warning-sign questions: the detour is over
            self.data.detour_from = None
        self.ask(prefix)

    def escalate(self, known_before: set[str]) -> None:
        self.data.detour_from = None
        self._flag_effects(known_before)
        self._finish()

    def conclude(self, target: str, chain: Chain, echo: list[str]) -> None:
        known_before = findings_of(self.content, self.data)
        self._record(chain)
        self.data.detour_from = None
        self._flag_effects(known_before)
        self._finish()

    def _finish(self) -> None:
        content = self.content
        outcome = assess(content, self.data.answers, findings_of(content, self.data))
        self.data.outcome = outcome
        self.replies.extend(outcome_replies(content, outcome))
        flag = content.flags.get(outcome.red_flag) if outcome.red_flag else None
        if flag is None or not urgent(flag):
            self.replies.append(Reply(rich(content.strings.triage_finished)))
        self.effects.append(TriageCompleted(outcome.urgency, outcome.pattern, outcome.red_flag))

    def _record(self, chain: Chain) -> None:
        for question, value in chain:
            self.data.answers.append((question, value))
            self.data.prefilled.pop(question, None)
            self.effects.append(AnswerRecorded(self.data.session, question, value))

    def _echo(self, chain: Chain, typed: list[str]) -> str | None:
        """What was taken from the runner's words: the typed answer, and answers their story gave on the way."""
        labels = [
            _answer(self.content.questions[q], v).label  # type: ignore[union-attr]
            for q, v in chain
            if q in typed or chain.index((q, v)) > 0
        ]
        if not labels:
            return None
        return rich(self.content.strings.typed_echo).replace("{answers}", "; ".join(bold(label) for label in labels))

    def _flag_effects(self, known_before: set[str]) -> None:
        """A RedFlagRaised effect for each sign that is new with this event."""
        before = {f.id for f in raised(self.content, known_before)} if known_before else set()
        already = {e.red_flag for e in self.effects if isinstance(e, RedFlagRaised)}
        for flag in raised(self.content, findings_of(self.content, self.data)):
            if flag.id not in before and flag.id not in already:
                self.effects.append(RedFlagRaised(flag.id))


MACHINE = Machine(
    model=None,
    states=STATES,
    transitions=TRANSITIONS,
    initial="asking",
    auto_transitions=False,
    send_event=False,
)


def _run(content: Content, state: TriageState, trigger: str, *args: Any) -> Result[TriageState]:
    # the callbacks work on a scratch copy (the lists are the only parts they touch, their items are
    # immutable: copy just those); the state they leave is validated whole
    copy = state.model_copy(
        update={
            "answers": list(state.answers),
            "typed_findings": list(state.typed_findings),
            "prefilled": dict(state.prefilled),
        }
    )
    turn = _Turn(content, copy, state=state.status)
    # fire the shared machine's event on the turn directly: attaching the model (add_model) would
    # only decorate it with convenience methods, and costs more than the whole transition
    MACHINE.events[trigger].trigger(turn, *args)
    return Result(evolve(turn.data, status=turn.state), turn.replies, turn.effects)


Chain = list[tuple[str, str]]  # (question, answer value) recorded by one event, in order


def _plan(content: Content, state: TriageState, answer: Answer) -> tuple[str, str, Chain]:
    """The trigger for an answer, the question it leads to, and the answers it records: this one, then any
    the runner's own words already gave for the questions the route reaches next (until a warning sign)."""
    sim = evolve(state, answers=list(state.answers))
    chain: Chain = []
    current = answer
    while True:
        findings = findings_of(content, sim) | set(current.findings)
        routine = _routine_target(content, sim, current)
        sim.answers.append((sim.question, current.value))
        chain.append((sim.question, current.value))
        flags = raised(content, findings)
        if flags and flags[0].urgency == Urgency.EMERGENCY:
            return "urgent_answer", OUTCOME, chain
        target = _target(content, sim, findings, routine)
        if target == OUTCOME:
            return ("urgent_answer" if flags and urgent(flags[0]) else "last_answer"), OUTCOME, chain
        given = _answer(content.questions[target], sim.prefilled.get(target, ""))
        if given is None or (flags and urgent(flags[0])) or target in content.triage.safety:
            return "answer", target, chain
        sim.question, current = target, given


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
    if question.id not in content.triage.safety:
        extras.append(Button(strings.warning_signs_button, WarningSigns(state.session, question.id)))
    if extras:
        rows.append(tuple(extras))
    return Reply(text, tuple(rows))


def begin(content: Content, previous: TriageState | None = None, story: str | None = None) -> Result[TriageState]:
    """A fresh set of questions; a new session number makes every older keyboard stale. A story the runner
    wrote before the questions began answers what it clearly can."""
    session = previous.session + 1 if previous else 1
    state = TriageState(session=session, question=content.triage.start)
    if story:
        state.prefilled = story_answers(content, state, story, include_current=True)
        first = _answer(content.questions[state.question], state.prefilled.pop(state.question, ""))
        if first is not None:
            return _run(content, state, *_plan(content, state, first), [state.question])
    return Result(state, [question_reply(content, state)])


def first_unanswered(content: Content, state: TriageState) -> str:
    """Where a stored triage carries on after content changed: the first question on its route not yet answered."""
    given = dict(state.answers)
    question = content.triage.start
    seen: set[str] = set()
    while question in given and question in content.questions and question not in seen:
        seen.add(question)
        answer = next((a for a in content.questions[question].answers if a.value == given[question]), None)
        if answer is None:
            break
        question = answer.next or content.questions[question].next or OUTCOME
    if question == OUTCOME or question not in content.questions:
        return next((q for q in content.triage.safety if q not in given), content.triage.safety[-1])
    return question


def _current(content: Content, state: TriageState) -> TriageState:
    if state.question in content.questions:
        return state
    return evolve(state, question=first_unanswered(content, state), detour_from=None)


def resume(content: Content, state: TriageState) -> Result[TriageState]:
    return _run(content, _current(content, state), "resume")


def pause(content: Content, state: TriageState) -> Result[TriageState]:
    return _run(content, state, "pause")


def report(content: Content, state: TriageState, typed: Iterable[str], text: str = "") -> Result[TriageState] | None:
    """Findings typed during the triage; None when they raise no new warning sign (the caller goes on). The
    message's other answers are kept for when the questions reach them."""
    state = _current(content, state)
    if text and state.status == "asking":
        state = evolve(state, prefilled={**state.prefilled, **story_answers(content, state, text)})
    before = findings_of(content, state)
    new = [f for f in typed if f not in state.typed_findings]
    known = before | set(new)
    flags = raised(content, known)
    if not flags or {f.id for f in flags} <= {f.id for f in raised(content, before)}:
        return None
    noted = evolve(state, typed_findings=[*state.typed_findings, *new])
    top = flags[0]
    if state.status != "asking" or top.urgency == Urgency.EMERGENCY:
        return _run(content, noted, "report_flag", before)
    target = _target(content, noted, known, noted.question)
    if target == OUTCOME:
        return _run(content, noted, "report_flag", before)
    return _run(content, noted, "note_flag", top, target, before)


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


def story_answers(content: Content, state: TriageState, text: str, include_current: bool = False) -> dict[str, str]:
    """Answers a story clearly gives to questions not asked yet: a runner's story fills what it can. A
    short reply answers the question asked and nothing more; the warning-sign questions are always asked;
    and a question that could reveal a sign is skipped only for that sign ("about three weeks" must not
    spare the runner the question where "and it keeps getting worse" is an answer)."""
    if len(words(text)) < STORY_WORDS:
        return {}
    done = {q for q, _ in state.answers} | set(state.prefilled) | (set() if include_current else {state.question})
    reader = understanding(content)
    found = {}
    for question in content.triage.questions:
        if question.id in done or question.id in content.triage.safety or question.id == content.triage.checkin_screen:
            continue
        answer = reader.clear_answer(question, text)
        if answer is None or (not answer.findings and any(a.findings for a in question.answers)):
            continue
        found[question.id] = answer.value
    return found


def handle(content: Content, state: TriageState, event: Event) -> Result[TriageState]:
    """One event of an ongoing triage. Warning signs in typed text are reported by the caller first."""
    state = _current(content, state)
    question = content.questions[state.question]
    strings = content.strings
    match event:
        case Choose(session=session, question=qid, value=value):
            answer = _answer(question, value)
            if answer is None or not _is_current(state, session, qid):
                return _stale(content, state)
            return _run(content, state, *_plan(content, state, answer), [])
        case Back(session=session, question=qid) | WarningSigns(session=session, question=qid) if not _is_current(
            state, session, qid
        ):
            return _stale(content, state)
        case Back():
            if not state.answers and state.detour_from is None:
                return Result(state, [question_reply(content, state, prefix=rich(strings.no_going_back))])
            return _run(content, state, "back")
        case WarningSigns():
            if question.id in content.triage.safety:
                return Result(state, [question_reply(content, state)])
            return _run(content, state, "open_checklist")
        case Text(text=text) if state.status == "asking":
            if len(text) > LONG_TEXT:
                return Result(state, [question_reply(content, state, prefix=rich(strings.text_too_long))])
            told = evolve(state, prefilled={**state.prefilled, **story_answers(content, state, text)})
            typed = understanding(content).answer(question, text)
            if typed is not None:
                return _run(content, told, *_plan(content, told, typed), [question.id])
            if len(told.prefilled) > len(state.prefilled):  # a story: what it said is noted, this is still open
                labels = [
                    _answer(content.questions[q], v) for q, v in told.prefilled.items() if q not in state.prefilled
                ]
                noted = "; ".join(bold(a.label) for a in labels if a is not None)
                prefix = rich(strings.story_noted).replace("{answers}", noted)
                return Result(told, [question_reply(content, told, prefix=prefix)])
            return Result(state, [question_reply(content, state, prefix=rich(strings.not_understood))])
    return _stale(content, state)
