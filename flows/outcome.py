"""From the answers given to an outcome (how urgent, which pattern) and the messages that say it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict

from content import Content
from content.schema import Pattern, RedFlag, Urgency
from flows.markup import bold, rich
from flows.replies import Reply

Level = Literal["emergency", "same_day", "within_days", "self_care"]


class Outcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    urgency: Level
    pattern: str | None = None
    runner_up: str | None = None
    grade: str | None = None
    red_flag: str | None = None


def _tally(content: Content, answers: Iterable[tuple[str, str]], flag: RedFlag | None) -> tuple[dict[str, int], int]:
    """Pattern scores and strain severity summed over the answers (and the flag, if one ended triage)."""
    questions = content.questions
    scores = {p.id: 0 for p in content.patterns.patterns}
    severity = 0
    for question_id, value in answers:
        question = questions.get(question_id)
        answer = next((a for a in question.answers if a.value == value), None) if question else None
        if answer is None:
            continue  # content changed since this answer was stored
        severity += answer.severity
        for pattern, weight in answer.scores.items():
            scores[pattern] += weight
    for pattern, weight in flag.scores.items() if flag else ():
        scores[pattern] += weight
    return scores, severity


def assess(content: Content, answers: list[tuple[str, str]], flag: RedFlag | None = None) -> Outcome:
    scores, severity = _tally(content, answers, flag)
    # sorted() is stable: equal scores keep the content order, which puts the cautious pattern first
    ranked = [p for p in sorted(content.patterns.patterns, key=lambda p: -scores[p.id]) if scores[p.id] > 0]
    best = ranked[0] if ranked else None
    runner_up = None
    if flag is None and len(ranked) > 1 and scores[ranked[0].id] - scores[ranked[1].id] <= content.triage.close_margin:
        runner_up = ranked[1].id
    grade = None
    if best is not None and best.grades:
        grade = next((g.id for g in best.grades if severity <= g.max_severity), best.grades[-1].id)
    urgency: Level = "self_care"
    if flag is not None:
        urgency = flag.urgency.value
    elif best is not None and best.see_clinician is not None:
        urgency = best.see_clinician.value
    return Outcome(
        urgency=urgency,
        pattern=best.id if best else None,
        runner_up=runner_up,
        grade=grade,
        red_flag=flag.id if flag else None,
    )


def escalation_replies(content: Content, flag: RedFlag, outcome: Outcome | None) -> list[Reply]:
    """The urgent advice for a warning sign: where to go and how fast, before anything else."""
    urgency = content.red_flags.urgencies[flag.urgency]
    parts = [rich(urgency.headline), f"{bold(flag.title)}\n{rich(flag.advice)}", rich(urgency.where)]
    if outcome is not None and outcome.pattern is not None and flag.urgency.value == "within_days":
        name = content.pattern_by_id[outcome.pattern].name
        parts.append(rich(content.strings.escalation_pattern_hint).replace("{name}", bold(name)))
    parts.append(rich(content.strings.escalation_footer))
    return [Reply("\n\n".join(parts))]


def _bullets(lines: Iterable[str]) -> str:
    return "\n".join(f"• {line}" for line in lines)


def _headline(content: Content, pattern: Pattern, outcome: Outcome) -> str:
    strings = content.strings
    grade = next((g for g in pattern.grades if g.id == outcome.grade), None)
    name = bold(pattern.name) + (f" ({rich(grade.label)})" if grade else "")
    parts = [
        f"{rich(strings.outcome_intro)}\n{name}",
        rich(pattern.summary),
        _bullets(rich(t) for t in pattern.typical),
    ]
    if grade is not None:
        parts.append(rich(grade.note))
    if outcome.runner_up is not None:
        runner_up = content.pattern_by_id[outcome.runner_up].name
        parts.append(rich(strings.runner_up).replace("{name}", bold(runner_up)))
    return "\n\n".join(parts)


def outcome_replies(content: Content, outcome: Outcome) -> list[Reply]:
    """Self-care outcome: the pattern, first steps, what to avoid, when to see someone."""
    strings = content.strings
    if outcome.pattern is None:
        return [Reply(f"{rich(strings.unclear)}\n\n<i>{rich(strings.not_a_diagnosis)}</i>")]
    pattern = content.pattern_by_id[outcome.pattern]
    replies = []
    if outcome.urgency != "self_care":
        urgency = content.red_flags.urgencies[Urgency(outcome.urgency)]
        replies.append(Reply(f"{rich(urgency.headline)}\n\n{rich(pattern.see_someone)}"))
    replies.append(Reply(_headline(content, pattern, outcome)))
    steps = [content.care_by_id[s] for s in pattern.first_steps]
    replies.append(
        Reply(f"{bold(strings.first_steps_heading)}\n" + "\n\n".join(f"{bold(s.title)}: {rich(s.text)}" for s in steps))
    )
    replies.append(
        Reply(
            f"{bold(strings.avoid_heading)}\n{_bullets(rich(a) for a in pattern.avoid)}\n\n"
            f"{bold(strings.see_someone_heading)}\n{rich(pattern.see_someone)}\n\n"
            f"<i>{rich(strings.not_a_diagnosis)}</i>"
        )
    )
    return replies
