"""The plan moves by check-ins under the pain-monitoring model (Silbernagel, AJSM 2007): table-driven
sequences, the re-injury rule of strain plans, warning signs, properties, and the plan content per pattern."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from content import Content, load_content
from flows.events import LogRun, ResumePlan, StartCheckIn, StartPlan, Text
from flows.markup import plain
from flows.outcome import with_flags
from flows.plan import current_phase
from flows.progression import Decision, decide
from flows.screening import raised
from tests.answer_sets import ANSWER_SETS
from tests.chat import Chat
from tests.plan_play import START, check_in, start_plan

CONTENT = load_content()
RULES = CONTENT.plans.progression


def phase_id(chat: Chat) -> str:
    assert chat.state.plan is not None
    return current_phase(CONTENT, chat.state.plan).id


def decisions(chat: Chat) -> list[str]:
    return [c.decision.value for c in chat.record.checkins]


def play_days(chat: Chat, days: list[tuple[str, int, int]], overrides: dict[int, dict[str, str]] | None = None) -> None:
    for offset, (done, during, morning) in enumerate(days, start=1):
        chat.today = START + timedelta(days=offset)
        check_in(chat, done, during, morning, overrides=(overrides or {}).get(offset))


# --- the pain rules, decided one check-in at a time --------------------------------------------------


def one(done: str = "done", during: int = 2, morning: int = 1, **kwargs: object) -> Decision:
    values: dict[str, object] = {
        "usual": 1,
        "holds_before": 0,
        "red_flag": False,
        "reinjury_watch": False,
        "sharp_pain": False,
        "last_phase": False,
        "ready": False,
    }
    values.update(kwargs)
    return decide(RULES, done=done, pain_during=during, pain_morning=morning, **values)  # type: ignore[arg-type]


def test_up_to_five_during_is_fine_when_the_morning_has_settled() -> None:
    assert [one(during=d) for d in range(6)] == [Decision.GOOD] * 6
    assert one(during=6) == Decision.HOLD


def test_a_morning_worse_than_usual_holds_and_the_usual_morning_is_the_runners_own() -> None:
    assert one(morning=3, usual=1) == Decision.HOLD
    assert one(morning=2, usual=0) == Decision.GOOD  # low mornings have settled, whatever came before
    assert one(morning=4, usual=4) == Decision.GOOD  # a tendon that is always stiff at 4 in the morning


def test_over_the_limits_twice_in_a_row_steps_back() -> None:
    assert one(during=6, holds_before=1) == Decision.STEP_BACK
    assert one(morning=5, holds_before=1) == Decision.STEP_BACK


def test_seven_or_more_steps_back_at_once_and_in_a_strain_is_a_possible_reinjury() -> None:
    assert one(during=7) == Decision.STEP_BACK
    assert one(during=7, reinjury_watch=True) == Decision.REINJURY
    assert one(during=1, reinjury_watch=True, sharp_pain=True) == Decision.REINJURY
    assert one(during=1, reinjury_watch=False, sharp_pain=True) == Decision.GOOD


def test_a_warning_sign_wins_over_everything() -> None:
    assert one(during=9, red_flag=True, reinjury_watch=True) == Decision.ESCALATE


# --- the rules played through a plan ------------------------------------------------------------------


def test_pain_one_two_three_is_all_good_and_never_steps_back() -> None:
    """Issue 13: 1 -> 2 -> 3, all in the good band, once stepped a runner back and sent them to a physio."""
    chat = start_plan(CONTENT, "overuse")
    play_days(chat, [("done", 1, 1), ("done", 2, 1), ("done", 3, 1)])
    assert decisions(chat) == ["good", "good", "good"]
    assert phase_id(chat) == "overuse_reduce"
    assert "physiotherapist" not in chat.text
    # rising mornings inside the settled band are as good
    chat = start_plan(CONTENT, "overuse")
    play_days(chat, [("done", 1, 0), ("done", 2, 1), ("done", 3, 2)])
    assert decisions(chat) == ["good", "good", "good"]


SEQUENCES = {
    # overuse plan: overuse_reduce (at least 7 days) -> overuse_rebuild (14) -> prevent
    "seven good days move on": ([("done", 2, 1)] * 7, "overuse_rebuild", "advance"),
    "six good days are not enough": ([("done", 2, 1)] * 6, "overuse_reduce", "good"),
    "five during, settled, is a good day": ([("done", 5, 1)] * 7, "overuse_rebuild", "advance"),
    "a worse morning holds": ([("done", 2, 1)] * 3 + [("done", 2, 4)], "overuse_reduce", "hold"),
    "a worse morning, then a good day, goes on": (
        [("done", 2, 1)] * 3 + [("done", 2, 4)] + [("done", 2, 1)] * 3,
        "overuse_rebuild",
        "advance",
    ),
    "two worse mornings step back": (
        [("done", 2, 1)] * 7 + [("done", 2, 4), ("done", 2, 5)],
        "overuse_reduce",
        "step_back",
    ),
    "six during twice steps back": (
        [("done", 2, 1)] * 7 + [("done", 6, 1), ("done", 6, 1)],
        "overuse_reduce",
        "step_back",
    ),
    "seven during steps back at once": ([("done", 2, 1)] * 7 + [("done", 7, 1)], "overuse_reduce", "step_back"),
    "high pain in the first phase stays there": ([("done", 8, 8)], "overuse_reduce", "step_back"),
    "a skipped day neither counts nor resets": (
        [("done", 1, 1)] * 3 + [("skipped", 1, 0)] + [("done", 1, 1)] * 3,
        "overuse_rebuild",
        "advance",
    ),
}


@pytest.mark.parametrize("name", sorted(SEQUENCES))
def test_progression_sequences(name: str) -> None:
    days, expected_phase, last_decision = SEQUENCES[name]
    chat = start_plan(CONTENT, "overuse")
    play_days(chat, days)
    assert phase_id(chat) == expected_phase
    assert decisions(chat)[-1] == last_decision


def test_seven_out_of_ten_in_a_strain_session_is_a_possible_reinjury() -> None:
    chat = start_plan(CONTENT, "strain_mild")
    play_days(chat, [("done", 2, 1)] * 6)
    assert phase_id(chat) == "strain_walk_jog"
    chat.today += timedelta(days=1)
    check_in(chat, "done", 7, 1)
    assert decisions(chat)[-1] == "reinjury"
    assert phase_id(chat) == "strain_protect"
    card = CONTENT.care_by_id[RULES.reinjury_card]
    assert plain(card.text) in chat.text  # stop, protect, be examined: said by the card, not the plan
    assert "within a few days" in card.text


def test_sudden_sharp_pain_in_a_strain_session_is_a_possible_reinjury() -> None:
    chat = start_plan(CONTENT, "strain_moderate")
    play_days(chat, [("done", 2, 1)] * 3 + [("done", 2, 1)], overrides={4: {"check:sharp_pain": "yes"}})
    assert decisions(chat)[-1] == "reinjury"
    assert phase_id(chat) == "strain_protect"
    assert chat.state.plan is not None and chat.state.plan.checkins[-1].checks == {"sharp_pain": "yes"}


def test_red_flag_at_check_in_escalates_and_pauses() -> None:
    chat = start_plan(CONTENT, "overuse")
    chat.today = START + timedelta(days=1)
    check_in(chat, "done", 1, 1, overrides={"warning": "swollen"})
    assert chat.state.plan is not None and chat.state.plan.status == "paused"
    assert advice("dvt") in chat.text
    chat.today += timedelta(days=1)
    chat.send(StartCheckIn())
    assert chat.state.checkin is None, "no check-in counts while paused"
    assert CONTENT.strings.plan_resume_button in [b.label for r in chat.last.replies for row in r.buttons for b in row]  # type: ignore[union-attr]


def test_a_painful_hop_test_raises_the_bone_stress_sign() -> None:
    chat = start_plan(CONTENT, "overuse")
    play_days(chat, [("done", 2, 1)] * 7, overrides={7: {"milestone:hop_test": "hurts"}})
    assert chat.state.plan is not None and chat.state.plan.status == "paused"
    assert advice("bone_stress") in chat.text


def test_typed_red_flag_during_check_in_pauses_the_plan() -> None:
    chat = start_plan(CONTENT, "overuse")
    chat.today = START + timedelta(days=1)
    chat.send(StartCheckIn())
    chat.send(Text("my calf is swollen since the flight"))
    assert chat.state.plan is not None and chat.state.plan.status == "paused"
    assert chat.state.checkin is None


def test_one_check_in_a_day() -> None:
    chat = start_plan(CONTENT, "overuse")
    chat.today = START + timedelta(days=1)
    check_in(chat, "done", 1, 1)
    chat.send(StartCheckIn())
    assert chat.state.plan is not None and len(chat.state.plan.checkins) == 1
    assert CONTENT.strings.checkin_already in chat.text


def test_typed_check_in_answers() -> None:
    chat = start_plan(CONTENT, "strain_mild")
    chat.today = START + timedelta(days=1)
    chat.send(StartCheckIn())
    for text in ["done it all", "about a 2", "one", "no, nothing like that"]:
        chat.say(text)
    assert chat.state.checkin is not None and chat.state.checkin.step.startswith("measure:")
    for text in ["2", "all of it", "not limited", "none of these"]:
        chat.say(text)
    assert chat.state.plan is not None
    last = chat.state.plan.checkins[-1]
    assert (last.done, last.pain_during, last.pain_morning, last.checks) == ("done", 2, 1, {"sharp_pain": "no"})
    assert chat.state.plan.scores[-1].answers == {"worst_pain": "p1", "running": "r100", "daily_life": "not_at_all"}


def advice(flag_id: str) -> str:
    return plain(with_flags(CONTENT, CONTENT.flags[flag_id].advice))


SCREEN = CONTENT.questions[CONTENT.triage.checkin_screen]


def sign_of(answer_value: str) -> str | None:
    answer = next(a for a in SCREEN.answers if a.value == answer_value)
    flags = raised(CONTENT, answer.findings)
    return flags[0].id if flags else None


day_strategy = st.tuples(
    st.sampled_from([0, 0, 1, 1, 1, 2]),  # days since the previous check-in (0: same day again)
    st.sampled_from(["done", "done", "partly", "skipped"]),
    st.integers(0, 10),
    st.integers(0, 10),
    st.sampled_from([None] * 12 + sorted(a.value for a in SCREEN.answers)),
    st.booleans(),  # resume after a pause
    st.booleans(),  # sudden sharp pain
)


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(["strain_mild", "overuse"]), st.lists(day_strategy, min_size=1, max_size=30))
def test_phase_moves_at_most_one_step_a_day_except_a_reinjury_and_flags_always_pause(
    plan_id: str,
    days: list[tuple],  # type: ignore[type-arg]
) -> None:
    chat = start_plan(CONTENT, plan_id)
    phase_at_day_start = {chat.today: 0}
    for gap, done, during, morning, sign, resume, sharp in days:
        chat.today += timedelta(days=gap)
        assert chat.state.plan is not None
        phase_at_day_start.setdefault(chat.today, chat.state.plan.phase)
        if resume and chat.state.plan.status == "paused":
            chat.send(ResumePlan())
        ran = chat.state.plan.status == "active" and all(c.day != chat.today for c in chat.state.plan.checkins)
        if ran:
            check_in(
                chat,
                done,
                during,
                morning,
                overrides={"warning": sign or "none", "check:sharp_pain": "yes" if sharp else "no"},
            )
        plan = chat.state.plan
        if ran and plan.checkins[-1].decision == Decision.REINJURY:
            assert plan.phase == 0
        else:
            assert abs(plan.phase - phase_at_day_start[chat.today]) <= 1
        flag = sign_of(sign) if sign else None
        if flag is not None and ran:
            assert plan.status == "paused"
            assert advice(flag) in chat.text


# --- the plan content of each pattern -------------------------------------------------------------


def exercises_of(content: Content, plan_id: str) -> list[tuple[str, set[str]]]:
    return [
        (s.phase, {e.exercise for e in content.phase_by_id[s.phase].exercises})
        for s in content.plan_by_id[plan_id].phases
    ]


def tags_of(content: Content, exercises: set[str]) -> set[str]:
    return {tag for e in exercises for tag in content.exercise_by_id[e].tags}


def test_each_strain_grade_has_its_own_plan(content: Content) -> None:
    totals = {
        g: sum(s.min_days for s in content.plan_by_id[f"strain_{g}"].phases) for g in ("mild", "moderate", "severe")
    }
    assert totals["mild"] < totals["moderate"] < totals["severe"]
    assert all(content.plan_for("acute_strain", g) == content.plan_by_id[f"strain_{g}"] for g in totals)


def test_the_l_protocol_is_at_its_published_doses(content: Content) -> None:
    """Askling 2013: extender 3 x 12 twice a day, diver 3 x 6 every other day, glider 3 x 4 every third day."""
    phase = content.phase_by_id["strain_walk_jog"]
    schedule = {i.exercise: (i.every.value, i.dose or content.exercise_by_id[i.exercise].dose) for i in phase.exercises}
    assert schedule["extender"] == ("twice_daily", "3 sets of 12.")
    assert schedule["diver"] == ("other_day", "3 sets of 6.")
    assert schedule["glider"] == ("third_day", "3 sets of 4.")


def test_nordics_say_the_evidence_in_runners_is_thin_and_run_twice_a_week(content: Content) -> None:
    card = content.exercise_by_id["nordic_curl"]
    assert "thinner for runners" in card.feel and "van_dyk_2019" in card.sources
    for phase in content.plans.phases:
        for item in phase.exercises:
            if item.exercise == "nordic_curl":
                assert item.every.value == "twice_week", phase.id


def test_strain_protects_first_then_lengthens(content: Content) -> None:
    phases = exercises_of(content, "strain_moderate")
    first = phases[0][1]
    assert "isometric_hold" in first
    assert all(content.exercise_by_id[e].kind != "stretch" for e in first)
    assert "lengthening" in tags_of(content, phases[1][1])


def test_tendinopathy_keeps_compression_out_of_the_first_two_stages(content: Content) -> None:
    phases = exercises_of(content, "tendon")
    for _, exercises in phases[:2]:
        assert "compression" not in tags_of(content, exercises)
    assert "compression" in tags_of(content, phases[2][1])  # more hip bend comes later, on purpose


def test_nerve_pain_never_tensions_the_nerve_and_keeps_the_clinician(content: Content) -> None:
    for _, exercises in exercises_of(content, "sciatica"):
        assert "nerve_tension" not in tags_of(content, exercises)
    assert "examination" in content.plan_by_id["sciatica"].intro


def test_overuse_reduces_running_and_never_pauses_it(content: Content) -> None:
    first = content.phase_by_id[content.plan_by_id["overuse"].phases[0].phase]
    assert first.run is not None
    steps = content.pattern_by_id["overuse"].first_steps
    assert "load_management" in steps and "relative_rest" not in steps


def test_prevention_keeps_running_with_maintenance_strength(content: Content) -> None:
    prevent = content.phase_by_id["prevent"]
    assert prevent.run is not None and prevent.run.own_training
    assert {"nordic_curl", "single_leg_bridge", "leg_swings"} <= {e.exercise for e in prevent.exercises}
    assert all(content.plan_by_id[p.id].phases[-1].phase == "prevent" for p in content.plans.plans)


def test_cross_training_only_where_there_is_no_running(content: Content) -> None:
    for phase in content.plans.phases:
        text = f"{phase.goal} {phase.notes}".lower()
        if "bike" in text or "pool" in text:
            assert phase.run is None, phase.id


def test_the_two_leg_bridge_never_asks_for_one_leg(content: Content) -> None:
    """Issue 13: "Bridge on two legs" once said "both feet down" and then "do it on one leg"."""
    card = content.exercise_by_id["glute_bridge"]
    words = " ".join([card.name, *card.steps, card.dose, card.tempo, card.easier, card.harder]).lower()
    assert "two legs" in card.name.lower()
    assert not any(w in words for w in ("one leg", "single-leg", "single leg", "other leg up"))
    for phase in content.plans.phases:
        for item in phase.exercises:
            if item.exercise == "glute_bridge" and item.dose:
                assert "one leg" not in item.dose.lower() and "single" not in item.dose.lower(), phase.id


def test_ice_is_discussed_in_one_place_that_says_both_sides(content: Content) -> None:
    with_ice = [
        c for c in content.care.care_steps if "ice" in c.text.lower().split() or "ice" in c.title.lower().split()
    ]
    assert [c.id for c in with_ice] == ["peace_love"]
    assert "PEACE & LOVE" in with_ice[0].text and "NHS" in with_ice[0].text


# --- the clinician gate ---------------------------------------------------------------------------


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


def test_deep_buttock_pain_needs_the_back_ruled_out_first() -> None:
    chat = Chat(CONTENT, today=START)
    answers = ANSWER_SETS["piriformis_buttock_sitting"][1]
    while chat.question is not None:
        chat.tap(answers[chat.question])
    labels = [b.label for r in chat.last.replies for row in r.buttons for b in row]  # type: ignore[union-attr]
    assert CONTENT.strings.plan_seen_button in labels and CONTENT.strings.plan_caution_button not in labels
    chat.send(StartPlan("caution"))
    assert chat.state.plan is None
    chat.send(StartPlan("seen"))
    assert chat.state.plan is not None and chat.state.plan.pattern == "piriformis"


def test_emergency_gets_no_caution_route() -> None:
    chat = Chat(CONTENT, today=START)
    chat.say("I can't feel my groin and I wet myself")
    chat.send(StartPlan("caution"))
    assert chat.state.plan is None


def test_a_reload_that_drops_a_plan_does_not_break_the_runner() -> None:
    chat = start_plan(CONTENT, "overuse")
    slimmer = CONTENT.plans.model_copy(
        update={"plans": tuple(p for p in CONTENT.plans.plans if p.pattern != "overuse")}
    )
    reloaded = dataclasses.replace(CONTENT, plans=slimmer)
    chat.content = reloaded
    chat.send(StartCheckIn())
    assert chat.state.plan is None
    assert reloaded.strings.checkin_no_plan in chat.text


def test_a_plan_started_before_grades_still_loads() -> None:
    """Stored states from before plans had grades carry no grade: they get the pattern's first plan."""
    assert CONTENT.plan_for("acute_strain", None) == CONTENT.plan_by_id["strain_moderate"]
    chat = start_plan(CONTENT, "strain_moderate")
    assert chat.state.plan is not None
    old = chat.state.plan.model_dump(mode="json")
    del old["grade"], old["milestones"], old["scores"]
    chat.state = chat.state.model_copy(update={"plan": type(chat.state.plan).model_validate(old)})
    chat.today = START + timedelta(days=1)
    check_in(chat)
    assert chat.state.plan is not None and len(chat.state.plan.checkins) == 1


