"""Every path through the triage content ends in an outcome, and every question lies on a path."""

from __future__ import annotations

from functools import cache

from content import Content
from content.checks import OUTCOME, answer_target


def paths_from(content: Content, question_id: str) -> int:
    """How many answer paths lead from this question to an outcome (none may end anywhere else)."""

    @cache
    def count(qid: str) -> int:
        question = content.questions[qid]
        total = 0
        for index in range(len(question.answers)):
            target = answer_target(question, index)
            assert target is not None, f"{qid} answer {index} leads nowhere"
            total += 1 if target == OUTCOME else count(target)
        return total

    return count(question_id)


def test_every_path_ends_in_an_outcome(content: Content) -> None:
    assert paths_from(content, content.triage.start) > 1_000_000
    assert paths_from(content, content.triage.checkin_screen) == len(
        content.questions[content.triage.checkin_screen].answers
    )


def test_every_question_lies_on_some_path(content: Content) -> None:
    seen = {content.triage.start, content.triage.checkin_screen}
    frontier = list(seen)
    while frontier:
        question = content.questions[frontier.pop()]
        for index in range(len(question.answers)):
            target = answer_target(question, index)
            if target and target != OUTCOME and target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == set(content.questions)
