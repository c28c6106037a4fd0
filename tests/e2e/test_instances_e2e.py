"""Three instances in webhook mode on one PostgreSQL database, behind a round-robin balancer, and one
of them SIGKILLed while 200 runners triage, 200 reminders fall due, 50 runners check in and a
broadcast goes out.

Counted afterwards, message by message: every answer a runner was owed (by what the database holds),
every reminder and every broadcast copy. Nothing may be lost. A message can go twice only when its
send completed in the instant before the kill and its mark did not: the at-least-once window, at most
the sends the killed instance had on the wire. The survivors' /healthz must be green.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.e2e.harness import NEEDS_NODE, Cluster, Message, Peer, Runner, node_available
from tests.e2e.seeding import add_runners
from tests.e2e.test_conversation_e2e import CONTENT
from tests.e2e.test_kill_e2e import (
    NOTICE,
    SCRIPTS,
    asked_along,
    asks,
    everyone_received,
    is_notice,
    is_reminder,
    received,
    walk,
)
from tests.e2e.test_pictures_e2e import check_in_a_good_day
from tests.e2e.test_reminders_e2e import with_reminder
from tests.postgres_server import Server

pytestmark = pytest.mark.skipif(not node_available(), reason=NEEDS_NODE)

RUNNERS = range(60_000, 60_200)
REMINDED = range(61_000, 61_200)
CHECKING_IN = REMINDED[:50]  # runners with a plan who check in while the instance dies
ADMIN = 4242
# in-flight sends the killed instance may have completed without marking: its batch on the wire
AT_LEAST_ONCE_WINDOW = 10


async def owed_answers(url: str) -> dict[int, list[str]]:
    """What each runner was owed, by the triage answers the database holds."""
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT user_id, data FROM flow_state WHERE user_id = ANY($1)", list(RUNNERS))
    finally:
        await conn.close()
    owed: dict[int, list[str]] = {}
    for user_id, data in rows:
        stored = json.loads(data).get("triage")
        owed[int(user_id)] = asked_along([(q, v) for q, v in stored["answers"]]) if stored else []
    return owed


async def triage_all(runners: list[Runner]) -> None:
    async def one(number: int, runner: Runner) -> None:
        await runner.send("/start")
        consent = await runner.expect_keyboard(CONTENT.strings.consent_button, timeout=60)
        await runner.tap(consent, CONTENT.strings.consent_button)
        await walk(runner, SCRIPTS[number % len(SCRIPTS)], patience=60)

    await asyncio.gather(*(one(n, r) for n, r in enumerate(runners)))


async def reminder_claimant(url: str, cluster: Cluster) -> int:
    """The instance that claimed the due reminders, as soon as it has (a claimant names its process id)."""
    conn = await asyncpg.connect(url)
    try:
        claimed = "SELECT claimed_by FROM reminder_log WHERE status = 'claimed' LIMIT 1"
        while not (holder := await conn.fetchval(claimed)):
            await asyncio.sleep(0.02)  # polling the database for the claim; nothing to subscribe to
    finally:
        await conn.close()
    pids = [bot.process.pid if bot.process else None for bot in cluster.bots]
    return next(n for n, pid in enumerate(pids) if f"-{pid}-" in holder)


async def checkins_stored(url: str) -> dict[int, int]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT user_id, count(*) FROM checkins GROUP BY user_id")
    finally:
        await conn.close()
    return {int(user): int(count) for user, count in rows}


def send_button(message: Message) -> str | None:
    """The label of the broadcast preview's "Send to N runners" (N is who had consented by then)."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return next((b["text"] for row in rows for b in row if b["text"].startswith("Send to")), None)


def tally(counts: Counter[int], users: range, what: str) -> tuple[int, int]:
    lost = sum(1 for u in users if counts.get(u, 0) == 0)
    duplicated = sum(counts[u] - 1 for u in users if counts.get(u, 0) > 1)
    print(f"{what}: {len(users)} runners, {lost} lost, {duplicated} sent twice")
    return lost, duplicated


