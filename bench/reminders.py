"""Reminders at scale: our database-driven scheduler against PTB's JobQueue.run_daily, in one run.

  - 100,000 users with reminders: start-up time and RSS of a process that opens the store and runs
    a scheduler tick, beside a process that registers the same 100,000 daily jobs in JobQueue;
  - the due query on a 1,000,000-row reminders table (the scheduler's own SQL), p50/p99;
  - the sustained send rate through SendLimiter against the in-process fake Bot API.
RSS is also reported above each process's own baseline after the same imports.
Run: python -m bench.reminders, or python bench/reminders.py
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as a script: find the project as `python -m` from its root would
    sys.path.insert(0, str(ROOT))

USERS = 100_000
BIG_TABLE = 1_000_000
NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
SENT = 2_500  # reminders sent for the send rate: five of the scheduler's batches


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _state_json(zone: str) -> str:
    from flows.conversation import Conversation
    from flows.plan import PlanState
    from flows.reminders import ReminderSettings

    state = Conversation(
        consented=True,
        plan=PlanState(pattern="overuse", started_on=NOW.date()),
        reminders=ReminderSettings(zone=zone, time="19:00", morning=None),
    )
    return state.model_dump_json()


def build_database(path: Path, users: int, rows_per_user: int = 1) -> None:
    """A store with `users` runners, each with a plan and reminder rows spread over a day."""
    from bot.store.sqlite import migrate

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    migrate(conn)
    data = _state_json("Europe/Berlin")
    base = int(NOW.timestamp())
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO users (user_id, consented, active, created_at, updated_at) VALUES (?, 1, 1, '', '')",
        ((u,) for u in range(1, users + 1)),
    )
    conn.executemany(
        "INSERT INTO flow_state (user_id, flow, state, data, version) VALUES (?, 'conversation', 'idle', ?, 1)",
        ((u, data) for u in range(1, users + 1)),
    )
    conn.executemany(
        "INSERT INTO reminders (user_id, kind, local_time, next_due_at) VALUES (?, ?, '19:00', ?)",
        (
            (u, f"k{k}", base + ((u * 7919 + k * 104729) % 86_400))
            for u in range(1, users + 1)
            for k in range(rows_per_user)
        ),
    )
    conn.execute("COMMIT")
    conn.close()


def build_due_database(path: Path, users: int) -> None:
    """A store with `users` runners whose reminders all fell due a minute before NOW."""
    build_database(path, users)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE reminders SET next_due_at = ?", (int(NOW.timestamp()) - 60,))
    conn.commit()
    conn.close()


DUE_SQL = (
    "SELECT r.id, r.user_id, r.kind, r.local_time, r.next_due_at, f.data, u.active "
    "FROM reminders r JOIN users u USING (user_id) LEFT JOIN flow_state f USING (user_id) "
    "WHERE r.next_due_at <= ? ORDER BY r.next_due_at LIMIT ?"
)


def due_query_latency(path: Path, runs: int = 300) -> tuple[float, float, int]:
    conn = sqlite3.connect(path)
    base = int(NOW.timestamp())
    timings = []
    found = 0
    for i in range(runs):
        now = base + 60 * (i % 1440)
        started = time.perf_counter()
        found = len(conn.execute(DUE_SQL, (now, 500)).fetchall())
        timings.append(time.perf_counter() - started)
    conn.close()
    timings.sort()
    return statistics.median(timings) * 1e3, timings[int(len(timings) * 0.99)] * 1e3, found


# --- measured in their own processes ------------------------------------------------------


def _common_imports() -> None:
    import telegram.ext  # noqa: F401

    import bot.app  # noqa: F401  (the same modules on both sides, so their RSS baselines match)


async def _ours(path: str) -> dict[str, float]:
    from bot.clock import ManualClock
    from bot.scheduler import Scheduler
    from bot.store import SqliteStore
    from content import load_content
    from tests.fake_bot_api import FakeBotApi

    _common_imports()
    content = load_content()
    base_rss = rss_mib()
    started = time.perf_counter()
    store = SqliteStore(path)
    await store.open()
    from bot.polling import PollingBot

    bot = PollingBot("1:bench", request=FakeBotApi(), get_updates_request=FakeBotApi())
    scheduler = Scheduler(store, bot, lambda: content, ManualClock(NOW - timedelta(hours=1)))
    await scheduler.tick()
    startup = time.perf_counter() - started
    rss = rss_mib()
    await store.close()
    return {"startup_s": startup, "rss_mib": rss, "rss_delta_mib": rss - base_rss}


async def _jobqueue(users: int) -> dict[str, float]:
    from telegram.ext import ApplicationBuilder, ContextTypes

    from tests.fake_bot_api import FakeBotApi

    _common_imports()
    base_rss = rss_mib()
    api = FakeBotApi()
    app = ApplicationBuilder().token("1:bench").request(api).get_updates_request(api).updater(None).build()
    await app.initialize()
    await app.start()

    async def remind(context: ContextTypes.DEFAULT_TYPE) -> None:
        return None

    assert app.job_queue is not None
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/Berlin")
    started = time.perf_counter()
    for user in range(1, users + 1):
        minute = (user * 7919) % 1440
        when = clock_time(minute // 60, minute % 60, tzinfo=zone)
        app.job_queue.run_daily(remind, when, chat_id=user, user_id=user, name=f"r{user}")
    registration = time.perf_counter() - started
    rss = rss_mib()
    await app.stop()
    await app.shutdown()
    return {"startup_s": registration, "rss_mib": rss, "rss_delta_mib": rss - base_rss}


def _in_subprocess(kind: str, argument: str) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, "-m", "bench.reminders", "--measure", kind, argument],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return result


async def send_rate(limit: float, count: int, directory: Path) -> float:
    """Reminders per second sent by the scheduler through SendLimiter at `limit` per second, in the
    scheduler's own batches, one after another as its loop takes them."""
    from bot.clock import ManualClock
    from bot.polling import PollingBot
    from bot.scheduler import Scheduler
    from bot.send_limiter import SendLimiter
    from bot.store import SqliteStore
    from content import load_content
    from tests.fake_bot_api import FakeBotApi

    path = directory / "send.sqlite3"
    build_due_database(path, count)
    api = FakeBotApi()
    limiter = SendLimiter(limit, per_chat_per_second=1.0, per_chat_burst=5)
    bot = PollingBot("1:rate", request=api, get_updates_request=api, rate_limiter=limiter)
    await bot.initialize()
    store = SqliteStore(path)
    await store.open()
    content = load_content()
    scheduler = Scheduler(store, bot, lambda: content, ManualClock(NOW))
    started = time.perf_counter()
    while await scheduler.step(asyncio.Event()):  # every reminder is due: a full batch means more
        pass
    elapsed = time.perf_counter() - started
    await store.close()
    await bot.shutdown()
    return limiter.sent / elapsed


