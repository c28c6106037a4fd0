"""A reminder burst while runners talk: does a runner's reply wait behind the reminders?

10,000 reminders fall due at once. The bot, as in production (its send limiter at 25 messages a
second, the scheduler's batch size, per-chat limits, a SQLite file), sends them while runners send
/plan at random moments, about one every two seconds, through PTB's real dispatching and the
in-process fake Bot API. Prints the wait of a runner's reply (from the update to the reply sent),
and the burst's total time against the ideal: every message it sent (reminders and replies, which
share the one limit) at the rate, back to back.
It runs in real time: about 7 minutes at the defaults.
Run: python -m bench.burst [REMINDERS] [RATE]
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.reminders import NOW, build_due_database
from bot.scheduler import BATCH
from content import load_content
from tests.bot_fixture import running_bot
from tests.fake_bot_api import FakeBotApi, message_update

TALK_EVERY = 2.0  # seconds between two runners' messages, on average


def reminders_sent(api: FakeBotApi, mark: str) -> list[float]:
    return [c.at for c in api.calls if c.method == "sendMessage" and c.text.startswith(mark)]


async def burst(reminders: int, rate: float, directory: Path) -> tuple[list[float], float, int]:
    """The replies' waits (s), the burst's time (s) and how many messages it sent in all."""
    path, clock = directory / "burst.sqlite3", directory / "clock.txt"
    build_due_database(path, reminders)
    clock.write_text(NOW.isoformat())
    mark = load_content().strings.reminder_message
    waits: list[float] = []
    talks: set[asyncio.Task[None]] = set()
    rng = random.Random(15)
    started = time.monotonic()
    bot = running_bot(path, send_rate_per_second=rate, test_clock_file=clock, scheduler_poll_seconds=0.2)
    async with bot as (app, api):

        async def talk(user: int) -> None:
            asked = time.monotonic()
            await app.process_update(message_update(app.bot, user, "/plan"))  # returns once replied
            waits.append(time.monotonic() - asked)

        while len(reminders_sent(api, mark)) < reminders:
            task = asyncio.create_task(talk(rng.randint(1, reminders)))
            talks.add(task)
            task.add_done_callback(talks.discard)
            await asyncio.sleep(rng.expovariate(1 / TALK_EVERY))
        if talks:
            await asyncio.wait(talks)
        last = max(reminders_sent(api, mark))
        messages = len(api.sent())
    return waits, last - started, messages


async def main(reminders: int, rate: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        waits, seconds, messages = await burst(reminders, rate, Path(tmp))
    waits.sort()
    p99 = waits[min(len(waits) - 1, int(len(waits) * 0.99))]
    ideal, ideal_all = reminders / rate, messages / rate
    print(f"bench/burst: {reminders:,} reminders due at once, {rate:g} messages/s, batches of {BATCH}")
    print(
        f"  a runner's reply ({len(waits)} during the burst): p50 {statistics.median(waits):.2f} s,"
        f" p99 {p99:.2f} s, max {waits[-1]:.2f} s  target p99 <= 2 s"
    )
    # the replies go "within the global limit" (the issue's own remedy), so the ideal is every message
    # sent at the rate; the reminders alone at the rate are shown beside it: the difference is the replies'
    print(
        f"  burst: {seconds:.1f} s for {messages:,} messages under one limit ({reminders:,} reminders, the rest"
        f" replies): ideal {ideal_all:.1f} s ({(seconds / ideal_all - 1) * 100:+.1f}%)  target within 5%;"
        f" the reminders alone at the rate: {ideal:.1f} s ({(seconds / ideal - 1) * 100:+.1f}%)"
    )


if __name__ == "__main__":
    arguments = [float(a) for a in sys.argv[1:3]]
    asyncio.run(main(int(arguments[0]) if arguments else 10_000, arguments[1] if len(arguments) > 1 else 25.0))
