"""End to end over real HTTP: runners talk to the bot process through the Bot API peer."""

from __future__ import annotations

import asyncio
import itertools
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import USER_COMMANDS
from content import Content, load_content
from tests.answer_sets import ANSWER_SETS, TYPED
from tests.e2e.harness import NEEDS_NODE, BotProcess, Message, Peer, Runner, node_available
from tests.test_red_flags import BUTTONS, CHECKIN_BUTTONS, PATTERN_STEPS, PHRASINGS

pytestmark = pytest.mark.skipif(not node_available(), reason=NEEDS_NODE)

CONTENT = load_content()
_user_ids = itertools.count(1000)


@pytest.fixture(scope="module")
def bot(peer: Peer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    process = BotProcess(peer, tmp_path_factory.mktemp("bot")).start()
    yield process
    process.stop()


def new_runner(peer: Peer, bot: BotProcess, http: httpx.AsyncClient) -> Runner:
    return Runner(peer, bot.token, next(_user_ids), http)


def question_of(message: Message) -> str | None:
    """Which triage question a message asks, by its text."""
    text = message.get("text", "")
    if not message.get("reply_markup"):
        return None
    return next((q.id for q in CONTENT.triage.questions if CONTENT.questions[q.id].text in text), None)


def label_of(question: str, value: str) -> str:
    return next(a.label for a in CONTENT.questions[question].answers if a.value == value)


async def expect_question(runner: Runner, question: str, timeout: float = 15.0) -> Message:
    """Wait for the message asking this triage question (with its buttons) since the last action."""
    fresh = await runner.wait(lambda ms: any(question_of(m) == question for m in ms), timeout)
    return [m for m in fresh if question_of(m) == question][-1]


def follows(question: str, value: str) -> str:
    """The question asked after this answer (for answers that lead to another question)."""
    source = CONTENT.questions[question]
    target = next(a for a in source.answers if a.value == value).next or source.next
    assert target is not None
    return target


async def consent(runner: Runner, typed: bool = False) -> Message:
    await runner.send("/start")
    prompt = await runner.expect_keyboard(CONTENT.strings.consent_button)
    if typed:
        await runner.send("OK, let's start.")
    else:
        await runner.tap(prompt, CONTENT.strings.consent_button)
    return await expect_question(runner, CONTENT.triage.start)


def _turn_over(fresh: list[Message]) -> bool:
    """The bot finished answering: a new question, the end of triage, or the urgent advice."""
    ends = (CONTENT.strings.triage_finished, CONTENT.strings.escalation_footer)
    return any(question_of(m) or any(end in m.get("text", "") for end in ends) for m in fresh)


async def triage(runner: Runner, answers: dict[str, str], typed: bool) -> list[Message]:
    """Answer every question from the answer set, by tapping or typing; returns the final messages."""
    question = await consent(runner, typed)
    for _ in range(2 * len(CONTENT.triage.questions)):  # bounded: a question that comes back fails the test
        qid = question_of(question)
        assert qid is not None, question.get("text")
        if typed:
            await runner.send(TYPED[(qid, answers[qid])])
        else:
            await runner.tap(question, label_of(qid, answers[qid]))
        fresh = await runner.wait(_turn_over)
        questions = [m for m in fresh if m.get("reply_markup") and question_of(m)]
        if not questions:
            return fresh
        question = questions[-1]
    raise AssertionError("the triage never ended")


def pattern_named(messages: list[Message], pattern: str) -> bool:
    return any(CONTENT.pattern_by_id[pattern].name in m.get("text", "") for m in messages)


@pytest.mark.parametrize("case", sorted(ANSWER_SETS))
async def test_triage_by_buttons_reaches_each_pattern(
    peer: Peer, bot: BotProcess, http: httpx.AsyncClient, case: str
) -> None:
    expected, answers = ANSWER_SETS[case]
    runner = new_runner(peer, bot, http)
    outcome = await triage(runner, answers, typed=False)
    assert pattern_named(outcome, expected)


@pytest.mark.parametrize("case", sorted(ANSWER_SETS))
async def test_triage_by_typing_reaches_each_pattern(
    peer: Peer, bot: BotProcess, http: httpx.AsyncClient, case: str
) -> None:
    expected, answers = ANSWER_SETS[case]
    runner = new_runner(peer, bot, http)
    outcome = await triage(runner, answers, typed=True)
    assert pattern_named(outcome, expected)


async def test_tapped_question_shows_the_choice(peer: Peer, bot: BotProcess, http: httpx.AsyncClient) -> None:
    runner = new_runner(peer, bot, http)
    question = await consent(runner)
    await runner.tap(question, "Slowly, over days or weeks")
    await expect_question(runner, "walking")
    edited = await runner.message_by_id(question["message_id"])
    assert edited["text"].endswith("✅ Slowly, over days or weeks")
    assert not edited.get("reply_markup"), "the answered question keeps no buttons"


ROUTE = ANSWER_SETS["strain_sprint_pop"][1]


async def advance(runner: Runner, steps: int) -> Message:
    question = await consent(runner)
    for _ in range(steps):
        qid = question_of(question)
        assert qid is not None
        await runner.tap(question, label_of(qid, ROUTE[qid]))
        question = await expect_question(runner, follows(qid, ROUTE[qid]))
    return question


def advice_start(flag_id: str) -> str:
    """The opening words of a sign's advice, as sent (before any reference to another sign)."""
    return CONTENT.flags[flag_id].advice.split("{flag:")[0][:80]


# signs a tap ends the questions with: emergency and same-day signs on the warning-sign questions
TAPPED_NOW = sorted(f for f in BUTTONS if CONTENT.flags[f].urgency.value in ("emergency", "same_day"))


@pytest.mark.parametrize("flag_id", TAPPED_NOW)
async def test_each_red_flag_escalates_by_button(
    peer: Peer, bot: BotProcess, http: httpx.AsyncClient, flag_id: str
) -> None:
    runner = new_runner(peer, bot, http)
    step = TAPPED_NOW.index(flag_id) % len(PATTERN_STEPS)
    question = await advance(runner, step)
    await runner.tap(question, CONTENT.strings.warning_signs_button)
    for qid, value in BUTTONS[flag_id]:
        question = await runner.wait_keyboard(CONTENT.questions[qid].answers[0].label)
        await runner.tap(question, label_of(qid, value))
    # questions that could still complete a more urgent sign come first: answered from the route
    for _ in CONTENT.triage.questions:  # bounded: a question asked again and again fails, never hangs
        fresh = await runner.wait(
            lambda ms: any(advice_start(flag_id) in m.get("text", "") or question_of(m) for m in ms)
        )
        if any(advice_start(flag_id) in m.get("text", "") for m in fresh):
            break
        asked = next(m for m in fresh if question_of(m))
        still = question_of(asked)
        assert still is not None
        await runner.tap(asked, label_of(still, ROUTE[still]))
    else:
        raise AssertionError(f"{flag_id}: the advice never came")
    headline = CONTENT.red_flags.urgencies[CONTENT.flags[flag_id].urgency].headline
    assert fresh[0]["text"].startswith(headline)


# signs of a plan's check-in are typed there (tests/test_sciatica_checkin.py); on this strain route a pop
# makes leg tingling the more urgent sign
@pytest.mark.parametrize("flag_id", sorted(set(PHRASINGS) - CHECKIN_BUTTONS))
async def test_each_red_flag_escalates_by_typed_phrase(
    peer: Peer, bot: BotProcess, http: httpx.AsyncClient, flag_id: str
) -> None:
    """Typed at some step: an emergency at once; a same-day sign after the emergency questions; a
    within-days sign is noted and the questions go on."""
    runner = new_runner(peer, bot, http)
    await advance(runner, (sorted(PHRASINGS).index(flag_id) + 3) % len(PATTERN_STEPS))
    await runner.send(PHRASINGS[flag_id][-1])
    flag = CONTENT.flags[flag_id]
    if flag.urgency.value == "within_days":
        await runner.expect("Noted", flag.title)
        return
    for _ in CONTENT.triage.questions:  # bounded: "none of these" not taken would loop for ever
        fresh = await runner.wait(
            lambda ms: any(advice_start(flag_id) in m.get("text", "") or question_of(m) for m in ms)
        )
        if any(advice_start(flag_id) in m.get("text", "") for m in fresh):
            break
        asked = next(m for m in fresh if question_of(m))
        still = question_of(asked)
        assert still is not None
        if still in CONTENT.triage.safety:  # an emergency question comes first: typed, as a runner would
            await runner.send("none of these")
        else:  # a question that could still complete a more urgent sign ("starts in my lower back")
            await runner.tap(asked, label_of(still, ROUTE[still]))
    else:
        raise AssertionError(f"{flag_id}: the advice never came")
    assert fresh[0]["text"].startswith(CONTENT.red_flags.urgencies[flag.urgency].headline)


async def test_fifty_concurrent_runners_without_cross_talk(
    peer: Peer, bot: BotProcess, http: httpx.AsyncClient
) -> None:
    cases = sorted(ANSWER_SETS)
    runners = [(new_runner(peer, bot, http), cases[i % len(cases)]) for i in range(50)]
    outcomes = await asyncio.gather(*(triage(r, ANSWER_SETS[case][1], typed=False) for r, case in runners))
    for (runner, case), outcome in zip(runners, outcomes, strict=True):
        assert pattern_named(outcome, ANSWER_SETS[case][0]), case
        for message in await runner.messages():
            assert message["chat"]["id"] == runner.user_id


async def test_odd_input_gets_clear_answers(peer: Peer, bot: BotProcess, http: httpx.AsyncClient) -> None:
    strings = CONTENT.strings
    runner = new_runner(peer, bot, http)
    first = await consent(runner)
    await runner.tap(first, "Slowly, over days or weeks")
    second = await expect_question(runner, "walking")

    # a stale keyboard: the first question message was edited, so reuse an untouched one
    await runner.send("hello?")
    repeat = await expect_question(runner, "walking")
    await runner.tap(repeat, label_of("walking", "normal"))
    await expect_question(runner, follows("walking", "normal"))
    stale = await runner.tap(second, label_of("walking", "limp"))
    assert stale["ok"], stale
    await runner.expect(strings.stale_answer)

    current = [m for m in await runner.messages() if m.get("reply_markup")][-1]
    label = current["reply_markup"]["inline_keyboard"][0][0]["text"]
    await asyncio.gather(runner.tap(current, label), runner.tap(current, label))  # a double tap
    await runner.wait(lambda ms: len([m for m in ms if m.get("reply_markup")]) >= 1)

    await runner.send("/frobnicate")
    await runner.expect(strings.unknown_command)
    odd_messages: dict[str, Any] = {
        "sticker": {
            "file_id": "s1",
            "file_unique_id": "s1",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        },
        "photo": [{"file_id": "p1", "file_unique_id": "p1", "width": 90, "height": 90}],
        "voice": {"file_id": "v1", "file_unique_id": "v1", "duration": 3},
    }
    for kind, payload in odd_messages.items():
        await runner.send(**{kind: payload})
        await runner.expect(strings.unsupported_message)
    await runner.send("x " * 2500)
    await runner.expect(strings.text_too_long)
    await runner.send("🦵😭🔥")
    await runner.expect(strings.not_understood)

    assert bot.running
    refused = [c for c in peer.calls(bot.token) if c["status"] not in (200, None)]
    assert refused == [c for c in refused if "not modified" in c.get("error", "")], refused


async def test_restart_mid_conversation_continues_at_the_same_question(
    peer: Peer, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    own = BotProcess(peer, tmp_path).start()
    try:
        runner = Runner(peer, own.token, 77, http)
        question = await consent(runner)
        await runner.tap(question, "Slowly, over days or weeks")
        await expect_question(runner, "walking")
        own.kill()
        await runner.send("I'm limping a bit")  # arrives while the bot is down
        own.start()
        await expect_question(runner, "location")
    finally:
        own.stop()


async def test_export_and_delete(peer: Peer, bot: BotProcess, http: httpx.AsyncClient) -> None:
    strings = CONTENT.strings
    runner = new_runner(peer, bot, http)
    question = await consent(runner)
    await runner.tap(question, "Slowly, over days or weeks")
    await expect_question(runner, "walking")
    await runner.send("/export")
    fresh = await runner.wait(lambda ms: any("document" in m for m in ms))
    document = next(m["document"] for m in fresh if "document" in m)
    raw = await http.get("/client/document", params={"token": bot.token, "fileId": document["file_id"]})
    exported = json.loads(raw.content)
    assert exported["user_id"] == runner.user_id
    assert exported["tables"]["answers"][0]["value"] == "gradual"

    await runner.send("/delete")
    confirm = await runner.expect_keyboard(CONTENT.strings.delete_yes)
    await runner.tap(confirm, CONTENT.strings.delete_yes)
    edited = await runner.find(lambda m: m["message_id"] == confirm["message_id"] and m["text"] == strings.deleted)
    assert edited is not None, "the confirmation now says the data is deleted"
    conn = sqlite3.connect(bot.database)
    try:
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall():
            columns = [c[1] for c in conn.execute(f"PRAGMA table_info({table})")]
            if "user_id" in columns:
                count = conn.execute(f"SELECT count(*) FROM {table} WHERE user_id = ?", (runner.user_id,)).fetchone()
                assert count[0] == 0, f"{table} still holds rows of the deleted user"
    finally:
        conn.close()


def test_command_menu_is_set_at_start_up(peer: Peer, bot: BotProcess, content: Content) -> None:
    menus = peer.commands(bot.token)
    assert menus, "setMyCommands was called"
    names = [c["command"] for c in menus[0]["commands"]]
    assert names == list(USER_COMMANDS)
    assert all(c["description"] == content.strings.command_menu[c["command"]] for c in menus[0]["commands"])


# how each check-in decision message begins (the text before its first placeholder)
DECISION_OPENINGS = tuple(
    getattr(CONTENT.strings, name).split("{")[0][:12]
    for name in (
        "decision_advance",
        "decision_good",
        "decision_hold",
        "decision_skipped",
        "decision_step_back",
        "decision_stay_first",
        "decision_reinjury",
        "decision_one_step_today",
        "decision_prevent",
    )
)
SCREEN = CONTENT.questions[CONTENT.triage.checkin_screen]


def is_checkin_question(message: Message) -> bool:
    """A check-in question: its buttons carry check-in answers (not a session's how-to buttons)."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return bool(rows) and all(b["callback_data"].startswith("i|") for row in rows for b in row)


async def checkin_question(runner: Runner) -> Message:
    fresh = await runner.wait(lambda ms: any(is_checkin_question(m) for m in ms))
    return [m for m in fresh if is_checkin_question(m)][-1]


def plan_answer(question: Message) -> str:
    """The label a runner doing well taps on a plan's own check-in step (test, score, warning signs)."""
    labels: list[str] = [b["text"] for row in question["reply_markup"]["inline_keyboard"] for b in row]
    text = question.get("text", "")
    if SCREEN.text in text:
        return SCREEN.answers[0].label
    milestone = next((m for m in CONTENT.plans.milestones if m.question in text), None)
    if milestone is not None:
        return next(a.label for a in milestone.answers if a.passed)
    return labels[-1]  # a score question: the last answer is the best


async def test_plan_over_fourteen_days_advances_holds_and_steps_back(
    peer: Peer, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    clock = tmp_path / "clock.txt"
    clock.write_text("2026-03-02T08:00:00+00:00")
    own = BotProcess(peer, tmp_path, extra_env={"TEST_CLOCK_FILE": str(clock)}).start()
    strings = CONTENT.strings
    try:
        runner = Runner(peer, own.token, 88, http)
        await triage(runner, ANSWER_SETS["overuse_mileage_jump"][1], typed=False)
        offer = await runner.expect_keyboard(strings.plan_start_button)
        await runner.tap(offer, strings.plan_start_button)
        # the plan, then the reminder set-up's time-zone question: wait for both before checking in
        await runner.expect("Reduce the load", strings.today_heading, strings.reminder_zone_question[:25])
        # (done, pain during, pain this morning) for days 1..14 of the overuse plan:
        # overuse_reduce lasts at least 7 days and asks its tests on day 7; 6/10 holds, 7/10 steps back
        days = (
            [("Done", 1, 1)] * 7  # -> overuse_rebuild on day 7
            + [("Done", 6, 1)]  # hold
            + [("Done", 7, 1)]  # step back to overuse_reduce
            + [("Done", 2, 1)] * 4  # good days, fewer than the phase's 7
            + [("Partly", 1, 1)]  # a partial day moves nothing
        )
        decisions = []
        for day, (done, during, morning) in enumerate(days, start=1):
            clock.write_text(f"2026-03-{2 + day:02d}T18:00:00+00:00")
            await runner.send("/checkin")
            for answer in (done, str(during), str(morning)):
                question = await checkin_question(runner)
                await runner.tap(question, answer)
            while True:  # the plan's own steps (tests, the score), then the warning signs
                question = await checkin_question(runner)
                answer = plan_answer(question)
                await runner.tap(question, answer)
                if answer == SCREEN.answers[0].label:
                    break
            fresh = await runner.wait(lambda ms: any(m.get("text", "").startswith(DECISION_OPENINGS) for m in ms))
            decisions.append("\n".join(m.get("text", "") for m in fresh))

        def said(day: int, fragment: str) -> bool:
            return fragment in decisions[day - 1]

        assert said(7, "on to the next phase, Rebuild")
        assert said(8, "we hold this phase")
        assert said(9, "we step back to Reduce the load")
        assert said(13, "Within the pain rules: a good day")
        assert said(14, "doesn't move the plan")
        await runner.send("/plan")
        await runner.expect("Phase 1 of 3: Reduce the load")
        conn = sqlite3.connect(own.database)
        try:
            rows = conn.execute("SELECT day, decision FROM checkins WHERE user_id = 88 ORDER BY day").fetchall()
            plan = conn.execute(
                "SELECT plan_pattern, plan_phase, plan_status FROM flow_state WHERE user_id = 88"
            ).fetchone()
        finally:
            conn.close()
        assert len(rows) == 14 and rows[6] == ("2026-03-09", "advance") and rows[8][1] == "step_back"
        assert plan == ("overuse", "overuse_reduce", "active")
    finally:
        own.stop()


async def test_a_whole_journey_by_typing_only(peer: Peer, bot: BotProcess, http: httpx.AsyncClient) -> None:
    """Issue 14: triage, the plan, reminders and a check-in, every answer typed, no button tapped."""
    strings = CONTENT.strings
    runner = new_runner(peer, bot, http)
    await triage(runner, ANSWER_SETS["overuse_mileage_jump"][1], typed=True)
    await runner.send("yes let's do the plan")
    await runner.expect(strings.today_heading, strings.reminder_zone_question[:25])
    await runner.send("I live in Lisbon")
    await runner.expect(strings.reminder_time_question[:25])
    await runner.send("half six in the evening")
    await runner.expect(strings.reminder_morning_offer[:25])
    await runner.send("no thanks")
    await runner.expect("18:30", "Europe/Lisbon")
    await runner.send("check in")
    for said in ("did it all", "2", "1"):
        await checkin_question(runner)
        await runner.send(said)
    for _ in range(12):  # the plan's own steps, each typed as its words, then the warning signs
        question = await checkin_question(runner)
        if SCREEN.text in question.get("text", ""):
            await runner.send("nothing new")
            break
        await runner.send(plan_answer(question))
    await runner.wait(lambda ms: any(m.get("text", "").startswith(DECISION_OPENINGS) for m in ms))
    conn = sqlite3.connect(bot.database)
    try:
        checkins = conn.execute("SELECT COUNT(*) FROM checkins WHERE user_id = ?", (runner.user_id,)).fetchone()[0]
        reminders = conn.execute("SELECT COUNT(*) FROM reminders WHERE user_id = ?", (runner.user_id,)).fetchone()[0]
    finally:
        conn.close()
    assert checkins == 1 and reminders >= 1
