"""Understanding typed answers: words, prefixes, conjunctions, denials and pain numbers."""

from __future__ import annotations

import pytest

from content import Content
from flows.text_match import Denials, Tokens, compile_phrase, found, pain_number, words
from flows.understanding import understanding

DENIALS = Denials((("no",), ("not",), ("without",), ("dont",)))
NUMBERS = {"six": 6, "seven": 7, "ten": 10}


@pytest.mark.parametrize(
    ("phrase", "text", "expected"),
    [
        ("pins and needles", "Pins & needles in my foot", True),
        ("bruis*", "it's BRUISED", True),
        ("pop* + bruis*", "bruised after it popped", True),
        ("pop* + bruis*", "it popped", False),
        ("cant walk", "I can’t walk", True),
        ("numb", "a number of weeks", False),
        ("tingl*", "no tingling", False),
        ("tingl*", "no fever, but tingling", True),
        ("tingl*", "I dont have tingling", False),
        ("fever*", "Fièvre? no: fever", True),
    ],
)
def test_phrases(phrase: str, text: str, expected: bool) -> None:
    assert found(compile_phrase(phrase), Tokens.of(text), DENIALS) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7", 7),
        ("about 6/10", 6),
        ("7 out of 10", 7),
        ("six or seven", 7),
        ("4.5", 5),
        ("ten", 10),
        ("100", None),
        ("none", None),
        ("", None),
        ("0", 0),
    ],
)
def test_pain_numbers(text: str, expected: int | None) -> None:
    assert pain_number(text, NUMBERS) == expected


def test_words_fold_case_accents_and_apostrophes() -> None:
    assert words("Can't  WALK, Café!") == ("cant", "walk", "cafe")


def test_typed_answer_picks_the_most_specific_match(content: Content) -> None:
    location = content.questions["location"]
    answer = understanding(content).answer(location, "the back of the thigh, in the middle")
    assert answer is not None and answer.value == "mid_thigh"


def test_typed_answer_that_fits_two_answers_equally_is_unclear(content: Content) -> None:
    onset = content.questions["onset"]
    assert understanding(content).answer(onset, "🙂") is None
    assert understanding(content).answer(onset, "slowly but suddenly") is None


def test_pain_scale_reads_numbers(content: Content) -> None:
    pain = content.questions["pain_level"]
    answer = understanding(content).answer(pain, "it's about an 8/10")
    assert answer is not None and answer.value == "severe"
