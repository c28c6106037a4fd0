"""The daily check-in: session done?, pain during, pain this morning, the plan's own questions (the
sciatica leg-symptom map, sharp pain in a strain), the phase's milestones when the phase could be left,
the outcome measure when it is due, and last the warning signs; then a decision.

The warning-sign question is the triage's own checklist, so both ask about exactly the same signs. A
runner's own stable tingling is recorded, not escalated: only new or spreading symptoms raise a sign.

Not a `transitions` machine but one function, `_next_step`: the steps are not a fixed graph but a list
computed from the plan and the day (which questions the plan has, whether the phase could be left,
whether the questionnaire is due), and the draft remembers only which step is open. A table of
transitions would have to be rebuilt for every runner and day; the function is that table, read in order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel

from content import Content
from content.schema import Answer, MeasureItem, more_urgent
from flows import measures
from flows.events import CheckInChoice
from flows.evolve import evolve
from flows.language.numbers import pain_number
from flows.markup import fill_markup, rich
from flows.outcome import escalation_replies
from flows.plan import (
    PlanState,
    apply_checkin,
    current_phase,
    decision_reply,
    holds_before,
    is_last_phase,
    kept,
    overview_replies,
    phase_time_done,
    plan_of,
    todays_run,
    usual_morning_of,
)
from flows.progression import decide, within_rules
from flows.record import CheckIn, Fact, MilestoneResult, Recorded
from flows.replies import Button, Effect, RedFlagRaised, Reply, Result
from flows.screening import raised
from flows.understanding import understanding

# steps: "done", "pain_during", "pain_morning", "check:ID", "milestone:ID", "measure:MEASURE/ITEM", "warning",
# and "more_signs" after a sign less urgent than others on the screen
_RANGE = re.compile(r"^(\d+)(?:\s*[–-]\s*(\d+))?$")
BUTTONS_PER_ROW = 3


class CheckinDraft(BaseModel):
    session: int
    step: str = "done"
    done: str | None = None
    pain_during: int | None = None
    pain_morning: int | None = None
    checks: dict[str, str] = {}
    milestones: dict[str, str] = {}
    measure: dict[str, str] = {}
    signs: list[str] = []  # findings of a warning sign tapped, while the more urgent ones are asked


@dataclass(frozen=True)
class Checkin:
    """Where a check-in step leaves the runner: the plan, and the check-in still being answered (None: done)."""

    plan: PlanState
    draft: CheckinDraft | None


class CheckinResult(Result[Checkin]):
    """The flows' one `Result`, its state a `Checkin`; built from its parts as the steps below do."""

    def __init__(
        self,
        plan: PlanState,
        draft: CheckinDraft | None,
        replies: list[Reply],
        effects: list[Effect] | None = None,
        stale: bool = False,
    ) -> None:
        super().__init__(Checkin(plan, draft), replies, effects if effects is not None else [], stale)


def _rows(draft: CheckinDraft, answers: Iterable[tuple[str, str]], per_row: int) -> tuple[tuple[Button, ...], ...]:
    buttons = [Button(label, CheckInChoice(draft.session, draft.step, value)) for value, label in answers]
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))


def _choices(content: Content, step: str) -> list[tuple[str, str]] | None:
    """(value, label) of the answers to a plan step ("check:", "milestone:", "measure:"), if it exists."""
    kind, _, key = step.partition(":")
    if kind == "check" and key in content.check_by_id:
        return [(a.value, a.label) for a in content.check_by_id[key].answers]
    if kind == "milestone" and key in content.milestone_by_id:
        return [(a.value, a.label) for a in content.milestone_by_id[key].answers]
    if kind == "measure":
        item = _measure_item(content, key)
        return [(a.value, a.label) for a in item.answers] if item else None
    return None


def _measure_item(content: Content, key: str) -> MeasureItem | None:
    """The item of a "MEASURE/ITEM" key."""
    measure_id, _, item_id = key.partition("/")
    measure = content.measure_by_id.get(measure_id)
    return next((i for i in measure.items if i.id == item_id), None) if measure else None


