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
from tests.test_red_flags import PHRASINGS

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


async def consent(runner: Runner) -> Message:
    await runner.send("/start")
    prompt = await runner.expect_keyboard(CONTENT.strings.consent_button)
    await runner.tap(prompt, CONTENT.strings.consent_button)
    return await expect_question(runner, CONTENT.triage.start)


def _turn_over(fresh: list[Message]) -> bool:
    """The bot finished answering: a new question, the end of triage, or the urgent advice."""
    ends = (CONTENT.strings.triage_finished, CONTENT.strings.escalation_footer)
    return any(question_of(m) or any(end in m.get("text", "") for end in ends) for m in fresh)


async def triage(runner: Runner, answers: dict[str, str], typed: bool) -> list[Message]:
    """Answer every question from the answer set, by tapping or typing; returns the final messages."""
    question = await consent(runner)
    while True:
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


@pytest.mark.parametrize("flag_id", sorted(PHRASINGS))
async def test_each_red_flag_escalates_by_button(
    peer: Peer, bot: BotProcess, http: httpx.AsyncClient, flag_id: str
) -> None:
    runner = new_runner(peer, bot, http)
    step = sorted(PHRASINGS).index(flag_id) % len(ROUTE)
    question = await advance(runner, step)
    if question_of(question) != CONTENT.triage.warning_signs:
        await runner.tap(question, CONTENT.strings.warning_signs_button)
        question = await expect_question(runner, CONTENT.triage.warning_signs)
    flag = CONTENT.flags[flag_id]
    value = next(a for a in CONTENT.questions[CONTENT.triage.warning_signs].answers if a.red_flag == flag_id)
    await runner.tap(question, value.label)
    fresh = await runner.expect(flag.advice)
    headline = CONTENT.red_flags.urgencies[flag.urgency].headline
    assert fresh[0]["text"].startswith(headline)


@pytest.mark.parametrize("flag_id", sorted(PHRASINGS))
async def test_each_red_flag_escalates_by_typed_phrase(
    peer: Peer, bot: BotProcess, http: httpx.AsyncClient, flag_id: str
) -> None:
    runner = new_runner(peer, bot, http)
    await advance(runner, (sorted(PHRASINGS).index(flag_id) + 3) % len(ROUTE))
    await runner.send(PHRASINGS[flag_id][-1])
    fresh = await runner.expect(CONTENT.flags[flag_id].advice)
    assert fresh[0]["text"].startswith(CONTENT.red_flags.urgencies[CONTENT.flags[flag_id].urgency].headline)


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
        "decision_one_step_today",
        "decision_prevent",
    )
)


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
        await runner.expect("Reload", strings.today_heading)
        # (done, pain during, pain this morning) for days 1..14 of the overuse plan:
        # reload needs 3 good days, build_strength 4, easy_running 4
        days = (
            [("Done", 1, 1)] * 3  # -> build_strength
            + [("Done", 4, 2)]  # hold
            + [("Done", 1, 1)] * 4  # -> easy_running
            + [("Done", 7, 3)]  # step back to build_strength
            + [("Done", 2, 1)] * 4  # -> easy_running again
            + [("Partly", 1, 1)]  # a partial day moves nothing
        )
        decisions = []
        for day, (done, during, morning) in enumerate(days, start=1):
            clock.write_text(f"2026-03-{2 + day:02d}T18:00:00+00:00")
            await runner.send("/checkin")
            for answer in (done, str(during), str(morning), "None of these"):
                question = await runner.expect_keyboard(answer)
                await runner.tap(question, answer)
            fresh = await runner.wait(lambda ms: any(m.get("text", "").startswith(DECISION_OPENINGS) for m in ms))
            decisions.append("\n".join(m.get("text", "") for m in fresh))

        def said(day: int, fragment: str) -> bool:
            return fragment in decisions[day - 1]

        assert said(3, "on to the next phase, Build strength")
        assert said(4, "we hold this phase")
        assert said(8, "on to the next phase, Easy running")
        assert said(9, "we step back to Build strength")
        assert said(13, "on to the next phase, Easy running")
        assert said(14, "doesn't move the plan")
        await runner.send("/plan")
        await runner.expect("Phase 3 of 4: Easy running")
        conn = sqlite3.connect(own.database)
        try:
            rows = conn.execute("SELECT day, decision FROM checkins WHERE user_id = 88 ORDER BY day").fetchall()
            plan = conn.execute("SELECT plan FROM flow_state WHERE user_id = 88").fetchone()[0]
        finally:
            conn.close()
        assert len(rows) == 14 and rows[2] == ("2026-03-05", "advance") and rows[8][1] == "step_back"
        assert plan == "overuse:easy_running:active"
    finally:
        own.stop()
