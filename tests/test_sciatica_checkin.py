"""Sciatica: the runner's own stable tingling is tracked at every check-in without pausing the plan; only
new or spreading symptoms (or the warning signs) escalate (NHS Sciatica; NICE NG59; issue 13)."""

from __future__ import annotations

from datetime import timedelta

from content import load_content
from flows.events import CheckInChoice, StartCheckIn
from flows.markup import plain
from flows.outcome import with_flags
from flows.plan import current_phase
from tests.answer_sets import ANSWER_SETS
from tests.chat import Chat
from tests.plan_play import START, check_in, start_plan
from tests.test_red_flags import PHRASINGS

CONTENT = load_content()


def nerve_runner() -> Chat:
    """A runner whose triage reported tingling down the leg (within days), going ahead with caution."""
    chat = start_plan(CONTENT, "sciatica", mode="caution")
    assert chat.state.plan is not None and chat.state.plan.caution
    return chat


def test_first_steps_are_shown_to_a_runner_who_reported_tingling() -> None:
    chat = Chat(CONTENT, today=START)
    answers = ANSWER_SETS["nerve_back_tingling_below_knee"][1]
    while chat.question is not None:
        chat.tap(answers[chat.question])
    assert chat.status == "finished"
    assert CONTENT.strings.first_steps_heading in chat.text
    assert CONTENT.care_by_id["stay_active"].title in chat.text


def test_the_same_tingling_every_day_never_pauses_and_the_plan_moves_on() -> None:
    chat = nerve_runner()
    for offset in range(1, 9):
        chat.today = START + timedelta(days=offset)
        asked = check_in(chat, overrides={"check:leg_map": "same"})
        assert "check:leg_map" in asked
        assert chat.state.plan is not None and chat.state.plan.status == "active"
    plan = chat.state.plan
    assert plan is not None
    assert [c.checks["leg_map"] for c in chat.record.checkins] == ["same"] * 8
    assert current_phase(CONTENT, plan).id == "nerve_rebuild"


def test_typing_about_the_usual_tingling_during_a_check_in_does_not_pause() -> None:
    chat = nerve_runner()
    chat.today = START + timedelta(days=1)
    chat.send(StartCheckIn())
    typed = ["done", "3", "2", "still the same tingling in my foot as before"]
    typed += ["4", "about half", "limited a little", "nothing new"]  # the first score, then the warning signs
    for text in typed:
        chat.say(text)
        assert chat.state.plan is not None and chat.state.plan.status == "active", text
    plan = chat.state.plan
    assert plan is not None and plan.checkins[-1].checks == {"leg_map": "same"}
    assert plan.checkins[-1].decision.value == "good"


def test_tingling_that_spreads_escalates_and_pauses() -> None:
    chat = nerve_runner()
    chat.today = START + timedelta(days=1)
    check_in(chat, overrides={"check:leg_map": "spread"})
    assert chat.state.plan is not None and chat.state.plan.status == "paused"
    flag = CONTENT.flags["nerve_spreading"]
    assert plain(with_flags(CONTENT, flag.advice)) in chat.text
    assert plain(CONTENT.red_flags.urgencies[flag.urgency].headline) in chat.text


def test_spreading_tingling_typed_at_any_time_escalates() -> None:
    for phrase in PHRASINGS["nerve_spreading"]:
        chat = nerve_runner()
        chat.today = START + timedelta(days=1)
        chat.say(phrase)
        assert chat.state.plan is not None and chat.state.plan.status == "paused", phrase


def test_worse_weakness_at_check_in_still_escalates_as_the_same_day_sign() -> None:
    chat = nerve_runner()
    chat.today = START + timedelta(days=1)
    check_in(chat, overrides={"check:leg_map": "same", "warning": "weakness"})
    assert chat.state.plan is not None and chat.state.plan.status == "paused"
    assert plain(with_flags(CONTENT, CONTENT.flags["weakness"].advice)) in chat.text


def test_a_stale_leg_map_button_gets_the_current_question() -> None:
    chat = nerve_runner()
    chat.today = START + timedelta(days=1)
    chat.send(StartCheckIn())
    draft = chat.state.checkin
    assert draft is not None
    chat.send(CheckInChoice(draft.session, "check:leg_map", "spread"))  # tapped before its time
    assert chat.state.plan is not None and chat.state.plan.status == "active"
    assert chat.last is not None and chat.last.stale
