"""Numbers a runner types: pain scores and their own age."""

from __future__ import annotations

import pytest

from flows.language.numbers import age, pain_number, pain_score

WORDS = {"four": 4, "six": 6, "seven": 7}


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("7", 7),
        ("about 6/10", 6),  # the 10 of "/10" is the scale, not the score
        ("6 / 10", 6),
        ("3 out of 10", 3),
        ("maybe 4?", 4),
        ("4ish", 4),
        ("six or seven", 7),  # the higher of two, as a clinician would record
        ("5.5", 6),
        ("tg://user?id=1", None),  # a link is not a score
        ("v2", None),
        ("it hurts", None),
        ("11", None),
    ],
)
def test_pain_number(text: str, score: int | None) -> None:
    assert pain_number(text, WORDS) == score


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("ran 5k yesterday, pain 7/10 today", 7),
        ("the pain is about 6", 6),
        ("it is 3 out of 10", 3),
        ("ran 5k in 30 minutes", None),  # numbers that are not a score
    ],
)
def test_pain_score_in_a_story(text: str, score: int | None) -> None:
    assert pain_score(text) == score


@pytest.mark.parametrize(
    ("text", "years"),
    [("I'm 58 and new to this", 58), ("52M, marathoner", 52), ("im fifty six", 56), ("ran 58 km", None)],
)
def test_age(text: str, years: int | None) -> None:
    assert age(text) == years
