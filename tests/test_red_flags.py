"""Warning signs in the conversation: tapped or typed at any step, the most urgent one wins, advice first.

- An emergency ends the questions at once, with nothing about self-care.
- A same-day sign first asks the warning-sign questions that could still raise something more urgent.
- A within-days sign is noted and leads the outcome; the questions (and the other signs) are still asked.
"""

from __future__ import annotations

import pytest

from content import Content, load_content
from content.schema import LEVELS, Urgency, more_urgent
from flows.conversation import Conversation
from flows.events import Back, CheckInChoice, StartCheckIn
from flows.markup import plain
from flows.outcome import with_flags
from flows.plan import PlanState
from flows.screening import raised
from tests.answer_sets import ANSWER_SETS
from tests.chat import Chat

CONTENT = load_content()
# a route that visits every question without raising a sign
ROUTE = ANSWER_SETS["strain_sprint_pop"][1]
STEPS = list(ROUTE)
PATTERN_STEPS = [q for q in STEPS if q not in CONTENT.triage.safety]

# typed phrasings of each sign, at least three, in runners' words (the corpus in tests/data measures many more)
PHRASINGS: dict[str, list[str]] = {
    "cauda_equina": [
        "since this morning my groin and inner thighs feel numb",
        "I can hardly pee and I don't feel the urge to go",
        "lost control of my bowels",
        "both my legs are getting weaker and i keep tripping",
    ],
    "spinal_abscess": [
        "fever and back pain and now my foot is tingling",
        "I've got a temperature, my lower back is killing me and the leg has gone numb",
        "feverish with back pain and my leg feels weak",
    ],
    "pulmonary_embolism": [
        "I'm short of breath sitting on the sofa since my flight",
        "sharp chest pain when I breathe in",
        "coughed up blood this morning",
    ],
    "compartment": [
        "after the tear my thigh has gone rock hard and the pain is unbearable",
        "thigh swelling by the hour and painkillers aren't touching it",
        "leg feels tight as a drum and about to burst",
    ],
    "rhabdo": [
        "my pee is dark brown like cola after yesterday's hard session",
        "urine the colour of tea since the marathon",
        "barely peeing since the ultra",
    ],
    "sepsis": [
        "fever and my leg is red and hot and I feel confused",
        "hot red swollen leg, mottled skin and a temperature",
        "infected cut on my shin, fever and I'm confused",
    ],
    "limb_threat": [
        "I heard a crack and my leg is at an odd angle",
        "my foot has gone cold and pale",
        "my leg looks deformed after the fall",
    ],
    "major_trauma": [
        "I was hit by a car last week and now my back and hamstring hurt",
        "fell off a ladder and landed on my back",
        "it started after a car accident",
    ],
    "dvt": [
        "my calf is swollen since the flight",
        "one calf is red, warm and tender",
        "I think I have a blood clot in my leg",
    ],
    "spinal_infection": [
        "I have a fever and back pain",
        "lower back ache with chills and a high temperature",
        "back pain, shivery and feverish",
    ],
    "infection": [
        "I have a fever",
        "the back of my thigh is red and hot",
        "the cut on my leg looks infected",
    ],
    "weakness": [
        "my foot is slapping when I walk",
        "I keep tripping, my foot won't lift",
        "my leg keeps giving way and it's getting weaker",
    ],
    "avulsion_nerve": [
        "felt a pop and now my foot is tingling",
        "heard a snap and my leg has gone numb",
        "it popped and the leg feels weak",
    ],
    "no_weight": [
        "i literally cannot put any weight on my leg",
        "I can't walk on it",
        "unable to stand on my leg",
    ],
    "hip_stress": [
        "groin pain when I run",
        "deep hip pain that hurts when I run",
        "my groin aches more with every run",
    ],
    "serious_pathology": [
        "I had breast cancer five years ago",
        "I've lost a stone without trying",
        "I'm on steroid tablets for my lungs",
    ],
    "avulsion": [
        "I heard a pop and now there's a huge bruise",
        "it popped and I'm bruised all down the back of my leg",
        "slipped into the splits and felt a pop at my sit bone",
    ],
    "bone_stress": [
        "it hurts when I hop on that leg",
        "it aches at night in bed",
        "my periods have stopped and I'm not eating enough",
    ],
    "age_back": [
        "I'm 58 and this lower back pain is new",
        "I'm 16 and my lower back started hurting",
        "I'm 61 and my back has started aching",
    ],
    "persistent": [
        "it keeps getting worse",
        "it's not getting better after 3 weeks of rest",
        "the pain won't go away",
    ],
    "nerve_spreading": [
        "the tingling has spread further down, into my foot now",
        "the numbness is further down my leg than last week",
        "pins and needles spreading further down the calf",
    ],
}
# signs tapped at a plan's check-in rather than in the triage (tests/test_sciatica_checkin.py taps them)
CHECKIN_BUTTONS = {"nerve_spreading"}

