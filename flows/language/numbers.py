"""Numbers runners type for a pain score: "7", "about 6/10", "six or seven"."""

from __future__ import annotations

import re

from flows.language.text import fold, words

# no leading \s*: tried at every position of a long run of spaces, it would be quadratic
_OUT_OF_TEN = re.compile(r"(?:/|\bout of|\bof|\bfrom)\s*10\b")
# a score the pain had before today ("6 now, was 10 on the day") is not today's worst
_BEFORE = re.compile(r"\b(?:was|were|used to be|at the time|on the day|at first|initially|yesterday|last week)\b")
_SLASH_TEN = re.compile(r"/\s*10\b")


_LINK = re.compile(r"://|www\.|[=&#@]|\?\w")


def _folded(text: str) -> str:
    """Folded, links dropped ("https://example.org/7" holds no score), and "7/10" kept as "7 out of 10"
    (folding turns a slash into a space). Word by word: no pattern here scans a long word twice."""
    kept = " ".join(word for word in text.split() if not _LINK.search(word))
    return fold(_SLASH_TEN.sub(" out of 10", kept))


# a number standing alone: not part of a word, a link or an id ("tg://user?id=1", "v2", "3rd")
# ("maybe 4?" and "4ish" are numbers; "?id=4" is not)
_NUMBER = re.compile(r"(?<![\w/=?&.:])\d{1,3}(?:\.\d+)?(?:ish)?(?![\w/=&]|\?\w)")


def pain_number(text: str, number_words: dict[str, int]) -> int | None:
    """The pain score (0-10) in a message: the highest one mentioned, rounded up."""
    folded = _OUT_OF_TEN.sub(" ", _folded(text))
    clauses = [c for c in re.split(r"[,;]|\.(?!\d)| but | and ", folded) if c.strip()]
    today = [c for c in clauses if not _BEFORE.search(c)] or clauses
    in_range = [n for clause in today for n in _numbers(clause, number_words) if 0 <= n <= 10]
    if not in_range:
        return None
    highest = max(in_range)
    return int(highest) if highest == int(highest) else int(highest) + 1


def _numbers(text: str, number_words: dict[str, int]) -> list[float]:
    found = [float(m.group(0).removesuffix("ish")) for m in _NUMBER.finditer(text)]
    return found + [number_words[w] for w in words(text) if w in number_words]


_UNIT_DAYS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "wk": 7, "wks": 7, "fortnight": 14, "fortnights": 14}
_UNIT_DAYS |= {"month": 30, "months": 30, "year": 365, "years": 365, "yr": 365, "yrs": 365}
_SPELLED = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_SPAN = re.compile(
    rf"\b(\d{{1,3}}|a|an|one|a couple of|a few|couple of|few|several|{'|'.join(_SPELLED)})"
    rf"\s*({'|'.join(sorted(_UNIT_DAYS, key=len, reverse=True))})\b"
)
_COUNTS = {"a": 1, "an": 1, "one": 1, "a couple of": 2, "couple of": 2, "a few": 3, "few": 3, "several": 4}


def days_said(text: str, number_words: dict[str, int]) -> int | None:
    """How long the runner says they have had it, in days ("10 days", "a fortnight", "3 months"): the
    longest span named."""
    spans = []
    for match in _SPAN.finditer(_folded(text)):
        count, unit = match.group(1), match.group(2)
        amount = int(count) if count.isdigit() else _COUNTS.get(count, number_words.get(count, 1))
        spans.append(amount * _UNIT_DAYS[unit])
    return max(spans, default=None)


_SCORE = re.compile(
    r"\b(\d{1,2})(?:\.\d)?\s*(?:/|out of)\s*10\b|\bpain (?:is |of |at |about |around )*(?:a )?(\d{1,2})\b"
)


def pain_score(text: str) -> int | None:
    """A pain score given as one in a longer message ("7/10", "pain is about 6"), not any number in it."""
    match = _SCORE.search(_folded(text))
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
