"""Checks that keep the warning signs consistent and every clinical card cited.

- every warning sign can be raised by the triage's own answers, so a runner can always tap it;
- the answers of one warning-sign question raise signs of one urgency, so a tapped answer never hides a
  more urgent one on the same list (the tap ends the question);
- a sign's card names no urgency but its own; patterns and care steps name no emergency or same-day
  urgency at all: they point to a sign with {flag:id}, which reads as that sign's title and urgency;
- phrase groups exist and never refer to themselves; every finding is used;
- every cited card (signs, patterns, care, exercises, phases, plans, milestones, check-in questions,
  measures, the progression and running rules) names sources that exist.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from content.loader import Content, ContentError
from content.schema import LEVELS, Cited

FLAG_REFERENCE = re.compile(r"\{flag:([a-z0-9_]+)\}")
_GROUP_REFERENCE = re.compile(r"@([a-z0-9_]+)")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def folded(text: str) -> str:
    """Lower-case words separated by single spaces, with room at both ends for whole-phrase search."""
    plain = text.lower().replace("&", " and ").replace("'", "").replace("’", "")
    return f" {_NOT_WORD.sub(' ', FLAG_REFERENCE.sub(' ', plain)).strip()} "


def named_levels(content: Content, text: str) -> set[str]:
    said = folded(text)
    return {
        level
        for level, phrases in content.language.urgency_words.items()
        if any(f" {folded(p).strip()} " in said for p in phrases)
    }


def _pattern_texts(content: Content) -> Iterator[tuple[str, str, str]]:
    for pi, pattern in enumerate(content.patterns.patterns):
        yield "patterns.yaml", f"patterns.{pi}.summary", pattern.summary
        yield "patterns.yaml", f"patterns.{pi}.see_someone", pattern.see_someone
        for ti, text in enumerate(pattern.typical):
            yield "patterns.yaml", f"patterns.{pi}.typical.{ti}", text
        for ai, text in enumerate(pattern.avoid):
            yield "patterns.yaml", f"patterns.{pi}.avoid.{ai}", text
        for gi, grade in enumerate(pattern.grades):
            yield "patterns.yaml", f"patterns.{pi}.grades.{gi}.note", grade.note
        for li, raised in enumerate(pattern.see_clinician_when):
            yield "patterns.yaml", f"patterns.{pi}.see_clinician_when.{li}.note", raised.note
    for ci, step in enumerate(content.care.care_steps):
        yield "care.yaml", f"care_steps.{ci}.text", step.text


def _check_references_to_flags(content: Content) -> None:
    texts = [("red_flags.yaml", f"red_flags.{i}.advice", f.advice) for i, f in enumerate(content.red_flags.red_flags)]
    for file, path, text in [*texts, *_pattern_texts(content)]:
        for name in FLAG_REFERENCE.findall(text):
            if name not in content.flags:
                raise ContentError(file, path, f"{{flag:{name}}} names no warning sign")


def _check_urgency_words(content: Content) -> None:
    for fi, flag in enumerate(content.red_flags.red_flags):
        for field, text in (("title", flag.title), ("advice", flag.advice)):
            others = named_levels(content, text) - {flag.urgency.value}
            if others:
                raise ContentError(
                    "red_flags.yaml",
                    f"red_flags.{fi}.{field}",
                    f"names the {'/'.join(sorted(others))} urgency but the sign is {flag.urgency.value}: "
                    "point to the other sign with {flag:id}",
                )
    for file, path, text in _pattern_texts(content):
        urgent = named_levels(content, text) & {"emergency", "same_day"}
        if urgent:
            raise ContentError(
                file, path, f"names the {'/'.join(sorted(urgent))} urgency: point to the warning sign with {{flag:id}}"
            )


def _check_reachable(content: Content) -> None:
    """Every sign can be raised by tapping answers (triage, check-in, milestones), and every finding is used."""
    answered = {f for q in content.triage.questions for a in q.answers for f in a.findings}
    # the plan's check-in questions and milestones are tapped too
    answered |= {f for q in content.plans.checks for a in q.answers for f in a.findings}
    answered |= {f for m in content.plans.milestones for a in m.answers for f in a.findings}
    for fi, flag in enumerate(content.red_flags.red_flags):
        if not any(set(rule) <= answered for rule in flag.when):
            raise ContentError("red_flags.yaml", f"red_flags.{fi}.when", f"no triage answer can raise {flag.id!r}")
    used = answered | {f for flag in content.red_flags.red_flags for rule in flag.when for f in rule}
    used |= {f for p in content.patterns.patterns for r in p.see_clinician_when for rule in r.when for f in rule}
    for index, finding in enumerate(content.findings.findings):
        if finding.id not in used:
            raise ContentError("findings.yaml", f"findings.{index}", f"finding {finding.id!r} is used by nothing")


def _check_one_urgency_per_screen(content: Content) -> None:
    """A warning-sign question offers signs of one urgency: one tap answers it, and a less urgent answer
    tapped first must not leave a more urgent one on the same list unsaid."""

    def most_urgent(findings: tuple[str, ...]) -> str | None:
        found = set(findings)
        levels = [f.urgency.value for f in content.red_flags.red_flags if any(set(r) <= found for r in f.when)]
        return min(levels, key=LEVELS.index, default=None)

    by_id = {q.id: (qi, q) for qi, q in enumerate(content.triage.questions)}
    for question_id in content.triage.safety:
        qi, question = by_id[question_id]
        levels = {level for a in question.answers if (level := most_urgent(a.findings)) is not None}
        if len(levels) > 1:
            raise ContentError(
                "triage.yaml",
                f"questions.{qi}.answers",
                f"{question.id!r} offers signs of more than one urgency ({', '.join(sorted(levels))}): "
                "a less urgent tap would hide a more urgent sign; put each urgency on its own question",
            )


def _check_former_ids(content: Content) -> None:
    ids = {f.id for f in content.red_flags.red_flags}
    seen: set[str] = set()
    for fi, flag in enumerate(content.red_flags.red_flags):
        for oi, old in enumerate(flag.former_ids):
            if old in ids or old in seen:
                raise ContentError("red_flags.yaml", f"red_flags.{fi}.former_ids.{oi}", f"{old!r} is already taken")
            seen.add(old)


def _check_groups(content: Content) -> None:
    groups = content.findings.groups

    def refer(phrase: str, file_path: str, route: tuple[str, ...]) -> None:
        for name in _GROUP_REFERENCE.findall(phrase):
            if name not in groups:
                raise ContentError("findings.yaml", file_path, f"unknown group @{name}")
            if name in route:
                raise ContentError("findings.yaml", file_path, f"group @{name} refers to itself")
            for member in groups[name]:
                refer(member, f"groups.{name}", (*route, name))

    for name, members in groups.items():
        for member in members:
            refer(member, f"groups.{name}", (name,))
    for index, finding in enumerate(content.findings.findings):
        for field in ("phrases", "not_when", "not_in_clause", "not_in_sentence"):
            for pi, phrase in enumerate(getattr(finding, field)):
                refer(phrase, f"findings.{index}.{field}.{pi}", ())


def check_warning_signs(content: Content) -> None:
    _check_groups(content)
    _check_former_ids(content)
    _check_reachable(content)
    _check_one_urgency_per_screen(content)
    _check_references_to_flags(content)
    _check_urgency_words(content)


def check_citations(content: Content) -> None:
    known = set(content.source_by_id)
    cards: list[tuple[str, str, Cited]] = [
        ("red_flags.yaml", f"red_flags.{i}", f) for i, f in enumerate(content.red_flags.red_flags)
    ]
    cards += [("patterns.yaml", f"patterns.{i}", p) for i, p in enumerate(content.patterns.patterns)]
    cards += [("care.yaml", f"care_steps.{i}", c) for i, c in enumerate(content.care.care_steps)]
    cards += [("exercises.yaml", f"exercises.{i}", e) for i, e in enumerate(content.exercises.exercises)]
    plans = content.plans
    cards += [("plans.yaml", "progression", plans.progression), ("plans.yaml", "running", plans.running)]
    for section in ("phases", "plans", "milestones", "checks", "measures"):
        cards += [("plans.yaml", f"{section}.{i}", c) for i, c in enumerate(getattr(plans, section))]
    for file, path, card in cards:
        for si, source in enumerate(card.sources):
            if source not in known:
                raise ContentError(file, f"{path}.sources.{si}", f"unknown source {source!r}")