# the taps that raise each sign from the warning-signs questions (the button opens them from any step)
BUTTONS: dict[str, list[tuple[str, str]]] = {
    "cauda_equina": [("warning_signs", "saddle")],
    "pulmonary_embolism": [("warning_signs", "breath")],
    "compartment": [("warning_signs", "hard_thigh")],
    "rhabdo": [("warning_signs", "dark_urine")],
    "sepsis": [("warning_signs", "very_unwell")],
    "dvt": [("warning_signs", "none"), ("urgent_signs", "swollen_calf")],
    "infection": [("warning_signs", "none"), ("urgent_signs", "fever")],
    "serious_pathology": [("warning_signs", "none"), ("urgent_signs", "cancer")],
    "limb_threat": [("warning_signs", "limb")],
    "major_trauma": [("warning_signs", "accident")],
    "hip_stress": [("warning_signs", "none"), ("urgent_signs", "groin")],
    "bone_stress": [("warning_signs", "none"), ("urgent_signs", "none"), ("bone_signs", "hop")],
    "age_back": [("warning_signs", "none"), ("urgent_signs", "over_50")],
}
# signs raised by answers on the main route: (question, answer) on top of the route
ROUTE_ANSWERS: dict[str, dict[str, str]] = {
    "no_weight": {"walking": "cannot"},
    "weakness": {"nerves": "worse_weakness"},
    "avulsion": {"pop": "pop_and_bruise"},
    "avulsion_nerve": {"nerves": "tingling"},  # with the route's pop
    "persistent": {"duration": "worsening"},
    "spinal_infection": {"location": "lower_back", "urgent_signs": "fever"},
    "spinal_abscess": {"location": "lower_back", "nerves": "tingling", "urgent_signs": "fever"},
}


def advance(chat: Chat, steps: int, answers: dict[str, str] = ROUTE) -> None:
    for _ in range(steps):
        assert chat.question is not None
        chat.tap(answers[chat.question])


def finish(chat: Chat, answers: dict[str, str] = ROUTE) -> None:
    """Answer whatever is still asked, from the route."""
    while chat.question is not None:
        chat.tap(answers[chat.question])


def advice(flag_id: str) -> str:
    return plain(with_flags(CONTENT, CONTENT.flags[flag_id].advice))


def assert_leads_with(chat: Chat, flag_id: str) -> None:
    """The outcome names this sign first, its urgency's headline and advice before anything else."""
    flag = CONTENT.flags[flag_id]
    triage = chat.state.triage
    assert triage and triage.outcome and triage.outcome.red_flag == flag_id, triage.outcome if triage else None
    assert triage.outcome.urgency == flag.urgency.value
    first = plain(chat.last.replies[0].text) if chat.last else ""
    assert first.startswith(plain(CONTENT.red_flags.urgencies[flag.urgency].headline))
    assert advice(flag_id) in first
    everything = "\n".join(plain(r.text) for r in chat.last.replies) if chat.last else ""
    if flag.urgency.value in ("emergency", "same_day"):
        assert chat.status == "escalated"
        assert CONTENT.strings.first_steps_heading not in everything, "no self-care advice on an urgent sign"


def test_every_sign_has_typed_phrasings_and_a_way_to_tap_it() -> None:
    ids = {f.id for f in CONTENT.red_flags.red_flags}
    assert set(PHRASINGS) == ids
    assert all(len(p) >= 3 for p in PHRASINGS.values())
    assert set(BUTTONS) | set(ROUTE_ANSWERS) | CHECKIN_BUTTONS == ids


@pytest.mark.parametrize("step", range(len(PATTERN_STEPS)))
@pytest.mark.parametrize("flag_id", sorted(BUTTONS))
def test_button_raises_each_sign_from_any_step(flag_id: str, step: int) -> None:
    chat = Chat(CONTENT)
    advance(chat, step)
    chat.open_warning_signs()
    for question, value in BUTTONS[flag_id]:
        assert chat.question == question
        chat.tap(value)
    finish(chat)
    assert_leads_with(chat, flag_id)


