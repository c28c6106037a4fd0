"""Times of day and days of the week as runners type them: "around 6:30 in the evening", "half six",
"after work", "only weekdays", "every day but Sunday". The words are content (language.yaml `times`)."""

from __future__ import annotations

import re

from content.schema import TimeWords
from flows.language.text import fold

# clock times ("6:30", "7pm", "19h30") and words; one pass, nothing backtracks over a long text
_TOKEN = re.compile(r"\d{1,2}(?:[:.h]\d{2})?(?:am|pm)?|[a-z]+")
_CLOCK = re.compile(r"(\d{1,2})(?:[:.h](\d{2}))?(am|pm)?")
_MINUTES = {"oclock": 0, "fifteen": 15, "thirty": 30, "forty": 45}


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(fold(text).replace("a.m.", "am").replace("p.m.", "pm"))


def _has(tokens: list[str], phrase: str) -> bool:
    wanted = _tokens(phrase)
    return any(tokens[i : i + len(wanted)] == wanted for i in range(len(tokens) - len(wanted) + 1))


def _clock(tokens: list[str], numbers: dict[str, int]) -> tuple[int, int, str] | None:
    """The first time of day said: "6:30", "7 pm", "half six" (6:30, as said in Britain), "quarter past
    seven", "quarter to eight", "six thirty"; with the am or pm said with it, if any."""
    for index, token in enumerate(tokens):
        after = tokens[index + 1 : index + 4]
        match = _CLOCK.fullmatch(token)
        if match:
            suffix = match.group(3) or (after[0] if after and after[0] in ("am", "pm") else "")
            return int(match.group(1)), int(match.group(2) or 0), suffix
        hour = next((numbers[w] for w in after if w in numbers), None)
        if token == "half" and hour is not None and after[0] in (*numbers, "past"):
            return hour, 30, ""
        if token == "quarter" and hour is not None and after[0] in ("past", "to"):
            return (hour, 15, "") if after[0] == "past" else (hour - 1, 45, "")
        if token in numbers and after and after[0] in _MINUTES:
            return numbers[token], _MINUTES[after[0]], ""
    return None


def time_said(text: str, times: TimeWords, numbers: dict[str, int]) -> str | None:
    """ "HH:MM" for a time of day said in words, or None. Without am or pm, an evening word ("in the
    evening", "after work") makes it the evening, and an hour from 1 to 5 is taken as the afternoon
    (nobody asks for a 3 am reminder)."""
    tokens = _tokens(text)
    clock = _clock(tokens, {**numbers, **times.hours})
    if clock is None:
        return next((hhmm for phrase, hhmm in times.named.items() if _has(tokens, phrase)), None)
    hour, minute, suffix = clock
    evening = suffix == "pm" or any(_has(tokens, phrase) for phrase in times.evening)
    morning = suffix == "am" or any(_has(tokens, phrase) for phrase in times.morning)
    if suffix and not 1 <= hour <= 12:
        return None
    if evening and hour < 12:
        hour += 12
    elif morning and hour == 12:
        hour = 0
    elif not morning and not evening and 1 <= hour <= 5:
        hour += 12
    return f"{hour:02d}:{minute:02d}" if hour <= 23 and minute <= 59 else None


def weekdays_said(text: str, times: TimeWords) -> list[int] | None:
    """The weekdays named (Monday = 0), or None if none are: "only weekdays", "mon wed fri", "every day
    but Sunday". Days named after "except", "but", "not" are taken out."""
    tokens = _tokens(text)
    wanted: set[int] = set()
    unwanted: set[int] = set()
    out = False
    for token in tokens:
        out = out or token in times.leave_out
        day = next((d for d, forms in enumerate(times.weekdays) if token in forms), None)
        if day is not None:
            (unwanted if out else wanted).add(day)
    for phrase, days in times.days.items():
        if _has(tokens, phrase):
            wanted |= set(days)
    if not wanted and not unwanted:
        return None
    return sorted((wanted or set(range(7))) - unwanted) or None
