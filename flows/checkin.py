"""The daily check-in: session done?, pain during, pain this morning, warning signs; then a decision.

The warning-sign question is the triage's own checklist, so both ask about exactly the same signs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from pydantic import BaseModel

from content import Content
from flows.events import CheckInChoice
from flows.language.numbers import pain_number
from flows.markup import rich
from flows.outcome import escalation_replies
from flows.plan import CheckIn, PlanState, apply_checkin, current_phase, decision_reply, overview_replies
from flows.progression import decide
from flows.replies import Button, CheckInRecorded, Effect, RedFlagRaised, Reply
from flows.screening import raised
from flows.understanding import understanding

Step = Literal["done", "pain_during", "pain_morning", "warning"]


class CheckinDraft(BaseModel):
    session: int
    step: Step = "done"
    done: Literal["done", "partly", "skipped"] | None = None
    pain_during: int | None = None
    pain_morning: int | None = None


@dataclass
class CheckinResult:
    plan: PlanState
    draft: CheckinDraft | None
    replies: list[Reply]
    effects: list[Effect] = field(default_factory=list)
    stale: bool = False


def _pain_buttons(draft: CheckinDraft) -> tuple[tuple[Button, ...], ...]:
    def row(numbers: range) -> tuple[Button, ...]:
        return tuple(Button(str(n), CheckInChoice(draft.session, draft.step, str(n))) for n in numbers)

    return (row(range(0, 6)), row(range(6, 11)))


def question(content: Content, draft: CheckinDraft) -> Reply:
    """The check-in question for the draft's current step, with its buttons."""
    strings = content.strings
    match draft.step:
        case "done":
            buttons = tuple(
                (Button(label, CheckInChoice(draft.session, "done", value)),)
                for value, label in (
                    ("done", strings.checkin_done),
                    ("partly", strings.checkin_partly),
                    ("skipped", strings.checkin_skipped),
                )
            )
            return Reply(rich(strings.checkin_done_question), buttons)
        case "pain_during":
            text = strings.checkin_pain_during if draft.done != "skipped" else strings.checkin_pain_today
            return Reply(rich(text), _pain_buttons(draft))
        case "pain_morning":
            return Reply(rich(strings.checkin_pain_morning), _pain_buttons(draft))
    screen = content.questions[content.triage.checkin_screen]
    rows = tuple((Button(a.label, CheckInChoice(draft.session, "warning", a.value)),) for a in screen.answers)
    return Reply(rich(screen.text), rows)


def begin(
    content: Content, plan: PlanState, today: date, previous: CheckinDraft | None, done: bool = False
) -> CheckinResult:
    """Open a check-in; `done` when the runner already said the session is done (from a reminder)."""
    if plan.status == "paused":
        return CheckinResult(plan, None, overview_replies(content, plan, today))
    if any(c.day == today for c in plan.checkins):
        replies = [Reply(rich(content.strings.checkin_already)), *overview_replies(content, plan, today)]
        return CheckinResult(plan, None, replies)
    draft = CheckinDraft(session=previous.session + 1 if previous else 1)
    if done:
        draft = draft.model_copy(update={"done": "done", "step": "pain_during"})
    return CheckinResult(plan, draft, [question(content, draft)])


def _finish(content: Content, plan: PlanState, draft: CheckinDraft, red_flag: str | None, today: date) -> CheckinResult:
    """Decide, record and say what the check-in did; `red_flag` is the most urgent sign reported."""
    assert draft.done is not None and draft.pain_during is not None and draft.pain_morning is not None
    phase = current_phase(content, plan)
    decision = decide(
        content.plans.progression,
        done=draft.done,
        pain_during=draft.pain_during,
        pain_morning=draft.pain_morning,
        red_flag=red_flag is not None,
        earlier_worst=[c.worst for c in plan.checkins],
        good_days=plan.good_days,
        days_required=phase.days_required,
    )
    checkin = CheckIn(
        day=today,
        done=draft.done,
        pain_during=draft.pain_during,
        pain_morning=draft.pain_morning,
        phase=phase.id,
        decision=decision,
    )
    after = apply_checkin(content, plan, checkin)
    effects: list[Effect] = [
        CheckInRecorded(today.isoformat(), draft.done, draft.pain_during, draft.pain_morning, phase.id, decision.value)
    ]
    if red_flag is not None:
        flag = content.flags[red_flag]
        effects.append(RedFlagRaised(red_flag))
        return CheckinResult(
            after, None, [*escalation_replies(content, flag, None), *overview_replies(content, after, today)], effects
        )
    replies = [decision_reply(content, plan, after, checkin)]
    if after.phase != plan.phase:
        replies += overview_replies(content, after, today)[:1]
    return CheckinResult(after, None, replies, effects)


def _advance(content: Content, plan: PlanState, draft: CheckinDraft, value: str, today: date) -> CheckinResult:
    """Take the answer to the current step; on the last step, decide."""
    match draft.step:
        case "done" if value in ("done", "partly", "skipped"):
            draft = draft.model_copy(update={"done": value, "step": "pain_during"})
        case "pain_during" | "pain_morning" if value.isdigit() and 0 <= int(value) <= 10:
            nxt: Step = "pain_morning" if draft.step == "pain_during" else "warning"
            draft = draft.model_copy(update={draft.step: int(value), "step": nxt})
        case "warning":
            screen = content.questions[content.triage.checkin_screen]
            answer = next((a for a in screen.answers if a.value == value), None)
            if answer is None:  # an answer from an older version of the screen
                return CheckinResult(plan, draft, [question(content, draft)])
            flags = raised(content, answer.findings)
            return _finish(content, plan, draft, flags[0].id if flags else None, today)
        case _:
            return CheckinResult(plan, draft, [question(content, draft)])
    return CheckinResult(plan, draft, [question(content, draft)])


def choose(
    content: Content, plan: PlanState, draft: CheckinDraft | None, event: CheckInChoice, today: date
) -> CheckinResult:
    """A tapped check-in button; an old check-in's buttons get the current question again."""
    if draft is None or event.session != draft.session or event.step != draft.step:
        strings = content.strings
        if draft is None:
            return CheckinResult(plan, None, [Reply(rich(strings.stale_answer))], stale=True)
        current = question(content, draft)
        return CheckinResult(
            plan, draft, [Reply(f"{rich(strings.stale_answer)}\n\n{current.text}", current.buttons)], stale=True
        )
    return _advance(content, plan, draft, event.value, today)


def _done_word(content: Content, text: str) -> str | None:
    return understanding(content).pick(text, content.language.checkin_words)


def typed(content: Content, plan: PlanState, draft: CheckinDraft, text: str, today: date) -> CheckinResult:
    """A typed answer to the current check-in question."""
    strings = content.strings
    if draft.step == "done":
        value = _done_word(content, text)
    elif draft.step == "warning":
        answer = understanding(content).answer(content.questions[content.triage.checkin_screen], text)
        value = answer.value if answer is not None else None
    else:
        number = pain_number(text, content.language.number_words)
        value = str(number) if number is not None else None
    if value is None:
        notice = strings.checkin_number_needed if draft.step.startswith("pain") else strings.not_understood
        current = question(content, draft)
        return CheckinResult(plan, draft, [Reply(f"{rich(notice)}\n\n{current.text}", current.buttons)])
    return _advance(content, plan, draft, value, today)
