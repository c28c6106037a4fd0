"""Reading a full answer to getUpdates: our PollingBot against python-telegram-bot's own ExtBot.

Each answer holds 100 taps on the first triage question, as Telegram sends them (the tapped message
with its buttons inside each). Both bots ask the same in-process fake Bot API; what differs is how the
answer is read: PTB reads the batch in one step; ours checks each update as it reads it (an unreadable
one is skipped, not fatal), reads each once, and lets the event loop go every READ_AT_ONCE updates.
Printed: time per answer, and the longest the event loop waited while one was read, both as ratios.
Run: python -m bench.polling [ANSWERS]
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: the repository's modules are found from its root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram.ext import ExtBot

from bench.updates import StallProbe
from bot.app import freeze_start_up
from bot.polling import PollingBot
from bot.rendering import messages
from content import load_content
from flows.triage import TriageState, question_reply
from tests.fake_bot_api import FakeBotApi, Sent, raw_callback_update

UPDATES_PER_ANSWER = 100  # the most one getUpdates answer holds


def one_answer(question: Sent) -> list[dict[str, Any]]:
    labels = [button["text"] for button in question.buttons]
    users = range(1, UPDATES_PER_ANSWER + 1)
    return [raw_callback_update(user, question, labels[user % len(labels)]) for user in users]


async def measure(bot: ExtBot[Any], api: FakeBotApi, question: Sent, answers: int) -> tuple[float, float]:
    """Median seconds per answer read, and the longest the event loop waited meanwhile."""
    times: list[float] = []
    async with bot:
        api.pending_updates = one_answer(question)
        await bot.get_updates(timeout=0)  # a first answer, untimed: what runs once warms up
    async with bot, StallProbe() as probe:
        for _ in range(answers):
            api.pending_updates = one_answer(question)
            await asyncio.sleep(0.002)  # the probe ticks between answers, as it would between network replies
            started = time.perf_counter()
            updates = await bot.get_updates(timeout=0)
            times.append(time.perf_counter() - started)
            assert len(updates) == UPDATES_PER_ANSWER
    return statistics.median(times), probe.longest


async def main(answers: int) -> None:
    content = load_content()
    first = messages(question_reply(content, TriageState(question=content.triage.start, answers=[])))[-1]
    question = Sent("sendMessage", {"chat_id": 1, "text": first.text, "reply_markup": json.dumps(first.markup)})
    freeze_start_up()  # as run_bot does, so a collector pass walks what reading makes, not the content
    print(f"bench/polling: {answers} answers of {UPDATES_PER_ANSWER} button taps each, read through the fake Bot API")
    results = {}
    for name, kind in (("PTB's ExtBot", ExtBot), ("ours (PollingBot)", PollingBot)):
        api = FakeBotApi(keep_calls=False)
        bot = kind(token="1:bench", request=api, get_updates_request=api)
        results[name] = await measure(bot, api, question, answers)
    for name, (per_answer, stall) in results.items():
        print(f"  {name:18s} {per_answer * 1e3:6.1f} ms per answer; longest event-loop wait meanwhile", end="")
        print(f" {stall * 1e3:5.1f} ms")
    (ptb_time, ptb_stall), (our_time, our_stall) = results.values()
    print(f"  ratio ours/PTB, time per answer: {our_time / ptb_time:.2f}x  (an update read once, as PTB does: ~1.0x)")
    print(f"  ratio ours/PTB, longest wait: {our_stall / ptb_stall:.2f}x")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 30))
