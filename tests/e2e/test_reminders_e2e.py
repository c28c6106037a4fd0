"""Reminders end to end: a restart across the due minute, and a burst answered with 429."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from content import load_content
from tests.answer_sets import ANSWER_SETS
from tests.e2e.harness import NEEDS_NODE, BotProcess, Message, Peer, Runner, node_available
from tests.e2e.test_conversation_e2e import triage

pytestmark = pytest.mark.skipif(not node_available(), reason=NEEDS_NODE)

CONTENT = load_content()
STRINGS = CONTENT.strings


def reminders(messages: list[Message]) -> list[Message]:
    return [m for m in messages if m.get("text", "").startswith(STRINGS.reminder_message)]


async def with_reminder(runner: Runner) -> None:
    """Triage, start the plan, and set a 19:00 Berlin reminder (no morning nudge)."""
    await triage(runner, ANSWER_SETS["overuse_mileage_jump"][1], typed=True)
    offer = await runner.expect_keyboard(STRINGS.plan_start_button)
    await runner.tap(offer, STRINGS.plan_start_button)
    await runner.expect(STRINGS.reminder_zone_question[:30])
    await runner.send("Berlin")
    await runner.expect(STRINGS.reminder_time_question[:30])
    await runner.send("19:00")
    offer = await runner.expect_keyboard(STRINGS.reminder_morning_no_button)  # offered, not on by default
    await runner.tap(offer, STRINGS.reminder_morning_no_button)
    await runner.expect("Morning check-in nudge: off")


def bot_with_clock(peer: Peer, workdir: Path, clock: Path, **env: str) -> BotProcess:
    return BotProcess(peer, workdir, extra_env={"TEST_CLOCK_FILE": str(clock), "SCHEDULER_POLL_SECONDS": "0.2", **env})


async def test_restart_across_the_due_minute_sends_each_reminder_once(
    peer: Peer, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    clock = tmp_path / "clock.txt"
    clock.write_text("2026-03-02T17:50:00+00:00")  # 18:50 in Berlin
    bot = bot_with_clock(peer, tmp_path, clock).start()
    runners = [Runner(peer, bot.token, 500 + i, http) for i in range(4)]
    try:
        await asyncio.gather(*(with_reminder(r) for r in runners))
        bot.stop()  # graceful: the scheduler finishes its batch
        clock.write_text("2026-03-02T18:03:00+00:00")  # due at 18:00 UTC, passed while down
        bot.start()
        for runner in runners:
            await runner.wait(lambda ms: len(reminders(ms)) >= 1, timeout=20)
        await asyncio.sleep(1.5)  # more ticks, and then another restart: nothing new may come
        bot.stop()
        bot.start()
        await asyncio.sleep(1.5)
        for runner in runners:
            assert len(reminders(await runner.messages())) == 1
    finally:
        bot.stop()


async def test_flood_limit_delays_everyone_and_loses_nothing(
    peer: Peer, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    clock = tmp_path / "clock.txt"
    clock.write_text("2026-03-02T17:50:00+00:00")
    bot = bot_with_clock(peer, tmp_path, clock).start()
    runners = [Runner(peer, bot.token, 600 + i, http) for i in range(6)]
    try:
        await asyncio.gather(*(with_reminder(r) for r in runners))
        peer.flood(bot.token, count=3, retry_after=2)
        started = time.monotonic()
        clock.write_text("2026-03-02T18:00:30+00:00")
        for runner in runners:
            await runner.wait(lambda ms: len(reminders(ms)) >= 1, timeout=30)
        elapsed = time.monotonic() - started
        await asyncio.sleep(1)
        for runner in runners:
            assert len(reminders(await runner.messages())) == 1, "exactly one each"
        calls = peer.calls(bot.token, "sendMessage")
        refused = [c for c in calls if c["status"] == 429]
        assert len(refused) == 3
        first_refusal = min(c["at"] for c in refused)
        # sends already on the wire when the 429 came may land just after it; after that, nobody
        # sends for retry_after seconds: the pause holds for every sender, not just the refused one
        in_pause = [c for c in calls if first_refusal + 100 < c["at"] < first_refusal + 1900]
        assert in_pause == []
        assert [c for c in calls if c["at"] >= first_refusal + 1900 and c["status"] == 200]
        assert elapsed >= 2
    finally:
        bot.stop()
