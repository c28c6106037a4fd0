"""Every warning sign escalates, by button and typed, at any step, and its advice comes first."""

from __future__ import annotations

import pytest

from content import Content
from flows.markup import plain
from tests.answer_sets import ANSWER_SETS
from tests.chat import Chat

# a route that visits every question without raising a flag
ROUTE = ANSWER_SETS["strain_sprint_pop"][1]
STEPS = list(ROUTE)

PHRASINGS: dict[str, list[str]] = {
    "saddle_numbness": [
        "my groin feels numb",
        "I've lost control of my bladder since yesterday",
        "numbness in the saddle area",
        "I wet myself and my bum feels numb",
    ],
    "clot": [
        "my calf is swollen and tender since my flight home",
        "swollen calf after a long drive",
        "could this be a blood clot?",
        "I'm worried it's a DVT",
    ],
    "infection": [
        "I have a fever",
        "the back of my thigh is red and hot",
        "it looks infected",
        "feeling feverish with chills",
    ],
    "no_weight": [
        "I can't walk on it",
        "I cannot put weight on my leg",
        "unable to walk",
        "I cant stand on it at all",
    ],
    "avulsion": [
        "I heard a pop and now there's a huge bruise",
        "it popped and I'm bruised all down the back of my leg",
        "big bruise after something went pop",
    ],
    "nerve_signs": [
        "my foot is tingling",
        "I have pins and needles in my leg",
        "my leg feels weak",
        "tingeling in my toes",
    ],
    "persistent": [
        "it keeps getting worse",
        "it's not getting better after 3 weeks of rest",
        "the pain won't go away",
    ],
}


def advance(chat: Chat, steps: int) -> None:
    for _ in range(steps):
        assert chat.question is not None
        chat.tap(ROUTE[chat.question])


def assert_escalated_first(chat: Chat, content: Content, flag_id: str) -> None:
    flag = content.flags[flag_id]
    assert chat.status == "escalated"
    assert chat.state.triage and chat.state.triage.outcome and chat.state.triage.outcome.red_flag == flag_id
    first = plain(chat.last.replies[0].text) if chat.last else ""
    assert first.startswith(plain(content.red_flags.urgencies[flag.urgency].headline))
    assert flag.advice in first
    everything = "\n".join(plain(r.text) for r in chat.last.replies) if chat.last else ""
    assert content.strings.first_steps_heading not in everything, "no self-care advice on a red flag"


def test_every_design_red_flag_is_in_content(content: Content) -> None:
    assert set(PHRASINGS) == set(content.flags)
    assert all(len(p) >= 3 for p in PHRASINGS.values())


@pytest.mark.parametrize("step", range(len(STEPS)))
@pytest.mark.parametrize("flag_id", sorted(PHRASINGS))
def test_button_escalates_at_any_step(content: Content, flag_id: str, step: int) -> None:
    chat = Chat(content)
    advance(chat, step)
    if chat.question != content.triage.warning_signs:
        chat.open_warning_signs()
    value = next(a.value for a in content.questions[content.triage.warning_signs].answers if a.red_flag == flag_id)
    chat.tap(value)
    assert_escalated_first(chat, content, flag_id)


@pytest.mark.parametrize("step", range(len(STEPS)))
@pytest.mark.parametrize(
    ("flag_id", "phrase"), [(flag, phrase) for flag, phrases in sorted(PHRASINGS.items()) for phrase in phrases]
)
def test_typed_phrase_escalates_at_any_step(content: Content, flag_id: str, phrase: str, step: int) -> None:
    chat = Chat(content)
    advance(chat, step)
    chat.say(phrase)
    assert_escalated_first(chat, content, flag_id)


@pytest.mark.parametrize("flag_id", sorted(PHRASINGS))
def test_typed_phrase_escalates_before_consent_and_after_triage(content: Content, flag_id: str) -> None:
    before = Chat(content, consent=False)
    before.say(PHRASINGS[flag_id][0])
    after = Chat(content)
    advance(after, len(STEPS))
    assert after.status == "finished"
    after.say(PHRASINGS[flag_id][0])
    for chat in (before, after):
        text = plain(chat.last.replies[0].text) if chat.last else ""
        assert content.flags[flag_id].advice in text


def test_the_most_urgent_sign_wins(content: Content) -> None:
    chat = Chat(content)
    chat.say("my leg is tingling and I can't control my bladder")
    assert chat.state.triage and chat.state.triage.outcome
    assert chat.state.triage.outcome.red_flag == "saddle_numbness"
    assert chat.state.triage.outcome.urgency == "emergency"


@pytest.mark.parametrize(
    "text",
    ["no tingling at all", "no numbness or tingling", "I don't have any pins and needles", "without any weakness"],
)
def test_denied_symptoms_are_not_warning_signs(content: Content, text: str) -> None:
    chat = Chat(content)
    advance(chat, STEPS.index("nerves"))
    chat.say(text)
    assert chat.status == "asking"
    assert chat.question == "training", "the denial is read as the answer 'no'"


def test_a_denial_does_not_reach_into_the_next_sentence(content: Content) -> None:
    chat = Chat(content)
    chat.say("No. But now my foot is numb")
    assert chat.status == "escalated"
