"""SIGKILL the bot while runners talk to it: what each runner was owed, counted message by message.

A runner is owed, for every answer the database holds, the question that follows it (or the
outcome after the last one). Lost: owed and never received. Duplicated: received more than once.
Both are printed per runner and in total; nothing may be lost.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path

import httpx
import pytest

from content.checks import OUTCOME
from flows import triage
from flows.events import Choose
from tests.answer_sets import ANSWER_SETS
from tests.e2e.harness import NEEDS_NODE, BotProcess, Message, Peer, Runner, node_available
from tests.e2e.seeding import add_runners
from tests.e2e.test_conversation_e2e import CONTENT, label_of, question_of
from tests.e2e.test_reminders_e2e import with_reminder

pytestmark = pytest.mark.skipif(not node_available(), reason=NEEDS_NODE)

ESCALATED = "(urgent advice)"
RUNNERS = 40
KILLS = 8
SCRIPTS = [answers for _, answers in ANSWER_SETS.values()]
ENDINGS = {OUTCOME: CONTENT.strings.triage_finished, ESCALATED: CONTENT.strings.escalation_footer}


def asked_along(answers: list[tuple[str, str]]) -> list[str]:
    """What the bot asks along these answers, as the flow decides: the first question, then after each
    answer the next question, the outcome or the urgent advice."""
    state = triage.begin(CONTENT).state
    asked = [state.question]
    for question, value in answers:
        if state.status != "asking" or state.question != question:
            break
        state = triage.handle(CONTENT, state, Choose(state.session, question, value)).state
        ending = ESCALATED if state.status == "escalated" else OUTCOME
        asked.append(state.question if state.status == "asking" else ending)
    return asked


def asks(message: Message, question: str) -> bool:
    """The message asks the question (answered since, or not yet), or ends the triage."""
    text = message.get("text", "")
    return ENDINGS[question] in text if question in ENDINGS else CONTENT.questions[question].text in text


def can_answer(message: Message, question: str) -> bool:
    return bool(message.get("reply_markup")) and question_of(message) == question


def _new_question(message: Message, question: str, tapped: set[int]) -> bool:
    return can_answer(message, question) and message["message_id"] not in tapped


async def walk(runner: Runner, script: dict[str, str], patience: float) -> None:
    """Tap through the triage; stop where the next question never comes (it was lost)."""
    question = CONTENT.triage.start
    tapped: set[int] = set()
    answers: list[tuple[str, str]] = []
    while question not in ENDINGS:
        found = await runner.find(partial(_new_question, question=question, tapped=tapped), patience)
        if found is None:
            return
        tapped.add(found["message_id"])
        await runner.tap(found, label_of(question, script[question]))
        answers.append((question, script[question]))
        question = asked_along(answers)[-1]


def owed(database: Path, user_id: int) -> list[str]:
    """What the runner was owed, by what the database says they answered."""
    conn = sqlite3.connect(database)
    try:
        data = conn.execute("SELECT data FROM flow_state WHERE user_id = ?", (user_id,)).fetchone()
    finally:
        conn.close()
    stored = json.loads(data[0])["triage"] if data else None
    if stored is None:
        return []
    return asked_along([(q, v) for q, v in stored["answers"]])


async def test_sigkill_mid_conversation_loses_no_reply(peer: Peer, http: httpx.AsyncClient, tmp_path: Path) -> None:
    rng = random.Random(11)
    bot = BotProcess(peer, tmp_path).start()
    runners = [Runner(peer, bot.token, 3000 + i, http) for i in range(RUNNERS)]
    try:
        for runner in runners:
            await runner.send("/start")
        consents = [await r.expect_keyboard(CONTENT.strings.consent_button, timeout=20) for r in runners]
        for runner, prompt in zip(runners, consents, strict=True):
            await runner.tap(prompt, CONTENT.strings.consent_button)

        walking = asyncio.gather(*(walk(r, SCRIPTS[i % len(SCRIPTS)], patience=30) for i, r in enumerate(runners)))
        for _ in range(KILLS):
            await asyncio.sleep(rng.uniform(0.2, 0.8))  # a random moment, not a synchronisation
            bot.kill()
            await asyncio.sleep(rng.uniform(0.0, 0.3))
            await asyncio.to_thread(bot.start)
        await walking
    finally:
        bot.stop()

    lost_total = duplicated_total = 0
    for runner in runners:
        received = await runner.messages()
        wanted = owed(bot.database, runner.user_id)
        counts = Counter(q for q in wanted for m in received if asks(m, q))
        lost = sum(1 for q in wanted if counts[q] == 0)
        duplicated = sum(counts[q] - 1 for q in wanted if counts[q] > 1)
        print(f"runner {runner.user_id}: owed {len(wanted)}, lost {lost}, duplicated {duplicated}")
        lost_total += lost
        duplicated_total += duplicated
    print(f"{KILLS} kills, {RUNNERS} runners: {lost_total} lost, {duplicated_total} duplicated")
    assert lost_total == 0


# --- broadcasts and reminders --------------------------------------------------------------

ADMIN = 4242
AUDIENCE = range(40_001, 40_301)
NOTICE = "Club run moved to Saturday"


async def kill_while(bot: BotProcess, rng: random.Random, kills: int, busy: asyncio.Future[None]) -> int:
    """SIGKILL the bot at random moments while `busy` runs; restart it each time."""
    done = 0
    while done < kills and not busy.done():
        await asyncio.sleep(rng.uniform(0.3, 1.2))  # a random moment, not a synchronisation
        if busy.done():
            break
        bot.kill()
        done += 1
        await asyncio.to_thread(bot.start)
    return done


def is_notice(text: str) -> bool:
    return text == NOTICE


def is_reminder(text: str) -> bool:
    return text.startswith(CONTENT.strings.reminder_message)


def received(peer: Peer, token: str, counted: Callable[[str], bool]) -> Counter[int]:
    """How many messages each runner got that `counted` picks out, among the sends Telegram took."""
    return Counter(
        int(call["body"]["chat_id"])
        for call in peer.calls(token, "sendMessage")
        if call["status"] == 200 and counted(call["body"].get("text", ""))
    )


async def everyone_received(peer: Peer, token: str, counted: Callable[[str], bool], users: range) -> None:
    while not all(received(peer, token, counted).get(u) for u in users):
        await asyncio.sleep(0.1)  # polling the peer's record of sends until everyone has one


def tally(received: dict[int, int], users: range, what: str, kills: int) -> tuple[int, int]:
    lost = sum(1 for u in users if received.get(u, 0) == 0)
    duplicated = sum(received[u] - 1 for u in users if received.get(u, 0) > 1)
    for user in users:
        if received.get(user, 0) != 1:
            print(f"runner {user}: {received.get(user, 0)} copies of the {what}")
    print(f"{what}: {kills} kills, {len(users)} runners: {lost} lost, {duplicated} duplicated")
    return lost, duplicated


async def test_sigkill_mid_broadcast_loses_none_and_repeats_at_most_one_per_kill(
    peer: Peer, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    rng = random.Random(12)
    env = {"ADMIN_IDS": str(ADMIN), "SEND_RATE_PER_SECOND": "40", "PER_CHAT_RATE_PER_SECOND": "50"}
    bot = BotProcess(peer, tmp_path, extra_env=env).start()
    try:
        admin = Runner(peer, bot.token, ADMIN, http)
        await admin.send("/start")
        await admin.expect_keyboard(CONTENT.strings.consent_button, timeout=20)
        add_runners(bot.database, AUDIENCE)
        await admin.send(f"/broadcast {NOTICE}")
        preview = await admin.expect_keyboard(f"Send to {len(AUDIENCE) + 1} runners", timeout=20)
        await admin.tap(preview, f"Send to {len(AUDIENCE) + 1} runners")

        reaching = asyncio.ensure_future(everyone_received(peer, bot.token, is_notice, AUDIENCE))
        kills = await kill_while(bot, rng, 4, reaching)
        await asyncio.wait_for(reaching, 120)
        await admin.find(lambda m: "Finished" in m.get("text", ""), 30)
    finally:
        bot.stop()
    lost, duplicated = tally(received(peer, bot.token, is_notice), AUDIENCE, "broadcast", kills)
    assert kills >= 2, "the broadcast ended before it could be interrupted"
    assert lost == 0
    assert duplicated <= kills, "at most the one message in flight at each kill goes twice"


async def test_sigkill_while_reminders_go_out_loses_none(peer: Peer, http: httpx.AsyncClient, tmp_path: Path) -> None:
    rng = random.Random(13)
    clock = tmp_path / "clock.txt"
    clock.write_text("2026-03-02T17:50:00+00:00")  # 18:50 in Berlin; reminders at 19:00
    env = {"TEST_CLOCK_FILE": str(clock), "SCHEDULER_POLL_SECONDS": "0.2", "SEND_RATE_PER_SECOND": "40"}
    bot = BotProcess(peer, tmp_path, extra_env=env).start()
    first = Runner(peer, bot.token, 50_000, http)
    everyone = range(50_000, 50_201)
    try:
        await with_reminder(first)
        add_runners(bot.database, range(50_001, 50_201), like=first.user_id)
        clock.write_text("2026-03-02T18:00:30+00:00")

        reminding = asyncio.ensure_future(everyone_received(peer, bot.token, is_reminder, everyone))
        kills = await kill_while(bot, rng, 3, reminding)
        await asyncio.wait_for(reminding, 120)
    finally:
        bot.stop()
    lost, duplicated = tally(received(peer, bot.token, is_reminder), everyone, "reminder", kills)
    assert kills >= 1, "the reminders went out before they could be interrupted"
    assert lost == 0
    assert duplicated <= kills, "at most the one message in flight at each kill goes twice"
