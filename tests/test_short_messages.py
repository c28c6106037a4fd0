"""Short messages: the outcome in at most two messages of at most 1,200 characters, warning sign first and
the note that it is not a diagnosis; a day's session as a compact list with a how-to button per exercise;
the outcome measure scored and shown in /history."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.callback_data import LIMIT, decode, encode
from content import Content
from content.schema import Grade, Urgency
from flows.events import CheckInChoice, ShowExercise, ShowHistory, StartCheckIn
from flows.markup import plain
from flows.outcome import Outcome, outcome_replies
from flows.plan import todays_session
from tests.answer_sets import ANSWER_SETS
from tests.bot_fixture import running_bot
from tests.fake_bot_api import callback_update, message_update
from tests.plan_play import PLAN_CASES, START, check_in, start_plan

OUTCOME_LIMIT = 1200


def outcomes(content: Content) -> list[Outcome]:
    """Every pattern and grade, alone and with each within-days sign, at its own disposition."""
    found = []
    within_days = [f.id for f in content.red_flags.red_flags if f.urgency == Urgency.WITHIN_DAYS]
    for pattern in content.patterns.patterns:
        grades: list[Grade | None] = [*pattern.grades] or [None]
        for grade in grades:
            level = (grade.see_clinician if grade and grade.see_clinician else None) or pattern.see_clinician
            gid = grade.id if grade else None
            found.append(Outcome(urgency=level, pattern=pattern.id, grade=gid))
            for rule in pattern.see_clinician_when:
                found.append(Outcome(urgency=rule.level, pattern=pattern.id, grade=gid))
            for flag in within_days:
                found.append(
                    Outcome(urgency="within_days", pattern=pattern.id, grade=gid, red_flag=flag, flags=(flag,))
                )
    return found


def test_every_outcome_fits_two_short_messages(content: Content) -> None:
    for outcome in outcomes(content):
        replies = outcome_replies(content, outcome)
        lengths = [len(plain(r.text)) for r in replies]
        assert len(replies) <= 2, outcome
        assert all(n <= OUTCOME_LIMIT for n in lengths), (outcome, lengths)
        assert plain(content.strings.not_a_diagnosis) in plain(replies[-1].text)
        if outcome.red_flag is not None:  # the warning sign comes first
            flag = content.flags[outcome.red_flag]
            assert plain(replies[0].text).startswith(plain(content.red_flags.urgencies[flag.urgency].headline))
            assert content.strings.first_steps_heading in plain(replies[1].text)


def test_a_finished_triage_says_the_outcome_in_two_messages_then_offers_the_plan(content: Content) -> None:
    for plan_id in PLAN_CASES:
        chat = start_plan(content, plan_id)
        transcript = [plain(r.text) for r in chat.transcript]
        start = next(
            i for i, t in enumerate(transcript) if t.startswith(content.strings.outcome_intro[:20]) or "⚠️" in t
        )
        offer = next(i for i, t in enumerate(transcript) if content.strings.plan_offer[:30] in t)
        assert offer - start <= 2, plan_id
        assert all(len(t) <= OUTCOME_LIMIT for t in transcript[start:offer]), plan_id


def test_each_exercise_card_has_every_part(content: Content) -> None:
    chat = start_plan(content, "strain_moderate")
    for exercise in content.exercises.exercises:
        chat.send(ShowExercise(exercise.id))
        text = chat.text
        for part in (exercise.dose, exercise.tempo, exercise.feel, exercise.stop_if, exercise.easier, exercise.harder):
            assert plain(part) in text
        assert all(plain(step) in text for step in exercise.steps)
    chat.send(ShowExercise("towel_stretch"))
    assert plain(content.strings.exercise_unknown) in chat.text


def test_session_buttons_fit_callback_data_and_round_trip(content: Content) -> None:
    for exercise in content.exercises.exercises:
        data = encode(ShowExercise(exercise.id))
        assert len(data.encode()) <= LIMIT and decode(data) == ShowExercise(exercise.id)


def test_a_full_strength_day_is_short(content: Content) -> None:
    for plan_id in PLAN_CASES:
        chat = start_plan(content, plan_id)
        plan = content.plan_by_id[plan_id]
        state = chat.state.plan
        assert state is not None
        for index in range(len(plan.phases)):
            for offset in range(7):
                moved = state.model_copy(update={"phase": index})
                reply = todays_session(content, moved, START + timedelta(days=offset))
                assert len(plain(reply.text)) <= OUTCOME_LIMIT, (plan_id, index, offset)


@pytest.mark.parametrize("plan_id", ["tendon", "overuse"])
def test_the_outcome_measure_is_asked_at_the_start_and_every_two_weeks_and_shown_in_history(
    content: Content, plan_id: str
) -> None:
    chat = start_plan(content, plan_id)
    measure = content.measure_by_id[content.plan_by_id[plan_id].measure or ""]
    asked_on = []
    for offset in range(1, 30):
        chat.today = START + timedelta(days=offset)
        steps = check_in(chat)
        if any(s.startswith("measure:") for s in steps):
            asked_on.append(offset)
    assert asked_on == [1, 15, 29]
    assert [s.score for s in chat.record.scores] == [100, 100, 100]
    chat.send(ShowHistory())
    assert f"{measure.name} (0–100, higher is better): 100 (3 Mar) → 100 (17 Mar) → 100 (31 Mar)" in chat.text
    if plan_id == "tendon":
        assert "not a validated questionnaire" in measure.intro and "VISA" not in measure.name


def test_scores_add_up_from_the_answers(content: Content) -> None:
    chat = start_plan(content, "tendon")
    chat.today = START + timedelta(days=1)
    chat.send(StartCheckIn())
    draft = chat.state.checkin
    assert draft is not None
    for step, value in (("done", "done"), ("pain_during", "3"), ("pain_morning", "2")):
        chat.send(CheckInChoice(draft.session, step, value))
    worst = {
        item.id: min(item.answers, key=lambda a: a.points).value
        for item in content.measure_by_id["sitbone_score"].items
    }
    while chat.state.checkin is not None and chat.state.checkin.step.startswith("measure:"):
        step = chat.state.checkin.step
        chat.send(CheckInChoice(draft.session, step, worst[step.rpartition("/")[2]]))
    chat.send(CheckInChoice(draft.session, "warning", "none"))
    plan = chat.state.plan
    assert plan is not None and plan.scores[-1].score == 0 and plan.scores[-1].answers == worst


async def test_a_how_to_tap_keeps_the_session_list_and_its_buttons(tmp_path: Path, content: Content) -> None:
    async with running_bot(tmp_path / "b.sqlite3") as (app, api):
        user = 21
        await app.process_update(message_update(app.bot, user, "/start"))
        await app.process_update(callback_update(app.bot, user, api.sent(user)[-1], content.strings.consent_button))
        case = PLAN_CASES["overuse"][0]
        for question, value in ANSWER_SETS[case][1].items():
            label = next(a.label for a in content.questions[question].answers if a.value == value)
            await app.process_update(callback_update(app.bot, user, api.sent(user)[-1], label))
        offer = next(m for m in reversed(api.sent(user)) if content.strings.plan_start_button in str(m.buttons))
        await app.process_update(callback_update(app.bot, user, offer, content.strings.plan_start_button))
        await app.process_update(message_update(app.bot, user, "/plan"))
        session = next(m for m in reversed(api.sent(user)) if content.strings.today_heading in m.text)
        name = session.buttons[0]["text"]
        edits_before = len([c for c in api.calls if c.method.startswith("edit")])
        await app.process_update(callback_update(app.bot, user, session, name))
        card = api.sent(user)[-1]
        assert card.text.startswith(f"<b>{name}</b>")
        assert len([c for c in api.calls if c.method.startswith("edit")]) == edits_before