async def main() -> None:
    from bot.scheduler import BATCH

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        hundred_k = directory / "users.sqlite3"
        started = time.perf_counter()
        build_database(hundred_k, USERS)
        million = directory / "million.sqlite3"
        build_database(million, BIG_TABLE // 10, rows_per_user=10)
        built = time.perf_counter() - started
        p50, p99, found = due_query_latency(million)
        ours = _in_subprocess("ours", str(hundred_k))
        jobqueue = _in_subprocess("jobqueue", str(USERS))
        limit = 200.0
        rate = await send_rate(limit, SENT, directory)
    print(f"bench/reminders (fixtures built in {built:.1f} s)")
    print(
        f"  due query on {BIG_TABLE:,} rows: p50 {p50:.3f} ms, p99 {p99:.3f} ms"
        f" ({found} due rows per query)  target <= 5 ms"
    )
    print(
        f"  ours, {USERS:,} users: start-up {ours['startup_s'] * 1000:.0f} ms, RSS {ours['rss_mib']:.0f} MiB "
        f"(+{ours['rss_delta_mib']:.1f} MiB over its imports)"
    )
    print(
        f"  JobQueue.run_daily, {USERS:,} jobs: registration {jobqueue['startup_s']:.2f} s,"
        f" RSS {jobqueue['rss_mib']:.0f} MiB "
        f"(+{jobqueue['rss_delta_mib']:.1f} MiB over its imports)"
    )
    print(
        f"  RSS ratio ours/JobQueue: {ours['rss_mib'] / jobqueue['rss_mib']:.2f} total, "
        f"{ours['rss_delta_mib'] / max(jobqueue['rss_delta_mib'], 0.1):.3f} above imports  target <= 0.20"
    )
    print(
        f"  sustained send rate, {SENT:,} reminders in batches of {BATCH}:"
        f" {rate:.0f}/s against a limit of {limit:.0f}/s "
        f"({(rate / limit - 1) * 100:+.1f}%)  target within 10%"
    )


if __name__ == "__main__":
    if len(sys.argv) > 3 and sys.argv[1] == "--measure":
        measure = _ours(sys.argv[3]) if sys.argv[2] == "ours" else _jobqueue(int(sys.argv[3]))
        print(json.dumps(asyncio.run(measure)))
    else:
        asyncio.run(main())
