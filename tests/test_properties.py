"""Random event sequences never crash the conversation and always leave a valid state."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from content import Content, load_content
from flows.conversation import Conversation, handle
from flows.events import (
    Back,
    BeginTriage,
    Cancel,
    Choose,
    Consent,
    Event,
    Resume,
    Start,
    Text,
    Unsupported,
    WarningSigns,
)

CONTENT = load_content()
QUESTION_IDS = [*(q.id for q in CONTENT.triage.questions), "gone"]
VALUES = [*sorted({a.value for q in CONTENT.triage.questions for a in q.answers}), "junk"]
SYNONYMS = sorted({s for q in CONTENT.triage.questions for a in q.answers for s in a.synonyms})
PHRASES = sorted({p for f in CONTENT.red_flags.red_flags for p in f.phrases})

texts = st.one_of(
    st.text(max_size=60),
    st.sampled_from(SYNONYMS),
    st.sampled_from(PHRASES),
    st.sampled_from(["", " ", "🦵🔥😭", "👍", "7/10", "ten", "-3", "11", "1e9", "NaN", "<b>bold</b> & co"]),
    st.just("x" * 10_000),
    st.builds(lambda w: " ".join(w), st.lists(st.sampled_from([*SYNONYMS, "no", "not", "but", ","]), max_size=12)),
)
sessions = st.integers(min_value=-1, max_value=4)
events: st.SearchStrategy[Event] = st.one_of(
    st.just(Start()),
    st.builds(Consent, st.booleans()),
    st.just(BeginTriage()),
    st.just(Resume()),
    st.just(Cancel()),
    st.just(Unsupported()),
    st.builds(Choose, sessions, st.sampled_from(QUESTION_IDS), st.sampled_from(VALUES)),
    st.builds(Back, sessions, st.sampled_from(QUESTION_IDS)),
    st.builds(WarningSigns, sessions, st.sampled_from(QUESTION_IDS)),
    st.builds(Text, texts),
)


def assert_valid(content: Content, state: Conversation) -> None:
    again = Conversation.model_validate(state.model_dump(mode="json"))
    assert again == state
    triage = state.triage
    if triage is None:
        return
    assert triage.question in content.questions
    for question_id, value in triage.answers:
        assert value in {a.value for a in content.questions[question_id].answers}
    if triage.status in ("finished", "escalated"):
        assert triage.outcome is not None
    if triage.status == "escalated":
        assert triage.outcome is not None and triage.outcome.red_flag in content.flags
    if triage.detour_from is not None:
        assert triage.question == content.triage.warning_signs


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(events, st.booleans(), st.integers(min_value=0, max_value=20)), max_size=40))
def test_random_events_keep_a_valid_state(steps: list[tuple[Event, bool, int]]) -> None:
    state = Conversation()
    buttons: list[Event] = []
    for event, tap_visible, pick in steps:
        if tap_visible and buttons:
            event = buttons[pick % len(buttons)]  # a real tap on what the user sees
        result = handle(CONTENT, state, event, date(2026, 3, 2))
        assert result.replies, f"{event!r} got no answer"
        for reply in result.replies:
            assert reply.text.strip()
        state = result.state
        assert_valid(CONTENT, state)
        shown = [b.event for r in result.replies for row in r.buttons for b in row]
        buttons = shown or buttons
