"""Random event sequences never crash the conversation and always leave a valid state."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from content import Content, load_content
from flows.conversation import Conversation, handle
from flows.events import (
    Back,
    BeginTriage,
    Cancel,
    ChangeReminders,
    CheckInChoice,
    Choose,
    Consent,
    Event,
    LogRun,
    OpenReminders,
    ReminderAction,
    Resume,
    ResumePlan,
    SetReminderTime,
    SetZone,
    ShowExercise,
    ShowHistory,
    ShowPlan,
    ShowReport,
    Start,
    StartCheckIn,
    StartPlan,
    Text,
    Unsupported,
    WarningSigns,
)
from flows.record import Record, Recorded, RecordNeeded
from tests.answer_sets import ANSWER_SETS
from tests.chat import Chat, appended

CONTENT = load_content()
QUESTION_IDS = [*(q.id for q in CONTENT.triage.questions), "gone"]
VALUES = [*sorted({a.value for q in CONTENT.triage.questions for a in q.answers}), "junk"]
SYNONYMS = sorted({s for q in CONTENT.triage.questions for a in q.answers for s in a.synonyms})
# finding phrases as written (operators stripped): warning signs and near-misses alike
PHRASES = sorted(
    {
        p.replace("+", " ").replace("*", "").replace("@", "").replace("=", "")
        for f in CONTENT.findings.findings
        for p in f.phrases
    }
)

# the check-in steps a plan adds (its own questions, milestones, measure items) and their answers
PLAN_STEPS = sorted(
    [f"check:{c.id}" for c in CONTENT.plans.checks]
    + [f"milestone:{m.id}" for m in CONTENT.plans.milestones]
    + [f"measure:{m.id}/{i.id}" for m in CONTENT.plans.measures for i in m.items]
)
PLAN_VALUES = sorted(
    {a.value for c in CONTENT.plans.checks for a in c.answers}
    | {a.value for m in CONTENT.plans.milestones for a in m.answers}
    | {a.value for m in CONTENT.plans.measures for i in m.items for a in i.answers}
)

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
    st.just(ShowPlan()),
    st.builds(StartPlan, st.sampled_from(["self_care", "seen", "caution", "junk"])),
    st.just(ResumePlan()),
    st.just(StartCheckIn()),
    st.builds(
        CheckInChoice,
        sessions,
        st.sampled_from(["done", "pain_during", "pain_morning", "warning", "junk", *PLAN_STEPS]),
        st.sampled_from(["done", "partly", "skipped", "0", "3", "7", "10", "11", "none", "clot", "junk", *PLAN_VALUES]),
    ),
    st.builds(ShowExercise, st.sampled_from([*(e.id for e in CONTENT.exercises.exercises), "gone"])),
    st.just(LogRun()),
    st.just(ShowHistory()),
    st.just(ShowReport()),
    st.just(OpenReminders()),
    st.builds(SetZone, st.sampled_from(["Europe/Berlin", "America/New_York", "Not/AZone", ""])),
    st.builds(SetReminderTime, st.sampled_from(["07:00", "19:30", "23:30", "25:99", "x"])),
    st.builds(
        ChangeReminders,
        st.sampled_from(["time", "zone", "pause", "resume", "morning", "days", "quiet", "day:3", "day:9", "junk"]),
    ),
    st.builds(ReminderAction, st.sampled_from(["done", "snooze", "skip", "pause", "junk"])),
    st.builds(Text, st.sampled_from(["5 km in 30 min", "12 km 70 min", "done", "4", "none of these"])),
)


def _planned() -> Conversation:
    """A runner past triage with a plan started and reminders set: the random events start here half the time."""
    chat = Chat(CONTENT)
    answers = ANSWER_SETS["overuse_mileage_jump"][1]
    while chat.question is not None:
        chat.tap(answers[chat.question])
    for event in (StartPlan("self_care"), SetZone("Europe/Berlin"), SetReminderTime("19:00")):
        chat.send(event)
    assert chat.state.plan is not None and chat.state.reminders.time == "19:00"
    return chat.state


PLANNED = _planned()


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
        assert triage.question in content.triage.safety
    plan = state.plan
    if plan is not None:
        found = content.plan_for(plan.pattern, plan.grade)
        assert found is not None and 0 <= plan.phase < len(found.phases)
        assert len({c.day for c in plan.checkins}) == len(plan.checkins), "one check-in a day"
    if state.checkin is not None:
        assert plan is not None and plan.status == "active"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.booleans(),
    st.lists(
        st.tuples(events, st.booleans(), st.integers(min_value=0, max_value=20), st.sampled_from([0, 0, 0, 1, 3])),
        max_size=40,
    ),
)
def test_random_events_keep_a_valid_state(with_plan: bool, steps: list[tuple[Event, bool, int, int]]) -> None:
    state = PLANNED if with_plan else Conversation()
    buttons: list[Event] = []
    record = Record()
    today = date(2026, 3, 2)
    for event, tap_visible, pick, days_later in steps:
        today += timedelta(days=days_later)
        if tap_visible and buttons:
            event = buttons[pick % len(buttons)]  # a real tap on what the user sees
        now = datetime.combine(today, time(12), UTC)
        result = handle(CONTENT, state, event, now)
        if any(isinstance(e, RecordNeeded) for e in result.effects):  # as the shell does
            result = handle(CONTENT, state, event, now, record)
        record = appended(record, [e.fact for e in result.effects if isinstance(e, Recorded)])
        assert result.replies, f"{event!r} got no answer"
        for reply in result.replies:
            assert reply.text.strip()
        state = result.state
        assert_valid(CONTENT, state)
        shown = [b.event for r in result.replies for row in r.buttons for b in row]
        buttons = shown or buttons
