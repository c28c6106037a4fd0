"""Hostile typed text: every parser of what a runner types grows linearly with the text, and a
number or a zone is only taken from text that really says one.

Growth is measured by comparing sizes, not against a time limit: the CPU time this process spends
on a text eight times longer must be about eight times as much (a backtracking pattern gives 64x
or 512x). CPU time of this process only, the fastest of a few runs, so other load barely counts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from content import Content, load_content
from flows.conversation import Conversation, handle
from flows.events import Text
from flows.language.numbers import days_said, pain_number
from flows.language.text import words
from flows.language.times import time_said, weekdays_said
from flows.places import zone_for_place
from flows.plan import PlanState
from flows.reminder_settings import quiet_said
from flows.reminders import ReminderSettings, parse_time, zone_from_text
from flows.run_log import parse_run
from flows.triage import TriageState
from flows.understanding import understanding

CONTENT = load_content()
SMALL, LARGE = 256, 2048  # eight times as long
# linear is 8x; quadratic 64x. Allow for fixed costs and cache effects, never for a power.
MAX_GROWTH = 24

# the worst inputs found for the patterns this bot has had: runs of spaces and of control
# characters that count as spaces (\x1c-\x1f), digits, separators, and half-matches repeated
FILLERS: dict[str, Callable[[int], str]] = {
    "spaces": lambda n: " " * n + "x",
    "control": lambda n: "\x1f" * n + "x",
    "digits": lambda n: "1" * n,
    "digit_then_spaces": lambda n: "1" + " " * n + "x",
    "spaced_digits": lambda n: "1 " * (n // 2) + "x",
    "dashes": lambda n: "-" * n + "x",
    "to": lambda n: "to " * (n // 3) + "x",
    "clock": lambda n: "1:" * (n // 2),
    "slashes": lambda n: "/ " * (n // 2),
    "dots": lambda n: "1." * (n // 2) + "x",
    "of": lambda n: "of " * (n // 3) + "x",
    "words": lambda n: "no pain " * (n // 8),
}

NUMBER_QUESTION = next(q for q in CONTENT.triage.questions if any(a.range for a in q.answers))
PLAN = PlanState(pattern="overuse", started_on=datetime(2026, 3, 1).date())
NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


def _conversation(awaiting: str | None) -> Conversation:
    triage = TriageState(question=NUMBER_QUESTION.id)
    if awaiting is None:
        return Conversation(consented=True, triage=triage)
    return Conversation(consented=True, plan=PLAN, awaiting=awaiting, reminders=ReminderSettings(zone="UTC"))  # type: ignore[arg-type]


PARSERS: dict[str, Callable[[str], object]] = {
    "words": words,
    "message": lambda t: understanding(CONTENT).reader.message(t),
    "red_flag": lambda t: understanding(CONTENT).red_flag(t),
    "answer": lambda t: understanding(CONTENT).answer(NUMBER_QUESTION, t),
    "pain_number": lambda t: pain_number(t, CONTENT.language.number_words),
    "days": lambda t: days_said(t, CONTENT.language.number_words),
    "time": parse_time,
    "zone": zone_from_text,
    "place": zone_for_place,
    "time_words": lambda t: time_said(t, CONTENT.language.times, CONTENT.language.number_words),
    "weekdays": lambda t: weekdays_said(t, CONTENT.language.times),
    "quiet_hours": quiet_said,
    "run": parse_run,
    # the whole turn, as the store runs it, in each state that reads typed text differently
    "turn_triage": lambda t: handle(CONTENT, _conversation(None), Text(t), NOW),
    "turn_quiet": lambda t: handle(CONTENT, _conversation("quiet"), Text(t), NOW),
    "turn_time": lambda t: handle(CONTENT, _conversation("time"), Text(t), NOW),
    "turn_run": lambda t: handle(CONTENT, _conversation("run"), Text(t), NOW),
    "turn_zone": lambda t: handle(CONTENT, _conversation("zone"), Text(t), NOW),
    "turn_days": lambda t: handle(CONTENT, _conversation("days"), Text(t), NOW),
    "turn_morning": lambda t: handle(CONTENT, _conversation("morning"), Text(t), NOW),
    "turn_menu": lambda t: handle(CONTENT, _conversation(None).model_copy(update={"triage": None}), Text(t), NOW),
}


def cpu_seconds(parse: Callable[[str], object], text: str, loops: int) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        for _ in range(loops):
            parse(text)
        best = min(best, time.process_time() - started)
    return best


def growth(parse: Callable[[str], object], make: Callable[[int], str]) -> float:
    small, large = make(SMALL), make(LARGE)
    loops = 1
    while cpu_seconds(parse, small, loops) < 0.005:  # long enough to measure well
        loops *= 2
    return cpu_seconds(parse, large, loops) / cpu_seconds(parse, small, loops)


@pytest.mark.parametrize("filler", sorted(FILLERS))
@pytest.mark.parametrize("parser", sorted(PARSERS))
def test_no_parser_of_typed_text_grows_faster_than_linearly(parser: str, filler: str) -> None:
    ratio = growth(PARSERS[parser], FILLERS[filler])
    print(f"{parser} on {filler}: {LARGE // SMALL}x the text took {ratio:.1f}x the time")
    assert ratio < MAX_GROWTH, f"{parser} on {filler}: {ratio:.0f}x the time for 8x the text"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tg://user?id=1", None),
        ("https://example.org/7", None),
        ("user42", None),
        ("7", 7),
        ("about 6/10", 6),
        ("6 out of 10", 6),
        ("maybe 3-4", 4),
        ("six or seven", 7),
        ("(5)", 5),
        ("2.5", 3),
    ],
)
def test_a_pain_score_is_a_number_standing_on_its_own(text: str, expected: int | None, content: Content) -> None:
    assert pain_number(text, content.language.number_words) == expected


@pytest.mark.parametrize("text", ["right/UTC", "posix/Europe/Berlin", "localtime", "Factory", "posixrules", "../UTC"])
def test_only_real_time_zones_are_accepted(text: str) -> None:
    assert zone_from_text(text) is None


@pytest.mark.parametrize(("text", "expected"), [("Etc/GMT+5", "Etc/GMT+5"), ("europe/berlin", "Europe/Berlin")])
def test_zone_names_are_still_accepted_in_any_case(text: str, expected: str) -> None:
    assert zone_from_text(text) == expected
