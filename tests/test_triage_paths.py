"""Every path through the triage content ends in an outcome or a warning sign."""

from __future__ import annotations

from collections import Counter

from content import Content
from content.checks import OUTCOME, answer_target
from flows.outcome import assess


def walk(content: Content) -> Counter[str]:
    """Follow every answer of every question from the start; count how paths end."""
    questions = content.questions
    ends: Counter[str] = Counter()
    stack: list[tuple[str, tuple[tuple[str, str], ...]]] = [(content.triage.start, ())]
    while stack:
        qid, answers = stack.pop()
        question = questions[qid]
        assert len(answers) <= len(questions), "a path longer than the question list must loop"
        for index, answer in enumerate(question.answers):
            path = (*answers, (qid, answer.value))
            target = answer_target(question, index)
            if answer.red_flag is not None:
                ends[f"flag:{answer.red_flag}"] += 1
            elif target == OUTCOME:
                ends["outcome"] += 1
                # spot-check the scoring on every hundredth path, it is the slow part
                if sum(ends.values()) % 100 == 0:
                    assert assess(content, list(path)).urgency in ("self_care", "within_days")
            else:
                assert target in questions, f"{qid}.{answer.value} leads to {target!r}"
                stack.append((target, path))
    return ends


def test_every_path_ends(content: Content) -> None:
    ends = walk(content)
    assert ends["outcome"] > 1000
    assert {k.removeprefix("flag:") for k in ends if k.startswith("flag:")} == set(content.flags)


def test_every_question_lies_on_some_path(content: Content) -> None:
    seen = {content.triage.start}
    frontier = [content.triage.start]
    while frontier:
        question = content.questions[frontier.pop()]
        for index in range(len(question.answers)):
            target = answer_target(question, index)
            if target and target != OUTCOME and target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == set(content.questions)