def question(content: Content, draft: CheckinDraft) -> Reply:
    """The check-in question for the draft's current step, with its buttons."""
    strings = content.strings
    kind, _, key = draft.step.partition(":")
    match kind:
        case "done":
            answers = (
                ("done", strings.checkin_done),
                ("partly", strings.checkin_partly),
                ("skipped", strings.checkin_skipped),
            )
            return Reply(rich(strings.checkin_done_question), _rows(draft, answers, 1))
        case "pain_during" | "pain_morning":
            text = strings.checkin_pain_morning if kind == "pain_morning" else strings.checkin_pain_during
            if kind == "pain_during" and draft.done == "skipped":
                text = strings.checkin_pain_today
            pain = [(str(n), str(n)) for n in range(11)]
            return Reply(rich(text), (*_rows(draft, pain[:6], 6), *_rows(draft, pain[6:], 5)))
        case "check" if key in content.check_by_id:
            check = content.check_by_id[key]
            return Reply(rich(check.text), _rows(draft, [(a.value, a.label) for a in check.answers], 1))
        case "milestone" if key in content.milestone_by_id:
            milestone = content.milestone_by_id[key]
            text = fill_markup(
                strings.milestone_question,
                name=rich(milestone.name),
                how=rich(milestone.how),
                question=rich(milestone.question),
            )
            return Reply(text, _rows(draft, [(a.value, a.label) for a in milestone.answers], 1))
        case "measure" if (item := _measure_item(content, key)) is not None:
            measure = content.measure_by_id[key.partition("/")[0]]
            text = rich(item.text) if draft.measure else f"{rich(measure.intro)}\n\n{rich(item.text)}"
            return Reply(text, _rows(draft, [(a.value, a.label) for a in item.answers], BUTTONS_PER_ROW))
    screen = content.questions[content.triage.checkin_screen]
    if kind == "more_signs":  # only the signs more urgent than the one tapped, and "none"
        more = [screen.answers[0], *_more_urgent(content, draft.signs)]
        return Reply(rich(strings.checkin_more_signs), _rows(draft, [(a.value, a.label) for a in more], 1))
    return Reply(rich(screen.text), _rows(draft, [(a.value, a.label) for a in screen.answers], 1))


def _level(content: Content, findings: Iterable[str]) -> str | None:
    flags = raised(content, findings)
    return flags[0].urgency.value if flags else None


def _more_urgent(content: Content, findings: Iterable[str]) -> list[Answer]:
    """The screen's answers that would raise a sign more urgent than the findings do: one tap names one sign,
    so a less urgent one must not end the screen before these were asked."""
    level = _level(content, findings)
    if level is None:
        return []
    screen = content.questions[content.triage.checkin_screen]
    return [a for a in screen.answers if (own := _level(content, a.findings)) and more_urgent(own, level)]


def begin(
    content: Content, plan: PlanState, today: date, previous: CheckinDraft | None, done: bool = False
) -> CheckinResult:
    """Open a check-in; `done` when the runner already said the session is done (from a reminder)."""
    if plan.status == "paused":
        return CheckinResult(plan, None, overview_replies(content, plan, today))
    if any(c.day == today for c in plan.checkins):  # one line, no plan again and no check-in button
        return CheckinResult(plan, None, [Reply(rich(content.strings.checkin_already))])
    draft = CheckinDraft(session=previous.session + 1 if previous else 1)
    if done:
        draft = evolve(draft, done="done", step="pain_during")
    return CheckinResult(plan, draft, [question(content, draft)])


def _reinjury_reported(content: Content, draft: CheckinDraft) -> bool:
    return any(
        a.reinjury
        for check_id, value in draft.checks.items()
        if check_id in content.check_by_id
        for a in content.check_by_id[check_id].answers
        if a.value == value
    )


def _asks_milestones(content: Content, plan: PlanState, draft: CheckinDraft, today: date) -> bool:
    """Milestones are asked when today could move the runner on: a good, complete session, the phase's
    days done, and a phase that has milestones."""
    assert draft.pain_during is not None and draft.pain_morning is not None
    rules = content.plans.progression
    usual = usual_morning_of(content, plan, today)
    return (
        draft.done == "done"
        and within_rules(rules, draft.pain_during, draft.pain_morning, usual)
        and not _reinjury_reported(content, draft)
        and not is_last_phase(content, plan)
        and bool(current_phase(content, plan).milestones)
        and phase_time_done(content, plan, today)
    )


