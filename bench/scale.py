"""Does a second and a third instance add capacity? Updates and reminder sends per second for 1, 2 and
3 bot instances on PostgreSQL, against 1 instance on SQLite, measured in one run on this machine.

Every configuration runs alike: real `thigh-coach run` processes in webhook mode behind the round-robin
balancer of the end-to-end tests (what Caddy does in deploy/compose.yaml), the Node Bot API peer, a
throwaway PostgreSQL server (tests/postgres_server.py) or an SQLite file. Sending is unthrottled
(SEND_RATE_PER_SECOND=0, as with a local Bot API server), so the figures are what the bots and their
database can do, not Telegram's 30 messages a second.

- updates/s: RUNNERS runners at once, each sending /start and then UPDATES typed messages one after
  another; an update counts when the webhook answered, which it does once the update was handled.
- reminder sends/s: REMINDERS runners with a plan and a 19:00 reminder; the clock moves past 19:00 and
  the time until the peer has taken every reminder is measured.

All of them share this machine's cores (printed): on a small machine extra instances compete with
each other, with PostgreSQL, the peer and the balancer for the same CPUs.
Run: python -m bench.scale [RUNNERS] [UPDATES] [REMINDERS]
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from content import load_content
from tests.e2e.harness import Cluster, Peer, Runner
from tests.e2e.seeding import add_runners
from tests.e2e.test_reminders_e2e import with_reminder
from tests.postgres_server import Server, postgres_server

BEFORE = "2026-03-02T17:50:00+00:00"  # 18:50 in Berlin; the reminders are set for 19:00
DUE = "2026-03-02T18:00:30+00:00"
FIRST_REMINDED = 900_000


@dataclass(frozen=True)
class Figures:
    name: str
    updates_per_second: float
    reminders_per_second: float


async def updates_per_second(peer: Peer, cluster: Cluster, http: httpx.AsyncClient, runners: int, each: int) -> float:
    async def talk(user_id: int) -> None:
        runner = Runner(peer, cluster.token, user_id, http)
        await runner.send("/start")
        for _ in range(each):
            await runner.send("my hamstring is sore after the long run")

    started = time.perf_counter()
    await asyncio.gather(*(talk(100_000 + i) for i in range(runners)))
    return runners * (each + 1) / (time.perf_counter() - started)


async def reminders_per_second(peer: Peer, cluster: Cluster, http: httpx.AsyncClient, clock: Path, count: int) -> float:
    first = Runner(peer, cluster.token, FIRST_REMINDED, http)
    await with_reminder(first)
    reminded = range(FIRST_REMINDED, FIRST_REMINDED + count)
    await asyncio.to_thread(add_runners, cluster.database_url, reminded[1:], first.user_id)
    mark = load_content().strings.reminder_message
    started = time.perf_counter()
    await asyncio.to_thread(clock.write_text, DUE)
    await peer.until_taken(cluster.token, mark, count)  # a tenth of a second's resolution
    return count / (time.perf_counter() - started)


async def measure(
    name: str, peer: Peer, database_url: str, size: int, workdir: Path, runners: int, each: int, reminders: int
) -> Figures:
    clock = workdir / "clock.txt"
    clock.write_text(BEFORE)
    env = {
        "SEND_RATE_PER_SECOND": "0",
        "TEST_CLOCK_FILE": str(clock),
        "SCHEDULER_POLL_SECONDS": "0.2",
        "LOG_LEVEL": "WARNING",
    }
    cluster = Cluster(peer, workdir, database_url, size=size, extra_env=env).start()
    try:
        async with httpx.AsyncClient(base_url=peer.url, timeout=120) as http:
            updates = await updates_per_second(peer, cluster, http, runners, each)
            sends = await reminders_per_second(peer, cluster, http, clock, reminders)
    finally:
        cluster.stop()
    figures = Figures(name, updates, sends)
    print(f"  {name:<24} {updates:8.0f} updates/s {sends:8.0f} reminder sends/s", flush=True)
    return figures


async def run_all(server: Server, peer: Peer, runners: int, each: int, reminders: int) -> list[Figures]:
    results = []
    with tempfile.TemporaryDirectory() as directory:
        base = Path(directory)
        sqlite = f"sqlite:///{base / 'sqlite' / 'bot.sqlite3'}"
        (base / "sqlite").mkdir()
        results.append(await measure("1 instance, SQLite", peer, sqlite, 1, base / "sqlite", runners, each, reminders))
        for size in (1, 2, 3):
            name = f"{size} instance{'s' if size > 1 else ''}, PostgreSQL"
            workdir = base / f"pg{size}"
            workdir.mkdir()
            url = server.fresh_database()
            results.append(await measure(name, peer, url, size, workdir, runners, each, reminders))
    return results


def main(runners: int = 40, each: int = 10, reminders: int = 1000) -> None:
    print(
        f"bench.scale on {os.cpu_count()} cores: {runners} runners x {each + 1} updates, "
        f"{reminders} reminders, webhook behind a round-robin balancer, sending unthrottled"
    )
    with postgres_server() as server:
        peer = Peer()
        try:
            results = asyncio.run(run_all(server, peer, runners, each, reminders))
        finally:
            peer.stop()
    baseline = results[0]
    print("\nagainst 1 instance on SQLite (same run):")
    for figures in results:
        print(
            f"  {figures.name:<24} updates {figures.updates_per_second / baseline.updates_per_second:5.2f}x   "
            f"reminder sends {figures.reminders_per_second / baseline.reminders_per_second:5.2f}x"
        )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:4]))
