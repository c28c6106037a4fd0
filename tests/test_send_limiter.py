"""The one send limiter: a runner's reply goes before reminders and broadcasts already waiting."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from telegram.error import RetryAfter

from bot.send_limiter import Lane, SendingStopped, SendLimiter
from bot.store import PostgresStore
from tests.postgres_server import Server


class Sends:
    """Requests through the limiter as PTB makes them; remembers what reached Telegram, in order."""

    def __init__(self, limiter: SendLimiter) -> None:
        self.limiter = limiter
        self.sent: list[str] = []

    async def send(self, name: str, chat_id: int, lane: Lane | None) -> None:
        async def telegram() -> bool:
            self.sent.append(name)
            return True

        await self.limiter.process_request(telegram, (), {}, "sendMessage", {"chat_id": chat_id}, lane)


async def test_a_reply_overtakes_the_reminders_waiting_before_it() -> None:
    # one message every half second: the first reminder takes the slot free now, the rest wait
    sends = Sends(SendLimiter(2, per_chat_per_second=100, per_chat_burst=100))
    reminders = [asyncio.create_task(sends.send(f"reminder {i}", 100 + i, Lane.BACKGROUND)) for i in range(5)]
    await asyncio.sleep(0)  # every reminder has asked for its turn
    assert sends.sent == ["reminder 0"]
    await sends.send("reply", 1, None)  # a runner's reply: no lane named is the reply lane
    assert sends.sent == ["reminder 0", "reply"]
    sends.limiter.stopping.set()  # the bot stops: the reminders still waiting are not sent now
    outcomes = await asyncio.gather(*reminders, return_exceptions=True)
    assert [type(o) for o in outcomes[1:]] == [SendingStopped] * 4
    assert sends.sent == ["reminder 0", "reply"]


async def test_background_sends_take_their_turns_in_order() -> None:
    sends = Sends(SendLimiter(1000, per_chat_per_second=100, per_chat_burst=100))
    names = [f"broadcast {i}" for i in range(300)]
    await asyncio.gather(*(sends.send(name, 100 + i, Lane.BACKGROUND) for i, name in enumerate(names)))
    assert sends.sent == names


async def test_a_send_after_the_stop_is_not_made() -> None:
    sends = Sends(SendLimiter(25))
    sends.limiter.stopping.set()
    with pytest.raises(SendingStopped):
        await sends.send("reply", 1, None)
    assert sends.sent == []


# --- several processes, one PostgreSQL database: one rate for the whole bot -------------------------


@pytest.fixture
async def two_processes(postgres: Server) -> AsyncIterator[tuple[PostgresStore, PostgresStore]]:
    """Two processes' stores, each with its own connections, on one database."""
    url = postgres.fresh_database()
    stores = (PostgresStore(url), PostgresStore(url))
    for store in stores:
        await store.open()
    yield stores
    for store in stores:
        await store.close()
    postgres.drop_database(url)


class Timed(Sends):
    """Also remembers when each message reached Telegram."""

    def __init__(self, limiter: SendLimiter, times: list[float]) -> None:
        super().__init__(limiter)
        self.times = times

    async def send(self, name: str, chat_id: int, lane: Lane | None) -> None:
        async def telegram() -> bool:
            self.times.append(time.monotonic())
            self.sent.append(name)
            return True

        await self.limiter.process_request(telegram, (), {}, "sendMessage", {"chat_id": chat_id}, lane)


async def test_two_processes_together_keep_to_the_one_rate(two_processes: tuple[PostgresStore, PostgresStore]) -> None:
    rate, burst, each = 50, 5, 60  # a burst of a tenth of a second's worth (see SendLimiter)
    times: list[float] = []
    processes = [Timed(SendLimiter(rate, per_chat_per_second=100, shared=store), times) for store in two_processes]
    await asyncio.gather(*(p.send(f"broadcast {i}", 100 + i, Lane.BACKGROUND) for p in processes for i in range(each)))
    assert len(times) == 2 * each
    times.sort()
    # in any stretch of the run, no more than the rate allows and one burst; a sleeper may wake
    # late and send next to the following one: a tenth of a second's worth of slack for that.
    # Each process alone at the rate would send twice as many.
    for first in range(len(times)):
        for last in range(first, len(times)):
            allowed = rate * (times[last] - times[first] + 0.1) + burst
            assert last - first + 1 <= allowed, f"{last - first + 1} sends in {times[last] - times[first]:.2f} s"


class Paused:
    """A process's shared pace that says when it has passed a flood pause on."""

    def __init__(self, store: PostgresStore) -> None:
        self.store = store
        self.told = asyncio.Event()

    async def reserve_send(self, interval: float, burst: int) -> float:
        return await self.store.reserve_send(interval, burst)

    async def pause_sends(self, seconds: float) -> None:
        await self.store.pause_sends(seconds)
        self.told.set()


async def test_a_flood_pause_seen_by_one_process_holds_the_other(
    two_processes: tuple[PostgresStore, PostgresStore],
) -> None:
    first_pace = Paused(two_processes[0])
    first = SendLimiter(25, shared=first_pace)
    other = Timed(SendLimiter(25, shared=two_processes[1]), [])
    flooded: list[float] = []

    async def too_many() -> bool:
        if not flooded:
            flooded.append(time.monotonic())
            raise RetryAfter(1)
        return True

    retried = asyncio.create_task(first.process_request(too_many, (), {}, "sendMessage", {"chat_id": 1}, None))
    await first_pace.told.wait()
    await other.send("reply elsewhere", 2, None)
    assert await retried is True
    assert other.times[0] - flooded[0] >= 0.95, "the other process waited out the pause too"


async def test_with_a_shared_pace_a_reply_still_overtakes_the_reminders(postgres: Server) -> None:
    url = postgres.fresh_database()
    store = PostgresStore(url)
    await store.open()
    try:
        # one message a second: the first reminder takes the slot free now, the rest wait
        sends = Sends(SendLimiter(1, per_chat_per_second=100, per_chat_burst=100, shared=store))
        sent_first = asyncio.Event()

        async def reminder(i: int) -> None:
            await sends.send(f"reminder {i}", 100 + i, Lane.BACKGROUND)
            sent_first.set()

        reminders = [asyncio.create_task(reminder(i)) for i in range(5)]
        await sent_first.wait()
        await sends.send("reply", 1, None)
        assert sends.sent == ["reminder 0", "reply"]
        sends.limiter.stopping.set()
        await asyncio.gather(*reminders, return_exceptions=True)
        assert sends.sent == ["reminder 0", "reply"]
    finally:
        await store.close()
        postgres.drop_database(url)
