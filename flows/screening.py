"""Warning signs from findings: which are raised, which is most urgent, and what is still worth asking.

The most urgent sign wins. A question is still worth asking after a sign of some level is raised when one
of its answers, together with what is already known, would raise a more urgent sign.
"""

from __future__ import annotations

from collections.abc import Iterable

from content import Content
from content.schema import LEVELS, Question, RedFlag


def raised(content: Content, findings: Iterable[str]) -> list[RedFlag]:
    """Every warning sign the findings raise, most urgent first (content order within a level)."""
    known = set(findings)
    flags = [f for f in content.red_flags.red_flags if any(set(rule) <= known for rule in f.when)]
    return sorted(flags, key=lambda f: LEVELS.index(f.urgency.value))


def could_raise_above(content: Content, question: Question, findings: Iterable[str], level: str) -> bool:
    """Whether some answer to `question`, with the findings so far, raises a sign more urgent than `level`."""
    known = set(findings)
    limit = LEVELS.index(level)
    for answer in question.answers:
        if not answer.findings:
            continue
        flags = raised(content, known | set(answer.findings))
        if flags and LEVELS.index(flags[0].urgency.value) < limit:
            return True
    return False
