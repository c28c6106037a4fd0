"""Each of the five patterns is reached by realistic answers drawn from the source text."""

from __future__ import annotations

import pytest

from content import Content
from tests.answer_sets import ANSWER_SETS, TYPED
from tests.chat import Chat


def answer_all(chat: Chat, answers: dict[str, str]) -> None:
    while chat.question is not None:
        chat.tap(answers[chat.question])


@pytest.mark.parametrize("case", sorted(ANSWER_SETS))
def test_answer_set_reaches_its_pattern(content: Content, case: str) -> None:
    expected, answers = ANSWER_SETS[case]
    chat = Chat(content)
    answer_all(chat, answers)
    outcome = chat.state.triage.outcome if chat.state.triage else None
    assert outcome is not None
    assert outcome.pattern == expected
    assert content.pattern_by_id[expected].name in "\n".join(r.text for r in chat.transcript)


def test_every_pattern_has_two_answer_sets(content: Content) -> None:
    reached = [pattern for pattern, _ in ANSWER_SETS.values()]
    assert {p.id for p in content.patterns.patterns} == set(reached)
    assert all(reached.count(p) >= 2 for p in set(reached))


def test_nerve_signs_in_one_leg_send_sciatica_to_a_clinician(content: Content) -> None:
    """NHS: most sciatica settles by itself; numbness, tingling or weakness deserve an examination."""
    with_signs, without = Chat(content), Chat(content)
    answer_all(with_signs, ANSWER_SETS["nerve_back_tingling_below_knee"][1])
    answer_all(without, ANSWER_SETS["nerve_back_pain_to_foot_no_tingling"][1])
    assert with_signs.state.triage and with_signs.state.triage.outcome
    assert with_signs.state.triage.outcome.urgency == "within_days"
    first = with_signs.last.replies[0].text if with_signs.last else ""
    assert "Book an assessment" in first
    assert without.state.triage and without.state.triage.outcome
    assert without.state.triage.outcome.urgency == "self_care"
    assert "Most sciatica settles within four to six weeks" in without.text


def test_close_scores_name_a_runner_up(content: Content) -> None:
    chat = Chat(content)
    answers = dict(ANSWER_SETS["tendinopathy_sit_bone_sitting"][1], onset="more_running", training="big_jump")
    answers.pop("walking")
    answers["walking"] = "normal"
    answer_all(chat, answers)
    outcome = chat.state.triage.outcome if chat.state.triage else None
    assert outcome is not None and outcome.runner_up is not None
    assert "could also be" in chat.text.lower()


def test_strain_grade_follows_severity(content: Content) -> None:
    mild = Chat(content)
    answer_all(mild, ANSWER_SETS["strain_slip_mild"][1])
    severe = Chat(content)
    answer_all(severe, dict(ANSWER_SETS["strain_sprint_pop"][1], pain_level="severe"))
    assert mild.state.triage and mild.state.triage.outcome and mild.state.triage.outcome.grade == "mild"
    assert severe.state.triage and severe.state.triage.outcome and severe.state.triage.outcome.grade == "severe"


@pytest.mark.parametrize("case", sorted(ANSWER_SETS))
def test_typed_answer_set_reaches_its_pattern(content: Content, case: str) -> None:
    expected, answers = ANSWER_SETS[case]
    chat = Chat(content)
    while chat.question is not None:
        chat.say(TYPED[(chat.question, answers[chat.question])])
    outcome = chat.state.triage.outcome if chat.state.triage else None
    assert outcome is not None and outcome.pattern == expected


def test_typed_answers_complete_a_triage(content: Content) -> None:
    chat = Chat(content)
    for text in [
        "it started gradually",
        "fine",
        "deep at my sit bone",
        "it stays in one spot",
        "sitting on hard chairs",
        "no, none of that",
        "I added hills",
        "rarely",
        "about 5/10",
        "more than six weeks",
        "none of these",
        "no none of those",
        "nope",
    ]:
        chat.say(text)
    outcome = chat.state.triage.outcome if chat.state.triage else None
    assert outcome is not None and outcome.pattern == "tendinopathy"


def test_back_returns_to_previous_question_and_forgets_the_answer(content: Content) -> None:
    chat = Chat(content)
    chat.tap("gradual")
    assert chat.question == "walking"
    back = next(e for e in chat.buttons if type(e).__name__ == "Back")
    chat.send(back)
    assert chat.question == "onset"
    assert chat.state.triage and chat.state.triage.answers == []