async def test_three_instances_lose_nothing_when_one_is_killed(
    peer: Peer, http: httpx.AsyncClient, tmp_path: Path, postgres: Server
) -> None:
    url = postgres.fresh_database()
    clock = tmp_path / "clock.txt"
    clock.write_text("2026-03-02T17:50:00+00:00")  # 18:50 in Berlin; reminders at 19:00
    env = {
        "TEST_CLOCK_FILE": str(clock),
        "SCHEDULER_POLL_SECONDS": "0.2",
        "ADMIN_IDS": str(ADMIN),
        "SEND_RATE_PER_SECOND": "50",  # for the whole bot: 200 reminders take 4 s at the least
        "PER_CHAT_RATE_PER_SECOND": "50",
        "CLAIM_LEASE_SECONDS": "3",  # survivors take a dead instance's claims over after this
    }
    cluster = Cluster(peer, tmp_path, url, extra_env=env).start()
    triaging: asyncio.Future[None] | None = None
    checking_in: asyncio.Future[list[None]] | None = None
    try:
        first = Runner(peer, cluster.token, REMINDED[0], http)
        await with_reminder(first)
        await asyncio.to_thread(add_runners, url, REMINDED[1:], first.user_id)
        admin = Runner(peer, cluster.token, ADMIN, http)
        await admin.send("/start")
        await admin.expect_keyboard(CONTENT.strings.consent_button, timeout=20)

        runners = [Runner(peer, cluster.token, u, http) for u in RUNNERS]
        triaging = asyncio.ensure_future(triage_all(runners))
        await admin.send(f"/broadcast {NOTICE}")
        preview = await admin.find(lambda m: send_button(m) is not None, timeout=30)
        assert preview is not None
        await admin.tap(preview, send_button(preview) or "")

        # with the broadcast running, the reminders fall due and 50 runners check in; the kill: the
        # instance that claimed the reminders, the moment it has, while it sends them
        claimant = asyncio.ensure_future(reminder_claimant(url, cluster))
        clock.write_text("2026-03-02T18:00:30+00:00")
        checking_in = asyncio.ensure_future(
            asyncio.gather(*(check_in_a_good_day(Runner(peer, cluster.token, u, http)) for u in CHECKING_IN))
        )
        victim = await asyncio.wait_for(claimant, 120)
        cluster.bots[victim].kill()
        reminders_before = sum(received(peer, cluster.token, is_reminder).values())
        print(f"killed instance {victim} with {reminders_before} of {len(REMINDED)} reminders sent")
        survivors = [n for n in range(len(cluster.bots)) if n != victim]

        await asyncio.wait_for(triaging, 240)
        await asyncio.wait_for(checking_in, 240)
        await asyncio.wait_for(everyone_received(peer, cluster.token, is_reminder, REMINDED), 120)
        await admin.find(lambda m: "Finished" in m.get("text", ""), 120)
        health = [await cluster.healthz(n) for n in survivors]
    finally:
        for talking in (triaging, checking_in):
            if talking is not None:
                talking.cancel()  # when something above failed: no runner talks to a stopped bot
        cluster.stop()

    owed = await owed_answers(url)
    lost = duplicated = 0
    for runner in runners:
        messages = await runner.messages()
        counts = Counter(q for q in owed.get(runner.user_id, []) for m in messages if asks(m, q))
        lost += sum(1 for q in owed.get(runner.user_id, []) if counts[q] == 0)
        duplicated += sum(n - 1 for n in counts.values() if n > 1)
    print(f"triage: {len(RUNNERS)} runners, {lost} answers lost, {duplicated} sent twice")
    assert all(owed.get(u) for u in RUNNERS), "every runner's triage reached the database"
    assert lost == 0

    assert await checkins_stored(url) == dict.fromkeys(CHECKING_IN, 1), "every check-in stored, once"

    reminder_lost, reminder_twice = tally(received(peer, cluster.token, is_reminder), REMINDED, "reminders")
    notices = received(peer, cluster.token, is_notice)
    notice_lost, notice_twice = tally(notices, REMINDED, "broadcast")
    assert reminders_before < len(REMINDED), "the reminders went out before the kill"
    assert reminder_lost == 0 and notice_lost == 0
    assert reminder_twice + notice_twice + duplicated <= AT_LEAST_ONCE_WINDOW
    assert health == [200, 200], "the survivors' /healthz is green"
