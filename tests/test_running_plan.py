"""Return to running obeys its own rule: walk-run on alternate days, one step up after a run day that went
well, and no session more than about 10% longer than the longest of the last 30 days (Frandsen et al.,
BJSM 2025), counting the plan's own runs and the runs logged with /log alike."""

from __future__ import annotations

from datetime import timedelta
from math import floor

from content import Content
from flows.events import LogRun
from flows.markup import plain
from flows.plan import run_days, todays_run, todays_session
from flows.session import longest_recent
from tests.plan_play import START, check_in, good_days, play, start_plan


def test_walk_run_comes_on_alternate_days_and_climbs_a_step_after_each_good_run(content: Content) -> None:
    played = play(start_plan(content, "strain_moderate"))
    walk_jog = [d for d in played.days if d.phase_before == "strain_walk_jog"]
    runs = [d for d in walk_jog if d.run is not None]
    assert [d.day % 2 for d in runs] == [0] * len(runs)  # day 0 is the start: even days, one rest day between
    assert len(runs) == len(walk_jog) // 2
    sessions = [(d.run.session.run, d.run.session.walk, d.run.session.repeats) for d in runs if d.run and d.run.session]
    assert sessions[:3] == [(1, 1, 10), (2, 1, 7), (4, 1, 4)]


def test_a_run_day_that_did_not_go_well_repeats_the_same_step(content: Content) -> None:
    first_run = play(start_plan(content, "strain_mild")).first_run()

    def script(day: int) -> tuple[str, int, int]:
        return ("done", 6, 1) if day == first_run else good_days(day)  # the first run day: 6/10, a hold

    played = play(start_plan(content, "strain_mild"), script)
    runs = [d for d in played.days if d.run is not None and d.phase_before == "strain_walk_jog"]
    assert runs[0].day == first_run and runs[0].decision == "hold"
    assert runs[1].run is not None and runs[0].run is not None
    assert runs[1].run.session == runs[0].run.session


def test_no_planned_session_is_more_than_ten_percent_over_the_longest_of_30_days(content: Content) -> None:
    for plan_id in ("strain_severe", "tendon", "sciatica", "deep_gluteal", "overuse"):
        chat = start_plan(content, plan_id)
        played = play(chat)
        plan = chat.state.plan
        assert plan is not None
        history = run_days(plan)
        rules = content.plans.running
        for day in played.days:
            if day.run is None or day.run.minutes is None:
                continue
            today = START + timedelta(days=day.day)
            longest = longest_recent(rules, plan.runs, history, today)
            if longest:
                assert day.run.minutes <= floor(longest * 1.1), (plan_id, day.day, day.run.minutes, longest)


def test_a_logged_run_counts_towards_the_plans_ceiling_and_caps_it(content: Content) -> None:
    chat = start_plan(content, "strain_mild")
    chat.send(LogRun())
    chat.say("1.5 km in 10 min")  # a short run logged on the first day
    for offset in range(1, 8):
        chat.today = START + timedelta(days=offset)
        check_in(chat)
    chat.today = START + timedelta(days=8)  # the first walk-run day: 20 minutes planned
    plan = chat.state.plan
    assert plan is not None
    run = todays_run(content, plan, chat.today)
    assert run is not None and run.minutes is not None and run.minutes <= 11 and run.capped_by == 10
    session = plain(todays_session(content, plan, chat.today).text)
    assert plain(content.strings.run_capped).split("{")[0] in session


def test_a_long_logged_run_lets_the_easy_run_grow_to_the_phase_dose(content: Content) -> None:
    grown = {}
    for logged in (None, "6 km in 40 min"):
        chat = start_plan(content, "overuse")
        if logged:
            chat.send(LogRun())
            chat.say(logged)
        for offset in range(1, 4):
            chat.today = START + timedelta(days=offset)
            check_in(chat)
        chat.today = START + timedelta(days=4)
        assert chat.state.plan is not None
        run = todays_run(content, chat.state.plan, chat.today)
        assert run is not None
        grown[logged] = run.minutes
    assert grown == {None: floor(25 * 1.1), "6 km in 40 min": 30}


def test_the_session_is_a_compact_list_with_a_how_to_button_per_exercise(content: Content) -> None:
    chat = start_plan(content, "strain_moderate")
    played = play(chat)
    assert played.days
    plan = chat.state.plan
    assert plan is not None
    for offset in range(0, 14):
        today = START + timedelta(days=offset)
        reply = todays_session(content, plan.model_copy(update={"phase": 2, "moved_on": START}), today)
        lines = [line for line in plain(reply.text).splitlines() if line.startswith("• ")]
        buttons = [b.event for row in reply.buttons for b in row]
        run = todays_run(content, plan.model_copy(update={"phase": 2, "moved_on": START}), today)
        assert len(buttons) == len(lines) + (1 + len(run.extras) if run else 0)
        assert len(reply.text) < 1200, len(reply.text)