def test_log_and_plan_agree_on_running(content: Content) -> None:
    """A run logged where the plan has no running gets a warning; where it runs, none."""
    chat = start_plan(content, "strain_mild")  # Protect: no running
    chat.send(LogRun())
    chat.say("4 km in 25 min")
    assert "Logged: 4.0 km in 25 min" in chat.text
    assert plain(content.strings.guard_no_running)[:30] in chat.text
    chat = start_plan(content, "overuse")  # runs from the first day, and in Prevent
    chat.send(LogRun())
    chat.say("4 km in 25 min")
    assert plain(content.strings.guard_no_running)[:30] not in chat.text
    assert chat.state.plan is not None
    chat.state = chat.state.model_copy(update={"plan": chat.state.plan.model_copy(update={"phase": 2})})
    chat.send(LogRun())
    chat.say("5 km in 30 min")
    assert "Prevent" in content.phase_by_id["prevent"].name
    assert plain(content.strings.guard_no_running)[:30] not in chat.text


def test_check_ins_are_plain_data_for_charts_and_clinicians() -> None:
    chat = start_plan(CONTENT, "overuse")
    play_days(chat, [("done", 2, 1)] * 7)
    record = chat.record
    assert [(r.day, r.milestone, r.passed) for r in record.milestones] == [
        (START + timedelta(days=7), "easy_run_settled", True),
        (START + timedelta(days=7), "hop_test", True),
    ]
    assert [(s.day, s.measure, s.score) for s in record.scores] == [(START + timedelta(days=1), "pain_function", 100)]
    assert all(isinstance(c.pain_during, int) for c in record.checkins)
