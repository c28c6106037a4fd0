"""Numbers runners type for a pain score: "7", "about 6/10", "six or seven"."""

from __future__ import annotations

import re

from flows.language.text import fold, words

_OUT_OF_TEN = re.compile(r"\s*(?:/|out of|of)\s*10\b")
# a number standing alone: not part of a word, a link or an id ("tg://user?id=1", "v2", "3rd")
_NUMBER = re.compile(r"(?<![\w/=?&.:])\d{1,3}(?:\.\d+)?(?![\w/=?&])")


def pain_number(text: str, number_words: dict[str, int]) -> int | None:
    """The pain score (0-10) in a message: the highest one mentioned, rounded up."""
    folded = _OUT_OF_TEN.sub(" ", fold(text))
    found = [float(m.group(0)) for m in _NUMBER.finditer(folded)]
    found += [number_words[w] for w in words(folded) if w in number_words]
    in_range = [n for n in found if 0 <= n <= 10]
    if not in_range:
        return None
    highest = max(in_range)
    return int(highest) if highest == int(highest) else int(highest) + 1


_SCORE = re.compile(
    r"\b(\d{1,2})(?:\.\d)?\s*(?:/|out of)\s*10\b|\bpain (?:is |of |at |about |around )*(?:a )?(\d{1,2})\b"
)


def pain_score(text: str) -> int | None:
    """A pain score given as one in a longer message ("7/10", "pain is about 6"), not any number in it."""
    match = _SCORE.search(fold(text))
    if match is None:
        return None
    score = int(match.group(1) or match.group(2))
    return score if 0 <= score <= 10 else None


# "I'm 58", "aged 62", "52M", "34F", "17yo", "71 years old", "took up running at 60"
_AGE = re.compile(
    r"\b(?:i am|im|i m|aged|age|(?:started|took up|began|begun) (?:running|jogging) at)\s+(\d{2})(?: years?)?\b"
    r"|\b(\d{2})\s*(?:m|f|y|yo|y o|yrs? old|years? old|year old)\b"
)


_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_UNITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
_AGE_WORDS = re.compile(rf"\b(?:i am|im|i m|aged|age)\s+({'|'.join(_TENS)})(?:\s+({'|'.join(_UNITS)}))?\b")


def age(text: str) -> int | None:
    """The age a runner gives for themselves, if any ("I'm 58", "52M", "I'm fifty six")."""
    folded = fold(text).replace("-", " ")
    match = _AGE.search(folded)
    if match is not None:
        return int(match.group(1) or match.group(2))
    spelled = _AGE_WORDS.search(folded)
    if spelled is not None:
        return _TENS[spelled.group(1)] + (_UNITS[spelled.group(2)] if spelled.group(2) else 0)
    return None
