"""The one send limiter: a runner's reply goes before reminders and broadcasts already waiting."""

from __future__ import annotations

import asyncio

import pytest

from bot.send_limiter import Lane, SendingStopped, SendLimiter


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