@pytest.mark.parametrize("flag_id", sorted(ROUTE_ANSWERS))
def test_answers_on_the_route_raise_their_sign(flag_id: str) -> None:
    chat = Chat(CONTENT)
    finish(chat, {**ROUTE, **ROUTE_ANSWERS[flag_id]})
    assert_leads_with(chat, flag_id)


STEPS_TO_TYPE_AT = [0, STEPS.index("worse"), STEPS.index("duration"), STEPS.index("warning_signs")]


# a sign of the check-in is typed there (the strain route's pop would make leg tingling a more urgent sign)
@pytest.mark.parametrize("step", STEPS_TO_TYPE_AT)
@pytest.mark.parametrize(
    ("flag_id", "phrase"),
    [
        (flag, phrase)
        for flag, phrases in sorted(PHRASINGS.items())
        if flag not in CHECKIN_BUTTONS
        for phrase in phrases
    ],
)
def test_typed_sign_at_any_step(flag_id: str, phrase: str, step: int) -> None:
    chat = Chat(CONTENT)
    advance(chat, step)
    chat.say(phrase)
    flag = CONTENT.flags[flag_id]
    if flag.urgency.value == "emergency":
        assert_leads_with(chat, flag_id)
        return
    if flag.urgency.value == "same_day" and chat.question is not None:
        # questions that could still complete an emergency come first (the notice says why), then this sign
        assert plain(CONTENT.strings.flag_pending.split("{sign}")[0]) in chat.text
    finish(chat)
    assert_leads_with(chat, flag_id)


@pytest.mark.parametrize("flag_id", sorted(PHRASINGS))
def test_typed_sign_before_consent_and_after_triage(flag_id: str) -> None:
    before = Chat(CONTENT, consent=False)
    before.say(PHRASINGS[flag_id][0])
    after = Chat(CONTENT)
    finish(after)
    assert after.status == "finished"
    after.say(PHRASINGS[flag_id][0])
    for chat in (before, after):
        assert advice(flag_id) in (plain(chat.last.replies[0].text) if chat.last else "")


def test_the_most_urgent_sign_wins_in_one_message() -> None:
    chat = Chat(CONTENT)
    chat.say("my calf is swollen after the flight and I can't control my bladder")
    assert_leads_with(chat, "cauda_equina")
    assert "Also noted" in chat.text and CONTENT.flags["dvt"].title in chat.text


def test_a_same_day_sign_asks_the_emergency_questions_first() -> None:
    chat = Chat(CONTENT)
    chat.say("my calf is swollen since the flight")
    assert chat.question == "warning_signs", "the emergency questions come before the same-day advice"
    assert "Noted" in chat.text and "get checked today" in chat.text
    chat.say("I'm a bit short of breath too")
    assert_leads_with(chat, "pulmonary_embolism")


def test_a_within_days_sign_does_not_end_the_questions() -> None:
    """'It keeps getting worse' comes before the fever question: an infected thigh still gets 'today'."""
    chat = Chat(CONTENT)
    advance(chat, 3)
    chat.say("it keeps getting worse")
    assert chat.question == STEPS[3], "noted, and the same question again"
    finish(chat, {**ROUTE, "urgent_signs": "fever"})
    assert_leads_with(chat, "infection")
    assert CONTENT.flags["persistent"].title in chat.text


def test_avulsion_gets_no_plan_until_a_clinician_clears_it() -> None:
    chat = Chat(CONTENT)
    finish(chat, {**ROUTE, "location": "sit_bone", "pain_level": "severe"})  # a sprint, a pop, the sit bone
    assert_leads_with(chat, "avulsion")
    labels = [b.label for r in chat.last.replies for row in r.buttons for b in row] if chat.last else []
    assert CONTENT.strings.plan_seen_button in labels
    assert CONTENT.strings.plan_caution_button not in labels
    assert CONTENT.strings.plan_start_button not in labels


def test_back_undoes_a_tapped_sign() -> None:
    chat = Chat(CONTENT)
    advance(chat, STEPS.index("duration"))
    chat.tap("worsening")
    back = next(e for e in chat.buttons if isinstance(e, Back))
    chat.send(back)
    finish(chat)
    assert chat.state.triage and chat.state.triage.outcome and chat.state.triage.outcome.red_flag is None


