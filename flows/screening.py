"""Warning signs from findings: which are raised, which is most urgent, and what is still worth asking.

The most urgent sign wins. Once a sign of some level is raised, a question is still worth asking when
its answers could complete a more urgent sign: one needing a single finding, or one already partly
reported (a fever typed early makes the back and nerve questions worth asking: together they are an
emergency).
"""

from __future__ import annotations

from collections.abc import Iterable

from content import Content
from content.schema import LEVELS, Question, RedFlag


def raised(content: Content, findings: Iterable[str]) -> list[RedFlag]:
    """Every warning sign the findings raise, most urgent first (content order within a level)."""
    known = findings if isinstance(findings, set | frozenset) else set(findings)
    # only the rules that share a finding with what is known can be met (the schema allows no empty rule)
    candidates = sorted({p for finding in known for p in content.flag_rules_with.get(finding, ())})
    flags: list[RedFlag] = []
    for position in candidates:  # in rule order: most urgent first, each sign once
        rule, flag = content.flag_rules[position]
        if rule <= known and flag not in flags:
            flags.append(flag)
    return flags


def worth_asking(content: Content, open_questions: Iterable[Question], findings: Iterable[str], level: str) -> set[str]:
    """The questions whose answers could still complete a sign more urgent than `level`."""
    known = set(findings)
    questions = list(open_questions)
    supply = {q.id: {f for a in q.answers for f in a.findings} for q in questions}
    limit = LEVELS.index(level)
    wanted: set[str] = set()
    for flag in content.red_flags.red_flags:
        if LEVELS.index(flag.urgency.value) >= limit:
            continue
        for rule in flag.when:
            missing = set(rule) - known
            if not missing:
                continue
            in_one = {q.id for q in questions if any(missing <= set(a.findings) for a in q.answers)}
            if in_one:
                wanted |= in_one
                continue
            if missing == set(rule):
                continue  # nothing of it reported yet, and no single answer completes it
            suppliers = {q for q, found in supply.items() if found & missing}
            if all(any(f in supply[q] for q in suppliers) for f in missing):
                wanted |= suppliers
    return wanted
