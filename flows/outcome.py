"""From the answers and findings to an outcome (how urgent, which pattern) and the messages that say it.

One disposition per situation: the urgency is the most urgent of the warning signs raised and of the
pattern's own disposition (its grade, or findings that raise it). Emergency and same-day outcomes say
only where to go and how fast; a within-days sign comes first, then the pattern's first steps.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

from content import Content
from content.schema import LEVELS, Pattern, RedFlag, Urgency
from flows.markup import bold, rich
from flows.replies import Reply
from flows.screening import raised

Level = Literal["emergency", "same_day", "within_days", "self_care"]
_FLAG_REFERENCE = re.compile(r"\{flag:([a-z0-9_]+)\}")


class FlagRaised(BaseModel):
    """A warning sign and the day it was reported (for the clinician's report)."""

    day: date
    flag: str


class Outcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    urgency: Level
    pattern: str | None = None
    runner_up: str | None = None
    grade: str | None = None
    # the most urgent warning sign, and every sign raised (most urgent first)
    red_flag: str | None = None
    flags: tuple[str, ...] = ()
    # what set a pattern's urgency, for the reason the outcome gives: "pattern", "grade", "rule:<index of
    # the pattern's see_clinician_when>" or "runner_up" (too close to call: the more cautious pattern's)
    why: str = "pattern"


def with_flags(content: Content, text: str) -> str:
    """A content text as markup, its {flag:id} references read as the sign's title and urgency."""

    def name(match: re.Match[str]) -> str:
        flag = content.flags[match.group(1)]
        short = content.red_flags.urgencies[flag.urgency].short
        return f"{bold(flag.title.lower())} ({rich(short)})"

    return _FLAG_REFERENCE.sub(name, rich(text))


def _tally(content: Content, answers: Iterable[tuple[str, str]]) -> tuple[dict[str, int], int]:
    """Pattern scores and strain severity summed over the answers."""
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
    return scores, severity


def _more_urgent(a: str, b: str) -> str:
    return a if LEVELS.index(a) <= LEVELS.index(b) else b


def pattern_level(content: Content, pattern: Pattern, grade: str | None, findings: Iterable[str]) -> tuple[Level, str]:
    """How soon to see someone for this pattern when no warning sign is present, and what set it."""
    known = set(findings)
    level, why = pattern.see_clinician, "pattern"
    chosen = next((g for g in pattern.grades if g.id == grade), None)
    if chosen is not None and chosen.see_clinician is not None and _more_urgent(chosen.see_clinician, level) != level:
        level, why = chosen.see_clinician, "grade"
    for index, rule in enumerate(pattern.see_clinician_when):
        if any(set(found) <= known for found in rule.when) and _more_urgent(rule.level, level) != level:
            level, why = rule.level, f"rule:{index}"
    return level, why


def assess(content: Content, answers: list[tuple[str, str]], findings: Iterable[str] = ()) -> Outcome:
    known = set(findings)
    scores, severity = _tally(content, answers)
    # sorted() is stable: equal scores keep the content order, which puts the cautious pattern first
    ranked = [p for p in sorted(content.patterns.patterns, key=lambda p: -scores[p.id]) if scores[p.id] > 0]
    best = ranked[0] if ranked else None
    flags = raised(content, known)
    runner_up = None
    if not flags and len(ranked) > 1 and scores[ranked[0].id] - scores[ranked[1].id] <= content.triage.close_margin:
        runner_up = ranked[1].id
    grade = None
    if best is not None and best.grades:
        grade = next((g.id for g in best.grades if severity <= g.max_severity), best.grades[-1].id)
    level, why = pattern_level(content, best, grade, known) if best is not None else ("self_care", "pattern")
    urgency: str = level
    if runner_up is not None:  # too close to call: the more cautious of the two
        other, _ = pattern_level(content, ranked[1], None, known)
        if _more_urgent(other, urgency) != urgency:
            urgency, why = other, "runner_up"
    if flags:
        urgency = _more_urgent(urgency, flags[0].urgency.value)
    return Outcome(
        urgency=urgency,  # type: ignore[arg-type]
        pattern=best.id if best else None,
        runner_up=runner_up,
        grade=grade,
        red_flag=flags[0].id if flags else None,
        flags=tuple(f.id for f in flags),
        why=why,
    )


def urgent(flag: RedFlag) -> bool:
    """Emergency and same-day signs: the outcome says where to go, and nothing about self-care."""
    return flag.urgency in (Urgency.EMERGENCY, Urgency.SAME_DAY)


def escalation_replies(content: Content, flag: RedFlag, outcome: Outcome | None) -> list[Reply]:
    """The urgent advice for a warning sign: where to go and how fast, before anything else."""
    urgency = content.red_flags.urgencies[flag.urgency]
    parts = [rich(urgency.headline), f"{bold(flag.title)}\n{with_flags(content, flag.advice)}", rich(urgency.where)]
    if outcome is not None:
        others = [content.flags[f].title for f in outcome.flags if f != flag.id and f in content.flags]
        if others:
            parts.append(rich(content.strings.escalation_also).replace("{signs}", rich("; ".join(others))))
        if outcome.pattern is not None:
            name = content.pattern_by_id[outcome.pattern].name
            parts.append(rich(content.strings.escalation_pattern_hint).replace("{name}", bold(name)))
    parts.append(rich(content.strings.escalation_footer))
    return [Reply("\n\n".join(parts))]


def _bullets(lines: Iterable[str]) -> str:
    return "\n".join(f"• {line}" for line in lines)


def _headline(content: Content, pattern: Pattern, outcome: Outcome, typical: bool) -> str:
    """The pattern: its name (and grade), what it is, how it usually goes."""
    strings = content.strings
    grade = next((g for g in pattern.grades if g.id == outcome.grade), None)
    name = bold(pattern.name) + (f" ({rich(grade.label)})" if grade else "")
    parts = [f"{rich(strings.outcome_intro)}\n{name}", with_flags(content, pattern.summary)]
    if typical:
        parts.append(_bullets(with_flags(content, t) for t in pattern.typical))
    if grade is not None and not grade.see_clinician:
        parts.append(with_flags(content, grade.note))
    if outcome.runner_up is not None:
        runner_up = content.pattern_by_id[outcome.runner_up].name
        parts.append(rich(strings.runner_up).replace("{name}", bold(runner_up)))
    return "\n\n".join(parts)


def _advice(content: Content, pattern: Pattern) -> str:
    """What to do first, what to avoid, when to see someone, and the note that this is not a diagnosis."""
    strings = content.strings
    steps = [content.care_by_id[s] for s in pattern.first_steps]
    return (
        f"{bold(strings.first_steps_heading)}\n"
        + "\n".join(f"• {bold(s.title)}: {with_flags(content, s.text)}" for s in steps)
        + f"\n\n{bold(strings.avoid_heading)}\n{_bullets(with_flags(content, a) for a in pattern.avoid)}\n\n"
        f"{bold(strings.see_someone_heading)}\n{with_flags(content, pattern.see_someone)}\n\n"
        f"<i>{rich(strings.not_a_diagnosis)}</i>"
    )


def _reason(content: Content, pattern: Pattern, outcome: Outcome) -> str:
    """Why this pattern's outcome asks the runner to be seen: whatever set its urgency."""
    grade = next((g for g in pattern.grades if g.id == outcome.grade), None)
    if outcome.why.startswith("rule:") and int(outcome.why[5:]) < len(pattern.see_clinician_when):
        return with_flags(content, pattern.see_clinician_when[int(outcome.why[5:])].note)
    if outcome.why == "runner_up" and outcome.runner_up in content.pattern_by_id:
        name = bold(content.pattern_by_id[outcome.runner_up].name)
        return rich(content.strings.close_call_reason).replace("{name}", name)
    if grade is not None and grade.see_clinician:
        return with_flags(content, grade.note)
    return with_flags(content, pattern.see_someone)


def outcome_replies(content: Content, outcome: Outcome) -> list[Reply]:
    """The outcome in at most two messages: a warning sign (or the reason to be seen) first, then the
    pattern and what to do. Emergency and same-day signs say only where to go and how fast."""
    strings = content.strings
    flag = content.flags.get(outcome.red_flag) if outcome.red_flag else None
    if flag is not None and urgent(flag):
        return escalation_replies(content, flag, outcome)
    if outcome.pattern is None:
        lead = escalation_replies(content, flag, outcome) if flag else []
        return [*lead, Reply(f"{rich(strings.unclear)}\n\n<i>{rich(strings.not_a_diagnosis)}</i>")]
    pattern = content.pattern_by_id[outcome.pattern]
    if flag is not None:  # the sign's message names the pattern; the second says what to do meanwhile
        return [*escalation_replies(content, flag, outcome), Reply(_advice(content, pattern))]
    first = _headline(content, pattern, outcome, typical=outcome.urgency == "self_care")
    if outcome.urgency != "self_care":
        urgency = content.red_flags.urgencies[Urgency(outcome.urgency)]
        first = f"{rich(urgency.headline)}\n{_reason(content, pattern, outcome)}\n\n{first}"
    return [Reply(first), Reply(_advice(content, pattern))]