@pytest.mark.parametrize(
    "text",
    [
        "no numbness or tingling, no back pain and no problem with my bladder",
        "sitting on the saddle or a hard chair brings it on",
        "my dad had a clot",
        "last year I had sciatica",
        "could it be a clot?",
        "bladder and bowels are fine",
        "no tingling at all",
        "I don't have any pins and needles",
    ],
)
def test_what_is_not_a_current_sign_raises_none(text: str) -> None:
    chat = Chat(CONTENT)
    advance(chat, STEPS.index("nerves"))
    chat.say(text)
    assert chat.status == "asking"
    assert chat.state.triage and not chat.state.triage.typed_findings


def test_a_denial_does_not_reach_into_the_next_sentence() -> None:
    chat = Chat(CONTENT)
    chat.say("No. But now I can't feel my groin")
    assert_leads_with(chat, "cauda_equina")


def test_signs_and_levels_agree() -> None:
    """A family's signs are never less urgent than the sign it is named after, bar none below within-days."""
    for flag in CONTENT.red_flags.red_flags:
        assert flag.urgency.value in LEVELS[:3]


def test_every_urgency_is_worded_once(content: Content) -> None:
    texts = {u: t.headline for u, t in content.red_flags.urgencies.items()}
    assert len(set(texts.values())) == len(texts)


CHECKIN_SCREEN = CONTENT.questions[CONTENT.triage.checkin_screen]


def _level_of(findings: tuple[str, ...]) -> str | None:
    flags = raised(CONTENT, findings)
    return flags[0].urgency.value if flags else None


LESS_URGENT_AT_CHECK_IN = [a.value for a in CHECKIN_SCREEN.answers if _level_of(a.findings) not in (None, "emergency")]


@pytest.mark.parametrize("value", LESS_URGENT_AT_CHECK_IN)
def test_a_less_urgent_sign_tapped_at_check_in_asks_the_more_urgent_ones_first(value: str) -> None:
    """One tap names one sign: before the advice for it, the signs that need help sooner are asked, and the
    most urgent one said wins."""
    level = _level_of(next(a.findings for a in CHECKIN_SCREEN.answers if a.value == value))
    assert level is not None
    chat = checkin_at_the_warning_screen()
    draft = chat.state.checkin
    assert draft is not None
    chat.send(CheckInChoice(draft.session, draft.step, value))
    offered = [e.value for e in chat.buttons if isinstance(e, CheckInChoice)]
    more = [a for a in CHECKIN_SCREEN.answers if a.value in offered and a.findings]
    assert more and all(more_urgent(str(_level_of(a.findings)), level) for a in more)
    assert chat.state.plan is not None and chat.state.plan.status == "active"  # no advice yet
    before = chat.state.plan.status
    draft = chat.state.checkin
    assert draft is not None
    chat.send(CheckInChoice(draft.session, draft.step, more[0].value))
    headline = CONTENT.red_flags.urgencies[Urgency(str(_level_of(more[0].findings)))].headline
    after = chat.state.plan.status
    assert plain(headline) in chat.text and (before, after) == ("active", "paused")


def checkin_at_the_warning_screen() -> Chat:
    chat = Chat(CONTENT)
    chat.state = Conversation(consented=True, plan=PlanState(pattern="overuse", started_on=chat.today))
    chat.send(StartCheckIn())
    for _ in range(12):
        draft = chat.state.checkin
        assert draft is not None
        if draft.step == "warning":
            return chat
        choices = [e.value for e in chat.buttons if isinstance(e, CheckInChoice)]
        chat.send(CheckInChoice(draft.session, draft.step, "0" if draft.step.startswith("pain") else choices[-1]))
    raise AssertionError("the check-in never reached its warning signs")


def test_night_pain_is_asked_after_another_bone_sign_and_with_back_pain_is_same_day() -> None:
    """One tap names one bone sign: 'it hurts to hop' must not hide night pain, which with back pain is a
    same-day sign (NHS, Back pain), not the within-days of a bone stress injury."""
    route = dict(ANSWER_SETS["nerve_back_pain_to_foot_no_tingling"][1]) | {"bone_signs": "hop", "bone_night": "yes"}
    chat = Chat(CONTENT)
    asked = []
    while chat.question is not None:
        asked.append(chat.question)
        chat.tap(route[chat.question])
    assert asked[-2:] == ["bone_signs", "bone_night"]
    outcome = chat.state.triage.outcome if chat.state.triage else None
    assert outcome is not None and (outcome.urgency, outcome.red_flag) == ("same_day", "serious_pathology")
    without = Chat(CONTENT)
    while without.question is not None:
        without.tap(dict(route, bone_night="no")[without.question])
    assert without.state.triage is not None and without.state.triage.outcome is not None
    assert without.state.triage.outcome.urgency == "within_days"
