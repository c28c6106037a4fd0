"""The plan moves by check-ins: table-driven sequences, properties, and the plan content per pattern."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from content import Content, load_content
from flows.events import CheckInChoice, LogRun, ResumePlan, StartCheckIn, StartPlan, Text
from flows.markup import plain
from flows.outcome import with_flags
from flows.screening import raised
from tests.answer_sets import ANSWER_SETS
from tests.chat import Chat

CONTENT = load_content()
START = date(2026, 3, 2)


def chat_with_plan(case: str = "overuse_mileage_jump") -> Chat:
    """A runner who finished triage on START and started the plan."""
    chat = Chat(CONTENT, today=START)
    answers = ANSWER_SETS[case][1]
    while chat.question is not None:
        chat.tap(answers[chat.question])
    chat.send(StartPlan("seen"))
    assert chat.state.plan is not None
    return chat


def check_in(chat: Chat, done: str, during: int, morning: int, sign: str | None = None) -> bool:
    """One check-in by buttons, on the chat's current day; False if the bot did not open one.
    `sign` is an answer of the check-in's warning-sign question ("none" when not given)."""
    chat.send(StartCheckIn())
    draft = chat.state.checkin
    if draft is None:
        return False  # already checked in today, or the plan is paused
    for step, value in (("done", done), ("pain_during", str(during)), ("pain_morning", str(morning))):
        chat.send(CheckInChoice(draft.session, step, value))
    chat.send(CheckInChoice(draft.session, "warning", sign or "none"))
    return True


SCREEN = CONTENT.questions[CONTENT.triage.checkin_screen]


def sign_of(answer_value: str) -> str | None:
    """The warning sign a check-in screen answer raises."""
    answer = next(a for a in SCREEN.answers if a.value == answer_value)
    flags = raised(CONTENT, answer.findings)
    return flags[0].id if flags else None


def advice(flag_id: str) -> str:
    return plain(with_flags(CONTENT, CONTENT.flags[flag_id].advice))


def phase_id(chat: Chat) -> str:
    assert chat.state.plan is not None
    plan = CONTENT.plan_by_pattern[chat.state.plan.pattern]
    return plan.phases[chat.state.plan.phase]


# overuse plan: reload (3 good days) -> build_strength (4) -> easy_running (4) -> prevent
# each row: (done, pain during, pain morning) per day, then the phase expected after the last day
SEQUENCES = {
    "three good days advance": ([("done", 2, 1)] * 3, "build_strength"),
    "two good days are not enough": ([("done", 2, 1)] * 2, "reload"),
    "middle pain holds and restarts the count": (
        [("done", 2, 1)] * 2 + [("done", 4, 2)] + [("done", 1, 1)] * 2,
        "reload",
    ),
    "the count resumes after a hold": ([("done", 4, 2)] + [("done", 1, 1)] * 3, "build_strength"),
    "a skipped day neither counts nor resets": (
        [("done", 1, 1), ("skipped", 1, 0), ("done", 1, 1), ("done", 2, 2)],
        "build_strength",
    ),
    "high pain steps back": ([("done", 1, 1)] * 3 + [("done", 6, 3)], "reload"),
    "morning pain counts as much as pain during": ([("done", 1, 1)] * 3 + [("done", 2, 7)], "reload"),
    "pain rising two days running steps back": (
        [("done", 1, 1)] * 3 + [("done", 2, 1), ("done", 3, 1), ("done", 4, 2)],
        "reload",
    ),
    "high pain in the first phase stays there": ([("done", 8, 8)], "reload"),
    "good weeks reach prevention": ([("done", 1, 0)] * 11, "prevent"),
}


@pytest.mark.parametrize("name", sorted(SEQUENCES))
def test_progression_sequences(name: str) -> None:
    days, expected = SEQUENCES[name]
    chat = chat_with_plan()
    for offset, (done, during, morning) in enumerate(days, start=1):
        chat.today = START + timedelta(days=offset)
        check_in(chat, done, during, morning)
    assert phase_id(chat) == expected


def test_red_flag_at_check_in_escalates_and_pauses() -> None:
    chat = chat_with_plan()
    chat.today = START + timedelta(days=1)
    check_in(chat, "done", 1, 1, sign="swollen")
    assert chat.state.plan is not None and chat.state.plan.status == "paused"
    assert advice("dvt") in chat.text
    chat.today += timedelta(days=1)
    check_in(chat, "done", 1, 1)
    assert chat.state.plan.status == "paused", "no check-in counts while paused"
    assert chat.last is not None
    assert CONTENT.strings.plan_resume_button in [b.label for r in chat.last.replies for row in r.buttons for b in row]


def test_typed_red_flag_during_check_in_pauses_the_plan() -> None:
    chat = chat_with_plan()
    chat.today = START + timedelta(days=1)
    chat.send(StartCheckIn())
    chat.send(Text("my calf is swollen since the flight"))
    assert chat.state.plan is not None and chat.state.plan.status == "paused"
    assert chat.state.checkin is None


def test_one_check_in_a_day() -> None:
    chat = chat_with_plan()
    chat.today = START + timedelta(days=1)
    check_in(chat, "done", 1, 1)
    check_in(chat, "done", 1, 1)
    assert chat.state.plan is not None and len(chat.state.plan.checkins) == 1
    assert CONTENT.strings.checkin_already in chat.text


def test_typed_check_in_answers() -> None:
    chat = chat_with_plan()
    chat.today = START + timedelta(days=1)
    chat.send(StartCheckIn())
    for text in ["done it all", "about a 2", "one", "none of these"]:
        chat.say(text)
    assert chat.state.plan is not None
    last = chat.state.plan.checkins[-1]
    assert (last.done, last.pain_during, last.pain_morning) == ("done", 2, 1)