def _next_step(content: Content, plan: PlanState, draft: CheckinDraft, today: date) -> str:
    for check_id in plan_of(content, plan).checks:
        if check_id not in draft.checks:
            return f"check:{check_id}"
    if _asks_milestones(content, plan, draft, today):
        for milestone_id in current_phase(content, plan).milestones:
            if milestone_id not in draft.milestones:
                return f"milestone:{milestone_id}"
    measure = measures.due(content, plan, today)
    if measure is not None:
        for item in measure.items:
            if item.id not in draft.measure:
                return f"measure:{measure.id}/{item.id}"
    return "warning"


def _answer_findings(content: Content, draft: CheckinDraft) -> set[str]:
    """Findings reported by the plan's own questions and the milestones (a painful hop test)."""
    found: set[str] = set()
    for check_id, value in draft.checks.items():
        check = content.check_by_id.get(check_id)
        found |= {f for a in (check.answers if check else ()) if a.value == value for f in a.findings}
    for milestone_id, value in draft.milestones.items():
        milestone = content.milestone_by_id.get(milestone_id)
        found |= {f for a in (milestone.answers if milestone else ()) if a.value == value for f in a.findings}
    return found


def _milestone_results(content: Content, plan: PlanState, draft: CheckinDraft, today: date) -> list[MilestoneResult]:
    phase = current_phase(content, plan).id
    results = []
    for milestone_id, value in draft.milestones.items():
        milestone = content.milestone_by_id.get(milestone_id)
        answer = next((a for a in milestone.answers if a.value == value), None) if milestone else None
        if answer is not None:
            result = MilestoneResult(day=today, phase=phase, milestone=milestone_id, answer=value, passed=answer.passed)
            results.append(result)
    return results


def _finish(
    content: Content, plan: PlanState, draft: CheckinDraft, findings: Iterable[str], today: date
) -> CheckinResult:
    """Decide, record and say what the check-in did."""
    assert draft.done in ("done", "partly", "skipped")
    assert draft.pain_during is not None and draft.pain_morning is not None
    flags = raised(content, {*findings, *_answer_findings(content, draft)})
    phase = current_phase(content, plan)
    results = _milestone_results(content, plan, draft, today)
    passed = bool(results) and all(r.passed for r in results)
    ready = phase_time_done(content, plan, today) and (passed or not phase.milestones)
    decision = decide(
        content.plans.progression,
        done=draft.done,
        pain_during=draft.pain_during,
        pain_morning=draft.pain_morning,
        usual=usual_morning_of(content, plan, today),
        holds_before=holds_before(plan),
        red_flag=bool(flags),
        reinjury_watch=plan_of(content, plan).reinjury_watch,
        sharp_pain=_reinjury_reported(content, draft),
        last_phase=is_last_phase(content, plan),
        ready=ready,
    )
    run = todays_run(content, plan, today)
    checkin = CheckIn(
        day=today,
        done=draft.done,  # type: ignore[arg-type]
        pain_during=draft.pain_during,
        pain_morning=draft.pain_morning,
        phase=phase.id,
        decision=decision,
        run_minutes=run.minutes if run else None,
        run_step=run.step if run and run.minutes is not None else None,
        checks=dict(draft.checks),
    )
    measure = measures.due(content, plan, today)
    score = measures.score(measure, draft.measure, today) if measure and draft.measure else None
    after = kept(content, apply_checkin(plan, checkin, plan_of(content, plan), results, score), today)
    facts: list[Fact] = [checkin, *results, *([score] if score else [])]
    effects: list[Effect] = [Recorded(fact) for fact in facts]
    if flags:
        effects += [RedFlagRaised(f.id) for f in flags]
        replies = [*escalation_replies(content, flags[0], None), *overview_replies(content, after, today)]
        return CheckinResult(after, None, replies, effects)
    not_passed = [content.milestone_by_id[r.milestone].name for r in results if not r.passed]
    replies = [decision_reply(content, plan, after, checkin, not_passed)]
    if score is not None and measure is not None:
        text = fill_markup(content.strings.measure_result, name=rich(measure.name), score=str(score.score))
        replies.append(Reply(text))
    if after.phase != plan.phase:
        replies += overview_replies(content, after, today)[:2]
    return CheckinResult(after, None, replies, effects)


