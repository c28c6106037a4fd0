"""Durable events per second: our store (WAL) against the default rollback journal with synchronous=FULL.

Each event is what the bot writes for one tapped answer: the user's state and the answer, in one
transaction, through `SqliteStore.apply`. Events come one at a time, then from many runners at
once as the bot handles them (concurrent updates): those share a group commit.
Run: python -m bench.store [EVENTS]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bot.store import AnswerRow, Change, SqliteStore, Stored
from bot.store.base import Decide

USERS = 200
CONCURRENCY = (1, 64)  # events in flight at once; 64 runners' updates handled together


def decide(step: int) -> Decide[None]:
    def run(stored: Stored) -> tuple[Change, None]:
        answers = ",".join(['["a","b"]'] * 6)
        data = f'{{"consented":true,"triage":{{"session":1,"question":"q{step % 12}","answers":[{answers}]}}}}'
        return Change(data=data, state="triage:asking", consented=True, answers=(AnswerRow(1, f"q{step}", "v"),)), None

    return run


async def measure(
    path: Path, events: int, journal: str, synchronous: str, concurrency: int
) -> tuple[float, float, float]:
    store = SqliteStore(path, journal_mode=journal, synchronous=synchronous)
    await store.open()
    latencies: list[float] = []
    own = USERS // concurrency  # each runner's events come one after another, as the user lock keeps them

    async def runner(worker: int) -> None:
        for k in range(worker, events, concurrency):
            user = worker + concurrency * (k // concurrency % own)
            t0 = time.perf_counter()
            await store.apply(user, k, decide(k))
            latencies.append(time.perf_counter() - t0)

    started = time.perf_counter()
    await asyncio.gather(*(runner(w) for w in range(concurrency)))
    elapsed = time.perf_counter() - started
    await store.close()
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return events / elapsed, statistics.median(latencies) * 1e3, p99 * 1e3


async def main(events: int) -> None:
    runs = {
        "ours: WAL, synchronous=NORMAL": ("WAL", "NORMAL"),
        "ours: WAL, synchronous=FULL": ("WAL", "FULL"),
        "baseline: DELETE journal, synchronous=FULL": ("DELETE", "FULL"),
    }
    print(f"bench/store: {events} durable events (state + answer, one transaction each, or a group commit)")
    with tempfile.TemporaryDirectory() as tmp:
        for concurrency in CONCURRENCY:
            results = {}
            for index, (name, (journal, sync)) in enumerate(runs.items()):
                path = Path(tmp) / f"bench{concurrency}-{index}.sqlite3"
                results[name] = await measure(path, events, journal, sync, concurrency)
            base = results["baseline: DELETE journal, synchronous=FULL"][0]
            print(f"  {concurrency} event{'s' if concurrency > 1 else ''} at a time")
            for name, (rate, p50, p99) in results.items():
                figures = f"p50 {p50:6.3f} ms  p99 {p99:6.3f} ms  ratio {rate / base:5.2f}x"
                print(f"    {name:45s} {rate:8.0f} events/s  {figures}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000))