day_strategy = st.tuples(
    st.sampled_from([0, 0, 1, 1, 1, 2]),  # days since the previous check-in (0: same day again)
    st.sampled_from(["done", "done", "partly", "skipped"]),
    st.integers(0, 10),
    st.integers(0, 10),
    st.sampled_from([None] * 12 + sorted(a.value for a in SCREEN.answers)),
    st.booleans(),  # resume after a pause
)


@settings(max_examples=150, deadline=None)
@given(st.lists(day_strategy, min_size=1, max_size=30))
def test_phase_moves_at_most_one_step_a_day_and_flags_always_pause(days: list[tuple]) -> None:  # type: ignore[type-arg]
    chat = chat_with_plan()
    phase_at_day_start = {chat.today: chat.state.plan.phase if chat.state.plan else 0}
    for gap, done, during, morning, sign, resume in days:
        chat.today += timedelta(days=gap)
        assert chat.state.plan is not None
        phase_at_day_start.setdefault(chat.today, chat.state.plan.phase)
        if resume and chat.state.plan.status == "paused":
            chat.send(ResumePlan())
        ran = check_in(chat, done, during, morning, sign)
        assert abs(chat.state.plan.phase - phase_at_day_start[chat.today]) <= 1
        flag = sign_of(sign) if sign else None
        if flag is not None and ran:
            assert chat.state.plan.status == "paused"
            assert advice(flag) in chat.text


# --- the plan content of each pattern --------------------------------------------------


def phase_exercises(content: Content, pattern: str) -> list[tuple[str, set[str]]]:
    plan = content.plan_by_pattern[pattern]
    return [(phase_id, {e.exercise for e in content.phase_by_id[phase_id].exercises}) for phase_id in plan.phases]


def tags_of(content: Content, exercises: set[str]) -> set[str]:
    return {tag for e in exercises for tag in content.exercise_by_id[e].tags}


@pytest.mark.parametrize("pattern", ["acute_strain", "sciatic", "tendinopathy", "piriformis", "overuse"])
def test_plan_exercises_exist(content: Content, pattern: str) -> None:
    for _, exercises in phase_exercises(content, pattern):
        assert exercises <= set(content.exercise_by_id)
    assert content.phase_by_id[content.plan_by_pattern[pattern].phases[-1]].days_required == 0


def test_acute_strain_protects_first_then_lengthens(content: Content) -> None:
    phases = phase_exercises(content, "acute_strain")
    first = phases[0][1]
    assert "isometric_hold" in first
    assert all(content.exercise_by_id[e].kind != "stretch" for e in first)
    assert any("lengthening" in tags_of(content, exercises) for _, exercises in phases[1:])


def test_tendinopathy_avoids_deep_stretching_early(content: Content) -> None:
    phases = phase_exercises(content, "tendinopathy")
    for _, exercises in phases[:2]:
        assert "deep_stretch" not in tags_of(content, exercises)


def test_nerve_pain_never_tensions_the_nerve_and_keeps_the_clinician(content: Content) -> None:
    for _, exercises in phase_exercises(content, "sciatic"):
        assert "nerve_tension" not in tags_of(content, exercises)
    assert "examination" in content.plan_by_pattern["sciatic"].intro


def test_piriformis_and_overuse_build_hip_strength(content: Content) -> None:
    for pattern in ("piriformis", "overuse"):
        exercises = set().union(*(e for _, e in phase_exercises(content, pattern)))
        assert {"glute_bridge", "side_plank"} <= exercises


def test_prevention_has_warm_up_strength_and_nordics(content: Content) -> None:
    prevent = {e.exercise for e in content.phase_by_id["prevent"].exercises}
    assert {"leg_swings", "walking_lunges", "nordic_curl", "glute_bridge"} <= prevent


# --- the clinician gate ------------------------------------------------------------------


def test_nerve_outcome_needs_a_check_or_caution() -> None:
    chat = Chat(CONTENT, today=START)
    answers = ANSWER_SETS["nerve_back_tingling_below_knee"][1]
    while chat.question is not None:
        chat.tap(answers[chat.question])
    chat.send(StartPlan("self_care"))
    assert chat.state.plan is None
    assert CONTENT.strings.plan_needs_clearance in chat.text
    chat.send(StartPlan("caution"))
    assert chat.state.plan is not None and chat.state.plan.caution


def test_emergency_gets_no_caution_route() -> None:
    chat = Chat(CONTENT, today=START)
    chat.say("I can't feel my groin and I wet myself")
    chat.send(StartPlan("caution"))
    assert chat.state.plan is None


def test_a_run_logged_in_a_phase_without_running_gets_a_warning() -> None:
    chat = chat_with_plan("strain_sprint_pop")  # the strain plan starts with no running
    chat.send(LogRun())
    chat.say("4 km in 25 min")
    assert "Logged: 4.0 km in 25 min" in chat.text
    assert CONTENT.strings.guard_no_running[:30] in chat.text


def test_a_reload_that_drops_a_plan_does_not_break_the_runner() -> None:
    chat = chat_with_plan()
    slimmer = CONTENT.plans.model_copy(
        update={"plans": tuple(p for p in CONTENT.plans.plans if p.pattern != "overuse")}
    )
    reloaded = dataclasses.replace(CONTENT, plans=slimmer)
    chat.content = reloaded
    chat.send(StartCheckIn())
    assert chat.state.plan is None
    assert reloaded.strings.checkin_no_plan in chat.text