def _advance(content: Content, plan: PlanState, draft: CheckinDraft, value: str, today: date) -> CheckinResult:
    """Take the answer to the current step; on the last step, decide."""
    kind, _, key = draft.step.partition(":")
    match kind:
        case "done" if value in ("done", "partly", "skipped"):
            draft = evolve(draft, done=value, step="pain_during")
        case "pain_during" if value.isdigit() and 0 <= int(value) <= 10:
            draft = evolve(draft, pain_during=int(value), step="pain_morning")
        case "pain_morning" if value.isdigit() and 0 <= int(value) <= 10:
            draft = evolve(draft, pain_morning=int(value))
            draft = evolve(draft, step=_next_step(content, plan, draft, today))
        case "check" | "milestone" | "measure":
            choices = _choices(content, draft.step)
            if choices is not None and value not in {v for v, _ in choices}:
                return CheckinResult(plan, draft, [question(content, draft)])
            answers = {"check": draft.checks, "milestone": draft.milestones, "measure": draft.measure}[kind]
            field_name = {"check": "checks", "milestone": "milestones", "measure": "measure"}[kind]
            # an answer to a question this content no longer has is kept aside, and the check-in goes on
            draft = evolve(draft, **{field_name: {**answers, key.rpartition("/")[-1]: value}})
            draft = evolve(draft, step=_next_step(content, plan, draft, today))
        case "warning" | "more_signs":
            screen = content.questions[content.triage.checkin_screen]
            answer = next((a for a in screen.answers if a.value == value), None)
            if answer is None:  # an answer from an older version of the screen
                return CheckinResult(plan, draft, [question(content, draft)])
            signs = [*draft.signs, *answer.findings]
            if kind == "warning" and _more_urgent(content, signs):
                draft = evolve(draft, signs=signs, step="more_signs")
                return CheckinResult(plan, draft, [question(content, draft)])
            return _finish(content, plan, draft, signs, today)
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


def _in_range(label: str, number: int) -> bool:
    match = _RANGE.match(label.strip())
    if match is None:
        return False
    low = int(match.group(1))
    high = int(match.group(2) or low)
    return low <= number <= high


def _typed_value(content: Content, draft: CheckinDraft, text: str) -> str | None:
    """The answer a typed message gives to the current step, or None if it is unclear."""
    kind, _, key = draft.step.partition(":")
    words = understanding(content)
    if kind == "done":
        return words.pick(text, content.language.checkin_words)
    if kind in ("warning", "more_signs"):
        answer = words.answer(content.questions[content.triage.checkin_screen], text)
        return answer.value if answer is not None else None
    if kind.startswith("pain"):
        number = pain_number(text, content.language.number_words)
        return str(number) if number is not None else None
    if kind == "check" and key in content.check_by_id:
        return words.pick(text, {a.value: (a.label, *a.synonyms) for a in content.check_by_id[key].answers})
    if kind == "milestone" and key in content.milestone_by_id:
        answers = content.milestone_by_id[key].answers
        choices: dict[str, tuple[str, ...]] = {a.value: (a.label,) for a in answers}
        for passed, said in ((True, content.language.yes_words), (False, (*content.language.no_words, "not yet"))):
            alike = [a for a in answers if a.passed == passed]
            if len(alike) == 1:
                choices[alike[0].value] += tuple(said)
        return words.pick(text, choices)
    if kind == "measure" and (item := _measure_item(content, key)) is not None:
        number = pain_number(text, content.language.number_words)
        if number is not None:
            ranged = next((a.value for a in item.answers if _in_range(a.label, number)), None)
            if ranged is not None:
                return ranged
        return words.choose(text, {a.value: (a.label,) for a in item.answers})
    return None


def typed(content: Content, plan: PlanState, draft: CheckinDraft, text: str, today: date) -> CheckinResult:
    """A typed answer to the current check-in question."""
    strings = content.strings
    value = _typed_value(content, draft, text)
    if value is None:
        notice = strings.checkin_number_needed if draft.step.startswith("pain") else strings.not_understood
        current = question(content, draft)
        return CheckinResult(plan, draft, [Reply(f"{rich(notice)}\n\n{current.text}", current.buttons)])
    return _advance(content, plan, draft, value, today)
